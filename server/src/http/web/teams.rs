//! The team pages' view models: a Group's members and sub-teams from the
//! catalog, what it owns with the health its services showed, and the
//! calls into its services from other teams' services.

use std::collections::HashMap;

use app::model::{Health, OwnedRow, TeamCaller, TeamRow, TeamScoreLine, TeamView};
use app::port::PortError;
use catalog::index::{Condition, Filter};
use collector::NodeKind;

use super::port_error;
use crate::core::Core;
use crate::core::graph::{component_for_service, node_of_entity};

/// Team pages show health and callers over the catalog's health window.
use crate::core::table::HEALTH_WINDOW as TEAM_WINDOW;

fn title(entity: &catalog::Entity) -> String {
    entity.metadata.title.clone().unwrap_or_else(|| entity.metadata.name.clone())
}

pub fn teams(core: &Core) -> Vec<TeamRow> {
    let index = core.catalog();
    let mut rows: Vec<TeamRow> = index
        .filter(&Filter::all_of([Condition::equals("kind", "group")]))
        .into_iter()
        .map(|position| {
            let group = &index.entities()[position];
            let entity = &group.entity;
            TeamRow {
                entity_ref: group.key(),
                title: title(entity),
                team_type: entity.spec_str("type").map(str::to_string),
                parent: entity.relation_targets("childOf").next().map(str::to_string),
                members: entity.relation_targets("hasMember").count(),
                owned: entity.relation_targets("ownerOf").count(),
            }
        })
        .collect();
    rows.sort_by_key(|row| row.title.to_lowercase());
    rows
}

pub async fn team(core: &Core, namespace: &str, name: &str) -> Result<Option<TeamView>, PortError> {
    let index = core.catalog();
    let key = catalog::EntityRef::new("group", namespace, name).key();
    let Some(group) = index.get(&key) else { return Ok(None) };
    let entity = &group.entity;
    let served: HashMap<String, collector::RedStats> =
        core.services(TEAM_WINDOW).await.map_err(port_error)?.into_iter().map(|(name, stats)| (name.to_string(), stats)).collect();
    let mut owned = Vec::new();
    let mut services: Vec<String> = Vec::new();
    for target in entity.relation_targets("ownerOf") {
        let Some(owned_entity) = index.get(&target.to_ascii_lowercase()) else { continue };
        let service = node_of_entity(&owned_entity.entity).map(|node| node.name.to_string());
        let health = service.as_ref().and_then(|s| served.get(s)).map(|stats| Health {
            requests: stats.requests,
            errors: stats.errors,
            p95_ms: stats.quantile_ms(0.95),
            kept_spans: stats.kept,
        });
        if let Some(service) = service {
            services.push(service);
        }
        owned.push(OwnedRow {
            entity_ref: owned_entity.key(),
            kind: owned_entity.entity.kind.to_string(),
            title: title(&owned_entity.entity),
            spec_type: owned_entity.entity.spec_str("type").map(str::to_string),
            health,
        });
    }
    owned.sort_by_key(|row| (row.kind.to_lowercase(), row.title.to_lowercase()));
    let graph = core.graph(TEAM_WINDOW).await.map_err(port_error)?;
    let owner_of = |reference: &Option<String>| {
        reference.as_ref().and_then(|r| index.get(r)).and_then(|c| c.entity.relation_targets("ownedBy").next().map(str::to_string))
    };
    let mut callers = Vec::new();
    for edge in &graph.edges {
        let (Some((source_kind, caller)), Some((_, callee))) = (edge.source.split_once(':'), edge.target.split_once(':')) else { continue };
        if source_kind != NodeKind::Service.as_str() || !services.iter().any(|s| s == callee) || !edge.target.starts_with("service:") {
            continue;
        }
        let caller_ref = component_for_service(&index, caller);
        let caller_team = owner_of(&caller_ref);
        if caller_team.as_deref() == Some(key.as_str()) {
            continue;
        }
        callers.push(TeamCaller {
            caller: caller.to_string(),
            caller_ref,
            caller_team,
            callee: callee.to_string(),
            callee_ref: component_for_service(&index, callee),
            requests: edge.requests,
            errors: edge.errors,
        });
    }
    callers.sort_by(|a, b| b.requests.cmp(&a.requests).then_with(|| a.caller.cmp(&b.caller)));
    let scores = core
        .scorecards()
        .scorecards
        .iter()
        .flat_map(|card| {
            card.teams.iter().filter(|t| t.owner == key).map(|t| TeamScoreLine {
                scorecard: card.title.clone().unwrap_or_else(|| card.name.clone()),
                level: t.level.clone(),
                score: t.score,
                entities: t.entities,
            })
        })
        .collect();
    Ok(Some(TeamView {
        entity_ref: key.clone(),
        title: title(entity),
        description: entity.metadata.description.clone(),
        team_type: entity.spec_str("type").map(str::to_string),
        parent: entity.relation_targets("childOf").next().map(str::to_string),
        children: entity.relation_targets("parentOf").map(str::to_string).collect(),
        members: entity
            .relation_targets("hasMember")
            .map(|member| {
                let name = index
                    .get(&member.to_ascii_lowercase())
                    .and_then(|user| {
                        user.entity.spec.get("profile").and_then(|p| p.get("displayName")).and_then(|d| d.as_str()).map(str::to_string)
                    })
                    .unwrap_or_else(|| member.rsplit('/').next().unwrap_or(member).to_string());
                (member.to_string(), name)
            })
            .collect(),
        owned,
        window: TEAM_WINDOW.to_string(),
        callers,
        scores,
    }))
}
