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
//! target checks the scanner against prost's full decode).

pub mod scan;

use std::sync::Arc;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::status;

use crate::engine::{Name, Outcome, Peer, Protocol, SpanKind, SpanRecord};

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    Str(&'a str),
    Int(i64),
    /// Any other type, or no value.
    Other,
}

/// A span's or resource's attributes, looked up by key: the first attribute
/// of a key decides, as OTLP's "keys are unique" leaves it to receivers.
pub trait Attributes {
    fn get(&self, key: Key) -> Option<Value<'_>>;
}

impl Attributes for [KeyValue] {
    fn get(&self, key: Key) -> Option<Value<'_>> {
        let name = key.name();
        self.iter().find(|kv| kv.key == name).map(|kv| match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
            Some(any_value::Value::StringValue(s)) => Value::Str(s),
            Some(any_value::Value::IntValue(i)) => Value::Int(*i),
            _ => Value::Other,
        })
    }
}

fn str_attr(attributes: &(impl Attributes + ?Sized), key: Key) -> Option<&str> {
    match attributes.get(key)? {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

fn int_attr(attributes: &(impl Attributes + ?Sized), key: Key) -> Option<i64> {
    match attributes.get(key)? {
        Value::Int(i) => Some(i),
        Value::Str(s) => s.parse().ok(),
        Value::Other => None,
    }
}

fn has_attr(attributes: &(impl Attributes + ?Sized), key: Key) -> bool {
    attributes.get(key).is_some()
}

/// The first of `keys` present as a non-empty string (newer semantic
/// conventions first, older names after).
fn first_attr<'a>(attributes: &'a (impl Attributes + ?Sized), keys: &[Key]) -> Option<&'a str> {
    keys.iter().find_map(|&key| str_attr(attributes, key).filter(|v| !v.is_empty()))
}

/// Every attribute key the conversion reads, old and new semantic
/// conventions alike (the scanner keeps these and skips the rest).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    ServiceName,
    ServiceNamespace,
    ServiceVersion,
    DeploymentEnvironmentName,
    DeploymentEnvironment,
    HttpResponseStatusCode,
    HttpStatusCode,
    RpcSystem,
    HttpRequestMethod,
    HttpMethod,
    HttpRoute,
    UrlTemplate,
    RpcMethod,
    RpcService,
    DbSystemName,
    DbSystem,
    DbNamespace,
    DbName,
    PeerService,
    ServerAddress,
    NetPeerName,
    MessagingDestinationName,
    MessagingDestination,
    MessagingSystem,
}

impl Key {
    pub const ALL: [Key; 24] = [
        Key::ServiceName,
        Key::ServiceNamespace,
        Key::ServiceVersion,
        Key::DeploymentEnvironmentName,
        Key::DeploymentEnvironment,
        Key::HttpResponseStatusCode,
        Key::HttpStatusCode,
        Key::RpcSystem,
        Key::HttpRequestMethod,
        Key::HttpMethod,
        Key::HttpRoute,
        Key::UrlTemplate,
        Key::RpcMethod,
        Key::RpcService,
        Key::DbSystemName,
        Key::DbSystem,
        Key::DbNamespace,
        Key::DbName,
        Key::PeerService,
        Key::ServerAddress,
        Key::NetPeerName,
        Key::MessagingDestinationName,
        Key::MessagingDestination,
        Key::MessagingSystem,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Key::ServiceName => "service.name",
            Key::ServiceNamespace => "service.namespace",
            Key::ServiceVersion => "service.version",
            Key::DeploymentEnvironmentName => "deployment.environment.name",
            Key::DeploymentEnvironment => "deployment.environment",
            Key::HttpResponseStatusCode => "http.response.status_code",
            Key::HttpStatusCode => "http.status_code",
            Key::RpcSystem => "rpc.system",
            Key::HttpRequestMethod => "http.request.method",
            Key::HttpMethod => "http.method",
            Key::HttpRoute => "http.route",
            Key::UrlTemplate => "url.template",
            Key::RpcMethod => "rpc.method",
            Key::RpcService => "rpc.service",
            Key::DbSystemName => "db.system.name",
            Key::DbSystem => "db.system",
            Key::DbNamespace => "db.namespace",
            Key::DbName => "db.name",
            Key::PeerService => "peer.service",
            Key::ServerAddress => "server.address",
            Key::NetPeerName => "net.peer.name",
            Key::MessagingDestinationName => "messaging.destination.name",
            Key::MessagingDestination => "messaging.destination",
            Key::MessagingSystem => "messaging.system",
        }
    }

    /// The key an attribute's name is, if the conversion reads it.
    pub fn of(name: &[u8]) -> Option<Key> {
        Some(match name {
            b"service.name" => Key::ServiceName,
            b"service.namespace" => Key::ServiceNamespace,
            b"service.version" => Key::ServiceVersion,
            b"deployment.environment.name" => Key::DeploymentEnvironmentName,
            b"deployment.environment" => Key::DeploymentEnvironment,
            b"http.response.status_code" => Key::HttpResponseStatusCode,
            b"http.status_code" => Key::HttpStatusCode,
            b"rpc.system" => Key::RpcSystem,
            b"http.request.method" => Key::HttpRequestMethod,
            b"http.method" => Key::HttpMethod,
            b"http.route" => Key::HttpRoute,
            b"url.template" => Key::UrlTemplate,
            b"rpc.method" => Key::RpcMethod,
            b"rpc.service" => Key::RpcService,
            b"db.system.name" => Key::DbSystemName,
            b"db.system" => Key::DbSystem,
            b"db.namespace" => Key::DbNamespace,
            b"db.name" => Key::DbName,
            b"peer.service" => Key::PeerService,
            b"server.address" => Key::ServerAddress,
            b"net.peer.name" => Key::NetPeerName,
            b"messaging.destination.name" => Key::MessagingDestinationName,
            b"messaging.destination" => Key::MessagingDestination,
            b"messaging.system" => Key::MessagingSystem,
            _ => return None,
        })
    }
}

/// What a resource says about the service all its spans belong to.
pub struct ResourceService {
    service: Name,
    version: Option<Name>,
    environment: Option<Name>,
}

impl ResourceService {
    /// `Err` with the reason when the resource names no service.
    pub fn of(attributes: &(impl Attributes + ?Sized), interner: &mut Interner) -> Result<Self, String> {
        // service.namespace + service.name is the service identity.
        let service = match (str_attr(attributes, Key::ServiceName), str_attr(attributes, Key::ServiceNamespace)) {
            (Some(name), Some(ns)) if !name.is_empty() && !ns.is_empty() => interner.intern_joined(ns, '/', name),
            (Some(name), _) if !name.is_empty() => interner.intern(name),
            _ => return Err("resource has no service.name attribute".to_string()),
        };
        Ok(Self {
            service,
            version: first_attr(attributes, &[Key::ServiceVersion]).map(|v| interner.intern(v)),
            environment: first_attr(attributes, &[Key::DeploymentEnvironmentName, Key::DeploymentEnvironment]).map(|v| interner.intern(v)),
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
    interner: &mut Interner,
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
            scan::scan_request(body, interner, out).map_err(|e| BodyError::Invalid(format!("invalid protobuf body: {e}")))
        }
        BodyFormat::Json => {
            let request = decode_json(body).map_err(BodyError::Invalid)?;
            Ok(decode_request(&request, interner, out))
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
pub fn decode_request(request: &ExportTraceServiceRequest, interner: &mut Interner, out: &mut Vec<SpanRecord>) -> Rejected {
    let mut rejected = Rejected::default();
    for resource_spans in &request.resource_spans {
        let resource_attributes = resource_spans.resource.as_ref().map(|r| r.attributes.as_slice()).unwrap_or_default();
        let resource = match ResourceService::of(resource_attributes, interner) {
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
                attributes: span.attributes.as_slice(),
            };
            match span_record(&fields, &resource, interner) {
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
    interner: &mut Interner,
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
    // OTLP's SpanKind numbers; unknown ones are unspecified.
    let kind = match span.kind {
        1 => SpanKind::Internal,
        2 => SpanKind::Server,
        3 => SpanKind::Client,
        4 => SpanKind::Producer,
        5 => SpanKind::Consumer,
        _ => SpanKind::Unspecified,
    };
    let attributes = span.attributes;
    let status_error = span.status_code == status::StatusCode::Error as i32;
    // Old and new semantic-convention names are both accepted.
    let http_status = int_attr(attributes, Key::HttpResponseStatusCode).or_else(|| int_attr(attributes, Key::HttpStatusCode));
    let outcome = Outcome::of(kind, status_error, http_status);
    let protocol = if has_attr(attributes, Key::RpcSystem) {
        Protocol::Rpc
    } else if has_attr(attributes, Key::HttpRequestMethod) || has_attr(attributes, Key::HttpMethod) {
        Protocol::Http
    } else {
        Protocol::Other
    };
    let peer = (kind == SpanKind::Client).then(|| peer_of(attributes, interner)).flatten();
    let destination = matches!(kind, SpanKind::Producer | SpanKind::Consumer)
        .then(|| first_attr(attributes, &[Key::MessagingDestinationName, Key::MessagingDestination, Key::MessagingSystem]))
        .flatten()
        .map(|d| interner.intern(d));
    Ok(SpanRecord {
        trace_id,
        span_id,
        parent_span_id,
        kind,
        service: resource.service.clone(),
        operation: operation_of(span.name, attributes, interner),
        start_unix_nanos: span.start_time_unix_nano,
        end_unix_nanos: span.end_time_unix_nano.max(span.start_time_unix_nano),
        outcome,
        protocol,
        peer,
        destination,
        version: resource.version.clone(),
        environment: resource.environment.clone(),
    })
}

/// `METHOD /route` for HTTP (the route, else the client's `url.template`),
/// `service/method` for RPC, else the span name.
fn operation_of(name: &str, attributes: &(impl Attributes + ?Sized), interner: &mut Interner) -> Name {
    let method = first_attr(attributes, &[Key::HttpRequestMethod, Key::HttpMethod]);
    let route = str_attr(attributes, Key::HttpRoute)
        .filter(|r| !r.is_empty())
        .or_else(|| str_attr(attributes, Key::UrlTemplate).filter(|r| !r.is_empty()));
    if let (Some(method), Some(route)) = (method, route) {
        return interner.intern_joined(method, ' ', route);
    }
    if let Some(rpc_method) = first_attr(attributes, &[Key::RpcMethod]) {
        return match first_attr(attributes, &[Key::RpcService]) {
            Some(service) => interner.intern_joined(service, '/', rpc_method),
            None => interner.intern(rpc_method),
        };
    }
    interner.intern(if name.is_empty() { "unnamed" } else { name })
}

/// A database (new and old conventions), else a named remote peer.
fn peer_of(attributes: &(impl Attributes + ?Sized), interner: &mut Interner) -> Option<Peer> {
    let system = first_attr(attributes, &[Key::DbSystemName, Key::DbSystem]);
    let namespace = first_attr(attributes, &[Key::DbNamespace, Key::DbName]);
    if let Some(database) = namespace.or(system) {
        return Some(Peer::Database(interner.intern(database)));
    }
    first_attr(attributes, &[Key::PeerService, Key::ServerAddress, Key::NetPeerName]).map(|peer| Peer::Remote(interner.intern(peer)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_found_by_its_name() {
        for (at, key) in Key::ALL.into_iter().enumerate() {
            assert_eq!(key as usize, at, "ALL is in declaration order");
            assert_eq!(Key::of(key.name().as_bytes()), Some(key));
        }
        assert_eq!(Key::of(b"service.nam"), None);
    }

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
        let rejected = decode_request(&request, &mut Interner::default(), &mut spans);
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
        assert_eq!((server.version.as_deref(), server.environment.as_deref()), (Some("2.1"), Some("staging")));
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
}
