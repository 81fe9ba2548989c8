//! `meridian serve`: binds every listener first (so port clashes fail fast
//! and tests can ask for port 0), loads the catalog, then runs the web server,
//! both OTLP receivers and the flusher until shutdown.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use collector::{EngineConfig, Pipeline};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::api::{self, ApiState};
use crate::catalog_service::CatalogService;
use crate::live::Live;
use crate::query::Query;
use crate::store::Store;
use crate::{ingest, watch, web};

#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub catalog: Vec<PathBuf>,
    pub database_url: String,
    pub addr: SocketAddr,
    pub otlp_grpc_addr: SocketAddr,
    pub otlp_http_addr: SocketAddr,
    pub site_root: String,
    pub flush_interval: Duration,
    pub max_otlp_body_bytes: usize,
    /// OTLP request bytes worked on at once; beyond, exporters are told to retry.
    pub max_in_flight_bytes: usize,
    /// Bearer tokens allowed to write through the API.
    pub api_tokens: Vec<String>,
    /// Bearer tokens OTLP exports must carry; none: exports are open.
    pub otlp_tokens: Vec<String>,
    /// Hosts catalog URLs may be read from (`host`, `host:port`, `*.domain`).
    pub allow_url_hosts: Vec<String>,
    /// How often a catalog that reads URLs is read again.
    pub url_refresh_interval: Duration,
    /// Pairing window, pending-store size and bucket width of the collector.
    pub engine: EngineConfig,
    /// How long minute and hour buckets are kept.
    pub retention: crate::ingest::Retention,
    /// A SERVER span per API and UI request (for `--self-telemetry`; the
    /// spans go wherever the global tracing subscriber sends them).
    pub trace_requests: bool,
    /// Demo mode: the demo fleet's control endpoint (`http://127.0.0.1:7111`).
    pub demo_fleet: Option<String>,
}

/// A running Meridian: its bound addresses and the way to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub otlp_grpc_addr: SocketAddr,
    pub otlp_http_addr: SocketAddr,
    pub store: Store,
    shutdown: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// Stops accepting, flushes what the engine holds, and waits for all tasks.
    pub async fn stop(self) {
        self.shutdown.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Without TCP_NODELAY a small response waits on the client's delayed ACK
/// (40 ms): h2load measured 1,300 OTLP/gRPC exports/s instead of thousands.
/// Every listener sets it (the web port serves OTLP/HTTP too).
fn set_no_delay(tcp: &tokio::net::TcpStream) {
    let _ = tcp.set_nodelay(true);
}

fn no_delay(listener: TcpListener) -> impl axum::serve::Listener<Addr = SocketAddr> {
    axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| set_no_delay(tcp))
}

async fn bind(addr: SocketAddr, what: &str) -> Result<TcpListener> {
    TcpListener::bind(addr).await.with_context(|| format!("cannot listen for {what} on {addr} (is another process using it?)"))
}

pub async fn start(config: ServeConfig) -> Result<Running> {
    let web_listener = bind(config.addr, "the web UI and API").await?;
    let grpc_listener = bind(config.otlp_grpc_addr, "OTLP/gRPC").await?;
    let http_listener = bind(config.otlp_http_addr, "OTLP/HTTP").await?;

    let store = Store::connect(&config.database_url).await?;
    let allow = crate::url_reader::AllowList::parse(&config.allow_url_hosts).map_err(|e| anyhow::anyhow!("--allow-url-host {e}"))?;
    let urls = Arc::new(crate::url_reader::HttpUrlReader::new(allow, tokio::runtime::Handle::current())?);
    let demo_fleet = config.demo_fleet.as_deref().map(crate::demo_fleet::DemoFleet::new).transpose()?;
    if let Some(fleet) = &demo_fleet {
        tracing::info!("demo mode: the Demo page drives the fleet at {}", fleet.url());
    }
    let catalog = Arc::new(CatalogService::open(store.clone(), config.catalog.clone(), urls).await?);
    let shutdown = CancellationToken::new();
    // Watch first, then load: a change made during the load triggers another.
    let watcher = watch::spawn(catalog.clone(), shutdown.clone()).await?;
    catalog.reload().await?;
    let url_refresher = tokio::spawn(watch::refresh_urls(catalog.clone(), config.url_refresh_interval, shutdown.clone()));

    let pipeline = Arc::new(Pipeline::new(config.engine.clone()).with_max_in_flight_bytes(config.max_in_flight_bytes));
    let live = Arc::new(Live::new(shutdown.clone()));
    ingest::restore(&pipeline, &live, &store).await.context("cannot restore the observed graph from the database")?;
    let query = Query::new(store.clone(), catalog.clone(), live.clone());
    let mut tasks = vec![watcher, url_refresher];

    let receiver =
        collector::receiver::ReceiverConfig { max_body_bytes: config.max_otlp_body_bytes, tokens: config.otlp_tokens.clone().into() };
    let otlp_http = collector::receiver::http::router(pipeline.clone(), &receiver);
    if config.api_tokens.is_empty() {
        tracing::info!("API writes are disabled; set --api-token to allow registering locations");
    }
    let api_tokens = Arc::new(config.api_tokens.clone());
    let mut app = api::router(ApiState { query: query.clone(), pipeline: pipeline.clone(), api_tokens: api_tokens.clone() })
        .merge(web::router(web::shared_port(query, api_tokens, demo_fleet), &config.site_root));
    if config.trace_requests {
        app = app.route_layer(axum::middleware::from_fn(crate::self_telemetry::trace_request));
    }
    // The OTLP route is merged after the trace layer: Meridian does not trace its own exports.
    let app = app.merge(otlp_http.clone());

    let running = Running {
        addr: web_listener.local_addr()?,
        otlp_grpc_addr: grpc_listener.local_addr()?,
        otlp_http_addr: http_listener.local_addr()?,
        store: store.clone(),
        shutdown: shutdown.clone(),
        tasks: Vec::new(),
    };

    let stop = shutdown.clone();
    tasks.push(tokio::spawn(async move {
        if let Err(error) = axum::serve(no_delay(web_listener), app).with_graceful_shutdown(stop.cancelled_owned()).await {
            tracing::error!("web server failed: {error}");
        }
    }));
    let stop = shutdown.clone();
    tasks.push(tokio::spawn(async move {
        if let Err(error) = axum::serve(no_delay(http_listener), otlp_http).with_graceful_shutdown(stop.cancelled_owned()).await {
            tracing::error!("OTLP/HTTP receiver failed: {error}");
        }
    }));
    let stop = shutdown.clone();
    let grpc = collector::receiver::grpc::service(pipeline.clone(), &receiver);
    tasks.push(tokio::spawn(async move {
        let incoming = tokio_stream::StreamExt::map(tokio_stream::wrappers::TcpListenerStream::new(grpc_listener), |stream| {
            stream.inspect(set_no_delay)
        });
        if let Err(error) =
            tonic::transport::Server::builder().add_service(grpc).serve_with_incoming_shutdown(incoming, stop.cancelled_owned()).await
        {
            tracing::error!("OTLP/gRPC receiver failed: {error}");
        }
    }));
    tasks.push(tokio::spawn(ingest::run_rollups(store.clone(), config.retention, shutdown.clone())));
    tasks.push(tokio::spawn(ingest::run_flusher(pipeline, live, store, config.flush_interval, shutdown.clone())));

    tracing::info!(
        "Meridian is up: UI and API http://{}  OTLP/gRPC {}  OTLP/HTTP http://{}/v1/traces",
        running.addr,
        running.otlp_grpc_addr,
        running.otlp_http_addr
    );
    Ok(Running { tasks, ..running })
}
