//! An organisation's whole day, and its month: the 2,000-service,
//! 10,000-edge organisation (`synthetic::organisation`, 20 routes
//! per service) at one call per edge per minute, stored as the server
//! stores it, then read through a real Meridian (the `meridian` binary of
//! this build, on core 0; reads from this process, on core 1).
//!
//! The store is filled directly, minute by minute of simulated time ending
//! now, so days of traffic take minutes to write: one minute of the
//! organisation is aggregated once by the collector's pipeline, then
//! written for every minute of the last `ORG_DAY_MINUTE_HOURS` hours
//! (default 48) and, before them, one minute per hour for
//! `ORG_DAY_HOUR_DAYS` days (default 30: each hour then holds as many rows
//! as a full hour would), rolled up hour by hour as the server does.
//!
//! Measured: bytes on disk per edge-minute (every family of a call: edge,
//! service, operation, caller) and per edge-hour; `GET /api/v1/graph` p50
//! and p95 for 15m, 1h, 6h, 24h, 7d and 30d; one service's operations and
//! consumers over 24h; the entity, Graph and catalog pages (the services
//! are catalogued as components); the server's RSS while four graph reads
//! run at once.
//!
//!     cargo bench -p server --bench org_day
//!     ORG_DAY_MINUTE_HOURS=6 ORG_DAY_HOUR_DAYS=7 cargo bench -p server --bench org_day
//!     ORG_DAY_DATABASE_URL=postgres://... cargo bench -p server --bench org_day
//!     ORG_DAY_SERVER_UNPINNED=1 cargo bench -p server --bench org_day   # the server on both cores
//!
//! Figures go in BENCHMARKS.md.

mod support;

use std::time::{Duration, Instant};

use collector::Drained;
use server::store::Store;
use support::Meridian;
use synthetic::organisation::Organisation;

const ORGANISATION: Organisation = Organisation { services: 2_000, edges: 10_000, operations: 20 };
const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

fn env_or(name: &str, default: i64) -> i64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One minute of the organisation, aggregated by the collector's pipeline.
fn one_minute(start_unix_secs: i64) -> Drained {
    let pipeline = collector::Pipeline::new(collector::EngineConfig::default());
    for request in ORGANISATION.requests(1, 1_000, start_unix_secs as u64 * 1_000_000_000) {
        pipeline.export(&request);
    }
    let drained = pipeline.drain();
    assert_eq!(drained.edges.len(), ORGANISATION.edges, "one bucket per edge");
    drained
}

/// `template` moved to the minute starting at `start`.
fn at_minute(template: &Drained, start: i64) -> Drained {
    let mut minute = Drained {
        edges: template.edges.clone(),
        services: template.services.clone(),
        operations: template.operations.clone(),
        callers: template.callers.clone(),
        ..Default::default()
    };
    let start = start as u64;
    minute.edges.iter_mut().for_each(|b| b.bucket_start_unix_secs = start);
    minute.services.iter_mut().for_each(|b| b.bucket_start_unix_secs = start);
    minute.operations.iter_mut().for_each(|b| b.bucket_start_unix_secs = start);
    minute.callers.iter_mut().for_each(|b| b.bucket_start_unix_secs = start);
    minute
}

/// Bytes the database holds now: the SQLite file and its WAL, or the
/// PostgreSQL database's size.
async fn database_bytes(url: &str, path: Option<&std::path::Path>) -> u64 {
    match path {
        Some(path) => {
            let size = |p: std::path::PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
            size(path.to_path_buf()) + size(path.with_extension("db-wal"))
        }
        None => {
            let pool = sqlx::AnyPool::connect(url).await.expect("connect for size");
            let row: (i64,) = sqlx::query_as("SELECT pg_database_size(current_database())").fetch_one(&pool).await.expect("size");
            row.0 as u64
        }
    }
}

async fn timed_get(client: &reqwest::Client, url: &str) -> (Duration, usize) {
    let started = Instant::now();
    let response = client.get(url).send().await.expect("GET");
    assert!(response.status().is_success(), "{url} answered {}", response.status());
    let body = response.bytes().await.expect("body");
    (started.elapsed(), body.len())
}

/// p50 and p95 in ms of `reads` GETs of `url`, and the body's size.
async fn percentiles(client: &reqwest::Client, url: &str, reads: usize) -> (f64, f64, usize) {
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..reads {
        let (took, size) = timed_get(client, url).await;
        times.push(took.as_secs_f64() * 1000.0);
        bytes = size;
    }
    times.sort_by(f64::total_cmp);
    (times[reads / 2], times[(reads * 95 / 100).min(reads - 1)], bytes)
}

fn main() {
    support::on_core_one(run);
}

async fn run(pinned: bool) {
    let minute_hours = env_or("ORG_DAY_MINUTE_HOURS", 48);
    let hour_days = env_or("ORG_DAY_HOUR_DAYS", 30);
    let reads = env_or("ORG_DAY_READS", 10) as usize;
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite_path = dir.path().join("org.db");
    let (url, path) = match std::env::var("ORG_DAY_DATABASE_URL") {
        Ok(url) => (url, None),
        Err(_) => (format!("sqlite://{}", sqlite_path.display()), Some(sqlite_path.as_path())),
    };
    let org = ORGANISATION;
    println!(
        "{} services, {} edges, {} routes per service, one call per edge per minute: {minute_hours} h of minutes, \
         {hour_days} d of hours before them; {} (pinned: {pinned})",
        org.services,
        org.edges,
        org.operations,
        if path.is_some() { "SQLite" } else { "PostgreSQL" }
    );

    let now = server::unix_seconds();
    let this_minute = now - now.rem_euclid(MINUTE);
    let minutes_from = this_minute - minute_hours * HOUR;
    let hours_from = minutes_from - minutes_from.rem_euclid(HOUR) - hour_days * DAY;
    let template = one_minute(this_minute);
    let rows_per_minute = template.edges.len() + template.services.len() + template.operations.len() + template.callers.len();
    println!(
        "one minute: {rows_per_minute} buckets ({} edges, {} services, {} operations, {} callers)",
        template.edges.len(),
        template.services.len(),
        template.operations.len(),
        template.callers.len()
    );

    let store = Store::connect(&url).await.expect("store");
    let roll_up = |store: Store, at: i64| async move {
        store.roll_up(at, 600, [2 * DAY, 7 * DAY, 90 * DAY]).await.expect("roll-up");
    };

    // The month of hours: one minute per hour, rolled up as it goes.
    let started = Instant::now();
    let before_hours = database_bytes(&url, path).await;
    let mut hour = hours_from;
    while hour < minutes_from - minutes_from.rem_euclid(HOUR) {
        store.write_drained(&at_minute(&template, hour)).await.expect("write");
        if (hour / HOUR) % 24 == 23 {
            roll_up(store.clone(), hour + HOUR + 600).await;
        }
        hour += HOUR;
    }
    roll_up(store.clone(), minutes_from + 600).await;
    let hours_written = (hour - hours_from) / HOUR;
    let hour_bytes = database_bytes(&url, path).await.saturating_sub(before_hours);
    println!(
        "{hours_written} hours written and rolled up in {:.0} s: {} MB, {:.0} bytes per edge-hour (every family)",
        started.elapsed().as_secs_f64(),
        hour_bytes / 1_000_000,
        hour_bytes as f64 / (hours_written.max(1) * org.edges as i64) as f64
    );

    // The days of minutes, rolled up hour by hour.
    let started = Instant::now();
    let before_minutes = database_bytes(&url, path).await;
    let mut minute = minutes_from;
    let mut last_report = Instant::now();
    while minute <= this_minute {
        store.write_drained(&at_minute(&template, minute)).await.expect("write");
        if minute.rem_euclid(HOUR) == HOUR - MINUTE {
            roll_up(store.clone(), minute + MINUTE + 600).await;
        }
        if last_report.elapsed() > Duration::from_secs(30) {
            let done = (minute - minutes_from) / MINUTE;
            let all = (this_minute - minutes_from) / MINUTE;
            eprintln!("  {done} of {all} minutes written ({:.0} s)", started.elapsed().as_secs_f64());
            last_report = Instant::now();
        }
        minute += MINUTE;
    }
    let minutes_written = (minute - minutes_from) / MINUTE;
    let minute_bytes = database_bytes(&url, path).await.saturating_sub(before_minutes);
    println!(
        "{minutes_written} minutes written in {:.0} s ({:.0} minutes a second): {} MB, {:.0} bytes per edge-minute (every family, \
         hour rows of the rolled-up hours included)",
        started.elapsed().as_secs_f64(),
        minutes_written as f64 / started.elapsed().as_secs_f64(),
        minute_bytes / 1_000_000,
        minute_bytes as f64 / (minutes_written * org.edges as i64) as f64
    );
    store.close().await;

    // The organisation's services as catalog components, for the pages.
    let catalog = dir.path().join("catalog");
    std::fs::create_dir_all(&catalog).expect("catalog folder");
    let components: Vec<String> = (0..org.services)
        .map(|i| {
            let name = synthetic::organisation::service_name(i);
            format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: {name}}}\nspec: {{type: service, lifecycle: production, owner: team-{}}}\n", i % 50)
        })
        .collect();
    std::fs::write(catalog.join("catalog-info.yaml"), components.join("---\n")).expect("catalog file");

    let client = reqwest::Client::builder().timeout(Duration::from_secs(600)).build().expect("client");
    let started = Instant::now();
    let catalog_arg = catalog.display().to_string();
    // Pinned to core 0 unless told otherwise: on both cores, reads and
    // ingest may each have one (this process then shares core 1).
    let server_core = if std::env::var_os("ORG_DAY_SERVER_UNPINNED").is_some() { None } else { Some(0) };
    let meridian = Meridian::spawn(&url, server_core, &["--catalog", &catalog_arg]);
    meridian.ready(&client).await;
    println!("server up in {:.1} s, RSS {:.0} MiB", started.elapsed().as_secs_f64(), meridian.rss_mib());
    for window in ["15m", "1h", "6h", "24h", "7d", "30d"] {
        let url = format!("{}/api/v1/graph?window={window}", meridian.base);
        let (first, _) = timed_get(&client, &url).await;
        let (p50, p95, bytes) = percentiles(&client, &url, reads).await;
        println!(
            "GET /api/v1/graph?window={window}: first {:.0} ms, p50 {p50:.0} ms, p95 {p95:.0} ms, {} KB",
            first.as_secs_f64() * 1000.0,
            bytes / 1024
        );
    }
    let service = synthetic::organisation::service_name(7);
    for (what, path) in [
        ("operations", format!("/api/v1/services/{service}/operations?window=24h")),
        ("graph view focused on one service", format!("/api/v1/graph/view?window=24h&focus=service:{service}")),
    ] {
        let (p50, p95, _) = percentiles(&client, &format!("{}{path}", meridian.base), reads).await;
        println!("{what} ({path}): p50 {p50:.0} ms, p95 {p95:.0} ms");
    }
    // The peak while the four reads run, not the start's (restoring the
    // live graph from the stored minutes) nor an earlier read's.
    println!("server RSS before four reads at once: {:.0} MiB, peak since start {:.0} MiB", meridian.rss_mib(), meridian.peak_rss_mib());
    meridian.reset_peak_rss();
    let started = Instant::now();
    let day_graph = format!("{}/api/v1/graph?window=24h", meridian.base);
    let four: Vec<_> = (0..4).map(|_| timed_get(&client, &day_graph)).collect();
    futures::future::join_all(four).await;
    println!(
        "four 24h graph reads at once: {:.0} ms; server RSS now {:.0} MiB, peak while they ran {:.0} MiB",
        started.elapsed().as_secs_f64() * 1000.0,
        meridian.rss_mib(),
        meridian.peak_rss_mib()
    );
    // Ingest: 50 minutes of the organisation (1,000,000 spans) sent over
    // ten seconds of a fresh minute, alone and then with 1h graph reads
    // running back to back beside it, until the server has counted every
    // span. Both are paced alike so they flush alike: a flush's cost
    // depends on how many keys each second holds, not on the spans. The
    // ingest's CPU is what the server meters for its OTLP listeners and
    // flusher (`meridian_ingest_cpu_seconds_total`), apart from the reads'.
    let hour_graph = format!("{}/api/v1/graph?window=1h", meridian.base);
    for reading in [false, true] {
        let now = server::unix_seconds();
        tokio::time::sleep(Duration::from_secs((MINUTE - now.rem_euclid(MINUTE) + 1) as u64)).await;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reader = reading.then(|| {
            let (client, url, stop) = (client.clone(), hour_graph.clone(), stop.clone());
            tokio::spawn(async move {
                let mut times = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    times.push(timed_get(&client, &url).await.0.as_secs_f64() * 1000.0);
                }
                times
            })
        });
        let received: u64 = meridian.metric(&client, "meridian_spans_received_total").await;
        let receivers_before = receivers_cpu(&meridian, &client).await;
        let ingest_cpu_before = meridian.metric_sum(&client, "meridian_ingest_cpu_seconds_total").await;
        let now_nanos = server::unix_seconds() as u64 * 1_000_000_000;
        let spans = INGEST_ROUNDS as usize * org.edges * 2;
        let cpu_before = meridian.cpu_seconds();
        let faults_before = meridian.minor_faults();
        let started = Instant::now();
        for round in 0..INGEST_ROUNDS {
            tokio::time::sleep_until((started + INGEST_PACE * round as u32).into()).await;
            for request in org.requests(100 + round, 1_000, now_nanos) {
                meridian.export(&client, &request).await;
            }
        }
        while meridian.metric::<u64>(&client, "meridian_spans_received_total").await < received + spans as u64 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The flush after the last span, so the ingest's CPU includes writing it.
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        let took = started.elapsed().as_secs_f64();
        let cpu = meridian.cpu_seconds() - cpu_before;
        let faults = meridian.minor_faults() - faults_before;
        let ingest_cpu = meridian.metric_sum(&client, "meridian_ingest_cpu_seconds_total").await - ingest_cpu_before;
        let receivers = receivers_cpu(&meridian, &client).await - receivers_before;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let reads = match reader {
            Some(reader) => {
                let mut times = reader.await.expect("reader");
                times.sort_by(f64::total_cmp);
                let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
                format!("; {} reads beside it, p50 {:.0} ms, p95 {:.0} ms", times.len(), at(0.5), at(0.95))
            }
            None => String::new(),
        };
        println!(
            "ingest {}: {spans} spans counted in {took:.1} s, server CPU {cpu:.1} s, of it ingest {ingest_cpu:.2} s \
             (receivers {receivers:.2} s, flusher {:.2} s): {:.0} spans per ingest core-second; {faults} page faults{reads}",
            if reading { "with 1h graph reads" } else { "alone" },
            ingest_cpu - receivers,
            spans as f64 / ingest_cpu.max(0.001),
        );
    }

    // Pages last: laying out 10,000 edges takes memory of its own.
    for (what, path) in [
        ("entity page", format!("/catalog/default/component/{service}")),
        ("entity page, dependencies tab", format!("/catalog/default/component/{service}?tab=dependencies")),
        ("Graph page, 1h (10,000 edges laid out)", "/graph?window=1h".to_string()),
        ("catalog page sorted by requests", "/?sort=requests&order=desc".to_string()),
    ] {
        let (p50, p95, bytes) = percentiles(&client, &format!("{}{path}", meridian.base), reads.min(5)).await;
        println!("{what} ({path}): p50 {p50:.0} ms, p95 {p95:.0} ms, {} KB", bytes / 1024);
    }
}

/// The OTLP receivers' part of the ingest CPU.
async fn receivers_cpu(meridian: &Meridian, client: &reqwest::Client) -> f64 {
    meridian.metric(client, "meridian_ingest_cpu_seconds_total{part=\"receivers\"}").await
}

/// Minutes of the organisation the ingest measurement sends (20,000 spans
/// each), one every `INGEST_PACE`.
const INGEST_ROUNDS: u64 = 50;
const INGEST_PACE: Duration = Duration::from_millis(200);
