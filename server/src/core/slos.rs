//! SLOs as last evaluated: every objective, or those of one service or in
//! one alert state; one SLO by name.

use slo::Alert;

use super::{Core, Error};
use crate::slos::ObjectiveStatus;

/// Which objectives a listing keeps.
#[derive(Clone, Debug, Default)]
pub struct SloFilter {
    pub service: Option<String>,
    pub state: Option<Alert>,
}

/// Objectives, and when they were evaluated (unix seconds; `None` before the first pass).
#[derive(Clone, Debug)]
pub struct SloList {
    pub evaluated_at: Option<u64>,
    pub objectives: Vec<ObjectiveStatus>,
}

impl Core {
    /// Every objective `filter` keeps, in the order of the definitions.
    pub fn slos(&self, filter: &SloFilter) -> SloList {
        let snapshot = self.slos.snapshot();
        let objectives = snapshot
            .objectives
            .iter()
            .filter(|o| filter.service.as_deref().is_none_or(|service| o.slo.service == service))
            .filter(|o| filter.state.is_none_or(|state| o.alert == state))
            .cloned()
            .collect();
        SloList { evaluated_at: snapshot.evaluated_at, objectives }
    }

    /// The objectives of the SLO named `name`.
    pub fn slo(&self, name: &str) -> Result<SloList, Error> {
        let snapshot = self.slos.snapshot();
        let objectives: Vec<ObjectiveStatus> = snapshot.objectives.iter().filter(|o| o.slo.name == name).cloned().collect();
        if objectives.is_empty() {
            if self.catalog.slos().iter().any(|slo| slo.name == name) {
                return Err(Error::NotFound(format!("SLO `{name}` is defined but not evaluated yet; try again in a minute")));
            }
            return Err(Error::NotFound(format!("no SLO named `{name}`")));
        }
        Ok(SloList { evaluated_at: snapshot.evaluated_at, objectives })
    }

    /// The owner (an entity ref) of the Component named `service` in the
    /// default namespace, where the catalog has one.
    pub fn service_owner(&self, service: &str) -> Option<String> {
        let index = self.catalog.snapshot();
        let component = index.get(&format!("component:default/{}", service.to_ascii_lowercase()))?;
        component.entity.relation_targets("ownedBy").next().map(str::to_string)
    }

    /// Evaluates every SLO now (tests, and the first pass after a start).
    pub async fn evaluate_slos(&self, now: u64) -> Result<(), Error> {
        Ok(self.slos.evaluate(now).await?)
    }
}
