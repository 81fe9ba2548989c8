//! The facts of every entity, joined from sources read once a pass.

use std::collections::{HashMap, HashSet};

use catalog::Entity;
use catalog::index::CatalogIndex;
use slo::Alert;

use super::rules::Facts;

/// What scorecard rules read of one API.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApiFacts {
    /// Its definition can be read.
    pub readable: bool,
    /// The (method, route) keys its documented operations answer to.
    pub documented: HashSet<(String, String)>,
    /// A change between two of its versions was breaking without a new major `info.version`.
    pub breaking_without_bump: bool,
}

/// What the facts of every entity are joined from, read once a pass.
#[derive(Default)]
pub struct FactSources {
    /// By API ref (`api:namespace/name`, lower case).
    pub apis: HashMap<String, ApiFacts>,
    /// By service: the operations it served over `served_over`, as (method, route).
    pub served: HashMap<String, HashSet<(String, String)>>,
    /// The window `served` covers, as rules say it (`1d`).
    pub served_over: String,
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
    let service = entity.service_name();
    let apis: Vec<String> = entity.relation_targets("providesApi").map(str::to_ascii_lowercase).collect();
    let mut facts = Facts {
        owner_known: owner.as_ref().is_some_and(|o| index.get(o).is_some()),
        owner,
        has_description: entity.metadata.description.as_ref().is_some_and(|d| !d.trim().is_empty()),
        provided_apis: apis.len(),
        undeclared: sources.undeclared.get(key).cloned().unwrap_or_default(),
        observed_over: sources.served_over.clone(),
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

    /// The join alone, over plain data: no database, no catalog folder.
    #[test]
    fn facts_join_the_pass_sources_by_service_api_and_entity() {
        let text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: shop, description: Sells}\nspec: {type: service, lifecycle: production, owner: team, providesApis: [shop-api, gone-api]}\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team}\nspec: {type: team, children: []}\n";
        let mut loaded = catalog::parse_str("t", text);
        catalog::derive_relations(&mut loaded.entities);
        let index = CatalogIndex::new(loaded.entities.into_iter().map(|p| p.entity).collect());
        let shop = index.get("component:default/shop").expect("shop").entity.clone();
        let key = |method: &str, route: &str| (method.to_string(), route.to_string());
        let mut sources = FactSources { served_over: "1d".into(), ..FactSources::default() };
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
                observed_over: "1d".into(),
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
}
