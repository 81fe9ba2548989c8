//! `meridian serve`: binds every listener first (so port clashes fail fast
//! and tests can ask for port 0), loads the catalog, then runs the web
//! server, both OTLP receivers, the flusher and the roll-ups until shutdown.
//! The defaults of every setting are here, once; the CLI shows them.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use collector::receiver::listener::{self, ListenerConfig};
use collector::{EngineConfig, Pipeline};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::catalog::{AllowList, CatalogReader, CatalogService, watch};
use crate::core::Core;
use crate::deploys::github::{self, GithubConfig, GithubPoller};
use crate::http::auth::Tokens;
use crate::http::web::demo_fleet::DemoFleet;
use crate::http::{self, HttpConfig};
use crate::slos::SloService;
use crate::slos::webhook::Webhook;
use crate::store::Store;
use crate::traffic::{self, Live, Retention};

/// Web UI and REST API: loopback by default, like the OpenTelemetry Collector's listeners.
pub const DEFAULT_ADDR: SocketAddr = loopback(3000);
pub const DEFAULT_OTLP_GRPC_ADDR: SocketAddr = loopback(4317);
pub const DEFAULT_OTLP_HTTP_ADDR: SocketAddr = loopback(4318);
/// Embedded SQLite, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/meridian.db";
/// Where cargo-leptos puts the built app.
pub const DEFAULT_SITE_ROOT: &str = "target/site";
/// The app's script in `SITE_ROOT/pkg`: without it pages do not hydrate.
const SITE_SCRIPT: &str = "meridian.js";
/// How often a catalog that reads URLs reads them again.
pub const DEFAULT_URL_REFRESH: Duration = Duration::from_secs(120);

const fn loopback(port: u16) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port))
}

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
    /// The attribute names OTLP is read with (the sample-rate attribute's is configurable).
    pub attribute_names: collector::otlp::AttributeNames,
    /// Connection cap and timeouts of every listener.
    pub connections: ListenerConfig,
    /// TLS certificate chain and key (PEM files) for every listener.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Event streams open at once.
    pub max_event_streams: usize,
    /// Bearer tokens allowed to write through the API.
    pub api_tokens: Vec<String>,
    /// Bearer tokens OTLP exports must carry; none: exports are open.
    pub otlp_tokens: Vec<String>,
    /// Hosts catalog URLs may be read from (`host`, `host:port`, `*.domain`).
    pub allow_url_hosts: Vec<String>,
    /// Folders files may be read from besides the `--catalog` folders.
    pub allow_paths: Vec<PathBuf>,
    /// Whether entities of custom kinds are kept (default) or rejected.
    pub kinds: catalog::Kinds,
    /// How often a catalog that reads URLs is read again.
    pub url_refresh_interval: Duration,
    /// Pairing window, pending-store size and bucket width of the collector.
    pub engine: EngineConfig,
    /// How long minute and hour buckets are kept.
    pub retention: Retention,
    /// A SERVER span per API and UI request (for `--self-telemetry`; the
    /// spans go wherever the global tracing subscriber sends them).
    pub trace_requests: bool,
    /// Demo mode: the demo fleet's control endpoint (`http://127.0.0.1:7111`).
    pub demo_fleet: Option<String>,
    /// How often SLOs are evaluated; `None`: only when asked
    /// ([`Running::slos`]), as tests do to evaluate at a time they choose.
    pub slo_interval: Option<Duration>,
    /// How often scorecards are evaluated; `None`: only when asked
    /// ([`Running::core`]).
    pub scorecard_interval: Option<Duration>,
    /// Where changes of SLO alert states are POSTed (http or https URL).
    pub alert_webhook: Option<String>,
    /// When a deploy counts as a regression.
    pub regression: crate::core::deploys::RegressionRule,
    /// GitHub's API, polled for the deployments and releases of annotated
    /// components; `None`: not polled.
    pub github: Option<GithubConfig>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            catalog: Vec::new(),
            database_url: DEFAULT_DATABASE_URL.to_string(),
            addr: DEFAULT_ADDR,
            otlp_grpc_addr: DEFAULT_OTLP_GRPC_ADDR,
            otlp_http_addr: DEFAULT_OTLP_HTTP_ADDR,
            site_root: DEFAULT_SITE_ROOT.to_string(),
            flush_interval: traffic::DEFAULT_FLUSH_INTERVAL,
            max_otlp_body_bytes: collector::receiver::DEFAULT_MAX_BODY_BYTES,
            max_in_flight_bytes: collector::pipeline::DEFAULT_MAX_IN_FLIGHT_BYTES,
            attribute_names: collector::otlp::AttributeNames::default(),
            connections: ListenerConfig::default(),
            tls: None,
            max_event_streams: crate::http::DEFAULT_MAX_EVENT_STREAMS,
            api_tokens: Vec::new(),
            otlp_tokens: Vec::new(),
            allow_url_hosts: Vec::new(),
            allow_paths: Vec::new(),
            kinds: catalog::Kinds::default(),
            url_refresh_interval: DEFAULT_URL_REFRESH,
            engine: EngineConfig::default(),
            retention: Retention::default(),
            trace_requests: false,
            demo_fleet: None,
            slo_interval: Some(crate::slos::DEFAULT_INTERVAL),
            scorecard_interval: Some(crate::core::scorecards::DEFAULT_INTERVAL),
            alert_webhook: None,
            regression: crate::core::deploys::DEFAULT_REGRESSION_RULE,
            github: Some(GithubConfig { url: github::DEFAULT_URL.to_string(), token: None, poll: github::DEFAULT_POLL }),
        }
    }
}

/// A running Meridian: its bound addresses and the way to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub otlp_grpc_addr: SocketAddr,
    pub otlp_http_addr: SocketAddr,
    pub store: Store,
    /// The SLO evaluator (to evaluate at a chosen time).
    pub slos: Arc<SloService>,
    /// The core (to evaluate scorecards at a chosen time).
    pub core: Core,
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

/// `--alert-webhook`'s value, refused at start unless an http(s) URL.
fn webhook_url(text: &str) -> Result<reqwest::Url> {
    let url = reqwest::Url::parse(text).with_context(|| format!("--alert-webhook: `{text}` is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        anyhow::bail!("--alert-webhook: `{text}` is not an http or https URL");
    }
    Ok(url)
}

/// Descriptors kept beside the listeners' connections: the database pool,
/// catalog files and their watches, outgoing HTTP.
const OTHER_OPEN_FILES: u64 = 1_024;

/// Makes room for every listener's connections (`--max-connections` each):
/// raises the soft open-files limit up to the hard one when needed (as Go
/// and Node do). When even that is too few, the default cap is lowered to
/// fit (with a warning) and a cap given on the command line is refused,
/// rather than fail later with every client waiting.
fn make_room_for(mut limits: ListenerConfig) -> Result<ListenerConfig> {
    #[cfg(target_os = "linux")]
    {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit and setrlimit read and write only `limit`.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return Ok(limits);
            }
            let fits = (limit.rlim_max.saturating_sub(OTHER_OPEN_FILES) / 3) as usize;
            if limits.max_connections > fits && limits.max_connections == listener::DEFAULT_MAX_CONNECTIONS && fits >= 64 {
                tracing::warn!(
                    "at most {} open files (ulimit -n): each listener keeps at most {fits} connections instead of {}",
                    limit.rlim_max,
                    limits.max_connections
                );
                limits.max_connections = fits;
            }
            let needed = 3 * limits.max_connections as u64 + OTHER_OPEN_FILES;
            if limit.rlim_cur >= needed {
                return Ok(limits);
            }
            if limit.rlim_max < needed {
                anyhow::bail!(
                    "--max-connections {}: three listeners need about {needed} open files, and this process may open at most {} \
                     (ulimit -n); lower --max-connections or raise the limit",
                    limits.max_connections,
                    limit.rlim_max
                );
            }
            let raised = libc::rlimit { rlim_cur: needed, rlim_max: limit.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) != 0 {
                anyhow::bail!("--max-connections {}: cannot raise the open-files limit to {needed}", limits.max_connections);
            }
        }
    }
    Ok(limits)
}

async fn bind(addr: SocketAddr, what: &str) -> Result<TcpListener> {
    TcpListener::bind(addr).await.with_context(|| format!("cannot listen for {what} on {addr} (is another process using it?)"))
}

pub async fn start(config: ServeConfig) -> Result<Running> {
    let alert_webhook = config.alert_webhook.as_deref().map(webhook_url).transpose()?;
    let github = match &config.github {
        Some(github) => Some((GithubPoller::new(github).map_err(anyhow::Error::msg)?, github.clone())),
        None => None,
    };
    let mut listening = make_room_for(config.connections.clone())?;
    if let Some((cert, key)) = &config.tls {
        listening.tls = Some(listener::tls_config(cert, key)?);
    }
    let scheme = if listening.tls.is_some() { "https" } else { "http" };
    let web_listener = bind(config.addr, "the web UI and API").await?;
    let grpc_listener = bind(config.otlp_grpc_addr, "OTLP/gRPC").await?;
    let http_listener = bind(config.otlp_http_addr, "OTLP/HTTP").await?;

    let allow = AllowList::parse(&config.allow_url_hosts).context("--allow-url-host")?;
    let demo_fleet = config.demo_fleet.as_deref().map(DemoFleet::new).transpose()?;
    let store = Store::connect(&config.database_url).await?;
    let static_sources: Vec<catalog::Source> = config.catalog.iter().map(|p| catalog::Source::File(p.clone())).collect();
    let folders: Vec<PathBuf> =
        crate::catalog::catalog_folders(&static_sources).into_iter().chain(config.allow_paths.iter().cloned()).collect();
    let roots = catalog::PathRoots::new(&folders);
    let urls =
        Arc::new(CatalogReader::new(allow, Some(roots), tokio::runtime::Handle::current()).context("cannot make the URL reader's client")?);
    if let Some(fleet) = &demo_fleet {
        tracing::info!("demo mode: the Demo page drives the fleet at {}", fleet.url());
    }
    let catalog = Arc::new(CatalogService::open(store.clone(), config.catalog.clone(), urls).await?.with_kinds(config.kinds));
    let shutdown = CancellationToken::new();
    // Watch first, then load: a change made during the load triggers another.
    let watcher = watch::spawn(catalog.clone(), shutdown.clone()).await.context("cannot watch the catalog's files")?;
    catalog.reload().await?;
    let (leadership, campaign) = store.lead(shutdown.clone());
    let url_refresher =
        tokio::spawn(watch::refresh_urls(catalog.clone(), config.url_refresh_interval, leadership.clone(), shutdown.clone()));
    let follower = tokio::spawn(crate::catalog::notices::follow(catalog.clone(), shutdown.clone()));

    let pipeline = Arc::new(
        Pipeline::new(config.engine.clone())
            .with_max_in_flight_bytes(config.max_in_flight_bytes)
            .with_attribute_names(config.attribute_names.clone()),
    );
    let live = Arc::new(Live::new(shutdown.clone()));
    traffic::restore(&pipeline, &live, &store).await.context("cannot restore the observed graph from the database")?;
    let mut tasks = vec![watcher, url_refresher, follower];
    tasks.extend(campaign);
    let webhook = match alert_webhook {
        Some(url) => {
            let (webhook, task) = Webhook::start(url, shutdown.clone());
            tasks.push(task);
            Some(webhook)
        }
        None => None,
    };
    let slos = Arc::new(SloService::new(store.clone(), catalog.clone(), webhook).with_leadership(leadership.clone()));
    if let Some((poller, github)) = github {
        tasks.push(tokio::spawn(github::run(poller, github, store.clone(), catalog.clone(), leadership.clone(), shutdown.clone())));
    }
    if let Some(interval) = config.slo_interval {
        tasks.push(tokio::spawn(crate::slos::run(slos.clone(), interval, shutdown.clone())));
    }
    let core = Core::new(store.clone(), catalog, live.clone(), config.engine.limits, slos.clone())
        .with_regression_rule(config.regression)
        .with_leadership(leadership.clone());
    if let Some(interval) = config.scorecard_interval {
        tasks.push(tokio::spawn(crate::core::scorecards::run(core.clone(), interval, shutdown.clone())));
    }

    let receiver = collector::receiver::ReceiverConfig {
        max_body_bytes: config.max_otlp_body_bytes,
        authenticate: Some(Arc::new(Tokens::for_exports(&config.otlp_tokens))),
    };
    let otlp_http = collector::receiver::http::router(pipeline.clone(), &receiver);
    let write_tokens = Tokens::for_writes(&config.api_tokens);
    if write_tokens.is_empty() {
        tracing::info!("API writes are disabled; set --api-token to allow registering locations");
    }
    let app_script = std::path::Path::new(&config.site_root).join("pkg").join(SITE_SCRIPT);
    if !app_script.is_file() {
        tracing::warn!(
            "the web app's files are not in {} (no {}): pages are served without their styles and scripts; \
             give --site-root (LEPTOS_SITE_ROOT) the folder `cargo xtask site` built (target/site in the repository)",
            config.site_root,
            app_script.display()
        );
    }
    let ingest_cpu = traffic::IngestCpu::default();
    let http_config = HttpConfig {
        pipeline: pipeline.clone(),
        ingest_cpu: ingest_cpu.clone(),
        write_tokens,
        demo_fleet,
        site_root: config.site_root.clone(),
        trace_requests: config.trace_requests,
        max_event_streams: config.max_event_streams,
    };
    let app = http::router(core.clone(), http_config, otlp_http.clone());

    let running = Running {
        addr: web_listener.local_addr()?,
        otlp_grpc_addr: grpc_listener.local_addr()?,
        otlp_http_addr: http_listener.local_addr()?,
        store: store.clone(),
        slos: slos.clone(),
        core,
        shutdown: shutdown.clone(),
        tasks: Vec::new(),
    };

    // The OTLP ports' connections and the flusher are ingest; exports to the
    // web port's /v1/traces are counted with the pages.
    let ingesting = ListenerConfig { cpu: Some(ingest_cpu.receivers.clone()), ..listening.clone() };
    for (socket, router, limits, name) in
        [(web_listener, app, listening, "the web port"), (http_listener, otlp_http, ingesting.clone(), "OTLP/HTTP")]
    {
        tasks.push(tokio::spawn(listener::serve_router(socket, router, limits, name, shutdown.clone().cancelled_owned())));
    }
    let grpc = collector::receiver::grpc::GrpcReceiver::new(pipeline.clone(), &receiver);
    tasks.push(tokio::spawn(grpc.serve(grpc_listener, ingesting, shutdown.clone().cancelled_owned())));
    tasks.push(tokio::spawn(traffic::run_rollups(store.clone(), config.retention, leadership, shutdown.clone())));
    let flusher = traffic::run_flusher(pipeline, live, store, config.flush_interval, shutdown.clone());
    tasks.push(tokio::spawn(ingest_cpu.flusher.meter(flusher)));

    tracing::info!(
        "Meridian is up: UI and API {scheme}://{}  OTLP/gRPC {}{}  OTLP/HTTP {scheme}://{}/v1/traces",
        running.addr,
        running.otlp_grpc_addr,
        if scheme == "https" { " (TLS)" } else { "" },
        running.otlp_http_addr
    );
    Ok(Running { tasks, ..running })
}
