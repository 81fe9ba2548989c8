//! `POST /api/v1/deploys` (a write: the API token), `GET /api/v1/deploys`
//! and `GET /api/v1/dora`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{ApiError, ApiState};
use crate::core::Window;
use crate::core::deploys::DeployFilter;
use crate::core::dora::DoraScope;
use crate::store::ReportedDeploy;

/// Reads over this far back unless `since` says otherwise.
const DEFAULT_SINCE: Window = Window::minutes(90 * 24 * 60);
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 1_000;

/// A deploy as a client reports it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Report {
    service: String,
    version: String,
    environment: Option<String>,
    commit: Option<String>,
    url: Option<String>,
    /// RFC 3339; now when absent.
    at: Option<String>,
}

/// Idempotent on (service, version, environment): sent again, it replaces
/// what it said before.
pub async fn report(State(state): State<ApiState>, body: Bytes) -> Result<Response, ApiError> {
    let report: Report = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("invalid deploy: {e}")))?;
    let at = match report.at.as_deref() {
        None => crate::store::unix_seconds(),
        Some(text) => slo::window::parse_rfc3339(text)
            .ok_or_else(|| ApiError::bad_request(format!("`at`: `{text}` is not an RFC 3339 time such as 2026-11-30T12:00:00Z")))?,
    };
    let deploy = ReportedDeploy {
        source: crate::core::deploys::DeploySource::Api.as_str().to_string(),
        service: report.service,
        version: report.version,
        environment: report.environment.filter(|e| !e.is_empty()),
        at_unix_secs: at,
        commit: report.commit,
        url: report.url,
    };
    state.core.report_deploy(&deploy).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({"service": deploy.service, "version": deploy.version}))).into_response())
}

#[derive(Deserialize)]
pub struct Params {
    service: Option<String>,
    /// A window back from now (`7d`) or an RFC 3339 time.
    since: Option<String>,
    limit: Option<usize>,
}

pub async fn history(State(state): State<ApiState>, Query(params): Query<Params>) -> Result<Response, ApiError> {
    let now = crate::store::unix_seconds();
    let since = match params.since.as_deref().filter(|s| !s.is_empty()) {
        None => now - DEFAULT_SINCE.duration.as_secs() as i64,
        Some(text) => match Window::parse(text) {
            Ok(window) => now - window.duration.as_secs() as i64,
            Err(_) => slo::window::parse_rfc3339(text)
                .ok_or_else(|| ApiError::bad_request(format!("`since`: `{text}` is neither a window such as 7d nor an RFC 3339 time")))?,
        },
    };
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(format!("`limit` must be from 1 to {MAX_LIMIT}")));
    }
    let filter = DeployFilter { service: params.service.filter(|s| !s.is_empty()), since, limit };
    let items = state.core.deploy_history(&filter, now).await?;
    Ok(Json(serde_json::json!({ "items": items })).into_response())
}

#[derive(Deserialize)]
pub struct DoraParams {
    service: Option<String>,
    owner: Option<String>,
    days: Option<u32>,
}

/// `?service=NAME` or `?owner=REF`, `days` 30 by default.
pub async fn dora(State(state): State<ApiState>, Query(params): Query<DoraParams>) -> Result<Response, ApiError> {
    let scope = match (params.service.filter(|s| !s.is_empty()), params.owner.filter(|o| !o.is_empty())) {
        (Some(service), None) => DoraScope::Service(service),
        (None, Some(owner)) => DoraScope::Owner(owner),
        _ => return Err(ApiError::bad_request("give `service` or `owner`, one of them")),
    };
    let dora = state.core.dora(&scope, params.days.unwrap_or(30), crate::store::unix_seconds()).await?;
    Ok(Json(dora).into_response())
}
