//! API contracts (README, "API contracts"): `GET /api/v1/apis/{namespace}/{name}`
//! (the definition, providers, versions), `.../coverage?window=` (documented
//! against served), `.../consumers?window=` (who calls each operation) and
//! `.../changes` (every change between successive versions, breaking ones
//! with the consumers of their operation).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router, routing::get};

use super::{ApiError, ApiState, WindowParams};

pub fn router() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/apis/{namespace}/{name}", get(detail))
        .route("/api/v1/apis/{namespace}/{name}/coverage", get(coverage))
        .route("/api/v1/apis/{namespace}/{name}/consumers", get(consumers))
        .route("/api/v1/apis/{namespace}/{name}/changes", get(changes))
}

async fn detail(State(state): State<ApiState>, Path((namespace, name)): Path<(String, String)>) -> Result<Response, ApiError> {
    Ok(Json(state.core.api(&namespace, &name).await?).into_response())
}

async fn coverage(
    State(state): State<ApiState>,
    Path((namespace, name)): Path<(String, String)>,
    Query(params): Query<WindowParams>,
) -> Result<Response, ApiError> {
    Ok(Json(state.core.api_coverage(&namespace, &name, params.window()?).await?).into_response())
}

async fn consumers(
    State(state): State<ApiState>,
    Path((namespace, name)): Path<(String, String)>,
    Query(params): Query<WindowParams>,
) -> Result<Response, ApiError> {
    Ok(Json(state.core.api_consumers(&namespace, &name, params.window()?).await?).into_response())
}

async fn changes(State(state): State<ApiState>, Path((namespace, name)): Path<(String, String)>) -> Result<Response, ApiError> {
    Ok(Json(state.core.api_changes(&namespace, &name).await?).into_response())
}
