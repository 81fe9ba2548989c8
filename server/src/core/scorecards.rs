//! Scorecards evaluated: for every entity a scorecard applies to, the facts
//! its rules read (catalog, SLOs, drift, coverage, API changes, deploys),
//! each rule passed or failed with the reason, the level reached; per team
//! (owner), the mean score and how many entities reached each level. Every
//! pass keeps its answer in memory and stores what changed (the history).
//!
//! A score is the share of a scorecard's rules passed, 0 to 100. A team's
//! level is the lowest its entities reached: a team is as far along as its
//! least mature service.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, RwLock};

use catalog::Entity;
use catalog::index::CatalogIndex;
use catalog::scorecard::{Rule, Scorecard, Thresholds};
use serde::Serialize;
use slo::Alert;

use super::apis::ApiFacts;
use super::graph::node_of_entity;
use super::insights::DEFAULT_INSIGHTS_WINDOW;
use super::{Core, Error};
pub use crate::store::{ScoreRow, ScoreSubject};

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

/// `GET /api/v1/scorecards`'s body.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ScoreSnapshot {
    /// Unix seconds (RFC 3339 in JSON); `None` before the first evaluation.
    #[serde(serialize_with = "super::rfc3339::serialize_option")]
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

/// What the rules of one entity read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    pub owner: Option<String>,
    pub owner_known: bool,
    pub has_description: bool,
    pub provided_apis: usize,
    pub readable_apis: usize,
    pub slos: usize,
    /// Objectives alerting now (ticket or page).
    pub alerting: Vec<String>,
    pub undeclared: Vec<String>,
    pub observed_operations: usize,
    pub documented_operations: usize,
    /// APIs with a breaking change and no new major version.
    pub unversioned_breaking: Vec<String>,
    pub last_deploy: Option<i64>,
}

/// One rule on one entity's facts.
pub fn judge(rule: Rule, facts: &Facts, thresholds: &Thresholds, now: i64) -> RuleResult {
    let (passed, detail) = match rule {
        Rule::HasOwner => match (&facts.owner, facts.owner_known) {
            (Some(owner), true) => (true, format!("owned by {owner}")),
            (Some(owner), false) => (false, format!("its owner {owner} is not in the catalog")),
            (None, _) => (false, "no owner".to_string()),
        },
        Rule::HasDescription => (facts.has_description, if facts.has_description { "described" } else { "no description" }.to_string()),
        Rule::HasApiDefinition => match (facts.provided_apis, facts.readable_apis) {
            (0, _) => (false, "provides no API".to_string()),
            (_, 0) => (false, "no API it provides has a readable definition".to_string()),
            (_, readable) => (true, format!("{readable} API definitions")),
        },
        Rule::HasSlo => (facts.slos > 0, format!("{} SLO objectives", facts.slos)),
        Rule::MeetsSlos => match (facts.slos, facts.alerting.is_empty()) {
            (0, _) => (false, "no SLO to meet".to_string()),
            (_, true) => (true, "no objective is alerting".to_string()),
            (_, false) => (false, format!("alerting: {}", facts.alerting.join(", "))),
        },
        Rule::NoUndeclaredDependencies => match facts.undeclared.as_slice() {
            [] => (true, "every call it makes is declared".to_string()),
            undeclared => (false, format!("calls {} without declaring it", undeclared.join(", "))),
        },
        Rule::DocumentedOperations => {
            if facts.observed_operations == 0 {
                // Said with its window: a page may show operations that arrived since.
                (true, format!("no HTTP operation observed in the {} before this evaluation", super::insights::DEFAULT_INSIGHTS_WINDOW))
            } else {
                let share = facts.documented_operations as f64 / facts.observed_operations as f64;
                let detail = format!(
                    "{} of {} observed operations documented ({:.0} %, needs {:.0} %)",
                    facts.documented_operations,
                    facts.observed_operations,
                    share * 100.0,
                    thresholds.documented_operations * 100.0
                );
                (share >= thresholds.documented_operations, detail)
            }
        }
        Rule::NoBreakingChangeWithoutVersionBump => match facts.unversioned_breaking.as_slice() {
            [] => (true, "no breaking change without a new major version".to_string()),
            apis => (false, format!("breaking changes without a new major version: {}", apis.join(", "))),
        },
        Rule::DeployedRecently => {
            let within = i64::from(thresholds.deployed_within_days) * 86_400;
            match facts.last_deploy {
                Some(at) if now - at <= within => (true, format!("deployed {} days ago", (now - at) / 86_400)),
                Some(at) => {
                    (false, format!("last deployed {} days ago (needs {} days)", (now - at) / 86_400, thresholds.deployed_within_days))
                }
                None => (false, "no deploy seen".to_string()),
            }
        }
    };
    RuleResult { rule, passed, detail }
}

/// An entity on a scorecard.
pub fn score(card: &Scorecard, entity_ref: &str, facts: &Facts, now: i64) -> EntityScore {
    let rules: Vec<RuleResult> = card.rules().into_iter().map(|rule| judge(rule, facts, &card.thresholds, now)).collect();
    let passed: HashSet<Rule> = rules.iter().filter(|r| r.passed).map(|r| r.rule).collect();
    let level = card.level_reached(|rule| passed.contains(&rule)).map(|i| card.levels[i].name.clone());
    let score = if rules.is_empty() { 100 } else { (passed.len() * 100 / rules.len()) as u32 };
    EntityScore { entity_ref: entity_ref.to_string(), owner: facts.owner.clone(), level, score, rules }
}

/// Entities grouped by owner.
pub fn teams(card: &Scorecard, entities: &[EntityScore]) -> Vec<TeamScore> {
    let mut by_owner: BTreeMap<&str, Vec<&EntityScore>> = BTreeMap::new();
    for entity in entities {
        if let Some(owner) = &entity.owner {
            by_owner.entry(owner).or_default().push(entity);
        }
    }
    let level_index = |entity: &EntityScore| entity.level.as_ref().and_then(|l| card.levels.iter().position(|level| &level.name == l));
    by_owner
        .into_iter()
        .map(|(owner, owned)| {
            let mut at_level = vec![0; card.levels.len()];
            let mut below_all = 0;
            for entity in &owned {
                match level_index(entity) {
                    Some(index) => at_level[index] += 1,
                    None => below_all += 1,
                }
            }
            let lowest = owned.iter().map(|e| level_index(e)).min().flatten();
            TeamScore {
                owner: owner.to_string(),
                entities: owned.len(),
                score: (owned.iter().map(|e| e.score).sum::<u32>() as usize / owned.len().max(1)) as u32,
                level: lowest.map(|i| card.levels[i].name.clone()),
                at_level,
                below_all,
            }
        })
        .collect()
}

/// The major part of a version (`v2.1.0` → 2), when it has one.
fn major(version: &str) -> Option<u64> {
    version.trim().trim_start_matches(['v', 'V']).split('.').next()?.parse().ok()
}

/// Whether `new` is a new major version after `old` (or, not numbered so, another version).
pub(super) fn major_bumped(old: Option<&str>, new: Option<&str>) -> bool {
    match (old.and_then(major), new.and_then(major)) {
        (Some(old), Some(new)) => new > old,
        _ => old != new,
    }
}

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
        let now_secs = now as i64;
        let sources = self.fact_sources(&cards, &index, now_secs).await?;
        let mut snapshot = ScoreSnapshot { evaluated_at: Some(now), scorecards: Vec::new() };
        let mut rows = Vec::new();
        for card in cards.iter() {
            let entities: Vec<EntityScore> = index
                .entities()
                .iter()
                .filter(|e| card.applies_to(&e.entity))
                .map(|indexed| score(card, &indexed.key, &facts(&indexed.key, &indexed.entity, &index, &sources), now_secs))
                .collect();
            let teams = teams(card, &entities);
            for entity in &entities {
                rows.push(ScoreRow {
                    scorecard: card.name.clone(),
                    subject: entity.entity_ref.clone(),
                    kind: ScoreSubject::Entity,
                    level: entity.level.clone().unwrap_or_default(),
                    score: i64::from(entity.score),
                    at_unix_secs: now_secs,
                });
            }
            for team in &teams {
                rows.push(ScoreRow {
                    scorecard: card.name.clone(),
                    subject: team.owner.clone(),
                    kind: ScoreSubject::Team,
                    level: team.level.clone().unwrap_or_default(),
                    score: i64::from(team.score),
                    at_unix_secs: now_secs,
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

/// What the facts of every entity are joined from, read once a pass.
#[derive(Default)]
pub struct FactSources {
    /// By API ref (`api:namespace/name`, lower case).
    pub apis: HashMap<String, ApiFacts>,
    /// By service: the operations it served over the insights window, as (method, route).
    pub served: HashMap<String, HashSet<(String, String)>>,
    /// By service: its objectives' names and alerts.
    pub slos: HashMap<String, Vec<(String, Alert)>>,
    /// By service: its last deploy, detected or reported (unix seconds).
    pub last_deploys: HashMap<String, i64>,
    /// By entity ref: the calls it makes that it does not declare.
    pub undeclared: HashMap<String, Vec<String>>,
}

/// One entity's facts, joined from the pass's sources.
pub fn facts(key: &str, entity: &Entity, index: &CatalogIndex, sources: &FactSources) -> Facts {
    let owner = entity.relation_targets("ownedBy").next().map(str::to_string);
    let service = node_of_entity(entity).map(|node| node.name.to_string());
    let apis: Vec<String> = entity.relation_targets("providesApi").map(str::to_ascii_lowercase).collect();
    let mut facts = Facts {
        owner_known: owner.as_ref().is_some_and(|o| index.get(o).is_some()),
        owner,
        has_description: entity.metadata.description.as_ref().is_some_and(|d| !d.trim().is_empty()),
        provided_apis: apis.len(),
        undeclared: sources.undeclared.get(key).cloned().unwrap_or_default(),
        ..Facts::default()
    };
    let mut documented = HashSet::new();
    for api in &apis {
        let Some(api_facts) = sources.apis.get(api) else { continue };
        facts.readable_apis += usize::from(api_facts.readable);
        documented.extend(api_facts.documented.iter());
        if api_facts.breaking_without_bump {
            facts.unversioned_breaking.push(api.clone());
        }
    }
    let Some(service) = service else { return facts };
    if let Some(served) = sources.served.get(&service) {
        facts.observed_operations = served.len();
        facts.documented_operations = served.iter().filter(|key| documented.contains(key)).count();
    }
    let objectives = sources.slos.get(&service).map(Vec::as_slice).unwrap_or_default();
    facts.slos = objectives.len();
    facts.alerting = objectives
        .iter()
        .filter(|(_, alert)| matches!(alert, Alert::Ticket | Alert::Page))
        .map(|(name, alert)| format!("{name} ({})", alert.as_str()))
        .collect();
    facts.last_deploy = sources.last_deploys.get(&service).copied();
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> Scorecard {
        let text = "apiVersion: meridian.dev/v1\nkind: Scorecard\nmetadata: {name: maturity}\nspec:\n  levels:\n    - {name: bronze, rules: [has-owner]}\n    - {name: silver, rules: [has-slo, meets-slos]}\n    - {name: gold, rules: [documented-operations, deployed-recently]}\n";
        catalog::scorecard::read_files(&[("cards.yaml".into(), text.into())]).scorecards.remove(0)
    }

    #[test]
    fn rules_read_facts_and_levels_need_every_rule_below() {
        let now = 100 * 86_400;
        let gold = Facts {
            owner: Some("group:default/a".into()),
            owner_known: true,
            slos: 2,
            observed_operations: 10,
            documented_operations: 8,
            last_deploy: Some(now - 3 * 86_400),
            ..Facts::default()
        };
        let scored = score(&card(), "component:default/x", &gold, now);
        assert_eq!((scored.level.as_deref(), scored.score), (Some("gold"), 100));
        let alerting = Facts { alerting: vec!["x-availability (page)".into()], ..gold.clone() };
        let scored = score(&card(), "component:default/x", &alerting, now);
        assert_eq!(scored.level.as_deref(), Some("bronze"), "failing silver stops there, whatever gold says");
        assert_eq!(scored.score, 80);
        let meets = scored.rules.iter().find(|r| r.rule == Rule::MeetsSlos).unwrap();
        assert_eq!(meets.detail, "alerting: x-availability (page)");
        let stale = Facts { last_deploy: Some(now - 40 * 86_400), documented_operations: 7, ..gold.clone() };
        let scored = score(&card(), "component:default/x", &stale, now);
        assert_eq!(scored.level.as_deref(), Some("silver"));
        let details: Vec<&str> = scored.rules.iter().filter(|r| !r.passed).map(|r| r.detail.as_str()).collect();
        assert_eq!(details, ["7 of 10 observed operations documented (70 %, needs 80 %)", "last deployed 40 days ago (needs 30 days)"]);
        let orphan = Facts { owner_known: false, ..gold.clone() };
        assert_eq!(score(&card(), "component:default/x", &orphan, now).level, None);
        let quiet = Facts { observed_operations: 0, documented_operations: 0, ..gold.clone() };
        let documented =
            score(&card(), "component:default/x", &quiet, now).rules.into_iter().find(|r| r.rule == Rule::DocumentedOperations);
        assert_eq!(
            documented.map(|r| (r.passed, r.detail)),
            Some((true, "no HTTP operation observed in the 1d before this evaluation".to_string())),
            "says over what, so traffic that came since does not contradict it"
        );

        let entities = [
            score(&card(), "component:default/a", &gold, now),
            score(&card(), "component:default/b", &stale, now),
            score(&card(), "component:default/c", &Facts { owner: Some("group:default/a".into()), ..Facts::default() }, now),
        ];
        let teams = teams(&card(), &entities);
        assert_eq!(teams.len(), 1);
        assert_eq!(
            (teams[0].entities, teams[0].level.as_deref(), teams[0].at_level.clone(), teams[0].below_all),
            (3, None, vec![0, 1, 1], 1)
        );
    }

    /// The join alone, over plain data: no database, no catalog folder.
    #[test]
    fn facts_join_the_pass_sources_by_service_api_and_entity() {
        let text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: shop, description: Sells}\nspec: {type: service, lifecycle: production, owner: team, providesApis: [shop-api, gone-api]}\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team}\nspec: {type: team, children: []}\n";
        let mut loaded = catalog::parse_str("t", text);
        catalog::derive_relations(&mut loaded.entities);
        let index = CatalogIndex::new(loaded.entities.into_iter().map(|p| p.entity).collect());
        let shop = index.get("component:default/shop").expect("shop").entity.clone();
        let key = |method: &str, route: &str| (method.to_string(), route.to_string());
        let mut sources = FactSources::default();
        sources.apis.insert(
            "api:default/shop-api".into(),
            ApiFacts { readable: true, documented: [key("GET", "/items")].into(), breaking_without_bump: true },
        );
        sources.served.insert("shop".into(), [key("GET", "/items"), key("POST", "/orders")].into());
        sources.served.insert("other".into(), [key("GET", "/x")].into());
        sources.slos.insert("shop".into(), vec![("shop-availability".into(), Alert::Page), ("shop-latency".into(), Alert::Ok)]);
        sources.last_deploys.insert("shop".into(), 1_000);
        sources.undeclared.insert("component:default/shop".into(), vec!["database:orders".into()]);

        assert_eq!(
            facts("component:default/shop", &shop, &index, &sources),
            Facts {
                owner: Some("group:default/team".into()),
                owner_known: true,
                has_description: true,
                provided_apis: 2,
                readable_apis: 1,
                slos: 2,
                alerting: vec!["shop-availability (page)".into()],
                undeclared: vec!["database:orders".into()],
                observed_operations: 2,
                documented_operations: 1,
                unversioned_breaking: vec!["api:default/shop-api".into()],
                last_deploy: Some(1_000),
            }
        );
        let group = index.get("group:default/team").expect("team").entity.clone();
        let team = facts("group:default/team", &group, &index, &sources);
        assert_eq!((team.slos, team.last_deploy, team.observed_operations), (0, None, 0), "not a service: nothing of shop's");
    }

    #[test]
    fn versions_bump_by_their_major_part() {
        assert!(major_bumped(Some("1.4.0"), Some("2.0.0")));
        assert!(major_bumped(Some("v1"), Some("v2.0")));
        assert!(!major_bumped(Some("1.4.0"), Some("1.5.0")));
        assert!(major_bumped(Some("2024-01"), Some("2024-06")), "not numbered as semver: any other version");
        assert!(!major_bumped(None, None));
    }
}
