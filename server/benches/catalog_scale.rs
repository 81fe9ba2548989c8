//! Catalog at scale: a synthetic organisation of 50,000 entities (40k
//! components, 2k APIs, 1k groups, 5k users, 1.5k systems, 500 domains, with
//! owners, systems, APIs and dependencies between them), served by a real
//! Meridian over HTTP: the `meridian` binary of this build, in its own
//! process, so that the memory measured is the server's alone.
//!
//! Measures: ingest (process start → files parsed → relations → database →
//! index → serving all entities), the time from saving an edited file to
//! seeing the change in the API, p50/p95 of the catalog queries, the
//! server's peak memory (VmHWM), and a restart on the full database.
//! `MERIDIAN_LOG=info` makes the server print each reload's phases.
//!
//!     cargo bench -p server --bench catalog_scale                  # SQLite
//!     MERIDIAN_BENCH_POSTGRES_URL=postgres://... cargo bench ...   # and PostgreSQL
//!     MERIDIAN_BENCH_ENTITIES=10000 cargo bench ...                # smaller org
//!
//! Figures go in BENCHMARKS.md.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use catalog::synthetic::Org;
use support::Meridian;

/// Writes the organisation's files under `dir`; returns how many.
fn generate(org: &Org, dir: &Path) -> std::io::Result<usize> {
    let files = org.files();
    for (path, text) in &files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(files.len())
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

async fn measure(client: &reqwest::Client, name: &str, requests: usize, request: impl Fn(usize) -> reqwest::RequestBuilder) -> String {
    let _ = request(0).send().await; // warm-up
    let _ = client;
    let mut samples = Vec::with_capacity(requests);
    for i in 0..requests {
        let started = Instant::now();
        let response = request(i).send().await.expect("request");
        assert!(response.status().is_success(), "{name}: {}", response.status());
        let _ = response.bytes().await.expect("body");
        samples.push(started.elapsed());
    }
    let p50 = percentile(&mut samples, 0.5);
    let p95 = percentile(&mut samples, 0.95);
    format!("| {name} | {requests} | {:.2} | {:.2} |", p50.as_secs_f64() * 1000.0, p95.as_secs_f64() * 1000.0)
}

async fn run(label: &str, database_url: String, catalog_dir: &Path, org: &Org) {
    let started = Instant::now();
    let catalog = catalog_dir.to_string_lossy();
    let meridian = Meridian::spawn(&database_url, None, &["--catalog", &catalog]);
    let base = meridian.base.clone();
    let client = reqwest::Client::new();
    // Serving starts once the catalog is loaded; poll until every entity is there.
    let count = loop {
        let total = match client.get(format!("{base}/api/catalog/entities/by-query?limit=1")).send().await {
            Ok(response) => response.json::<serde_json::Value>().await.ok().and_then(|r| r["totalItems"].as_u64()),
            Err(_) => None,
        };
        if total.is_some_and(|t| t as usize >= org.total()) || started.elapsed() > Duration::from_secs(300) {
            break total.unwrap_or(0);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let ingest = started.elapsed();
    let after_ingest = meridian.peak_rss_mib();
    assert_eq!(count as usize, org.total(), "every generated entity is served");

    // Edit one file; time until the API shows the change.
    let file = catalog_dir.join("system-0.yaml");
    let original = std::fs::read_to_string(&file).unwrap();
    let mut edits = Vec::new();
    for round in 0..5 {
        let marker = format!("edited-{label}-{round}");
        std::fs::write(&file, original.replacen("description: System number 0", &format!("description: {marker}"), 1)).unwrap();
        let saved = Instant::now();
        loop {
            let e: serde_json::Value = client
                .get(format!("{base}/api/catalog/entities/by-name/system/default/system-0"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if e["metadata"]["description"] == marker.as_str() {
                edits.push(saved.elapsed());
                break;
            }
            assert!(saved.elapsed() < Duration::from_secs(60), "edit never became visible");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    std::fs::write(&file, &original).unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after_edits = meridian.peak_rss_mib();

    let n = org.components;
    let mut rows = vec![
        measure(&client, "by-query (kind=component, 20 per page)", 200, |i| {
            client.get(format!(
                "{base}/api/catalog/entities/by-query?filter=kind=component,spec.lifecycle=production&limit=20&offset={}",
                i % 50
            ))
        })
        .await,
        measure(&client, "by-query full text (`component 12`)", 100, |_| {
            client.get(format!("{base}/api/catalog/entities/by-query?fullTextFilterTerm=component%2012&limit=20"))
        })
        .await,
        measure(&client, "search, ranked with typos (`compnent 12 servce`)", 50, |_| {
            client.get(format!("{base}/api/v1/search?q=compnent%2012%20servce&limit=20"))
        })
        .await,
        measure(&client, "by-name", 500, |i| {
            client.get(format!("{base}/api/catalog/entities/by-name/component/default/component-{}", (i * 37) % n))
        })
        .await,
        measure(&client, "entity-facets (kind, spec.type, metadata.tags)", 100, |_| {
            client.get(format!("{base}/api/catalog/entity-facets?facet=kind&facet=spec.type&facet=metadata.tags"))
        })
        .await,
        measure(&client, "by-refs of 100", 200, |i| {
            let refs: Vec<String> = (0..100).map(|k| format!("component:default/component-{}", (i * 100 + k * 17) % n)).collect();
            client.post(format!("{base}/api/catalog/entities/by-refs")).json(&serde_json::json!({ "entityRefs": refs }))
        })
        .await,
    ];
    // The UI's catalog table, rendered on the server (HTML).
    rows.push(measure(&client, "page: catalog table, first page", 50, |_| client.get(format!("{base}/"))).await);
    rows.push(
        measure(&client, "page: catalog table sorted by owner, page 400", 50, |_| {
            client.get(format!("{base}/?sort=owner&order=desc&page=400"))
        })
        .await,
    );
    rows.push(
        measure(&client, "page: catalog table, search and facet", 50, |_| {
            client.get(format!("{base}/?q=component%2012&filter=kind%3Dcomponent&sort=requests&order=desc"))
        })
        .await,
    );
    rows.push(
        measure(&client, "page: an entity", 50, |i| client.get(format!("{base}/catalog/default/component/component-{}", (i * 37) % n)))
            .await,
    );
    rows.push(
        measure(&client, &format!("full list of {n} components"), 10, |_| {
            client.get(format!("{base}/api/catalog/entities?filter=kind=component"))
        })
        .await,
    );
    let after_queries = meridian.peak_rss_mib();
    drop(meridian);

    // Restart on the full database with a file edited while the server was
    // down: it reads the stored catalog, then the files, and serves once they
    // are reconciled.
    std::fs::write(&file, original.replacen("description: System number 0", "description: edited-while-down", 1)).unwrap();
    let started = Instant::now();
    let meridian = Meridian::spawn(&database_url, None, &["--catalog", &catalog]);
    let base = meridian.base.clone();
    meridian.ready(&client).await;
    let description = |e: serde_json::Value| e["metadata"]["description"].as_str().map(str::to_string);
    loop {
        let response = client.get(format!("{base}/api/catalog/entities/by-name/system/default/system-0")).send().await;
        let seen = match response {
            Ok(response) => response.json::<serde_json::Value>().await.ok().and_then(description),
            Err(_) => None,
        };
        if seen.as_deref() == Some("edited-while-down") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "the restart never reconciled the edited file");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let restart_reconciled = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after_restart = meridian.peak_rss_mib();
    drop(meridian);
    std::fs::write(&file, &original).unwrap();

    edits.sort();
    println!("\n### {label}: {} entities\n", org.total());
    println!("- ingest (start to serving, including parse, relations, database, index): {:.2} s", ingest.as_secs_f64());
    println!(
        "- edited file visible in the API: median {:.0} ms, max {:.0} ms (5 edits)",
        edits[2].as_secs_f64() * 1000.0,
        edits[4].as_secs_f64() * 1000.0
    );
    println!(
        "- peak memory (VmHWM): {after_ingest:.0} MiB after ingest, {after_edits:.0} MiB after edits, {after_queries:.0} MiB after queries"
    );
    println!(
        "- restart on the full database, a file edited while it was down: serving it in {:.2} s, peak memory (VmHWM) {after_restart:.0} MiB\n",
        restart_reconciled.as_secs_f64()
    );
    println!("| query | requests | p50 ms | p95 ms |\n|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
}

fn main() {
    let total: usize = std::env::var("MERIDIAN_BENCH_ENTITIES").ok().and_then(|v| v.parse().ok()).unwrap_or(50_000);
    let org = Org::scaled(total);
    let dir = tempfile::tempdir().expect("temp dir");
    let catalog_dir = dir.path().join("catalog");
    std::fs::create_dir_all(&catalog_dir).unwrap();
    let started = Instant::now();
    let files = generate(&org, &catalog_dir).expect("generate");
    println!("generated {} entities in {files} files in {:.1} s", org.total(), started.elapsed().as_secs_f64());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(run("SQLite", format!("sqlite://{}/bench.db", dir.path().display()), &catalog_dir, &org));
    if let Ok(url) = std::env::var("MERIDIAN_BENCH_POSTGRES_URL") {
        runtime.block_on(run("PostgreSQL", url, &catalog_dir, &org));
    }
}
