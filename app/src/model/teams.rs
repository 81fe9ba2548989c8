//! View models of the team pages.

use serde::{Deserialize, Serialize};

/// One row of `/teams`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamRow {
    pub entity_ref: String,
    pub title: String,
    pub team_type: Option<String>,
    pub parent: Option<String>,
    pub members: usize,
    pub owned: usize,
}

/// `/teams/{namespace}/{name}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamView {
    pub entity_ref: String,
    pub title: String,
    pub description: Option<String>,
    pub team_type: Option<String>,
    pub parent: Option<String>,
    pub children: Vec<String>,
    /// (entity ref, display name).
    pub members: Vec<(String, String)>,
    pub owned: Vec<OwnedRow>,
    /// The window the health and callers cover.
    pub window: String,
    /// Calls into the team's services from services of other teams (or of none).
    pub callers: Vec<TeamCaller>,
    /// The team's line on each scorecard.
    pub scores: Vec<TeamScoreLine>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OwnedRow {
    pub entity_ref: String,
    pub kind: String,
    pub title: String,
    pub spec_type: Option<String>,
    /// Served over the window, for components seen in traffic.
    pub health: Option<Health>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub requests: u64,
    pub errors: u64,
    pub p95_ms: f64,
    /// Spans the counts rest on (fewer than `requests`: an estimate).
    pub kept_spans: u64,
}

impl Health {
    /// Its traffic in words: `≈2000 req · 40 err · p95 12 ms`.
    pub fn describe(&self) -> String {
        let estimated = self.kept_spans < self.requests;
        let errors = if estimated && self.errors > 0 { format!("≈{}", self.errors) } else { self.errors.to_string() };
        let mut text = format!("{} req · {errors} err · p95 {:.0} ms", super::count_text(self.requests, self.kept_spans), self.p95_ms);
        if estimated {
            text.push_str(&format!(" ({})", super::kept_text(self.kept_spans)));
        }
        text
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamCaller {
    pub caller: String,
    pub caller_ref: Option<String>,
    /// The caller's owner; `None` when the caller is not in the catalog.
    pub caller_team: Option<String>,
    pub callee: String,
    pub callee_ref: Option<String>,
    pub requests: u64,
    pub errors: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamScoreLine {
    pub scorecard: String,
    pub level: Option<String>,
    pub score: u32,
    pub entities: usize,
}

/// `/teams/{namespace}/{name}` for a `group:namespace/name` ref.
pub fn team_href(entity_ref: &str) -> String {
    let rest = entity_ref.split_once(':').map_or(entity_ref, |(_, rest)| rest);
    let (namespace, name) = rest.split_once('/').unwrap_or(("default", rest));
    format!("/teams/{namespace}/{name}")
}
