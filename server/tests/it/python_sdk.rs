//! Interop: the real OpenTelemetry Python SDK exporting over OTLP/gRPC and
//! OTLP/HTTP. The venv comes from `scripts/setup.sh test`.

use std::process::Command;

use crate::common::*;

#[tokio::test]
async fn python_sdk_over_grpc_and_http_gives_exact_edges_and_counts() {
    let Some(python) = test_venv("python") else { return };
    // A short pairing window, so the unanswered payment calls become an external edge quickly.
    let server = start_with(None, vec![], |config| config.engine.pairing_window = std::time::Duration::from_secs(2)).await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/send_traces.py");
    let grpc = server.running.otlp_grpc_addr.to_string();
    let http = server.running.otlp_http_addr.to_string();
    let output = tokio::task::spawn_blocking(move || Command::new(python).arg(script).args(["--grpc", &grpc, "--http", &http]).output())
        .await
        .unwrap()
        .expect("run python");
    assert!(
        output.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    wait_for_edges(
        &server.base,
        &[
            ("messaging:orders-queue", "service:py-consumer", 4, 0),
            ("service:json-client", "service:json-server", 1, 0),
            ("service:py-db-service", "database:orders", 3, 1),
            // Neither a namespace nor a server: the service's own database.
            ("service:py-db-service", "database:py-db-service/redis", 2, 0),
            ("service:py-grpc-client", "service:py-grpc-server", 3, 1),
            ("service:py-http-client", "service:py-http-server", 4, 0),
            ("service:py-late-client", "service:py-late-server", 2, 0),
            ("service:py-mixed-client", "service:py-mixed-server", 5, 2),
            ("service:py-payments", "external:payment-provider", 2, 0),
            ("service:py-producer", "messaging:orders-queue", 4, 0),
            ("user:user", "service:py-db-service", 2, 0),
        ],
    )
    .await;
    // Every span the SDKs sent was taken: 6 + 8 + 10 + 7 (database) + 8 (queue) + 2 + 4 + 2 (JSON).
    let metrics = reqwest::get(format!("{}/metrics", server.base)).await.unwrap().text().await.unwrap();
    for expected in ["meridian_spans_received_total 47", "meridian_spans_dropped_total 0"] {
        assert!(metrics.lines().any(|l| l == expected), "{expected} not in\n{metrics}");
    }
    let (_, operations) = get_json(&format!("{}/api/v1/services/py-db-service/operations?window=15m", server.base)).await;
    assert_eq!(operations["operations"][0]["operation"], "GET /orders", "{operations}");
    assert_eq!(operations["operations"][0]["requests"], 2);
    server.running.stop().await;
}
