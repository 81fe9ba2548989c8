//! The REST API's own description: OpenAPI 3.1 at `GET /api/openapi.json`,
//! generated from the handlers' `#[utoipa::path]` attributes and the
//! response types' `ToSchema` derives. Routes and their descriptions are
//! registered together ([`utoipa_axum::routes!`]), so a route cannot be
//! served undescribed. schemathesis holds the served API to this document
//! in `make test` (`server/tests/it/openapi.rs`).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::openapi::schema::ArrayItems;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr, Schema};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};

/// The security scheme writes name (`security(("bearer" = []))`; the
/// attribute takes a literal).
const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Meridian",
        description = "Meridian's REST API: Backstage's catalog API under /api/catalog, and Meridian's own under /api/v1. \
                       Errors have Backstage's shape. Writes need `Authorization: Bearer TOKEN` (--api-token).",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(otlp_traces),
    modifiers(&BearerScheme),
    tags(
        (name = "catalog", description = "Backstage's catalog API, as Meridian serves it"),
        (name = "graph", description = "The service graph observed from traces"),
        (name = "apis", description = "API contracts: definitions, coverage, consumers, changes"),
        (name = "slos", description = "Service level objectives, as last evaluated"),
        (name = "deploys", description = "Deploys and DORA's four keys"),
        (name = "insights", description = "Drift, cycles, hot spots, blast radius, drafts"),
        (name = "scorecards", description = "Scorecards, as last evaluated"),
        (name = "operations", description = "Health and metrics"),
        (name = "otlp", description = "OpenTelemetry traces in (OTLP/HTTP; OTLP/gRPC and OTLP/HTTP have their own ports too)"),
    ),
)]
pub struct ApiDoc;

/// Spans in, as OTLP/HTTP: an `ExportTraceServiceRequest` as protobuf or
/// JSON (gzip with `Content-Encoding: gzip`). The web port takes them as
/// the OTLP/HTTP port does (`collector::receiver::http`, which serves it);
/// the answer comes in the request's content type.
#[utoipa::path(post, path = "/v1/traces", tag = "otlp",
    request_body(description = "An ExportTraceServiceRequest", content(
        (Vec<u8> = "application/x-protobuf"),
        (serde_json::Value = "application/json"),
    )),
    responses(
        (status = 200, description = "Taken; `partialSuccess` counts the spans rejected, and says why", content(
            (serde_json::Value = "application/json"),
            (Vec<u8> = "application/x-protobuf"),
        )),
        (status = 400, description = "Not an OTLP request (a `google.rpc.Status`)", content((serde_json::Value = "application/json"), (Vec<u8> = "application/x-protobuf"))),
        (status = 401, description = "An export token is required (--otlp-token)", content((serde_json::Value = "application/json"), (Vec<u8> = "application/x-protobuf"))),
        (status = 413, description = "Over the body limit", content((serde_json::Value = "application/json"), (Vec<u8> = "application/x-protobuf"))),
        (status = 415, description = "Neither protobuf nor JSON, or an encoding other than gzip", content((serde_json::Value = "application/json"), (Vec<u8> = "application/x-protobuf"))),
        (status = 503, description = "Overloaded, or the database is away too long: retry later", headers(("Retry-After" = u64, description = "Seconds to wait")),
            content((serde_json::Value = "application/json"), (Vec<u8> = "application/x-protobuf"))),
    ))]
#[allow(dead_code)] // Described here; `collector::receiver::http` serves it.
fn otlp_traces() {}

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(BEARER, SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The document as served: built once, at start.
#[derive(Clone)]
pub struct Served(axum::body::Bytes);

impl Served {
    /// Finishes the document: axum's catch-all path parameters
    /// (`{*service}`) become plain path parameters, and every `window`,
    /// `filter` and entity-ref parameter gets the pattern its parser accepts
    /// (from the parser's module; attributes only take literals).
    pub fn new(mut document: Document) -> Self {
        document.paths.paths =
            std::mem::take(&mut document.paths.paths).into_iter().map(|(path, item)| (path.replace("{*", "{"), item)).collect();
        let window = crate::core::window::pattern(crate::core::window::MAX_WINDOW);
        let live_window = crate::core::window::pattern(crate::traffic::HORIZON);
        for (path, item) in document.paths.paths.iter_mut() {
            let window = if path == "/api/v1/graph/stream" { &live_window } else { &window };
            let operations = [&mut item.get, &mut item.post, &mut item.delete, &mut item.put, &mut item.patch];
            for parameter in operations.into_iter().flatten().flat_map(|operation| operation.parameters.iter_mut().flatten()) {
                let pattern = match parameter.name.as_str() {
                    "window" => window.as_str(),
                    "filter" => catalog::index::Filter::PATTERN,
                    // The graph view's `owner` is a filter of its own (a group's name or ref).
                    "owner" | "entity" if path != "/api/v1/graph/view" => crate::core::refs::PATTERN,
                    _ => continue,
                };
                if let Some(RefOr::T(schema)) = &mut parameter.schema {
                    set_pattern(schema, pattern);
                }
            }
        }
        // Serialising a document of plain values cannot fail.
        Self(document.to_json().unwrap_or_default().into())
    }

    pub async fn serve(State(served): State<Served>) -> Response {
        // A reference-counted copy: the document is not copied per request.
        ([(header::CONTENT_TYPE, "application/json")], served.0).into_response()
    }
}

/// `pattern` on a string schema, or on the items of an array of strings.
fn set_pattern(schema: &mut Schema, pattern: &str) {
    match schema {
        Schema::Object(object) => object.pattern = Some(pattern.to_string()),
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items
                && let RefOr::T(items) = items.as_mut()
            {
                set_pattern(items, pattern);
            }
        }
        _ => {}
    }
}

/// Every error: Backstage's shape.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
    pub response: ErrorStatus,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `InputError`, `NotFoundError`, `ConflictError`, `AuthenticationError`,
    /// `ServiceUnavailableError` or `Error`.
    pub name: &'static str,
    /// What went wrong, for the sender; internal causes stay in the server's log.
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorStatus {
    #[serde(rename = "statusCode")]
    pub status_code: u16,
}

impl ErrorBody {
    pub fn new(status: StatusCode, name: &'static str, message: String) -> Json<Self> {
        Json(ErrorBody { error: ErrorDetail { name, message }, response: ErrorStatus { status_code: status.as_u16() } })
    }
}

/// The errors any read may answer.
#[derive(IntoResponses)]
#[allow(dead_code)] // Only the description is used.
pub enum ReadErrors {
    /// A parameter is not valid; the message names it.
    #[response(status = 400)]
    Invalid(ErrorBody),
    /// A bug or damaged data; the server's log has the details.
    #[response(status = 500)]
    Internal(ErrorBody),
    /// The database is unavailable; `Retry-After` says when to try again.
    #[response(status = 503, headers(("Retry-After" = u64, description = "Seconds to wait")))]
    Unavailable(ErrorBody),
}

/// The errors of the server's side alone (for operations whose 400 says more).
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum ServerErrors {
    #[response(status = 500)]
    Internal(ErrorBody),
    #[response(status = 503, headers(("Retry-After" = u64, description = "Seconds to wait")))]
    Unavailable(ErrorBody),
}

/// A registration refused: its problems, or an error.
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(untagged)]
pub enum Rejected {
    Problems(crate::core::catalog::Registration),
    Error(ErrorBody),
}

/// One event of `GET /api/v1/graph/stream`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct GraphEvent {
    /// Always `graph`.
    #[schema(pattern = "^graph$")]
    event: String,
    /// The graph as `GET /api/v1/graph` answers it, as JSON text.
    #[schema(content_media_type = "application/json")]
    data: String,
}

/// The errors a write may answer besides [`ReadErrors`].
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum WriteErrors {
    /// No token, a wrong one, or writes are disabled (no --api-token).
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// The body is larger than the server accepts.
    #[response(status = 413)]
    TooLarge(ErrorBody),
}

/// What the name in the path does not name.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum NotFound {
    #[response(status = 404)]
    NotFound(ErrorBody),
}
