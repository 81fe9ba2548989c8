//! What every fuzz target does with its input: decode it as an OTLP/HTTP
//! body would be, and when that succeeds, run it through the pipeline (span
//! translation, pairing, aggregation, draining) as the server would. Any
//! panic on the way is a bug: no input may bring the server down.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use collector::otlp::BodyFormat;
use collector::{EngineConfig, Pipeline};

/// One pipeline across inputs, so state left by one input meets the next.
static PIPELINE: LazyLock<Pipeline> = LazyLock::new(|| Pipeline::new(EngineConfig { max_pending: 1_000, ..EngineConfig::default() }));
static RUNS: AtomicU64 = AtomicU64::new(0);

/// The server's default body limit is 16 MiB; smaller here so gzip bombs stay quick.
const MAX_BODY_BYTES: usize = 1 << 20;

pub fn run(data: &[u8], format: BodyFormat, gzip: bool) {
    let Ok(outcome) = PIPELINE.export_body(data, format, gzip, MAX_BODY_BYTES) else {
        return;
    };
    let _ = outcome.into_response();
    if RUNS.fetch_add(1, Ordering::Relaxed) % 64 == 0 {
        let _ = PIPELINE.drain();
    }
}
