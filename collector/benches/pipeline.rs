//! The collector's work per core, in process: the bare protobuf decode rate
//! of realistic export requests (the shop of `synthetic`, about
//! 50 spans each) with prost, the rate of the scanner that reads only what
//! the graph needs into span records, and the rate through scan → pair →
//! aggregate of the same payloads in the same run, on one thread. The server
//! benchmark (`cargo bench -p server --bench otlp_ingest`) adds the network.
//!
//!     cargo bench -p collector --bench pipeline
//!
//! Figures go in BENCHMARKS.md.

use std::time::{Duration, Instant};

use collector::otlp::{BodyFormat, Decoder, scan::scan_request};
use collector::{EngineConfig, Pipeline};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use synthetic::{export_request, span_count};

/// Distinct requests cycled through (fresh trace ids in each).
const PAYLOADS: u64 = 2_000;
const RUN: Duration = Duration::from_secs(5);

/// Runs `work` over the payloads, round after round, for about [`RUN`]; spans per second.
fn rate(payloads: &[Vec<u8>], spans_per_round: usize, mut work: impl FnMut(&[u8])) -> f64 {
    let started = Instant::now();
    let mut rounds = 0;
    while started.elapsed() < RUN {
        for payload in payloads {
            work(payload);
        }
        rounds += 1;
    }
    (rounds * spans_per_round) as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let payloads: Vec<Vec<u8>> = (0..PAYLOADS).map(|seed| export_request(seed, 50, start).encode_to_vec()).collect();
    let spans: usize = payloads.iter().map(|p| span_count(&ExportTraceServiceRequest::decode(p.as_slice()).expect("own payload"))).sum();
    let bytes: usize = payloads.iter().map(Vec::len).sum();
    println!("{PAYLOADS} requests, {:.1} spans and {} bytes each", spans as f64 / PAYLOADS as f64, bytes / PAYLOADS as usize);

    let decode = rate(&payloads, spans, |p| {
        std::hint::black_box(ExportTraceServiceRequest::decode(p).expect("own payload"));
    });
    println!("bare protobuf decode (prost):     {:>10.0} spans/s", decode);

    let mut decoder = Decoder::default();
    let mut records = Vec::new();
    let scanned = rate(&payloads, spans, |p| {
        records.clear();
        std::hint::black_box(scan_request(p, &mut decoder, &mut records).expect("own payload"));
    });
    println!("scan into span records:           {:>10.0} spans/s ({:.2}× bare decode)", scanned, scanned / decode);

    let pipeline = Pipeline::new(EngineConfig::default());
    let mut last_drain = Instant::now();
    let full = rate(&payloads, spans, |p| {
        std::hint::black_box(pipeline.export_body(p, BodyFormat::Protobuf, false, usize::MAX).expect("own payload"));
        // As the server does: drain once a second.
        if last_drain.elapsed() >= Duration::from_secs(1) {
            std::hint::black_box(pipeline.drain());
            last_drain = Instant::now();
        }
    });
    let counters = pipeline.counters();
    println!("scan → pair → aggregate:          {:>10.0} spans/s ({:.2}× bare decode)", full, full / decode);
    println!("  paired {} of {} spans, {} pending, {} evicted", counters.paired, counters.spans, pipeline.pending(), counters.evicted);
}
