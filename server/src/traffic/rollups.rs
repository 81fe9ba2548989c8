//! Rolls complete ten minutes, hours and days of observed traffic up into
//! blocks of their own (`store::buckets`) and applies retention, every five
//! minutes, on the leading replica. Should two run it at once (leadership
//! changing hands), the store still claims each range once
//! ([`crate::store::Store::roll_up`]).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::store::{Leadership, Store};
use crate::unix_seconds;

/// How long minute blocks are kept by default (older stretches of a window read coarser blocks).
pub const DEFAULT_MINUTE_RETENTION: Duration = Duration::from_secs(48 * 3600);
/// How long ten-minute blocks are kept at most (a week's window starts at
/// ten minutes); never less than minutes, never more than hours.
pub const TEN_MINUTE_RETENTION: Duration = Duration::from_secs(7 * 86_400);
/// How long hour and day blocks are kept by default.
pub const DEFAULT_HOUR_RETENTION: Duration = Duration::from_secs(90 * 86_400);

/// Ten minutes are rolled up this long after they end, so spans that arrive late
/// (pairing window, exporters' batching, flushes) are in it.
const ROLLUP_GRACE: Duration = Duration::from_secs(10 * 60);
const ROLLUP_EVERY: Duration = Duration::from_secs(5 * 60);

/// How long observed traffic is kept: minute blocks, then hour and day blocks.
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
        let keep_tens = TEN_MINUTE_RETENTION.clamp(retention.minutes, retention.hours.max(retention.minutes));
        let keep = [retention.minutes, keep_tens, retention.hours].map(seconds);
        match store.roll_up(unix_seconds(), seconds(ROLLUP_GRACE), keep).await {
            Ok(report) if report.hours > 0 || report.deleted_rows > 0 => {
                tracing::info!("traffic roll-up: {} hours merged, {} blocks deleted or compacted", report.hours, report.deleted_rows);
            }
            Ok(_) => {}
            Err(error) => tracing::warn!("traffic roll-up failed, will retry: {error}"),
        }
    }
}
