//! Everything that speaks HTTP to people and programs on the web port: the
//! REST API ([`api`]), the web app and its port ([`web`]), bearer-token
//! auth for writes ([`auth`]) and Meridian's own request spans
//! ([`self_telemetry`]). Adapters only: each handler parses, calls the
//! [`Core`], and maps the answer (and each core error class, once) to its
//! protocol. Nothing here reads the store or the catalog service directly.
//!
//! The OTLP receivers are the collector's own adapters; the web port serves
//! `POST /v1/traces` too, merged in by [`router`].

pub mod api;
pub mod auth;
pub mod self_telemetry;
pub mod web;

use std::sync::Arc;

use axum::Router;
use collector::Pipeline;

use self::auth::Tokens;
use self::web::demo_fleet::DemoFleet;
use crate::core::Core;

/// Event streams open at once unless `--max-event-streams` says otherwise.
pub const DEFAULT_MAX_EVENT_STREAMS: usize = 256;

/// What the adapters on the web port need besides the core.
pub struct HttpConfig {
    pub pipeline: Arc<Pipeline>,
    /// The CPU the OTLP listeners and the flusher take (`/metrics`).
    pub ingest_cpu: crate::traffic::IngestCpu,
    pub write_tokens: Tokens,
    /// Demo mode: the fleet's control endpoint.
    pub demo_fleet: Option<DemoFleet>,
    /// Where the built app's assets are (`pkg/`).
    pub site_root: String,
    /// A SERVER span per API and UI request (`--self-telemetry`).
    pub trace_requests: bool,
    /// Event streams open at once; beyond, 503.
    pub max_event_streams: usize,
}

/// The web port's routes: API, app and `otlp_http` (never traced, so
/// Meridian does not feed on its own exports).
pub fn router(core: Core, config: HttpConfig, otlp_http: Router) -> Router {
    let streams = Arc::new(tokio::sync::Semaphore::new(config.max_event_streams));
    let api = api::router(api::ApiState {
        core: core.clone(),
        pipeline: config.pipeline,
        ingest_cpu: config.ingest_cpu,
        write_tokens: config.write_tokens.clone(),
        streams,
    });
    let app = web::router(web::portal(core, config.write_tokens, config.demo_fleet), &config.site_root);
    let mut routes = api.merge(app);
    if config.trace_requests {
        routes = routes.route_layer(axum::middleware::from_fn(self_telemetry::trace_request));
    }
    routes.merge(otlp_http)
}
