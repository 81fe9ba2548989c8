//! One demo service: an axum server whose handlers continue the caller's
//! trace (W3C `traceparent`), call their downstream services with client
//! spans, and fail a configurable share of requests.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use opentelemetry::global;
use serde_json::{Value, json};
use tracing::Instrument;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::telemetry::{self, HeaderExtractor, HeaderInjector, Protocol};

#[derive(clap::Args, Clone, Debug)]
pub struct ServiceArgs {
    /// Which service to run: gateway, catalog or pricing.
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub port: u16,
    /// Base URL of the next service this one calls (if any).
    #[arg(long)]
    pub downstream: Option<String>,
    /// Share of requests answered with HTTP 500, 0.0 to 1.0.
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    #[arg(long, default_value = "1.0.0")]
    pub version: String,
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", default_value = "http://127.0.0.1:4317")]
    pub otlp_endpoint: String,
    #[arg(long, value_enum, default_value = "grpc")]
    pub otlp_protocol: Protocol,
}

/// The route each service serves and the one it calls downstream.
fn routes(name: &str) -> anyhow::Result<(&'static str, &'static str)> {
    Ok(match name {
        "gateway" => ("/products/{id}", "/items/"),
        "catalog" => ("/items/{id}", "/prices/"),
        "pricing" => ("/prices/{id}", ""),
        other => anyhow::bail!("unknown demo service `{other}`; expected gateway, catalog or pricing"),
    })
}

struct Service {
    args: ServiceArgs,
    route: &'static str,
    downstream_path: &'static str,
    client: reqwest::Client,
}

pub async fn run(args: ServiceArgs) -> anyhow::Result<()> {
    let (route, downstream_path) = routes(&args.name)?;
    let provider = telemetry::init(&args.name, &args.version, &args.otlp_endpoint, args.otlp_protocol)?;
    let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("{} cannot listen on {addr}", args.name))?;
    let service = Arc::new(Service { route, downstream_path, client: reqwest::Client::new(), args });
    let app = Router::new().route(route, get(handle)).route("/health", get(|| async { "ok" })).with_state(service.clone());
    tracing::info!("{} {} listening on http://{addr}", service.args.name, service.args.version);
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    // Flush buffered spans before exiting.
    if let Err(error) = provider.shutdown() {
        tracing::warn!("telemetry shutdown: {error}");
    }
    Ok(())
}

/// Ctrl-C or SIGTERM: either way, stop cleanly (and flush spans).
pub async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {},
    }
}

fn chance(share: f64) -> bool {
    let random = RandomState::new().build_hasher().finish();
    (random as f64 / u64::MAX as f64) < share
}

async fn handle(State(service): State<Arc<Service>>, headers: HeaderMap, Path(id): Path<u32>) -> (StatusCode, Json<Value>) {
    let span = tracing::info_span!(
        "request",
        otel.name = format!("GET {}", service.route),
        otel.kind = "server",
        http.request.method = "GET",
        http.route = service.route,
        http.response.status_code = Empty,
        otel.status_code = Empty,
    );
    let parent = global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(&headers)));
    let _ = span.set_parent(parent);
    let (status, body) = async {
        if chance(service.args.error_rate) {
            return (StatusCode::INTERNAL_SERVER_ERROR, json!({"error": "injected failure"}));
        }
        match &service.args.downstream {
            Some(base) if !service.downstream_path.is_empty() => {
                let url = format!("{}{}{id}", base.trim_end_matches('/'), service.downstream_path);
                match call(&service.client, &url).await {
                    Ok(value) => (StatusCode::OK, json!({"id": id, "from": service.args.name, "downstream": value})),
                    Err(error) => (StatusCode::BAD_GATEWAY, json!({"error": error.to_string()})),
                }
            }
            _ => (StatusCode::OK, json!({"id": id, "price_cents": 1000 + id * 7})),
        }
    }
    .instrument(span.clone())
    .await;
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
    (status, Json(body))
}

/// A downstream GET inside a CLIENT span whose context travels in `traceparent`.
async fn call(client: &reqwest::Client, url: &str) -> anyhow::Result<Value> {
    let address = url.split("://").nth(1).and_then(|rest| rest.split('/').next()).unwrap_or("").to_string();
    let span = tracing::info_span!(
        "call",
        otel.name = "GET",
        otel.kind = "client",
        http.request.method = "GET",
        url.full = url,
        server.address = address,
        http.response.status_code = Empty,
        otel.status_code = Empty,
    );
    let mut headers = HeaderMap::new();
    global::get_text_map_propagator(|p| p.inject_context(&span.context(), &mut HeaderInjector(&mut headers)));
    let result = client.get(url).headers(headers).send().instrument(span.clone()).await;
    match result {
        Ok(response) => {
            let status = response.status();
            span.record("http.response.status_code", status.as_u16());
            if status.is_server_error() {
                span.record("otel.status_code", "ERROR");
                anyhow::bail!("{url} answered {status}");
            }
            Ok(response.json().await?)
        }
        Err(error) => {
            span.record("otel.status_code", "ERROR");
            Err(error.into())
        }
    }
}
