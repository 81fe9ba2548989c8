//! `GET /api/v1/graph/view`: a real server's graph, narrowed by focus,
//! filters and expressions, with what is hidden counted; every export format.

use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use serde_json::Value;

use crate::common::*;

async fn text(url: &str) -> (u16, String, String) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test]
async fn views_narrow_the_graph_and_export_it() {
    let server = start(None, vec![demo_catalog()]).await;
    // gateway → catalog → pricing, and gateway as an entry point; one failing call to pricing.
    send_spans(
        server.running.otlp_http_addr,
        vec![
            ("gateway", span(1, 1, None, SpanKind::Server, false)),
            ("gateway", span(1, 2, Some(1), SpanKind::Client, false)),
            ("catalog", span(1, 3, Some(2), SpanKind::Server, false)),
            ("catalog", span(1, 4, Some(3), SpanKind::Client, true)),
            ("pricing", span(1, 5, Some(4), SpanKind::Server, true)),
        ],
    )
    .await;
    wait_for_edges(
        &server.base,
        &[
            ("service:catalog", "service:pricing", 1, 1),
            ("service:gateway", "service:catalog", 1, 0),
            ("user:user", "service:gateway", 1, 0),
        ],
    )
    .await;
    let view = |query: &str| {
        let url = format!("{}/api/v1/graph/view?window=15m&{query}", server.base);
        async move { get_json(&url).await }
    };
    let nodes = |body: &Value| body["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();

    let (status, body) = view("focus=pricing&direction=callers&hops=1").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(nodes(&body), ["service:catalog", "service:pricing"]);
    assert_eq!(body["hidden"]["edges"], 2);
    assert_eq!(body["hidden"]["edgesByReason"]["focus"], 2);
    assert_eq!(body["hidden"]["nodeNames"], serde_json::json!(["service:gateway", "user:user"]));

    let (_, body) = view("hide=errors%20%3E%200&find=owner%20%3D%20team-storefront").await;
    assert_eq!(body["edges"].as_array().map(Vec::len), Some(2), "the failing call and pricing are hidden: {body}");
    assert_eq!(body["found"], serde_json::json!(["service:catalog", "service:gateway"]));

    let (status, body) = view("find=rate%20%3E").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["message"], "`find` at column 7: expected a value after `>`");
    let (status, body) = view("format=png").await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (400, Some("format: unknown variant `png`, expected one of `json`, `dot`, `mermaid`, `svg`"))
    );

    let base = format!("{}/api/v1/graph/view?window=15m&focus=catalog", server.base);
    let (status, content_type, dot) = text(&format!("{base}&format=dot")).await;
    assert_eq!((status, content_type.as_str()), (200, "text/vnd.graphviz; charset=utf-8"));
    assert!(dot.contains("\"service:catalog\" -> \"service:pricing\" [label=\"1 req, 100.0% err"), "{dot}");
    let (_, _, mermaid) = text(&format!("{base}&format=mermaid")).await;
    assert!(mermaid.starts_with("flowchart LR\n") && mermaid.contains("-->|"), "{mermaid}");
    let (_, content_type, svg) = text(&format!("{base}&format=svg")).await;
    assert_eq!(content_type, "image/svg+xml; charset=utf-8");
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.contains(">pricing</text>"), "{svg}");
    server.running.stop().await;
}
