//! `meridian-demo`: the demo fleet, a small shop that behaves like
//! production (see `services/mod.rs` for who calls whom).
//!
//! - `meridian-demo fleet` starts every process, waits until each answers,
//!   then drives a shopper load at the gateway; Ctrl-C stops all.
//! - `meridian-demo service --name NAME ...` runs one process (the fleet
//!   starts these; you can too).
//!
//! Services are plain axum servers instrumented with `tracing` +
//! `tracing-opentelemetry` + `opentelemetry-otlp`; nothing Meridian-specific,
//! so the fleet runs against any OTLP collector.

mod control;
mod db;
mod faults;
mod fleet;
mod http;
mod layout;
mod load;
mod organisation;
mod queue;
mod resilience;
mod service;
mod services;
mod telemetry;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "meridian-demo", about = "A demo shop of microservices that send OTLP traces")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every process of the shop and the shopper load.
    Fleet(fleet::FleetArgs),
    /// Run one process.
    Service(service::ServiceArgs),
    /// Send one burst of a large synthetic organisation's traffic.
    Organisation(organisation::OrganisationArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Fleet(args) => fleet::run(args).await,
        Command::Service(args) => service::run(args).await,
        Command::Organisation(args) => organisation::run(args).await,
    }
}

/// Ctrl-C or SIGTERM: either way, stop cleanly (and flush spans).
pub async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {},
    }
}
