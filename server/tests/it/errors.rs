//! Each class of error gets its own status (Backstage's error shape on the
//! API, a phrased message on pages), and no internal detail reaches a
//! client: a database outage is a 503 that says so and no more, corrupt data
//! a 500 that says nothing of it.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::*;

/// Status, Backstage error name and message of a response.
async fn refusal(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    let body: Value = response.json().await.expect("JSON error body");
    assert_eq!(body["response"]["statusCode"], status.as_u16(), "{body}");
    (
        status,
        body["error"]["name"].as_str().unwrap_or_default().to_string(),
        body["error"]["message"].as_str().unwrap_or_default().to_string(),
    )
}

const COMPONENT: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: late}\nspec: {type: service, lifecycle: production, owner: team}\n";

fn post_yaml(base: &str, token: Option<&str>) -> reqwest::RequestBuilder {
    let request = reqwest::Client::new().post(format!("{base}/api/v1/entities")).header("content-type", "application/yaml").body(COMPONENT);
    match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    }
}

/// Words that would show an internal detail leaked to a client.
fn assert_no_internals(text: &str) {
    for leak in ["sqlx", "pool", "Pool", "gizmo", "node kind", "SELECT", "database error"] {
        assert!(!text.contains(leak), "`{leak}` leaked: {text}");
    }
}

#[tokio::test]
async fn client_errors_have_their_own_status_and_say_what_is_wrong() {
    let configured = tempfile::tempdir().unwrap();
    std::fs::write(configured.path().join("c.yaml"), COMPONENT.replace("late", "configured")).unwrap();
    let server = start(None, vec![configured.path().to_path_buf()]).await;

    // 400: the request is wrong, and the message says how.
    let response = reqwest::get(format!("{}/api/v1/graph?window=0m", server.base)).await.unwrap();
    let (status, name, message) = refusal(response).await;
    assert_eq!((status, name.as_str()), (StatusCode::BAD_REQUEST, "InputError"));
    assert!(message.contains("window `0m`"), "{message}");

    // 401: a write without a token.
    let (status, name, message) = refusal(post_yaml(&server.base, None).send().await.unwrap()).await;
    assert_eq!((status, name.as_str()), (StatusCode::UNAUTHORIZED, "AuthenticationError"));
    assert!(message.contains("Authorization: Bearer"), "{message}");

    // 404: nothing by that name.
    let response = reqwest::get(format!("{}/api/catalog/entities/by-name/component/default/nope", server.base)).await.unwrap();
    let (status, name, _) = refusal(response).await;
    assert_eq!((status, name.as_str()), (StatusCode::NOT_FOUND, "NotFoundError"));

    // 409: a location from --catalog belongs to the configuration.
    let (_, locations) = get_json(&format!("{}/api/catalog/locations", server.base)).await;
    let id = locations[0]["data"]["id"].as_str().expect("the configured location").to_string();
    let response =
        reqwest::Client::new().delete(format!("{}/api/catalog/locations/{id}", server.base)).bearer_auth(TEST_TOKEN).send().await.unwrap();
    let (status, name, message) = refusal(response).await;
    assert_eq!((status, name.as_str()), (StatusCode::CONFLICT, "ConflictError"));
    assert!(message.contains("--catalog"), "{message}");
    server.running.stop().await;
}

#[tokio::test]
async fn a_database_outage_is_503_with_retry_after_and_no_detail() {
    let server = start(None, vec![demo_catalog()]).await;
    let (status, ready) = get_json(&format!("{}/readyz", server.base)).await;
    assert_eq!((status, ready), (200, serde_json::json!({"ready": true, "reasons": []})));
    server.running.store.close().await;

    // Not ready, and why; still alive.
    let (status, ready) = get_json(&format!("{}/readyz", server.base)).await;
    assert_eq!((status, ready), (503, serde_json::json!({"ready": false, "reasons": ["the database cannot be reached"]})));
    assert_eq!(reqwest::get(format!("{}/healthz", server.base)).await.unwrap().status(), 200);

    let response = post_yaml(&server.base, Some(TEST_TOKEN)).send().await.unwrap();
    assert_eq!(response.headers()["retry-after"], "5");
    let (status, name, message) = refusal(response).await;
    assert_eq!((status, name.as_str()), (StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailableError"));
    assert_eq!(message, "the database is unavailable; try again shortly");

    let (status, _, message) = refusal(reqwest::get(format!("{}/api/v1/graph", server.base)).await.unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_no_internals(&message);

    // Catalog reads are served from memory: the outage does not touch them.
    let (status, entity) = get_json(&format!("{}/api/catalog/entities/by-name/component/default/gateway", server.base)).await;
    assert_eq!((status, entity["metadata"]["name"].as_str()), (200, Some("gateway")));

    // Pages say the same in words for people.
    let html = reqwest::get(format!("{}/graph?window=15m", server.base)).await.unwrap().text().await.unwrap();
    assert!(html.contains("Meridian cannot reach its database right now"), "{html:.2000}");
    assert_no_internals(&html);
    server.running.stop().await;
}

#[tokio::test]
async fn corrupt_data_is_500_and_stays_in_the_log() {
    let server = start(None, vec![]).await;
    // Rows no version of Meridian writes: an edge from a node kind that does
    // not exist, in a block of this minute.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&server.database_url).await.unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    sqlx::query("INSERT INTO series (id, family, key) VALUES (900, 'edge', '[\"gizmo\",\"a\",\"service\",\"b\",\"http\"]')")
        .execute(&pool)
        .await
        .unwrap();
    // Format 1, one entry: id 900, counts 1 0 0 1, two empty latencies.
    let body = vec![1u8, 1, 0x84, 0x07, 1, 0, 0, 1, 0, 0];
    sqlx::query("INSERT INTO blocks (family, resolution, bucket_start, body) VALUES ('edge', 60, $1, $2)")
        .bind(now - now % 60)
        .bind(body)
        .execute(&pool)
        .await
        .unwrap();

    let (status, name, message) = refusal(reqwest::get(format!("{}/api/v1/graph", server.base)).await.unwrap()).await;
    assert_eq!((status, name.as_str()), (StatusCode::INTERNAL_SERVER_ERROR, "Error"));
    assert_eq!(message, "internal error; the server's log has the details");

    let html = reqwest::get(format!("{}/graph?window=15m", server.base)).await.unwrap().text().await.unwrap();
    assert!(html.contains("Something went wrong on the server"), "{html:.2000}");
    assert_no_internals(&html);
    pool.close().await;
    server.running.stop().await;
}
