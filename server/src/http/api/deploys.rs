//! `POST /api/v1/deploys` (a write: the API token), `GET /api/v1/deploys`
//! and `GET /api/v1/dora`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::openapi::{NotFound, ReadErrors, WriteErrors};
use super::{ApiBody, ApiError, ApiQuery, ApiState, given};
use crate::core::Window;
use crate::core::deploys::{DeployFilter, DeployHistory, DeploySource, ReportedDeploy};
use crate::core::dora::Dora;
use crate::core::dora::DoraScope;
use crate::http::auth::WriteAccess;

/// Reads over this far back unless `since` says otherwise.
const DEFAULT_SINCE: Window = Window::minutes(90 * 24 * 60);
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 1_000;

/// A deploy as a client reports it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Report {
    /// Not blank.
    #[schema(pattern = "\\S")]
    service: String,
    /// Not blank.
    #[schema(pattern = "\\S")]
    version: String,
    environment: Option<String>,
    commit: Option<String>,
    url: Option<String>,
    /// RFC 3339; now when absent.
    #[schema(format = DateTime)]
    at: Option<String>,
}

/// Idempotent on (service, version, environment): sent again, it replaces
/// What was recorded.
#[derive(Serialize, ToSchema)]
struct Reported {
    service: String,
    version: String,
    /// Something worth knowing about the deploy kept (no Component by its service's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

/// Records a deploy a pipeline reports. Idempotent on (service, version,
/// environment): sent again, it replaces what it said before.
#[utoipa::path(post, path = "/api/v1/deploys", tag = "deploys", request_body = Report,
    security(("bearer" = [])),
    responses((status = 201, body = Reported), WriteErrors, ReadErrors))]
pub async fn report(_: WriteAccess, State(state): State<ApiState>, ApiBody(body): ApiBody) -> Result<Response, ApiError> {
    let report: Report = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("invalid deploy: {e}")))?;
    let at = match report.at.as_deref() {
        None => crate::unix_seconds(),
        Some(text) => slo::window::parse_rfc3339(text)
            .ok_or_else(|| ApiError::bad_request(format!("`at`: `{text}` is not an RFC 3339 time such as 2026-11-30T12:00:00Z")))?,
    };
    let deploy = ReportedDeploy {
        source: DeploySource::Api,
        service: report.service,
        version: report.version,
        environment: report.environment.filter(|e| !e.is_empty()),
        at_unix_secs: at,
        commit: report.commit,
        url: report.url,
    };
    let note = state.core.report_deploy(&deploy).await?;
    Ok((StatusCode::CREATED, Json(Reported { service: deploy.service, version: deploy.version, note })).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Params {
    /// Only this service's deploys.
    service: Option<String>,
    /// Only the deploys of this owner's Components: a ref as a descriptor
    /// writes it (`team-shop`, `group:default/team-shop`).
    owner: Option<String>,
    /// Only deploys to this environment.
    environment: Option<String>,
    /// Only deploys judged a regression (`true`) or judged not one (`false`).
    regression: Option<bool>,
    /// A window back from now (`7d`) or an RFC 3339 time.
    since: Option<String>,
    /// At most this many, newest first (1 to 1000; default 50).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
}

/// Deploys, detected from traffic and reported, newest first, with every
/// service, owner and environment that deployed over the period.
#[utoipa::path(get, path = "/api/v1/deploys", tag = "deploys", params(Params), responses((status = 200, body = DeployHistory), ReadErrors))]
pub async fn history(State(state): State<ApiState>, ApiQuery(params): ApiQuery<Params>) -> Result<Response, ApiError> {
    let now = crate::unix_seconds();
    let since = match params.since.as_deref().filter(|s| !s.is_empty()) {
        None => now - DEFAULT_SINCE.duration.as_secs() as i64,
        Some(text) => match Window::parse(text) {
            Ok(window) => now - window.duration.as_secs() as i64,
            // Said as the window's own error (its limit included), unless it is a time.
            Err(not_a_window) => slo::window::parse_rfc3339(text)
                .ok_or_else(|| ApiError::bad_request(format!("`since`: {not_a_window}; or give an RFC 3339 time")))?,
        },
    };
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(format!("`limit` must be from 1 to {MAX_LIMIT}")));
    }
    let filter = DeployFilter {
        service: given(params.service),
        owner: given(params.owner),
        environment: given(params.environment),
        regression: params.regression,
        since,
        limit,
    };
    Ok(Json(state.core.deploy_history(&filter, now).await?).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DoraParams {
    /// One service. With `owner`, it must be one of the owner's.
    service: Option<String>,
    /// An owner's ref: the Components it owns, together. Neither this nor
    /// `service`: every Component in the catalog.
    owner: Option<String>,
    /// Days back (1 to 90; default 30).
    #[param(minimum = 1, maximum = 90)]
    days: Option<u32>,
}

/// DORA's four keys for a service, an owner's services, or every service.
#[utoipa::path(get, path = "/api/v1/dora", tag = "deploys", params(DoraParams), responses((status = 200, body = Dora), NotFound, ReadErrors))]
pub async fn dora(State(state): State<ApiState>, ApiQuery(params): ApiQuery<DoraParams>) -> Result<Response, ApiError> {
    let scope = DoraScope { service: given(params.service), owner: given(params.owner) };
    let dora = state.core.dora(&scope, params.days.unwrap_or(30), crate::unix_seconds()).await?;
    Ok(Json(dora).into_response())
}
