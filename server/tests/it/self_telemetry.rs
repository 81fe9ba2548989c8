//! `meridian serve --self-telemetry`: the real binary sends its own request
//! spans to its own OTLP/gRPC receiver and shows up in its own graph.

use std::time::Duration;

use crate::common::*;

#[tokio::test]
async fn meridian_appears_in_its_own_graph() {
    let meridian = Process::spawn(&["--self-telemetry", "--flush-interval-ms", "200"]);
    let base = meridian.base.clone();
    let mut found = None;
    for _ in 0..300 {
        // Each poll is itself a traced request.
        if let Ok(response) = reqwest::get(format!("{base}/api/v1/services/meridian/operations?window=5m")).await
            && let Ok(body) = response.json::<serde_json::Value>().await
            && let Some(operations) = body["operations"].as_array()
            && let Some(own) = operations.iter().find(|o| o["operation"] == "GET /api/v1/services/{name}/operations")
            && own["requests"].as_u64().is_some_and(|n| n >= 3)
        {
            found = Some(own.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let edges = edges(&base).await;
    drop(meridian);
    let own = found.expect("meridian's own operation within 30 s (the batch exporter sends every 5 s)");
    assert_eq!(own["errors"], 0);
    assert!(edges.iter().any(|(source, target, _, _)| source == "user:user" && target == "service:meridian"), "{edges:?}");
    assert!(!edges.iter().any(|(_, target, _, _)| target.contains("v1/traces")), "exports are not traced");
}

/// A stop sends Meridian's last request spans to its own receiver before
/// closing it: requests made just before SIGTERM, still in the batch
/// exporter's queue (it sends every 5 s), are in the graph after a restart.
#[tokio::test(flavor = "multi_thread")]
async fn the_last_requests_before_a_stop_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/own.db", dir.path().display());
    let mut meridian = Process::spawn_on(&database_url, &["--self-telemetry"]);
    meridian.ready().await;
    for _ in 0..5 {
        let response = reqwest::get(format!("{}/api/v1/services/meridian/operations?window=5m", meridian.base)).await.unwrap();
        assert_eq!(response.status(), 200);
    }
    meridian.stop();

    let meridian = Process::spawn_on(&database_url, &[]);
    meridian.ready().await;
    let (status, body) = get_json(&format!("{}/api/v1/services/meridian/operations?window=15m", meridian.base)).await;
    assert_eq!(status, 200);
    let own = body["operations"].as_array().and_then(|operations| {
        operations.iter().find(|o| o["operation"] == "GET /api/v1/services/{name}/operations").map(|o| o["requests"].clone())
    });
    assert_eq!(own, Some(serde_json::json!(5)), "{body}");
}
