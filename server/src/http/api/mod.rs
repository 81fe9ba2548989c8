//! The REST API: Backstage's catalog API ([`backstage`]) and Meridian's own
//! under `/api/v1`, errors in Backstage's shape throughout
//! (`{error: {name, message}, response: {statusCode}}`). Each core error
//! class maps to one status here ([`ApiError`]), and only client-caused
//! classes carry their message; the rest are logged.

mod apis;
mod backstage;
mod deploys;
mod insights;
mod scorecards;
mod slos;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query as QueryParams, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use collector::Pipeline;
use serde::Deserialize;
use serde_json::json;

use super::auth::{AuthError, Tokens, require_write_token};
use crate::core::{self, Core, Window};

/// The window graph and operation reads cover when none is given.
const DEFAULT_WINDOW: Window = Window::minutes(15);

/// The event stream's rate limit: changes within it are sent together.
const STREAM_MIN_INTERVAL: Duration = Duration::from_secs(1);

/// How long a client is asked to wait when the database is unavailable.
const RETRY_AFTER_SECS: u64 = 5;

#[derive(Clone)]
pub struct ApiState {
    pub core: Core,
    /// For `/metrics`: the engine's counters.
    pub pipeline: Arc<Pipeline>,
    /// Who may write.
    pub write_tokens: Tokens,
}

pub fn router(state: ApiState) -> Router {
    let writes = Router::new()
        .route("/api/v1/entities", post(register_entities))
        .route("/api/v1/deploys", post(deploys::report))
        .route_layer(axum::middleware::from_fn_with_state(state.write_tokens.clone(), require_write_token));
    Router::new()
        .merge(backstage::router(&state))
        .merge(slos::router())
        .merge(apis::router())
        .merge(insights::router())
        .merge(scorecards::router())
        .merge(writes)
        .route("/api/v1/deploys", get(deploys::history))
        .route("/api/v1/dora", get(deploys::dora))
        .route("/api/v1/graph", get(graph))
        .route("/api/v1/graph/stream", get(graph_stream))
        .route("/api/v1/graph/view", get(graph_view))
        .route("/api/v1/services/{name}/operations", get(operations))
        .route("/api/v1/catalog/problems", get(problems))
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// An error in Backstage's shape.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    name: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, name: &'static str, message: impl Into<String>) -> Self {
        Self { status, name, message: message.into() }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InputError", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFoundError", message)
    }
}

impl From<core::Error> for ApiError {
    fn from(error: core::Error) -> Self {
        error.log("API request failed");
        let message = error.to_string();
        match error {
            core::Error::Invalid(_) => Self::bad_request(message),
            core::Error::NotFound(_) => Self::not_found(message),
            core::Error::Conflict(_) => Self::new(StatusCode::CONFLICT, "ConflictError", message),
            core::Error::Unavailable(_) => Self::new(StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailableError", message),
            core::Error::Internal(_) => Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Error", message),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(refusal: AuthError) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "AuthenticationError", refusal.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": { "name": self.name, "message": self.message },
            "response": { "statusCode": self.status.as_u16() },
        });
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(RETRY_AFTER_SECS));
        }
        response
    }
}

#[derive(Deserialize)]
struct WindowParams {
    window: Option<String>,
}

impl WindowParams {
    fn window(&self) -> Result<Window, ApiError> {
        match &self.window {
            Some(text) => Ok(Window::parse(text).map_err(core::Error::from)?),
            None => Ok(DEFAULT_WINDOW),
        }
    }
}

/// `?window=15m` (default): RED per operation of one service.
async fn operations(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    QueryParams(params): QueryParams<WindowParams>,
) -> Result<Response, ApiError> {
    Ok(Json(state.core.operations(&name, params.window()?).await?).into_response())
}

async fn graph(State(state): State<ApiState>, QueryParams(params): QueryParams<WindowParams>) -> Result<Response, ApiError> {
    Ok(Json(state.core.graph(params.window()?).await?).into_response())
}

/// Server-sent events: `event: graph` with the body of `GET /api/v1/graph`
/// for `?window=` (default 15m, at most the live graph's horizon), from the
/// live graph: once at once, then whenever it changed (new traffic, or a
/// minute slid out of the window), at most once a second.
async fn graph_stream(State(state): State<ApiState>, QueryParams(params): QueryParams<WindowParams>) -> Result<Response, ApiError> {
    let window = params.window()?;
    // Subscribed first: a change while the first view is made is sent next.
    let changes = state.core.graph_changes();
    let first = state.core.live_graph(window)?;
    let events = futures::stream::unfold((state.core, changes, Some(first), None), move |(core, mut changes, first, last)| async move {
        let view = match first {
            Some(view) => view,
            None => {
                tokio::select! {
                    changed = changes.changed() => changed.ok()?,
                    _ = core.closed() => return None,
                }
                if let Some(last) = last {
                    tokio::select! {
                        _ = tokio::time::sleep_until(last + STREAM_MIN_INTERVAL) => {}
                        _ = core.closed() => return None,
                    }
                }
                changes.mark_unchanged();
                match core.live_graph(window) {
                    Ok(view) => view,
                    Err(error) => {
                        error.log("graph stream");
                        return None;
                    }
                }
            }
        };
        let event =
            Event::default().event("graph").json_data(view).unwrap_or_else(|_| Event::default().event("error").data("internal error"));
        Some((Ok::<_, std::convert::Infallible>(event), (core, changes, None, Some(tokio::time::Instant::now()))))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()).into_response())
}

/// Every problem of the last catalog load: `file:line:column`, severity,
/// message and entity ref.
async fn problems(State(state): State<ApiState>) -> Response {
    Json(state.core.problems().as_ref().clone()).into_response()
}

#[derive(Deserialize)]
struct RegisterParams {
    #[serde(rename = "dryRun")]
    dry_run: Option<bool>,
}

/// `POST /api/v1/entities[?dryRun=true]` with a YAML body (one or more
/// descriptors): registers or replaces them, all or none. 400 with the
/// problems (`request:line:column`) when any document is invalid.
async fn register_entities(
    State(state): State<ApiState>,
    QueryParams(params): QueryParams<RegisterParams>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let yaml = std::str::from_utf8(&body).map_err(|_| ApiError::bad_request("the body must be UTF-8 YAML"))?;
    let outcome = state.core.register_yaml(yaml, params.dry_run.unwrap_or(false)).await?;
    let status = if outcome.problems.iter().any(|d| d.is_error()) || outcome.entities.is_empty() {
        StatusCode::BAD_REQUEST
    } else if outcome.applied && !outcome.added.is_empty() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(outcome)).into_response())
}

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
    overflow_metrics(&state.pipeline.overflow(), &mut body);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

/// Calls counted in `(other)` because a cardinality limit was reached, by
/// limit and, for the per-service limits, by the service that reached it.
fn overflow_metrics(overflow: &collector::Overflow, body: &mut String) {
    const NAME: &str = "meridian_cardinality_overflow_total";
    body.push_str(&format!(
        "# HELP {NAME} Calls counted in an `(other)` series because a cardinality limit was reached.\n# TYPE {NAME} counter\n"
    ));
    for (limit, by_service) in [("peers", &overflow.peers), ("operations", &overflow.operations)] {
        for (service, calls) in by_service {
            body.push_str(&format!("{NAME}{{limit=\"{limit}\",service=\"{}\"}} {calls}\n", label_value(service)));
        }
    }
    body.push_str(&format!("{NAME}{{limit=\"services\"}} {}\n{NAME}{{limit=\"edges\"}} {}\n", overflow.services, overflow.edges));
}

/// A Prometheus label value: backslash, double quote and newline escaped.
fn label_value(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[derive(Deserialize)]
struct ViewFormat {
    window: Option<String>,
    format: Option<String>,
}

/// `GET /api/v1/graph/view?window=&focus=&hops=&direction=&system=&owner=
/// &namespace=&connection=&minErrors=&minRate=&find=&hide=&group=&expand=&format=`: the
/// graph narrowed (README, "Graph views"), as JSON (default), `dot`,
/// `mermaid` or `svg`.
async fn graph_view(
    State(state): State<ApiState>,
    QueryParams(format): QueryParams<ViewFormat>,
    QueryParams(params): QueryParams<core::view::ViewParams>,
) -> Result<Response, ApiError> {
    let window = WindowParams { window: format.window }.window()?;
    let query = params.query().map_err(ApiError::bad_request)?;
    let view = state.core.graph_view(window, &query).await?;
    let text = |content_type: &'static str, body: String| ([(header::CONTENT_TYPE, content_type)], body).into_response();
    Ok(match format.format.as_deref().unwrap_or("json") {
        "json" => Json(view).into_response(),
        "dot" => text("text/vnd.graphviz; charset=utf-8", core::view::export::dot(&view)),
        "mermaid" => text("text/plain; charset=utf-8", core::view::export::mermaid(&view)),
        "svg" => {
            let graph = core::GraphView { nodes: view.nodes, edges: view.edges };
            let options = super::web::layout::Options { groups: &view.groups, ..Default::default() };
            text("image/svg+xml; charset=utf-8", core::view::export::svg(&super::web::layout::layout(&graph, &window.to_string(), options)))
        }
        other => return Err(ApiError::bad_request(format!("format `{other}` is not one of json, dot, mermaid, svg"))),
    })
}
