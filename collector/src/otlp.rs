//! OTLP protobuf types → [`SpanRecord`]s. Spans that cannot be used are
//! counted with a reason (OTLP partial success), never fatal for the rest.

use std::collections::HashSet;
use std::sync::Arc;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::{span, status};
use prost::Message;

use crate::engine::{Name, Peer, Protocol, SpanKind, SpanRecord};

/// Deduplicates names (services, operations, peers, versions) so each span
/// holds a pointer, not a copy.
#[derive(Default)]
pub struct Interner {
    names: HashSet<Name>,
    /// Where joined names are assembled, so a known one costs no allocation.
    scratch: String,
}

impl Interner {
    pub fn intern(&mut self, text: &str) -> Name {
        if let Some(name) = self.names.get(text) {
            return name.clone();
        }
        let name: Name = Arc::from(text);
        self.names.insert(name.clone());
        name
    }

    /// `first`, `separator` and `second` as one name (`GET /orders`, `ns/name`).
    pub fn intern_joined(&mut self, first: &str, separator: char, second: &str) -> Name {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        scratch.push_str(first);
        scratch.push(separator);
        scratch.push_str(second);
        let name = self.intern(&scratch);
        self.scratch = scratch;
        name
    }
}

/// Spans that were not accepted, and the first reason why.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rejected {
    pub count: u64,
    pub first_reason: Option<String>,
}

impl Rejected {
    fn add(&mut self, count: usize, reason: impl FnOnce() -> String) {
        if count == 0 {
            return;
        }
        self.count += count as u64;
        if self.first_reason.is_none() {
            self.first_reason = Some(reason());
        }
    }
}

fn str_attr<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attributes.iter().find(|kv| kv.key == key).and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s.as_str()),
        _ => None,
    })
}

fn int_attr(attributes: &[KeyValue], key: &str) -> Option<i64> {
    attributes.iter().find(|kv| kv.key == key).and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
        any_value::Value::IntValue(i) => Some(*i),
        any_value::Value::StringValue(s) => s.parse().ok(),
        _ => None,
    })
}

fn has_attr(attributes: &[KeyValue], key: &str) -> bool {
    attributes.iter().any(|kv| kv.key == key)
}

/// The first of `keys` present as a non-empty string (newer semantic
/// conventions first, older names after).
fn first_attr<'a>(attributes: &'a [KeyValue], keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|key| str_attr(attributes, key).filter(|v| !v.is_empty()))
}

/// What a resource says about the service all its spans belong to.
struct ResourceService {
    service: Name,
    version: Option<Name>,
    environment: Option<Name>,
}

/// OTLP/JSON → request. proto3's JSON mapping lets 64-bit integers be
/// numbers or strings; the generated types take strings only, so a body that
/// fails to parse is retried with such numbers turned into strings (the
/// usual body takes the fast path once).
/// How an OTLP/HTTP body is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFormat {
    Protobuf,
    Json,
}

/// Why a body could not be decoded: over the size limit (413), or not a
/// valid request (400).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Invalid(String),
}

/// An OTLP/HTTP body (gzip-compressed or not) into a request. Pure: the
/// HTTP receiver and the fuzz targets both come through here.
pub fn decode_body(body: bytes::Bytes, format: BodyFormat, gzip: bool, max_bytes: usize) -> Result<ExportTraceServiceRequest, BodyError> {
    let body = if gzip { bytes::Bytes::from(gunzip(&body, max_bytes)?) } else { body };
    match format {
        BodyFormat::Protobuf => {
            ExportTraceServiceRequest::decode(body).map_err(|e| BodyError::Invalid(format!("invalid protobuf body: {e}")))
        }
        BodyFormat::Json => decode_json(&body).map_err(BodyError::Invalid),
    }
}

/// Decompresses at most `limit` bytes, so a small bomb cannot exhaust memory.
fn gunzip(body: &[u8], limit: usize) -> Result<Vec<u8>, BodyError> {
    use std::io::Read;
    let mut out = Vec::new();
    let mut decoder = flate2::read::GzDecoder::new(body).take(limit as u64 + 1);
    decoder.read_to_end(&mut out).map_err(|e| BodyError::Invalid(format!("invalid gzip body: {e}")))?;
    if out.len() > limit {
        return Err(BodyError::TooLarge(format!("decompressed body exceeds {limit} bytes")));
    }
    Ok(out)
}

pub fn decode_json(body: &[u8]) -> Result<ExportTraceServiceRequest, String> {
    let first_error = match serde_json::from_slice(body) {
        Ok(request) => return Ok(request),
        Err(error) => error,
    };
    let mut value: serde_json::Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))?;
    stringify_64_bit_integers(&mut value);
    serde_json::from_value(value).map_err(|_| format!("invalid OTLP/JSON body: {first_error}"))
}

/// The 64-bit integer fields of trace requests.
const SIXTY_FOUR_BIT_FIELDS: &[&str] = &["startTimeUnixNano", "endTimeUnixNano", "timeUnixNano", "intValue"];

fn stringify_64_bit_integers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if child.is_number() && SIXTY_FOUR_BIT_FIELDS.contains(&key.as_str()) {
                    *child = serde_json::Value::String(child.to_string());
                } else {
                    stringify_64_bit_integers(child);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(stringify_64_bit_integers),
        _ => {}
    }
}

/// Converts a request's spans, appending usable ones to `out`.
pub fn decode_request(request: &ExportTraceServiceRequest, interner: &mut Interner, out: &mut Vec<SpanRecord>) -> Rejected {
    let mut rejected = Rejected::default();
    for resource_spans in &request.resource_spans {
        let resource_attributes = resource_spans.resource.as_ref().map(|r| r.attributes.as_slice()).unwrap_or_default();
        let total: usize = resource_spans.scope_spans.iter().map(|s| s.spans.len()).sum();
        // service.namespace + service.name is the service identity.
        let service = match (str_attr(resource_attributes, "service.name"), str_attr(resource_attributes, "service.namespace")) {
            (Some(name), Some(ns)) if !name.is_empty() && !ns.is_empty() => interner.intern_joined(ns, '/', name),
            (Some(name), _) if !name.is_empty() => interner.intern(name),
            _ => {
                rejected.add(total, || "resource has no service.name attribute".to_string());
                continue;
            }
        };
        let resource = ResourceService {
            service,
            version: first_attr(resource_attributes, &["service.version"]).map(|v| interner.intern(v)),
            environment: first_attr(resource_attributes, &["deployment.environment.name", "deployment.environment"])
                .map(|v| interner.intern(v)),
        };
        for scope_spans in &resource_spans.scope_spans {
            for span in &scope_spans.spans {
                match decode_span(span, &resource, interner) {
                    Ok(record) => out.push(record),
                    Err(reason) => rejected.add(1, || reason),
                }
            }
        }
    }
    rejected
}

fn decode_span(
    span: &opentelemetry_proto::tonic::trace::v1::Span,
    resource: &ResourceService,
    interner: &mut Interner,
) -> Result<SpanRecord, String> {
    let trace_id: [u8; 16] =
        span.trace_id.as_slice().try_into().map_err(|_| format!("span has a trace_id of {} bytes, not 16", span.trace_id.len()))?;
    let span_id: [u8; 8] =
        span.span_id.as_slice().try_into().map_err(|_| format!("span has a span_id of {} bytes, not 8", span.span_id.len()))?;
    if trace_id == [0; 16] || span_id == [0; 8] {
        return Err("span has an all-zero trace_id or span_id".to_string());
    }
    let parent_span_id = match span.parent_span_id.len() {
        0 => None,
        8 => Some(<[u8; 8]>::try_from(span.parent_span_id.as_slice()).map_err(|_| "bad parent_span_id".to_string())?)
            .filter(|p| *p != [0; 8]),
        n => return Err(format!("span has a parent_span_id of {n} bytes, not 8")),
    };
    let kind = match span::SpanKind::try_from(span.kind).unwrap_or(span::SpanKind::Unspecified) {
        span::SpanKind::Unspecified => SpanKind::Unspecified,
        span::SpanKind::Internal => SpanKind::Internal,
        span::SpanKind::Server => SpanKind::Server,
        span::SpanKind::Client => SpanKind::Client,
        span::SpanKind::Producer => SpanKind::Producer,
        span::SpanKind::Consumer => SpanKind::Consumer,
    };
    let attributes = span.attributes.as_slice();
    let status_error = span.status.as_ref().is_some_and(|s| s.code == status::StatusCode::Error as i32);
    // Old and new semantic-convention names are both accepted.
    let http_status = int_attr(attributes, "http.response.status_code").or_else(|| int_attr(attributes, "http.status_code"));
    let is_error = status_error || (kind == SpanKind::Server && http_status.is_some_and(|code| code >= 500));
    let protocol = if has_attr(attributes, "rpc.system") {
        Protocol::Rpc
    } else if has_attr(attributes, "http.request.method") || has_attr(attributes, "http.method") {
        Protocol::Http
    } else {
        Protocol::Other
    };
    let peer = (kind == SpanKind::Client).then(|| peer_of(attributes, interner)).flatten();
    let destination = matches!(kind, SpanKind::Producer | SpanKind::Consumer)
        .then(|| first_attr(attributes, &["messaging.destination.name", "messaging.destination", "messaging.system"]))
        .flatten()
        .map(|d| interner.intern(d));
    Ok(SpanRecord {
        trace_id,
        span_id,
        parent_span_id,
        kind,
        service: resource.service.clone(),
        operation: operation_of(span, attributes, interner),
        start_unix_nanos: span.start_time_unix_nano,
        end_unix_nanos: span.end_time_unix_nano.max(span.start_time_unix_nano),
        is_error,
        protocol,
        peer,
        destination,
        version: resource.version.clone(),
        environment: resource.environment.clone(),
    })
}

/// `METHOD /route` for HTTP, `service/method` for RPC, else the span name.
fn operation_of(span: &opentelemetry_proto::tonic::trace::v1::Span, attributes: &[KeyValue], interner: &mut Interner) -> Name {
    let method = first_attr(attributes, &["http.request.method", "http.method"]);
    let route = str_attr(attributes, "http.route").filter(|r| !r.is_empty());
    if let (Some(method), Some(route)) = (method, route) {
        return interner.intern_joined(method, ' ', route);
    }
    if let Some(rpc_method) = first_attr(attributes, &["rpc.method"]) {
        return match first_attr(attributes, &["rpc.service"]) {
            Some(service) => interner.intern_joined(service, '/', rpc_method),
            None => interner.intern(rpc_method),
        };
    }
    interner.intern(if span.name.is_empty() { "unnamed" } else { &span.name })
}

/// A database (new and old conventions), else a named remote peer.
fn peer_of(attributes: &[KeyValue], interner: &mut Interner) -> Option<Peer> {
    let system = first_attr(attributes, &["db.system.name", "db.system"]);
    let namespace = first_attr(attributes, &["db.namespace", "db.name"]);
    if let Some(database) = namespace.or(system) {
        return Some(Peer::Database(interner.intern(database)));
    }
    first_attr(attributes, &["peer.service", "server.address", "net.peer.name"]).map(|peer| Peer::Remote(interner.intern(peer)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(json: &str) -> (Vec<SpanRecord>, Rejected) {
        let request = decode_json(json.as_bytes()).expect("valid OTLP/JSON");
        let mut spans = Vec::new();
        let rejected = decode_request(&request, &mut Interner::default(), &mut spans);
        (spans, rejected)
    }

    /// OTLP/JSON as the specification allows it: hex ids in either case,
    /// 64-bit integers as strings or numbers, integer enums, unknown fields.
    #[test]
    fn otlp_json_variants_decode_alike() {
        let json = r#"{"resourceSpans": [{"resource": {"attributes": [
                {"key": "service.name", "value": {"stringValue": "shop"}},
                {"key": "service.version", "value": {"stringValue": "2.1"}},
                {"key": "deployment.environment", "value": {"stringValue": "staging"}}],
              "someFutureField": 1},
            "scopeSpans": [{"scope": {"name": "x"}, "spans": [
              {"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "EEE19B7EC3C1B174", "name": "GET /orders/{id}",
               "kind": 2, "startTimeUnixNano": "1544712660000000000", "endTimeUnixNano": 1544712661000000000,
               "attributes": [{"key": "http.request.method", "value": {"stringValue": "GET"}},
                              {"key": "http.route", "value": {"stringValue": "/orders/{id}"}},
                              {"key": "http.response.status_code", "value": {"intValue": "503"}}],
               "status": {"code": 2}, "unknownSpanField": {"nested": true}},
              {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b175", "parentSpanId": "eee19b7ec3c1b174",
               "name": "SELECT orders", "kind": 3, "startTimeUnixNano": 1544712660100000000, "endTimeUnixNano": "1544712660200000000",
               "attributes": [{"key": "db.system", "value": {"stringValue": "postgresql"}},
                              {"key": "db.name", "value": {"stringValue": "orders"}}]}]}]}]}"#;
        let (spans, rejected) = decode(json);
        assert_eq!(rejected, Rejected::default());
        assert_eq!(spans.len(), 2);
        let (server, client) = (&spans[0], &spans[1]);
        assert_eq!(server.trace_id, client.trace_id, "upper- and lower-case hex are the same id");
        assert_eq!(client.parent_span_id, Some(server.span_id));
        assert_eq!((server.kind, &*server.operation, server.is_error), (SpanKind::Server, "GET /orders/{id}", true));
        assert_eq!(server.end_unix_nanos - server.start_unix_nanos, 1_000_000_000, "string and number timestamps");
        assert_eq!((server.version.as_deref(), server.environment.as_deref()), (Some("2.1"), Some("staging")));
        assert_eq!(client.peer, Some(Peer::Database(Arc::from("orders"))));
    }

    #[test]
    fn unusable_spans_are_counted_with_the_first_reason_and_the_rest_kept() {
        let json = r#"{"resourceSpans": [
            {"resource": {"attributes": []}, "scopeSpans": [{"spans": [
              {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "kind": 2}]}]},
            {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "shop"}}]}, "scopeSpans": [{"spans": [
              {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7e", "kind": 2},
              {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b176", "kind": 2}]}]}]}"#;
        let (spans, rejected) = decode(json);
        assert_eq!(spans.len(), 1);
        assert_eq!(rejected.count, 2);
        assert_eq!(rejected.first_reason.as_deref(), Some("resource has no service.name attribute"));
    }
}
