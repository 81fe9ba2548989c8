//! API contracts (README, "API contracts"): `GET /api/v1/apis/{namespace}/{name}`
//! (the definition, providers, versions), `.../coverage?window=` (documented
//! against served), `.../consumers?window=` (who calls each operation) and
//! `.../changes` (every change between successive versions, breaking ones
//! with the consumers of their operation).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use utoipa_axum::routes;

use super::openapi::{NotFound, ReadErrors};
use super::{ApiError, ApiPath, ApiQuery, ApiState, Routes, WindowParams};
use crate::core::apis::{ApiChanges, ApiDetail, Consumers, Coverage};

pub fn routes() -> Routes {
    Routes::new().routes(routes!(detail)).routes(routes!(coverage)).routes(routes!(consumers)).routes(routes!(changes))
}

/// The API entity's definition, providers and versions.
#[utoipa::path(get, path = "/api/v1/apis/{namespace}/{name}", tag = "apis",
    params(("namespace" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = ApiDetail), NotFound, ReadErrors))]
async fn detail(State(state): State<ApiState>, ApiPath((namespace, name)): ApiPath<(String, String)>) -> Result<Response, ApiError> {
    Ok(Json(state.core.api(&namespace, &name).await?).into_response())
}

/// Documented operations against those served over the window.
#[utoipa::path(get, path = "/api/v1/apis/{namespace}/{name}/coverage", tag = "apis",
    params(("namespace" = String, Path), ("name" = String, Path), WindowParams),
    responses((status = 200, body = Coverage), NotFound, ReadErrors))]
async fn coverage(
    State(state): State<ApiState>,
    ApiPath((namespace, name)): ApiPath<(String, String)>,
    ApiQuery(params): ApiQuery<WindowParams>,
) -> Result<Response, ApiError> {
    Ok(Json(state.core.api_coverage(&namespace, &name, params.window()?).await?).into_response())
}

/// Who called each operation over the window.
#[utoipa::path(get, path = "/api/v1/apis/{namespace}/{name}/consumers", tag = "apis",
    params(("namespace" = String, Path), ("name" = String, Path), WindowParams),
    responses((status = 200, body = Consumers), NotFound, ReadErrors))]
async fn consumers(
    State(state): State<ApiState>,
    ApiPath((namespace, name)): ApiPath<(String, String)>,
    ApiQuery(params): ApiQuery<WindowParams>,
) -> Result<Response, ApiError> {
    Ok(Json(state.core.api_consumers(&namespace, &name, params.window()?).await?).into_response())
}

/// Every change between successive versions; breaking ones with their consumers.
#[utoipa::path(get, path = "/api/v1/apis/{namespace}/{name}/changes", tag = "apis",
    params(("namespace" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = ApiChanges), NotFound, ReadErrors))]
async fn changes(State(state): State<ApiState>, ApiPath((namespace, name)): ApiPath<(String, String)>) -> Result<Response, ApiError> {
    Ok(Json(state.core.api_changes(&namespace, &name).await?).into_response())
}
