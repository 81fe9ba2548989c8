//! Registration: watched folders, registered locations, orphans, and the
//! bearer tokens that guard writes.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::*;

fn component(name: &str, description: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  description: {description}\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n"
    )
}

async fn entity(base: &str, name: &str) -> Option<Value> {
    let (status, body) = get_json(&format!("{base}/api/catalog/entities/by-name/component/default/{name}")).await;
    (status == 200).then_some(body)
}

/// Polls until `check` holds for the entity (or its absence), up to 10 s.
async fn wait_for(base: &str, name: &str, check: impl Fn(Option<&Value>) -> bool) -> Duration {
    let started = Instant::now();
    loop {
        let found = entity(base, name).await;
        if check(found.as_ref()) {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{name}: condition not met in 10 s; last: {found:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

#[tokio::test]
async fn writes_need_a_valid_bearer_token() {
    let server = start(None, vec![]).await;
    let url = format!("{}/api/catalog/locations", server.base);
    let body = json!({"type": "file", "target": "/tmp"});
    let anonymous = client().post(&url).json(&body).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let error: Value = anonymous.json().await.unwrap();
    assert_eq!(error["error"]["name"], "AuthenticationError");
    let wrong = client().post(&url).bearer_auth("not-the-token").json(&body).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let relative =
        client().post(&url).bearer_auth(TEST_TOKEN).json(&json!({"type": "file", "target": "relative/path"})).send().await.unwrap();
    assert_eq!(relative.status(), 400, "authorised, but the target must be absolute");
    server.running.stop().await;
}

#[tokio::test]
async fn watched_folder_edits_show_up_and_removals_orphan() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), component("alpha", "first")).unwrap();
    let server = start(None, vec![dir.path().to_path_buf()]).await;
    assert!(entity(&server.base, "alpha").await.is_some());

    std::fs::write(dir.path().join("b.yaml"), component("beta", "second")).unwrap();
    let added = wait_for(&server.base, "beta", |e| e.is_some()).await;
    std::fs::write(dir.path().join("a.yaml"), component("alpha", "edited")).unwrap();
    let edited = wait_for(&server.base, "alpha", |e| e.is_some_and(|e| e["metadata"]["description"] == "edited")).await;
    eprintln!("visible after: add {added:?}, edit {edited:?}");

    // An invalid edit keeps the last good version, with the error in its status.
    std::fs::write(dir.path().join("a.yaml"), component("alpha", "broken").replace("owner: team\n", "")).unwrap();
    wait_for(&server.base, "alpha", |e| e.is_some_and(|e| e["status"]["items"][0]["level"] == "error")).await;
    let alpha = entity(&server.base, "alpha").await.unwrap();
    assert_eq!(alpha["metadata"]["description"], "edited", "the last good version is served");
    let message = alpha["status"]["items"][0]["message"].as_str().unwrap();
    assert!(message.ends_with("a.yaml:6:1: spec.owner: required field is missing"), "{message}");
    assert!(alpha["metadata"]["annotations"].get("backstage.io/orphan").is_none());
    let (_, problems) = get_json(&format!("{}/api/v1/catalog/problems", server.base)).await;
    assert_eq!(problems[0]["entityRef"], "component:default/alpha");
    assert_eq!(problems[0]["location"]["line"], 6);
    let (_, html) = (0, reqwest::get(format!("{}/catalog/default/component/alpha", server.base)).await.unwrap().text().await.unwrap());
    assert!(html.contains("spec.owner: required field is missing"), "the entity page shows the problem");

    std::fs::remove_file(dir.path().join("b.yaml")).unwrap();
    wait_for(&server.base, "beta", |e| e.is_some_and(|e| e["metadata"]["annotations"]["backstage.io/orphan"] == "true")).await;
    let uid = entity(&server.base, "beta").await.unwrap()["metadata"]["uid"].as_str().unwrap().to_string();
    let url = format!("{}/api/catalog/entities/by-uid/{uid}", server.base);
    assert_eq!(client().delete(&url).send().await.unwrap().status(), 401);
    assert_eq!(client().delete(&url).bearer_auth(TEST_TOKEN).send().await.unwrap().status(), 204);
    assert!(entity(&server.base, "beta").await.is_none());
    assert_eq!(client().delete(&url).bearer_auth(TEST_TOKEN).send().await.unwrap().status(), 404);

    // An entity registered through the API, deleted, stays deleted when a
    // file changes and the catalog is read again.
    let registered = client()
        .post(format!("{}/api/v1/entities", server.base))
        .bearer_auth(TEST_TOKEN)
        .header("content-type", "application/yaml")
        .body(component("gamma", "through the API"))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    // A text with an error registers nothing, and says it adds nothing.
    let refused = client()
        .post(format!("{}/api/v1/entities", server.base))
        .bearer_auth(TEST_TOKEN)
        .header("content-type", "application/yaml")
        .body(format!("{}---\n{}", component("delta", "fine"), component("bad name", "broken")))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!((refused["added"].clone(), refused["replaced"].clone()), (json!([]), json!([])), "{refused}");
    assert!(entity(&server.base, "delta").await.is_none(), "all or none");
    let uid = entity(&server.base, "gamma").await.unwrap()["metadata"]["uid"].as_str().unwrap().to_string();
    let url = format!("{}/api/catalog/entities/by-uid/{uid}", server.base);
    assert_eq!(client().delete(&url).bearer_auth(TEST_TOKEN).send().await.unwrap().status(), 204);
    std::fs::write(dir.path().join("a.yaml"), component("alpha", "read again")).unwrap();
    wait_for(&server.base, "alpha", |e| e.is_some_and(|e| e["metadata"]["description"] == "read again")).await;
    assert!(entity(&server.base, "gamma").await.is_none(), "a deleted registration does not come back");
    server.running.stop().await;
}

async fn register(base: &str, target: &Path, dry_run: bool) -> (u16, Value) {
    let url = format!("{base}/api/catalog/locations{}", if dry_run { "?dryRun=true" } else { "" });
    let response = client().post(url).bearer_auth(TEST_TOKEN).json(&json!({"type": "file", "target": target})).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn registered_locations_persist_and_can_be_removed() {
    let state = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/m.db", state.path().display());
    let (configured, registered, preview) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    std::fs::write(configured.path().join("c.yaml"), component("configured", "from --catalog")).unwrap();
    std::fs::write(registered.path().join("r.yaml"), component("registered", "through the API")).unwrap();
    std::fs::write(preview.path().join("p.yaml"), component("previewed", "dry run only")).unwrap();

    let allow = vec![registered.path().to_path_buf(), preview.path().to_path_buf()];
    let server = start_with(Some(database.clone()), vec![configured.path().to_path_buf()], |c| c.allow_paths = allow.clone()).await;
    let (status, dry) = register(&server.base, preview.path(), true).await;
    assert_eq!(status, 200);
    assert_eq!(dry["entities"][0]["metadata"]["name"], "previewed");
    assert!(entity(&server.base, "previewed").await.is_none(), "a dry run registers nothing");

    let (status, created) = register(&server.base, registered.path(), false).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["entities"][0]["metadata"]["name"], "registered");
    let id = created["location"]["id"].as_str().unwrap().to_string();
    assert!(entity(&server.base, "registered").await.is_some());
    let (status, again) = register(&server.base, registered.path(), false).await;
    assert_eq!((status, again["exists"].as_bool()), (200, Some(true)), "registering twice is idempotent");
    server.running.stop().await;

    // A restart keeps the registered location.
    let server = start_with(Some(database), vec![configured.path().to_path_buf()], |c| c.allow_paths = allow).await;
    let (_, locations) = get_json(&format!("{}/api/catalog/locations", server.base)).await;
    let ids: Vec<&str> = locations.as_array().unwrap().iter().map(|l| l["data"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&id.as_str()));
    let configured_id = ids.iter().find(|i| **i != id).unwrap().to_string();

    // Edits under a registered location are watched too.
    std::fs::write(registered.path().join("r2.yaml"), component("registered-two", "later")).unwrap();
    wait_for(&server.base, "registered-two", |e| e.is_some()).await;

    let remove = |id: String| {
        let url = format!("{}/api/catalog/locations/{id}", server.base);
        async move { client().delete(url).bearer_auth(TEST_TOKEN).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(remove(configured_id).await, 409, "--catalog locations cannot be removed through the API");
    assert_eq!(remove(id.clone()).await, 204);
    assert_eq!(remove(id).await, 404);
    let orphan = entity(&server.base, "registered").await.expect("kept as an orphan");
    assert_eq!(orphan["metadata"]["annotations"]["backstage.io/orphan"], "true");
    assert!(entity(&server.base, "configured").await.unwrap()["metadata"]["annotations"].get("backstage.io/orphan").is_none());
    server.running.stop().await;
}

async fn post_yaml(base: &str, yaml: &str, dry_run: bool) -> (u16, Value) {
    let url = format!("{base}/api/v1/entities{}", if dry_run { "?dryRun=true" } else { "" });
    let response =
        client().post(url).bearer_auth(TEST_TOKEN).header("content-type", "application/yaml").body(yaml.to_string()).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn entities_registered_as_yaml_are_all_or_nothing_and_persist() {
    let state = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/m.db", state.path().display());
    let server = start(Some(database.clone()), vec![]).await;
    let two = format!("{}---\n{}", component("posted-a", "one"), component("posted-b", "two"));

    let (status, preview) = post_yaml(&server.base, &two, true).await;
    assert_eq!(status, 200);
    assert_eq!((preview["applied"].as_bool(), preview["added"].as_array().unwrap().len()), (Some(false), 2));
    assert!(entity(&server.base, "posted-a").await.is_none(), "a dry run changes nothing");

    // One bad document: nothing is applied, and the problem names its place.
    let bad = format!("{two}---\n{}", component("bad name", "x"));
    let (status, refused) = post_yaml(&server.base, &bad, false).await;
    assert_eq!(status, 400);
    assert_eq!(refused["applied"], false);
    assert_eq!(refused["problems"][0]["location"]["file"], "request");
    assert_eq!(refused["problems"][0]["location"]["line"], 24);
    assert!(entity(&server.base, "posted-a").await.is_none());

    let (status, created) = post_yaml(&server.base, &two, false).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        entity(&server.base, "posted-b").await.unwrap()["metadata"]["annotations"]["backstage.io/managed-by-location"],
        "meridian:api"
    );
    let (status, replaced) = post_yaml(&server.base, &component("posted-a", "changed"), false).await;
    assert_eq!((status, replaced["replaced"][0].as_str()), (200, Some("component:default/posted-a")));
    assert_eq!(entity(&server.base, "posted-a").await.unwrap()["metadata"]["description"], "changed");
    let unauthorised = client().post(format!("{}/api/v1/entities", server.base)).body(two.clone()).send().await.unwrap();
    assert_eq!(unauthorised.status(), 401);
    server.running.stop().await;

    let again = start(Some(database), vec![]).await;
    assert_eq!(entity(&again.base, "posted-a").await.unwrap()["metadata"]["description"], "changed", "registrations persist");
    assert!(entity(&again.base, "posted-b").await.is_some());
    again.running.stop().await;
}

/// Serves `dir` over HTTP on 127.0.0.1 (on the test allow-list); returns its base URL.
async fn serve_folder(dir: &Path) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(dir));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn url_locations_on_the_allow_list_register_and_others_are_refused() {
    let repo = tempfile::tempdir().unwrap();
    let api = "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: remote-api}\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team\n  definition: {$text: ./openapi.yaml}\n";
    std::fs::write(repo.path().join("catalog-info.yaml"), format!("{}---\n{api}", component("remote", "from a URL"))).unwrap();
    std::fs::write(repo.path().join("openapi.yaml"), "openapi: 3.0.0\n").unwrap();
    let origin = serve_folder(repo.path()).await;
    let server = start(None, vec![]).await;
    let post = |body: Value, query: &'static str| {
        let url = format!("{}/api/catalog/locations{query}", server.base);
        async move { client().post(url).bearer_auth(TEST_TOKEN).json(&body).send().await.unwrap() }
    };
    let target = format!("{origin}/catalog-info.yaml");

    let preview = post(json!({"type": "url", "target": target}), "?dryRun=true").await;
    assert_eq!(preview.status(), 200);
    let preview: Value = preview.json().await.unwrap();
    assert_eq!(preview["entities"].as_array().unwrap().len(), 2, "{preview}");
    assert_eq!(preview["location"]["type"], "url");
    assert!(entity(&server.base, "remote").await.is_none(), "a dry run registers nothing");

    let created = post(json!({"type": "url", "target": target}), "").await;
    assert_eq!(created.status(), 201);
    let remote = entity(&server.base, "remote").await.expect("registered");
    assert_eq!(remote["metadata"]["annotations"]["backstage.io/managed-by-location"], format!("url:{target}"));
    let (_, api) = get_json(&format!("{}/api/catalog/entities/by-name/api/default/remote-api", server.base)).await;
    assert_eq!(api["spec"]["definition"], "openapi: 3.0.0\n", "the placeholder is read relative to the URL");
    let (_, locations) = get_json(&format!("{}/api/catalog/locations", server.base)).await;
    assert_eq!(locations[0]["data"]["target"], target.as_str());

    // Not on the allow-list (same server, other name: 403, as a folder outside
    // the allowed ones), unreadable, or not a URL (400): refused, with the reason.
    let refused = post(json!({"type": "url", "target": target.replace("127.0.0.1", "localhost")}), "").await;
    assert_eq!(refused.status(), 403);
    let message = refused.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("host `localhost` is not on the URL allow-list (--allow-url-host)"), "{message}");
    let missing = post(json!({"type": "url", "target": format!("{origin}/nope.yaml")}), "").await;
    assert_eq!(missing.status(), 400);
    let message = missing.json::<Value>().await.unwrap()["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("HTTP 404 Not Found"), "{message}");
    assert_eq!(post(json!({"type": "url", "target": "relative.yaml"}), "").await.status(), 400);
    server.running.stop().await;
}

#[tokio::test]
async fn files_are_read_only_under_the_catalog_and_allowed_folders() {
    let (catalog, allowed, secret) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    std::fs::write(secret.path().join("key.txt"), "s3cret").unwrap();
    std::fs::write(secret.path().join("s.yaml"), component("secret", "outside every root")).unwrap();
    // Inside --catalog: a placeholder that climbs out, a link that points out, and a huge file.
    let climbs = secret.path().strip_prefix("/").unwrap().display().to_string();
    let depth = catalog.path().components().count() - 1;
    let escape = format!("{}{climbs}/key.txt", "../".repeat(depth));
    std::fs::write(catalog.path().join("a.yaml"), format!("{}  system:\n    $text: {escape}\n", component("placeholder", "reads a file")))
        .unwrap();
    std::os::unix::fs::symlink(secret.path().join("s.yaml"), catalog.path().join("linked.yaml")).unwrap();
    let huge = std::fs::File::create(catalog.path().join("huge.yaml")).unwrap();
    huge.set_len(catalog::MAX_TEXT_BYTES + 1).unwrap();
    std::fs::write(catalog.path().join("fine.yaml"), component("fine", "loads")).unwrap();
    std::fs::write(allowed.path().join("b.yaml"), component("allowed", "under --allow-path")).unwrap();

    let server = start_with(None, vec![catalog.path().to_path_buf()], |c| c.allow_paths = vec![allowed.path().to_path_buf()]).await;
    assert!(entity(&server.base, "fine").await.is_some(), "the rest of the catalog loads");
    assert!(entity(&server.base, "secret").await.is_none(), "a link out of the catalog is not followed");
    let (_, problems) = get_json(&format!("{}/api/v1/catalog/problems", server.base)).await;
    let text = problems.to_string();
    assert!(!text.contains("s3cret"), "{text}");
    let problem = |about: &str| {
        problems
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.to_string().contains(about) && p["message"].as_str().is_some_and(|m| m.contains("outside the folders")))
    };
    assert!(problem("key.txt"), "the placeholder's `../` is refused: {text}");
    assert!(problem("linked.yaml"), "the link is refused: {text}");
    assert!(text.contains("larger than 16 MiB"), "{text}");
    let placeholder = entity(&server.base, "placeholder").await;
    assert!(placeholder.as_ref().is_none_or(|e| !e.to_string().contains("s3cret")), "{placeholder:?}");

    for target in [Path::new("/"), Path::new("/etc"), secret.path()] {
        let (status, body) = register(&server.base, target, false).await;
        assert_eq!(status, 403, "{}: {body}", target.display());
        assert_eq!(body["error"]["name"], "NotAllowedError");
    }
    let (status, body) = register(&server.base, allowed.path(), false).await;
    assert_eq!(status, 201, "{body}");
    assert!(entity(&server.base, "allowed").await.is_some());
    server.running.stop().await;
}

#[tokio::test]
async fn hostile_files_each_get_a_clear_problem_and_the_rest_of_the_catalog_loads() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &[u8]| std::fs::write(dir.path().join(name), text).unwrap();
    write("fine.yaml", component("fine", "loads").as_bytes());
    write("deep.yaml", format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)).as_bytes());
    let bad = "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: -bad-\n";
    write("many.yaml", bad.repeat(catalog::yaml::MAX_DOCUMENTS_PER_FILE + 10).as_bytes());
    write("string.yaml", component("long", &"x".repeat(8 * 1024 * 1024)).as_bytes());
    write("dup.yaml", b"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\n  name: b\n");
    write("utf8.yaml", b"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: \xff\xfe\n");
    write("aliases.yaml", b"a: &a [1, 2]\nb: [*a, *a]\n");
    let huge = std::fs::File::create(dir.path().join("huge.yaml")).unwrap();
    huge.set_len(100 * 1024 * 1024).unwrap();

    let server = start(None, vec![dir.path().to_path_buf()]).await;
    assert!(entity(&server.base, "fine").await.is_some());
    assert!(entity(&server.base, "long").await.is_some(), "a long description is text like any other");
    let (_, problems) = get_json(&format!("{}/api/v1/catalog/problems", server.base)).await;
    let first = |file: &str| {
        problems
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["location"]["file"].as_str().is_some_and(|f| f.ends_with(file)) && p["severity"] == "error")
            .map(|p| p["message"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    };
    assert!(first("deep.yaml").contains("recursion limit exceeded"), "{problems}");
    assert!(first("huge.yaml").contains("larger than 16 MiB"));
    assert!(first("dup.yaml").contains("duplicate key `name`"));
    assert!(first("utf8.yaml").contains("not UTF-8"));
    assert!(first("aliases.yaml").starts_with("YAML anchor `&a` is not read here"), "{}", first("aliases.yaml"));
    let anchor = problems.as_array().unwrap().iter().find(|p| p["location"]["file"].as_str().is_some_and(|f| f.ends_with("aliases.yaml")));
    assert_eq!(
        anchor.map(|p| (p["location"]["line"].as_u64(), p["location"]["column"].as_u64())),
        Some((Some(1), Some(4))),
        "at the anchor itself"
    );
    let many =
        problems.as_array().unwrap().iter().filter(|p| p["location"]["file"].as_str().is_some_and(|f| f.ends_with("many.yaml"))).count();
    assert_eq!(many, catalog::parse::MAX_PROBLEMS_PER_FILE + 1, "the problems of one file are bounded");
    server.running.stop().await;
}

#[tokio::test]
async fn custom_kinds_are_kept_by_default_and_refused_with_strict_kinds() {
    let template =
        "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: new-service}\nspec: {type: service, steps: []}\n";
    let lower_case = "apiVersion: backstage.io/v1alpha1\nkind: component\nmetadata: {name: lower}\nspec: {type: service, lifecycle: production, owner: team}\n";
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("template.yaml"), template.replace("new-service", "from-a-file")).unwrap();
    let template_from_file =
        |base: String| async move { get_json(&format!("{base}/api/catalog/entities/by-name/template/default/from-a-file")).await.0 };

    let lenient = start(None, vec![folder.path().to_path_buf()]).await;
    let (status, kept) = post_yaml(&lenient.base, template, false).await;
    assert_eq!(status, 201, "{kept}");
    assert_eq!(kept["problems"][0]["severity"], "warning", "{kept}");
    assert_eq!(template_from_file(lenient.base.clone()).await, 200);
    let (status, refused) = post_yaml(&lenient.base, lower_case, false).await;
    assert_eq!(status, 400, "a case variant of a built-in kind is refused in both modes: {refused}");
    assert!(refused["problems"][0]["message"].as_str().unwrap().contains("did you mean `Component`?"), "{refused}");
    lenient.running.stop().await;

    let strict = start_with(None, vec![folder.path().to_path_buf()], |config| config.kinds = catalog::Kinds::Strict).await;
    let (status, refused) = post_yaml(&strict.base, template, false).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!((refused["applied"].as_bool(), refused["problems"][0]["severity"].as_str()), (Some(false), Some("error")));
    assert_eq!(template_from_file(strict.base.clone()).await, 404, "not loaded from the folder either");
    let (_, problems) = get_json(&format!("{}/api/v1/catalog/problems", strict.base)).await;
    assert!(problems.to_string().contains("kind `Template`"), "the file's Template is a problem: {problems}");
    strict.running.stop().await;
}
