//! The REST API and both OTLP receivers against a running server.

use std::io::Write;

use crate::common::*;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::common::v1::any_value;
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message;

const PROTOBUF: &str = "application/x-protobuf";

async fn post(base: &str, content_type: &str, encoding: Option<&str>, body: Vec<u8>) -> reqwest::Response {
    let mut request = reqwest::Client::new().post(format!("{base}/v1/traces")).header("content-type", content_type).body(body);
    if let Some(encoding) = encoding {
        request = request.header("content-encoding", encoding);
    }
    request.send().await.expect("POST /v1/traces")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

#[tokio::test]
async fn catalog_read_api_speaks_backstage() {
    let server = start(None, vec![demo_catalog()]).await;
    let (status, entities) = get_json(&format!("{}/api/catalog/entities", server.base)).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = entities.as_array().unwrap().iter().map(|e| e["metadata"]["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"gateway") && names.contains(&"team-pricing") && names.contains(&"storefront-api"), "{names:?}");

    // Lookup is case-insensitive, and relations come in Backstage's shape.
    let (status, gateway) = get_json(&format!("{}/api/catalog/entities/by-name/Component/default/Gateway", server.base)).await;
    assert_eq!(status, 200);
    assert_eq!(gateway["metadata"]["name"], "gateway");
    let relations = gateway["relations"].as_array().unwrap();
    assert!(relations.iter().any(|r| r["type"] == "ownedBy" && r["targetRef"] == "group:default/team-storefront"), "{relations:?}");
    assert!(relations.iter().any(|r| r["type"] == "providesApi" && r["targetRef"] == "api:default/storefront-api"));
    let (_, team) = get_json(&format!("{}/api/catalog/entities/by-name/group/default/team-storefront", server.base)).await;
    assert!(team["relations"].as_array().unwrap().iter().any(|r| r["type"] == "ownerOf" && r["targetRef"] == "component:default/gateway"));

    let (status, missing) = get_json(&format!("{}/api/catalog/entities/by-name/component/default/nope", server.base)).await;
    assert_eq!(status, 404);
    assert_eq!(missing["error"]["name"], "NotFoundError");
    assert_eq!(missing["response"]["statusCode"], 404);
    server.running.stop().await;
}

#[tokio::test]
async fn otlp_http_protobuf_gzip_and_json_pair_into_one_edge() {
    let server = start(None, vec![demo_catalog()]).await;
    let base = format!("http://{}", server.running.otlp_http_addr);
    // Call 1: client half first, plain protobuf. Call 2: server half first, gzip.
    let r = post(&base, PROTOBUF, None, request("gateway", vec![span(1, 10, Some(1), SpanKind::Client, false)]).encode_to_vec()).await;
    assert_eq!(r.status(), 200);
    let body = r.bytes().await.unwrap();
    assert_eq!(ExportTraceServiceResponse::decode(body).unwrap().partial_success, None, "full success has no partial_success");
    post(&base, PROTOBUF, None, request("catalog", vec![span(1, 11, Some(10), SpanKind::Server, false)]).encode_to_vec()).await;
    post(&base, PROTOBUF, Some("gzip"), gzip(&request("catalog", vec![span(2, 21, Some(20), SpanKind::Server, true)]).encode_to_vec()))
        .await;
    post(&base, PROTOBUF, Some("gzip"), gzip(&request("gateway", vec![span(2, 20, Some(2), SpanKind::Client, false)]).encode_to_vec()))
        .await;
    // Call 3: OTLP/JSON with hex ids, on the web port (which also accepts /v1/traces).
    let json = |service: &str, span_id: &str, parent: &str, kind: u8| {
        serde_json::json!({"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
            "scopeSpans": [{"spans": [{"traceId": "0303030303030303030303030303030A", "spanId": span_id, "parentSpanId": parent,
            "name": "GET /x", "kind": kind, "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000000002000000"}]}]}]})
    };
    // A timestamp far in the past would fall outside the window: use now.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    for (service, id, parent, kind) in
        [("gateway", "3030303030303030", "0101010101010101", 3), ("catalog", "3131313131313131", "3030303030303030", 2)]
    {
        let body = json(service, id, parent, kind)
            .to_string()
            .replace("1700000000000000000", &(now - 2_000_000).to_string())
            .replace("1700000000002000000", &now.to_string());
        let r = post(&server.base, "application/json", None, body.into_bytes()).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/json");
    }
    wait_for_edges(&server.base, &[("service:gateway", "service:catalog", 3, 1)]).await;

    // The graph names nodes in the documented shape and joins the catalog.
    let (_, graph) = get_json(&format!("{}/api/v1/graph?window=5m", server.base)).await;
    let gateway = graph["nodes"].as_array().unwrap().iter().find(|n| n["id"] == "service:gateway").unwrap().clone();
    assert_eq!(
        gateway,
        serde_json::json!({"id": "service:gateway", "name": "gateway", "kind": "service", "entityRef": "component:default/gateway"})
    );
    let edge = &graph["edges"][0];
    assert_eq!(edge["connectionType"], "http");
    assert!(edge["p50Ms"].as_f64().unwrap() > 0.0 && edge["p99Ms"].as_f64().unwrap() >= edge["p95Ms"].as_f64().unwrap());
    server.running.stop().await;
}

#[tokio::test]
async fn otlp_http_bad_input_is_rejected_and_nothing_else_is_lost() {
    let server = start(None, vec![]).await;
    let base = format!("http://{}", server.running.otlp_http_addr);
    let r = post(&base, PROTOBUF, None, b"\xff\xff\xff not protobuf".to_vec()).await;
    assert_eq!(r.status(), 400);
    let status = collector::receiver::http::RpcStatus::decode(r.bytes().await.unwrap()).unwrap();
    assert_eq!(status.code, 3);
    assert!(status.message.starts_with("invalid protobuf body"), "{}", status.message);

    let r = post(&base, PROTOBUF, Some("gzip"), b"not gzip".to_vec()).await;
    assert_eq!(r.status(), 400);
    let r = post(&base, "application/json", None, b"{not json".to_vec()).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("invalid JSON body"));
    let r = post(&base, "text/plain", None, b"hello".to_vec()).await;
    assert_eq!(r.status(), 415);
    let r = post(&base, PROTOBUF, None, vec![0; 2 * 1024 * 1024]).await;
    assert_eq!(r.status(), 413, "bodies over the limit are refused");

    // One unusable span (short trace id) is rejected; its neighbour is kept.
    let mut bad = span(5, 50, None, SpanKind::Server, false);
    bad.trace_id = vec![1, 2, 3];
    let good = span(6, 60, None, SpanKind::Server, false);
    let r = post(&base, PROTOBUF, None, request("solo", vec![bad, good]).encode_to_vec()).await;
    assert_eq!(r.status(), 200);
    let partial = ExportTraceServiceResponse::decode(r.bytes().await.unwrap()).unwrap().partial_success.expect("partial success");
    assert_eq!(partial.rejected_spans, 1);
    assert!(partial.error_message.contains("trace_id of 3 bytes"), "{}", partial.error_message);
    // A resource without service.name: all its spans are rejected, with why.
    let mut no_name = request("x", vec![span(7, 70, None, SpanKind::Server, false)]);
    no_name.resource_spans[0].resource = None;
    let r = post(&base, PROTOBUF, None, no_name.encode_to_vec()).await;
    let partial = ExportTraceServiceResponse::decode(r.bytes().await.unwrap()).unwrap().partial_success.expect("partial success");
    assert_eq!((partial.rejected_spans, partial.error_message.as_str()), (1, "resource has no service.name attribute"));

    wait_for_edges(&server.base, &[("user:user", "service:solo", 1, 0)]).await;
    server.running.stop().await;
}

#[tokio::test]
async fn otlp_grpc_export_pairs_with_http_halves() {
    let server = start(None, vec![]).await;
    let mut client = TraceServiceClient::connect(format!("http://{}", server.running.otlp_grpc_addr)).await.expect("gRPC connect");
    let response = client
        .export(request("front", vec![span(9, 90, Some(9), SpanKind::Client, false), span(9, 9, None, SpanKind::Server, false)]))
        .await
        .expect("export");
    assert_eq!(response.into_inner().partial_success, None);
    // The other half over HTTP: pairing does not care about transport.
    let http = format!("http://{}", server.running.otlp_http_addr);
    post(&http, PROTOBUF, None, request("back", vec![span(9, 91, Some(90), SpanKind::Server, true)]).encode_to_vec()).await;
    wait_for_edges(&server.base, &[("service:front", "service:back", 1, 1), ("user:user", "service:front", 1, 0)]).await;
    server.running.stop().await;
}

#[tokio::test]
async fn graph_rejects_bad_windows() {
    let server = start(None, vec![]).await;
    let (status, body) = get_json(&format!("{}/api/v1/graph?window=forever", server.base)).await;
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().contains("window `forever`"));
    server.running.stop().await;
}

#[tokio::test]
async fn observed_traffic_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/keep.db", dir.path().display());
    let server = start(Some(url.clone()), vec![]).await;
    let http = format!("http://{}", server.running.otlp_http_addr);
    post(&http, PROTOBUF, None, request("a", vec![span(4, 40, Some(4), SpanKind::Client, false)]).encode_to_vec()).await;
    post(&http, PROTOBUF, None, request("b", vec![span(4, 41, Some(40), SpanKind::Server, false)]).encode_to_vec()).await;
    // Stop at once: shutdown must flush what the engine holds.
    server.running.stop().await;
    let again = start(Some(url), vec![]).await;
    assert_eq!(edges(&again.base).await, [("service:a".to_string(), "service:b".to_string(), 1, 0)]);
    again.running.stop().await;
}

#[tokio::test]
async fn search_ranks_tolerates_typos_and_counts_facets() {
    let server = start(None, vec![demo_catalog()]).await;
    let (status, body) = get_json(&format!("{}/api/v1/search?q=prcing", server.base)).await;
    assert_eq!(status, 200);
    let refs: Vec<&str> = body["items"].as_array().unwrap().iter().map(|i| i["entityRef"].as_str().unwrap()).collect();
    // Equally good matches (one edit from `pricing` each), in ref order.
    assert_eq!(
        refs,
        ["api:default/pricing-api", "component:default/pricing", "group:default/team-pricing", "resource:default/pricing-db"],
        "{body}"
    );
    let kinds = &body["facets"]["kind"];
    assert!(kinds.as_array().unwrap().iter().any(|f| f["value"] == "Component"), "{kinds}");
    let (_, filtered) = get_json(&format!("{}/api/v1/search?q=pricing&filter=kind=group&limit=5", server.base)).await;
    assert_eq!(filtered["total"], 1);
    assert_eq!(filtered["items"][0]["entityRef"], "group:default/team-pricing");
    server.running.stop().await;
}

#[tokio::test]
async fn databases_topics_and_operations_come_from_span_attributes() {
    let server = start(None, vec![demo_catalog()]).await;
    let with = |mut s: Span, attributes: &[(&str, &str)]| {
        s.attributes.extend(attributes.iter().map(|(k, v)| text(k, v)));
        s
    };
    let route = [("http.route", "/items/{id}")];
    let mut failed = with(span(1, 12, None, SpanKind::Server, false), &route);
    failed.attributes.push(kv("http.response.status_code", any_value::Value::IntValue(503)));
    send_spans(
        server.running.otlp_http_addr,
        vec![
            // Entry points with a route: one operation, one error by status code.
            ("gateway", with(span(1, 10, None, SpanKind::Server, false), &route)),
            ("gateway", with(span(1, 11, None, SpanKind::Server, false), &route)),
            ("gateway", failed),
            // A database call, old and new conventions naming the same database.
            ("users", with(span(2, 20, Some(1), SpanKind::Client, false), &[("db.system.name", "postgresql"), ("db.namespace", "users")])),
            ("users", with(span(2, 21, Some(1), SpanKind::Client, false), &[("db.system", "postgresql"), ("db.name", "users")])),
            // A queue between checkout and notifications; the consumer does not name it.
            (
                "checkout",
                with(
                    span(3, 30, Some(1), SpanKind::Producer, false),
                    &[("messaging.system", "kafka"), ("messaging.destination.name", "orders")],
                ),
            ),
            ("notifications", span(3, 31, Some(30), SpanKind::Consumer, false)),
            // A call nobody instrumented answers: an external node once the window passes.
            (
                "payments",
                with(span(4, 40, Some(1), SpanKind::Client, true), &[("peer.service", "stripe"), ("server.address", "api.stripe.com")]),
            ),
        ],
    )
    .await;
    wait_for_edges(
        &server.base,
        &[
            ("messaging:orders", "service:notifications", 1, 0),
            ("service:checkout", "messaging:orders", 1, 0),
            ("service:payments", "external:stripe", 1, 1),
            ("service:users", "database:users", 2, 0),
            ("user:user", "service:gateway", 3, 1),
        ],
    )
    .await;
    let (status, body) = get_json(&format!("{}/api/v1/services/gateway/operations?window=5m", server.base)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["service"], "gateway");
    let operations = body["operations"].as_array().unwrap();
    assert_eq!(operations.len(), 1, "{body}");
    assert_eq!(
        (operations[0]["operation"].as_str(), operations[0]["requests"].as_u64(), operations[0]["errors"].as_u64()),
        (Some("GET /items/{id}"), Some(3), Some(1))
    );
    assert!(operations[0]["p99Ms"].as_f64().unwrap() >= operations[0]["p50Ms"].as_f64().unwrap());
    let (status, _) = get_json(&format!("{}/api/v1/services/gateway/operations?window=never", server.base)).await;
    assert_eq!(status, 400);
    let metrics = reqwest::get(format!("{}/metrics", server.base)).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("meridian_spans_received_total 8\n"), "{metrics}");
    assert!(metrics.contains("meridian_spans_expired_total 1\n"), "{metrics}");
    assert!(metrics.contains("meridian_spans_evicted_total 0\n"), "{metrics}");
    for part in ["receivers", "flusher"] {
        let ingest_cpu: f64 = metrics
            .lines()
            .find_map(|line| line.strip_prefix(&format!("meridian_ingest_cpu_seconds_total{{part=\"{part}\"}} ")))
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("no ingest CPU of the {part} in {metrics}"));
        assert!(ingest_cpu > 0.0, "receiving and flushing eight spans took the {part} some CPU: {ingest_cpu}");
    }
    server.running.stop().await;
}

#[tokio::test]
async fn otlp_tokens_are_checked_on_both_transports_when_configured() {
    let server = start_with(None, vec![], |config| config.otlp_tokens = vec!["s3cret".into()]).await;
    let body = request("gateway", vec![span(1, 1, None, SpanKind::Server, false)]).encode_to_vec();
    let http = format!("http://{}/v1/traces", server.running.otlp_http_addr);
    let send = |token: Option<&'static str>| {
        let mut request = reqwest::Client::new().post(&http).header("content-type", PROTOBUF).body(body.clone());
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request.send()
    };
    for (token, expected) in [(None, "missing `Authorization: Bearer TOKEN` header"), (Some("wrong"), "the bearer token is not valid")] {
        let response = send(token).await.unwrap();
        assert_eq!(response.status(), 401);
        let status = collector::receiver::http::RpcStatus::decode(response.bytes().await.unwrap()).unwrap();
        assert_eq!((status.code, status.message.as_str()), (16, expected));
    }
    assert_eq!(send(Some("s3cret")).await.unwrap().status(), 200);

    let mut client = TraceServiceClient::connect(format!("http://{}", server.running.otlp_grpc_addr)).await.unwrap();
    let refused = client.export(request("gateway", vec![span(2, 2, None, SpanKind::Server, false)])).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::Unauthenticated);
    let mut authorized = tonic::Request::new(request("gateway", vec![span(3, 3, None, SpanKind::Server, false)]));
    authorized.metadata_mut().insert("authorization", "Bearer s3cret".parse().unwrap());
    client.export(authorized).await.unwrap();
    wait_for_edges(&server.base, &[("user:user", "service:gateway", 2, 0)]).await;
    server.running.stop().await;
}
