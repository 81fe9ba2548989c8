//! The service-graph engine: pure code, no I/O, no clock of its own.
//!
//! A call between two services appears as a CLIENT span in the caller and a
//! SERVER span in the callee whose parent is that CLIENT span. The halves
//! arrive in any order, in different requests, over different transports; the
//! first one waits in a bounded store keyed by (trace id, client span id)
//! until its partner arrives or the pairing window passes. A SERVER span with
//! no parent is an entry point: an edge from the `user` node.
//!
//! Every pair becomes one request on the edge caller → callee in the
//! one-minute bucket of the client span's start, with its error flag and its
//! client-side latency recorded in a mergeable HDR histogram.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Interned text (service names): cheap to clone and compare.
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

/// The parts of a span the engine needs, nothing more.
#[derive(Clone, Debug)]
pub struct SpanRecord {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    pub parent_span_id: Option<[u8; 8]>,
    pub kind: SpanKind,
    pub service: Name,
    pub start_unix_nanos: u64,
    pub end_unix_nanos: u64,
    pub is_error: bool,
    pub protocol: Protocol,
}

impl SpanRecord {
    fn duration(&self) -> Duration {
        Duration::from_nanos(self.end_unix_nanos.saturating_sub(self.start_unix_nanos))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Service,
    Database,
    Messaging,
    External,
    User,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Service => "service",
            NodeKind::Database => "database",
            NodeKind::Messaging => "messaging",
            NodeKind::External => "external",
            NodeKind::User => "user",
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
}

/// A node of the graph: a service, or something seen only from the outside.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub kind: NodeKind,
    pub name: Name,
}

impl NodeId {
    pub fn service(name: Name) -> Self {
        Self { kind: NodeKind::Service, name }
    }

    pub fn user() -> Self {
        Self { kind: NodeKind::User, name: Arc::from("user") }
    }
}

#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// How long a half waits for its partner.
    pub pairing_window: Duration,
    /// At most this many halves wait at once.
    pub max_pending: usize,
    /// Width of a metrics bucket.
    pub bucket: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self { pairing_window: Duration::from_secs(10), max_pending: 100_000, bucket: Duration::from_secs(60) }
    }
}

/// A directed edge of the graph: who calls whom, and how.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edge {
    pub source: NodeId,
    pub target: NodeId,
    pub connection: ConnectionType,
}

/// Rate, errors and duration of calls on an edge over some time. Stats of
/// shorter periods merge into those of longer ones.
#[derive(Clone, Debug)]
pub struct EdgeStats {
    pub requests: u64,
    pub errors: u64,
    /// Latency in microseconds.
    pub latency_us: Histogram<u64>,
}

impl Default for EdgeStats {
    fn default() -> Self {
        Self { requests: 0, errors: 0, latency_us: new_latency_histogram() }
    }
}

impl EdgeStats {
    pub fn record(&mut self, is_error: bool, duration: Duration) {
        self.requests += 1;
        self.errors += u64::from(is_error);
        self.latency_us.saturating_record(duration.as_micros().max(1) as u64);
    }

    pub fn merge(&mut self, other: &EdgeStats) -> Result<(), hdrhistogram::AdditionError> {
        self.requests += other.requests;
        self.errors += other.errors;
        self.latency_us.add(&other.latency_us)
    }

    /// The latency at quantile `q` (0 to 1) in milliseconds; 0 with no calls.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latency_us.is_empty() { 0.0 } else { self.latency_us.value_at_quantile(q) as f64 / 1000.0 }
    }
}

/// The calls on one edge in one bucket.
#[derive(Clone, Debug)]
pub struct EdgeBucket {
    pub bucket_start_unix_secs: u64,
    pub edge: Edge,
    pub stats: EdgeStats,
}

/// Counters for `/metrics` and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineCounters {
    pub spans: u64,
    pub paired: u64,
    pub expired: u64,
    pub dropped: u64,
}

/// One half of a call, waiting for the other.
#[derive(Debug)]
struct Pending {
    side: SpanKind,
    span: SpanRecord,
    /// Engine time (caller's clock) when it arrived.
    arrived: Duration,
}

type EdgeKey = (u64, Edge);

pub struct Engine {
    config: EngineConfig,
    pending: HashMap<([u8; 16], [u8; 8]), Pending>,
    buckets: HashMap<EdgeKey, EdgeBucket>,
    counters: EngineCounters,
}

/// Latency histograms cover 1 µs to 1 h at 2 significant digits (1% error).
pub fn new_latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 2).expect("static histogram bounds are valid")
}

impl Engine {
    pub fn new(config: EngineConfig) -> Self {
        Self { config, pending: HashMap::new(), buckets: HashMap::new(), counters: EngineCounters::default() }
    }

    pub fn counters(&self) -> EngineCounters {
        self.counters
    }

    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Takes one span. `now` is the caller's monotonic clock, used only for
    /// the pairing window.
    pub fn ingest(&mut self, span: SpanRecord, now: Duration) {
        self.counters.spans += 1;
        match span.kind {
            SpanKind::Server if span.parent_span_id.is_none() => {
                let duration = span.duration();
                let start = span.start_unix_nanos;
                self.record(
                    start,
                    NodeId::user(),
                    NodeId::service(span.service.clone()),
                    connection_of(&span, &span),
                    span.is_error,
                    duration,
                );
            }
            SpanKind::Server => {
                let Some(parent) = span.parent_span_id else { return };
                self.pair_or_wait((span.trace_id, parent), SpanKind::Server, span, now);
            }
            SpanKind::Client => {
                let key = (span.trace_id, span.span_id);
                self.pair_or_wait(key, SpanKind::Client, span, now);
            }
            // Internal spans and (for now) messaging spans count in the
            // service's own metrics, which the next engine revision adds.
            _ => {}
        }
    }

    fn pair_or_wait(&mut self, key: ([u8; 16], [u8; 8]), side: SpanKind, span: SpanRecord, now: Duration) {
        match self.pending.remove(&key) {
            Some(other) if other.side != side => {
                let (client, server) = if side == SpanKind::Client { (span, other.span) } else { (other.span, span) };
                self.counters.paired += 1;
                if client.service != server.service {
                    let connection = connection_of(&client, &server);
                    let is_error = client.is_error || server.is_error;
                    let duration = client.duration();
                    self.record(
                        client.start_unix_nanos,
                        NodeId::service(client.service),
                        NodeId::service(server.service),
                        connection,
                        is_error,
                        duration,
                    );
                }
            }
            existing => {
                // Same side twice under one key (a duplicate span): keep the newest.
                if existing.is_none() && self.pending.len() >= self.config.max_pending {
                    self.expire(now);
                    if self.pending.len() >= self.config.max_pending {
                        self.counters.dropped += 1;
                        return;
                    }
                }
                self.pending.insert(key, Pending { side, span, arrived: now });
            }
        }
    }

    /// Forgets halves older than the pairing window. Call about once a second.
    pub fn expire(&mut self, now: Duration) {
        let window = self.config.pairing_window;
        let before = self.pending.len();
        self.pending.retain(|_, p| now.saturating_sub(p.arrived) < window);
        self.counters.expired += (before - self.pending.len()) as u64;
    }

    fn record(
        &mut self,
        start_unix_nanos: u64,
        source: NodeId,
        target: NodeId,
        connection: ConnectionType,
        is_error: bool,
        duration: Duration,
    ) {
        let width = self.config.bucket.as_secs().max(1);
        let bucket = start_unix_nanos / 1_000_000_000 / width * width;
        let edge = Edge { source, target, connection };
        let entry = self.buckets.entry((bucket, edge.clone())).or_insert_with(|| EdgeBucket {
            bucket_start_unix_secs: bucket,
            edge,
            stats: EdgeStats::default(),
        });
        entry.stats.record(is_error, duration);
    }

    /// Hands over everything aggregated since the last drain.
    pub fn drain(&mut self) -> Vec<EdgeBucket> {
        let mut out: Vec<EdgeBucket> = self.buckets.drain().map(|(_, b)| b).collect();
        out.sort_by(|a, b| (a.bucket_start_unix_secs, &a.edge).cmp(&(b.bucket_start_unix_secs, &b.edge)));
        out
    }
}

fn connection_of(a: &SpanRecord, b: &SpanRecord) -> ConnectionType {
    if a.protocol == Protocol::Rpc || b.protocol == Protocol::Rpc { ConnectionType::Rpc } else { ConnectionType::Http }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(service: &str, kind: SpanKind, trace: u8, id: u8, parent: Option<u8>, error: bool) -> SpanRecord {
        SpanRecord {
            trace_id: [trace; 16],
            span_id: [id; 8],
            parent_span_id: parent.map(|p| [p; 8]),
            kind,
            service: Arc::from(service),
            start_unix_nanos: 120_000_000_000 + u64::from(id) * 1_000_000,
            end_unix_nanos: 120_000_000_000 + u64::from(id) * 1_000_000 + 5_000_000,
            is_error: error,
            protocol: Protocol::Http,
        }
    }

    fn edges(engine: &mut Engine) -> Vec<(String, String, u64, u64)> {
        engine
            .drain()
            .into_iter()
            .map(|b| {
                (
                    format!("{}:{}", b.edge.source.kind.as_str(), b.edge.source.name),
                    format!("{}:{}", b.edge.target.kind.as_str(), b.edge.target.name),
                    b.stats.requests,
                    b.stats.errors,
                )
            })
            .collect()
    }

    #[test]
    fn halves_pair_in_either_order() {
        let mut engine = Engine::new(EngineConfig::default());
        let now = Duration::ZERO;
        // client first
        engine.ingest(span("gateway", SpanKind::Client, 1, 10, Some(1), false), now);
        engine.ingest(span("catalog", SpanKind::Server, 1, 11, Some(10), false), now);
        // server first, with an error on the server side
        engine.ingest(span("catalog", SpanKind::Server, 2, 21, Some(20), true), now);
        engine.ingest(span("gateway", SpanKind::Client, 2, 20, Some(2), false), now);
        // entry point
        engine.ingest(span("gateway", SpanKind::Server, 3, 30, None, false), now);
        assert_eq!(engine.pending_len(), 0);
        assert_eq!(engine.counters().paired, 2);
        assert_eq!(
            edges(&mut engine),
            [("service:gateway".into(), "service:catalog".into(), 2, 1), ("user:user".into(), "service:gateway".into(), 1, 0)]
        );
        assert!(engine.drain().is_empty(), "drain hands buckets over once");
    }

    #[test]
    fn calls_inside_one_service_are_not_edges() {
        let mut engine = Engine::new(EngineConfig::default());
        engine.ingest(span("a", SpanKind::Client, 1, 10, Some(1), false), Duration::ZERO);
        engine.ingest(span("a", SpanKind::Server, 1, 11, Some(10), false), Duration::ZERO);
        assert!(edges(&mut engine).is_empty());
        assert_eq!(engine.counters().paired, 1);
    }

    #[test]
    fn unpaired_halves_expire_and_the_store_is_bounded() {
        let config = EngineConfig { pairing_window: Duration::from_secs(10), max_pending: 2, ..EngineConfig::default() };
        let mut engine = Engine::new(config);
        engine.ingest(span("a", SpanKind::Client, 1, 1, None, false), Duration::ZERO);
        engine.ingest(span("a", SpanKind::Client, 1, 2, None, false), Duration::from_secs(5));
        engine.ingest(span("a", SpanKind::Client, 1, 3, None, false), Duration::from_secs(6));
        assert_eq!(engine.counters().dropped, 1, "full and nothing old enough to expire");
        engine.ingest(span("a", SpanKind::Client, 1, 4, None, false), Duration::from_secs(11));
        assert_eq!(engine.counters().expired, 1);
        assert_eq!(engine.pending_len(), 2);
        engine.expire(Duration::from_secs(30));
        assert_eq!(engine.pending_len(), 0);
        assert_eq!(engine.counters().expired, 3);
    }

    #[test]
    fn latency_and_buckets() {
        let mut engine = Engine::new(EngineConfig::default());
        let mut client = span("a", SpanKind::Client, 1, 10, None, false);
        client.start_unix_nanos = 61_000_000_000;
        client.end_unix_nanos = 61_250_000_000;
        engine.ingest(client, Duration::ZERO);
        engine.ingest(span("b", SpanKind::Server, 1, 11, Some(10), false), Duration::ZERO);
        let buckets = engine.drain();
        assert_eq!(buckets.len(), 1);
        assert_eq!(buckets[0].bucket_start_unix_secs, 60);
        let p50 = buckets[0].stats.latency_us.value_at_quantile(0.5);
        assert!((247_000..=253_000).contains(&p50), "{p50}");
    }
}
