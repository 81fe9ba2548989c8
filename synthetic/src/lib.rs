//! Synthetic OTLP traffic, pure and without I/O: realistic export requests
//! for benchmarks, fuzzing seeds, tests and the demo's large organisation
//! (`meridian-demo organisation`). The collector's tests check that its
//! engine pairs this traffic into the graph it stands for
//! (`collector/tests/synthetic.rs`).
//!
//! [`export_request`]:
//! an eight-service shop (gateway, users, catalog, pricing, inventory,
//! checkout, payments, notifications) with databases, a queue and an
//! outside payment provider, instrumented as the OpenTelemetry SDKs do it
//! (resource and span attributes of the current semantic conventions).
//! [`organisation`] makes the traffic of a large organisation and of a
//! client with unbounded peer names, for the scale benchmarks.
//!
//! One request is what a gateway Collector forwards: a batch with one
//! resource per service, holding a few complete traces (about 50 spans).
//! Pure and deterministic: the same seed gives the same bytes.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, status};

pub mod organisation;

pub const SERVICES: [&str; 8] = ["gateway", "users", "catalog", "pricing", "inventory", "checkout", "payments", "notifications"];

/// Which user journey a trace is: most browse, few buy.
#[derive(Clone, Copy, Debug)]
enum Journey {
    Browse,
    View,
    Checkout,
}

/// A span under construction, with the index of its service.
struct Built {
    service: usize,
    span: Span,
}

/// Small deterministic generator (SplitMix64): ids and jitter.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn text(key: &str, value: &str) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(any_value::Value::StringValue(value.into())) }) }
}

fn int(key: &str, value: i64) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(any_value::Value::IntValue(value)) }) }
}

struct TraceBuilder<'a> {
    random: &'a mut Random,
    trace_id: Vec<u8>,
    spans: Vec<Built>,
}

impl TraceBuilder<'_> {
    fn span(&mut self, service: usize, kind: SpanKind, name: &str, parent: Option<&[u8]>, start: u64, micros: u64) -> Vec<u8> {
        let span_id = self.random.next().to_be_bytes().to_vec();
        self.spans.push(Built {
            service,
            span: Span {
                trace_id: self.trace_id.clone(),
                span_id: span_id.clone(),
                parent_span_id: parent.map(<[u8]>::to_vec).unwrap_or_default(),
                name: name.into(),
                kind: kind as i32,
                start_time_unix_nano: start,
                end_time_unix_nano: start + micros * 1000,
                flags: 0x301,
                ..Default::default()
            },
        });
        span_id
    }

    fn last(&mut self) -> &mut Span {
        &mut self.spans.last_mut().expect("a span was just added").span
    }

    /// An HTTP call from `caller` (under `parent`) to `callee`: CLIENT and SERVER spans; the server span's id.
    /// `endpoint` is `METHOD /route`.
    fn http(&mut self, caller: usize, callee: usize, parent: &[u8], endpoint: &str, start: u64, micros: u64) -> Vec<u8> {
        let (method, route) = endpoint.split_once(' ').unwrap_or(("GET", endpoint));
        let status = if self.random.below(100) == 0 { 503 } else { 200 };
        let client = self.span(caller, SpanKind::Client, method, Some(parent), start, micros);
        let host = SERVICES[callee];
        self.last().attributes = vec![
            text("http.request.method", method),
            text("url.full", &format!("http://{host}:8080{}", route.replace("{id}", "42"))),
            text("server.address", host),
            int("server.port", 8080),
            int("http.response.status_code", status),
            text("network.protocol.version", "1.1"),
        ];
        let server = self.span(callee, SpanKind::Server, &format!("{method} {route}"), Some(&client), start + 150_000, micros - 300);
        let server_span = self.last();
        server_span.attributes = vec![
            text("http.request.method", method),
            text("http.route", route),
            text("url.path", &route.replace("{id}", "42")),
            text("url.scheme", "http"),
            int("http.response.status_code", status),
            text("server.address", host),
            int("server.port", 8080),
            text("network.protocol.version", "1.1"),
            text("user_agent.original", "reqwest/0.12"),
        ];
        if status >= 500 {
            server_span.status = Some(Status { code: status::StatusCode::Error as i32, message: "upstream unavailable".into() });
        }
        server
    }

    fn query(&mut self, service: usize, parent: &[u8], database: &str, operation: &str, table: &str, start: u64) {
        let micros = 300 + self.random.below(2_000);
        self.span(service, SpanKind::Client, &format!("{operation} {database}.{table}"), Some(parent), start, micros);
        self.last().attributes = vec![
            text("db.system.name", "postgresql"),
            text("db.namespace", database),
            text("db.operation.name", operation),
            text("db.collection.name", table),
            text("db.query.text", &format!("{operation} * FROM {table} WHERE id = $1")),
            text("server.address", "postgres"),
            int("server.port", 5432),
        ];
    }
}

/// One trace of `journey`, its spans with their services.
fn trace(random: &mut Random, journey: Journey, start: u64) -> Vec<Built> {
    let mut t = TraceBuilder { trace_id: [random.next().to_be_bytes(), random.next().to_be_bytes()].concat(), random, spans: Vec::new() };
    let (gateway, users, catalog, pricing, inventory, checkout, payments, notifications) = (0, 1, 2, 3, 4, 5, 6, 7);
    let route = match journey {
        Journey::Browse => "/api/products",
        Journey::View => "/api/products/{id}",
        Journey::Checkout => "/api/checkout",
    };
    let method = if matches!(journey, Journey::Checkout) { "POST" } else { "GET" };
    let root = t.span(gateway, SpanKind::Server, &format!("{method} {route}"), None, start, 40_000);
    t.last().attributes = vec![
        text("http.request.method", method),
        text("http.route", route),
        int("http.response.status_code", 200),
        text("client.address", "10.1.2.3"),
    ];
    let auth = t.http(gateway, users, &root, "GET /users/{id}", start + 1_000_000, 3_000);
    t.query(users, &auth, "users", "SELECT", "users", start + 1_500_000);
    let products = t.http(gateway, catalog, &root, "GET /products/{id}", start + 5_000_000, 8_000);
    t.query(catalog, &products, "catalog", "SELECT", "products", start + 5_500_000);
    let prices = t.http(catalog, pricing, &products, "GET /prices/{id}", start + 7_000_000, 2_000);
    t.query(pricing, &prices, "pricing", "SELECT", "prices", start + 7_400_000);
    if !matches!(journey, Journey::Browse) {
        let stock = t.http(gateway, inventory, &root, "GET /stock/{id}", start + 14_000_000, 2_500);
        t.query(inventory, &stock, "inventory", "SELECT", "stock", start + 14_300_000);
    }
    if matches!(journey, Journey::Checkout) {
        let order = t.http(gateway, checkout, &root, "POST /orders", start + 18_000_000, 20_000);
        t.query(checkout, &order, "orders", "INSERT", "orders", start + 18_500_000);
        let reserve = t.http(checkout, inventory, &order, "POST /reservations", start + 20_000_000, 2_000);
        t.query(inventory, &reserve, "inventory", "UPDATE", "stock", start + 20_300_000);
        let charge = t.http(checkout, payments, &order, "POST /charges", start + 23_000_000, 9_000);
        // The payment provider is not instrumented: this half never pairs.
        t.span(payments, SpanKind::Client, "POST", Some(&charge), start + 23_500_000, 7_000);
        t.last().attributes = vec![
            text("http.request.method", "POST"),
            text("peer.service", "payment-provider"),
            text("server.address", "api.payments.example"),
            int("http.response.status_code", 200),
        ];
        let publish = t.span(checkout, SpanKind::Producer, "orders publish", Some(&order), start + 33_000_000, 400);
        t.last().attributes = vec![
            text("messaging.system", "rabbitmq"),
            text("messaging.destination.name", "orders"),
            text("messaging.operation.type", "send"),
        ];
        let consume = t.span(notifications, SpanKind::Consumer, "orders process", Some(&publish), start + 35_000_000, 1_500);
        t.last().attributes = vec![
            text("messaging.system", "rabbitmq"),
            text("messaging.destination.name", "orders"),
            text("messaging.operation.type", "process"),
        ];
        t.query(notifications, &consume, "notifications", "INSERT", "emails", start + 35_200_000);
    }
    t.spans
}

fn resource(service: &str) -> Resource {
    Resource {
        attributes: vec![
            text("service.name", service),
            text("service.namespace", "shop"),
            text("service.version", "1.4.2"),
            text("deployment.environment.name", "production"),
            text("service.instance.id", &format!("{service}-7f9c4d-x2k8p")),
            text("host.name", &format!("node-{}", service.len())),
            text("telemetry.sdk.name", "opentelemetry"),
            text("telemetry.sdk.language", "rust"),
            text("telemetry.sdk.version", "0.31.0"),
        ],
        ..Default::default()
    }
}

/// An export request of complete traces, about `spans` spans (at least one
/// trace), seeded by `seed`, starting at `start_unix_nanos`. Nine traces in
/// ten browse or view a product; one checks out (queue, payment provider).
pub fn export_request(seed: u64, spans: usize, start_unix_nanos: u64) -> ExportTraceServiceRequest {
    let mut random = Random(seed);
    let mut by_service: Vec<Vec<Span>> = vec![Vec::new(); SERVICES.len()];
    let mut count = 0;
    let mut n = 0;
    while count == 0 || count < spans {
        let journey = match random.below(10) {
            0 => Journey::Checkout,
            1..=4 => Journey::View,
            _ => Journey::Browse,
        };
        for built in trace(&mut random, journey, start_unix_nanos + n * 50_000_000) {
            by_service[built.service].push(built.span);
            count += 1;
        }
        n += 1;
    }
    ExportTraceServiceRequest {
        resource_spans: by_service
            .into_iter()
            .enumerate()
            .filter(|(_, spans)| !spans.is_empty())
            .map(|(i, spans)| ResourceSpans {
                resource: Some(resource(SERVICES[i])),
                scope_spans: vec![ScopeSpans {
                    scope: Some(InstrumentationScope {
                        name: "opentelemetry-instrumentation-axum".into(),
                        version: "0.3.0".into(),
                        ..Default::default()
                    }),
                    spans,
                    ..Default::default()
                }],
                ..Default::default()
            })
            .collect(),
    }
}

/// The number of spans in a request.
pub fn span_count(request: &ExportTraceServiceRequest) -> usize {
    request.resource_spans.iter().flat_map(|r| &r.scope_spans).map(|s| s.spans.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_holds_whole_traces_and_is_deterministic() {
        let request = export_request(7, 50, 1_700_000_000_000_000_000);
        assert!((50..70).contains(&span_count(&request)), "{}", span_count(&request));
        assert_eq!(export_request(7, 50, 1_700_000_000_000_000_000), request, "deterministic");
        assert_ne!(export_request(8, 50, 1_700_000_000_000_000_000), request, "another seed, other traces");
    }
}
