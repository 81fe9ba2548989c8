//! `meridian-demo organisation`: one burst of a large organisation's
//! traffic (`synthetic`: 2,000 services over 10,000 distinct
//! calls by default) sent over OTLP/HTTP, so the UI can be tried, and
//! tested, at the scale the graph promises to stay readable at.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use prost::Message;
use synthetic::organisation::Organisation;

#[derive(clap::Args)]
pub struct OrganisationArgs {
    /// Meridian's OTLP/HTTP address (`127.0.0.1:4318`).
    #[arg(long)]
    otlp_http: String,
    #[arg(long, default_value_t = 2_000)]
    services: usize,
    /// Distinct caller → callee pairs (fewer than services²).
    #[arg(long, default_value_t = 10_000)]
    edges: usize,
}

pub async fn run(args: OrganisationArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.services > 1 && args.edges < args.services * args.services,
        "--edges must be below --services squared ({} services allow {} edges)",
        args.services,
        args.services * args.services - 1
    );
    let organisation = Organisation { services: args.services, edges: args.edges, operations: 5 };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).context("the clock is before 1970")?.as_nanos() as u64;
    let requests = organisation.requests(1, 1_000, now);
    let client = reqwest::Client::new();
    let url = format!("http://{}/v1/traces", args.otlp_http);
    for request in &requests {
        client
            .post(&url)
            .header("content-type", "application/x-protobuf")
            .body(request.encode_to_vec())
            .send()
            .await
            .with_context(|| format!("sending to {url}"))?
            .error_for_status()
            .with_context(|| format!("{url} refused the export"))?;
    }
    println!("sent {} calls between {} services in {} export requests", args.edges, args.services, requests.len());
    Ok(())
}
