//! `meridian serve --self-telemetry`: the real binary sends its own request
//! spans to its own OTLP/gRPC receiver and shows up in its own graph.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::*;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

#[tokio::test]
async fn meridian_appears_in_its_own_graph() {
    let dir = tempfile::tempdir().unwrap();
    let (port, grpc, http) = (free_port(), free_port(), free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_meridian"))
        .args(["serve", "--self-telemetry", "--flush-interval-ms", "200"])
        .args(["--database-url", &format!("sqlite://{}/self.db", dir.path().display())])
        .args(["--addr", &format!("127.0.0.1:{port}"), "--otlp-grpc-addr", &format!("127.0.0.1:{grpc}")])
        .args(["--otlp-http-addr", &format!("127.0.0.1:{http}")])
        .env_remove("MERIDIAN_API_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("meridian starts");
    let base = format!("http://127.0.0.1:{port}");
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
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let _ = child.wait();
    let own = found.expect("meridian's own operation within 30 s (the batch exporter sends every 5 s)");
    assert_eq!(own["errors"], 0);
    assert!(edges.iter().any(|(source, target, _, _)| source == "user:user" && target == "service:meridian"), "{edges:?}");
    assert!(!edges.iter().any(|(_, target, _, _)| target.contains("v1/traces")), "exports are not traced");
}
