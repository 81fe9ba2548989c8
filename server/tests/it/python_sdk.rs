//! Interop: the real OpenTelemetry Python SDK exporting over OTLP/gRPC and
//! OTLP/HTTP. The venv comes from `scripts/setup.sh test`.

use std::process::Command;

use crate::common::*;

fn python() -> Option<std::path::PathBuf> {
    let path =
        std::env::var_os("MERIDIAN_TEST_PYTHON").map(Into::into).unwrap_or_else(|| workspace_root().join("target/otel-venv/bin/python"));
    if path.exists() {
        Some(path)
    } else {
        require_or_skip(&format!("no Python with the OpenTelemetry SDK at {} (run scripts/setup.sh test)", path.display()));
        None
    }
}

#[tokio::test]
async fn python_sdk_over_grpc_and_http_gives_exact_edges() {
    let Some(python) = python() else { return };
    let server = start(None, vec![]).await;
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
            ("service:py-grpc-client", "service:py-grpc-server", 3, 1),
            ("service:py-http-client", "service:py-http-server", 4, 0),
            ("service:py-mixed-client", "service:py-mixed-server", 5, 2),
        ],
    )
    .await;
    server.running.stop().await;
}
