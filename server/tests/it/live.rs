//! The live graph: pushed over server-sent events, the same as the stored
//! graph, and back after a restart together with the versions that ran.

use crate::common::*;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use serde_json::Value;

/// Reads a server-sent event stream, one `data:` payload at a time.
struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    async fn open(url: &str) -> Self {
        let response = reqwest::get(url).await.expect("GET stream");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Self { response, buffer: String::new() }
    }

    /// The next `event: graph` payload (keep-alive comments skipped).
    async fn next_graph(&mut self) -> Value {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                if !event.lines().any(|l| l == "event: graph") {
                    continue;
                }
                let data: String = event.lines().filter_map(|l| l.strip_prefix("data: ")).collect();
                return serde_json::from_str(&data).expect("graph JSON");
            }
            let chunk = tokio::time::timeout(std::time::Duration::from_secs(20), self.response.chunk())
                .await
                .expect("an event within 20 s")
                .expect("stream readable")
                .expect("stream still open");
            self.buffer.push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
        }
    }

    /// Events until one has an edge `source → target`.
    async fn until_edge(&mut self, source: &str, target: &str) -> Value {
        for _ in 0..30 {
            let graph = self.next_graph().await;
            if graph["edges"].as_array().unwrap().iter().any(|e| e["source"] == source && e["target"] == target) {
                return graph;
            }
        }
        panic!("no edge {source} → {target} in 30 events");
    }
}

/// One span of `service` at `version`.
async fn export_versioned(
    otlp_http_addr: std::net::SocketAddr,
    service: &str,
    version: &str,
    span: opentelemetry_proto::tonic::trace::v1::Span,
) {
    let mut body = request(service, vec![span]);
    body.resource_spans[0].resource.as_mut().unwrap().attributes.push(text("service.version", version));
    export(&otlp_http_addr.to_string(), &body).await;
}

#[tokio::test]
async fn the_live_graph_is_pushed_and_comes_back_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/live.db", dir.path().display());
    let server = start(Some(url.clone()), vec![]).await;
    let mut stream = EventStream::open(&format!("{}/api/v1/graph/stream?window=15m", server.base)).await;
    assert_eq!(stream.next_graph().await["edges"], serde_json::json!([]), "the current graph at once");

    export_versioned(server.running.otlp_http_addr, "front", "1.0", span(7, 70, Some(7), SpanKind::Client, false)).await;
    export_versioned(server.running.otlp_http_addr, "back", "1.0", span(7, 71, Some(70), SpanKind::Server, false)).await;
    let pushed = stream.until_edge("service:front", "service:back").await;
    // The push may come a moment before the read sees the same minute (a loaded machine).
    let stored = wait_for(&server.base, "/api/v1/graph?window=15m", |stored| *stored == pushed).await;
    assert_eq!(pushed, stored, "one replica: the pushed graph is the stored one");
    assert_eq!(pushed["edges"].as_array().unwrap().len(), 1);
    server.running.stop().await;

    // A restart: the stream starts from the stored minutes, and the engine knows 1.0 ran.
    let again = start(Some(url.clone()), vec![]).await;
    let mut stream = EventStream::open(&format!("{}/api/v1/graph/stream?window=5m", again.base)).await;
    let restored = stream.next_graph().await;
    assert_eq!(restored["edges"][0]["source"], "service:front", "{restored}");
    assert_eq!(restored["edges"][0]["requests"], 1);
    // Only 2.0 now: without what the first run saw, it would be the first version ever (no deploy).
    export_versioned(again.running.otlp_http_addr, "back", "2.0", span(9, 91, None, SpanKind::Server, false)).await;
    stream.until_edge("user:user", "service:back").await;
    let store = again.running.store.clone();
    again.running.stop().await;
    let deploys = store.deploys_since(Some("back"), 0).await.unwrap();
    assert_eq!(
        deploys.iter().map(|d| (d.from_version.to_string(), d.to_version.to_string())).collect::<Vec<_>>(),
        [("1.0".to_string(), "2.0".to_string())],
        "the restarted engine knew 1.0 ran"
    );
}

#[tokio::test]
async fn the_stream_refuses_windows_beyond_its_hour() {
    let server = start(None, vec![]).await;
    let (status, body) = get_json(&format!("{}/api/v1/graph/stream?window=2h", server.base)).await;
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().contains("at most 1h"), "{body}");
    server.running.stop().await;
}
