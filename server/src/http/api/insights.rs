//! Insights (README, "Insights"): `GET /api/v1/insights/drift?window=&entity=`,
//! `.../cycles?window=`, `.../hotspots?window=&limit=`,
//! `.../blast-radius/{service}?window=` and `.../drafts/{service}?window=`
//! (a `catalog-info.yaml` draft, as YAML). The window defaults to 24 hours.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router, routing::get};
use serde::Deserialize;

use super::{ApiError, ApiState};
use crate::core::Window;
use crate::core::insights::DEFAULT_INSIGHTS_WINDOW;

/// Hot spots listed when no `limit` is given, and at most.
const DEFAULT_HOTSPOTS: usize = 10;
const MAX_HOTSPOTS: usize = 1000;

pub fn router() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/insights/drift", get(drift))
        .route("/api/v1/insights/cycles", get(cycles))
        .route("/api/v1/insights/hotspots", get(hotspots))
        .route("/api/v1/insights/blast-radius/{*service}", get(blast_radius))
        .route("/api/v1/insights/drafts/{*service}", get(draft))
}

#[derive(Deserialize)]
struct Params {
    window: Option<String>,
    entity: Option<String>,
    limit: Option<String>,
}

impl Params {
    fn window(&self) -> Result<Window, ApiError> {
        match &self.window {
            Some(text) if !text.is_empty() => Ok(Window::parse(text).map_err(crate::core::Error::from)?),
            _ => Ok(DEFAULT_INSIGHTS_WINDOW),
        }
    }

    fn limit(&self) -> Result<usize, ApiError> {
        match self.limit.as_deref() {
            None | Some("") => Ok(DEFAULT_HOTSPOTS),
            Some(text) => match text.parse::<usize>() {
                Ok(limit) if (1..=MAX_HOTSPOTS).contains(&limit) => Ok(limit),
                _ => Err(ApiError::bad_request(format!("limit `{text}` must be a whole number from 1 to {MAX_HOTSPOTS}"))),
            },
        }
    }
}

async fn drift(State(state): State<ApiState>, Query(params): Query<Params>) -> Result<Response, ApiError> {
    let entity = params.entity.as_deref().filter(|e| !e.is_empty());
    Ok(Json(state.core.drift(params.window()?, entity).await?).into_response())
}

async fn cycles(State(state): State<ApiState>, Query(params): Query<Params>) -> Result<Response, ApiError> {
    Ok(Json(state.core.cycles(params.window()?).await?).into_response())
}

async fn hotspots(State(state): State<ApiState>, Query(params): Query<Params>) -> Result<Response, ApiError> {
    Ok(Json(state.core.hotspots(params.window()?, params.limit()?).await?).into_response())
}

async fn blast_radius(
    State(state): State<ApiState>,
    Path(service): Path<String>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    Ok(Json(state.core.blast_radius(&service, params.window()?).await?).into_response())
}

async fn draft(State(state): State<ApiState>, Path(service): Path<String>, Query(params): Query<Params>) -> Result<Response, ApiError> {
    let yaml = state.core.draft_descriptor(&service, params.window()?).await?;
    Ok(([(header::CONTENT_TYPE, "application/yaml; charset=utf-8")], yaml).into_response())
}
