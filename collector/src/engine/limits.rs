//! Cardinality limits, as metric pipelines have them (the OpenTelemetry
//! SDKs' cardinality limits, Prometheus' sample limits), so that a client
//! putting ids or random hosts into peer, operation or service names cannot
//! grow Meridian without bound. Per bucket (minute):
//!
//! - a service calls at most `max_peers` distinct peers; its calls to any
//!   other count on its edge to the peer [`OVERFLOW`] of that kind
//!   (`service:noisy → external:(other)`: the graph names who overflowed);
//! - a service serves at most `max_operations` distinct operations; the
//!   others count as its operation [`OVERFLOW`];
//! - at most `max_services` distinct services are measured; the others
//!   count as the service [`OVERFLOW`];
//! - at most `max_edges` distinct edges; the others count on the edge
//!   between the [`OVERFLOW`] nodes of their ends' kinds.
//!
//! Nothing is dropped: every call beyond a limit is counted in its overflow
//! series and in [`Overflow`] (by service, for `/metrics`). Overflow series
//! are not limited themselves; there are few of them.
//!
//! A limit holds across drains: what a bucket has seen is remembered (as
//! 64-bit key hashes) for the newest buckets, [`REMEMBERED_BUCKETS`] of them;
//! spans for older buckets share one set of limits among them, so spans
//! with made-up old timestamps are bounded too.
//!
//! [`fold`] applies the same limits to a graph read over any window, where
//! churn from minute to minute could still add up.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::Arc;

use super::model::{Edge, Name, NodeId, NodeKind};
use super::stats::EdgeStats;

/// The name every overflow series takes.
pub const OVERFLOW: &str = "(other)";

/// How many of the newest buckets remember what they have seen.
pub const REMEMBERED_BUCKETS: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Distinct peers one service calls, per bucket.
    pub max_peers: usize,
    /// Distinct operations one service serves, per bucket.
    pub max_operations: usize,
    /// Distinct services, per bucket.
    pub max_services: usize,
    /// Distinct edges, per bucket.
    pub max_edges: usize,
}

/// The defaults: far above what a healthy organisation's minute holds,
/// far below what exhausts memory.
pub const DEFAULT_LIMITS: Limits = Limits { max_peers: 1_000, max_operations: 2_000, max_services: 10_000, max_edges: 50_000 };

impl Default for Limits {
    fn default() -> Self {
        DEFAULT_LIMITS
    }
}

/// Calls counted in overflow series since start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overflow {
    /// Calls to peers beyond the limit, by calling service.
    pub peers: BTreeMap<Name, u64>,
    /// Calls to operations beyond the limit, by serving service.
    pub operations: BTreeMap<Name, u64>,
    /// Calls of services beyond the limit.
    pub services: u64,
    /// Calls on edges beyond the limit.
    pub edges: u64,
}

fn overflow_name() -> Name {
    Arc::from(OVERFLOW)
}

/// What one bucket has seen.
#[derive(Default)]
struct BucketSeen {
    services: HashSet<u64>,
    edges: HashSet<u64>,
    /// Distinct edges from each service.
    peers: HashMap<Name, usize>,
    /// Distinct operations of each service.
    operations: HashMap<Name, HashSet<u64>>,
}

/// Applies [`Limits`] as spans are aggregated.
pub(super) struct Limiter {
    limits: Limits,
    /// Keyed with a random key per process: a client cannot make a new name
    /// hash like one already seen and slip past a limit.
    hasher: RandomState,
    seen: BTreeMap<u64, BucketSeen>,
    /// What spans for buckets older than every remembered one have seen.
    late: BucketSeen,
    overflow: Overflow,
}

impl Limiter {
    pub fn new(limits: Limits) -> Self {
        Self { limits, hasher: RandomState::new(), seen: BTreeMap::new(), late: BucketSeen::default(), overflow: Overflow::default() }
    }

    pub fn overflow(&self) -> &Overflow {
        &self.overflow
    }

    fn bucket(&mut self, bucket: u64) -> &mut BucketSeen {
        if !self.seen.contains_key(&bucket) && self.seen.len() >= REMEMBERED_BUCKETS {
            if self.seen.keys().next().is_some_and(|&oldest| bucket < oldest) {
                return &mut self.late;
            }
            // A new newest bucket: the oldest goes, and late spans start afresh.
            self.seen.pop_first();
            self.late = BucketSeen::default();
        }
        self.seen.entry(bucket).or_default()
    }

    /// The service name to measure `service` under in `bucket`.
    pub fn service(&mut self, bucket: u64, service: &Name) -> Name {
        if service.as_ref() == OVERFLOW {
            return service.clone();
        }
        let limit = self.limits.max_services;
        let key = self.hasher.hash_one(service);
        let seen = self.bucket(bucket);
        if seen.services.contains(&key) || seen.services.len() < limit {
            seen.services.insert(key);
            return service.clone();
        }
        self.overflow.services += 1;
        overflow_name()
    }

    /// The operation name to measure `operation` of `service` under.
    pub fn operation(&mut self, bucket: u64, service: &Name, operation: &Name) -> Name {
        let limit = self.limits.max_operations;
        let key = self.hasher.hash_one(operation);
        let seen = self.bucket(bucket).operations.entry(service.clone()).or_default();
        if seen.contains(&key) || seen.len() < limit {
            seen.insert(key);
            return operation.clone();
        }
        *self.overflow.operations.entry(service.clone()).or_default() += 1;
        overflow_name()
    }

    /// The edge to count a call on `edge` under (its services already limited).
    pub fn edge(&mut self, bucket: u64, edge: Edge) -> Edge {
        if edge.source.name.as_ref() == OVERFLOW || edge.target.name.as_ref() == OVERFLOW {
            return edge;
        }
        let limits = self.limits;
        let key = self.hasher.hash_one(&edge);
        let seen = self.bucket(bucket);
        if seen.edges.contains(&key) {
            return edge;
        }
        let source_is_service = edge.source.kind == NodeKind::Service;
        let peers = if source_is_service { seen.peers.get(&edge.source.name).copied().unwrap_or(0) } else { 0 };
        if peers >= limits.max_peers {
            *self.overflow.peers.entry(edge.source.name.clone()).or_default() += 1;
            let target = NodeId::new(edge.target.kind, overflow_name());
            return Edge { target, ..edge };
        }
        if seen.edges.len() >= limits.max_edges {
            self.overflow.edges += 1;
            return overflowed(&edge);
        }
        seen.edges.insert(key);
        if source_is_service {
            *seen.peers.entry(edge.source.name.clone()).or_default() += 1;
        }
        edge
    }
}

/// Whether `edge` is one of its source service's peers (not yet overflow).
fn is_service_peer(edge: &Edge) -> bool {
    edge.source.kind == NodeKind::Service && edge.target.name.as_ref() != OVERFLOW
}

/// The edge between the overflow nodes of `edge`'s ends' kinds.
fn overflowed(edge: &Edge) -> Edge {
    Edge {
        source: NodeId::new(edge.source.kind, overflow_name()),
        target: NodeId::new(edge.target.kind, overflow_name()),
        connection: edge.connection,
    }
}

/// A graph read over a window, limited as a bucket is: each service's
/// busiest `max_peers` peers stay, its calls to the rest are merged into its
/// edge to [`OVERFLOW`]; then the busiest `max_edges` edges stay and the rest
/// merge into edges between overflow nodes. Sorted by edge.
pub fn fold(mut edges: Vec<(Edge, EdgeStats)>, limits: &Limits) -> Vec<(Edge, EdgeStats)> {
    let mut per_source: HashMap<&Name, usize> = HashMap::new();
    for (edge, _) in edges.iter().filter(|(edge, _)| is_service_peer(edge)) {
        *per_source.entry(&edge.source.name).or_default() += 1;
    }
    let crowded: HashSet<Name> = per_source.into_iter().filter(|&(_, n)| n > limits.max_peers).map(|(name, _)| name.clone()).collect();
    if crowded.is_empty() && edges.len() <= limits.max_edges {
        return edges;
    }
    // Busiest first, so what is kept is what matters most.
    edges.sort_by(|a, b| b.1.requests.cmp(&a.1.requests).then_with(|| a.0.cmp(&b.0)));
    let mut merged: BTreeMap<Edge, EdgeStats> = BTreeMap::new();
    let mut kept_peers: HashMap<Name, usize> = HashMap::new();
    let mut kept = 0;
    for (mut edge, stats) in edges {
        if is_service_peer(&edge) && crowded.contains(&edge.source.name) {
            let peers = kept_peers.entry(edge.source.name.clone()).or_default();
            if *peers >= limits.max_peers {
                edge.target = NodeId::new(edge.target.kind, overflow_name());
            } else {
                *peers += 1;
            }
        }
        if !merged.contains_key(&edge) {
            if kept >= limits.max_edges {
                edge = overflowed(&edge);
            } else {
                kept += 1;
            }
        }
        merged.entry(edge).or_default().merge(&stats);
    }
    merged.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ConnectionType;

    fn call(source: &str, target: &str, kind: NodeKind) -> Edge {
        Edge { source: NodeId::service(source.into()), target: NodeId::new(kind, target.into()), connection: ConnectionType::Http }
    }

    #[test]
    fn peers_beyond_the_limit_go_to_the_services_overflow_peer_and_are_counted() {
        let mut limiter = Limiter::new(Limits { max_peers: 2, ..Limits::default() });
        let names: Vec<String> = (0..5).map(|i| format!("h{i}")).collect();
        let targets: Vec<Name> = names.iter().map(|n| limiter.edge(60, call("noisy", n, NodeKind::External)).target.name).collect();
        assert_eq!(targets.iter().map(|n| n.as_ref()).collect::<Vec<_>>(), ["h0", "h1", OVERFLOW, OVERFLOW, OVERFLOW]);
        assert_eq!(limiter.edge(60, call("noisy", "h1", NodeKind::External)).target.name.as_ref(), "h1", "seen: not new");
        assert_eq!(limiter.edge(120, call("noisy", "h4", NodeKind::External)).target.name.as_ref(), "h4", "a new bucket");
        assert_eq!(limiter.overflow().peers.get("noisy"), Some(&3));
    }

    #[test]
    fn operations_services_and_edges_overflow_too() {
        let mut limiter = Limiter::new(Limits { max_peers: 10, max_operations: 1, max_services: 2, max_edges: 3 });
        let shop: Name = "shop".into();
        assert_eq!(limiter.operation(0, &shop, &"GET /a".into()).as_ref(), "GET /a");
        assert_eq!(limiter.operation(0, &shop, &"GET /b".into()).as_ref(), OVERFLOW);
        assert_eq!(limiter.overflow().operations.get("shop"), Some(&1));
        for name in ["a", "b"] {
            assert_eq!(limiter.service(0, &name.into()).as_ref(), name);
        }
        assert_eq!(limiter.service(0, &"c".into()).as_ref(), OVERFLOW);
        assert_eq!(limiter.overflow().services, 1);
        for target in ["x", "y", "z"] {
            assert_eq!(limiter.edge(0, call("a", target, NodeKind::Database)).target.name.as_ref(), target);
        }
        let beyond = limiter.edge(0, call("b", "w", NodeKind::Database));
        assert_eq!(
            (beyond.source.name.as_ref(), beyond.target.kind, beyond.target.name.as_ref()),
            (OVERFLOW, NodeKind::Database, OVERFLOW)
        );
        assert_eq!(limiter.overflow().edges, 1);
    }

    #[test]
    fn the_newest_buckets_are_remembered_and_older_ones_share_their_limits() {
        let mut limiter = Limiter::new(Limits { max_services: 2, ..Limits::default() });
        for minute in 0..10 {
            limiter.service(minute * 60, &"s".into());
        }
        assert_eq!(limiter.seen.len(), REMEMBERED_BUCKETS);
        assert_eq!(limiter.seen.keys().next(), Some(&420));
        // Made-up old timestamps, each a different bucket: still two services at most.
        let late: Vec<String> = (0..5).map(|i| limiter.service(i * 60, &format!("late-{i}").into()).to_string()).collect();
        assert_eq!(late, ["late-0", "late-1", OVERFLOW, OVERFLOW, OVERFLOW]);
    }

    #[test]
    fn a_read_keeps_each_services_busiest_peers_and_merges_the_rest() {
        let stats = |requests: u64| EdgeStats { requests, ..EdgeStats::default() };
        let edges: Vec<(Edge, EdgeStats)> = (0..6).map(|i| (call("noisy", &format!("h{i}"), NodeKind::External), stats(i + 1))).collect();
        let folded = fold(edges.clone(), &Limits { max_peers: 2, ..Limits::default() });
        let shown: Vec<(&str, u64)> = folded.iter().map(|(e, s)| (e.target.name.as_ref(), s.requests)).collect();
        assert_eq!(shown, [(OVERFLOW, 1 + 2 + 3 + 4), ("h4", 5), ("h5", 6)]);
        assert_eq!(fold(edges.clone(), &Limits::default()).len(), 6, "within limits: as it was");
        let folded = fold(edges, &Limits { max_edges: 2, ..Limits::default() });
        assert_eq!(folded.len(), 3);
        assert_eq!(folded.iter().map(|(_, s)| s.requests).sum::<u64>(), 21, "nothing is lost");
    }
}
