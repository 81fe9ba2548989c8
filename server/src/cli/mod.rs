//! Command line: `meridian serve`, `meridian validate` and `meridian api diff` ([`api`]). Every serve flag
//! can also come from a `MERIDIAN_*` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use collector::receiver::listener;
use opentelemetry_sdk::trace::SdkTracerProvider;

pub mod api;

use crate::serve::{self, ServeConfig};
use crate::traffic;

#[derive(Parser, Debug)]
#[command(name = "meridian", version, about = "Service catalog and live dependency graph")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
// Parsed once at start: the size of the serve variant does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Run the web UI, REST API and OTLP receivers.
    Serve(ServeArgs),
    /// Check descriptor files; prints `file:line:column: message` per problem
    /// and exits 1 if any entity is invalid.
    Validate(ValidateArgs),
    /// API definitions: `meridian api diff OLD NEW`.
    Api(api::ApiArgs),
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Catalog file or folder to load (repeatable; comma-separated in the env var).
    #[arg(long = "catalog", env = "MERIDIAN_CATALOG", value_delimiter = ',')]
    pub catalog: Vec<PathBuf>,
    /// A folder file locations and `$text`/`$json`/`$yaml` paths may be read
    /// from, besides the `--catalog` folders (repeatable; comma-separated in
    /// the env var). Symbolic links are resolved before the check.
    #[arg(long = "allow-path", env = "MERIDIAN_ALLOW_PATH", value_delimiter = ',', value_parser = existing_folder)]
    pub allow_paths: Vec<PathBuf>,
    /// Reject entities of custom kinds (no built-in kind claims them), as
    /// Backstage's catalog does; by default they are kept with a warning.
    #[arg(long = "strict-kinds", env = "MERIDIAN_STRICT_KINDS")]
    pub strict_kinds: bool,
    /// sqlite://PATH (created if missing) or postgres://USER:PASS@HOST/DB.
    #[arg(long, env = "MERIDIAN_DATABASE_URL", default_value = serve::DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Address of the web UI and REST API.
    #[arg(long, env = "MERIDIAN_ADDR", default_value_t = serve::DEFAULT_ADDR)]
    pub addr: SocketAddr,
    /// Address of the OTLP/gRPC receiver.
    #[arg(long, env = "MERIDIAN_OTLP_GRPC_ADDR", default_value_t = serve::DEFAULT_OTLP_GRPC_ADDR)]
    pub otlp_grpc_addr: SocketAddr,
    /// Address of the OTLP/HTTP receiver (`POST /v1/traces`).
    #[arg(long, env = "MERIDIAN_OTLP_HTTP_ADDR", default_value_t = serve::DEFAULT_OTLP_HTTP_ADDR)]
    pub otlp_http_addr: SocketAddr,
    /// Folder with the built web assets (`pkg/`), as cargo-leptos lays it out.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = serve::DEFAULT_SITE_ROOT)]
    pub site_root: String,
    /// How often observed traffic is written to the database, in milliseconds (at least 10).
    #[arg(long, env = "MERIDIAN_FLUSH_INTERVAL_MS", default_value_t = millis(traffic::DEFAULT_FLUSH_INTERVAL),
          value_parser = at_least(10u64))]
    pub flush_interval_ms: u64,
    /// Open connections each listener (web, OTLP/gRPC, OTLP/HTTP) holds at
    /// most; beyond, new ones wait to be accepted.
    #[arg(long, env = "MERIDIAN_MAX_CONNECTIONS", default_value_t = listener::DEFAULT_MAX_CONNECTIONS, value_parser = at_least(1usize))]
    pub max_connections: usize,
    /// Seconds an HTTP/1 client has to send a request's headers (on a
    /// kept-alive connection, counted from the end of the last answer).
    #[arg(long, env = "MERIDIAN_HEADER_READ_TIMEOUT_SECS", default_value_t = listener::DEFAULT_HEADER_READ_TIMEOUT.as_secs(),
          value_parser = at_least(1u64))]
    pub header_read_timeout_secs: u64,
    /// Seconds a connection may read and write nothing before it is closed.
    #[arg(long, env = "MERIDIAN_IDLE_TIMEOUT_SECS", default_value_t = listener::DEFAULT_IDLE_TIMEOUT.as_secs(),
          value_parser = at_least(1u64))]
    pub idle_timeout_secs: u64,
    /// PEM certificate chain (leaf first): serve TLS on every listener (web,
    /// OTLP/gRPC, OTLP/HTTP). Needs --tls-key.
    #[arg(long, env = "MERIDIAN_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, env = "MERIDIAN_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Event streams (`GET /api/v1/graph/stream`, the live Graph page) open
    /// at once; beyond, 503 with Retry-After.
    #[arg(long, env = "MERIDIAN_MAX_EVENT_STREAMS", default_value_t = crate::http::DEFAULT_MAX_EVENT_STREAMS,
          value_parser = at_least(1usize))]
    pub max_event_streams: usize,
    /// Largest accepted OTLP request body, in bytes (after decompression).
    #[arg(long, env = "MERIDIAN_MAX_OTLP_BODY_BYTES", default_value_t = collector::receiver::DEFAULT_MAX_BODY_BYTES,
          value_parser = at_least(1usize))]
    pub max_otlp_body_bytes: usize,
    /// OTLP request bytes being worked on at once; beyond, exporters get
    /// HTTP 503 + Retry-After / gRPC UNAVAILABLE + RetryInfo.
    #[arg(long, env = "MERIDIAN_MAX_IN_FLIGHT_BYTES", default_value_t = collector::pipeline::DEFAULT_MAX_IN_FLIGHT_BYTES,
          value_parser = at_least(1usize))]
    pub max_in_flight_bytes: usize,
    /// Bearer token allowed to write through the API (repeatable; comma-separated in the env var).
    #[arg(long = "api-token", env = "MERIDIAN_API_TOKEN", value_delimiter = ',', hide_env_values = true)]
    pub api_tokens: Vec<String>,
    /// Bearer token OTLP exporters must send (repeatable; comma-separated in
    /// the env var). None by default: the receivers accept any exporter, as
    /// the OpenTelemetry Collector does.
    #[arg(long = "otlp-token", env = "MERIDIAN_OTLP_TOKEN", value_delimiter = ',', hide_env_values = true)]
    pub otlp_tokens: Vec<String>,
    /// A file of API write tokens, one a line (`#` comments and blank lines
    /// skipped), so no token shows in the process list (repeatable).
    #[arg(long = "api-token-file", env = "MERIDIAN_API_TOKEN_FILE", value_parser = token_file)]
    pub api_token_files: Vec<TokenFile>,
    /// A file of OTLP tokens, as `--api-token-file` (repeatable).
    #[arg(long = "otlp-token-file", env = "MERIDIAN_OTLP_TOKEN_FILE", value_parser = token_file)]
    pub otlp_token_files: Vec<TokenFile>,
    /// Host that catalog URLs (URL locations, `$text` URLs) may be read from:
    /// `host`, `host:port` or `*.domain` (repeatable; comma-separated in the
    /// env var). None by default: no URL is read.
    #[arg(long = "allow-url-host", env = "MERIDIAN_ALLOW_URL_HOSTS", value_delimiter = ',')]
    pub allow_url_hosts: Vec<String>,
    /// How often a catalog that reads URLs reads them again, in seconds
    /// (files are watched instead).
    #[arg(long, env = "MERIDIAN_URL_REFRESH_SECS", default_value_t = serve::DEFAULT_URL_REFRESH.as_secs(),
          value_parser = at_least(1u64))]
    pub url_refresh_secs: u64,
    /// How long half of a call (a client span, say) waits for its other
    /// half before it counts on its own, in milliseconds.
    #[arg(long, env = "MERIDIAN_PAIRING_WINDOW_MS", default_value_t = millis(collector::engine::DEFAULT_PAIRING_WINDOW),
          value_parser = at_least(1u64))]
    pub pairing_window_ms: u64,
    /// The span attribute a sampler's weight is read from (how many spans a
    /// kept one stands for) when its tracestate has no `ot=th` threshold.
    #[arg(long, env = "MERIDIAN_SAMPLE_RATE_ATTRIBUTE", default_value = collector::otlp::conventions::DEFAULT_SAMPLE_RATE_ATTRIBUTE,
          value_parser = |name: &str| collector::otlp::AttributeNames::with_sample_rate(name))]
    pub sample_rate_attribute: collector::otlp::AttributeNames,
    /// At most this many halves wait at once; when full, expired ones go
    /// first, then the oldest.
    #[arg(long, env = "MERIDIAN_MAX_PENDING_SPANS", default_value_t = collector::engine::DEFAULT_MAX_PENDING,
          value_parser = at_least(1usize))]
    pub max_pending_spans: usize,
    /// Distinct peers one service may call per minute; calls to others
    /// count on its edge to the peer `(other)`.
    #[arg(long, env = "MERIDIAN_MAX_PEERS_PER_SERVICE", default_value_t = LIMITS.max_peers, value_parser = at_least(1usize))]
    pub max_peers_per_service: usize,
    /// Distinct operations one service may serve per minute; others count
    /// as its operation `(other)`.
    #[arg(long, env = "MERIDIAN_MAX_OPERATIONS_PER_SERVICE", default_value_t = LIMITS.max_operations, value_parser = at_least(1usize))]
    pub max_operations_per_service: usize,
    /// Distinct services measured per minute; others count as the service `(other)`.
    #[arg(long, env = "MERIDIAN_MAX_SERVICES", default_value_t = LIMITS.max_services, value_parser = at_least(1usize))]
    pub max_services: usize,
    /// Distinct edges per minute (and in a graph read); others count on
    /// edges between `(other)` nodes.
    #[arg(long, env = "MERIDIAN_MAX_EDGES", default_value_t = LIMITS.max_edges, value_parser = at_least(1usize))]
    pub max_edges: usize,
    /// How long one-minute buckets of observed traffic are kept, in hours
    /// (longer windows are answered from hour buckets).
    #[arg(long, env = "MERIDIAN_MINUTE_RETENTION_HOURS", default_value_t = traffic::rollups::DEFAULT_MINUTE_RETENTION.as_secs() / HOUR,
          value_parser = at_least(1u64))]
    pub minute_retention_hours: u64,
    /// How long one-hour buckets are kept, in days.
    #[arg(long, env = "MERIDIAN_HOUR_RETENTION_DAYS", default_value_t = traffic::rollups::DEFAULT_HOUR_RETENTION.as_secs() / DAY,
          value_parser = at_least(1u64))]
    pub hour_retention_days: u64,
    /// Export Meridian's own request spans over OTLP/gRPC, so it shows in
    /// its own graph (service `meridian`).
    #[arg(long, env = "MERIDIAN_SELF_TELEMETRY")]
    pub self_telemetry: bool,
    /// Where `--self-telemetry` sends spans (OTLP/gRPC URL); default: this
    /// Meridian's own OTLP/gRPC receiver.
    #[arg(long, env = "MERIDIAN_SELF_TELEMETRY_ENDPOINT")]
    pub self_telemetry_endpoint: Option<String>,
    /// Demo mode: the control endpoint of `meridian-demo fleet` (its base
    /// port + 11, `http://127.0.0.1:7111` by default). Adds the Demo page,
    /// which injects faults and deploys versions in the fleet.
    #[arg(long, env = "MERIDIAN_DEMO_FLEET")]
    pub demo_fleet: Option<String>,
    /// How often SLOs are evaluated, in seconds.
    #[arg(long, env = "MERIDIAN_SLO_INTERVAL_SECS", default_value_t = crate::slos::DEFAULT_INTERVAL.as_secs(),
          value_parser = at_least(1u64))]
    pub slo_interval_secs: u64,
    /// How often scorecards are evaluated, in seconds.
    #[arg(long, env = "MERIDIAN_SCORECARD_INTERVAL_SECS", default_value_t = crate::core::scorecards::DEFAULT_INTERVAL.as_secs(),
          value_parser = at_least(1u64))]
    pub scorecard_interval_secs: u64,
    /// Where each change of an SLO's alert state is POSTed as JSON (retried
    /// with backoff; never holds up ingest).
    #[arg(long, env = "MERIDIAN_ALERT_WEBHOOK")]
    pub alert_webhook: Option<String>,
    /// A deploy is compared with this many seconds of traffic before and after it.
    #[arg(long, env = "MERIDIAN_REGRESSION_WINDOW_SECS", default_value_t = REGRESSION.window.as_secs(), value_parser = at_least(60u64))]
    pub regression_window_secs: u64,
    /// A deploy is a regression when its error rate rose by more than this
    /// many percentage points...
    #[arg(long, env = "MERIDIAN_REGRESSION_ERROR_POINTS", default_value_t = REGRESSION.error_rate_points * 100.0, value_parser = positive)]
    pub regression_error_points: f64,
    /// ...or its p95 grew by more than this factor.
    #[arg(long, env = "MERIDIAN_REGRESSION_P95_RATIO", default_value_t = REGRESSION.p95_ratio, value_parser = positive)]
    pub regression_p95_ratio: f64,
    /// GitHub's API, polled for the deployments and releases of components
    /// annotated `github.com/project-slug` (GitHub Enterprise: https://HOST/api/v3;
    /// empty: not polled).
    #[arg(long, env = "MERIDIAN_GITHUB_URL", default_value = crate::deploys::github::DEFAULT_URL)]
    pub github_url: String,
    /// How often GitHub is polled, in seconds.
    #[arg(long, env = "MERIDIAN_GITHUB_POLL_SECS", default_value_t = crate::deploys::github::DEFAULT_POLL.as_secs(),
          value_parser = at_least(1u64))]
    pub github_poll_secs: u64,
    /// The token GitHub is asked with.
    #[arg(long, env = "GITHUB_TOKEN", hide_env_values = true)]
    pub github_token: Option<String>,
}

const LIMITS: collector::Limits = collector::engine::limits::DEFAULT_LIMITS;
const REGRESSION: crate::core::deploys::RegressionRule = crate::core::deploys::DEFAULT_REGRESSION_RULE;

/// A number above 0, refused at start otherwise.
fn positive(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if value > 0.0 && value.is_finite() => Ok(value),
        _ => Err("must be a number above 0".to_string()),
    }
}
const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

fn millis(duration: Duration) -> u64 {
    duration.as_millis() as u64
}

/// A whole number of at least `min`. Refused values are refused at start:
/// clap names the flag and the value (`invalid value '0' for
/// '--max-pending-spans': must be at least 1`), for an env var too.
/// A folder that exists (`--allow-path`).
fn existing_folder(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    if path.is_dir() { Ok(path) } else { Err(format!("`{text}` is not a folder")) }
}

fn at_least<T>(min: T) -> impl clap::builder::TypedValueParser<Value = T>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy + Clone + Send + Sync + 'static,
{
    move |text: &str| -> Result<T, String> {
        match text.trim().parse::<T>() {
            Ok(value) if value >= min => Ok(value),
            _ => Err(format!("must be a whole number of at least {min}")),
        }
    }
}

impl ServeArgs {
    /// The OTLP/gRPC URL self-telemetry exports to, when it is on.
    fn self_telemetry_endpoint(&self) -> Option<String> {
        self.self_telemetry.then(|| {
            self.self_telemetry_endpoint.clone().unwrap_or_else(|| {
                let mut own = self.otlp_grpc_addr;
                if own.ip().is_unspecified() {
                    own.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
                }
                format!("http://{own}")
            })
        })
    }
}

/// The tokens of a token file, read when the flag is parsed.
#[derive(Clone, Debug)]
pub struct TokenFile(Vec<String>);

/// Reads a token file: one token a line; a file that cannot be read, or
/// holds no token, is refused at start (clap names the flag and the path).
fn token_file(path: &str) -> Result<TokenFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read it: {e}"))?;
    let tokens: Vec<String> =
        text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).map(str::to_string).collect();
    if tokens.is_empty() { Err("it holds no token (one a line)".to_string()) } else { Ok(TokenFile(tokens)) }
}

/// Values were checked by clap as they were parsed; nothing is clamped here.
impl From<ServeArgs> for ServeConfig {
    fn from(args: ServeArgs) -> Self {
        ServeConfig {
            catalog: args.catalog,
            database_url: args.database_url,
            addr: args.addr,
            otlp_grpc_addr: args.otlp_grpc_addr,
            otlp_http_addr: args.otlp_http_addr,
            site_root: args.site_root,
            flush_interval: Duration::from_millis(args.flush_interval_ms),
            max_otlp_body_bytes: args.max_otlp_body_bytes,
            max_in_flight_bytes: args.max_in_flight_bytes,
            attribute_names: args.sample_rate_attribute,
            connections: listener::ListenerConfig {
                max_connections: args.max_connections,
                header_read_timeout: Duration::from_secs(args.header_read_timeout_secs),
                idle_timeout: Duration::from_secs(args.idle_timeout_secs),
                tls: None,
                cpu: None,
            },
            tls: args.tls_cert.zip(args.tls_key),
            max_event_streams: args.max_event_streams,
            api_tokens: args.api_tokens.into_iter().chain(args.api_token_files.into_iter().flat_map(|f| f.0)).collect(),
            otlp_tokens: args.otlp_tokens.into_iter().chain(args.otlp_token_files.into_iter().flat_map(|f| f.0)).collect(),
            allow_url_hosts: args.allow_url_hosts,
            allow_paths: args.allow_paths,
            kinds: kinds(args.strict_kinds),
            url_refresh_interval: Duration::from_secs(args.url_refresh_secs),
            engine: collector::EngineConfig {
                pairing_window: Duration::from_millis(args.pairing_window_ms),
                max_pending: args.max_pending_spans,
                limits: collector::Limits {
                    max_peers: args.max_peers_per_service,
                    max_operations: args.max_operations_per_service,
                    max_services: args.max_services,
                    max_edges: args.max_edges,
                },
                ..collector::EngineConfig::default()
            },
            retention: crate::traffic::Retention {
                minutes: Duration::from_secs(args.minute_retention_hours * HOUR),
                hours: Duration::from_secs(args.hour_retention_days * DAY),
            },
            trace_requests: args.self_telemetry,
            demo_fleet: args.demo_fleet,
            slo_interval: Some(Duration::from_secs(args.slo_interval_secs)),
            scorecard_interval: Some(Duration::from_secs(args.scorecard_interval_secs)),
            alert_webhook: args.alert_webhook,
            regression: crate::core::deploys::RegressionRule {
                window: Duration::from_secs(args.regression_window_secs),
                error_rate_points: args.regression_error_points / 100.0,
                p95_ratio: args.regression_p95_ratio,
                ..REGRESSION
            },
            github: (!args.github_url.is_empty()).then(|| crate::deploys::github::GithubConfig {
                url: args.github_url,
                token: args.github_token,
                poll: Duration::from_secs(args.github_poll_secs),
            }),
        }
    }
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Descriptor files or folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Entities of custom kinds (no built-in kind claims them) are errors,
    /// as in Backstage's catalog; by default they are warnings.
    #[arg(long)]
    pub strict: bool,
}

fn kinds(strict: bool) -> catalog::Kinds {
    if strict { catalog::Kinds::Strict } else { catalog::Kinds::Lenient }
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Validate(args) => validate(&args.paths, kinds(args.strict)),
        Command::Api(args) => api::run(args),
        Command::Serve(args) => {
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(runtime) => runtime,
                Err(error) => {
                    eprintln!("meridian: cannot start the async runtime: {error}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(serve_with_logging(args)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    tracing::error!("{error:#}");
                    eprintln!("meridian: {error:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn log_filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_env("MERIDIAN_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
}

/// Logging (and self-telemetry when asked), then serving until a signal.
async fn serve_with_logging(args: ServeArgs) -> anyhow::Result<()> {
    let provider = match args.self_telemetry_endpoint() {
        Some(endpoint) => {
            let provider = crate::http::self_telemetry::init(&endpoint, log_filter())?;
            tracing::info!("self-telemetry: request spans go to {endpoint}");
            Some(provider)
        }
        None => {
            use tracing_subscriber::prelude::*;
            let _ = tracing_subscriber::registry().with(crate::log_layer().with_filter(log_filter())).try_init();
            None
        }
    };
    let served = serve_until_signal(args.into(), provider.clone()).await;
    if let Some(provider) = provider
        && let Err(error) = provider.shutdown()
    {
        tracing::warn!("self-telemetry could not flush its last spans: {error}");
    }
    served
}

async fn serve_until_signal(config: ServeConfig, self_telemetry: Option<SdkTracerProvider>) -> anyhow::Result<()> {
    let running = serve::start(config).await?;
    shutdown_signal().await;
    tracing::info!("shutting down: flushing observed traffic");
    // Meridian's own request spans go out while its receiver still listens
    // (it is their endpoint unless --self-telemetry-endpoint says otherwise).
    if let Some(provider) = self_telemetry {
        let _ = tokio::task::spawn_blocking(move || provider.force_flush()).await;
    }
    running.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

/// Prints every problem (of descriptors and of SLOs); exit status 1 when
/// any is an error.
pub fn validate(paths: &[PathBuf], kinds: catalog::Kinds) -> ExitCode {
    let mut loaded = catalog::load_paths(paths);
    kinds.enforce(&mut loaded.entities, &mut loaded.diagnostics);
    let slos = slo::definition::read_files(&loaded.other_documents);
    let components: std::collections::HashSet<&str> = loaded
        .entities
        .iter()
        .filter(|p| p.entity.kind.eq_ignore_ascii_case("component"))
        .map(|p| p.entity.metadata.name.as_str())
        .collect();
    let unknown = slo::definition::unknown_services(&slos.slos, |service| components.contains(service));
    let scorecards = catalog::scorecard::read_files(&loaded.other_documents);
    let diagnostics: Vec<&catalog::Diagnostic> =
        loaded.diagnostics.iter().chain(&slos.diagnostics).chain(&unknown).chain(&scorecards.diagnostics).collect();
    for diagnostic in &diagnostics {
        println!("{diagnostic}");
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    eprintln!(
        "{} files, {} valid entities, {} valid SLOs, {} valid scorecards, {errors} errors, {warnings} warnings",
        loaded.files.len(),
        loaded.entities.len(),
        slos.slos.len(),
        scorecards.scorecards.len()
    );
    if errors > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
