//! 1,000 SLOs over 28 days of stored series, on SQLite:
//!
//! 1. In this process (the library): an evaluation pass, the first after a
//!    start (counting back six hours of minute buckets) and steady ones
//!    (the last ten minutes), each judging every objective's 28-day window
//!    and seven burn windows.
//! 2. Through the `meridian` binary on the same database (core 0; reads from
//!    core 1): `GET /api/v1/slos` once the first pass is done.
//!
//!     cargo bench -p server --bench slo_scale
//!
//! Figures go in BENCHMARKS.md.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use collector::{Drained, OperationBucket, Outcome, RedStats, ServiceBucket};
use server::catalog::CatalogService;
use server::slos::SloService;
use server::slos::series::Series;
use server::store::Store;
use slo::{Counts, HourCounts};
use support::Meridian;

const SLOS: usize = 1_000;
const DAYS: u64 = 28;
const READS: usize = 50;

fn catalog(dir: &std::path::Path) {
    let mut components = String::new();
    let mut slos = String::new();
    for i in 0..SLOS {
        components.push_str(&format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: svc-{i}}}\nspec: {{type: service, lifecycle: production, owner: team}}\n---\n"
        ));
        // Six in ten availability of a service, two an operation's, two latency.
        let (indicator, objective) = match i % 5 {
            0..=2 => (
                format!(
                    "ratioMetric:\n        good: {{metricSource: {{type: meridian, spec: {{service: svc-{i}, status: not-5xx}}}}}}\n        total: {{metricSource: {{type: meridian, spec: {{service: svc-{i}}}}}}}"
                ),
                "{target: 0.999}".to_string(),
            ),
            3 => (
                format!(
                    "ratioMetric:\n        good: {{metricSource: {{type: meridian, spec: {{service: svc-{i}, operation: GET /items, status: ok}}}}}}\n        total: {{metricSource: {{type: meridian, spec: {{service: svc-{i}, operation: GET /items}}}}}}"
                ),
                "{target: 0.99}".to_string(),
            ),
            _ => (
                format!("thresholdMetric:\n        metricSource: {{type: meridian, spec: {{service: svc-{i}, measure: latency}}}}"),
                "{op: lte, value: 250, target: 0.95}".to_string(),
            ),
        };
        slos.push_str(&format!(
            "apiVersion: openslo/v1\nkind: SLO\nmetadata: {{name: slo-{i}}}\nspec:\n  service: svc-{i}\n  budgetingMethod: Occurrences\n  indicator:\n    spec:\n      {indicator}\n  timeWindow: [{{duration: {DAYS}d, isRolling: true}}]\n  objectives: [{objective}]\n---\n"
        ));
    }
    std::fs::write(dir.join("catalog-info.yaml"), components).expect("write catalog");
    std::fs::write(dir.join("slos.yaml"), slos).expect("write SLOs");
}

/// 28 days of every series, a minute at a time (a few bad events in some
/// minutes), and six hours of service and operation minutes.
async fn fill(store: &Store, slos: &[Arc<slo::Slo>], now: u64) {
    let started = Instant::now();
    let end_hour = now - now % 3600;
    let hours: Vec<u64> = (0..DAYS * 24 + 1).map(|h| end_hour - h * 3600).collect();
    let mut rows = Vec::new();
    for (n, slo) in slos.iter().enumerate() {
        let key = Series::of(slo, &slo.objectives[0]).key();
        for &hour in &hours {
            let mut counts = HourCounts::new(hour);
            for minute in 0..60u64 {
                let total = 50 + (n as u64 + minute) % 50;
                let bad = u64::from((n as u64 + minute + hour / 3600).is_multiple_of(97)) * 3;
                counts.set(hour + minute * 60, Counts::new(total - bad, total));
            }
            rows.push((key.clone(), counts));
        }
        if rows.len() >= 20_000 {
            store.put_slo_hours(&rows).await.expect("write series");
            rows.clear();
        }
    }
    store.put_slo_hours(&rows).await.expect("write series");
    let mut drained = Drained::default();
    for minute in ((now - 6 * 3600)..now).step_by(60) {
        let minute = minute - minute % 60;
        for i in 0..SLOS {
            let mut stats = RedStats::default();
            for k in 0..60u64 {
                stats.record(Outcome { error: k == 0, server_error: k == 0, ..Outcome::default() }, Duration::from_millis(20 + k * 5), 1);
            }
            let service: Arc<str> = Arc::from(format!("svc-{i}"));
            if i % 5 == 3 {
                drained.operations.push(OperationBucket {
                    bucket_start_unix_secs: minute,
                    service: service.clone(),
                    operation: Arc::from("GET /items"),
                    stats: stats.clone(),
                });
            }
            drained.services.push(ServiceBucket { bucket_start_unix_secs: minute, service, stats });
        }
        if drained.services.len() >= 50_000 {
            store.write_drained(&drained).await.expect("write minutes");
            drained = Drained::default();
        }
    }
    store.write_drained(&drained).await.expect("write minutes");
    println!("filled {} series × {} hours and 6 h of minutes in {:.1} s", slos.len(), hours.len(), started.elapsed().as_secs_f64());
}

fn percentile(times: &mut [f64], p: usize) -> f64 {
    times.sort_by(f64::total_cmp);
    times[(times.len() * p / 100).min(times.len() - 1)]
}

fn main() {
    support::on_core_one(|pinned| async move {
        let dir = tempfile::tempdir().expect("temp dir");
        let catalog_dir = dir.path().join("catalog");
        std::fs::create_dir(&catalog_dir).expect("catalog dir");
        catalog(&catalog_dir);
        let database = format!("sqlite://{}/slo.db", dir.path().display());
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();

        let store = Store::connect(&database).await.expect("store");
        let catalog =
            Arc::new(CatalogService::open(store.clone(), vec![catalog_dir.clone()], Arc::new(catalog::NoUrls)).await.expect("catalog"));
        catalog.reload().await.expect("load");
        let slos = catalog.slos();
        assert_eq!(slos.len(), SLOS, "every SLO read");
        fill(&store, &slos, now).await;

        let service = SloService::new(store.clone(), catalog.clone(), None);
        let started = Instant::now();
        service.evaluate(now).await.expect("first pass");
        let first = started.elapsed().as_secs_f64() * 1000.0;
        let mut steady = Vec::new();
        for pass in 1..=10u64 {
            let started = Instant::now();
            service.evaluate(now + pass * 60).await.expect("pass");
            steady.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let snapshot = service.snapshot();
        assert_eq!(snapshot.objectives.len(), SLOS);
        assert!(snapshot.objectives.iter().all(|o| o.counts.total > 0), "every window has events");
        println!(
            "evaluation of {SLOS} SLOs over {DAYS} d (load core, pinned: {pinned}): first pass after a start {first:.0} ms; steady pass p50 {:.0} ms, max {:.0} ms",
            percentile(&mut steady.clone(), 50),
            percentile(&mut steady, 100)
        );
        store.close().await;

        let meridian = Meridian::spawn(&database, Some(0), &["--catalog", &catalog_dir.display().to_string()]);
        let client = reqwest::Client::new();
        meridian.ready(&client).await;
        let url = format!("{}/api/v1/slos", meridian.base);
        for _ in 0..600 {
            let body: serde_json::Value = client.get(&url).send().await.expect("GET").json().await.expect("JSON");
            if body["items"].as_array().is_some_and(|items| items.len() == SLOS) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let (mut times, mut bytes) = (Vec::new(), 0);
        for _ in 0..READS {
            let started = Instant::now();
            let body = client.get(&url).send().await.expect("GET").bytes().await.expect("body");
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            bytes = body.len();
        }
        println!(
            "GET /api/v1/slos ({SLOS} items, {:.1} MB): p50 {:.1} ms, p95 {:.1} ms; server peak RSS {:.0} MiB",
            bytes as f64 / 1e6,
            percentile(&mut times.clone(), 50),
            percentile(&mut times, 95),
            meridian.peak_rss_mib()
        );
    });
}
