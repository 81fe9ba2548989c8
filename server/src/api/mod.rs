//! The REST API: Backstage's catalog API ([`catalog`]) and Meridian's own
//! (`/api/v1/...`), with errors in Backstage's shape throughout.

mod catalog;

use std::sync::Arc;

use axum::extract::{Query as QueryParams, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use collector::Pipeline;
use serde::Deserialize;
use serde_json::json;

use crate::query::Query;
use crate::window::Window;

#[derive(Clone)]
pub struct ApiState {
    pub query: Query,
    pub pipeline: Arc<Pipeline>,
    /// Bearer tokens that may write; none configured means no writes.
    pub api_tokens: Arc<Vec<String>>,
}

pub fn router(state: ApiState) -> Router {
    Router::new()
        .merge(catalog::router(&state))
        .route("/api/v1/graph", get(graph))
        .route("/api/v1/graph/stream", get(graph_stream))
        .route("/api/v1/services/{name}/operations", get(operations))
        .route("/api/v1/catalog/problems", get(problems))
        .route(
            "/api/v1/entities",
            axum::routing::post(register_entities).route_layer(axum::middleware::from_fn_with_state(state.clone(), require_token)),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// An error in Backstage's shape: `{error: {name, message}, response: {statusCode}}`.
pub struct ApiError {
    status: StatusCode,
    name: &'static str,
    message: String,
}

impl ApiError {
    pub fn unauthorized(message: String) -> Self {
        Self { status: StatusCode::UNAUTHORIZED, name: "AuthenticationError", message }
    }

    pub fn not_found(message: String) -> Self {
        Self { status: StatusCode::NOT_FOUND, name: "NotFoundError", message }
    }

    pub fn bad_request(message: String) -> Self {
        Self { status: StatusCode::BAD_REQUEST, name: "InputError", message }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        tracing::error!("request failed: {error:#}");
        Self { status: StatusCode::INTERNAL_SERVER_ERROR, name: "Error", message: format!("{error:#}") }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": { "name": self.name, "message": self.message },
            "response": { "statusCode": self.status.as_u16() },
        });
        (self.status, Json(body)).into_response()
    }
}

#[derive(Deserialize)]
struct GraphParams {
    window: Option<String>,
}

/// `?window=15m` (default): RED per operation of one service.
async fn operations(
    State(state): State<ApiState>,
    axum::extract::Path(name): axum::extract::Path<String>,
    QueryParams(params): QueryParams<GraphParams>,
) -> Result<Response, ApiError> {
    let text = params.window.as_deref().unwrap_or("15m");
    let window = Window::parse(text).map_err(ApiError::bad_request)?;
    Ok(Json(state.query.operations(&name, window, text).await?).into_response())
}

async fn graph(State(state): State<ApiState>, QueryParams(params): QueryParams<GraphParams>) -> Result<Response, ApiError> {
    let window = Window::parse(params.window.as_deref().unwrap_or("15m")).map_err(ApiError::bad_request)?;
    Ok(Json(state.query.graph(window).await?).into_response())
}

/// Server-sent events: `event: graph` with the body of `GET /api/v1/graph`
/// for `?window=` (default 15m, at most 1h), from the live graph: once at
/// once, then whenever it changed (new traffic, or a minute slid out of the
/// window), at most once a second.
async fn graph_stream(State(state): State<ApiState>, QueryParams(params): QueryParams<GraphParams>) -> Result<Response, ApiError> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    let text = params.window.unwrap_or_else(|| "15m".into());
    let window = Window::parse(&text).map_err(ApiError::bad_request)?;
    if window.duration.as_secs() > crate::live::HORIZON_SECS {
        return Err(ApiError::bad_request(format!(
            "window `{text}`: the live stream covers at most 1h; use GET /api/v1/graph?window={text}"
        )));
    }
    let changes = state.query.live().subscribe();
    let events =
        futures::stream::unfold((state.query, changes, None::<tokio::time::Instant>), move |(query, mut changes, last)| async move {
            if let Some(last) = last {
                let live = query.live();
                tokio::select! {
                    changed = changes.changed() => changed.ok()?,
                    _ = live.closed() => return None,
                }
                tokio::select! {
                    _ = tokio::time::sleep_until(last + STREAM_MIN_INTERVAL) => {}
                    _ = live.closed() => return None,
                }
            }
            changes.mark_unchanged();
            let event = match query.live_graph(window) {
                Ok(view) => {
                    Event::default().event("graph").json_data(view).unwrap_or_else(|e| Event::default().event("error").data(e.to_string()))
                }
                Err(error) => Event::default().event("error").data(format!("{error:#}")),
            };
            Some((Ok::<_, std::convert::Infallible>(event), (query, changes, Some(tokio::time::Instant::now()))))
        });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()).into_response())
}

/// The stream's rate limit: changes within it are sent together.
const STREAM_MIN_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// Every problem of the last catalog load: `file:line:column`, severity,
/// message and entity ref.
async fn problems(State(state): State<ApiState>) -> Response {
    Json(state.query.catalog().diagnostics().as_ref().clone()).into_response()
}

/// `POST /api/v1/entities[?dryRun=true]` with a YAML body (one or more
/// descriptors): registers or replaces them, all or none. 400 with the
/// problems (`request:line:column`) when any document is invalid.
async fn register_entities(
    State(state): State<ApiState>,
    QueryParams(params): QueryParams<RegisterParams>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let yaml = std::str::from_utf8(&body).map_err(|_| ApiError::bad_request("the body must be UTF-8 YAML".into()))?;
    let outcome = state.query.catalog().register_yaml(yaml, params.dry_run.unwrap_or(false)).await?;
    let status = if outcome.problems.iter().any(|d| d.is_error()) || outcome.entities.is_empty() {
        StatusCode::BAD_REQUEST
    } else if outcome.applied && !outcome.added.is_empty() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(outcome)).into_response())
}

#[derive(Deserialize)]
struct RegisterParams {
    #[serde(rename = "dryRun")]
    dry_run: Option<bool>,
}

/// Guards write routes: `Authorization: Bearer TOKEN` with a configured token.
pub async fn require_token(State(state): State<ApiState>, request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if state.api_tokens.is_empty() {
        return ApiError::unauthorized("writes are disabled: start meridian with --api-token (or MERIDIAN_API_TOKEN) to allow them".into())
            .into_response();
    }
    let authorization = request.headers().get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    match collector::receiver::bearer_refusal(&state.api_tokens, authorization) {
        None => next.run(request).await,
        Some(reason) => ApiError::unauthorized(reason.into()).into_response(),
    }
}

/// Whether `token` is one of the configured API tokens (one rule for the API and OTLP).
pub use collector::receiver::token_is_valid;

/// Prometheus text format: the engine's own counters.
async fn metrics(State(state): State<ApiState>) -> impl IntoResponse {
    let c = state.pipeline.counters();
    let counters = [
        ("meridian_spans_received_total", "Spans accepted by the OTLP receivers.", c.spans),
        ("meridian_spans_paired_total", "Halves (client/server, producer/consumer) that met their partner.", c.paired),
        ("meridian_spans_expired_total", "Halves whose pairing window passed without a partner.", c.expired),
        ("meridian_spans_evicted_total", "Halves pushed out of the full pairing store before their window passed.", c.evicted),
        ("meridian_spans_dropped_total", "Spans that could not be used at all (bad ids, no service.name).", c.dropped),
        ("meridian_exports_refused_total", "OTLP exports refused for overload (asked to retry).", state.pipeline.admission().refused()),
    ];
    let mut body = String::new();
    for (name, help, value) in counters {
        body.push_str(&format!("# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"));
    }
    body.push_str(&format!(
        "# HELP meridian_spans_pending Halves waiting for their partner.\n# TYPE meridian_spans_pending gauge\nmeridian_spans_pending {}\n",
        state.pipeline.pending()
    ));
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}
