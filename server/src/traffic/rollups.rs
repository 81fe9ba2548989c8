//! Rolls complete hours of minute buckets up into hour buckets and applies
//! retention, every five minutes, on the leading replica. Should two run it
//! at once (leadership changing hands), the store still claims each range
//! once ([`crate::store::Store::roll_up`]).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::store::{Leadership, Store, unix_seconds};

/// How long minute buckets are kept by default (longer windows read hours).
pub const DEFAULT_MINUTE_RETENTION: Duration = Duration::from_secs(48 * 3600);
/// How long hour buckets are kept by default.
pub const DEFAULT_HOUR_RETENTION: Duration = Duration::from_secs(90 * 86_400);

/// An hour is rolled up this long after it ends, so spans that arrive late
/// (pairing window, exporters' batching, flushes) are in it.
const ROLLUP_GRACE: Duration = Duration::from_secs(10 * 60);
const ROLLUP_EVERY: Duration = Duration::from_secs(5 * 60);

/// How long observed traffic is kept: minute buckets, then hour buckets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    pub minutes: Duration,
    pub hours: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Self { minutes: DEFAULT_MINUTE_RETENTION, hours: DEFAULT_HOUR_RETENTION }
    }
}

pub async fn run_rollups(store: Store, retention: Retention, leadership: Leadership, shutdown: CancellationToken) {
    let mut ticker = tokio::time::interval(ROLLUP_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = shutdown.cancelled() => return,
        }
        if !leadership.is_leading() {
            continue;
        }
        let seconds = |d: Duration| d.as_secs() as i64;
        match store.roll_up(unix_seconds(), seconds(ROLLUP_GRACE), seconds(retention.minutes), seconds(retention.hours)).await {
            Ok(report) if report.hours > 0 || report.deleted_rows > 0 => {
                tracing::info!("traffic roll-up: {} hours merged, {} old rows deleted", report.hours, report.deleted_rows);
            }
            Ok(_) => {}
            Err(error) => tracing::warn!("traffic roll-up failed, will retry: {error}"),
        }
    }
}
