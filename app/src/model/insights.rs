//! View models of the Insights page and the drift and scorecard panels of
//! entity pages.

use serde::{Deserialize, Serialize};

/// `/insights`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InsightsView {
    pub window: String,
    pub drift: DriftView,
    pub cycles: Vec<Vec<NodeRef>>,
    pub fan_in: Vec<FanRow>,
    pub fan_out: Vec<FanRow>,
    pub scorecards: Vec<ScorecardView>,
}

/// A service or other node, with its entity when the catalog has one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeRef {
    pub name: String,
    pub entity_ref: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DriftView {
    pub undeclared: Vec<Dependency>,
    pub unobserved: Vec<Dependency>,
    pub uncataloged: Vec<String>,
    pub silent: Vec<String>,
}

impl DriftView {
    pub fn is_empty(&self) -> bool {
        self.undeclared.is_empty() && self.unobserved.is_empty() && self.uncataloged.is_empty() && self.silent.is_empty()
    }
}

/// Entity refs, or node ids (`database:orders`) where the catalog has none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dependency {
    pub source: String,
    pub target: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FanRow {
    pub service: NodeRef,
    pub services: usize,
    pub requests: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScorecardView {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    pub levels: Vec<String>,
    pub teams: Vec<TeamScoreRow>,
    pub entities: Vec<EntityScoreRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeamScoreRow {
    pub owner: String,
    pub entities: usize,
    pub score: u32,
    pub level: Option<String>,
    /// Entities at each level exactly, lowest first.
    pub at_level: Vec<usize>,
    pub below_all: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntityScoreRow {
    pub scorecard: String,
    pub entity_ref: String,
    pub owner: Option<String>,
    pub level: Option<String>,
    pub score: u32,
    pub levels: Vec<String>,
    pub rules: Vec<RuleRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleRow {
    pub rule: String,
    pub passed: bool,
    pub detail: String,
}

/// A `catalog-info.yaml` draft for a service the catalog lacks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftView {
    pub service: String,
    pub yaml: String,
}
