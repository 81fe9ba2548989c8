//! The four families of buckets (edges, services, operations, operations'
//! callers): what each one's key is, how its key is written in `series`
//! (a JSON array of its parts) and how its stats are written in a block.
//! A block's body: a format byte, the number of entries, then per entry its
//! series id (as the difference from the previous one: entries are sorted
//! by id) and its stats, every number a varint.

use std::collections::HashSet;
use std::hash::Hash;
use std::sync::Arc;

use collector::{
    CallerBucket, ConnectionType, Edge, EdgeBucket, EdgeStats, Latency, NodeId, NodeKind, OperationBucket, RedStats, ServiceBucket,
};
use prost::encoding::{decode_varint, encode_varint};

use super::Rows;
use crate::store::StoreError;

/// The first byte of every block body written.
const BLOCK_FORMAT: u8 = 1;

/// A caller's counts of one operation (the stats of [`CallerBucket`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CallerCounts {
    pub calls: u64,
    pub errors: u64,
    pub caller_failures: u64,
    pub kept: u64,
}

/// What a block entry holds: merged by adding, written as varints (and
/// sparse latency histograms).
pub(crate) trait BlockStats: Clone + Default {
    fn add(&mut self, other: &Self);
    fn write(&self, out: &mut Vec<u8>);
    fn read(input: &mut &[u8]) -> Result<Self, StoreError>;
    /// Steps over one entry's stats (cheaper than reading them: no histogram is built).
    fn skip(input: &mut &[u8]) -> Result<(), StoreError>;
}

/// One family of buckets and the bucket type a block entry becomes.
pub(crate) trait Family: Sized + 'static {
    /// Its name in `blocks.family` and `series.family`.
    const NAME: &'static str;
    type Key: Eq + Hash + Clone + Send + Sync + 'static;
    type Stats: BlockStats;

    fn start(&self) -> u64;
    fn key(&self) -> Self::Key;
    /// Its stats, as a block holds them.
    fn stats(&self) -> Self::Stats;
    fn assemble(start: u64, key: Self::Key, stats: Self::Stats) -> Self;
    fn key_parts(key: &Self::Key) -> Vec<String>;
    fn key_from_parts(parts: &[String]) -> Option<Self::Key>;
    /// Whether a read of `rows` takes this key.
    fn matches(key: &Self::Key, rows: Rows<'_>) -> bool;
}

pub(crate) fn key_text<F: Family>(key: &F::Key) -> String {
    serde_json::to_string(&F::key_parts(key)).unwrap_or_default()
}

pub(crate) fn key_from_text<F: Family>(text: &str) -> Result<F::Key, StoreError> {
    let parts: Vec<String> = serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("series key `{text}`: {e}")))?;
    F::key_from_parts(&parts).ok_or_else(|| StoreError::Corrupt(format!("series key `{text}` is not a {} key", F::NAME)))
}

pub(crate) fn number(input: &mut &[u8]) -> Result<u64, StoreError> {
    decode_varint(input).map_err(|_| StoreError::Corrupt("truncated block".into()))
}

fn latency(input: &mut &[u8]) -> Result<Latency, StoreError> {
    Latency::read_from(input).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn skip_latency(input: &mut &[u8]) -> Result<(), StoreError> {
    Latency::skip_from(input).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Steps over `n` numbers.
pub(crate) fn skip_numbers(input: &mut &[u8], n: usize) -> Result<(), StoreError> {
    for _ in 0..n {
        number(input)?;
    }
    Ok(())
}

/// A block body of `entries` (sorted by id here).
pub(crate) fn encode_block<S: BlockStats>(mut entries: Vec<(u32, S)>) -> Vec<u8> {
    entries.sort_by_key(|(id, _)| *id);
    let mut body = Vec::with_capacity(2 + entries.len() * 16);
    body.push(BLOCK_FORMAT);
    encode_varint(entries.len() as u64, &mut body);
    let mut previous = 0u32;
    for (id, stats) in &entries {
        encode_varint(u64::from(id - previous), &mut body);
        stats.write(&mut body);
        previous = *id;
    }
    body
}

/// Calls `take` with each entry of a block body (of the `wanted` ids only, if given).
pub(crate) fn decode_block<S: BlockStats>(
    body: &[u8],
    wanted: Option<&HashSet<u32>>,
    mut take: impl FnMut(u32, S),
) -> Result<(), StoreError> {
    let mut input = match body {
        [BLOCK_FORMAT, rest @ ..] => rest,
        _ => return Err(StoreError::Corrupt(format!("unknown block format {:?}", body.first()))),
    };
    let entries = number(&mut input)?;
    let mut id = 0u64;
    for _ in 0..entries {
        id += number(&mut input)?;
        let id = u32::try_from(id).map_err(|_| StoreError::Corrupt(format!("series id {id} out of range")))?;
        if wanted.is_none_or(|w| w.contains(&id)) {
            take(id, S::read(&mut input)?);
        } else {
            S::skip(&mut input)?;
        }
    }
    Ok(())
}

fn node_parts(node: &NodeId) -> [String; 2] {
    [node.kind.as_str().to_string(), node.name.to_string()]
}

fn node(kind: &str, name: &str) -> Option<NodeId> {
    Some(NodeId { kind: NodeKind::parse(kind)?, name: Arc::from(name) })
}

impl BlockStats for EdgeStats {
    fn add(&mut self, other: &Self) {
        self.merge(other)
    }
    fn write(&self, out: &mut Vec<u8>) {
        for n in [self.requests, self.errors, self.caller_failures, self.kept] {
            encode_varint(n, out);
        }
        self.latency.write_to(out);
        self.server_latency.write_to(out);
    }
    fn read(input: &mut &[u8]) -> Result<Self, StoreError> {
        Ok(EdgeStats {
            requests: number(input)?,
            errors: number(input)?,
            caller_failures: number(input)?,
            kept: number(input)?,
            latency: latency(input)?,
            server_latency: latency(input)?,
        })
    }
    fn skip(input: &mut &[u8]) -> Result<(), StoreError> {
        skip_numbers(input, 4)?;
        skip_latency(input)?;
        skip_latency(input)
    }
}

impl BlockStats for RedStats {
    fn add(&mut self, other: &Self) {
        self.merge(other)
    }
    fn write(&self, out: &mut Vec<u8>) {
        for n in [self.requests, self.errors, self.server_errors, self.status_errors, self.kept] {
            encode_varint(n, out);
        }
        self.latency.write_to(out);
    }
    fn read(input: &mut &[u8]) -> Result<Self, StoreError> {
        Ok(RedStats {
            requests: number(input)?,
            errors: number(input)?,
            server_errors: number(input)?,
            status_errors: number(input)?,
            kept: number(input)?,
            latency: latency(input)?,
        })
    }
    fn skip(input: &mut &[u8]) -> Result<(), StoreError> {
        skip_numbers(input, 5)?;
        skip_latency(input)
    }
}

impl BlockStats for CallerCounts {
    fn add(&mut self, other: &Self) {
        self.calls += other.calls;
        self.errors += other.errors;
        self.caller_failures += other.caller_failures;
        self.kept += other.kept;
    }
    fn write(&self, out: &mut Vec<u8>) {
        for n in [self.calls, self.errors, self.caller_failures, self.kept] {
            encode_varint(n, out);
        }
    }
    fn read(input: &mut &[u8]) -> Result<Self, StoreError> {
        Ok(CallerCounts { calls: number(input)?, errors: number(input)?, caller_failures: number(input)?, kept: number(input)? })
    }
    fn skip(input: &mut &[u8]) -> Result<(), StoreError> {
        skip_numbers(input, 4)
    }
}

impl Family for EdgeBucket {
    const NAME: &'static str = "edge";
    type Key = Edge;
    type Stats = EdgeStats;

    fn start(&self) -> u64 {
        self.bucket_start_unix_secs
    }
    fn key(&self) -> Edge {
        self.edge.clone()
    }
    fn stats(&self) -> EdgeStats {
        self.stats.clone()
    }
    fn assemble(start: u64, edge: Edge, stats: EdgeStats) -> Self {
        EdgeBucket { bucket_start_unix_secs: start, edge, stats }
    }
    fn key_parts(edge: &Edge) -> Vec<String> {
        let [source_kind, source_name] = node_parts(&edge.source);
        let [target_kind, target_name] = node_parts(&edge.target);
        vec![source_kind, source_name, target_kind, target_name, edge.connection.as_str().to_string()]
    }
    fn key_from_parts(parts: &[String]) -> Option<Edge> {
        match parts {
            [source_kind, source_name, target_kind, target_name, connection] => Some(Edge {
                source: node(source_kind, source_name)?,
                target: node(target_kind, target_name)?,
                connection: ConnectionType::parse(connection)?,
            }),
            _ => None,
        }
    }
    fn matches(edge: &Edge, rows: Rows<'_>) -> bool {
        match rows {
            Rows::All => true,
            Rows::OfService(service) => edge.target.kind == NodeKind::Service && &*edge.target.name == service,
            Rows::Touching(node) => edge.source == *node || edge.target == *node,
        }
    }
}

impl Family for ServiceBucket {
    const NAME: &'static str = "service";
    type Key = Arc<str>;
    type Stats = RedStats;

    fn start(&self) -> u64 {
        self.bucket_start_unix_secs
    }
    fn key(&self) -> Arc<str> {
        self.service.clone()
    }
    fn stats(&self) -> RedStats {
        self.stats.clone()
    }
    fn assemble(start: u64, service: Arc<str>, stats: RedStats) -> Self {
        ServiceBucket { bucket_start_unix_secs: start, service, stats }
    }
    fn key_parts(service: &Arc<str>) -> Vec<String> {
        vec![service.to_string()]
    }
    fn key_from_parts(parts: &[String]) -> Option<Arc<str>> {
        match parts {
            [service] => Some(Arc::from(service.as_str())),
            _ => None,
        }
    }
    fn matches(service: &Arc<str>, rows: Rows<'_>) -> bool {
        match rows {
            Rows::All => true,
            Rows::OfService(wanted) => &**service == wanted,
            Rows::Touching(_) => false,
        }
    }
}

impl Family for OperationBucket {
    const NAME: &'static str = "operation";
    type Key = (Arc<str>, Arc<str>);
    type Stats = RedStats;

    fn start(&self) -> u64 {
        self.bucket_start_unix_secs
    }
    fn key(&self) -> Self::Key {
        (self.service.clone(), self.operation.clone())
    }
    fn stats(&self) -> RedStats {
        self.stats.clone()
    }
    fn assemble(start: u64, (service, operation): Self::Key, stats: RedStats) -> Self {
        OperationBucket { bucket_start_unix_secs: start, service, operation, stats }
    }
    fn key_parts((service, operation): &Self::Key) -> Vec<String> {
        vec![service.to_string(), operation.to_string()]
    }
    fn key_from_parts(parts: &[String]) -> Option<Self::Key> {
        match parts {
            [service, operation] => Some((Arc::from(service.as_str()), Arc::from(operation.as_str()))),
            _ => None,
        }
    }
    fn matches((service, _): &Self::Key, rows: Rows<'_>) -> bool {
        match rows {
            Rows::All => true,
            Rows::OfService(wanted) => &**service == wanted,
            Rows::Touching(_) => false,
        }
    }
}

impl Family for CallerBucket {
    const NAME: &'static str = "caller";
    type Key = (Arc<str>, Arc<str>, Arc<str>);
    type Stats = CallerCounts;

    fn start(&self) -> u64 {
        self.bucket_start_unix_secs
    }
    fn key(&self) -> Self::Key {
        (self.caller.clone(), self.service.clone(), self.operation.clone())
    }
    fn stats(&self) -> CallerCounts {
        CallerCounts { calls: self.calls, errors: self.errors, caller_failures: self.caller_failures, kept: self.kept }
    }
    fn assemble(start: u64, (caller, service, operation): Self::Key, c: CallerCounts) -> Self {
        CallerBucket {
            bucket_start_unix_secs: start,
            caller,
            service,
            operation,
            calls: c.calls,
            errors: c.errors,
            caller_failures: c.caller_failures,
            kept: c.kept,
        }
    }
    fn key_parts((caller, service, operation): &Self::Key) -> Vec<String> {
        vec![caller.to_string(), service.to_string(), operation.to_string()]
    }
    fn key_from_parts(parts: &[String]) -> Option<Self::Key> {
        match parts {
            [caller, service, operation] => Some((Arc::from(caller.as_str()), Arc::from(service.as_str()), Arc::from(operation.as_str()))),
            _ => None,
        }
    }
    fn matches((_, service, _): &Self::Key, rows: Rows<'_>) -> bool {
        match rows {
            Rows::All => true,
            Rows::OfService(wanted) => &**service == wanted,
            Rows::Touching(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge_stats(requests: u64, latency_us: u64) -> EdgeStats {
        let mut stats = EdgeStats { requests, errors: 1, caller_failures: 2, kept: requests / 2, ..EdgeStats::default() };
        stats.latency.record_n(latency_us, requests);
        stats.server_latency.record_n(latency_us / 2, requests);
        stats
    }

    #[test]
    fn a_block_reads_back_what_was_written_and_sorted_by_id() {
        let mut entries = vec![(900, edge_stats(3, 1_500)), (7, edge_stats(1, 40_000)), (8, edge_stats(1_000_000, 1))];
        let body = encode_block(entries.clone());
        entries.sort_by_key(|(id, _)| *id);
        let mut read = Vec::new();
        decode_block::<EdgeStats>(&body, None, |id, stats| read.push((id, stats))).unwrap();
        assert_eq!(read, entries, "sorted by id on writing");
        assert_eq!(read.iter().map(|(id, _)| *id).collect::<Vec<_>>(), [7, 8, 900]);
        let mut wanted = Vec::new();
        decode_block::<EdgeStats>(&body, Some(&HashSet::from([8, 900])), |id, stats| wanted.push((id, stats))).unwrap();
        assert_eq!(wanted, entries[1..], "the others stepped over");
    }

    #[test]
    fn a_cut_or_unknown_block_is_corrupt_not_a_panic() {
        let body = encode_block(vec![(1, edge_stats(3, 1_500))]);
        for cut in 1..body.len() {
            assert!(matches!(decode_block::<EdgeStats>(&body[..cut], None, |_, _| {}), Err(StoreError::Corrupt(_))), "cut at {cut}");
        }
        assert!(matches!(decode_block::<EdgeStats>(&[9, 0], None, |_, _| {}), Err(StoreError::Corrupt(_))));
        assert!(matches!(decode_block::<EdgeStats>(&[], None, |_, _| {}), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn keys_round_trip_through_their_text() {
        let edge = Edge {
            source: NodeId::service(Arc::from("a \"quoted\" name")),
            target: NodeId { kind: NodeKind::Database, name: Arc::from("orders/db.sqlite") },
            connection: ConnectionType::Http,
        };
        assert_eq!(key_from_text::<EdgeBucket>(&key_text::<EdgeBucket>(&edge)).unwrap(), edge);
        assert!(matches!(key_from_text::<EdgeBucket>("[\"gizmo\",\"a\",\"service\",\"b\",\"http\"]"), Err(StoreError::Corrupt(_))));
        assert!(matches!(key_from_text::<ServiceBucket>("not json"), Err(StoreError::Corrupt(_))));
    }
}
