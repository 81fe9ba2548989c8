//! The service-graph engine: pure code, no I/O, no clock of its own.
//!
//! Spans in; per-minute buckets of edges, services and operations out, with
//! detected deploys. How each span kind becomes graph:
//!
//! - **CLIENT → SERVER**: the client half waits under (trace id, span id),
//!   the server half under (trace id, parent span id), in any order, across
//!   requests and transports, until its partner comes or the pairing window
//!   passes. A pair in two services is one call on the edge between them
//!   (both sides' durations kept); in one service it is no edge. The
//!   call's outcome is its server half's; what the client saw (a 4xx, a
//!   timeout) is kept beside it as the caller's view ([`Call`]).
//! - **Databases**: a CLIENT span naming a database is an edge to a
//!   `database` node at once (databases are not instrumented).
//! - **External**: a CLIENT span never paired within the window that names
//!   `peer.service` / `server.address` becomes an edge to an `external` node.
//! - **Entry points**: a SERVER span with no parent, or whose parent never
//!   shows up as a CLIENT span of another service, is an edge from `user`.
//! - **Messaging**: PRODUCER and CONSUMER spans naming their destination make
//!   producer → topic and topic → consumer edges at once; a half that does
//!   not name it waits (keyed like CLIENT/SERVER) for its partner's, and if
//!   neither names it the edge goes straight from producer to consumer.
//! - **Service and operation RED**: every SERVER and CONSUMER span counts for
//!   its service and operation (calls inside a service included).
//! - **Sampling** ([`sampling`]): every count is an estimate of the calls
//!   made: a span weighs its adjusted count, a pair the larger of its
//!   halves', and a client half whose callee sampled the trace away is
//!   counted by the pairs, not left to expire.
//!
//! The pending store is bounded: when full, expired halves go first, then the
//! oldest sixteenth (evicted). An unpaired half that leaves either way still
//! yields what it can (an external or user edge), and is counted.
//!
//! What is aggregated is bounded too ([`limits`]): peers and operations per
//! service, services and edges per bucket; beyond, calls count in overflow
//! series named `(other)`.

mod latency;
pub mod limits;
mod model;
mod sampling;
mod stats;
mod versions;

use std::collections::HashMap;
use std::time::Duration;

/// The engine's hot maps: hashbrown's default hasher (seeded per process)
/// hashes ids and names several times faster than std's SipHash.
type FastMap<K, V> = hashbrown::HashMap<K, V>;

pub use latency::{Latency, LatencyError};
pub use limits::{Limits, OVERFLOW, Overflow};
pub use model::{ConnectionType, Edge, Emitter, Name, NodeId, NodeKind, Outcome, Peer, Protocol, Sampling, SpanKind, SpanRecord};
pub use sampling::{adjusted_count_of_threshold, whole_weight};
pub use stats::{Call, CallerBucket, Deploy, Drained, EdgeBucket, EdgeStats, OperationBucket, RedStats, ServiceBucket, VersionSeen};
pub use versions::{QUIET_PERIOD_NANOS, ServiceVersion};

use versions::Versions;

/// How long half of a call waits for its partner by default.
pub const DEFAULT_PAIRING_WINDOW: Duration = Duration::from_secs(10);
/// How many halves may wait at once by default.
pub const DEFAULT_MAX_PENDING: usize = 100_000;
/// Width of a metrics bucket.
pub const BUCKET: Duration = Duration::from_secs(60);

#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// How long a half waits for its partner.
    pub pairing_window: Duration,
    /// At most this many halves wait at once.
    pub max_pending: usize,
    /// Width of a metrics bucket.
    pub bucket: Duration,
    /// Cardinality limits per bucket.
    pub limits: Limits,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self { pairing_window: DEFAULT_PAIRING_WINDOW, max_pending: DEFAULT_MAX_PENDING, bucket: BUCKET, limits: Limits::default() }
    }
}

/// Counters for `/metrics` and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineCounters {
    /// Spans taken (kept by whatever sampled them).
    pub spans: u64,
    /// Spans those stand for: their weights summed (equal to `spans` when
    /// nothing was sampled away).
    pub represented: u64,
    /// Client halves whose server half their callee's sampler dropped:
    /// counted by the calls that paired, not waited for.
    pub sampled_away: u64,
    /// Halves that met their partner.
    pub paired: u64,
    /// Halves whose window passed without a partner.
    pub expired: u64,
    /// Halves pushed out of a full pending store before their window passed.
    pub evicted: u64,
    /// Spans that could not be used at all (bad ids, no service name).
    pub dropped: u64,
}

/// Which half of a call a waiting span is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Half {
    Client,
    Server,
    Producer,
    Consumer,
}

impl Half {
    fn partner(self) -> Half {
        match self {
            Half::Client => Half::Server,
            Half::Server => Half::Client,
            Half::Producer => Half::Consumer,
            Half::Consumer => Half::Producer,
        }
    }
}

/// One half of a call, waiting for the other.
#[derive(Debug)]
struct Pending {
    half: Half,
    span: SpanRecord,
    /// Engine time (caller's clock) when it arrived.
    arrived: Duration,
}

/// (trace id, span id of the calling span).
type PairKey = ([u8; 16], [u8; 8]);

pub struct Engine {
    config: EngineConfig,
    pending: FastMap<PairKey, Pending>,
    edges: FastMap<(u64, Edge), EdgeStats>,
    services: FastMap<(u64, Name), RedStats>,
    operations: FastMap<(u64, Name, Name), RedStats>,
    /// (bucket, caller, service, operation) → their calls.
    callers: FastMap<(u64, Name, Name, Name), CallerBucket>,
    callee_sampling: sampling::CalleeSampling,
    trace_thresholds: sampling::TraceThresholds,
    deploys: Vec<Deploy>,
    versions: Versions,
    counters: EngineCounters,
    limiter: limits::Limiter,
}

impl Engine {
    pub fn new(config: EngineConfig) -> Self {
        Self {
            limiter: limits::Limiter::new(config.limits),
            config,
            pending: FastMap::new(),
            edges: FastMap::new(),
            services: FastMap::new(),
            operations: FastMap::new(),
            callers: FastMap::new(),
            callee_sampling: sampling::CalleeSampling::default(),
            trace_thresholds: sampling::TraceThresholds::default(),
            deploys: Vec::new(),
            versions: Versions::default(),
            counters: EngineCounters::default(),
        }
    }

    pub fn counters(&self) -> EngineCounters {
        self.counters
    }

    /// Calls counted in overflow series since start.
    pub fn overflow(&self) -> &Overflow {
        self.limiter.overflow()
    }

    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Counts spans rejected before they reached the engine.
    pub fn count_dropped(&mut self, spans: u64) {
        self.counters.dropped += spans;
    }

    /// The version and environment of every service seen.
    pub fn service_versions(&self) -> HashMap<Name, ServiceVersion> {
        self.versions.current()
    }

    /// Tells the engine a version an earlier run saw (so a restart does not
    /// take the next span of a known version for a deploy).
    pub fn seed_version(&mut self, known: VersionSeen) {
        self.versions.seed(known);
    }

    /// Takes one export's spans. Those that say nothing of their sampling
    /// take it from a span of their trace in the same export first (one
    /// process's: the span it entered by, exported after its children).
    pub fn ingest_all(&mut self, spans: Vec<SpanRecord>, now: Duration) {
        let in_export = sampling::export_thresholds(&spans);
        for mut span in spans {
            if !in_export.is_empty()
                && span.sampling.is_unknown()
                && let Some(sampling) = in_export.get(&span.trace_id)
            {
                span.sampling = *sampling;
            }
            self.ingest(span, now);
        }
    }

    /// Takes one span. `now` is the caller's monotonic clock, used only for
    /// the pairing window.
    pub fn ingest(&mut self, mut span: SpanRecord, now: Duration) {
        if span.sampling.threshold.is_some() && span.parent_span_id.is_none() {
            // A root's decision is its whole trace's, but for descendants that decide again.
            self.trace_thresholds.learn(span.trace_id, span.sampling, now, self.config.pairing_window);
        } else if span.sampling.is_unknown()
            && let Some(sampling) = self.trace_thresholds.of(&span.trace_id)
        {
            span.sampling = sampling;
        }
        let weight = own_weight(&span);
        self.counters.spans += 1;
        self.counters.represented += weight;
        if let Some(deploy) = self.versions.observe(&span) {
            self.deploys.push(deploy);
        }
        if matches!(span.kind, SpanKind::Server | SpanKind::Consumer) {
            let bucket = self.bucket_of(span.start_unix_nanos);
            self.record_red(bucket, span.service(), &span.operation, span.outcome, span.duration(), weight, 1);
        }
        match span.kind {
            SpanKind::Server => match span.parent_span_id {
                None => self.record_entry(&span),
                Some(parent) => self.pair_or_wait((span.trace_id, parent), Half::Server, span, now),
            },
            SpanKind::Client => match &span.peer {
                Some(Peer::Database(database)) => {
                    let (source, target) = (End::service(span.service()), End(NodeKind::Database, database));
                    self.record_edge(span.start_unix_nanos, source, target, ConnectionType::Database, &calling(&span, weight));
                }
                _ => self.pair_or_wait((span.trace_id, span.span_id), Half::Client, span, now),
            },
            SpanKind::Producer => self.messaging((span.trace_id, span.span_id), Half::Producer, span, now),
            SpanKind::Consumer => match span.parent_span_id {
                Some(parent) => self.messaging((span.trace_id, parent), Half::Consumer, span, now),
                None => {
                    if let Some(topic) = span.destination.clone() {
                        self.messaging_edge(&span, Half::Consumer, &topic);
                    }
                }
            },
            SpanKind::Internal | SpanKind::Unspecified => {}
        }
    }

    /// A SERVER or CONSUMER span's RED for its service and operation. Keys
    /// this drain already holds passed the limits when they came; only new
    /// ones are asked of the limiter.
    #[allow(clippy::too_many_arguments)]
    fn record_red(&mut self, bucket: u64, service: &Name, operation: &Name, outcome: Outcome, duration: Duration, weight: u64, kept: u64) {
        // Looked up by reference: a key held already costs no reference count.
        let limited = match self.services.get_mut(&Named(bucket, service)) {
            Some(stats) => {
                stats.add(outcome, duration, weight, kept);
                None // it counts as itself
            }
            None => {
                let limited = self.limiter.service(bucket, service);
                self.services.entry((bucket, limited.clone())).or_default().add(outcome, duration, weight, kept);
                Some(limited)
            }
        };
        let service = limited.as_ref().unwrap_or(service);
        if let Some(stats) = self.operations.get_mut(&Named2(bucket, service, operation)) {
            return stats.add(outcome, duration, weight, kept);
        }
        let operation = self.limiter.operation(bucket, service, operation);
        self.operations.entry((bucket, service.clone(), operation)).or_default().add(outcome, duration, weight, kept);
    }

    fn bucket_of(&self, start_unix_nanos: u64) -> u64 {
        let width = self.config.bucket.as_secs().max(1);
        start_unix_nanos / 1_000_000_000 / width * width
    }

    /// The waiting partner of `half` under `key`, if there is one (a
    /// waiting duplicate of `half` itself stays, to be replaced by the caller).
    fn take_partner(&mut self, key: PairKey, half: Half) -> Option<Pending> {
        if self.pending.get(&key)?.half != half.partner() {
            return None;
        }
        self.pending.remove(&key)
    }

    fn pair_or_wait(&mut self, key: PairKey, half: Half, span: SpanRecord, now: Duration) {
        if let Some(partner) = self.take_partner(key, half) {
            self.counters.paired += 1;
            self.complete(half, &span, &partner.span, now);
            return;
        }
        if half == Half::Client && self.callee_sampling.partner_sampled_away(&span, now) {
            self.counters.sampled_away += 1;
            return;
        }
        self.wait(key, half, span, now);
    }

    fn wait(&mut self, key: PairKey, half: Half, span: SpanRecord, now: Duration) {
        if !self.pending.contains_key(&key) && self.pending.len() >= self.config.max_pending {
            self.make_room(now);
            if self.pending.len() >= self.config.max_pending {
                // No room at all (a store of size 0): the half leaves at once.
                self.counters.evicted += 1;
                self.finish_unpaired(Pending { half, span, arrived: now }, now);
                return;
            }
        }
        self.pending.insert(key, Pending { half, span, arrived: now });
    }

    /// A PRODUCER or CONSUMER span: a half naming its topic records its
    /// own edge at once; either way it waits for its partner, which may need
    /// the topic from it.
    fn messaging(&mut self, key: PairKey, half: Half, span: SpanRecord, now: Duration) {
        if let Some(topic) = span.destination.clone() {
            self.messaging_edge(&span, half, &topic);
        }
        match self.take_partner(key, half) {
            Some(partner) => {
                self.counters.paired += 1;
                match (span.destination.clone(), partner.span.destination.clone()) {
                    (Some(topic), None) => self.messaging_edge(&partner.span, partner.half, &topic),
                    (None, Some(topic)) => self.messaging_edge(&span, half, &topic),
                    (None, None) => self.complete(half, &span, &partner.span, now),
                    (Some(_), Some(_)) => {} // both recorded their own edges
                }
            }
            None => self.wait(key, half, span, now),
        }
    }

    /// producer → topic, or topic → consumer.
    fn messaging_edge(&mut self, span: &SpanRecord, half: Half, topic: &Name) {
        let (service, topic) = (End::service(span.service()), End(NodeKind::Messaging, topic));
        let weight = own_weight(span);
        match half {
            Half::Producer => self.record_edge(span.start_unix_nanos, service, topic, ConnectionType::Messaging, &calling(span, weight)),
            _ => self.record_edge(span.start_unix_nanos, topic, service, ConnectionType::Messaging, &serving(span, weight)),
        }
    }

    /// Two halves of one call met: `span`, which is `half`, and its partner.
    /// (By reference: a span is large, and moving it is a copy.)
    fn complete(&mut self, half: Half, span: &SpanRecord, partner: &SpanRecord, now: Duration) {
        let (caller, callee) = if matches!(half, Half::Client | Half::Producer) { (span, partner) } else { (partner, span) };
        let messaging = matches!(half, Half::Producer | Half::Consumer);
        if !messaging {
            self.callee_sampling.learn(caller, callee, now);
            if callee.sampling.is_unknown() && caller.sampling.threshold.is_some() {
                // The callee followed its caller's decision: its trace's later spans stand for as much.
                self.trace_thresholds.learn(callee.trace_id, caller.sampling, now, self.config.pairing_window);
            }
        }
        if caller.service() == callee.service() {
            return; // a call inside one service: its own metrics only
        }
        let connection = if messaging { ConnectionType::Messaging } else { ConnectionType::of_call(caller, callee) };
        // Kept when the sparser of the two samplers kept the trace: it
        // stands for as many calls as that sampler's spans do.
        let adjusted_count = caller.sampling.adjusted_count.max(callee.sampling.adjusted_count);
        let call = Call {
            weight: whole_weight(adjusted_count, caller.span_id),
            error: callee.outcome.error,
            caller_failure: caller.outcome.caller_failure,
            caller: Some(caller.duration()),
            callee: Some(callee.duration()),
        };
        self.record_edge(caller.start_unix_nanos, End::service(caller.service()), End::service(callee.service()), connection, &call);
        if !messaging {
            self.record_caller(caller, callee, &call);
            // A server span that said nothing of its sampling was counted at
            // the weight known then; its call says it stands for more.
            let counted = own_weight(callee);
            if callee.sampling.is_unknown() && call.weight > counted {
                let bucket = self.bucket_of(callee.start_unix_nanos);
                self.record_red(bucket, callee.service(), &callee.operation, callee.outcome, callee.duration(), call.weight - counted, 0);
            }
        }
    }

    /// A call of the callee's operation by the caller's service, under the
    /// names the limits gave both when their own spans were counted.
    fn record_caller(&mut self, caller: &SpanRecord, callee: &SpanRecord, call: &Call) {
        let bucket = self.bucket_of(callee.start_unix_nanos);
        if let Some(counts) = self.callers.get_mut(&Named3(bucket, caller.service(), callee.service(), &callee.operation)) {
            return counts.record(call);
        }
        let caller_name = self.limiter.service(bucket, caller.service());
        let service = self.limiter.service(bucket, callee.service());
        let operation = self.limiter.operation(bucket, &service, &callee.operation);
        let key = (bucket, caller_name, service, operation);
        let counts = self.callers.entry(key.clone()).or_insert_with(|| CallerBucket {
            bucket_start_unix_secs: key.0,
            caller: key.1,
            service: key.2,
            operation: key.3,
            calls: 0,
            errors: 0,
            caller_failures: 0,
            kept: 0,
        });
        counts.record(call);
    }

    /// A SERVER span nobody instrumented called.
    fn record_entry(&mut self, span: &SpanRecord) {
        let connection = ConnectionType::of_call(span, span);
        let (source, target) = (End(NodeKind::User, &model::USER), End::service(span.service()));
        self.record_edge(span.start_unix_nanos, source, target, connection, &serving(span, own_weight(span)));
    }

    /// What a half that never met its partner still says. `false` when it
    /// says nothing because its partner was sampled away.
    fn finish_unpaired(&mut self, waiting: Pending, now: Duration) -> bool {
        let mut span = waiting.span;
        if span.sampling.is_unknown()
            && let Some(sampling) = self.trace_thresholds.of(&span.trace_id)
        {
            // Learned while it waited (its caller paired since).
            span.sampling = sampling;
        }
        match waiting.half {
            Half::Client => {
                if self.callee_sampling.partner_sampled_away(&span, now) {
                    self.counters.sampled_away += 1;
                    return false;
                }
                if let Some(Peer::Remote(peer)) = &span.peer {
                    let (source, target) = (End::service(span.service()), End(NodeKind::External, peer));
                    let connection = ConnectionType::of_call(&span, &span);
                    self.record_edge(span.start_unix_nanos, source, target, connection, &calling(&span, own_weight(&span)));
                }
            }
            Half::Server => self.record_entry(&span),
            Half::Producer | Half::Consumer => {}
        }
        true
    }

    /// Forgets halves older than the pairing window (after taking what they
    /// say). Call about once a second.
    pub fn expire(&mut self, now: Duration) {
        let window = self.config.pairing_window;
        let expired: Vec<Pending> = self.pending.extract_if(|_, p| now.saturating_sub(p.arrived) >= window).map(|(_, p)| p).collect();
        for waiting in expired {
            if self.finish_unpaired(waiting, now) {
                self.counters.expired += 1;
            }
        }
    }

    /// Frees room in a full store: expired halves first, else the oldest
    /// sixteenth at once (so a store under pressure costs O(1) a span on
    /// average, not a scan each).
    fn make_room(&mut self, now: Duration) {
        self.expire(now);
        if self.pending.len() < self.config.max_pending || self.pending.is_empty() {
            return;
        }
        let count = (self.pending.len() / 16).max(1);
        let mut arrivals: Vec<Duration> = self.pending.values().map(|p| p.arrived).collect();
        let cutoff = *arrivals.select_nth_unstable(count - 1).1;
        let evicted: Vec<Pending> = self.pending.extract_if(|_, p| p.arrived <= cutoff).map(|(_, p)| p).collect();
        self.counters.evicted += evicted.len() as u64;
        for waiting in evicted {
            self.finish_unpaired(waiting, now);
        }
    }

    fn record_edge(&mut self, start_unix_nanos: u64, source: End<'_>, target: End<'_>, connection: ConnectionType, call: &Call) {
        let bucket = self.bucket_of(start_unix_nanos);
        // Held this drain already: it passed the limits when it came.
        if let Some(stats) = self.edges.get_mut(&EdgeNamed(bucket, source, target, connection)) {
            return stats.record(call);
        }
        let mut limited = |End(kind, name): End<'_>| match kind {
            NodeKind::Service => NodeId::service(self.limiter.service(bucket, name)),
            _ => NodeId::new(kind, name.clone()),
        };
        let (source, target) = (limited(source), limited(target));
        let edge = self.limiter.edge(bucket, Edge { source, target, connection });
        self.edges.entry((bucket, edge)).or_default().record(call);
    }

    /// Hands over everything aggregated since the last drain.
    pub fn drain(&mut self) -> Drained {
        let mut edges: Vec<EdgeBucket> =
            self.edges.drain().map(|((bucket_start_unix_secs, edge), stats)| EdgeBucket { bucket_start_unix_secs, edge, stats }).collect();
        edges.sort_by(|a, b| (a.bucket_start_unix_secs, &a.edge).cmp(&(b.bucket_start_unix_secs, &b.edge)));
        let mut services: Vec<ServiceBucket> = self
            .services
            .drain()
            .map(|((bucket_start_unix_secs, service), stats)| ServiceBucket { bucket_start_unix_secs, service, stats })
            .collect();
        services.sort_by(|a, b| (a.bucket_start_unix_secs, &a.service).cmp(&(b.bucket_start_unix_secs, &b.service)));
        let mut operations: Vec<OperationBucket> = self
            .operations
            .drain()
            .map(|((bucket_start_unix_secs, service, operation), stats)| OperationBucket {
                bucket_start_unix_secs,
                service,
                operation,
                stats,
            })
            .collect();
        operations.sort_by(|a, b| {
            (a.bucket_start_unix_secs, &a.service, &a.operation).cmp(&(b.bucket_start_unix_secs, &b.service, &b.operation))
        });
        let mut callers: Vec<CallerBucket> = self.callers.drain().map(|(_, counts)| counts).collect();
        callers.sort_by(|a, b| {
            (a.bucket_start_unix_secs, &a.service, &a.operation, &a.caller).cmp(&(
                b.bucket_start_unix_secs,
                &b.service,
                &b.operation,
                &b.caller,
            ))
        });
        Drained { edges, services, operations, callers, deploys: std::mem::take(&mut self.deploys), versions: self.versions.take_changed() }
    }
}

/// Map keys by reference, hashed and compared as the owned keys they stand
/// for (derived `Hash` on fields in order is a tuple's hash): a lookup of a
/// key already held clones no name.
#[derive(Hash)]
struct Named<'a>(u64, &'a str);
#[derive(Hash)]
struct Named2<'a>(u64, &'a str, &'a str);
#[derive(Hash)]
struct Named3<'a>(u64, &'a str, &'a str, &'a str);

/// One end of an edge by reference: a node's kind and name.
#[derive(Clone, Copy, Hash)]
struct End<'a>(NodeKind, &'a Name);

impl<'a> End<'a> {
    fn service(name: &'a Name) -> Self {
        End(NodeKind::Service, name)
    }
}

/// `(bucket, Edge)` by reference, hashed as an `Edge` is (its ends' kind
/// and name in order, then the connection).
#[derive(Hash)]
struct EdgeNamed<'a>(u64, End<'a>, End<'a>, ConnectionType);

impl hashbrown::Equivalent<(u64, Edge)> for EdgeNamed<'_> {
    fn equivalent(&self, (bucket, edge): &(u64, Edge)) -> bool {
        let same = |end: &End<'_>, node: &NodeId| end.0 == node.kind && end.1 == &node.name;
        self.0 == *bucket && same(&self.1, &edge.source) && same(&self.2, &edge.target) && self.3 == edge.connection
    }
}

impl hashbrown::Equivalent<(u64, Name)> for Named<'_> {
    fn equivalent(&self, key: &(u64, Name)) -> bool {
        self.0 == key.0 && self.1 == &*key.1
    }
}

impl hashbrown::Equivalent<(u64, Name, Name)> for Named2<'_> {
    fn equivalent(&self, key: &(u64, Name, Name)) -> bool {
        self.0 == key.0 && self.1 == &*key.1 && self.2 == &*key.2
    }
}

impl hashbrown::Equivalent<(u64, Name, Name, Name)> for Named3<'_> {
    fn equivalent(&self, key: &(u64, Name, Name, Name)) -> bool {
        self.0 == key.0 && self.1 == &*key.1 && self.2 == &*key.2 && self.3 == &*key.3
    }
}

/// The requests a span's own half stands for. The coin is the caller's
/// span id where there is one (a server's parent), so a callee's own count
/// and its pair's agree.
fn own_weight(span: &SpanRecord) -> u64 {
    let coin = match span.kind {
        SpanKind::Server | SpanKind::Consumer => span.parent_span_id.unwrap_or(span.span_id),
        _ => span.span_id,
    };
    whole_weight(span.sampling.adjusted_count, coin)
}

/// A call only its calling half tells of: the call's outcome is what the
/// caller knows of the server's.
fn calling(span: &SpanRecord, weight: u64) -> Call {
    Call { weight, error: span.outcome.error, caller_failure: span.outcome.caller_failure, caller: Some(span.duration()), callee: None }
}

/// A call only its serving half tells of (an entry point, a consumer):
/// nobody instrumented saw it otherwise.
fn serving(span: &SpanRecord, weight: u64) -> Call {
    Call { weight, error: span.outcome.error, caller_failure: span.outcome.error, caller: None, callee: Some(span.duration()) }
}

#[cfg(test)]
mod tests;
