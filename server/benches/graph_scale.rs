//! The observed graph at organisation scale and under hostile cardinality,
//! through a real Meridian (the `meridian` binary of this build, on core 0;
//! load and reads from this process, on core 1), on SQLite.
//!
//! 1. An organisation of 2,000 services and 10,000 distinct edges
//!    (`synthetic::organisation`), one call per edge, sent once
//!    over OTLP/HTTP: the server's peak memory while that minute is
//!    aggregated and flushed, then `GET /api/v1/graph?window=15m` (alone,
//!    and four at once).
//! 2. The same calls two hours ago, aggregated here and rolled up into hour
//!    buckets through the store before the server starts:
//!    `GET /api/v1/graph?window=7d`, answered from hour buckets.
//! 3. A client naming a different peer in every span: 100 requests of 1,000
//!    CLIENT spans: peak memory, and the graph read after.
//!
//!     cargo bench -p server --bench graph_scale
//!
//! Figures go in BENCHMARKS.md.

mod support;

use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use serde_json::Value;
use support::Meridian;
use synthetic::organisation::{Organisation, random_peers};

const ORGANISATION: Organisation = Organisation { services: 2_000, edges: 10_000, operations: 20 };
const READS: usize = 20;

fn now_nanos() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

async fn send(client: &reqwest::Client, meridian: &Meridian, requests: &[ExportTraceServiceRequest]) -> Duration {
    let started = Instant::now();
    for request in requests {
        meridian.export(client, request).await;
    }
    started.elapsed()
}

async fn graph(client: &reqwest::Client, meridian: &Meridian, window: &str) -> (Value, usize, Duration) {
    let started = Instant::now();
    let response = client.get(format!("{}/api/v1/graph?window={window}", meridian.base)).send().await.expect("GET graph");
    assert!(response.status().is_success(), "graph answered {}", response.status());
    let body = response.bytes().await.expect("graph body");
    let took = started.elapsed();
    (serde_json::from_slice(&body).expect("graph JSON"), body.len(), took)
}

fn edges(view: &Value) -> usize {
    view["edges"].as_array().map_or(0, Vec::len)
}

/// Polls the graph until it has at least `expected` edges (flushes are asynchronous).
async fn wait_for_edges(client: &reqwest::Client, meridian: &Meridian, window: &str, expected: usize) {
    for _ in 0..600 {
        if edges(&graph(client, meridian, window).await.0) >= expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the graph did not reach {expected} edges over {window}");
}

/// p50 and p95 of `READS` reads of the graph over `window`, and the body size.
async fn reads(client: &reqwest::Client, meridian: &Meridian, window: &str) -> (f64, f64, usize) {
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..READS {
        let (_, size, took) = graph(client, meridian, window).await;
        times.push(took.as_secs_f64() * 1000.0);
        bytes = size;
    }
    times.sort_by(f64::total_cmp);
    (times[READS / 2], times[READS * 95 / 100], bytes)
}

fn main() {
    support::on_core_one(run);
}

async fn run(pinned: bool) {
    let client = reqwest::Client::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let org = ORGANISATION;
    println!(
        "{} services, {} edges, {} routes per service; server on core 0, load on core 1 (pinned: {pinned})",
        org.services, org.edges, org.operations
    );

    // 1. One minute of an organisation's calls.
    let meridian = Meridian::spawn(&format!("sqlite://{}/now.db", dir.path().display()), Some(0), &[]);
    meridian.ready(&client).await;
    let idle = meridian.rss_mib();
    let requests = org.requests(1, 1_000, now_nanos());
    let sent = send(&client, &meridian, &requests).await;
    wait_for_edges(&client, &meridian, "15m", org.edges).await;
    println!(
        "organisation minute: {} requests sent in {:.1} s; server RSS idle {idle:.0} MiB, peak {:.0} MiB",
        requests.len(),
        sent.as_secs_f64(),
        meridian.peak_rss_mib()
    );
    let (p50, p95, bytes) = reads(&client, &meridian, "15m").await;
    println!("GET /api/v1/graph?window=15m: p50 {p50:.0} ms, p95 {p95:.0} ms, {} KB", bytes / 1024);
    let started = Instant::now();
    let four: Vec<_> = (0..4).map(|_| graph(&client, &meridian, "15m")).collect();
    futures::future::join_all(four).await;
    println!("four at once: {:.0} ms; server peak RSS {:.0} MiB", started.elapsed().as_secs_f64() * 1000.0, meridian.peak_rss_mib());
    drop(meridian);

    // 2. The same calls two hours ago, in hour buckets. A server takes spans
    // over ten minutes late for an hour it has rolled up as lost, so the
    // hours are written through the store before it starts.
    let database = format!("sqlite://{}/hours.db", dir.path().display());
    let two_hours_ago = now_nanos() - 2 * 3600 * 1_000_000_000;
    let pipeline = collector::Pipeline::new(collector::EngineConfig::default());
    for request in org.requests(2, 1_000, two_hours_ago) {
        pipeline.export(&request);
    }
    let store = server::store::Store::connect(&database).await.expect("store");
    store.write_drained(&pipeline.drain()).await.expect("minutes written");
    let day = 86_400;
    let rolled = store.roll_up(server::unix_seconds(), 600, [2 * day, 7 * day, 90 * day]).await.expect("roll-up");
    assert!(rolled.hours > 0, "{rolled:?}");
    store.close().await;
    let meridian = Meridian::spawn(&database, Some(0), &[]);
    meridian.ready(&client).await;
    wait_for_edges(&client, &meridian, "7d", org.edges).await;
    let (p50, p95, bytes) = reads(&client, &meridian, "7d").await;
    println!("GET /api/v1/graph?window=7d (hour buckets): p50 {p50:.0} ms, p95 {p95:.0} ms, {} KB", bytes / 1024);
    drop(meridian);

    // 3. A client with a new peer in every span.
    let meridian = Meridian::spawn(&format!("sqlite://{}/burst.db", dir.path().display()), Some(0), &["--pairing-window-ms", "1000"]);
    meridian.ready(&client).await;
    let burst = random_peers("noisy", 100, 1_000, now_nanos());
    let bytes: usize = burst.iter().map(Message::encoded_len).sum();
    let sent = send(&client, &meridian, &burst).await;
    // The calls become edges once the pairing window passes and a flush writes them.
    let visible = Instant::now();
    let calls = loop {
        let (view, _, _) = graph(&client, &meridian, "15m").await;
        let calls: u64 = view["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["source"] == "service:noisy")
            .map(|e| e["requests"].as_u64().unwrap_or(0))
            .sum();
        if calls >= 100_000 || visible.elapsed() > Duration::from_secs(300) {
            break calls;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let visible = visible.elapsed();
    let (p50, p95, size) = reads(&client, &meridian, "15m").await;
    let (view, _, _) = graph(&client, &meridian, "15m").await;
    let overflow = view["nodes"].as_array().into_iter().flatten().any(|n| n["id"] == "external:(other)");
    println!(
        "random-peer burst: 100 × 1,000 spans ({} MB) sent in {:.1} s; {calls} calls in the graph after {:.1} s; server peak RSS {:.0} MiB",
        bytes / 1_000_000,
        sent.as_secs_f64(),
        visible.as_secs_f64(),
        meridian.peak_rss_mib(),
    );
    println!(
        "  then GET /api/v1/graph?window=15m: p50 {p50:.0} ms, p95 {p95:.0} ms, {} edges, {} KB; overflow node external:(other) shown: {overflow}",
        edges(&view),
        size / 1024
    );
    let started = Instant::now();
    let four: Vec<_> = (0..4).map(|_| graph(&client, &meridian, "15m")).collect();
    futures::future::join_all(four).await;
    println!("four reads at once: {:.0} ms; server peak RSS {:.0} MiB", started.elapsed().as_secs_f64() * 1000.0, meridian.peak_rss_mib());
}
