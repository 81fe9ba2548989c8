//! OTLP traces → [`SpanRecord`]s, the ten or so fields the graph needs of
//! each span. Spans that cannot be used are counted with a reason (OTLP
//! partial success), never fatal for the rest.
//!
//! Two ways in, one conversion: protobuf bodies (OTLP/HTTP and OTLP/gRPC)
//! are read by [`scan`], which walks the wire format and reads only those
//! fields, without building the request; OTLP/JSON is decoded in full into
//! `opentelemetry-proto`'s types. Either way a span reaches the conversion
//! below as a [`SpanFields`] view with its attributes behind
//! [`Attributes`], so both give the same records (a differential fuzz
//! target checks the scanner against prost's full decode). What each
//! attribute means, in every generation of the semantic conventions, is
//! [`conventions`]; how many calls a kept span stands for, [`tracestate`].

pub mod conventions;
pub mod scan;
pub mod tracestate;

use std::sync::Arc;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::status;

pub use conventions::{AttributeNames, Attributes, Fact, Key};

use crate::engine::{Emitter, Name, Outcome, Peer, Protocol, Sampling, SpanKind, SpanRecord};

/// Names the interner holds at most; then it starts afresh (names in use
/// live on in what holds them), so made-up names cannot grow it forever.
pub const MAX_INTERNED: usize = 100_000;

/// Deduplicates names (services, operations, peers, versions) so each span
/// holds a pointer, not a copy. Hashed with a per-process seed (hashbrown's
/// default), fast and not open to crafted collisions.
#[derive(Default)]
pub struct Interner {
    names: hashbrown::HashSet<Name>,
    /// Where joined names are assembled, so a known one costs no allocation.
    scratch: String,
}

impl Interner {
    pub fn intern(&mut self, text: &str) -> Name {
        if let Some(name) = self.names.get(text) {
            return name.clone();
        }
        if self.names.len() >= MAX_INTERNED {
            self.names.clear();
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

/// What decoding keeps between requests: the names interned so far, and
/// the attribute names in force.
#[derive(Default)]
pub struct Decoder {
    pub names: Interner,
    pub attributes: AttributeNames,
}

impl Decoder {
    pub fn new(attributes: AttributeNames) -> Self {
        Self { names: Interner::default(), attributes }
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

/// An attribute's value, as far as the graph cares.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    Str(&'a str),
    Int(i64),
    Double(f64),
    /// Any other type, or no value.
    Other,
}

/// Decoded OTLP attributes, looked up under the names in force.
pub struct KeyValues<'a> {
    pub values: &'a [KeyValue],
    pub names: &'a AttributeNames,
}

impl Attributes for KeyValues<'_> {
    fn get(&self, key: Key) -> Option<Value<'_>> {
        let name = self.names.name(key);
        self.values.iter().find(|kv| kv.key == name).map(|kv| match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
            Some(any_value::Value::StringValue(s)) => Value::Str(s),
            Some(any_value::Value::IntValue(i)) => Value::Int(*i),
            Some(any_value::Value::DoubleValue(d)) => Value::Double(*d),
            _ => Value::Other,
        })
    }
}

/// What a resource says about the service all its spans belong to.
pub struct ResourceService {
    emitter: Arc<Emitter>,
}

impl ResourceService {
    /// `Err` with the reason when the resource names no service.
    pub fn of(attributes: &(impl Attributes + ?Sized), names: &mut Interner) -> Result<Self, String> {
        // service.namespace + service.name is the service identity.
        let service = match (attributes.text(Fact::ServiceName), attributes.text(Fact::ServiceNamespace)) {
            (Some(name), Some(ns)) => names.intern_joined(ns, '/', name),
            (Some(name), None) => names.intern(name),
            _ => return Err("resource has no service.name attribute".to_string()),
        };
        Ok(Self {
            emitter: Arc::new(Emitter {
                service,
                version: attributes.text(Fact::ServiceVersion).map(|v| names.intern(v)),
                environment: attributes.text(Fact::Environment).map(|v| names.intern(v)),
            }),
        })
    }
}

/// A span as the conversion reads it, borrowed from whatever decoded it.
pub struct SpanFields<'a, A: ?Sized> {
    pub trace_id: &'a [u8],
    pub span_id: &'a [u8],
    pub parent_span_id: &'a [u8],
    pub name: &'a str,
    /// OTLP's `SpanKind` number.
    pub kind: i32,
    pub start_time_unix_nano: u64,
    pub end_time_unix_nano: u64,
    /// OTLP's `Status.code` number (0 without a status).
    pub status_code: i32,
    /// The W3C tracestate the span was recorded under.
    pub trace_state: &'a str,
    pub attributes: &'a A,
}

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

/// An OTLP/HTTP body (gzip-compressed or not) into span records appended to
/// `out`: protobuf through [`scan`], JSON through the full decode. Pure:
/// the receivers and the fuzz targets all come through here.
pub fn decode_body(
    body: &[u8],
    format: BodyFormat,
    gzip: bool,
    max_bytes: usize,
    decoder: &mut Decoder,
    out: &mut Vec<SpanRecord>,
) -> Result<Rejected, BodyError> {
    let inflated;
    let body = if gzip {
        inflated = gunzip(body, max_bytes)?;
        inflated.as_slice()
    } else {
        body
    };
    match format {
        BodyFormat::Protobuf => {
            scan::scan_request(body, decoder, out).map_err(|e| BodyError::Invalid(format!("invalid protobuf body: {e}")))
        }
        BodyFormat::Json => {
            let request = decode_json(body).map_err(BodyError::Invalid)?;
            Ok(decode_request(&request, decoder, out))
        }
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

/// OTLP/JSON → request. proto3's JSON mapping lets 64-bit integers be
/// numbers or strings; the generated types take strings only, so a body that
/// fails to parse is retried with such numbers turned into strings (the
/// usual body takes the fast path once). An omitted `resourceSpans` is an
/// empty list, as proto3 reads any omitted field (the generated types
/// require it): `{}` is a valid, empty export.
pub fn decode_json(body: &[u8]) -> Result<ExportTraceServiceRequest, String> {
    let first_error = match serde_json::from_slice(body) {
        Ok(request) => return Ok(request),
        Err(error) => error,
    };
    let mut value: serde_json::Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))?;
    stringify_64_bit_integers(&mut value);
    if let serde_json::Value::Object(map) = &mut value {
        map.entry("resourceSpans").or_insert_with(|| serde_json::Value::Array(Vec::new()));
    }
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

/// Converts a decoded request's spans, appending usable ones to `out`.
pub fn decode_request(request: &ExportTraceServiceRequest, decoder: &mut Decoder, out: &mut Vec<SpanRecord>) -> Rejected {
    let Decoder { names, attributes: attribute_names } = decoder;
    let mut rejected = Rejected::default();
    for resource_spans in &request.resource_spans {
        let resource_attributes = resource_spans.resource.as_ref().map(|r| r.attributes.as_slice()).unwrap_or_default();
        let resource = match ResourceService::of(&KeyValues { values: resource_attributes, names: attribute_names }, names) {
            Ok(resource) => resource,
            Err(reason) => {
                rejected.add(resource_spans.scope_spans.iter().map(|s| s.spans.len()).sum(), || reason);
                continue;
            }
        };
        for span in resource_spans.scope_spans.iter().flat_map(|s| &s.spans) {
            let fields = SpanFields {
                trace_id: &span.trace_id,
                span_id: &span.span_id,
                parent_span_id: &span.parent_span_id,
                name: &span.name,
                kind: span.kind,
                start_time_unix_nano: span.start_time_unix_nano,
                end_time_unix_nano: span.end_time_unix_nano,
                status_code: span.status.as_ref().map_or(0, |s| s.code),
                trace_state: &span.trace_state,
                attributes: &KeyValues { values: &span.attributes, names: attribute_names },
            };
            match span_record(&fields, &resource, names) {
                Ok(record) => out.push(record),
                Err(reason) => rejected.add(1, || reason),
            }
        }
    }
    rejected
}

/// One span's record, or why it cannot be used.
pub fn span_record<A: Attributes + ?Sized>(
    span: &SpanFields<'_, A>,
    resource: &ResourceService,
    names: &mut Interner,
) -> Result<SpanRecord, String> {
    let trace_id: [u8; 16] =
        span.trace_id.try_into().map_err(|_| format!("span has a trace_id of {} bytes, not 16", span.trace_id.len()))?;
    let span_id: [u8; 8] = span.span_id.try_into().map_err(|_| format!("span has a span_id of {} bytes, not 8", span.span_id.len()))?;
    if trace_id == [0; 16] || span_id == [0; 8] {
        return Err("span has an all-zero trace_id or span_id".to_string());
    }
    let parent_span_id = match <[u8; 8]>::try_from(span.parent_span_id) {
        Ok(parent) => Some(parent).filter(|p| *p != [0; 8]),
        Err(_) if span.parent_span_id.is_empty() => None,
        Err(_) => return Err(format!("span has a parent_span_id of {} bytes, not 8", span.parent_span_id.len())),
    };
    let attributes = span.attributes;
    let kind = kind_of(span.kind, attributes);
    let status_error = span.status_code == status::StatusCode::Error as i32;
    let (rpc, method) = (attributes.has(Fact::RpcSystem), attributes.text(Fact::HttpMethod));
    let grpc_status = if rpc { attributes.integer(Fact::GrpcStatus) } else { None };
    let outcome = Outcome::of(kind, status_error, attributes.integer(Fact::HttpStatus), grpc_status);
    let protocol = match (rpc, method) {
        (true, _) => Protocol::Rpc,
        (false, Some(_)) => Protocol::Http,
        (false, None) => Protocol::Other,
    };
    let (peer, peer_port) = match kind {
        SpanKind::Client => peer_of(attributes, &resource.emitter.service, names),
        _ => (None, 0),
    };
    let destination = matches!(kind, SpanKind::Producer | SpanKind::Consumer)
        .then(|| attributes.text(Fact::MessagingDestination).or_else(|| attributes.text(Fact::MessagingSystem)))
        .flatten()
        .map(|d| names.intern(d));
    Ok(SpanRecord {
        trace_id,
        span_id,
        parent_span_id,
        kind,
        emitter: resource.emitter.clone(),
        operation: operation_of(span.name, method, attributes, names),
        start_unix_nanos: span.start_time_unix_nano,
        end_unix_nanos: span.end_time_unix_nano.max(span.start_time_unix_nano),
        outcome,
        protocol,
        peer,
        peer_port,
        destination,
        sampling: sampling_of(span.trace_state, &trace_id, attributes),
    })
}

/// OTLP's `SpanKind` number as the graph reads it. Messaging spans of
/// kind CLIENT say by their operation which side they are: the messaging
/// conventions make `receive` (a consumer's poll) and `send` from some
/// libraries CLIENT spans, and they are no call to a server.
fn kind_of(number: i32, attributes: &(impl Attributes + ?Sized)) -> SpanKind {
    let kind = match number {
        1 => SpanKind::Internal,
        2 => SpanKind::Server,
        3 => SpanKind::Client,
        4 => SpanKind::Producer,
        5 => SpanKind::Consumer,
        _ => SpanKind::Unspecified,
    };
    if kind != SpanKind::Client || !attributes.has(Fact::MessagingSystem) {
        return kind;
    }
    match attributes.text(Fact::MessagingOperation) {
        Some("publish" | "send" | "create") => SpanKind::Producer,
        Some("receive" | "process") => SpanKind::Consumer,
        // `settle` (an acknowledgement) and unknown operations: no call.
        _ => SpanKind::Internal,
    }
}

/// How many calls the span stands for: its tracestate threshold, else the
/// sample-rate attribute, else one.
fn sampling_of(trace_state: &str, trace_id: &[u8; 16], attributes: &(impl Attributes + ?Sized)) -> Sampling {
    if let Some(sampling) = tracestate::sampling(trace_state, trace_id) {
        return sampling;
    }
    match attributes.number(Fact::SampleRate) {
        Some(rate) if rate > 1.0 => Sampling { adjusted_count: rate, ..Sampling::UNSAMPLED },
        _ => Sampling::UNSAMPLED,
    }
}

/// `METHOD /route` for HTTP (the route, else the client's `url.template`),
/// `service/method` for RPC, else the span name.
fn operation_of(name: &str, method: Option<&str>, attributes: &(impl Attributes + ?Sized), names: &mut Interner) -> Name {
    if let (Some(method), Some(route)) = (method, attributes.text(Fact::HttpRoute)) {
        return names.intern_joined(method, ' ', route);
    }
    if let Some(rpc_method) = attributes.text(Fact::RpcMethod) {
        return match attributes.text(Fact::RpcService) {
            Some(service) => names.intern_joined(service, '/', rpc_method),
            None => names.intern(rpc_method),
        };
    }
    names.intern(if name.is_empty() { "unnamed" } else { name })
}

/// Whom a CLIENT span calls, and the port: a database, else a remote peer.
fn peer_of(attributes: &(impl Attributes + ?Sized), service: &str, names: &mut Interner) -> (Option<Peer>, u16) {
    let port = attributes.integer(Fact::PeerPort).and_then(|p| u16::try_from(p).ok()).unwrap_or(0);
    if let Some(system) = attributes.text(Fact::DbSystem) {
        return (Some(Peer::Database(database_name(attributes, system, service, names))), port);
    }
    let peer = attributes.text(Fact::PeerService).or_else(|| attributes.text(Fact::PeerHost));
    (peer.map(|peer| Peer::Remote(names.intern(peer))), port)
}

/// A database node's name: what its caller calls it (`peer.service`), else
/// its namespace, else its server. An embedded database, or one with
/// neither namespace nor server (local), is the calling service's own:
/// `SERVICE/FILE` (the namespace's last path segment) or `SERVICE/SYSTEM`.
/// A namespace that is only digits (Redis's database index) names nothing.
fn database_name(attributes: &(impl Attributes + ?Sized), system: &str, service: &str, names: &mut Interner) -> Name {
    if let Some(peer) = attributes.text(Fact::PeerService) {
        return names.intern(peer);
    }
    let namespace = attributes.text(Fact::DbNamespace).filter(|n| !n.bytes().all(|b| b.is_ascii_digit()));
    let server = attributes.text(Fact::DbServer);
    match (namespace, server) {
        (Some(namespace), _) if conventions::is_embedded(system) => {
            let file = namespace.rsplit(['/', '\\']).find(|segment| !segment.is_empty()).unwrap_or(system);
            names.intern_joined(service, '/', file)
        }
        (None, _) if conventions::is_embedded(system) => names.intern_joined(service, '/', system),
        (Some(namespace), _) => names.intern(namespace),
        (None, Some(server)) => names.intern(server),
        (None, None) => names.intern_joined(service, '/', system),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interner_is_bounded_and_names_outlive_it() {
        let mut interner = Interner::default();
        let first = interner.intern("name-0");
        for i in 1..=MAX_INTERNED {
            interner.intern(&format!("name-{i}"));
        }
        assert!(interner.names.len() <= MAX_INTERNED);
        assert_eq!(&*first, "name-0");
        assert_eq!(interner.intern("name-0"), first, "equal names, even after a fresh start");
    }

    fn decode(json: &str) -> (Vec<SpanRecord>, Rejected) {
        let request = decode_json(json.as_bytes()).expect("valid OTLP/JSON");
        let mut spans = Vec::new();
        let rejected = decode_request(&request, &mut Decoder::default(), &mut spans);
        (spans, rejected)
    }

    /// OTLP/JSON as the specification allows it: hex ids in either case,
    /// 64-bit integers as strings or numbers, integer enums, unknown fields.
    #[test]
    fn an_empty_json_export_is_valid() {
        assert_eq!(decode_json(b"{}").map(|r| r.resource_spans.len()), Ok(0));
        assert!(decode_json(b"[]").is_err(), "not an object");
    }

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
        assert_eq!((server.kind, &*server.operation, server.outcome.error), (SpanKind::Server, "GET /orders/{id}", true));
        assert_eq!(server.end_unix_nanos - server.start_unix_nanos, 1_000_000_000, "string and number timestamps");
        assert_eq!((server.emitter.version.as_deref(), server.emitter.environment.as_deref()), (Some("2.1"), Some("staging")));
        assert_eq!(client.peer, Some(Peer::Database(Arc::from("orders"))));
    }

    #[test]
    fn a_url_template_names_the_operation_when_no_route_does() {
        let json = r#"{"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "shop"}}]},
            "scopeSpans": [{"spans": [
              {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": "GET", "kind": 3,
               "attributes": [{"key": "http.request.method", "value": {"stringValue": "GET"}},
                              {"key": "url.template", "value": {"stringValue": "/orders/{id}"}}]},
              {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b175", "name": "GET", "kind": 2,
               "attributes": [{"key": "http.request.method", "value": {"stringValue": "GET"}},
                              {"key": "url.template", "value": {"stringValue": "/ignored"}},
                              {"key": "http.route", "value": {"stringValue": "/orders/:id"}}]}]}]}]}"#;
        let (spans, _) = decode(json);
        assert_eq!(spans.iter().map(|s| &*s.operation).collect::<Vec<_>>(), ["GET /orders/{id}", "GET /orders/:id"], "the route wins");
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

    /// One span of `kind` from service `orders` with `attributes` (values:
    /// text, or a number for integers, `1.5` for doubles) and `trace_state`.
    fn converted(kind: i32, attributes: &[(&str, &str)], trace_state: &str) -> SpanRecord {
        use opentelemetry_proto::tonic::common::v1::AnyValue;
        use opentelemetry_proto::tonic::resource::v1::Resource;
        use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
        let value = |text: &str| {
            let value = if let Some(int) = text.strip_prefix("int:") {
                any_value::Value::IntValue(int.parse().expect("int"))
            } else if let Some(double) = text.strip_prefix("double:") {
                any_value::Value::DoubleValue(double.parse().expect("double"))
            } else {
                any_value::Value::StringValue(text.to_string())
            };
            Some(AnyValue { value: Some(value) })
        };
        let attributes = attributes.iter().map(|(k, v)| KeyValue { key: k.to_string(), value: value(v) }).collect();
        let span = Span {
            trace_id: vec![0xab; 16],
            span_id: vec![1; 8],
            name: "span name".into(),
            kind,
            trace_state: trace_state.into(),
            attributes,
            ..Default::default()
        };
        let request = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(Resource {
                    attributes: vec![KeyValue { key: "service.name".into(), value: value("orders") }],
                    ..Default::default()
                }),
                scope_spans: vec![ScopeSpans { spans: vec![span], ..Default::default() }],
                ..Default::default()
            }],
        };
        // Both ways in give the same record.
        let mut decoded = Vec::new();
        decode_request(&request, &mut Decoder::default(), &mut decoded);
        let mut scanned = Vec::new();
        scan::scan_request(&prost::Message::encode_to_vec(&request), &mut Decoder::default(), &mut scanned).expect("scans");
        assert_eq!(decoded, scanned);
        decoded.pop().expect("one record")
    }

    const SERVER: i32 = 2;
    const CLIENT: i32 = 3;
    const PRODUCER: i32 = 4;

    fn peer(kind: i32, attributes: &[(&str, &str)]) -> Option<String> {
        match converted(kind, attributes, "").peer? {
            Peer::Database(name) => Some(format!("database:{name}")),
            Peer::Remote(name) => Some(format!("external:{name}")),
        }
    }

    #[test]
    fn http_method_and_route_in_both_generations() {
        let operation = |attributes: &[(&str, &str)]| converted(SERVER, attributes, "").operation.to_string();
        assert_eq!(operation(&[("http.method", "GET"), ("http.route", "/orders/<int:id>")]), "GET /orders/<int:id>");
        assert_eq!(operation(&[("http.request.method", "POST"), ("http.route", "/orders")]), "POST /orders");
        assert_eq!(operation(&[("http.request.method", "GET"), ("http.method", "PUT"), ("http.route", "/x")]), "GET /x", "stable first");
        assert_eq!(
            operation(&[("http.request.method", "GET"), ("url.template", "/orders/{id}")]),
            "GET /orders/{id}",
            "a client's template"
        );
        assert_eq!(operation(&[("http.method", "GET")]), "span name", "no route: the span name, never the raw path");
    }

    #[test]
    fn http_status_in_both_generations() {
        let outcome = |attributes: &[(&str, &str)]| {
            let o = converted(CLIENT, attributes, "").outcome;
            (o.error, o.caller_failure)
        };
        assert_eq!(outcome(&[("http.status_code", "int:503")]), (true, true));
        assert_eq!(outcome(&[("http.response.status_code", "int:404")]), (false, true));
        assert_eq!(outcome(&[("http.response.status_code", "int:200"), ("http.status_code", "int:500")]), (false, false), "stable first");
        assert_eq!(outcome(&[("http.status_code", "502")]), (true, true), "as text too");
    }

    #[test]
    fn a_remote_peer_from_any_address_attribute_or_url() {
        assert_eq!(
            peer(CLIENT, &[("server.address", "api.example.com"), ("peer.service", "payments")]).as_deref(),
            Some("external:payments")
        );
        assert_eq!(
            peer(CLIENT, &[("server.address", "api.example.com"), ("net.peer.name", "old")]).as_deref(),
            Some("external:api.example.com")
        );
        assert_eq!(peer(CLIENT, &[("net.peer.name", "old.example.com")]).as_deref(), Some("external:old.example.com"));
        // Python `requests`, conventions before 1.20: only the URL names the host.
        assert_eq!(
            peer(CLIENT, &[("http.method", "GET"), ("http.url", "http://localhost:38991/rates/EUR")]).as_deref(),
            Some("external:localhost")
        );
        assert_eq!(peer(CLIENT, &[("url.full", "https://user@rates.example.com/v1")]).as_deref(), Some("external:rates.example.com"));
        assert_eq!(peer(CLIENT, &[("http.host", "legacy.example.com:8080")]).as_deref(), Some("external:legacy.example.com"));
        assert_eq!(peer(CLIENT, &[("network.peer.address", "10.0.0.7")]).as_deref(), Some("external:10.0.0.7"));
        assert_eq!(peer(CLIENT, &[("http.method", "GET")]), None);
        assert_eq!(peer(SERVER, &[("server.address", "me")]), None, "a server span calls nobody");
        let port = |attributes: &[(&str, &str)]| converted(CLIENT, attributes, "").peer_port;
        assert_eq!(port(&[("server.address", "h"), ("server.port", "int:8443")]), 8443);
        assert_eq!(port(&[("net.peer.name", "h"), ("net.peer.port", "int:9000")]), 9000);
        assert_eq!(port(&[("http.url", "http://h:8081/x")]), 8081);
        assert_eq!(port(&[("server.address", "h"), ("server.port", "int:99999")]), 0, "not a port");
    }

    #[test]
    fn rpc_system_service_method_and_grpc_status() {
        let record = converted(
            CLIENT,
            &[("rpc.system", "grpc"), ("rpc.service", "shop.Orders"), ("rpc.method", "Get"), ("rpc.grpc.status_code", "int:5")],
            "",
        );
        assert_eq!((record.protocol, &*record.operation), (Protocol::Rpc, "shop.Orders/Get"));
        assert_eq!((record.outcome.error, record.outcome.caller_failure), (false, true), "NOT_FOUND is the caller's");
        let unavailable = converted(CLIENT, &[("rpc.system", "grpc"), ("rpc.grpc.status_code", "int:14")], "");
        assert!(unavailable.outcome.error);
    }

    #[test]
    fn databases_named_by_namespace_server_or_their_caller() {
        assert_eq!(
            peer(CLIENT, &[("db.system", "postgresql"), ("db.name", "shop"), ("net.peer.name", "pg")]).as_deref(),
            Some("database:shop")
        );
        assert_eq!(
            peer(CLIENT, &[("db.system.name", "postgresql"), ("db.namespace", "users"), ("db.name", "old")]).as_deref(),
            Some("database:users")
        );
        assert_eq!(
            peer(CLIENT, &[("db.system", "postgresql"), ("db.connection_string", "postgresql://127.0.0.1:55432/inventory")]).as_deref(),
            Some("database:inventory")
        );
        assert_eq!(
            peer(CLIENT, &[("db.system", "redis"), ("db.namespace", "0"), ("server.address", "cache")]).as_deref(),
            Some("database:cache"),
            "an index names nothing"
        );
        assert_eq!(
            peer(CLIENT, &[("db.system", "mongodb"), ("db.connection_string", "Server=mongo1;")]).as_deref(),
            Some("database:mongo1")
        );
        assert_eq!(
            peer(CLIENT, &[("db.system", "postgresql"), ("db.name", "x"), ("peer.service", "orders-db")]).as_deref(),
            Some("database:orders-db")
        );
        // The sqlite3 instrumentation sends only the system: the caller's own database.
        assert_eq!(peer(CLIENT, &[("db.system", "sqlite"), ("db.statement", "SELECT 1")]).as_deref(), Some("database:orders/sqlite"));
        assert_eq!(peer(CLIENT, &[("db.system.name", "h2"), ("db.namespace", "mem")]).as_deref(), Some("database:orders/mem"), "embedded");
        assert_eq!(
            peer(CLIENT, &[("db.system", "sqlite"), ("db.name", "/var/lib/orders/orders.db"), ("net.peer.name", "localhost")]).as_deref(),
            Some("database:orders/orders.db"),
            "its file, however it is reached"
        );
        assert_eq!(
            peer(CLIENT, &[("db.system", "mongodb")]).as_deref(),
            Some("database:orders/mongodb"),
            "neither namespace nor server: local"
        );
        assert_eq!(
            peer(CLIENT, &[("db.system", "postgresql"), ("db.collection.name", "orders")]).as_deref(),
            Some("database:orders/postgresql"),
            "a collection is not a database"
        );
    }

    #[test]
    fn messaging_destinations_and_operations() {
        let destination = |kind, attributes: &[(&str, &str)]| converted(kind, attributes, "").destination.map(|d| d.to_string());
        assert_eq!(
            destination(PRODUCER, &[("messaging.destination.name", "orders"), ("messaging.destination", "old")]).as_deref(),
            Some("orders")
        );
        assert_eq!(destination(PRODUCER, &[("messaging.destination", "orders")]).as_deref(), Some("orders"));
        assert_eq!(
            destination(
                PRODUCER,
                &[("messaging.destination.template", "/customers/{id}"), ("messaging.destination.name", "/customers/42")]
            )
            .as_deref(),
            Some("/customers/{id}"),
            "the template, not one of its instances"
        );
        assert_eq!(destination(PRODUCER, &[("messaging.system", "kafka")]).as_deref(), Some("kafka"));
        let kind = |attributes: &[(&str, &str)]| converted(CLIENT, attributes, "").kind;
        assert_eq!(kind(&[("messaging.system", "kafka"), ("messaging.operation.type", "receive")]), SpanKind::Consumer);
        assert_eq!(kind(&[("messaging.system", "kafka"), ("messaging.operation", "publish")]), SpanKind::Producer);
        assert_eq!(kind(&[("messaging.system", "rabbitmq"), ("messaging.operation.type", "settle")]), SpanKind::Internal);
        assert_eq!(kind(&[("http.method", "GET")]), SpanKind::Client);
    }

    #[test]
    fn sampling_from_the_tracestate_else_the_sample_rate_attribute() {
        let weight = |attributes: &[(&str, &str)], trace_state| converted(SERVER, attributes, trace_state).sampling.adjusted_count;
        assert_eq!(weight(&[], "ot=th:c"), 4.0);
        assert_eq!(weight(&[("SampleRate", "int:10")], ""), 10.0);
        assert_eq!(weight(&[("SampleRate", "double:2.5")], ""), 2.5);
        assert_eq!(weight(&[("SampleRate", "int:10")], "ot=th:8"), 2.0, "the threshold wins");
        assert_eq!(weight(&[("SampleRate", "0")], ""), 1.0, "nonsense counts once");
        assert_eq!(weight(&[], ""), 1.0);
    }

    #[test]
    fn the_sample_rate_attribute_is_the_one_configured() {
        let json = r#"{"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "shop"}}]},
            "scopeSpans": [{"spans": [{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "kind": 2,
               "attributes": [{"key": "SampleRate", "value": {"intValue": "4"}},
                              {"key": "sampling.weight", "value": {"doubleValue": 8.0}}]}]}]}]}"#;
        let request = decode_json(json.as_bytes()).expect("valid OTLP/JSON");
        let weight = |names: AttributeNames| {
            let (mut decoded, mut scanned) = (Vec::new(), Vec::new());
            decode_request(&request, &mut Decoder::new(names.clone()), &mut decoded);
            scan::scan_request(&prost::Message::encode_to_vec(&request), &mut Decoder::new(names), &mut scanned).expect("scans");
            assert_eq!(decoded, scanned);
            decoded[0].sampling.adjusted_count
        };
        assert_eq!(weight(AttributeNames::default()), 4.0);
        assert_eq!(weight(AttributeNames::with_sample_rate("sampling.weight").expect("a free name")), 8.0);
    }

    #[test]
    fn the_readme_shows_the_conventions_table() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README.md");
        let table = conventions::markdown_table();
        assert!(readme.contains(&table), "README.md's semantic-conventions table differs from the code; it should read:\n{table}");
    }
}
