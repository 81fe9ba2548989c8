//! From the collector pipeline into the store: drains the engine on a timer
//! and writes its buckets in one transaction. A failed write keeps the
//! buckets for the next attempt (bounded), so a database hiccup loses nothing.

use std::sync::Arc;
use std::time::Duration;

use collector::{EdgeBucket, Pipeline};
use tokio_util::sync::CancellationToken;

use crate::store::Store;

/// At most this many buckets wait for a database that keeps failing.
const MAX_UNWRITTEN: usize = 100_000;

pub async fn run_flusher(pipeline: Arc<Pipeline>, store: Store, interval: Duration, shutdown: CancellationToken) {
    let mut unwritten: Vec<EdgeBucket> = Vec::new();
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let stopping = tokio::select! {
            _ = ticker.tick() => false,
            _ = shutdown.cancelled() => true,
        };
        unwritten.extend(pipeline.drain());
        if !unwritten.is_empty() {
            match store.write_edge_buckets(&unwritten).await {
                Ok(()) => unwritten.clear(),
                Err(error) => {
                    tracing::warn!("cannot write {} edge buckets, will retry: {error:#}", unwritten.len());
                    if unwritten.len() > MAX_UNWRITTEN {
                        let dropped = unwritten.len() - MAX_UNWRITTEN;
                        unwritten.drain(..dropped);
                        tracing::error!("dropped the {dropped} oldest edge buckets: the database has been failing for too long");
                    }
                }
            }
        }
        if stopping {
            return;
        }
    }
}
