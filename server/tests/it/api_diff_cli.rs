//! `meridian api diff` as CI runs it: the binary, its reports and exit codes,
//! references into other files, and API versions the server stored.

use std::path::{Path, PathBuf};
use std::process::Command;

fn api_diff(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_meridian")).args(["api", "diff"]).args(args).output().expect("run meridian");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn pair() -> (String, String) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts/tests/data");
    (data.join("orders-v1.yaml").display().to_string(), data.join("orders-v2.yaml").display().to_string())
}

#[test]
fn breaking_changes_exit_1_and_every_format_reports_them() {
    let (old, new) = pair();
    let (code, stdout, stderr) = api_diff(&[&old, &new]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.lines().any(|l| l.starts_with("BREAKING")
            && l.contains("request-parameter-max-decreased ")
            && l.ends_with(&format!("GET /orders          `maximum` of query parameter `limit` changed from 100 to 50  [{new}:8:60]"))),
        "{stdout}"
    );
    assert!(stderr.contains("30 changes: 18 breaking, 4 warnings, 8 non-breaking"), "{stderr}");

    let (code, stdout, _) = api_diff(&[&old, &new, "--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!((json["changes"].as_u64(), json["groups"].as_array().map(Vec::len)), (Some(30), Some(30)), "{json}");
    let limit = json["groups"].as_array().unwrap().iter().find(|g| g["id"] == "request-parameter-max-decreased").unwrap();
    assert_eq!(
        (limit["pointer"].as_str(), limit["location"].as_str()),
        (Some("/paths/~1orders/get/parameters/0/schema/maximum"), Some(format!("{new}:8:60").as_str())),
        "JSON has both"
    );
    let (_, stdout, _) = api_diff(&[&old, &new, "--format", "junit"]);
    assert!(stdout.contains("<testsuites name=\"meridian api diff\" tests=\"30\" failures=\"18\">"), "{stdout}");
    let (_, stdout, _) = api_diff(&[&old, &new, "--format", "markdown"]);
    assert!(stdout.starts_with("| Level | Check | What changed | Change | Operations |"), "{stdout}");
    // What is shown is chosen apart from what fails the run.
    let (code, stdout, _) = api_diff(&[&old, &new, "--level", "breaking"]);
    assert_eq!((code, stdout.lines().count()), (1, 18), "{stdout}");
    let (code, stdout, _) = api_diff(&[&old, &new, "--level", "warning", "--fail-on", "INFO"]);
    assert_eq!((code, stdout.lines().count()), (1, 22), "{stdout}");
}

#[test]
fn fail_on_sets_the_level_that_fails() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.yaml");
    let new = dir.path().join("new.yaml");
    std::fs::write(&old, "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      parameters: [{name: q, in: query, schema: {type: string}}]\n      responses: {'200': {description: ok}}\n").unwrap();
    std::fs::write(&new, "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n").unwrap();
    let (old, new) = (old.display().to_string(), new.display().to_string());
    assert_eq!(api_diff(&[&old, &new]).0, 0, "a removed parameter is a warning");
    assert_eq!(api_diff(&[&old, &new, "--fail-on", "WARNING"]).0, 1);
    assert_eq!(api_diff(&[&new, &old, "--fail-on", "WARN"]).0, 0, "an optional parameter added is info");
    assert_eq!(api_diff(&[&new, &old, "--fail-on", "INFO"]).0, 1);
}

#[test]
fn unreadable_input_exits_2_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "openapi: 3.0.0\npaths:\n  /a: [x\n").unwrap();
    let (old, _) = pair();
    let (code, _, stderr) = api_diff(&[&bad.display().to_string(), &old]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(&format!("{}:4:1: invalid YAML", std::fs::canonicalize(&bad).unwrap().display())), "{stderr}");

    let broken_ref = dir.path().join("ref.yaml");
    std::fs::write(&broken_ref, "openapi: 3.0.0\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: './missing.yaml#/A'}\n").unwrap();
    let (code, _, stderr) = api_diff(&[&broken_ref.display().to_string(), &old]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("ref.yaml:5:16: cannot read `./missing.yaml#/A`"), "{stderr}");

    let (code, _, stderr) = api_diff(&[&old]);
    assert_eq!(code, 2);
    assert!(stderr.contains("give the new version too"), "{stderr}");
}

#[test]
fn references_into_other_files_are_followed_but_not_out_of_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let apis = dir.path().join("apis");
    std::fs::create_dir_all(&apis).unwrap();
    let document = |schemas: &str| {
        format!(
            "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content: {{application/json: {{schema: {{$ref: '{schemas}#/Thing'}}}}}}\n"
        )
    };
    std::fs::write(apis.join("old.yaml"), document("./old-schemas.yaml")).unwrap();
    std::fs::write(apis.join("new.yaml"), document("./new-schemas.yaml")).unwrap();
    std::fs::write(apis.join("old-schemas.yaml"), "Thing: {type: object, required: [id], properties: {id: {type: string}}}\n").unwrap();
    std::fs::write(apis.join("new-schemas.yaml"), "Thing: {type: object, properties: {name: {type: string}}}\n").unwrap();
    let path = |name: &str| apis.join(name).display().to_string();
    let (code, stdout, stderr) = api_diff(&[&path("old.yaml"), &path("new.yaml")]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("response-required-property-removed"), "{stdout}");
    assert!(stdout.contains("new-schemas.yaml#/Thing") || stdout.contains("old-schemas.yaml#/Thing/properties/id"), "{stdout}");

    std::fs::write(dir.path().join("outside.yaml"), "Thing: {type: object}\n").unwrap();
    std::fs::write(apis.join("escape.yaml"), document("../outside.yaml")).unwrap();
    let (code, _, stderr) = api_diff(&[&path("escape.yaml"), &path("new.yaml")]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("outside the folders"), "{stderr}");
}

#[test]
fn an_entity_ref_alone_compares_its_last_two_versions() {
    let dir = tempfile::tempdir().unwrap();
    let database: PathBuf = dir.path().join("meridian.db");
    let url = format!("sqlite://{}", database.display());
    let (old, new) = pair();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = server::store::Store::connect(&url).await.unwrap();
        for (at, path) in [(100, &old), (200, &new), (300, &new)] {
            let definition = server::store::ApiDefinition {
                entity_ref: "api:default/orders".into(),
                api_type: "openapi".into(),
                definition: std::fs::read_to_string(path).unwrap(),
                source: format!("file:{}", dir.path().join("catalog-info.yaml").display()),
            };
            store.record_api_versions(&[definition], at).await.unwrap();
        }
        let versions = store.api_versions("api:default/orders").await.unwrap();
        assert_eq!(
            versions.iter().map(|v| (v.version, v.first_seen_unix_secs)).collect::<Vec<_>>(),
            [(1, 100), (2, 200)],
            "an unchanged definition is no new version"
        );
        store.close().await;
    });
    let (code, stdout, stderr) = api_diff(&["api:default/orders", "--database-url", &url]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("30 changes"), "{stderr}");
    let (code, _, stderr) = api_diff(&["api:orders", &new, "--database-url", &url]);
    assert_eq!(code, 0, "the latest version against the same text: {stderr}");
    let (code, _, stderr) = api_diff(&["api:default/payments", "--database-url", &url]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no API `api:default/payments` in sqlite://"), "{stderr}");

    // Pointed at no database (run outside the folder `serve` runs in, say):
    // said so, and nothing is created.
    let elsewhere = dir.path().join("elsewhere/data/meridian.db");
    let missing = format!("sqlite://{}", elsewhere.display());
    let (code, _, stderr) = api_diff(&["api:default/orders", "--database-url", &missing]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no database at") && stderr.contains("--database-url"), "{stderr}");
    assert!(!dir.path().join("elsewhere").exists(), "no folder or file was created");

    // Or ask the server that stored them, which reads their `$ref`s where it runs.
    let catalog = dir.path().join("catalog");
    std::fs::create_dir(&catalog).unwrap();
    std::fs::copy(&new, catalog.join("orders.yaml")).unwrap();
    std::fs::write(
        catalog.join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: orders}\nspec: {type: openapi, lifecycle: production, owner: team, definition: {$text: ./orders.yaml}}\n",
    )
    .unwrap();
    let server = runtime.block_on(crate::common::start(Some(url.clone()), vec![catalog]));
    let (code, stdout, stderr) = api_diff(&["api:default/orders", "--server", &server.base]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("30 changes: 18 breaking"), "the server's versions 1 and 2: {stderr}");
    let (_, stdout, _) = api_diff(&["api:orders", "--server", &format!("{}/", server.base), "--format", "json"]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&stdout).unwrap()["changes"].as_u64(), Some(30));
    let (code, _, stderr) = api_diff(&["api:default/payments", "--server", &server.base]);
    assert_eq!(code, 2);
    assert!(stderr.contains(&format!("no API `api:default/payments` on {}", server.base)), "{stderr}");
    let (code, _, stderr) = api_diff(&["api:default/orders", &new, "--server", &server.base]);
    assert_eq!(code, 2);
    assert!(stderr.contains("with --server, give one API entity ref"), "{stderr}");
    runtime.block_on(server.running.stop());
}
