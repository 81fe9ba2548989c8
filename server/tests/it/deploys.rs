//! Deploy history through the real server: a deploy detected in traces and
//! the same one pushed over the API are one deploy with both sources,
//! compared with the traffic around it, on SQLite and PostgreSQL.

use std::sync::Arc;

use collector::{Deploy, Drained};
use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::{Value, json};

use crate::common::*;

/// cart's deploy from `from` to `to` at `at` (unix seconds), as traces would have seen it.
async fn detect(server: &TestServer, from: &str, to: &str, at: i64) {
    let deploy = Deploy {
        service: Arc::from("cart"),
        at_unix_nanos: at as u64 * 1_000_000_000,
        from_version: Arc::from(from),
        to_version: Arc::from(to),
        environment: None,
    };
    server.running.store.write_drained(&Drained { deploys: vec![deploy], ..Drained::default() }).await.unwrap();
}

async fn post(base: &str, body: &str, token: Option<&str>) -> (u16, Value) {
    let mut request =
        reqwest::Client::new().post(format!("{base}/api/v1/deploys")).header("content-type", "application/json").body(body.to_string());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

const OWNERS: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: cart}
spec: {type: service, lifecycle: production, owner: team-shop}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: search}
spec: {type: service, lifecycle: production, owner: group:default/team-search}
";

async fn history(database_url: Option<String>) {
    let catalog = tempfile::tempdir().unwrap();
    std::fs::write(catalog.path().join("catalog-info.yaml"), OWNERS).unwrap();
    let server = start(database_url, vec![catalog.path().to_path_buf()]).await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let at = now - now % 60 - 20 * 60;

    // Refused: no token, a body that is not a deploy, a time that is not one.
    let report =
        json!({"service": "cart", "version": "1.1", "environment": "production", "commit": "abc123", "url": "https://ci.example/1"});
    assert_eq!(post(&server.base, &report.to_string(), None).await.0, 401);
    let (status, refused) = post(&server.base, r#"{"service": "cart", "versoin": "1.1"}"#, Some(TEST_TOKEN)).await;
    assert_eq!(status, 400);
    assert!(refused["error"]["message"].as_str().unwrap().contains("unknown field `versoin`"), "{refused}");
    let (status, refused) =
        post(&server.base, &json!({"service": "cart", "version": "1", "at": "yesterday"}).to_string(), Some(TEST_TOKEN)).await;
    assert_eq!(status, 400);
    assert!(refused["error"]["message"].as_str().unwrap().contains("`at`"), "{refused}");

    // The deploy as traces saw it, and as CI reports it (twice: one report).
    detect(&server, "1.0", "1.1", at).await;
    let mut timed = report.clone();
    timed["at"] = json!(slo::window::rfc3339((at - 120) as u64));
    for _ in 0..2 {
        assert_eq!(post(&server.base, &timed.to_string(), Some(TEST_TOKEN)).await.0, 201);
    }
    let (status, _) = post(&server.base, &json!({"service": "search", "version": "7"}).to_string(), Some(TEST_TOKEN)).await;
    assert_eq!(status, 201);

    // Traffic around it: no errors in the 15 minutes before, a fifth failing after.
    let before: Vec<Span> = (1..=60).map(|i| served(i, (at - 900 + i as i64 * 10) as u64, 20, 200)).collect();
    let after: Vec<Span> =
        (101..=160).map(|i| served(i, (at + (i as i64 - 100) * 10) as u64, 20, if i % 5 == 0 { 500 } else { 200 })).collect();
    export(&server.running.otlp_http_addr.to_string(), &request("cart", [before, after].concat())).await;
    let mut cart = Value::Null;
    for _ in 0..100 {
        let (_, answer) = get_json(&format!("{}/api/v1/deploys?service=cart", server.base)).await;
        cart = answer["items"][0].clone();
        if cart["after"]["requests"] == 60 && cart["before"]["requests"] == 60 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(cart["version"], "1.1");
    assert_eq!(cart["sources"], json!(["traces", "api"]), "{cart}");
    assert_eq!((cart["commit"].as_str(), cart["url"].as_str()), (Some("abc123"), Some("https://ci.example/1")));
    assert_eq!((cart["fromVersion"].as_str(), cart["environment"].as_str()), (Some("1.0"), Some("production")));
    assert_eq!(cart["at"].as_str(), Some(slo::window::rfc3339(at as u64).as_str()), "the time traffic switched");
    assert_eq!((cart["before"]["errorRate"].as_f64(), cart["after"]["errorRate"].as_f64()), (Some(0.0), Some(0.2)), "{cart}");
    assert_eq!(cart["regression"], true);

    let (_, all) = get_json(&format!("{}/api/v1/deploys", server.base)).await;
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "one cart deploy, one search deploy: {all}");
    assert_eq!(items[0]["service"], "search", "newest first");
    assert_eq!(items[0]["regression"], Value::Null, "too recent to judge");
    let (status, _) = get_json(&format!("{}/api/v1/deploys?since=forever", server.base)).await;
    assert_eq!(status, 400);
    let (status, refused) = get_json(&format!("{}/api/v1/deploys?since=100d", server.base)).await;
    assert_eq!(status, 400);
    assert!(refused["error"]["message"].as_str().unwrap().contains("at most 90d"), "the limit is said: {refused}");
    assert_eq!(get_json(&format!("{}/api/v1/deploys?since=1w", server.base)).await.0, 200, "weeks, as SLOs write them");

    // The pages, rendered on the server: the Deploys page filtered to regressions, and the service's own.
    let html = reqwest::get(format!("{}/deploys?regression=yes", server.base)).await.unwrap().text().await.unwrap();
    let table = html.split("data-testid=\"deploys\"").nth(1).expect("a deploy table");
    assert!(table.contains("data-service=\"cart\"") && !table.contains("data-service=\"search\""), "{table:.2000}");
    assert!(table.contains(">Regression<") && table.contains("traces, api"), "{table:.2000}");
    let html = reqwest::get(format!("{}/deploys?service=search", server.base)).await.unwrap().text().await.unwrap();
    assert!(html.contains(">Not judged yet<"), "a deploy too recent to judge says so");

    // An owner as a descriptor writes it; what the filters can choose from.
    let (_, shop) = get_json(&format!("{}/api/v1/deploys?owner=team-shop", server.base)).await;
    assert_eq!(shop["items"].as_array().map(Vec::len), Some(1), "{shop}");
    assert_eq!((shop["items"][0]["service"].as_str(), shop["items"][0]["owner"].as_str()), (Some("cart"), Some("group:default/team-shop")));
    assert_eq!(shop["owners"], json!(["group:default/team-search", "group:default/team-shop"]), "{shop}");
    assert_eq!(shop["environments"], json!(["production"]), "{shop}");
    let (status, refused) = get_json(&format!("{}/api/v1/deploys?owner=group:/x", server.base)).await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().starts_with("`owner`: "), "{refused}");

    // The Deploys page and the API keep the same deploys, in the same
    // order, for the same filter.
    for (page, api) in [
        ("", ""),
        ("owner=team-shop", "owner=team-shop"),
        ("owner=group%3Adefault%2Fteam-search", "owner=team-search"),
        ("environment=production", "environment=production"),
        ("regression=yes", "regression=true"),
        ("regression=no", "regression=false"),
        ("service=search", "service=search"),
        ("owner=team-search&environment=production", "owner=team-search&environment=production"),
    ] {
        let shown = page_rows(&format!("{}/deploys?{page}", server.base), "deploys", &["data-service", "data-version"]).await;
        let (status, answer) = get_json(&format!("{}/api/v1/deploys?limit=500&{api}", server.base)).await;
        assert_eq!(status, 200, "{answer}");
        let answered: Vec<Vec<String>> = answer["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| vec![d["service"].as_str().unwrap().to_string(), d["version"].as_str().unwrap().to_string()])
            .collect();
        assert_eq!(shown, answered, "page `{page}` against API `{api}`");
    }
    let (_, regressions) = get_json(&format!("{}/api/v1/deploys?regression=true", server.base)).await;
    assert_eq!(regressions["items"].as_array().map(Vec::len), Some(1), "only cart's is judged a regression: {regressions}");

    // A deploy of a service no Component names: kept, and the answer says so.
    let (status, kept) = post(&server.base, &json!({"service": "ghost", "version": "1"}).to_string(), Some(TEST_TOKEN)).await;
    assert_eq!(status, 201);
    assert!(kept["note"].as_str().is_some_and(|n| n.starts_with("no Component named `ghost`")), "{kept}");
    let (_, known) = post(&server.base, &json!({"service": "cart", "version": "1.2"}).to_string(), Some(TEST_TOKEN)).await;
    assert!(known.get("note").is_none(), "{known}");
    server.running.stop().await;
}

#[tokio::test]
async fn deploy_history_on_sqlite() {
    history(None).await;
}

#[tokio::test]
async fn deploy_history_on_postgres() {
    let Some(url) = postgres_url() else { return };
    history(Some(fresh_postgres_database(&url).await)).await;
}

/// What the fake GitHub saw: request paths with their `If-None-Match`, and the `Authorization`.
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, Option<String>, Option<String>)>>>;

/// A fake GitHub API for one repository, `acme/cart`: a deployment whose
/// latest status is `success`, a published release and a draft, each list
/// with an ETag that a conditional request matches. With `spent`, the
/// first request finds the rate limit spent for two seconds. Also gives
/// when each request came.
async fn fake_github(at: i64, spent: bool) -> (String, Seen, std::sync::Arc<std::sync::Mutex<Vec<std::time::Instant>>>) {
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    let seen: Seen = Default::default();
    let sha = "a".repeat(40);
    let at_text = slo::window::rfc3339(at as u64);
    let earlier = slo::window::rfc3339((at - 300) as u64);
    let lists = std::sync::Arc::new(vec![
        (
            "/repos/acme/cart/deployments",
            "\"deployments-1\"",
            json!([{"id": 11, "sha": sha, "ref": "v1.2", "environment": "production", "url": "x", "node_id": "n"}]),
        ),
        (
            "/repos/acme/cart/deployments/11/statuses",
            "\"statuses-1\"",
            json!([{"state": "success", "created_at": at_text, "environment_url": "https://cart.example"}]),
        ),
        (
            "/repos/acme/cart/commits/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "\"commit-1\"",
            json!({"sha": sha, "commit": {"committer": {"date": slo::window::rfc3339((at - 5400) as u64)}}}),
        ),
        (
            "/repos/acme/cart/releases",
            "\"releases-1\"",
            json!([
                {"tag_name": "v1.2", "target_commitish": "main", "published_at": earlier, "html_url": "https://github.example/acme/cart/releases/v1.2", "draft": false},
                {"tag_name": "v1.3", "target_commitish": "main", "published_at": null, "html_url": "https://github.example/acme/cart/releases/v1.3", "draft": true}
            ]),
        ),
    ]);
    let record = seen.clone();
    let times: std::sync::Arc<std::sync::Mutex<Vec<std::time::Instant>>> = Default::default();
    let stamp = times.clone();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri, headers: HeaderMap| {
        let (lists, record, stamp) = (lists.clone(), record.clone(), stamp.clone());
        async move {
            let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
            record.lock().unwrap().push((uri.path().to_string(), header("if-none-match"), header("authorization")));
            let first = {
                let mut stamps = stamp.lock().unwrap();
                stamps.push(std::time::Instant::now());
                stamps.len() == 1
            };
            if spent && first {
                let reset = (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 2).to_string();
                return (
                    StatusCode::FORBIDDEN,
                    [("x-ratelimit-remaining", "0".to_string()), ("x-ratelimit-reset", reset)],
                    "API rate limit exceeded",
                )
                    .into_response();
            }
            match lists.iter().find(|(path, _, _)| *path == uri.path()) {
                Some((_, etag, _)) if header("if-none-match").as_deref() == Some(*etag) => StatusCode::NOT_MODIFIED.into_response(),
                Some((_, etag, body)) => ([("etag", *etag), ("content-type", "application/json")], body.to_string()).into_response(),
                None => StatusCode::NOT_FOUND.into_response(),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen, times)
}

/// A catalog of one Component, cart, whose repository is `acme/cart`.
fn cart_catalog() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: cart\n  annotations: {github.com/project-slug: acme/cart}\nspec: {type: service, lifecycle: production, owner: team}\n",
    )
    .unwrap();
    dir
}

#[tokio::test]
async fn github_deployments_and_releases_join_the_history() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let at = now - now % 60 - 600;
    let (github, seen, _) = fake_github(at, false).await;
    let dir = cart_catalog();
    let server = start_with(None, vec![dir.path().to_path_buf()], |config| {
        config.github = Some(server::deploys::github::GithubConfig {
            url: github,
            token: Some("gh-token".into()),
            poll: std::time::Duration::from_millis(300),
        });
    })
    .await;

    // The same deploy seen in traces and pushed by CI with its commit.
    detect(&server, "v1.1", "v1.2", at).await;
    let pushed = json!({"service": "cart", "version": "v1.2", "commit": "a".repeat(40)});
    assert_eq!(post(&server.base, &pushed.to_string(), Some(TEST_TOKEN)).await.0, 201);

    let mut items = Vec::new();
    for _ in 0..100 {
        let (_, answer) = get_json(&format!("{}/api/v1/deploys?service=cart", server.base)).await;
        items = answer["items"].as_array().cloned().unwrap_or_default();
        if items.first().is_some_and(|d| d["sources"].as_array().is_some_and(|s| s.len() == 4)) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(items.len(), 1, "one deploy from four sources; the draft release is none: {items:?}");
    let deploy = &items[0];
    assert_eq!(deploy["sources"], json!(["traces", "api", "github-deployment", "github-release"]), "{deploy}");
    assert_eq!((deploy["version"].as_str(), deploy["environment"].as_str()), (Some("v1.2"), Some("production")));
    assert_eq!(deploy["commit"].as_str(), Some("a".repeat(40).as_str()));
    assert_eq!(deploy["at"].as_str(), Some(slo::window::rfc3339(at as u64).as_str()), "traffic's time, not the release's");

    // Polled again with the lists' ETags: GitHub answers 304; the token was sent.
    for _ in 0..100 {
        if seen
            .lock()
            .unwrap()
            .iter()
            .any(|(path, etag, _)| path == "/repos/acme/cart/releases" && etag.as_deref() == Some("\"releases-1\""))
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let seen = seen.lock().unwrap().clone();
    assert!(seen.iter().any(|(path, etag, _)| path == "/repos/acme/cart/releases" && etag.is_some()), "a conditional request: {seen:?}");
    assert!(seen.iter().all(|(_, _, auth)| auth.as_deref() == Some("Bearer gh-token")), "{seen:?}");
    let statuses = seen.iter().filter(|(path, _, _)| path.ends_with("/statuses")).count();
    assert_eq!(statuses, 1, "a deployment found successful is not asked about again");

    // DORA from that history: one deploy, its commit 90 minutes before it, no failure.
    let (status, dora) = get_json(&format!("{}/api/v1/dora?service=cart&days=30", server.base)).await;
    assert_eq!(status, 200, "{dora}");
    assert_eq!(dora["deploymentFrequency"]["deploys"], 1);
    assert_eq!(
        (dora["leadTimeForChanges"]["medianHours"].as_f64(), dora["leadTimeForChanges"]["deploys"].as_u64()),
        (Some(1.5), Some(1)),
        "{dora}"
    );
    assert_eq!((dora["changeFailureRate"]["rate"].as_f64(), dora["changeFailureRate"]["deploys"].as_u64()), (Some(0.0), Some(1)));
    let (status, team) = get_json(&format!("{}/api/v1/dora?owner=group:default/team", server.base)).await;
    assert_eq!((status, team["services"].clone()), (200, json!(["cart"])), "{team}");
    let (status, bare) = get_json(&format!("{}/api/v1/dora?owner=team", server.base)).await;
    assert_eq!((status, &bare), (200, &team), "an owner as a descriptor writes it");
    let (status, _) = get_json(&format!("{}/api/v1/dora?owner=group:default/nobody", server.base)).await;
    assert_eq!(status, 404);
    let (status, _) = get_json(&format!("{}/api/v1/dora?service=cart&days=365", server.base)).await;
    assert_eq!(status, 400);

    // cart's page: its requests of the last hours with the deploy marked, its
    // deploy from four sources, and its DORA figures.
    let spans: Vec<Span> = (1..=30).map(|i| served(900 + i, (at - 300 + i as i64 * 20) as u64, 20, 200)).collect();
    export(&server.running.otlp_http_addr.to_string(), &request("cart", spans)).await;
    let mut html = String::new();
    for _ in 0..100 {
        html = reqwest::get(format!("{}/catalog/default/component/cart", server.base)).await.unwrap().text().await.unwrap();
        if html.contains("data-testid=\"red-charts\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let charts = html.split("data-testid=\"red-charts\"").nth(1).expect("charts of cart's requests");
    assert!(charts.contains("class=\"deploy-marker\"") && charts.contains(">v1.2</text>"), "the deploy is marked: {charts:.3000}");
    // A quarter of an hour of traffic in a 3-hour chart: the charts span that quarter, and say so.
    let note = charts.split("data-testid=\"chart-note\"").nth(1).and_then(|n| n.split("</p>").next()).unwrap_or_default();
    assert!(note.contains("min ago") && !note.contains("3 h"), "{charts:.3000}");
    let operations = html.split("data-testid=\"operation-charts\"").nth(1).expect("charts of cart's operations");
    assert!(operations.contains("data-operation=\"GET /cart\"") && operations.contains("class=\"sparkline\""), "{operations:.2000}");
    assert!(
        operations.contains("class=\"deploy-marker\"") && operations.contains("deploys: v1.2"),
        "the deploy is marked on the operation: {operations:.2000}"
    );
    let html = reqwest::get(format!("{}/catalog/default/component/cart?tab=deploys", server.base)).await.unwrap().text().await.unwrap();
    let timeline = html.split("data-testid=\"deploys\"").nth(1).expect("a deploy timeline");
    assert!(
        timeline.contains("data-version=\"v1.2\"") && timeline.contains("traces, api, github-deployment, github-release"),
        "{timeline:.2000}"
    );
    let dora = html.split("data-testid=\"dora\"").nth(1).expect("DORA figures");
    assert!(dora.contains("1.5 h"), "lead time: {dora:.1000}");
    server.running.stop().await;
}

#[tokio::test]
async fn a_spent_rate_limit_is_waited_out() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let (github, seen, times) = fake_github(now - 600, true).await;
    let dir = cart_catalog();
    let server = start_with(None, vec![dir.path().to_path_buf()], |config| {
        config.github =
            Some(server::deploys::github::GithubConfig { url: github, token: None, poll: std::time::Duration::from_millis(200) });
    })
    .await;
    for _ in 0..100 {
        let (_, answer) = get_json(&format!("{}/api/v1/deploys?service=cart", server.base)).await;
        if answer["items"].as_array().is_some_and(|items| !items.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let times = times.lock().unwrap().clone();
    assert!(times.len() >= 2, "polled again once the limit reset: {:?}", seen.lock().unwrap());
    let waited = times[1] - times[0];
    assert!(waited >= std::time::Duration::from_millis(900), "waited {waited:?} for the reset, not the 200 ms poll");
    server.running.stop().await;
}
