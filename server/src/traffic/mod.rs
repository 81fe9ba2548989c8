//! Observed traffic on its way from the collector's pipeline to where it is
//! read:
//!
//! - [`flusher`]: drains the engine on a timer into the store (a failed
//!   write is retried, bounded) and into the live graph; restores both at start;
//! - [`live`]: the last hour of the graph in memory (petgraph), behind the
//!   server-sent event stream;
//! - [`rollups`]: complete hours merged from minutes, and retention.
//!
//! This room never reads the catalog and speaks no HTTP; it writes the store
//! and reads it only to restore at start.

pub mod flusher;
pub mod live;
pub mod rollups;

pub use flusher::{DEFAULT_FLUSH_INTERVAL, restore, run_flusher};

use collector::receiver::cpu::CpuMeter;

/// The CPU the ingest takes, apart from reads (`/metrics`): the OTLP
/// receivers' connections and HTTP/2 streams (decoding, pairing,
/// aggregating), and the flusher (writing the store).
#[derive(Clone, Default)]
pub struct IngestCpu {
    pub receivers: CpuMeter,
    pub flusher: CpuMeter,
}
pub use live::{HORIZON, Live};
pub use rollups::{Retention, run_rollups};
