//! Scorecards run: every `--scorecard-interval-secs`, the sources their
//! rules read are read once each (APIs, served operations, SLOs, last
//! deploys, drift), the pure pass of the `scorecards` room judges every
//! entity, the answer is kept for readers and what changed is stored (the
//! history, by the leading replica).

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

use catalog::index::CatalogIndex;
use catalog::scorecard::{Rule, Scorecard};

use super::insights::DEFAULT_INSIGHTS_WINDOW;
use super::{Core, Error};
pub use crate::scorecards::{CardScores, EntityScore, FactSources, ScoreRow, ScoreSnapshot, ScoreSubject};
/// How often scorecards are evaluated by default.
pub const DEFAULT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(300);

/// Evaluates every scorecard every `interval` until `shutdown`.
pub async fn run(core: Core, interval: std::time::Duration, shutdown: tokio_util::sync::CancellationToken) {
    crate::every(interval, shutdown, || async {
        let now = crate::unix_seconds().max(0) as u64;
        let started = std::time::Instant::now();
        match core.evaluate_scorecards(now).await {
            Ok(()) => tracing::debug!("scorecards evaluated in {:?}", started.elapsed()),
            Err(error) => error.log("scorecard evaluation failed, trying again next time"),
        }
    })
    .await
}

/// The latest evaluation, shared by readers.
pub type Scores = Arc<RwLock<Arc<ScoreSnapshot>>>;

impl Core {
    /// The latest scorecard evaluation.
    pub fn scorecards(&self) -> Arc<ScoreSnapshot> {
        self.scores.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The latest evaluation, narrowed to one entity (a Component unless its
    /// ref says otherwise) or to an owner's entities and teams, each as a
    /// descriptor may write it (see [`super::refs`]).
    pub fn scorecards_of(&self, entity: Option<&str>, owner: Option<&str>) -> Result<ScoreSnapshot, Error> {
        let entity = entity.map(|e| super::refs::entity_key("entity", e, "component")).transpose()?;
        let owner = owner.map(|o| super::refs::owner_key("owner", o)).transpose()?;
        // Only what is kept is copied: an entity page asks for one entity of many thousands.
        let latest = self.scorecards();
        let scorecards = latest
            .scorecards
            .iter()
            .map(|card| CardScores {
                name: card.name.clone(),
                title: card.title.clone(),
                description: card.description.clone(),
                levels: card.levels.clone(),
                entities: card
                    .entities
                    .iter()
                    .filter(|e| {
                        entity.as_ref().is_none_or(|x| &e.entity_ref == x) && owner.as_ref().is_none_or(|o| e.owner.as_ref() == Some(o))
                    })
                    .cloned()
                    .collect(),
                teams: card.teams.iter().filter(|t| entity.is_none() && owner.as_ref().is_none_or(|o| &t.owner == o)).cloned().collect(),
            })
            .collect();
        Ok(ScoreSnapshot { evaluated_at: latest.evaluated_at, scorecards })
    }

    /// A subject's (entity's or team's) results as they changed, oldest first.
    pub async fn score_history(&self, subject: &str) -> Result<Vec<ScoreRow>, Error> {
        Ok(self.store.score_history(&subject.to_ascii_lowercase()).await?)
    }

    /// Evaluates every scorecard as of `now` (unix seconds), keeps the
    /// answer and stores what changed.
    pub async fn evaluate_scorecards(&self, now: u64) -> Result<(), Error> {
        let cards = self.catalog.scorecards();
        let index = self.catalog.snapshot();
        let sources = self.fact_sources(&cards, &index, now as i64).await?;
        let (snapshot, rows) = crate::scorecards::evaluate(&cards, &index, &sources, now);
        // Every replica scores for its own readers; one stores the history.
        if self.leadership.is_leading() {
            self.store.record_scores(&rows).await?;
        }
        *self.scores.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(snapshot);
        Ok(())
    }

    /// Everything the scorecards' rules read, in one read each (not one
    /// per entity): the APIs scored entities provide, the operations every
    /// service served, the SLOs, the last deploy of every service, drift.
    async fn fact_sources(&self, cards: &[Arc<Scorecard>], index: &CatalogIndex, now: i64) -> Result<FactSources, Error> {
        let rules: BTreeSet<Rule> = cards.iter().flat_map(|card| card.rules()).collect();
        let mut sources = FactSources::default();
        let reads_apis = [Rule::HasApiDefinition, Rule::DocumentedOperations, Rule::NoBreakingChangeWithoutVersionBump];
        if reads_apis.iter().any(|rule| rules.contains(rule)) {
            let with_changes = rules.contains(&Rule::NoBreakingChangeWithoutVersionBump);
            let provided: BTreeSet<String> = index
                .entities()
                .iter()
                .filter(|e| cards.iter().any(|card| card.applies_to(&e.entity)))
                .flat_map(|e| e.entity.relation_targets("providesApi").map(str::to_ascii_lowercase))
                .collect();
            for api in provided {
                let Some((namespace, name)) = api.strip_prefix("api:").and_then(|rest| rest.split_once('/')) else { continue };
                if let Some(facts) = self.api_facts(namespace, name, with_changes).await? {
                    sources.apis.insert(api.clone(), facts);
                }
            }
        }
        if rules.contains(&Rule::DocumentedOperations) {
            sources.served_over = DEFAULT_INSIGHTS_WINDOW.to_string();
            for (service, operation) in self.store.served_operations_since(DEFAULT_INSIGHTS_WINDOW.first_bucket(now)).await? {
                if let Some(key) = contracts::path::split_operation(&operation) {
                    sources.served.entry(service.to_string()).or_default().insert(key);
                }
            }
        }
        for objective in &self.slos.snapshot().objectives {
            sources.slos.entry(objective.slo.service.clone()).or_default().push((objective.slo.name.clone(), objective.alert));
        }
        if rules.contains(&Rule::DeployedRecently) {
            sources.last_deploys = self.store.last_deploys().await?;
        }
        if rules.contains(&Rule::NoUndeclaredDependencies) {
            for dependency in self.drift(DEFAULT_INSIGHTS_WINDOW, None).await?.undeclared {
                sources.undeclared.entry(dependency.source).or_default().push(dependency.target);
            }
        }
        Ok(sources)
    }
}
