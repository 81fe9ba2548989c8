//! Grouping a view by system or by owner, Kiali's namespace boxes made
//! collapsible: the services of a collapsed group become one node, their
//! edges to the rest merged and the calls between them counted on the
//! group; the services of an expanded group stay, each tagged with it.
//!
//! Groups start collapsed, so 2,000 services owned by 60 teams read as 60
//! nodes until one is expanded. Only catalogued services join a group:
//! databases, queues, external systems and unknown services stay as they are.

use std::collections::{BTreeMap, HashMap};

use catalog::index::CatalogIndex;
use collector::NodeKind;
use serde::Serialize;

use super::View;
use crate::core::{GraphEdge, GraphNode};

/// What services are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    System,
    Owner,
}

impl GroupBy {
    pub fn parse(text: &str) -> Option<GroupBy> {
        match text.to_ascii_lowercase().as_str() {
            "system" => Some(GroupBy::System),
            "owner" => Some(GroupBy::Owner),
            _ => None,
        }
    }
}

/// One group of a grouped view.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// The id of its node while collapsed: `group:` and its entity ref.
    pub id: String,
    pub name: String,
    /// The system's or owner's entity ref.
    pub entity_ref: String,
    /// Ids of the member nodes in the view.
    pub members: Vec<String>,
    pub collapsed: bool,
    /// Calls between members: inside the group's node while collapsed.
    pub internal_edges: usize,
    pub internal_requests: u64,
}

/// The group a node belongs to: its entity's first owner or system.
fn group_of(index: &CatalogIndex, node: &GraphNode, by: GroupBy) -> Option<String> {
    if node.kind != NodeKind::Service {
        return None;
    }
    let entity = &index.get(node.entity_ref.as_deref()?)?.entity;
    let reference = match by {
        GroupBy::Owner => entity.relation_targets("ownedBy").next(),
        GroupBy::System => entity.relation_targets("partOf").find(|t| t.starts_with("system:")),
    };
    reference.map(str::to_ascii_lowercase)
}

/// Whether `expanded` names the group, by ref or by name alone.
fn is_expanded(expanded: &[String], reference: &str) -> bool {
    let name = reference.rsplit(['/', ':']).next().unwrap_or(reference);
    expanded.iter().any(|e| e.eq_ignore_ascii_case(reference) || e.eq_ignore_ascii_case(name))
}

/// Groups `view` in place: collapsed groups' members become one node each,
/// with parallel edges merged (requests and errors added, latencies the
/// worst of the merged edges'); `view.groups` says what each group holds.
pub fn group(index: &CatalogIndex, view: &mut View, by: GroupBy, expanded: &[String]) {
    let membership: HashMap<String, String> = view.nodes.iter().filter_map(|n| group_of(index, n, by).map(|g| (n.id.clone(), g))).collect();
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for node in &view.nodes {
        if let Some(reference) = membership.get(&node.id) {
            groups
                .entry(reference.clone())
                .or_insert_with(|| Group {
                    id: format!("group:{reference}"),
                    name: reference.rsplit(['/', ':']).next().unwrap_or(reference).to_string(),
                    entity_ref: reference.clone(),
                    members: Vec::new(),
                    collapsed: !is_expanded(expanded, reference),
                    internal_edges: 0,
                    internal_requests: 0,
                })
                .members
                .push(node.id.clone());
        }
    }
    for edge in &view.edges {
        if let (Some(a), Some(b)) = (membership.get(&edge.source), membership.get(&edge.target))
            && a == b
            && let Some(group) = groups.get_mut(a)
        {
            group.internal_edges += 1;
            group.internal_requests += edge.requests;
        }
    }

    // Where each node is drawn: its collapsed group's node, or itself.
    let drawn_as = |id: &str| -> String {
        match membership.get(id).and_then(|g| groups.get(g)) {
            Some(group) if group.collapsed => group.id.clone(),
            _ => id.to_string(),
        }
    };
    let mut nodes: Vec<GraphNode> = Vec::new();
    let mut placed: std::collections::HashSet<String> = std::collections::HashSet::new();
    for node in &view.nodes {
        let id = drawn_as(&node.id);
        if !placed.insert(id.clone()) {
            continue;
        }
        if id == node.id {
            nodes.push(node.clone());
        } else if let Some(group) = membership.get(&node.id).and_then(|g| groups.get(g)) {
            nodes.push(GraphNode {
                id,
                name: group.name.clone(),
                kind: NodeKind::Group,
                entity_ref: Some(group.entity_ref.clone()),
                sample_rate: None,
            });
        }
    }
    let mut edges: Vec<GraphEdge> = Vec::new();
    let mut merged: HashMap<(String, String, collector::ConnectionType), usize> = HashMap::new();
    for edge in &view.edges {
        let (source, target) = (drawn_as(&edge.source), drawn_as(&edge.target));
        if source == target && source != edge.source {
            continue; // inside a collapsed group: counted on the group
        }
        match merged.get(&(source.clone(), target.clone(), edge.connection_type)) {
            Some(&i) => {
                let into = &mut edges[i];
                into.requests += edge.requests;
                into.errors += edge.errors;
                into.caller_failures += edge.caller_failures;
                into.kept_spans += edge.kept_spans;
                into.estimated |= edge.estimated;
                into.p50_ms = into.p50_ms.max(edge.p50_ms);
                into.p95_ms = into.p95_ms.max(edge.p95_ms);
                into.p99_ms = into.p99_ms.max(edge.p99_ms);
            }
            None => {
                merged.insert((source.clone(), target.clone(), edge.connection_type), edges.len());
                edges.push(GraphEdge { source, target, ..edge.clone() });
            }
        }
    }
    let mut found: Vec<String> = Vec::new();
    for id in &view.found {
        let mapped = match id.split_once("->") {
            Some((source, target)) => format!("{}->{}", drawn_as(source), drawn_as(target)),
            None => drawn_as(id),
        };
        if !found.contains(&mapped) {
            found.push(mapped);
        }
    }
    view.nodes = nodes;
    view.edges = edges;
    view.found = found;
    view.groups = groups.into_values().collect();
}
