//! `meridian validate` as CI runs it: the binary, its output and exit status.

use std::process::Command;

fn validate(paths: &[&std::path::Path]) -> (i32, String, String) {
    validate_with(&[], paths)
}

fn validate_with(flags: &[&str], paths: &[&std::path::Path]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_meridian")).arg("validate").args(flags).args(paths).output().expect("run meridian");
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
    assert!(stderr.contains("1 valid entities, 0 valid SLOs, 0 valid scorecards, 1 errors"), "{stderr}");
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
    assert!(stderr.contains("44 valid entities, 4 valid SLOs, 1 valid scorecards, 0 errors, 1 warnings"), "{stderr}");
}

#[test]
fn missing_paths_are_errors() {
    let (code, stdout, _) = validate(&[std::path::Path::new("/no/such/catalog.yaml")]);
    assert_eq!(code, 1);
    assert!(stdout.contains("/no/such/catalog.yaml:1:1: error: no such file or folder"), "{stdout}");
}

#[test]
fn slo_problems_are_reported_with_descriptors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: shop\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n",
    )
    .unwrap();
    let slos = "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: shop-up}\nspec:\n  service: shop\n  budgetingMethod: Occurrences\n  indicator:\n    spec:\n      ratioMetric:\n        good: {metricSource: {type: prometheus, spec: {}}}\n        total: {metricSource: {type: meridian, spec: {service: shop}}}\n  timeWindow: [{duration: 28d, isRolling: true}]\n  objectives: [{target: 0.99}]\n---\napiVersion: openslo/v1\nkind: SLO\nmetadata: {name: ghost-up}\nspec:\n  service: ghost\n  budgetingMethod: Occurrences\n  indicator:\n    spec:\n      ratioMetric:\n        good: {metricSource: {type: meridian, spec: {service: ghost, status: ok}}}\n        total: {metricSource: {type: meridian, spec: {service: ghost}}}\n  timeWindow: [{duration: 7d, isRolling: true}]\n  objectives: [{target: 0.99}]\n";
    std::fs::write(dir.path().join("slos.yaml"), slos).unwrap();
    let (code, stdout, stderr) = validate(&[dir.path()]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let file = dir.path().join("slos.yaml");
    let error = format!("{}:10:37: error: SLO `shop-up`: unknown metric source type `prometheus`", file.display());
    assert!(stdout.lines().any(|l| l.starts_with(&error)), "{stdout}");
    let warning =
        format!("{}:15:1: warning: SLO `ghost-up` is about service `ghost`, which no Component of the catalog is", file.display());
    assert!(stdout.lines().any(|l| l.starts_with(&warning)), "{stdout}");
    assert!(stderr.contains("1 valid entities, 1 valid SLOs, 0 valid scorecards, 1 errors, 2 warnings"), "{stderr}");
}

#[test]
fn custom_kinds_are_warnings_and_errors_with_strict() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catalog-info.yaml");
    std::fs::write(
        &file,
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: good}\nspec: {type: service, lifecycle: production, owner: team}\n---\napiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: new-service}\nspec: {type: service, steps: []}\n",
    )
    .unwrap();
    let (code, stdout, stderr) = validate(&[&file]);
    assert_eq!(code, 0, "kept with a warning: {stdout}{stderr}");
    let warning = format!("{}:7:7: warning: kind `Template` of apiVersion `scaffolder.backstage.io/v1beta3`", file.display());
    assert!(stdout.starts_with(&warning), "{stdout}");
    // The other warning: the owner `team` is not in the catalog.
    assert!(stderr.contains("2 valid entities") && stderr.contains("0 errors, 2 warnings"), "{stderr}");

    let (code, stdout, stderr) = validate_with(&["--strict"], &[&file]);
    assert_eq!(code, 1, "rejected as Backstage does: {stdout}{stderr}");
    assert!(stdout.starts_with(&warning.replace("warning:", "error:")), "{stdout}");
    assert!(stdout.contains("rejected, as Backstage's catalog rejects") && !stdout.contains("Meridian keeps it without"), "{stdout}");
    assert!(stderr.contains("1 valid entities") && stderr.contains("1 errors, 1 warnings"), "{stderr}");
}

/// `validate --strict catalog/*.yaml` answers as `validate --strict catalog/`:
/// SLOs and scorecards are not entities, an OpenAPI file beside the
/// descriptors is passed over, wherever the shell put the file names.
#[test]
fn files_named_one_by_one_answer_as_their_folder() {
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/catalog");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&demo)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    let files: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    let (folder_code, folder_out, folder_err) = validate_with(&["--strict"], &[&demo]);
    let (files_code, files_out, files_err) = validate_with(&["--strict"], &files);
    assert_eq!((files_code, files_out.as_str()), (folder_code, folder_out.as_str()), "{files_err}");
    let summary = |stderr: &str| stderr.lines().last().map(|l| l.split_once(" files, ").map(|(_, rest)| rest.to_string()));
    assert_eq!(summary(&files_err), summary(&folder_err), "{files_err}");
    assert!(files_err.contains("4 valid SLOs, 1 valid scorecards"), "each SLO counted once: {files_err}");

    // A file named explicitly with nothing for the catalog says so.
    let dir = tempfile::tempdir().unwrap();
    let openapi = dir.path().join("openapi.yaml");
    std::fs::write(&openapi, "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths: {}\n").unwrap();
    let (code, stdout, _) = validate(&[&openapi]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("openapi.yaml:1:1: warning: holds no catalog descriptor"), "{stdout}");
}
