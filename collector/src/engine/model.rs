//! What the engine reads (spans, reduced to what it needs) and what it
//! produces (nodes and edges of the service graph).

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Interned text (service, operation and node names): cheap to clone and compare.
pub type Name = Arc<str>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpanKind {
    Unspecified,
    Internal,
    Server,
    Client,
    Producer,
    Consumer,
}

/// What a span says about the protocol of the call it is part of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    Http,
    Rpc,
    Other,
}

/// Whom a CLIENT span calls, as far as the span itself says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Peer {
    /// A database: never paired (databases are not instrumented). Named
    /// by the conversion (`otlp::conventions`): an embedded or local one
    /// is the calling service's own (`orders/sqlite`).
    Database(Name),
    /// `peer.service`, else the server's host: the `external` node this
    /// call becomes if no instrumented server answers it within the window.
    Remote(Name),
}

/// The parts of a span the engine needs, nothing more.
#[derive(Clone, Debug, PartialEq)]
pub struct SpanRecord {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    pub parent_span_id: Option<[u8; 8]>,
    pub kind: SpanKind,
    /// The service that sent it, shared by every span of its resource.
    pub emitter: Arc<Emitter>,
    /// `METHOD /route`, the RPC method, or the span name.
    pub operation: Name,
    pub start_unix_nanos: u64,
    pub end_unix_nanos: u64,
    pub outcome: Outcome,
    pub protocol: Protocol,
    pub peer: Option<Peer>,
    /// The port of a remote peer, 0 when unknown: told apart from the
    /// host's other servers when learning how a callee samples.
    pub peer_port: u16,
    /// `messaging.system/messaging.destination.name` of a PRODUCER or CONSUMER span.
    pub destination: Option<Name>,
    pub sampling: Sampling,
}

/// What a resource says of the service all its spans come from: held once
/// and shared (one reference a span, where three names would be three).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Emitter {
    /// `service.namespace/service.name`, or `service.name` alone.
    pub service: Name,
    /// `service.version`.
    pub version: Option<Name>,
    /// `deployment.environment.name` (or the older `deployment.environment`).
    pub environment: Option<Name>,
}

/// How many calls a kept span stands for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sampling {
    /// The span's adjusted count: 1 when nothing was sampled away, 20 for
    /// a span kept with probability 5 %.
    pub adjusted_count: f64,
    /// The rejection threshold of the span's `ot=th:` tracestate entry
    /// (OpenTelemetry's consistent probability sampling: a trace is kept
    /// when its randomness is at least this, out of 2^56); `None` when the
    /// span does not say it.
    pub threshold: Option<u64>,
    /// The trace's randomness: `ot=rv:`, else the trace id's last 56 bits.
    pub randomness: u64,
}

impl Sampling {
    /// A span nothing was sampled away from.
    pub const UNSAMPLED: Sampling = Sampling { adjusted_count: 1.0, threshold: None, randomness: 0 };

    /// Whether the span says nothing of its sampling (no threshold, no
    /// rate): it may take its trace's.
    pub fn is_unknown(&self) -> bool {
        self.threshold.is_none() && self.adjusted_count == 1.0
    }
}

impl Default for Sampling {
    fn default() -> Self {
        Self::UNSAMPLED
    }
}

/// How a span's work ended, as RED, SLOs and its caller count it. One
/// rule for every page ([`Outcome::of`]): a call failed when its server
/// says so; what a client saw besides (a 404, a timeout) is the caller's
/// view, kept apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// RED's error. Serving side (SERVER, CONSUMER): status ERROR, or HTTP
    /// 500 or more. Calling side (CLIENT, PRODUCER): what the server would
    /// say, as far as the client knows it: HTTP 500 or more, a gRPC status
    /// a server counts as an error, or status ERROR with neither (no
    /// answer at all). A client's 4xx is not the call's failure.
    pub error: bool,
    /// A bad event of an SLO's `status: not-5xx`: an HTTP status of 500 or
    /// more, or status ERROR where no HTTP status says otherwise.
    pub server_error: bool,
    /// A bad event of an SLO's `status: ok`: status ERROR.
    pub status_error: bool,
    /// What the calling side saw as a failure: status ERROR, HTTP 400 or
    /// more, or a gRPC status other than OK. The serving side's is its error.
    pub caller_failure: bool,
}

/// gRPC codes a server counts as its own error (the RPC conventions;
/// the rest, such as NOT_FOUND or INVALID_ARGUMENT, are the caller's).
const GRPC_SERVER_ERRORS: [i64; 6] = [2, 4, 12, 13, 14, 15];

impl Outcome {
    pub fn of(kind: SpanKind, status_error: bool, http_status: Option<i64>, grpc_status: Option<i64>) -> Self {
        let http_5xx = http_status.is_some_and(|code| code >= 500);
        let grpc_server_error = grpc_status.is_some_and(|code| GRPC_SERVER_ERRORS.contains(&code));
        let answered = http_status.is_some() || grpc_status.is_some();
        let serving = matches!(kind, SpanKind::Server | SpanKind::Consumer);
        let error = if serving {
            status_error || http_5xx || grpc_server_error
        } else {
            http_5xx || grpc_server_error || (status_error && !answered)
        };
        let caller_failure = if serving {
            error
        } else {
            status_error || http_status.is_some_and(|code| code >= 400) || grpc_status.is_some_and(|code| code != 0)
        };
        Outcome { error, server_error: http_5xx || (status_error && http_status.is_none()), status_error, caller_failure }
    }
}

impl SpanRecord {
    /// The service that sent it.
    pub fn service(&self) -> &Name {
        &self.emitter.service
    }

    pub fn duration(&self) -> Duration {
        Duration::from_nanos(self.end_unix_nanos.saturating_sub(self.start_unix_nanos))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Service,
    Database,
    Messaging,
    External,
    User,
    /// A view's collapsed group of services (a system's or an owner's);
    /// drawn by the UI, never made by the engine or stored.
    Group,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Service => "service",
            NodeKind::Database => "database",
            NodeKind::Messaging => "messaging",
            NodeKind::External => "external",
            NodeKind::User => "user",
            NodeKind::Group => "group",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "service" => NodeKind::Service,
            "database" => NodeKind::Database,
            "messaging" => NodeKind::Messaging,
            "external" => NodeKind::External,
            "user" => NodeKind::User,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectionType {
    Http,
    Rpc,
    Messaging,
    Database,
    Virtual,
}

impl ConnectionType {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionType::Http => "http",
            ConnectionType::Rpc => "rpc",
            ConnectionType::Messaging => "messaging",
            ConnectionType::Database => "database",
            ConnectionType::Virtual => "virtual",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "http" => ConnectionType::Http,
            "rpc" => ConnectionType::Rpc,
            "messaging" => ConnectionType::Messaging,
            "database" => ConnectionType::Database,
            "virtual" => ConnectionType::Virtual,
            _ => return None,
        })
    }

    /// The connection a call between two instrumented spans is.
    pub fn of_call(a: &SpanRecord, b: &SpanRecord) -> Self {
        if a.protocol == Protocol::Rpc || b.protocol == Protocol::Rpc { ConnectionType::Rpc } else { ConnectionType::Http }
    }
}

/// A node of the graph: a service, or something seen only from the outside.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub kind: NodeKind,
    pub name: Name,
}

/// The name of the node of uninstrumented callers, allocated once.
pub static USER: std::sync::LazyLock<Name> = std::sync::LazyLock::new(|| Arc::from("user"));

impl NodeId {
    pub fn new(kind: NodeKind, name: Name) -> Self {
        Self { kind, name }
    }

    pub fn service(name: Name) -> Self {
        Self::new(NodeKind::Service, name)
    }

    pub fn user() -> Self {
        Self::new(NodeKind::User, USER.clone())
    }
}

/// A directed edge of the graph: who calls whom, and how.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edge {
    pub source: NodeId,
    pub target: NodeId,
    pub connection: ConnectionType,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_for_red_and_for_each_slo_status() {
        let of = |kind, status_error, http| {
            let o = Outcome::of(kind, status_error, http, None);
            (o.error, o.server_error, o.status_error)
        };
        assert_eq!(of(SpanKind::Server, false, Some(200)), (false, false, false));
        assert_eq!(of(SpanKind::Server, false, Some(503)), (true, true, false), "a 503 left unset by the SDK is still a server error");
        assert_eq!(of(SpanKind::Server, true, Some(404)), (true, false, true), "ERROR on a 404: not a server error");
        assert_eq!(of(SpanKind::Consumer, true, None), (true, true, true), "ERROR without an HTTP status is one");
    }

    /// The call's outcome is the server's, as the client knows it; what
    /// the client saw is its own view.
    #[test]
    fn a_client_judges_the_call_as_its_server_would_and_keeps_what_it_saw() {
        let of = |status_error, http, grpc| {
            let o = Outcome::of(SpanKind::Client, status_error, http, grpc);
            (o.error, o.caller_failure)
        };
        assert_eq!(of(true, Some(404), None), (false, true), "Node marks a 404 ERROR on the client: not the call's failure");
        assert_eq!(of(false, Some(502), None), (true, true), "a 5xx left unset is the server's error");
        assert_eq!(of(true, None, None), (true, true), "no answer at all: refused or timed out");
        assert_eq!(of(true, None, Some(5)), (false, true), "gRPC NOT_FOUND is the caller's");
        assert_eq!(of(true, None, Some(14)), (true, true), "gRPC UNAVAILABLE is the server's");
        assert_eq!(of(false, Some(200), None), (false, false));
        let server = Outcome::of(SpanKind::Server, false, Some(404), None);
        assert!(!server.error && !server.caller_failure, "a 404 served is no error on the serving side");
    }
}
