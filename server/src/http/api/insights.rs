//! Insights (README, "Insights"): `GET /api/v1/insights/drift?window=&entity=`,
//! `.../cycles?window=`, `.../hotspots?window=&limit=`,
//! `.../blast-radius/{service}?window=` and `.../drafts/{service}?window=`
//! (a `catalog-info.yaml` draft, as YAML). The window defaults to 24 hours.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa_axum::routes;

use super::openapi::{NotFound, ReadErrors};
use super::{ApiError, ApiPath, ApiQuery, ApiState, Routes};
use crate::core::Window;
use crate::core::insights::DEFAULT_INSIGHTS_WINDOW;
use crate::core::insights::{BlastRadius, Cycles, Drift, Hotspots};

/// Hot spots listed when no `limit` is given, and at most.
const DEFAULT_HOTSPOTS: usize = 10;
const MAX_HOTSPOTS: usize = 1000;

pub fn routes() -> Routes {
    Routes::new()
        .routes(routes!(drift))
        .routes(routes!(cycles))
        .routes(routes!(hotspots))
        .routes(routes!(blast_radius))
        .routes(routes!(draft))
}

/// How far back; 24 hours by default.
const WINDOW: &str = "How far back: `1h`, `24h` (default), up to `90d`";

#[derive(Deserialize)]
struct Params {
    window: Option<String>,
    entity: Option<String>,
    limit: Option<String>,
}

impl Params {
    fn window(&self) -> Result<Window, ApiError> {
        super::window_or(self.window.as_deref(), DEFAULT_INSIGHTS_WINDOW)
    }

    fn limit(&self) -> Result<usize, ApiError> {
        match self.limit.as_deref() {
            None => Ok(DEFAULT_HOTSPOTS),
            Some(text) => match text.parse::<usize>() {
                Ok(limit) if (1..=MAX_HOTSPOTS).contains(&limit) => Ok(limit),
                _ => Err(ApiError::bad_request(format!("limit `{text}` must be a whole number from 1 to {MAX_HOTSPOTS}"))),
            },
        }
    }
}

/// Declared dependencies against observed calls: undeclared calls, and
/// declarations never seen.
#[utoipa::path(get, path = "/api/v1/insights/drift", tag = "insights",
    params(("window" = Option<String>, Query, description = WINDOW), ("entity" = Option<String>, Query, description = "Only this entity's drift (a ref)")),
    responses((status = 200, body = Drift), ReadErrors))]
async fn drift(State(state): State<ApiState>, ApiQuery(params): ApiQuery<Params>) -> Result<Response, ApiError> {
    let entity = params.entity.as_deref().filter(|e| !e.is_empty());
    Ok(Json(state.core.drift(params.window()?, entity).await?).into_response())
}

/// Call cycles among services.
#[utoipa::path(get, path = "/api/v1/insights/cycles", tag = "insights",
    params(("window" = Option<String>, Query, description = WINDOW)),
    responses((status = 200, body = Cycles), ReadErrors))]
async fn cycles(State(state): State<ApiState>, ApiQuery(params): ApiQuery<Params>) -> Result<Response, ApiError> {
    Ok(Json(state.core.cycles(params.window()?).await?).into_response())
}

/// Services with the most callers and callees.
#[utoipa::path(get, path = "/api/v1/insights/hotspots", tag = "insights",
    params(("window" = Option<String>, Query, description = WINDOW), ("limit" = Option<usize>, Query, description = "1 to 1000 (default 10)", minimum = 1, maximum = 1000)),
    responses((status = 200, body = Hotspots), ReadErrors))]
async fn hotspots(State(state): State<ApiState>, ApiQuery(params): ApiQuery<Params>) -> Result<Response, ApiError> {
    Ok(Json(state.core.hotspots(params.window()?, params.limit()?).await?).into_response())
}

/// Everything that calls a service, directly or not, with their SLOs.
#[utoipa::path(get, path = "/api/v1/insights/blast-radius/{*service}", tag = "insights",
    params(("service" = String, Path, description = "The service's `service.name`"), ("window" = Option<String>, Query, description = WINDOW)),
    responses((status = 200, body = BlastRadius), NotFound, ReadErrors))]
async fn blast_radius(
    State(state): State<ApiState>,
    ApiPath(service): ApiPath<String>,
    ApiQuery(params): ApiQuery<Params>,
) -> Result<Response, ApiError> {
    Ok(Json(state.core.blast_radius(&service, params.window()?).await?).into_response())
}

/// A `catalog-info.yaml` draft for a service seen in traffic.
#[utoipa::path(get, path = "/api/v1/insights/drafts/{*service}", tag = "insights",
    params(("service" = String, Path, description = "The service's `service.name`"), ("window" = Option<String>, Query, description = WINDOW)),
    responses((status = 200, content_type = "application/yaml; charset=utf-8", body = String), NotFound,
        (status = 409, description = "The service is in the catalog already", body = super::openapi::ErrorBody), ReadErrors))]
async fn draft(
    State(state): State<ApiState>,
    ApiPath(service): ApiPath<String>,
    ApiQuery(params): ApiQuery<Params>,
) -> Result<Response, ApiError> {
    let yaml = state.core.draft_descriptor(&service, params.window()?).await?;
    Ok(([(header::CONTENT_TYPE, "application/yaml; charset=utf-8")], yaml).into_response())
}
