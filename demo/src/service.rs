//! Running one process of the fleet: telemetry (for the instrumented
//! services), the service's own routes from [`crate::services`], the SERVER
//! span and fault middleware around them, and the admin and health routes
//! beside them (untraced).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::routing::get;

use crate::faults::{Faults, Switches};
use crate::http::Downstream;
use crate::layout::{Layout, Process};
use crate::telemetry::{Export, Protocol, Telemetry};

#[derive(clap::Args, Clone, Debug)]
pub struct ServiceArgs {
    /// Which process to run.
    #[arg(long, value_enum)]
    pub name: Process,
    /// The fleet's first port; every process's port follows from it.
    #[arg(long, default_value_t = 7100)]
    pub base_port: u16,
    #[arg(long, default_value = "1.0.0")]
    pub version: String,
    /// Where each data-owning service keeps its database.
    #[arg(long, default_value = "data/demo")]
    pub data_dir: PathBuf,
    /// Where spans go (any OTLP collector).
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", default_value = "http://127.0.0.1:4317")]
    pub otlp_endpoint: String,
    #[arg(long, value_enum, default_value = "grpc")]
    pub otlp_protocol: Protocol,
    /// Faults from the start (the admin endpoint changes them later).
    #[arg(long, default_value_t = 0.0)]
    pub error_share: f64,
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    #[arg(long, default_value_t = 0.0)]
    pub latency_share: f64,
}

/// What a service's routes get: where the others are, where its data lives.
#[derive(Clone, Debug)]
pub struct Context {
    pub layout: Layout,
    pub data_dir: PathBuf,
}

impl Context {
    /// Another service of the fleet, with a timeout for each call.
    pub fn peer(&self, process: Process, timeout: Duration) -> Downstream {
        Downstream::new(&self.layout.url(process), timeout)
    }
}

pub async fn run(args: ServiceArgs) -> anyhow::Result<()> {
    let process = args.name;
    let telemetry = match process.is_instrumented() {
        true => {
            let export = Export { endpoint: args.otlp_endpoint.clone(), protocol: args.otlp_protocol };
            Some(Arc::new(Telemetry::init(process.name(), &args.version, export)?))
        }
        false => {
            tracing_subscriber::fmt().with_target(false).without_time().try_init().ok();
            None
        }
    };
    let faults = Faults { latency_ms: args.latency_ms, latency_share: args.latency_share, error_share: args.error_share };
    let switches = Switches::new(process.name(), faults, telemetry.clone());
    let context = Context { layout: Layout { base_port: args.base_port }, data_dir: args.data_dir.clone() };
    let routes = crate::services::router(process, &context).await.with_context(|| format!("{process} cannot start"))?;
    let traced = match process.is_instrumented() {
        true => routes.layer(axum::middleware::from_fn_with_state(switches.clone(), crate::http::serve)),
        false => routes.layer(axum::middleware::from_fn_with_state(switches.clone(), crate::http::faults_only)),
    };
    let app = traced.merge(crate::faults::routes(switches)).route("/health", get(|| async { "ok" }));
    let addr = SocketAddr::from(([127, 0, 0, 1], context.layout.port(process)));
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("{process} cannot listen on {addr}"))?;
    tracing::info!("{process} {} listening on http://{addr}", args.version);
    axum::serve(listener, app).with_graceful_shutdown(crate::shutdown_signal()).await?;
    if let Some(telemetry) = telemetry {
        telemetry.shutdown();
    }
    Ok(())
}
