//! The live service graph: the last hour of observed edges, minute by
//! minute, in memory (a petgraph `StableDiGraph`), fed by every flush and
//! filled from the database's minute rows at start, so a restart shows the
//! same graph. Subscribers (the server-sent event stream) learn of changes
//! through a watch channel, which coalesces them; the stream itself sends
//! at most once a second.
//!
//! Decision: the stream shows what this process received (plus what it read
//! at start). `GET /api/v1/graph` reads the database, which is the truth
//! across replicas; with one replica the two agree (tested).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use std::time::Duration;

use collector::{ConnectionType, Edge, EdgeBucket, EdgeStats, NodeId};
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use petgraph::visit::{EdgeRef, IntoEdgeReferences};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// How far back the live graph reaches: the longest window the stream serves.
pub const HORIZON: Duration = Duration::from_secs(3600);

/// One minute of one edge (its latency is sparse, so an hour of every
/// edge fits).
#[derive(Clone, Debug)]
struct Minute {
    start_unix_secs: u64,
    stats: EdgeStats,
}

/// An edge's weight: how it connects, and its minutes, oldest first.
#[derive(Debug)]
struct LiveEdge {
    connection: ConnectionType,
    minutes: VecDeque<Minute>,
}

/// The graph itself; pure, no clock of its own.
#[derive(Default)]
pub struct LiveGraph {
    graph: StableDiGraph<NodeId, LiveEdge>,
    nodes: HashMap<NodeId, NodeIndex>,
    /// The minute (unix seconds / 60) of the last update.
    minute: u64,
}

impl LiveGraph {
    fn node(&mut self, id: &NodeId) -> NodeIndex {
        if let Some(&index) = self.nodes.get(id) {
            return index;
        }
        let index = self.graph.add_node(id.clone());
        self.nodes.insert(id.clone(), index);
        index
    }

    fn edge(&mut self, edge: &Edge) -> EdgeIndex {
        let (source, target) = (self.node(&edge.source), self.node(&edge.target));
        if let Some(existing) = self.graph.edges_connecting(source, target).find(|e| e.weight().connection == edge.connection) {
            return existing.id();
        }
        self.graph.add_edge(source, target, LiveEdge { connection: edge.connection, minutes: VecDeque::new() })
    }

    /// Adds minute buckets (from a flush or the database), merging with
    /// what the same minute already holds.
    pub fn add(&mut self, buckets: &[EdgeBucket]) {
        for bucket in buckets {
            let index = self.edge(&bucket.edge);
            let minutes = &mut self.graph[index].minutes;
            let start = bucket.bucket_start_unix_secs;
            let at = minutes.partition_point(|m| m.start_unix_secs < start);
            match minutes.get_mut(at) {
                Some(minute) if minute.start_unix_secs == start => minute.stats.merge(&bucket.stats),
                _ => minutes.insert(at, Minute { start_unix_secs: start, stats: bucket.stats.clone() }),
            }
        }
    }

    /// Forgets minutes that start before `oldest_unix_secs`, then edges
    /// with none left and nodes with no edges. Whether anything went.
    pub fn forget_before(&mut self, oldest_unix_secs: u64) -> bool {
        let mut changed = false;
        let mut empty = Vec::new();
        for index in self.graph.edge_indices().collect::<Vec<_>>() {
            let minutes = &mut self.graph[index].minutes;
            while minutes.front().is_some_and(|m| m.start_unix_secs < oldest_unix_secs) {
                minutes.pop_front();
                changed = true;
            }
            if minutes.is_empty() {
                empty.push(index);
            }
        }
        for index in empty {
            self.graph.remove_edge(index);
        }
        let lonely: Vec<_> = self.graph.node_indices().filter(|&n| self.graph.neighbors_undirected(n).next().is_none()).collect();
        for index in lonely {
            if let Some(id) = self.graph.remove_node(index) {
                self.nodes.remove(&id);
            }
        }
        changed
    }

    /// Every edge with traffic in minutes starting at or after `since`,
    /// merged over them; in edge order (as `Store::edges_since`).
    pub fn edges_since(&self, since_unix_secs: u64) -> Vec<(Edge, EdgeStats)> {
        let mut out = Vec::new();
        for edge in self.graph.edge_references() {
            let mut stats = EdgeStats::default();
            for minute in edge.weight().minutes.iter().filter(|m| m.start_unix_secs >= since_unix_secs) {
                stats.merge(&minute.stats);
            }
            if stats.requests > 0 {
                let (source, target) = (self.graph[edge.source()].clone(), self.graph[edge.target()].clone());
                out.push((Edge { source, target, connection: edge.weight().connection }, stats));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }
}

/// The live graph shared by the flusher (writer) and the stream (readers).
pub struct Live {
    graph: Mutex<LiveGraph>,
    /// Bumped on every change; subscribers wait on it.
    generation: watch::Sender<u64>,
    /// Cancelled when the server stops: streams end, so a graceful shutdown
    /// does not wait forever on open connections.
    closed: CancellationToken,
}

impl Default for Live {
    fn default() -> Self {
        Self::new(CancellationToken::new())
    }
}

impl Live {
    pub fn new(closed: CancellationToken) -> Self {
        Self { graph: Mutex::new(LiveGraph::default()), generation: watch::Sender::new(0), closed }
    }

    /// Resolves when the server stops.
    pub async fn closed(&self) {
        self.closed.cancelled().await
    }

    /// The server is stopping.
    pub fn is_closed(&self) -> bool {
        self.closed.is_cancelled()
    }

    fn graph(&self) -> std::sync::MutexGuard<'_, LiveGraph> {
        // A panic while holding the lock cannot leave the graph half-written
        // in a way that matters more than losing live updates would.
        self.graph.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn bump(&self) {
        self.generation.send_modify(|g| *g += 1);
    }

    /// Takes a flush's edge buckets (and the time, to forget what is past
    /// the horizon). Subscribers look again when anything changed, and when
    /// a new minute started (every window slid).
    pub fn apply(&self, buckets: &[EdgeBucket], now_unix_secs: u64) {
        let mut graph = self.graph();
        let forgot = graph.forget_before(now_unix_secs.saturating_sub(HORIZON.as_secs()));
        if !buckets.is_empty() {
            graph.add(buckets);
        }
        let new_minute = std::mem::replace(&mut graph.minute, now_unix_secs / 60) != now_unix_secs / 60;
        drop(graph);
        if forgot || new_minute || !buckets.is_empty() {
            self.bump();
        }
    }

    pub fn edges_since(&self, since_unix_secs: u64) -> Vec<(Edge, EdgeStats)> {
        self.graph().edges_since(since_unix_secs)
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.generation.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use collector::NodeKind;

    use super::*;

    fn bucket(minute: u64, source: &str, target: &str, requests: u64, latency_ms: u64) -> EdgeBucket {
        let mut stats = EdgeStats::default();
        for _ in 0..requests {
            stats.record(&collector::Call::one(
                false,
                Some(Duration::from_millis(latency_ms)),
                Some(Duration::from_millis(latency_ms / 2)),
            ));
        }
        EdgeBucket {
            bucket_start_unix_secs: minute * 60,
            edge: Edge {
                source: NodeId::service(Arc::from(source)),
                target: NodeId::new(NodeKind::Service, Arc::from(target)),
                connection: ConnectionType::Http,
            },
            stats,
        }
    }

    #[test]
    fn minutes_merge_windows_select_and_the_past_is_forgotten() {
        let mut graph = LiveGraph::default();
        graph.add(&[bucket(10, "a", "b", 2, 10), bucket(11, "a", "b", 3, 100), bucket(11, "b", "c", 1, 5)]);
        graph.add(&[bucket(11, "a", "b", 1, 100), bucket(9, "a", "b", 4, 1)]);

        let all = graph.edges_since(0);
        assert_eq!(
            all.iter().map(|(e, s)| (&*e.source.name, &*e.target.name, s.requests)).collect::<Vec<_>>(),
            [("a", "b", 10), ("b", "c", 1)]
        );
        let recent = graph.edges_since(11 * 60);
        let (_, ab) = &recent[0];
        assert_eq!(ab.requests, 4);
        // Latency merges within the histogram's precision.
        assert!((99.0..=101.0).contains(&ab.quantile_ms(0.5)), "{}", ab.quantile_ms(0.5));
        assert!((49.0..=51.0).contains(&ab.server_latency.quantile_ms(0.5)));

        assert!(graph.forget_before(11 * 60));
        assert_eq!(graph.edges_since(0).iter().map(|(_, s)| s.requests).collect::<Vec<_>>(), [4, 1]);
        assert!(graph.forget_before(12 * 60));
        assert!(graph.edges_since(0).is_empty());
        assert_eq!(graph.node_count(), 0, "nodes without edges go too");
        assert!(!graph.forget_before(12 * 60));
    }

    #[tokio::test]
    async fn subscribers_hear_of_changes_but_not_of_nothing() {
        let live = Live::default();
        let mut changes = live.subscribe();
        live.apply(&[], 0);
        assert!(!changes.has_changed().unwrap());
        live.apply(&[bucket(1, "a", "b", 1, 1)], 120);
        assert!(changes.has_changed().unwrap());
        changes.mark_unchanged();
        live.apply(&[], 120 + HORIZON.as_secs());
        assert!(changes.has_changed().unwrap(), "the minute left the horizon");
        assert!(live.edges_since(0).is_empty());
    }
}
