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
    /// A database (`db.system.name` / `db.system` with `db.namespace` /
    /// `db.name`): named by its namespace, else its system. Never paired.
    Database(Name),
    /// `peer.service`, else `server.address`: the `external` node this call
    /// becomes if no instrumented server answers it within the window.
    Remote(Name),
}

/// The parts of a span the engine needs, nothing more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpanRecord {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    pub parent_span_id: Option<[u8; 8]>,
    pub kind: SpanKind,
    /// `service.namespace/service.name`, or `service.name` alone.
    pub service: Name,
    /// `METHOD /route`, the RPC method, or the span name.
    pub operation: Name,
    pub start_unix_nanos: u64,
    pub end_unix_nanos: u64,
    pub outcome: Outcome,
    pub protocol: Protocol,
    pub peer: Option<Peer>,
    /// `messaging.system/messaging.destination.name` of a PRODUCER or CONSUMER span.
    pub destination: Option<Name>,
    /// `service.version` of the resource.
    pub version: Option<Name>,
    /// `deployment.environment.name` (or the older `deployment.environment`).
    pub environment: Option<Name>,
}

/// How a span's work ended, as RED and SLOs count it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// RED's error: status ERROR, or an HTTP status of 500 or more on a SERVER span.
    pub error: bool,
    /// A bad event of an SLO's `status: not-5xx`: an HTTP status of 500 or
    /// more, or status ERROR where no HTTP status says otherwise.
    pub server_error: bool,
    /// A bad event of an SLO's `status: ok`: status ERROR.
    pub status_error: bool,
}

impl Outcome {
    pub fn of(kind: SpanKind, status_error: bool, http_status: Option<i64>) -> Self {
        let http_5xx = http_status.is_some_and(|code| code >= 500);
        Outcome {
            error: status_error || (kind == SpanKind::Server && http_5xx),
            server_error: http_5xx || (status_error && http_status.is_none()),
            status_error,
        }
    }
}

impl SpanRecord {
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

impl NodeId {
    pub fn new(kind: NodeKind, name: Name) -> Self {
        Self { kind, name }
    }

    pub fn service(name: Name) -> Self {
        Self::new(NodeKind::Service, name)
    }

    pub fn user() -> Self {
        Self::new(NodeKind::User, Arc::from("user"))
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
            let o = Outcome::of(kind, status_error, http);
            (o.error, o.server_error, o.status_error)
        };
        assert_eq!(of(SpanKind::Server, false, Some(200)), (false, false, false));
        assert_eq!(of(SpanKind::Server, false, Some(503)), (true, true, false), "a 503 left unset by the SDK is still a server error");
        assert_eq!(of(SpanKind::Server, true, Some(404)), (true, false, true), "ERROR on a 404: not a server error");
        assert_eq!(of(SpanKind::Consumer, true, None), (true, true, true), "ERROR without an HTTP status is one");
        assert_eq!(of(SpanKind::Client, false, Some(502)), (false, true, false), "RED counts 5xx on the server side only");
    }
}
