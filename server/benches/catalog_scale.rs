//! Catalog at scale: a synthetic organisation of 50,000 entities (40k
//! components, 2k APIs, 1k groups, 5k users, 1.5k systems, 500 domains, with
//! owners, systems, APIs and dependencies between them), served by a real
//! Meridian over HTTP.
//!
//! Measures: ingest (files → parsed → relations → database → index), the time
//! from saving an edited file to seeing the change in the API, p50/p95 of the
//! catalog queries, and peak memory (VmHWM).
//!
//!     cargo bench -p server --bench catalog_scale                  # SQLite
//!     MERIDIAN_BENCH_POSTGRES_URL=postgres://... cargo bench ...   # and PostgreSQL
//!     MERIDIAN_BENCH_ENTITIES=10000 cargo bench ...                # smaller org
//!
//! Figures go in BENCHMARKS.md.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use server::serve::ServeConfig;

struct Org {
    components: usize,
    apis: usize,
    groups: usize,
    users: usize,
    systems: usize,
    domains: usize,
}

impl Org {
    fn scaled(total: usize) -> Self {
        let f = total as f64 / 50_000.0;
        let n = |x: f64| ((x * f).round() as usize).max(1);
        Org { components: n(40_000.0), apis: n(2_000.0), groups: n(1_000.0), users: n(5_000.0), systems: n(1_500.0), domains: n(500.0) }
    }

    fn total(&self) -> usize {
        self.components + self.apis + self.groups + self.users + self.systems + self.domains
    }
}

/// Writes the organisation as a monorepo would hold it: one file per system
/// with its components and APIs, and org files for teams and people.
fn generate(org: &Org, dir: &Path) -> std::io::Result<usize> {
    let mut files = 0;
    let org_dir = dir.join("org");
    std::fs::create_dir_all(&org_dir)?;
    let mut text = String::new();
    for d in 0..org.domains {
        let _ = write!(
            text,
            "---\napiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata:\n  name: domain-{d}\n  description: Business domain {d}\nspec:\n  owner: team-{}\n",
            d % org.groups
        );
    }
    for g in 0..org.groups {
        let parent = if g == 0 { String::new() } else { format!("  parent: team-{}\n", (g - 1) / 10) };
        let members: Vec<String> = (0..org.users).filter(|u| u % org.groups == g).map(|u| format!("user-{u}")).collect();
        let _ = write!(
            text,
            "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-{g}\n  title: Team {g}\nspec:\n  type: team\n{parent}  children: []\n  members: [{}]\n",
            members.join(", ")
        );
    }
    for u in 0..org.users {
        let _ = write!(
            text,
            "---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: user-{u}\nspec:\n  profile:\n    displayName: User {u}\n    email: user-{u}@example.com\n  memberOf: [team-{}]\n",
            u % org.groups
        );
    }
    std::fs::write(org_dir.join("org.yaml"), &text)?;
    files += 1;

    let lifecycles = ["production", "experimental", "deprecated"];
    let types = ["service", "website", "library"];
    let languages = ["java", "go", "rust", "python", "typescript"];
    for s in 0..org.systems {
        let mut text = format!(
            "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: system-{s}\n  description: System number {s}\nspec:\n  owner: team-{}\n  domain: domain-{}\n",
            s % org.groups,
            s % org.domains
        );
        for a in (0..org.apis).filter(|a| a % org.systems == s) {
            let _ = write!(
                text,
                "---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: api-{a}\n  description: API {a} of system {s}\n  tags: [rest]\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-{}\n  system: system-{s}\n  definition: |\n    openapi: 3.0.0\n    info: {{title: API {a}, version: 1.0.0}}\n    paths: {{}}\n",
                a % org.groups
            );
        }
        for c in (0..org.components).filter(|c| c % org.systems == s) {
            let _ = write!(
                text,
                "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: component-{c}\n  title: Component {c}\n  description: Handles part {c} of system {s}\n  tags: [{}, tier-{}]\n  annotations:\n    github.com/project-slug: example/component-{c}\nspec:\n  type: {}\n  lifecycle: {}\n  owner: team-{}\n  system: system-{s}\n  providesApis: [api-{}]\n  consumesApis: [api-{}]\n  dependsOn: [component:component-{}]\n",
                languages[c % languages.len()],
                c % 3,
                types[c % types.len()],
                lifecycles[c % lifecycles.len()],
                c % org.groups,
                c % org.apis,
                (c * 7 + 3) % org.apis,
                (c * 13 + 1) % org.components
            );
        }
        std::fs::write(dir.join(format!("system-{s}.yaml")), text)?;
        files += 1;
    }
    Ok(files)
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

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn run(label: &str, database_url: String, catalog_dir: &Path, org: &Org) {
    let localhost = "127.0.0.1:0".parse().unwrap();
    let config = ServeConfig {
        catalog: vec![catalog_dir.to_path_buf()],
        database_url,
        addr: localhost,
        otlp_grpc_addr: localhost,
        otlp_http_addr: localhost,
        site_root: "target/site".into(),
        flush_interval: Duration::from_secs(1),
        max_otlp_body_bytes: 1 << 20,
        api_tokens: vec![],
        allow_url_hosts: vec![],
        url_refresh_interval: Duration::from_secs(120),
    };
    let started = Instant::now();
    let running = server::serve::start(config).await.expect("meridian starts");
    let ingest = started.elapsed();
    let after_ingest = peak_rss_mib();
    let base = format!("http://{}", running.addr);
    let client = reqwest::Client::new();
    let (_, count) = {
        let r: serde_json::Value =
            client.get(format!("{base}/api/catalog/entities/by-query?limit=1")).send().await.unwrap().json().await.unwrap();
        ((), r["totalItems"].as_u64().unwrap_or(0))
    };
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
    rows.push(
        measure(&client, &format!("full list of {n} components"), 10, |_| {
            client.get(format!("{base}/api/catalog/entities?filter=kind=component"))
        })
        .await,
    );
    running.stop().await;

    edits.sort();
    println!("\n### {label}: {} entities\n", org.total());
    println!("- ingest (start to serving, including parse, relations, database, index): {:.2} s", ingest.as_secs_f64());
    println!(
        "- edited file visible in the API: median {:.0} ms, max {:.0} ms (5 edits)",
        edits[2].as_secs_f64() * 1000.0,
        edits[4].as_secs_f64() * 1000.0
    );
    println!("- peak memory (VmHWM): {after_ingest:.0} MiB after ingest, {:.0} MiB after edits and queries\n", peak_rss_mib());
    println!("| query | requests | p50 ms | p95 ms |\n|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
}

fn main() {
    if std::env::var_os("MERIDIAN_LOG").is_some() {
        let _ = tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_env("MERIDIAN_LOG")).try_init();
    }
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
