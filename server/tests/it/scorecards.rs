//! Scorecards on SQLite and PostgreSQL: a catalog with a scorecard, real
//! traffic and a reported deploy; levels, rule details, team summaries and
//! the history of changes over the REST API.

use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use serde_json::{Value, json};

use crate::common::*;

const CATALOG: &str = r#"
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: good, description: Does good work.}
spec: {type: service, lifecycle: production, owner: team-a, providesApis: [good-api], dependsOn: [component:bare]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: bare}
spec: {type: service, lifecycle: production, owner: team-ghost}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: docs}
spec: {type: website, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: good-api}
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition: |
    openapi: 3.0.3
    info: {title: good, version: 1.0.0}
    paths:
      /work: {get: {responses: {'200': {description: ok}}}}
---
apiVersion: meridian.dev/v1
kind: Scorecard
metadata: {name: maturity, title: Maturity}
spec:
  appliesTo: {kind: Component, type: service}
  levels:
    - {name: bronze, rules: [has-owner, has-description]}
    - {name: silver, rules: [has-api-definition, no-undeclared-dependencies]}
    - {name: gold, rules: [documented-operations, deployed-recently]}
"#;

async fn scorecards(database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("catalog-info.yaml"), CATALOG).unwrap();
    let server = start(database_url, vec![dir.path().to_path_buf()]).await;
    // good serves GET /work (documented) and calls bare (declared).
    send_spans(
        server.running.otlp_http_addr,
        vec![
            ("good", span(1, 1, None, SpanKind::Server, false)),
            ("good", span(1, 2, Some(1), SpanKind::Client, false)),
            ("bare", span(1, 3, Some(2), SpanKind::Server, false)),
        ],
    )
    .await;
    wait_for_edges(&server.base, &[("service:good", "service:bare", 1, 0), ("user:user", "service:good", 1, 0)]).await;
    let deploy = json!({"service": "good", "version": "2.0"}).to_string();
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/deploys", server.base))
        .bearer_auth(TEST_TOKEN)
        .header("content-type", "application/json")
        .body(deploy)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);

    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    server.running.core.evaluate_scorecards(now).await.unwrap();
    let (_, body) = get_json(&format!("{}/api/v1/scorecards", server.base)).await;
    assert_eq!(body["evaluatedAt"].as_str(), Some(slo::window::rfc3339(now).as_str()), "times are RFC 3339");
    let card = &body["scorecards"][0];
    assert_eq!(card["levels"], json!(["bronze", "silver", "gold"]));
    let entity = |key: &str| card["entities"].as_array().unwrap().iter().find(|e| e["entityRef"] == key).cloned().unwrap_or(Value::Null);
    let good = entity("component:default/good");
    assert_eq!((good["level"].as_str(), good["score"].as_u64()), (Some("gold"), Some(100)), "{good:#}");
    let documented = good["rules"].as_array().unwrap().iter().find(|r| r["rule"] == "documented-operations").unwrap();
    assert_eq!(documented["detail"], "1 of 1 observed operations documented (100 %, needs 80 %)");
    let bare = entity("component:default/bare");
    assert_eq!(bare["level"], Value::Null, "{bare:#}");
    let owner = bare["rules"].as_array().unwrap().iter().find(|r| r["rule"] == "has-owner").unwrap();
    assert_eq!(owner["detail"], "its owner group:default/team-ghost is not in the catalog");
    assert_eq!(entity("component:default/docs"), Value::Null, "a website is not a service");
    let teams: Vec<(String, Option<String>)> = card["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["owner"].as_str().unwrap().into(), t["level"].as_str().map(str::to_string)))
        .collect();
    assert_eq!(teams, [("group:default/team-a".to_string(), Some("gold".to_string())), ("group:default/team-ghost".to_string(), None)]);
    let (_, filtered) = get_json(&format!("{}/api/v1/scorecards?owner=group:default/team-a", server.base)).await;
    assert_eq!(filtered["scorecards"][0]["entities"].as_array().map(Vec::len), Some(1));
    // As a descriptor writes an owner and an entity.
    let (_, bare_owner) = get_json(&format!("{}/api/v1/scorecards?owner=team-a", server.base)).await;
    assert_eq!(bare_owner, filtered, "`team-a` is `group:default/team-a`");
    let (_, bare_entity) = get_json(&format!("{}/api/v1/scorecards?entity=good", server.base)).await;
    let entities: Vec<&str> =
        bare_entity["scorecards"][0]["entities"].as_array().unwrap().iter().filter_map(|e| e["entityRef"].as_str()).collect();
    assert_eq!(entities, ["component:default/good"], "{bare_entity}");

    // The same answer stores nothing new; 40 days on, the deploy is stale.
    server.running.core.evaluate_scorecards(now + 60).await.unwrap();
    server.running.core.evaluate_scorecards(now + 40 * 86_400).await.unwrap();
    let (_, history) = get_json(&format!("{}/api/v1/scorecards/history?subject=component:default/good", server.base)).await;
    let items: Vec<(Option<&str>, i64)> =
        history["items"].as_array().unwrap().iter().map(|i| (i["level"].as_str(), i["score"].as_i64().unwrap())).collect();
    assert_eq!(items, [(Some("gold"), 100), (Some("silver"), 83)], "{history:#}");
    assert_eq!(history["items"][0]["kind"], "entity", "{history:#}");
    let (_, team) = get_json(&format!("{}/api/v1/scorecards/history?subject=group:default/team-a", server.base)).await;
    assert_eq!(team["items"].as_array().map(Vec::len), Some(2));
    let (status, _) = get_json(&format!("{}/api/v1/scorecards/history", server.base)).await;
    assert_eq!(status, 400);
    server.running.stop().await;
}

#[tokio::test]
async fn scorecards_on_sqlite() {
    scorecards(None).await;
}

#[tokio::test]
async fn scorecards_on_postgres() {
    let Some(url) = postgres_url() else { return };
    scorecards(Some(fresh_postgres_database(&url).await)).await;
}
