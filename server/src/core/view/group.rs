//! Grouping a view by system or by owner, Kiali's namespace boxes made
//! collapsible: the services of a collapsed group become one node, their
//! edges to the rest merged and the calls between them counted on the
//! group; the services of an expanded group stay, each tagged with it.
//!
//! Groups start collapsed, so 2,000 services owned by 60 teams read as 60
//! nodes until one is expanded. Only services join a group (catalogued ones
//! for a system or an owner): databases, queues, external systems and
//! unknown services stay as they are. Where the catalog does not group a
//! large view, clusters of its calls do ([`super::cluster`]).
//!
//! A view of more than [`OVERVIEW_NODES`] nodes with no focus and no grouping
//! asked for is an overview ([`overview`]), so the first look at 2,000
//! services is a few dozen groups, not every node at 100 %.

use std::collections::{BTreeMap, HashMap, HashSet};

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
    /// Clusters of the calls themselves.
    Cluster,
}

impl GroupBy {
    pub fn parse(text: &str) -> Option<GroupBy> {
        match text.to_ascii_lowercase().as_str() {
            "system" => Some(GroupBy::System),
            "owner" => Some(GroupBy::Owner),
            "cluster" => Some(GroupBy::Cluster),
            _ => None,
        }
    }
}

/// Above this many nodes, a view with no focus and no grouping asked for is
/// an overview.
pub const OVERVIEW_NODES: usize = 500;

/// How a view asks to be grouped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Grouping {
    /// An overview above [`OVERVIEW_NODES`] nodes, else every node.
    #[default]
    Auto,
    /// Every node, however many.
    Off,
    By(GroupBy),
}

impl Grouping {
    /// `system`, `owner`, `cluster` or `none`; empty is `Auto`.
    pub fn parse(text: &str) -> Option<Grouping> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" => Some(Grouping::Auto),
            "none" => Some(Grouping::Off),
            other => GroupBy::parse(other).map(Grouping::By),
        }
    }
}

/// Why a view came grouped though no grouping was asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Overview {
    pub by: GroupBy,
    /// Nodes of the view before grouping (`group=none` shows them all).
    pub nodes: usize,
}

/// One group of a grouped view.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// The id of its node while collapsed: `group:` and its key (the
    /// system's or owner's entity ref, or `cluster:` and its busiest member).
    pub id: String,
    pub name: String,
    /// The system's or owner's entity ref; none for a cluster.
    pub entity_ref: Option<String>,
    /// Ids of the member nodes in the view.
    pub members: Vec<String>,
    pub collapsed: bool,
    /// Calls between members: inside the group's node while collapsed.
    pub internal_edges: usize,
    pub internal_requests: u64,
}

/// The group a node belongs to: its entity's first owner or system.
fn catalog_group_of(index: &CatalogIndex, node: &GraphNode, by: GroupBy) -> Option<String> {
    if node.kind != NodeKind::Service {
        return None;
    }
    let entity = &index.get(node.entity_ref.as_deref()?)?.entity;
    let reference = match by {
        GroupBy::Owner => entity.relation_targets("ownedBy").next(),
        GroupBy::System => entity.relation_targets("partOf").find(|t| t.starts_with("system:")),
        GroupBy::Cluster => None,
    };
    reference.map(str::to_ascii_lowercase)
}

/// Which group each grouped node of a view belongs to.
pub struct Membership {
    pub by: GroupBy,
    /// The key of each grouped node's group, by node id.
    keys: HashMap<String, String>,
}

/// The groups of `view`'s nodes by `by`.
pub fn membership(index: &CatalogIndex, view: &View, by: GroupBy) -> Membership {
    let keys = match by {
        GroupBy::System | GroupBy::Owner => {
            view.nodes.iter().filter_map(|n| catalog_group_of(index, n, by).map(|g| (n.id.clone(), g))).collect()
        }
        GroupBy::Cluster => clusters(view),
    };
    Membership { by, keys }
}

/// Services clustered by their calls to one another; a cluster's key is
/// `cluster:` and the name of its member with the most neighbours.
fn clusters(view: &View) -> HashMap<String, String> {
    let services: Vec<&GraphNode> = view.nodes.iter().filter(|n| n.kind == NodeKind::Service).collect();
    let index: HashMap<&str, usize> = services.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let calls: Vec<(usize, usize)> =
        view.edges.iter().filter_map(|e| Some((*index.get(e.source.as_str())?, *index.get(e.target.as_str())?))).collect();
    let community = super::cluster::communities(services.len(), &calls);
    let mut neighbours: Vec<HashSet<usize>> = vec![HashSet::new(); services.len()];
    for &(a, b) in &calls {
        neighbours[a].insert(b);
        neighbours[b].insert(a);
    }
    // Per community: its size and its member with the most neighbours (the first, on a tie).
    let mut anchor: HashMap<usize, (usize, usize)> = HashMap::new();
    for (i, &c) in community.iter().enumerate() {
        let entry = anchor.entry(c).or_insert((0, i));
        entry.0 += 1;
        if neighbours[i].len() > neighbours[entry.1].len() {
            entry.1 = i;
        }
    }
    community
        .iter()
        .enumerate()
        .filter(|&(_, c)| anchor[c].0 > 1)
        .map(|(i, c)| (services[i].id.clone(), format!("cluster:{}", services[anchor[c].1].name)))
        .collect()
}

/// How an overview of `view` is grouped: by the catalog's systems, else its
/// owners, when they fold the view into at most [`OVERVIEW_NODES`] nodes and
/// at least two groups; else by clusters of the calls.
pub fn overview(index: &CatalogIndex, view: &View) -> Membership {
    let folds = |members: &Membership| {
        let groups: HashSet<&String> = members.keys.values().collect();
        groups.len() >= 2 && view.nodes.len() - members.keys.len() + groups.len() <= OVERVIEW_NODES
    };
    [GroupBy::System, GroupBy::Owner]
        .into_iter()
        .map(|by| membership(index, view, by))
        .find(folds)
        .unwrap_or_else(|| membership(index, view, GroupBy::Cluster))
}

/// Whether `expanded` names the group, by ref or by name alone.
fn is_expanded(expanded: &[String], key: &str, name: &str) -> bool {
    expanded.iter().any(|e| e.eq_ignore_ascii_case(key) || e.eq_ignore_ascii_case(name))
}

/// A group's name: a system's or owner's own name, or its busiest member's
/// and `cluster`.
pub fn name_of(key: &str) -> String {
    match key.strip_prefix("cluster:") {
        Some(anchor) => format!("{anchor} cluster"),
        None => key.rsplit(['/', ':']).next().unwrap_or(key).to_string(),
    }
}

/// Groups `view` in place: collapsed groups' members become one node each,
/// with parallel edges merged (requests and errors added, latencies the
/// worst of the merged edges'); `view.groups` says what each group holds.
pub fn group(view: &mut View, membership: &Membership, expanded: &[String]) {
    let by = membership.by;
    let membership = &membership.keys;
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for node in &view.nodes {
        if let Some(key) = membership.get(&node.id) {
            groups
                .entry(key.clone())
                .or_insert_with(|| {
                    let name = name_of(key);
                    Group {
                        id: format!("group:{key}"),
                        collapsed: !is_expanded(expanded, key, &name),
                        name,
                        entity_ref: (by != GroupBy::Cluster).then(|| key.clone()),
                        members: Vec::new(),
                        internal_edges: 0,
                        internal_requests: 0,
                    }
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
    let mut placed: HashSet<String> = HashSet::new();
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
                entity_ref: group.entity_ref.clone(),
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
