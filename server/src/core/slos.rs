//! SLOs as last evaluated: every objective, or those of one service, one
//! owner or in one alert state, in the order asked for; one SLO by name.

use std::collections::{BTreeSet, HashMap};

use slo::{Alert, BurnWindow};

use super::{Core, Error, refs};
use crate::slos::ObjectiveStatus;

/// Which objectives a listing keeps, and in what order.
#[derive(Clone, Debug, Default)]
pub struct SloFilter {
    pub service: Option<String>,
    /// An owner as a descriptor may write it (`team-shop`, see [`super::refs`]).
    pub owner: Option<String>,
    pub state: Option<Alert>,
    pub order: SloOrder,
}

/// How a listing orders its objectives; ties by SLO name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SloOrder {
    /// As the definitions list them.
    #[default]
    Definitions,
    /// Least error budget left first (no budget known: last).
    Budget,
    /// Fastest burn over the last hour first.
    Burn,
    Name,
}

impl SloOrder {
    pub const ALL: [SloOrder; 4] = [SloOrder::Definitions, SloOrder::Budget, SloOrder::Burn, SloOrder::Name];

    pub fn as_str(self) -> &'static str {
        match self {
            SloOrder::Definitions => "definitions",
            SloOrder::Budget => "budget",
            SloOrder::Burn => "burn",
            SloOrder::Name => "name",
        }
    }

    pub fn parse(text: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|order| order.as_str() == text)
            .ok_or_else(|| Error::Invalid(format!("`sort`: unknown order `{text}`; use definitions, budget, burn or name")))
    }
}

/// An objective as last evaluated, with its service's Component and owner:
/// the one shape of an SLO that the REST API, the pages and the insights
/// map from, so they name, title and link it alike.
#[derive(Clone, Debug)]
pub struct ListedObjective {
    pub status: ObjectiveStatus,
    /// The service's Component (an entity ref), where the catalog has one.
    pub entity_ref: Option<String>,
    /// The owner (an entity ref) of that Component.
    pub owner: Option<String>,
}

impl ListedObjective {
    pub fn objective(&self) -> &slo::Objective {
        &self.status.slo.objectives[self.status.objective]
    }

    /// The SLO's display name (or name), and the objective's when it has one.
    pub fn title(&self) -> String {
        let slo = &self.status.slo;
        let name = slo.display_name.clone().unwrap_or_else(|| slo.name.clone());
        match &self.objective().display_name {
            Some(objective) => format!("{name}: {objective}"),
            None => name,
        }
    }

    /// The error budget left, as a share; `None` without events.
    pub fn budget_remaining(&self) -> Option<f64> {
        self.status.counts.budget_remaining(self.objective().target)
    }
}

/// Objectives, when they were evaluated (unix seconds; `None` before the
/// first pass), and every owner of an objective's service (sorted, for a
/// filter to offer).
#[derive(Clone, Debug)]
pub struct SloList {
    pub evaluated_at: Option<u64>,
    pub objectives: Vec<ListedObjective>,
    pub owners: Vec<String>,
}

impl Core {
    /// Every objective `filter` keeps, in its order.
    pub fn slos(&self, filter: &SloFilter) -> Result<SloList, Error> {
        let owner = filter.owner.as_deref().map(|owner| refs::owner_key("owner", owner)).transpose()?;
        let snapshot = self.slos.snapshot();
        let index = self.catalog();
        let mut components: HashMap<&str, (Option<String>, Option<String>)> = HashMap::new();
        let mut owners: BTreeSet<String> = BTreeSet::new();
        let mut objectives = Vec::new();
        for status in &snapshot.objectives {
            let (entity_ref, service_owner) =
                components.entry(&status.slo.service).or_insert_with(|| service_component(&index, &status.slo.service)).clone();
            owners.extend(service_owner.clone());
            let keep = filter.service.as_deref().is_none_or(|service| status.slo.service == service)
                && owner.as_ref().is_none_or(|o| service_owner.as_ref().is_some_and(|s| s.eq_ignore_ascii_case(o)))
                && filter.state.is_none_or(|state| status.alert == state);
            if keep {
                objectives.push(ListedObjective { status: status.clone(), entity_ref, owner: service_owner });
            }
        }
        let name = |o: &ListedObjective| o.status.slo.name.clone();
        match filter.order {
            SloOrder::Definitions => {}
            SloOrder::Budget => objectives.sort_by(|a, b| {
                let least = |o: &ListedObjective| o.budget_remaining().unwrap_or(f64::INFINITY);
                least(a).total_cmp(&least(b)).then_with(|| name(a).cmp(&name(b)))
            }),
            SloOrder::Burn => objectives.sort_by(|a, b| {
                let burn = |o: &ListedObjective| o.status.burn.get(BurnWindow::OneHour).unwrap_or(0.0);
                burn(b).total_cmp(&burn(a)).then_with(|| name(a).cmp(&name(b)))
            }),
            SloOrder::Name => objectives.sort_by_key(name),
        }
        Ok(SloList { evaluated_at: snapshot.evaluated_at, objectives, owners: owners.into_iter().collect() })
    }

    /// The objectives of the SLO named `name`.
    pub fn slo(&self, name: &str) -> Result<SloList, Error> {
        let snapshot = self.slos.snapshot();
        let index = self.catalog();
        let objectives: Vec<ListedObjective> = snapshot
            .objectives
            .iter()
            .filter(|o| o.slo.name == name)
            .map(|status| {
                let (entity_ref, owner) = service_component(&index, &status.slo.service);
                ListedObjective { status: status.clone(), entity_ref, owner }
            })
            .collect();
        if objectives.is_empty() {
            if self.catalog.slos().iter().any(|slo| slo.name == name) {
                return Err(Error::NotFound(format!("SLO `{name}` is defined but not evaluated yet; try again in a minute")));
            }
            return Err(Error::NotFound(format!("no SLO named `{name}`")));
        }
        let owners = objectives[0].owner.iter().cloned().collect();
        Ok(SloList { evaluated_at: snapshot.evaluated_at, objectives, owners })
    }

    /// The owner (an entity ref) of the Component `service` is, where the
    /// catalog has one.
    pub fn service_owner(&self, service: &str) -> Option<String> {
        service_component(&self.catalog(), service).1
    }

    /// Evaluates every SLO now (tests, and the first pass after a start).
    pub async fn evaluate_slos(&self, now: u64) -> Result<(), Error> {
        Ok(self.slos.evaluate(now).await?)
    }
}

/// The Component a service is ([`super::graph::component_for_service`]: its
/// namespace when it names one, else the default namespace first) and that
/// Component's owner.
fn service_component(index: &catalog::index::CatalogIndex, service: &str) -> (Option<String>, Option<String>) {
    let Some(key) = super::graph::component_for_service(index, service) else { return (None, None) };
    let owner = index.get(&key).and_then(|c| c.entity.relation_targets("ownedBy").next().map(str::to_string));
    (Some(key), owner)
}
