//! Scorecards (README, "Scorecards"): `GET /api/v1/scorecards[?entity=&owner=]`
//! (the latest evaluation: every entity's level and rules, every team's
//! summary) and `GET /api/v1/scorecards/history?subject=` (an entity's or a
//! team's results as they changed).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router, routing::get};
use serde::{Deserialize, Serialize};

use super::{ApiError, ApiState};
use crate::core::scorecards::ScoreSnapshot;

pub fn router() -> Router<ApiState> {
    Router::new().route("/api/v1/scorecards", get(list)).route("/api/v1/scorecards/history", get(history))
}

#[derive(Deserialize)]
struct Params {
    entity: Option<String>,
    owner: Option<String>,
    subject: Option<String>,
}

async fn list(State(state): State<ApiState>, Query(params): Query<Params>) -> Result<Response, ApiError> {
    let mut snapshot: ScoreSnapshot = (*state.core.scorecards()).clone();
    let entity = params.entity.filter(|e| !e.is_empty()).map(|e| e.to_ascii_lowercase());
    let owner = params.owner.filter(|o| !o.is_empty()).map(|o| o.to_ascii_lowercase());
    for card in &mut snapshot.scorecards {
        card.entities
            .retain(|e| entity.as_ref().is_none_or(|x| &e.entity_ref == x) && owner.as_ref().is_none_or(|o| e.owner.as_ref() == Some(o)));
        card.teams.retain(|t| entity.is_none() && owner.as_ref().is_none_or(|o| &t.owner == o));
    }
    Ok(Json(snapshot).into_response())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HistoryItem {
    scorecard: String,
    kind: String,
    /// `null` when no level was reached.
    level: Option<String>,
    score: i64,
    at: String,
}

async fn history(State(state): State<ApiState>, Query(params): Query<Params>) -> Result<Response, ApiError> {
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
    Ok(Json(serde_json::json!({ "subject": subject.to_ascii_lowercase(), "items": items })).into_response())
}
