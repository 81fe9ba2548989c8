//! `meridian validate` as CI runs it: the binary, its output and exit status.

use std::process::Command;

fn validate(paths: &[&std::path::Path]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_meridian")).arg("validate").args(paths).output().expect("run meridian");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn invalid_descriptors_fail_with_file_line_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catalog-info.yaml");
    std::fs::write(
        &file,
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: good\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: bad name\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n",
    )
    .unwrap();
    let (code, stdout, stderr) = validate(&[&file]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let expected = format!("{}:13:9: error: metadata.name `bad name` is not valid", file.display());
    assert!(stdout.lines().any(|l| l.starts_with(&expected)), "{stdout}");
    assert!(stderr.contains("1 valid entities, 1 errors"), "{stderr}");
}

#[test]
fn the_demo_catalog_is_valid() {
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/catalog");
    let (code, stdout, stderr) = validate(&[&demo]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    // Imperfect on purpose (demo/catalog/services.yaml): one owner is a team that no longer exists.
    let problems: Vec<&str> = stdout.lines().collect();
    assert_eq!(problems.len(), 1, "{stdout}");
    assert!(problems[0].ends_with("warning: spec.owner: `group:default/team-messaging`: no entity `group:default/team-messaging` in the catalog [component:default/notifications]"), "{stdout}");
    assert!(problems[0].contains("services.yaml:"), "{stdout}");
    assert!(stderr.contains("42 valid entities, 0 errors, 1 warnings"), "{stderr}");
}

#[test]
fn missing_paths_are_errors() {
    let (code, stdout, _) = validate(&[std::path::Path::new("/no/such/catalog.yaml")]);
    assert_eq!(code, 1);
    assert!(stdout.contains("/no/such/catalog.yaml:1:1: error: no such file or folder"), "{stdout}");
}
