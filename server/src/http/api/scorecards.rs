//! Scorecards (README, "Scorecards"): `GET /api/v1/scorecards[?entity=&owner=]`
//! (the latest evaluation: every entity's level and rules, every team's
//! summary) and `GET /api/v1/scorecards/history?subject=` (an entity's or a
//! team's results as they changed).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa_axum::routes;

use super::openapi::ReadErrors;
use super::{ApiError, ApiQuery, ApiState, Routes, given};
use crate::core::scorecards::{ScoreSnapshot, ScoreSubject};

pub fn routes() -> Routes {
    Routes::new().routes(routes!(list)).routes(routes!(history))
}

#[derive(Deserialize)]
struct Params {
    entity: Option<String>,
    owner: Option<String>,
    subject: Option<String>,
}

/// The latest evaluation: every entity's level and rules, every team's summary.
#[utoipa::path(get, path = "/api/v1/scorecards", tag = "scorecards",
    params(("entity" = Option<String>, Query, description = "Only this entity: a ref, a Component unless it says (`checkout`, `api:orders`)"), ("owner" = Option<String>, Query, description = "Only this owner's entities and teams: a ref, a Group unless it says (`team-shop`)")),
    responses((status = 200, body = ScoreSnapshot), ReadErrors))]
async fn list(State(state): State<ApiState>, ApiQuery(params): ApiQuery<Params>) -> Result<Response, ApiError> {
    let (entity, owner) = (given(params.entity), given(params.owner));
    Ok(Json(state.core.scorecards_of(entity.as_deref(), owner.as_deref())?).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct HistoryItem {
    scorecard: String,
    kind: ScoreSubject,
    /// `null` when no level was reached.
    level: Option<String>,
    score: i64,
    at: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct History {
    /// The subject asked about, lower case.
    subject: String,
    items: Vec<HistoryItem>,
}

/// An entity's or a team's results as they changed.
#[utoipa::path(get, path = "/api/v1/scorecards/history", tag = "scorecards",
    params(("subject" = String, Query, description = "An entity ref, or a team's (`group:default/team-a`)", min_length = 1)),
    responses((status = 200, body = History), ReadErrors))]
async fn history(State(state): State<ApiState>, ApiQuery(params): ApiQuery<Params>) -> Result<Response, ApiError> {
    let Some(subject) = params.subject.filter(|s| !s.is_empty()) else {
        return Err(ApiError::bad_request("give `subject`: an entity ref or a team's (group:default/team-a)"));
    };
    let rows = state.core.score_history(&subject).await?;
    let items: Vec<HistoryItem> = rows
        .into_iter()
        .map(|row| HistoryItem {
            scorecard: row.scorecard,
            kind: row.kind,
            level: Some(row.level).filter(|l| !l.is_empty()),
            score: row.score,
            at: slo::window::rfc3339(row.at_unix_secs.max(0) as u64),
        })
        .collect();
    Ok(Json(History { subject: subject.to_ascii_lowercase(), items }).into_response())
}
