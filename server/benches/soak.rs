//! A soak: the `meridian` binary of this build (core 0) for half an hour
//! under OTLP at half its measured capacity, catalog edits (a watched file
//! rewritten and an entity registered through the API, in turns) and API
//! reads from several clients (load on core 1). Reports resident memory over
//! time (it must stay flat), errors (there must be none) and read latency.
//!
//!     cargo bench -p server --bench soak
//!     MERIDIAN_SOAK_MINUTES=5 cargo bench -p server --bench soak   # shorter
//!
//! `MERIDIAN_SOAK_SPANS_PER_SEC` sets the rate (default: half of the OTLP/HTTP
//! capacity in BENCHMARKS.md). Figures go in BENCHMARKS.md; not part of
//! `make test`.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use prost::Message;
use support::Meridian;
use synthetic::{export_request, span_count};

/// Half of the 1,731,810 spans/s of OTLP/HTTP in BENCHMARKS.md.
const DEFAULT_SPANS_PER_SEC: u64 = 865_000;
const READERS: usize = 4;
const EXPORTERS: usize = 4;
const PAYLOADS: u64 = 500;
const TOKEN: &str = "soak-token";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn now_nanos() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

#[derive(Default)]
struct Tally {
    spans: AtomicU64,
    export_errors: AtomicU64,
    refused: AtomicU64,
    reads: AtomicU64,
    read_errors: AtomicU64,
    edits: AtomicU64,
    edit_errors: AtomicU64,
}

/// What the readers ask, in turn: the API and the pages people open.
const READS: &[&str] = &[
    "/api/v1/graph?window=15m",
    "/api/v1/graph/view?window=15m&focus=checkout&hops=2",
    "/api/catalog/entities?limit=50",
    "/api/v1/search?q=checkout",
    "/api/v1/services/checkout/operations?window=15m",
    "/api/v1/slos",
    "/api/v1/insights/hotspots?window=1h",
    "/catalog/default/component/checkout",
    "/graph?window=15m",
    "/",
];

fn main() {
    let minutes = env_number("MERIDIAN_SOAK_MINUTES", 30);
    let spans_per_sec = env_number("MERIDIAN_SOAK_SPANS_PER_SEC", DEFAULT_SPANS_PER_SEC);
    let state = tempfile::tempdir().expect("temp dir");
    let catalog = state.path().join("catalog");
    std::fs::create_dir_all(&catalog).expect("catalog folder");
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/catalog");
    for entry in std::fs::read_dir(&demo).expect("demo catalog").flatten() {
        std::fs::copy(entry.path(), catalog.join(entry.file_name())).expect("copy");
    }
    let database = format!("sqlite://{}/soak.db", state.path().display());
    let catalog_arg = catalog.display().to_string();
    let meridian = Meridian::spawn(&database, Some(0), &["--catalog", &catalog_arg, "--api-token", TOKEN]);
    support::on_core_one(|pinned| async move {
        let client = reqwest::Client::builder().pool_max_idle_per_host(32).build().expect("client");
        meridian.ready(&client).await;
        println!(
            "soak: {minutes} min, {spans_per_sec} spans/s target, server on cores {} (load pinned: {pinned})",
            meridian.cpus_allowed()
        );
        let payloads: Arc<Vec<(bytes::Bytes, u64)>> = Arc::new(
            (0..PAYLOADS)
                .map(|i| {
                    let request = export_request(i, 50, now_nanos());
                    (bytes::Bytes::from(request.encode_to_vec()), span_count(&request) as u64)
                })
                .collect(),
        );
        let spans_per_request = payloads.iter().map(|(_, s)| s).sum::<u64>() / PAYLOADS;
        let tally = Arc::new(Tally::default());
        let stop = Arc::new(AtomicBool::new(false));
        let latencies = Arc::new(std::sync::Mutex::new(Vec::<u32>::new()));
        let mut tasks = Vec::new();

        // OTLP at a steady rate: each exporter sends its share every 10 ms.
        let requests_per_tick = (spans_per_sec / spans_per_request / 100 / EXPORTERS as u64).max(1);
        for exporter in 0..EXPORTERS {
            let (client, tally, stop, payloads, url) =
                (client.clone(), tally.clone(), stop.clone(), payloads.clone(), format!("http://{}/v1/traces", meridian.otlp_http));
            tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_millis(10));
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                let mut next = exporter as u64;
                while !stop.load(Ordering::Relaxed) {
                    tick.tick().await;
                    for _ in 0..requests_per_tick {
                        let (body, spans) = &payloads[(next % PAYLOADS) as usize];
                        next += EXPORTERS as u64;
                        match client.post(&url).header("content-type", "application/x-protobuf").body(body.clone()).send().await {
                            Ok(r) if r.status().is_success() => {
                                tally.spans.fetch_add(*spans, Ordering::Relaxed);
                            }
                            Ok(r) if r.status() == 503 => {
                                tally.refused.fetch_add(1, Ordering::Relaxed);
                            }
                            _ => {
                                tally.export_errors.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
            }));
        }
        // Readers.
        for reader in 0..READERS {
            let (client, tally, stop, latencies, base) =
                (client.clone(), tally.clone(), stop.clone(), latencies.clone(), meridian.base.clone());
            tasks.push(tokio::spawn(async move {
                let mut turn = reader;
                while !stop.load(Ordering::Relaxed) {
                    let path = READS[turn % READS.len()];
                    turn += 1;
                    let started = Instant::now();
                    let answered = client.get(format!("{base}{path}")).send().await;
                    let ok = match answered {
                        Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                        _ => false,
                    };
                    latencies.lock().unwrap_or_else(|p| p.into_inner()).push(started.elapsed().as_micros() as u32);
                    tally.reads.fetch_add(1, Ordering::Relaxed);
                    if !ok {
                        tally.read_errors.fetch_add(1, Ordering::Relaxed);
                        eprintln!("read failed: {path}");
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }));
        }
        // Catalog edits every 5 s: a watched file rewritten, an entity registered, in turns.
        {
            let (client, tally, stop, base, catalog) =
                (client.clone(), tally.clone(), stop.clone(), meridian.base.clone(), catalog.clone());
            tasks.push(tokio::spawn(async move {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    n += 1;
                    let descriptor = format!(
                        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: soak-{}\n  description: edit {n}\nspec:\n  type: service\n  lifecycle: experimental\n  owner: team-platform\n",
                        n % 50
                    );
                    let ok = if n.is_multiple_of(2) {
                        std::fs::write(catalog.join("soak.yaml"), &descriptor).is_ok()
                    } else {
                        let response = client
                            .post(format!("{base}/api/v1/entities"))
                            .bearer_auth(TOKEN)
                            .header("content-type", "application/yaml")
                            .body(descriptor.replace("soak-", "soak-api-"))
                            .send()
                            .await;
                        response.is_ok_and(|r| r.status().is_success())
                    };
                    tally.edits.fetch_add(1, Ordering::Relaxed);
                    if !ok {
                        tally.edit_errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }

        // Resident memory every 10 s; the first minute is warm-up.
        let started = Instant::now();
        let mut samples: Vec<(u64, f64)> = Vec::new();
        let mut last_spans = 0;
        while started.elapsed() < Duration::from_secs(minutes * 60) {
            tokio::time::sleep(Duration::from_secs(10)).await;
            let rss = meridian.rss_mib();
            let spans = tally.spans.load(Ordering::Relaxed);
            samples.push((started.elapsed().as_secs(), rss));
            if samples.len().is_multiple_of(6) {
                println!(
                    "{:>5} s  RSS {rss:7.1} MiB  {:>9} spans/s  reads {}  errors {}/{}/{}",
                    started.elapsed().as_secs(),
                    (spans - last_spans) / 60,
                    tally.reads.load(Ordering::Relaxed),
                    tally.export_errors.load(Ordering::Relaxed),
                    tally.read_errors.load(Ordering::Relaxed),
                    tally.edit_errors.load(Ordering::Relaxed),
                );
                last_spans = spans;
            }
        }
        stop.store(true, Ordering::Relaxed);
        for task in tasks {
            let _ = task.await;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let after_warmup: Vec<f64> = samples.iter().filter(|(at, _)| *at >= 60).map(|(_, rss)| *rss).collect();
        let (first, last) = (after_warmup.first().copied().unwrap_or(0.0), after_warmup.last().copied().unwrap_or(0.0));
        let max = after_warmup.iter().copied().fold(0.0, f64::max);
        let mut latencies = latencies.lock().unwrap_or_else(|p| p.into_inner()).clone();
        latencies.sort_unstable();
        let quantile = |q: f64| {
            latencies.get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1))).copied().unwrap_or(0) as f64
                / 1000.0
        };
        println!();
        println!("| figure | value |");
        println!("|---|---|");
        println!("| duration | {:.0} min |", elapsed / 60.0);
        println!(
            "| spans accepted | {} ({:.0}/s) |",
            tally.spans.load(Ordering::Relaxed),
            tally.spans.load(Ordering::Relaxed) as f64 / elapsed
        );
        println!(
            "| exports refused (503, retry) / failed | {} / {} |",
            tally.refused.load(Ordering::Relaxed),
            tally.export_errors.load(Ordering::Relaxed)
        );
        println!("| catalog edits / failed | {} / {} |", tally.edits.load(Ordering::Relaxed), tally.edit_errors.load(Ordering::Relaxed));
        println!("| reads / failed | {} / {} |", tally.reads.load(Ordering::Relaxed), tally.read_errors.load(Ordering::Relaxed));
        println!("| read latency p50 / p99 / max | {:.1} / {:.1} / {:.1} ms |", quantile(0.5), quantile(0.99), quantile(1.0));
        println!("| RSS after 1 min / at the end / highest | {first:.1} / {last:.1} / {max:.1} MiB |");
        println!("| server peak RSS (VmHWM) | {:.1} MiB |", meridian.peak_rss_mib());
        println!(
            "| server CPU | {:.0} core-seconds ({:.0} % of one core) |",
            meridian.cpu_seconds(),
            100.0 * meridian.cpu_seconds() / elapsed
        );
    });
}
