//! PostgreSQL stopped for a minute under load, then started again, with the
//! real binary: OTLP is still accepted (or refused with Retry-After when the
//! bounded memory is full), catalog reads go on from memory, writes answer
//! 503 with a plain message, `/readyz` says why it is not ready while
//! `/healthz` stays up; once the database is back the buffered buckets are
//! written, every accepted call once.

use std::time::{Duration, Instant};

use prost::Message;
use serde_json::Value;

use crate::common::*;
use crate::crash::{calls, stored_calls};

/// How long the database is down (the minute; `MERIDIAN_OUTAGE_SECS` shortens it by hand).
fn outage() -> Duration {
    Duration::from_secs(std::env::var("MERIDIAN_OUTAGE_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_minute_without_postgres_loses_nothing_accepted() {
    let Some(postgres) = PrivatePostgres::start() else { return };
    let meridian = Process::spawn_on(
        &postgres.url(),
        &["--api-token", TEST_TOKEN, "--flush-interval-ms", "500", "--catalog", &demo_catalog().display().to_string()],
    );
    meridian.ready().await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let export = |first: u64| {
        let (client, otlp) = (client.clone(), meridian.otlp_http.clone());
        async move {
            let body = calls(first, 10).encode_to_vec();
            client
                .post(format!("http://{otlp}/v1/traces"))
                .header("content-type", "application/x-protobuf")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let mut first = 1;
    let mut accepted = 0u64;
    for _ in 0..20 {
        assert_eq!(export(first).await.status(), 200);
        accepted += 10;
        first += 10;
    }

    postgres.stop();
    let down = Instant::now();
    let (mut refused, mut readyz_checked) = (0, false);
    while down.elapsed() < outage() {
        let response = export(first).await;
        first += 10;
        match response.status().as_u16() {
            200 => accepted += 10,
            503 => {
                assert!(response.headers().get("retry-after").is_some(), "a refusal says when to retry");
                refused += 1;
            }
            other => panic!("OTLP answered {other} during the outage"),
        }
        if !readyz_checked && down.elapsed() > Duration::from_secs(2) {
            let (status, ready) = get_json(&format!("{}/readyz", meridian.base)).await;
            assert_eq!((status, ready["reasons"].clone()), (503, serde_json::json!(["the database cannot be reached"])));
            assert_eq!(client.get(format!("{}/healthz", meridian.base)).send().await.unwrap().status(), 200);
            let (status, entity) = get_json(&format!("{}/api/catalog/entities/by-name/component/default/checkout", meridian.base)).await;
            assert_eq!((status, entity["metadata"]["name"].as_str()), (200, Some("checkout")), "catalog reads go on from memory");
            let write = client
                .post(format!("{}/api/v1/entities", meridian.base))
                .bearer_auth(TEST_TOKEN)
                .header("content-type", "application/yaml")
                .body("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: during-outage}\nspec: {type: service, lifecycle: production, owner: team}\n")
                .send()
                .await
                .unwrap();
            assert_eq!(write.status(), 503);
            assert!(write.headers().get("retry-after").is_some());
            let body: Value = write.json().await.unwrap();
            assert_eq!(body["error"]["message"], "the database is unavailable; try again shortly");
            readyz_checked = true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(readyz_checked);
    postgres.resume();
    let back = Instant::now();

    // Ready again, and every accepted call written once.
    let mut ready = false;
    let mut stored = 0;
    while back.elapsed() < Duration::from_secs(30) {
        ready = get_json(&format!("{}/readyz", meridian.base)).await.0 == 200;
        stored = stored_calls(&meridian.base).await;
        if ready && stored >= accepted {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "outage of {:?}: {accepted} calls accepted ({refused} exports refused with Retry-After), {stored} stored {:?} after the database came back",
        outage(),
        back.elapsed()
    );
    assert!(ready, "ready again once the database is back");
    assert_eq!(stored, accepted, "every accepted call is written, once");
}
