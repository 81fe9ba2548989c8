//! API contracts end to end: a catalog whose API definition is a `$text`
//! file with a `$ref` into another, real Python SDK traffic to its
//! provider, then coverage, consumers, versions and changes over the REST API.

use std::process::Command;

use serde_json::{Value, json};

use crate::common::*;

const CATALOG: &str = r#"
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-orders}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-web}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: orders-service}
spec: {type: service, lifecycle: production, owner: team-orders, providesApis: [orders-api]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: shop-web}
spec: {type: website, lifecycle: production, owner: team-web, consumesApis: [orders-api]}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: orders-api}
spec:
  type: openapi
  lifecycle: production
  owner: team-orders
  definition: {$text: ./orders.yaml}
"#;

fn definition(with_post: bool) -> String {
    let post = if with_post {
        "    post:\n      requestBody: {content: {application/json: {schema: {$ref: './schemas.yaml#/NewOrder'}}}}\n      responses: {'201': {description: created}}\n"
    } else {
        ""
    };
    format!(
        "openapi: 3.0.3\ninfo: {{title: orders, version: 1.0.0}}\npaths:\n  /orders:\n    get:\n      responses: {{'200': {{description: all}}}}\n{post}  /orders/{{orderId}}:\n    get:\n      parameters: [{{name: orderId, in: path, required: true, schema: {{type: string}}}}]\n      responses: {{'200': {{description: one}}}}\n    delete:\n      parameters: [{{name: orderId, in: path, required: true, schema: {{type: string}}}}]\n      responses: {{'204': {{description: gone}}}}\n"
    )
}

#[tokio::test]
async fn coverage_consumers_and_changes_from_python_sdk_traffic() {
    let Some(python) = test_venv("python") else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("catalog-info.yaml"), CATALOG).unwrap();
    std::fs::write(dir.path().join("orders.yaml"), definition(true)).unwrap();
    std::fs::write(dir.path().join("schemas.yaml"), "NewOrder: {type: object, required: [sku], properties: {sku: {type: string}}}\n")
        .unwrap();
    let server = start(None, vec![dir.path().to_path_buf()]).await;

    let (status, api) = get_json(&format!("{}/api/v1/apis/default/orders-api", server.base)).await;
    assert_eq!(status, 200, "{api}");
    assert_eq!(api["definition"]["kind"], "openApi");
    let operations: Vec<String> = api["definition"]["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| format!("{} {}", o["method"].as_str().unwrap(), o["path"].as_str().unwrap()))
        .collect();
    assert_eq!(operations, ["GET /orders", "POST /orders", "GET /orders/{orderId}", "DELETE /orders/{orderId}"]);
    let request = &api["definition"]["operations"][1]["request"]["content"][0]["schema"];
    assert_eq!(
        (request["title"].as_str(), request["children"][0]["name"].as_str()),
        (Some("NewOrder"), Some("sku")),
        "the $ref into schemas.yaml is read"
    );
    assert_eq!(api["providers"], json!(["component:default/orders-service"]));
    assert_eq!(api["versions"].as_array().map(Vec::len), Some(1));
    let first_seen = api["versions"][0]["firstSeen"].as_str().unwrap_or_default();
    assert!(slo::window::parse_rfc3339(first_seen).is_some(), "times are RFC 3339: {first_seen}");

    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/send_api_traffic.py");
    let http = server.running.otlp_http_addr.to_string();
    let output = tokio::task::spawn_blocking(move || Command::new(python).arg(script).args(["--http", &http]).output())
        .await
        .unwrap()
        .expect("run python");
    assert!(output.status.success(), "python failed:\n{}", String::from_utf8_lossy(&output.stderr));

    let coverage_path = "/api/v1/apis/default/orders-api/coverage?window=15m";
    let coverage = wait_for(&server.base, coverage_path, |c| c["undocumented"].as_array().is_some_and(|u| u.len() == 2)).await;
    let uses = |list: &Value| -> Vec<(String, String, u64, u64)> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|u| {
                (
                    u["method"].as_str().unwrap().into(),
                    u["path"].as_str().unwrap().into(),
                    u["requests"].as_u64().unwrap(),
                    u["errors"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let expected =
        |list: &[(&str, &str, u64, u64)]| list.iter().map(|(m, p, r, e)| (m.to_string(), p.to_string(), *r, *e)).collect::<Vec<_>>();
    assert_eq!(
        uses(&coverage["documented"]),
        expected(&[
            ("GET", "/orders", 0, 0),
            ("POST", "/orders", 2, 0),
            ("GET", "/orders/{orderId}", 4, 1),
            ("DELETE", "/orders/{orderId}", 0, 0)
        ])
    );
    assert_eq!(uses(&coverage["undocumented"]), expected(&[("GET", "/health", 1, 0), ("GET", "/orders/:id/history", 2, 0)]));
    assert_eq!(coverage["unused"], json!([{"method": "GET", "path": "/orders"}, {"method": "DELETE", "path": "/orders/{orderId}"}]));
    assert!(coverage["documented"][2]["lastSeen"].as_str().is_some_and(|t| t.ends_with('Z')), "{coverage}");
    assert!(coverage["documented"][2]["p95Ms"].as_f64().is_some_and(|p| p > 0.0), "{coverage}");

    let consumers = wait_for(&server.base, "/api/v1/apis/default/orders-api/consumers?window=15m", |c| {
        c["operations"].as_array().is_some_and(|o| o.len() == 5)
    })
    .await;
    let of = |method: &str, path: &str| -> Vec<(String, Option<String>, u64, u64)> {
        let operation = consumers["operations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["method"] == method && o["path"] == path)
            .unwrap_or_else(|| panic!("{method} {path}: {consumers:#}"));
        operation["consumers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["service"].as_str().unwrap().into(),
                    c["owner"].as_str().map(str::to_string),
                    c["calls"].as_u64().unwrap(),
                    c["errors"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        of("GET", "/orders/{orderId}"),
        [("shop-web".into(), Some("group:default/team-web".into()), 3, 1), ("shop-mobile".into(), None, 1, 0)]
    );
    assert_eq!(of("POST", "/orders"), [("shop-web".into(), Some("group:default/team-web".into()), 2, 0)]);
    assert_eq!(of("DELETE", "/orders/{orderId}"), []);
    assert_eq!(
        of("GET", "/orders/:id/history"),
        [("shop-mobile".into(), None, 2, 0)],
        "undocumented operations have consumers too, spelled as coverage spells them"
    );

    // A new version drops POST /orders: breaking, and shop-web called it.
    std::fs::write(dir.path().join("orders.yaml"), definition(false)).unwrap();
    let changes =
        wait_for(&server.base, "/api/v1/apis/default/orders-api/changes", |c| c["changes"].as_array().is_some_and(|c| !c.is_empty())).await;
    let change = &changes["changes"][0];
    assert_eq!((change["fromVersion"].as_i64(), change["toVersion"].as_i64()), (Some(1), Some(2)));
    assert!(slo::window::parse_rfc3339(change["at"].as_str().unwrap_or_default()).is_some(), "{change}");
    let removed: Vec<&Value> = change["changes"].as_array().unwrap().iter().filter(|c| c["level"] == "breaking").collect();
    assert_eq!(removed.len(), 1, "{changes:#}");
    assert_eq!(removed[0]["id"], "api-removed-without-deprecation");
    assert_eq!(removed[0]["operation"], json!({"method": "POST", "path": "/orders"}));
    assert_eq!(removed[0]["consumers"][0]["service"], "shop-web");
    assert_eq!(removed[0]["consumers"][0]["calls"], 2);

    // A third requires credentials of every operation: one group, its consumers once each.
    let secured = definition(false).replace("paths:\n", "security: [{key: []}]\npaths:\n");
    std::fs::write(dir.path().join("orders.yaml"), secured).unwrap();
    let changes =
        wait_for(&server.base, "/api/v1/apis/default/orders-api/changes", |c| c["changes"].as_array().is_some_and(|c| c.len() == 2)).await;
    let groups = changes["changes"][0]["groups"].as_array().unwrap();
    let security: Vec<&Value> = groups.iter().filter(|g| g["id"] == "api-security-added").collect();
    assert_eq!(security.len(), 1, "one group for the edit: {changes:#}");
    assert_eq!((security[0]["subject"].as_str(), security[0]["operations"].as_array().map(Vec::len)), (Some("global security"), Some(3)));
    let consumers: Vec<(&str, u64)> = security[0]["consumers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["service"].as_str().unwrap_or_default(), c["calls"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(
        consumers.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        ["shop-web", "shop-mobile"],
        "every consumer once, most calls first: {consumers:?}"
    );
    assert!(consumers[0].1 >= 3, "{consumers:?}");
    let page = reqwest::get(format!("{}/apis/default/orders-api", server.base)).await.unwrap().text().await.unwrap();
    assert!(page.contains("<code>global security</code>") && page.contains("reaches 3 operations"), "the page shows the group");
    let (status, missing) = get_json(&format!("{}/api/v1/apis/default/nope/coverage", server.base)).await;
    assert_eq!(status, 404, "{missing}");
    server.running.stop().await;
}
