//! The REST API: Backstage's catalog API ([`backstage`]) and Meridian's own
//! under `/api/v1`, errors in Backstage's shape throughout
//! (`{error: {name, message}, response: {statusCode}}`). Each core error
//! class maps to one status here ([`ApiError`]), and only client-caused
//! classes carry their message; the rest are logged.

mod apis;
mod backstage;
mod deploys;
mod insights;
pub mod openapi;
mod scorecards;
mod slos;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use collector::Pipeline;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use self::openapi::{ApiDoc, ErrorBody, ReadErrors, WriteErrors};

use super::auth::{AuthError, Tokens, WriteAccess};
use crate::core::{self, Core, Window};

/// The window graph and operation reads cover when none is given.
const DEFAULT_WINDOW: Window = Window::minutes(15);

/// The event stream's rate limit: changes within it are sent together.
const STREAM_MIN_INTERVAL: Duration = Duration::from_secs(1);

/// How long a client is asked to wait when the database is unavailable
/// (the pages ask the same).
use app::port::RETRY_AFTER_SECS;

#[derive(Clone, axum::extract::FromRef)]
pub struct ApiState {
    pub core: Core,
    /// For `/metrics`: the engine's counters.
    pub pipeline: Arc<Pipeline>,
    /// For `/metrics`: the CPU ingest took.
    pub ingest_cpu: crate::traffic::IngestCpu,
    /// Who may write.
    pub write_tokens: Tokens,
    /// One permit per open event stream.
    pub streams: Arc<tokio::sync::Semaphore>,
}

/// A router whose routes carry their OpenAPI description.
type Routes = OpenApiRouter<ApiState>;

pub fn router(state: ApiState) -> Router {
    let (api, document) = routes().split_for_parts();
    let served = openapi::Served::new(document);
    api.with_state(state).merge(Router::new().route("/api/openapi.json", get(openapi::Served::serve)).with_state(served))
}

/// Every API route with its description.
fn routes() -> Routes {
    Routes::with_openapi(<ApiDoc as utoipa::OpenApi>::openapi())
        .merge(backstage::routes())
        .merge(slos::routes())
        .merge(apis::routes())
        .merge(insights::routes())
        .merge(scorecards::routes())
        .routes(routes!(register_entities))
        .routes(routes!(deploys::report))
        .routes(routes!(deploys::history))
        .routes(routes!(deploys::dora))
        .routes(routes!(graph))
        .routes(routes!(graph_stream))
        .routes(routes!(graph_view))
        .routes(routes!(operations))
        .routes(routes!(problems))
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

/// Query parameters; a malformed query is an [`ApiError`] in the API's shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// Path parameters; one that cannot be read is an [`ApiError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// The raw body; a body over the limit is a 413 in the API's shape.
pub struct ApiBody(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBody {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        Ok(ApiBody(axum::body::Bytes::from_request(request, state).await?))
    }
}

impl From<QueryRejection> for ApiError {
    /// `format: unknown variant `png`, expected one of …`: the parameter first.
    fn from(rejection: QueryRejection) -> Self {
        let text = rejection.body_text();
        Self::bad_request(text.strip_prefix("Failed to deserialize query string: ").unwrap_or(&text))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::bad_request(rejection.body_text())
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLargeError", rejection.body_text()),
            _ => Self::bad_request(rejection.body_text()),
        }
    }
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
            core::Error::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, "NotAllowedError", message),
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
        let mut response = (self.status, ErrorBody::new(self.status, self.name, self.message)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(RETRY_AFTER_SECS));
        }
        response
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct WindowParams {
    /// How far back: `30s`, `15m` (default), `6h`, up to `90d`.
    window: Option<String>,
}

impl WindowParams {
    fn window(&self) -> Result<Window, ApiError> {
        window_or(self.window.as_deref(), DEFAULT_WINDOW)
    }
}

/// A query parameter as given: one left empty is not given.
fn given(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.is_empty())
}

/// `text` read as a window; absent or empty: `default`.
fn window_or(text: Option<&str>, default: Window) -> Result<Window, ApiError> {
    match text.filter(|t| !t.is_empty()) {
        Some(text) => Ok(Window::parse(text).map_err(core::Error::from)?),
        None => Ok(default),
    }
}

/// RED per operation of one service.
#[utoipa::path(get, path = "/api/v1/services/{name}/operations", tag = "graph",
    params(("name" = String, Path, description = "The service's `service.name`"), WindowParams),
    responses((status = 200, body = core::services::OperationsView), ReadErrors))]
async fn operations(
    State(state): State<ApiState>,
    ApiPath(name): ApiPath<String>,
    ApiQuery(params): ApiQuery<WindowParams>,
) -> Result<Response, ApiError> {
    Ok(Json(state.core.operations(&name, params.window()?).await?).into_response())
}

/// The service graph over a window: every node and every edge with RED.
#[utoipa::path(get, path = "/api/v1/graph", tag = "graph", params(WindowParams),
    responses((status = 200, body = core::GraphView), ReadErrors))]
async fn graph(State(state): State<ApiState>, ApiQuery(params): ApiQuery<WindowParams>) -> Result<Response, ApiError> {
    Ok(Json(state.core.graph(params.window()?).await?).into_response())
}

/// Server-sent events: `event: graph` with the body of `GET /api/v1/graph`
/// for `?window=` (default 15m, at most the live graph's horizon), from the
/// live graph: once at once, then whenever it changed (new traffic, or a
/// minute slid out of the window), at most once a second.
#[utoipa::path(get, path = "/api/v1/graph/stream", tag = "graph", params(WindowParams),
    responses((status = 200, description = "Server-sent events", content_type = "text/event-stream", body = openapi::GraphEvent), ReadErrors))]
async fn graph_stream(State(state): State<ApiState>, ApiQuery(params): ApiQuery<WindowParams>) -> Result<Response, ApiError> {
    let window = params.window()?;
    let Ok(permit) = state.streams.clone().try_acquire_owned() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailableError",
            "too many event streams are open (--max-event-streams); try again shortly",
        ));
    };
    // Subscribed first: a change while the first view is made is sent next.
    let changes = state.core.graph_changes();
    let first = state.core.live_graph(window)?;
    // The permit lives as long as the stream.
    let events = futures::stream::unfold(
        (state.core, changes, Some(first), None, permit),
        move |(core, mut changes, first, last, permit)| async move {
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
            Some((Ok::<_, std::convert::Infallible>(event), (core, changes, None, Some(tokio::time::Instant::now()), permit)))
        },
    );
    Ok(Sse::new(events).keep_alive(KeepAlive::default()).into_response())
}

/// Every problem of the last catalog load: `file:line:column`, severity,
/// message and entity ref.
#[utoipa::path(get, path = "/api/v1/catalog/problems", tag = "catalog",
    responses((status = 200, body = Vec<catalog::Diagnostic>)))]
async fn problems(State(state): State<ApiState>) -> Response {
    Json(state.core.problems().as_ref().clone()).into_response()
}

/// `?dryRun=true`: a registration only checks and reports.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DryRun {
    /// Only check and report; register nothing.
    #[serde(rename = "dryRun")]
    #[param(rename = "dryRun")]
    dry_run: Option<bool>,
}

/// `POST /api/v1/entities[?dryRun=true]` with a YAML body (one or more
/// descriptors): registers or replaces them, all or none. 400 with the
/// problems (`request:line:column`) when any document is invalid.
#[utoipa::path(post, path = "/api/v1/entities", tag = "catalog", params(DryRun),
    request_body(content = String, content_type = "application/yaml", description = "One or more entity descriptors"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered; at least one entity is new", body = crate::core::catalog::Registration),
        (status = 200, description = "Registered (or checked, with dryRun); nothing new", body = crate::core::catalog::Registration),
        (status = 400, description = "A document is invalid (the problems say where; nothing was registered), or a parameter is", body = openapi::Rejected),
        WriteErrors, openapi::ServerErrors,
    ))]
async fn register_entities(
    _: WriteAccess,
    State(state): State<ApiState>,
    ApiQuery(params): ApiQuery<DryRun>,
    ApiBody(body): ApiBody,
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

/// Liveness: the process answers. Readiness is `/readyz`.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, content_type = "text/plain", body = String)))]
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: whether this replica should get traffic (for a load
/// balancer or Kubernetes), and why not.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = core::Readiness),
        (status = 503, description = "Not ready; `reasons` says why", body = core::Readiness,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ))]
async fn readyz(State(state): State<ApiState>) -> Response {
    let readiness = state.core.readiness().await;
    if readiness.ready {
        Json(readiness).into_response()
    } else {
        let mut response = (StatusCode::SERVICE_UNAVAILABLE, Json(readiness)).into_response();
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(RETRY_AFTER_SECS));
        response
    }
}

/// Prometheus text format: the engine's own counters.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain; version=0.0.4", body = String)))]
async fn metrics(State(state): State<ApiState>) -> impl IntoResponse {
    let c = state.pipeline.counters();
    let counters = [
        ("meridian_spans_received_total", "Spans accepted by the OTLP receivers (kept by whatever sampled them).", c.spans),
        (
            "meridian_spans_represented_total",
            "Spans the accepted ones stand for: their sampling weights summed (equal to received when nothing is sampled).",
            c.represented,
        ),
        (
            "meridian_spans_sampled_away_total",
            "Client halves whose server half the callee's sampler dropped: counted by the calls that paired, not waited for.",
            c.sampled_away,
        ),
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
    body.push_str(&format!(
        "# HELP meridian_leader 1 while this replica leads the others on its database (roll-ups, retention, GitHub, URL refreshes, SLO alerts).\n# TYPE meridian_leader gauge\nmeridian_leader {}\n",
        u8::from(state.core.is_leading())
    ));
    body.push_str(&format!(
        "# HELP meridian_ingest_cpu_seconds_total CPU time the ingest took (thread CPU while its tasks ran): the OTLP receivers (decoding, pairing, aggregating) and the flusher (writing the store).\n# TYPE meridian_ingest_cpu_seconds_total counter\nmeridian_ingest_cpu_seconds_total{{part=\"receivers\"}} {:.6}\nmeridian_ingest_cpu_seconds_total{{part=\"flusher\"}} {:.6}\n",
        state.ingest_cpu.receivers.seconds(),
        state.ingest_cpu.flusher.seconds()
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ViewFormat {
    /// How far back: `15m` (default), up to `90d`.
    window: Option<String>,
    /// `json` (default), `dot`, `mermaid` or `svg`.
    #[param(inline)]
    format: Option<ExportFormat>,
}

#[derive(Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum ExportFormat {
    #[default]
    Json,
    Dot,
    Mermaid,
    Svg,
}

/// `GET /api/v1/graph/view?window=&focus=&hops=&direction=&system=&owner=
/// &namespace=&connection=&minErrors=&minRate=&find=&hide=&group=&expand=&format=`: the
/// graph narrowed (README, "Graph views"), as JSON (default), `dot`,
/// `mermaid` or `svg`.
#[utoipa::path(get, path = "/api/v1/graph/view", tag = "graph", params(ViewFormat, core::view::ViewParams),
    responses(
        (status = 200, description = "The view; its form as `format` says", content(
            (core::view::View = "application/json"),
            (String = "text/vnd.graphviz; charset=utf-8"),
            (String = "text/plain; charset=utf-8"),
            (String = "image/svg+xml; charset=utf-8"),
        )),
        openapi::NotFound,
        ReadErrors,
    ))]
async fn graph_view(
    State(state): State<ApiState>,
    ApiQuery(format): ApiQuery<ViewFormat>,
    ApiQuery(params): ApiQuery<core::view::ViewParams>,
) -> Result<Response, ApiError> {
    let window = WindowParams { window: format.window }.window()?;
    let query = params.query().map_err(ApiError::bad_request)?;
    let view = state.core.graph_view(window, &query).await?;
    let text = |content_type: &'static str, body: String| ([(header::CONTENT_TYPE, content_type)], body).into_response();
    Ok(match format.format.unwrap_or_default() {
        ExportFormat::Json => Json(view).into_response(),
        ExportFormat::Dot => text("text/vnd.graphviz; charset=utf-8", core::view::export::dot(&view)),
        ExportFormat::Mermaid => text("text/plain; charset=utf-8", core::view::export::mermaid(&view)),
        ExportFormat::Svg => text("image/svg+xml; charset=utf-8", core::view::export::svg(view, &window.to_string())),
    })
}
