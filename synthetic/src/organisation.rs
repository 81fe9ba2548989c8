//! A large organisation's traffic, and a hostile client's: the load of the
//! scale benchmarks and of the cardinality test.
//!
//! [`Organisation`]: `services` services calling one another over `edges`
//! distinct edges, each call an HTTP CLIENT span in the caller and a SERVER
//! span in the callee (one call per edge), spread over `operations` routes
//! per service. [`random_peers`]: one service calling a different
//! `server.address` in every span, as a client with ids or random hosts in
//! its peer names would. Pure and deterministic.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

use super::{Random, int, text};

/// The shape of an organisation's traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Organisation {
    pub services: usize,
    /// Distinct caller → callee pairs; at most `services × (services − 1)`.
    pub edges: usize,
    /// Routes each service serves.
    pub operations: usize,
}

/// The name of service `i` of an organisation.
pub fn service_name(i: usize) -> String {
    format!("svc-{i:05}")
}

impl Organisation {
    /// Caller and callee of edge `i`: every service calls the next ones
    /// round the ring, so edges are distinct while `edges < services²`.
    pub fn edge(&self, i: usize) -> (usize, usize) {
        let caller = i % self.services;
        let offset = 1 + i / self.services;
        (caller, (caller + offset) % self.services)
    }

    /// One call on each edge, as export requests of about `spans_per_request`
    /// spans (both halves of a call in the same request), starting at
    /// `start_unix_nanos`.
    pub fn requests(&self, seed: u64, spans_per_request: usize, start_unix_nanos: u64) -> Vec<ExportTraceServiceRequest> {
        assert!(self.services > 1 && self.edges < self.services * self.services, "{self:?} cannot have that many distinct edges");
        let mut random = Random(seed);
        let calls_per_request = (spans_per_request / 2).max(1);
        let mut requests = Vec::new();
        let mut batch: Vec<(usize, Span)> = Vec::new();
        for i in 0..self.edges {
            let (caller, callee) = self.edge(i);
            let trace_id = [random.next().to_be_bytes(), random.next().to_be_bytes()].concat();
            let (client_id, server_id) = (random.next().to_be_bytes().to_vec(), random.next().to_be_bytes().to_vec());
            let start = start_unix_nanos + i as u64 * 1_000;
            let micros = 1_000 + random.below(50_000);
            let route = format!("/op{}", i % self.operations.max(1));
            let host = service_name(callee);
            let client = Span {
                trace_id: trace_id.clone(),
                span_id: client_id.clone(),
                name: "GET".into(),
                kind: SpanKind::Client as i32,
                start_time_unix_nano: start,
                end_time_unix_nano: start + micros * 1_000,
                attributes: vec![
                    text("http.request.method", "GET"),
                    text("server.address", &host),
                    int("server.port", 8080),
                    int("http.response.status_code", 200),
                ],
                ..Default::default()
            };
            let server = Span {
                trace_id,
                span_id: server_id,
                parent_span_id: client_id,
                name: format!("GET {route}"),
                kind: SpanKind::Server as i32,
                start_time_unix_nano: start + 100_000,
                end_time_unix_nano: start + micros * 1_000 - 100_000,
                attributes: vec![text("http.request.method", "GET"), text("http.route", &route), int("http.response.status_code", 200)],
                ..Default::default()
            };
            batch.push((caller, client));
            batch.push((callee, server));
            if batch.len() >= calls_per_request * 2 {
                requests.push(by_service(std::mem::take(&mut batch), service_name));
            }
        }
        if !batch.is_empty() {
            requests.push(by_service(batch, service_name));
        }
        requests
    }
}

/// `requests` requests of `spans` CLIENT spans each from the service
/// `caller`, every span naming a peer no other span names.
pub fn random_peers(caller: &str, requests: usize, spans: usize, start_unix_nanos: u64) -> Vec<ExportTraceServiceRequest> {
    let mut random = Random(requests as u64 * 31 + spans as u64);
    (0..requests)
        .map(|r| {
            let batch = (0..spans)
                .map(|s| {
                    let start = start_unix_nanos + (r * spans + s) as u64 * 1_000;
                    let host = format!("{:016x}.peers.example", random.next());
                    let span = Span {
                        trace_id: [random.next().to_be_bytes(), random.next().to_be_bytes()].concat(),
                        span_id: random.next().to_be_bytes().to_vec(),
                        name: "GET".into(),
                        kind: SpanKind::Client as i32,
                        start_time_unix_nano: start,
                        end_time_unix_nano: start + 2_000_000,
                        attributes: vec![text("http.request.method", "GET"), text("server.address", &host), int("server.port", 443)],
                        ..Default::default()
                    };
                    (0, span)
                })
                .collect();
            by_service(batch, |_| caller.to_string())
        })
        .collect()
}

/// One resource per service, holding its spans of `spans`.
fn by_service(spans: Vec<(usize, Span)>, name: impl Fn(usize) -> String) -> ExportTraceServiceRequest {
    let mut groups: Vec<(usize, Vec<Span>)> = Vec::new();
    for (service, span) in spans {
        match groups.iter_mut().find(|(s, _)| *s == service) {
            Some((_, group)) => group.push(span),
            None => groups.push((service, vec![span])),
        }
    }
    ExportTraceServiceRequest {
        resource_spans: groups
            .into_iter()
            .map(|(service, spans)| ResourceSpans {
                resource: Some(Resource {
                    attributes: vec![text("service.name", &name(service)), text("service.version", "1.0.0")],
                    ..Default::default()
                }),
                scope_spans: vec![ScopeSpans { spans, ..Default::default() }],
                ..Default::default()
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_edge_is_distinct() {
        let org = Organisation { services: 50, edges: 300, operations: 4 };
        let edges: std::collections::HashSet<(usize, usize)> = (0..org.edges).map(|i| org.edge(i)).collect();
        assert_eq!(edges.len(), 300);
        assert!(edges.iter().all(|(a, b)| a != b));
        let requests = org.requests(1, 100, 1_700_000_000_000_000_000);
        assert_eq!(requests.iter().map(crate::span_count).sum::<usize>(), 600);
    }
    #[test]
    fn random_peers_never_repeat() {
        let requests = random_peers("noisy", 3, 50, 1_700_000_000_000_000_000);
        let hosts: std::collections::HashSet<String> = requests
            .iter()
            .flat_map(|r| &r.resource_spans)
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .filter_map(|s| s.attributes.iter().find(|a| a.key == "server.address").and_then(|a| a.value.clone()))
            .map(|v| format!("{v:?}"))
            .collect();
        assert_eq!(hosts.len(), 150);
    }
}
