//! `meridian-demo`: the demo fleet.
//!
//! - `meridian-demo fleet` starts every service as its own process, waits
//!   until each answers, then drives load at the gateway; Ctrl-C stops all.
//! - `meridian-demo service --name NAME ...` runs one service (the fleet
//!   starts these; you can too).
//!
//! Services are plain axum servers instrumented with `tracing` +
//! `tracing-opentelemetry` + `opentelemetry-otlp`; nothing Meridian-specific.

mod fleet;
mod service;
mod telemetry;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "meridian-demo", about = "Demo microservices that send OTLP traces")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run all services and the load generator.
    Fleet(fleet::FleetArgs),
    /// Run one service.
    Service(service::ServiceArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Fleet(args) => fleet::run(args).await,
        Command::Service(args) => service::run(args).await,
    }
}
