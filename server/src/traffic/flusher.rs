//! From the collector pipeline into the store: drains the engine on a timer,
//! hands its edges to the live graph, and writes what it aggregated (edges,
//! services, operations, operations' callers, deploys, versions seen) in one transaction. A
//! failed write keeps it for the next attempt (bounded), so a database
//! hiccup loses nothing.

use std::sync::Arc;
use std::time::Duration;

use collector::{Drained, Pipeline};
use tokio_util::sync::CancellationToken;

use super::live::{HORIZON, Live};
use crate::store::{Store, StoreError};
use crate::unix_seconds;

/// How often the engine is drained into the store by default.
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// At most this many buckets of each sort wait for a database that keeps failing.
const MAX_UNWRITTEN: usize = 100_000;
/// Past this many, exports are refused (503 + Retry-After / UNAVAILABLE +
/// RetryInfo) until the database takes them: exporters keep their data
/// instead of Meridian dropping the oldest.
const BACKLOG: usize = MAX_UNWRITTEN / 2;

/// Drops the oldest buckets beyond [`MAX_UNWRITTEN`] of each sort (deploys,
/// a handful, are always kept); returns how many went.
fn bound(unwritten: &mut Drained) -> usize {
    fn front<T>(rows: &mut Vec<T>) -> usize {
        let excess = rows.len().saturating_sub(MAX_UNWRITTEN);
        rows.drain(..excess);
        excess
    }
    front(&mut unwritten.edges) + front(&mut unwritten.services) + front(&mut unwritten.operations) + front(&mut unwritten.callers)
}

/// Fills the live graph with the last hour of stored minutes and tells the
/// engine which service versions ran before (so a restart neither forgets
/// the graph nor takes a known version for a deploy). A minute at a time:
/// a large organisation's hour of buckets at once would double the
/// server's peak memory at start.
pub async fn restore(pipeline: &Pipeline, live: &Live, store: &Store) -> Result<(), StoreError> {
    let now = unix_seconds().max(0);
    let mut restored = 0;
    let first = (now - HORIZON.as_secs() as i64).div_euclid(60) * 60;
    for minute in (first..=now).step_by(60) {
        let buckets = store.edge_minutes(minute, minute + 60).await?;
        restored += buckets.len();
        live.apply(&buckets, now as u64);
    }
    let versions = store.service_versions().await?;
    tracing::info!("restored {restored} edge minutes and {} service versions", versions.len());
    for version in versions {
        pipeline.seed_version(version);
    }
    Ok(())
}

pub async fn run_flusher(pipeline: Arc<Pipeline>, live: Arc<Live>, store: Store, interval: Duration, shutdown: CancellationToken) {
    let mut unwritten = Drained::default();
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let stopping = tokio::select! {
            _ = ticker.tick() => false,
            _ = shutdown.cancelled() => true,
        };
        let drained = pipeline.drain();
        live.apply(&drained.edges, unix_seconds().max(0) as u64);
        unwritten.append(drained);
        if !unwritten.is_empty() {
            match store.write_drained(&unwritten).await {
                Ok(()) => {
                    unwritten = Drained::default();
                    pipeline.admission().set_backlogged(false);
                }
                Err(error) => {
                    let waiting = [unwritten.edges.len(), unwritten.services.len(), unwritten.operations.len(), unwritten.callers.len()];
                    if waiting.iter().any(|n| *n >= BACKLOG) {
                        tracing::warn!("{BACKLOG} or more buckets wait for the database: exports are refused until it takes them");
                        pipeline.admission().set_backlogged(true);
                    }
                    tracing::warn!("cannot write {} edge buckets, will retry: {error}", unwritten.edges.len());
                    let dropped = bound(&mut unwritten);
                    if dropped > 0 {
                        tracing::error!("dropped the {dropped} oldest buckets: the database has been failing for too long");
                    }
                }
            }
        }
        if stopping {
            return;
        }
    }
}
