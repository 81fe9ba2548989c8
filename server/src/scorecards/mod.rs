//! Scorecards evaluated, with no I/O: the rules of each scorecard judged on
//! every entity it applies to ([`rules`]), over facts joined from sources
//! read once a pass ([`facts`]); per team (owner), the mean score and how
//! many entities reached each level. The core reads the sources, runs the
//! pass on its interval, keeps the answer and stores its history
//! (`core::scorecards`), as the SLO room's evaluator keeps its own.
//!
//! A score is the share of a scorecard's rules passed, 0 to 100. A team's
//! level is the lowest its entities reached: a team is as far along as its
//! least mature service.

pub mod facts;
pub mod rules;

use std::sync::Arc;

use catalog::index::CatalogIndex;
use catalog::scorecard::{Rule, Scorecard};
use serde::Serialize;

pub use self::facts::{ApiFacts, FactSources, facts};
pub use self::rules::{Facts, judge, major_bumped, score, teams};
pub use crate::store::{ScoreRow, ScoreSubject};

/// Every scorecard over every entity it applies to, as of `now` (unix
/// seconds): the answer readers get, and the rows of its history.
pub fn evaluate(cards: &[Arc<Scorecard>], index: &CatalogIndex, sources: &FactSources, now: u64) -> (ScoreSnapshot, Vec<ScoreRow>) {
    let mut snapshot = ScoreSnapshot { evaluated_at: Some(now), scorecards: Vec::new() };
    let mut rows = Vec::new();
    for card in cards.iter() {
        let entities: Vec<EntityScore> = index
            .entities()
            .iter()
            .filter(|e| card.applies_to(&e.entity))
            .map(|indexed| {
                let key = indexed.key();
                score(card, &key, &facts(&key, &indexed.entity, index, sources), now as i64)
            })
            .collect();
        let teams = teams(card, &entities);
        for entity in &entities {
            rows.push(ScoreRow {
                scorecard: card.name.clone(),
                subject: entity.entity_ref.clone(),
                kind: ScoreSubject::Entity,
                level: entity.level.clone().unwrap_or_default(),
                score: i64::from(entity.score),
                at_unix_secs: now as i64,
            });
        }
        for team in &teams {
            rows.push(ScoreRow {
                scorecard: card.name.clone(),
                subject: team.owner.clone(),
                kind: ScoreSubject::Team,
                level: team.level.clone().unwrap_or_default(),
                score: i64::from(team.score),
                at_unix_secs: now as i64,
            });
        }
        snapshot.scorecards.push(CardScores {
            name: card.name.clone(),
            title: card.title.clone(),
            description: card.description.clone(),
            levels: card.levels.iter().map(|l| l.name.clone()).collect(),
            entities,
            teams,
        });
    }
    (snapshot, rows)
}

/// `GET /api/v1/scorecards`'s body.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ScoreSnapshot {
    /// Unix seconds (RFC 3339 in JSON); `None` before the first evaluation.
    #[serde(serialize_with = "crate::rfc3339::serialize_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub evaluated_at: Option<u64>,
    pub scorecards: Vec<CardScores>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CardScores {
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    /// Lowest first.
    pub levels: Vec<String>,
    pub entities: Vec<EntityScore>,
    pub teams: Vec<TeamScore>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EntityScore {
    pub entity_ref: String,
    pub owner: Option<String>,
    /// The highest level reached, if any.
    pub level: Option<String>,
    pub score: u32,
    pub rules: Vec<RuleResult>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RuleResult {
    pub rule: Rule,
    pub passed: bool,
    /// Why, in a sentence.
    pub detail: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TeamScore {
    pub owner: String,
    pub entities: usize,
    pub score: u32,
    /// The lowest level its entities reached (`None` if one reached none).
    pub level: Option<String>,
    /// How many of its entities reached each level exactly, lowest first; then none.
    pub at_level: Vec<usize>,
    pub below_all: usize,
}
