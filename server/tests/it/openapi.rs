//! The REST API's description (`GET /api/openapi.json`), and the API held to
//! it by schemathesis: requests generated from the document, with and
//! without a token, on a real binary with the demo catalog and traffic.

use std::process::Command;

use opentelemetry_proto::tonic::trace::v1::span::SpanKind;

use crate::common::*;

/// Every route the API serves (the web app's aside), OTLP/HTTP's included.
const PATHS: &[&str] = &[
    "/api/catalog/entities",
    "/api/catalog/entities/by-query",
    "/api/catalog/entities/by-name/{kind}/{namespace}/{name}",
    "/api/catalog/entities/by-uid/{uid}",
    "/api/catalog/entities/by-refs",
    "/api/catalog/entity-facets",
    "/api/catalog/locations",
    "/api/catalog/locations/{id}",
    "/api/v1/search",
    "/api/v1/entities",
    "/api/v1/catalog/problems",
    "/api/v1/graph",
    "/api/v1/graph/stream",
    "/api/v1/graph/view",
    "/api/v1/services/{name}/operations",
    "/api/v1/apis/{namespace}/{name}",
    "/api/v1/apis/{namespace}/{name}/coverage",
    "/api/v1/apis/{namespace}/{name}/consumers",
    "/api/v1/apis/{namespace}/{name}/changes",
    "/api/v1/slos",
    "/api/v1/slos/{name}",
    "/api/v1/deploys",
    "/api/v1/dora",
    "/api/v1/insights/drift",
    "/api/v1/insights/cycles",
    "/api/v1/insights/hotspots",
    "/api/v1/insights/blast-radius/{service}",
    "/api/v1/insights/drafts/{service}",
    "/api/v1/scorecards",
    "/api/v1/scorecards/history",
    "/healthz",
    "/readyz",
    "/metrics",
    "/v1/traces",
];

#[tokio::test]
async fn the_document_describes_every_route_its_errors_and_who_may_write() {
    let server = start(None, vec![demo_catalog()]).await;
    let (status, document) = get_json(&format!("{}/api/openapi.json", server.base)).await;
    assert_eq!(status, 200);
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().expect("paths");
    let mut described: Vec<&str> = paths.keys().map(String::as_str).collect();
    let mut expected = PATHS.to_vec();
    described.sort();
    expected.sort();
    assert_eq!(described, expected);
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    // OTLP speaks its own error shape (a google.rpc.Status) and its export
    // tokens (--otlp-token) are optional: held to OTLP's rules, not these.
    for (path, item) in paths.iter().filter(|(path, _)| path.as_str() != "/v1/traces") {
        for (method, operation) in item.as_object().expect("path item") {
            let responses = operation["responses"].as_object().expect("responses");
            let writes = method == "post" && path != "/api/catalog/entities/by-refs" || method == "delete";
            if writes {
                assert_eq!(operation["security"], serde_json::json!([{"bearer": []}]), "{method} {path} names its token");
                assert!(responses.contains_key("401"), "{method} {path} says it may refuse without a token");
            }
            if !["/healthz", "/readyz", "/metrics", "/api/v1/catalog/problems"].contains(&path.as_str()) {
                let error = &responses["503"]["content"]["application/json"]["schema"]["$ref"];
                assert_eq!(error, "#/components/schemas/ErrorBody", "{method} {path} describes its errors");
                assert!(responses["503"]["headers"].get("Retry-After").is_some(), "{method} {path}: 503 says when to retry");
            }
        }
    }
    let otlp = &paths["/v1/traces"]["post"];
    for status in ["200", "400", "413", "415", "503"] {
        assert!(otlp["responses"][status]["content"].get("application/x-protobuf").is_some(), "OTLP answers {status} in protobuf too");
    }
    // Patterns come from the parsers: a window's reaches exactly the longest window.
    let window = &paths["/api/v1/graph"]["get"]["parameters"][0];
    assert_eq!(window["name"], "window");
    let pattern = window["schema"]["pattern"].as_str().expect("a window pattern");
    assert!(pattern.contains("|90)d") && pattern.contains("2160)h"), "{pattern}");
}

/// Requests generated per operation and phase: enough to find what the
/// examples so far found, small enough for `make test` (about 10 s a run).
const EXAMPLES: &str = "20";

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_no_server_error_and_no_answer_off_the_document() {
    let Some(schemathesis) = test_venv("schemathesis") else { return };
    let catalog = demo_catalog().display().to_string();
    let meridian = Process::spawn(&["--catalog", &catalog, "--api-token", "s3cret", "--flush-interval-ms", "200"]);
    meridian.ready().await;
    // A call checkout → payments, so graph, operations and insights have something to say.
    for trace in 1..=5 {
        export(&meridian.otlp_http, &request("checkout", vec![span(trace, 10, Some(1), SpanKind::Client, trace == 5)])).await;
        export(&meridian.otlp_http, &request("payments", vec![span(trace, 11, Some(10), SpanKind::Server, trace == 5)])).await;
    }
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis.toml");
    let document = format!("{}/api/openapi.json", meridian.base);
    let reports = tempfile::tempdir().expect("temp dir");
    for token in [Some("s3cret"), None] {
        let mut command = Command::new(&schemathesis);
        command
            .arg("--config-file")
            .arg(&config)
            .args(["run", &document, "--checks", "all", "--max-examples", EXAMPLES, "--no-color"])
            // One worker: hypothesis is not thread-safe (it failed with two).
            // Its cache (.hypothesis) and reports stay out of the source tree.
            .current_dir(reports.path());
        if let Some(token) = token {
            command.args(["--header", &format!("Authorization: Bearer {token}")]);
        }
        let run = tokio::task::spawn_blocking(move || command.output()).await.expect("join").expect("schemathesis runs");
        let output = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success(),
            "schemathesis ({}) found problems:\n{output}\n{}",
            if token.is_some() { "with a token" } else { "without a token" },
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(output.contains("Tested: 38"), "every operation was tested:\n{output}");
    }
    let (_, metrics) = get_text(&format!("{}/metrics", meridian.base)).await;
    assert!(metrics.contains("meridian_spans_received_total"), "still serving after the run");
}

async fn get_text(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.expect("GET");
    (response.status().as_u16(), response.text().await.unwrap_or_default())
}
