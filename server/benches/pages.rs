//! Server-rendered pages on the demo data: a release `meridian serve` with
//! the demo catalog, fed by the real demo fleet (`meridian-demo fleet`,
//! built here in release) for a minute; then p50 and p95 of each page's
//! full HTML over 50 requests, one at a time. The catalog table at 50,000
//! entities is measured by the `catalog_scale` benchmark.
//!
//!     cargo bench -p server --bench pages
//!
//! Figures go in BENCHMARKS.md.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::Meridian;

const REQUESTS: usize = 50;
const TRAFFIC: Duration = Duration::from_secs(60);

const PAGES: &[&str] = &[
    "/",
    "/?sort=requests&order=desc",
    "/catalog/default/component/catalog",
    "/graph?window=15m",
    "/graph?window=15m&group=owner",
    "/graph?window=15m&selected=service%3Acatalog",
    "/teams",
    "/teams/default/team-storefront",
    "/apis",
    "/apis/default/storefront-api",
    "/slos",
    "/deploys",
    "/insights",
];

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let built = Command::new(env!("CARGO"))
        .args(["build", "--release", "-p", "demo", "--bin", "meridian-demo"])
        .current_dir(&root)
        .status()
        .expect("cargo builds the demo fleet");
    assert!(built.success(), "the demo fleet builds");
    let dir = tempfile::tempdir().expect("temp dir");
    let catalog = root.join("demo/catalog");
    let meridian = Meridian::spawn(
        &format!("sqlite://{}/pages.db", dir.path().display()),
        None,
        &["--catalog", &catalog.to_string_lossy(), "--github-url", "", "--self-telemetry"],
    );
    let client = reqwest::Client::new();
    meridian.ready(&client).await;
    let target = std::env::var_os("CARGO_TARGET_DIR").map(std::path::PathBuf::from).unwrap_or_else(|| root.join("target"));
    let mut fleet = Command::new(target.join("release/meridian-demo"))
        .args(["fleet", "--otlp-endpoint", &format!("http://{}", meridian.otlp_grpc)])
        .args(["--base-port", &support::free_port().to_string(), "--rate", "10"])
        .args(["--data-dir", &dir.path().join("demo").to_string_lossy()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the demo fleet starts");
    println!("demo fleet sending for {} s…", TRAFFIC.as_secs());
    tokio::time::sleep(TRAFFIC).await;

    println!("| page | p50 ms | p95 ms | KB |");
    println!("|---|---|---|---|");
    for page in PAGES {
        let url = format!("{}{page}", meridian.base);
        let _ = client.get(&url).send().await; // warm-up
        let mut samples = Vec::with_capacity(REQUESTS);
        let mut bytes = 0;
        for _ in 0..REQUESTS {
            let started = Instant::now();
            let response = client.get(&url).send().await.expect("GET page");
            assert!(response.status().is_success(), "{page}: {}", response.status());
            bytes = response.bytes().await.expect("HTML").len();
            samples.push(started.elapsed());
        }
        println!("| `{page}` | {:.1} | {:.1} | {} |", percentile(&mut samples, 0.5), percentile(&mut samples, 0.95), bytes / 1024);
    }
    // SIGTERM: the fleet stops its processes before it exits (a kill would orphan them).
    let _ = Command::new("kill").args(["-TERM", &fleet.id().to_string()]).status();
    let _ = fleet.wait();
}
