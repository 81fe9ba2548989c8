//! A view of the observed graph: a window's graph narrowed by filters,
//! find/hide expressions ([`expr`]) and a focus (one node and what lies
//! within N hops of it, either way), with everything left out counted and
//! named, never dropped silently; laid out for drawing by [`layout`];
//! exported by [`export`].
//!
//! Order: filters and `hide` remove edges and nodes, then the focus keeps
//! what the focused node reaches through what is left; `find` marks what
//! matches without removing anything. Catalog filters (system, owner,
//! namespace) apply to service nodes; a database, queue or external node
//! stays while an edge to a kept node does.

pub mod cluster;
pub mod export;
pub mod expr;
pub mod group;
pub mod layout;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use catalog::index::CatalogIndex;
use collector::ConnectionType;
use serde::Serialize;

use self::expr::{Expr, Facts, Field};
use super::{GraphEdge, GraphNode, GraphView};

/// Names of hidden nodes listed at most; the count says how many in all.
pub const HIDDEN_NAMES: usize = 50;
/// Hops around a focused node when none is given, and at most.
pub const DEFAULT_HOPS: usize = 1;
pub const MAX_HOPS: usize = 10;

/// Which way a focus expands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    Both,
    /// Who calls it, and who calls them.
    Callers,
    /// What it calls, and what they call.
    Callees,
}

impl Direction {
    pub fn parse(text: &str) -> Option<Direction> {
        match text {
            "both" => Some(Direction::Both),
            "callers" | "in" => Some(Direction::Callers),
            "callees" | "out" => Some(Direction::Callees),
            _ => None,
        }
    }
}

/// What a view keeps. Built from request parameters as values.
#[derive(Clone, Debug, Default)]
pub struct ViewQuery {
    /// A node id (`service:checkout`) or a service's name.
    pub focus: Option<String>,
    pub hops: usize,
    pub direction: Direction,
    /// Entity refs of systems, owners; namespaces; lower case. Empty: all.
    pub systems: Vec<String>,
    pub owners: Vec<String>,
    pub namespaces: Vec<String>,
    /// Connection types kept (`external` keeps calls to external nodes). Empty: all.
    pub connections: Vec<String>,
    /// Edges with a smaller error share, or fewer requests a second, are left out.
    pub min_error_share: Option<f64>,
    pub min_rate: Option<f64>,
    pub find: Option<Expr>,
    pub hide: Option<Expr>,
    /// Services grouped by system, owner or cluster (or, for a large view,
    /// an overview), groups collapsed unless `expand` names them.
    pub group: group::Grouping,
    pub expand: Vec<String>,
}

/// A view's parameters as a request gives them (`GET /api/v1/graph/view`,
/// the Graph page's form): text, read into a [`ViewQuery`] once.
#[derive(Clone, Debug, Default, serde::Deserialize, PartialEq, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ViewParams {
    /// A service (or node id) the view is centred on.
    pub focus: Option<String>,
    /// How many calls away from `focus` (1 to 10; default 1).
    pub hops: Option<String>,
    /// From `focus`: `both` (default), `callers` or `callees`.
    pub direction: Option<String>,
    /// Systems kept, comma-separated (refs or names).
    pub system: Option<String>,
    /// Owners kept, comma-separated (refs or names).
    pub owner: Option<String>,
    /// Namespaces kept, comma-separated.
    pub namespace: Option<String>,
    /// Connection types kept, comma-separated (`http`, `grpc`, `database`, `messaging`, `external`).
    pub connection: Option<String>,
    /// Edges with a smaller error share are left out: a share (`0.01`) or a percentage (`1%`).
    pub min_errors: Option<String>,
    /// Edges with fewer requests a second are left out.
    pub min_rate: Option<String>,
    /// Keep only edges matching an expression (README, "Graph views"): `rate > 1 and errors > 0`.
    pub find: Option<String>,
    /// Leave out edges matching an expression.
    pub hide: Option<String>,
    /// Group services by `system`, `owner` or `cluster` (of their calls); `none` shows every node.
    /// Unset: a view of more than 500 nodes with no `focus` is an overview (see `overview` in the answer).
    pub group: Option<String>,
    /// Comma-separated groups shown expanded (refs or names).
    pub expand: Option<String>,
}

impl ViewParams {
    /// The query, or what is wrong with which parameter.
    pub fn query(&self) -> Result<ViewQuery, String> {
        let given = |value: &Option<String>| value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        let list = |value: &Option<String>| -> Vec<String> {
            given(value)
                .map(|v| v.split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default()
        };
        let number = |name: &str, value: &Option<String>| -> Result<Option<f64>, String> {
            let Some(text) = given(value) else { return Ok(None) };
            let parsed = match text.strip_suffix('%') {
                Some(percent) => percent.trim().parse::<f64>().map(|p| p / 100.0),
                None => text.parse::<f64>(),
            };
            parsed
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(Some)
                .ok_or_else(|| format!("`{name}` must be a number of at least 0 (`5`, `1%`), not `{text}`"))
        };
        let expression = |name: &str, value: &Option<String>| -> Result<Option<Expr>, String> {
            given(value).map(|text| expr::parse(&text).map_err(|e| format!("`{name}` {e}"))).transpose()
        };
        let hops = match given(&self.hops) {
            None => DEFAULT_HOPS,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|h| (1..=MAX_HOPS).contains(h))
                .ok_or_else(|| format!("`hops` must be a whole number from 1 to {MAX_HOPS}, not `{text}`"))?,
        };
        let direction = match given(&self.direction) {
            None => Direction::Both,
            Some(text) => {
                Direction::parse(&text).ok_or_else(|| format!("`direction` must be `both`, `callers` or `callees`, not `{text}`"))?
            }
        };
        Ok(ViewQuery {
            focus: given(&self.focus),
            hops,
            direction,
            systems: list(&self.system),
            owners: list(&self.owner),
            namespaces: list(&self.namespace),
            connections: list(&self.connection),
            min_error_share: number("minErrors", &self.min_errors)?,
            min_rate: number("minRate", &self.min_rate)?,
            find: expression("find", &self.find)?,
            hide: expression("hide", &self.hide)?,
            group: match given(&self.group) {
                None => group::Grouping::Auto,
                Some(text) => group::Grouping::parse(&text)
                    .ok_or_else(|| format!("`group` must be `system`, `owner`, `cluster` or `none`, not `{text}`"))?,
            },
            expand: list(&self.expand),
        })
    }
}

impl super::Core {
    /// The graph of `window` (from the database), narrowed by `query`.
    pub async fn graph_view(&self, window: super::Window, query: &ViewQuery) -> Result<View, super::Error> {
        let graph = self.graph(window).await?;
        if let Some(focus) = &query.focus
            && let Some(missing) = unknown_focus(&graph, focus, window)
        {
            return Err(super::Error::NotFound(missing));
        }
        Ok(view(&self.catalog(), &graph, query, window.duration.as_secs_f64()))
    }
}

/// Names offered when a focus names no node.
const CLOSEST_NAMES: usize = 5;

/// Whether `node` is what a focus written `focus` names: its id, or a service's name.
fn is_focus(node: &GraphNode, focus: &str) -> bool {
    node.id.eq_ignore_ascii_case(focus) || (node.kind == collector::NodeKind::Service && node.name.eq_ignore_ascii_case(focus))
}

/// When `focus` names no node of `graph`: what to say, with the closest
/// names (so `svc-0042` is not silently the whole graph).
fn unknown_focus(graph: &GraphView, focus: &str, window: super::Window) -> Option<String> {
    if graph.nodes.iter().any(|n| is_focus(n, focus)) {
        return None;
    }
    let written = focus.to_lowercase();
    let mut near: Vec<(usize, &str)> =
        graph.nodes.iter().map(|n| (strsim::levenshtein(&written, &n.name.to_lowercase()), n.name.as_str())).collect();
    near.sort_unstable();
    near.dedup_by_key(|(_, name)| *name);
    let closest: Vec<String> = near.iter().take(CLOSEST_NAMES).map(|(_, name)| format!("`{name}`")).collect();
    let missing = format!("`focus`: no node `{focus}` in the graph of the last {window}");
    Some(match closest.is_empty() {
        true => missing,
        false => format!("{missing} (closest: {})", closest.join(", ")),
    })
}

/// `GET /api/v1/graph/view`'s body (JSON export).
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema, PartialEq)]
pub struct View {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    /// Ids of nodes, and `source->target` of edges, that `find` matches.
    pub found: Vec<String>,
    pub hidden: Hidden,
    /// The groups of a grouped view.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<group::Group>,
    /// Set when the view was grouped because it was large and nothing else was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overview: Option<group::Overview>,
}

/// What the view leaves out, and why.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Hidden {
    pub nodes: usize,
    pub edges: usize,
    /// Edges left out by each reason: `filter`, `hide`, `focus`.
    pub edges_by_reason: BTreeMap<String, usize>,
    /// The first [`HIDDEN_NAMES`] hidden nodes' ids, sorted.
    pub node_names: Vec<String>,
}

/// A node's facts for expressions: catalog fields and the traffic it served.
struct NodeFacts<'a> {
    node: &'a GraphNode,
    catalog: Vec<(Field, String)>,
    served: Traffic,
}

#[derive(Clone, Copy, Default)]
struct Traffic {
    requests: u64,
    errors: u64,
    p95_ms: f64,
}

impl Traffic {
    fn add(&mut self, edge: &GraphEdge) {
        self.requests += edge.requests;
        self.errors += edge.errors;
        self.p95_ms = self.p95_ms.max(edge.p95_ms);
    }
}

fn numbers(traffic: &Traffic, field: Field, seconds: f64) -> Option<f64> {
    match field {
        // A node that served nothing (`user`, say) has no rate, as it has no error share.
        Field::Rate if traffic.requests > 0 => Some(traffic.requests as f64 / seconds),
        Field::Errors if traffic.requests > 0 => Some(traffic.errors as f64 / traffic.requests as f64),
        Field::P95 if traffic.requests > 0 => Some(traffic.p95_ms),
        _ => None,
    }
}

struct WithWindow<'a, T> {
    facts: &'a T,
    seconds: f64,
}

impl Facts for WithWindow<'_, NodeFacts<'_>> {
    fn text(&self, field: Field) -> Vec<&str> {
        match field {
            Field::Name => vec![self.facts.node.name.as_str()],
            Field::Kind => vec![self.facts.node.kind.as_str()],
            _ => self.facts.catalog.iter().filter(|(f, _)| *f == field).map(|(_, v)| v.as_str()).collect(),
        }
    }
    fn number(&self, field: Field) -> Option<f64> {
        numbers(&self.facts.served, field, self.seconds)
    }
}

impl Facts for WithWindow<'_, GraphEdge> {
    fn text(&self, field: Field) -> Vec<&str> {
        let edge = self.facts;
        match field {
            Field::Protocol => vec![edge.connection_type.as_str()],
            Field::Source => vec![edge.source.split_once(':').map_or(edge.source.as_str(), |(_, name)| name)],
            Field::Target => vec![edge.target.split_once(':').map_or(edge.target.as_str(), |(_, name)| name)],
            _ => Vec::new(),
        }
    }
    fn number(&self, field: Field) -> Option<f64> {
        let edge = self.facts;
        numbers(&Traffic { requests: edge.requests, errors: edge.errors, p95_ms: edge.p95_ms }, field, self.seconds)
    }
}

/// The catalog fields of a node's entity, lower case.
fn catalog_fields(index: &CatalogIndex, node: &GraphNode) -> Vec<(Field, String)> {
    let Some(entity) = node.entity_ref.as_ref().and_then(|r| index.get(r)) else { return Vec::new() };
    let entity = &entity.entity;
    let mut out = vec![(Field::Namespace, entity.metadata.namespace.to_ascii_lowercase())];
    // Refs, and their names alone: `owner = team-a` and `owner = group:default/team-a` both match.
    let with_name = |field: Field, reference: &str| {
        let reference = reference.to_ascii_lowercase();
        let name = reference.rsplit(['/', ':']).next().unwrap_or_default().to_string();
        [(field, reference), (field, name)]
    };
    out.extend(entity.relation_targets("ownedBy").flat_map(|o| with_name(Field::Owner, o)));
    out.extend(entity.relation_targets("partOf").filter(|t| t.starts_with("system:")).flat_map(|s| with_name(Field::System, s)));
    for (field, key) in [(Field::Lifecycle, "lifecycle"), (Field::Type, "type")] {
        out.extend(entity.spec_str(key).map(|v| (field, v.to_ascii_lowercase())));
    }
    out.extend(entity.metadata.tags.iter().map(|t| (Field::Tag, t.to_ascii_lowercase())));
    out
}

/// `owner = team-a` for a list of `group:default/team-a`: a bare name matches a ref's name.
fn listed(wanted: &[String], have: &[&str]) -> bool {
    wanted.is_empty()
        || wanted.iter().any(|w| {
            have.iter().any(|h| h.eq_ignore_ascii_case(w) || h.rsplit(['/', ':']).next().is_some_and(|name| name.eq_ignore_ascii_case(w)))
        })
}

fn edge_id(edge: &GraphEdge) -> String {
    format!("{}->{}", edge.source, edge.target)
}

/// Applies `query` to `graph` (the traffic of a `window_seconds` window).
pub fn view(index: &CatalogIndex, graph: &GraphView, query: &ViewQuery, window_seconds: f64) -> View {
    let seconds = window_seconds.max(1.0);
    let mut served: HashMap<&str, Traffic> = HashMap::new();
    for edge in &graph.edges {
        served.entry(edge.target.as_str()).or_default().add(edge);
    }
    let facts: Vec<NodeFacts<'_>> = graph
        .nodes
        .iter()
        .map(|node| NodeFacts {
            node,
            catalog: catalog_fields(index, node),
            served: served.get(node.id.as_str()).copied().unwrap_or_default(),
        })
        .collect();
    let node_facts = |i: usize| WithWindow { facts: &facts[i], seconds };

    // Catalog filters and `hide` remove nodes, and their edges with them.
    let mut filtered_out: HashSet<&str> = HashSet::new();
    let mut hidden_out: HashSet<&str> = HashSet::new();
    for (i, node) in graph.nodes.iter().enumerate() {
        let of = |field: Field| facts[i].catalog.iter().filter(|(f, _)| *f == field).map(|(_, v)| v.as_str()).collect::<Vec<_>>();
        let catalog_kept = node.kind != collector::NodeKind::Service
            || (listed(&query.systems, &of(Field::System))
                && listed(&query.owners, &of(Field::Owner))
                && listed(&query.namespaces, &of(Field::Namespace)));
        if !catalog_kept {
            filtered_out.insert(node.id.as_str());
        } else if query.hide.as_ref().is_some_and(|hide| hide.matches(&node_facts(i))) {
            hidden_out.insert(node.id.as_str());
        }
    }
    let kinds: HashMap<&str, collector::NodeKind> = graph.nodes.iter().map(|n| (n.id.as_str(), n.kind)).collect();
    let mut hidden = Hidden::default();
    let mut count = |reason: &str| *hidden.edges_by_reason.entry(reason.to_string()).or_default() += 1;
    let mut kept: Vec<&GraphEdge> = Vec::new();
    for edge in &graph.edges {
        let ends = [edge.source.as_str(), edge.target.as_str()];
        let wanted_connection = query.connections.is_empty()
            || query.connections.iter().any(|c| {
                c.eq_ignore_ascii_case(edge.connection_type.as_str())
                    || (c.eq_ignore_ascii_case("grpc") && edge.connection_type == ConnectionType::Rpc)
                    || (c.eq_ignore_ascii_case("external") && kinds.get(edge.target.as_str()) == Some(&collector::NodeKind::External))
            });
        let share = if edge.requests == 0 { 0.0 } else { edge.errors as f64 / edge.requests as f64 };
        let filtered = !wanted_connection
            || query.min_error_share.is_some_and(|min| share < min)
            || query.min_rate.is_some_and(|min| (edge.requests as f64 / seconds) < min)
            || ends.iter().any(|end| filtered_out.contains(end));
        if filtered {
            count("filter");
        } else if ends.iter().any(|end| hidden_out.contains(end))
            || query.hide.as_ref().is_some_and(|hide| hide.matches(&WithWindow { facts: edge, seconds }))
        {
            count("hide");
        } else {
            kept.push(edge);
        }
    }

    // The focus: what the focused node reaches through the edges left.
    let focus = query.focus.as_ref().and_then(|focus| graph.nodes.iter().find(|n| is_focus(n, focus)));
    let mut visible: HashSet<&str> = HashSet::new();
    if let Some(focus) = focus {
        let hops = if query.hops == 0 { DEFAULT_HOPS } else { query.hops.min(MAX_HOPS) };
        let mut distance: HashMap<&str, usize> = HashMap::from([(focus.id.as_str(), 0)]);
        let mut queue = VecDeque::from([focus.id.as_str()]);
        while let Some(node) = queue.pop_front() {
            let d = distance[node];
            if d == hops {
                continue;
            }
            for edge in &kept {
                let next = match query.direction {
                    Direction::Callees if edge.source == node => Some(edge.target.as_str()),
                    Direction::Callers if edge.target == node => Some(edge.source.as_str()),
                    Direction::Both if edge.source == node => Some(edge.target.as_str()),
                    Direction::Both if edge.target == node => Some(edge.source.as_str()),
                    _ => None,
                };
                if let Some(next) = next
                    && !distance.contains_key(next)
                {
                    distance.insert(next, d + 1);
                    queue.push_back(next);
                }
            }
        }
        visible.extend(distance.keys());
        let before = kept.len();
        kept.retain(|e| visible.contains(e.source.as_str()) && visible.contains(e.target.as_str()));
        for _ in kept.len()..before {
            count("focus");
        }
    } else {
        for edge in &kept {
            visible.insert(edge.source.as_str());
            visible.insert(edge.target.as_str());
        }
    }

    let mut out = View::default();
    for (i, node) in graph.nodes.iter().enumerate() {
        if visible.contains(node.id.as_str()) {
            if query.find.as_ref().is_some_and(|find| find.matches(&node_facts(i))) {
                out.found.push(node.id.clone());
            }
            out.nodes.push(node.clone());
        } else {
            hidden.nodes += 1;
            if hidden.node_names.len() < HIDDEN_NAMES {
                hidden.node_names.push(node.id.clone());
            }
        }
    }
    for edge in kept {
        if query.find.as_ref().is_some_and(|find| find.matches(&WithWindow { facts: edge, seconds })) {
            out.found.push(edge_id(edge));
        }
        out.edges.push(edge.clone());
    }
    hidden.edges = hidden.edges_by_reason.values().sum();
    hidden.node_names.sort();
    out.hidden = hidden;
    let membership = match query.group {
        group::Grouping::By(by) => Some(group::membership(index, &out, by)),
        group::Grouping::Off => None,
        group::Grouping::Auto if focus.is_none() && out.nodes.len() > group::OVERVIEW_NODES => {
            let membership = group::overview(index, &out);
            out.overview = Some(group::Overview { by: membership.by, nodes: out.nodes.len() });
            Some(membership)
        }
        group::Grouping::Auto => None,
    };
    if let Some(membership) = membership {
        group::group(&mut out, &membership, &query.expand);
    }
    out
}

#[cfg(test)]
mod tests {
    use collector::NodeKind;

    use super::*;

    fn node(id: &str, entity_ref: Option<&str>) -> GraphNode {
        let (kind, name) = id.split_once(':').unwrap();
        GraphNode {
            id: id.into(),
            name: name.into(),
            kind: NodeKind::parse(kind).unwrap(),
            entity_ref: entity_ref.map(str::to_string),
            sample_rate: None,
        }
    }

    fn edge(source: &str, target: &str, connection: ConnectionType, requests: u64, errors: u64) -> GraphEdge {
        GraphEdge {
            source: source.into(),
            target: target.into(),
            connection_type: connection,
            requests,
            errors,
            caller_failures: errors,
            kept_spans: requests,
            estimated: false,
            p50_ms: 1.0,
            p95_ms: 20.0,
            p99_ms: 30.0,
        }
    }

    fn index() -> CatalogIndex {
        let text = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: web, tags: [edge]}
spec: {type: service, lifecycle: production, owner: team-web, system: shop}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: cart}
spec: {type: service, lifecycle: production, owner: team-cart, system: shop}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: mail}
spec: {type: service, lifecycle: production, owner: team-cart, system: notify}
";
        let mut loaded = catalog::parse_str("c.yaml", text);
        catalog::derive_relations(&mut loaded.entities);
        CatalogIndex::new(loaded.entities.into_iter().map(|p| p.entity).collect())
    }

    fn graph() -> GraphView {
        GraphView {
            nodes: vec![
                node("user:user", None),
                node("service:web", Some("component:default/web")),
                node("service:cart", Some("component:default/cart")),
                node("service:mail", Some("component:default/mail")),
                node("database:carts", None),
                node("external:psp", None),
            ],
            edges: vec![
                edge("user:user", "service:web", ConnectionType::Http, 600, 0),
                edge("service:web", "service:cart", ConnectionType::Http, 300, 30),
                edge("service:cart", "database:carts", ConnectionType::Database, 300, 0),
                edge("service:cart", "service:mail", ConnectionType::Rpc, 60, 0),
                edge("service:cart", "external:psp", ConnectionType::Http, 6, 3),
            ],
        }
    }

    fn ids(view: &View) -> (Vec<&str>, usize) {
        (view.nodes.iter().map(|n| n.id.as_str()).collect(), view.edges.len())
    }

    #[test]
    fn parameters_read_into_a_query_and_say_which_is_wrong() {
        let params = ViewParams {
            focus: Some("cart".into()),
            hops: Some("2".into()),
            connection: Some("http, grpc".into()),
            min_errors: Some("1%".into()),
            find: Some("rate > 1".into()),
            ..ViewParams::default()
        };
        let query = params.query().unwrap();
        assert_eq!(
            (query.hops, query.connections.clone(), query.min_error_share),
            (2, vec!["http".to_string(), "grpc".into()], Some(0.01))
        );
        let bad = |params: ViewParams| params.query().unwrap_err();
        assert_eq!(
            bad(ViewParams { hops: Some("0".into()), ..ViewParams::default() }),
            "`hops` must be a whole number from 1 to 10, not `0`"
        );
        assert_eq!(
            bad(ViewParams { hide: Some("rate >".into()), ..ViewParams::default() }),
            "`hide` at column 7: expected a value after `>`"
        );
        assert_eq!(
            bad(ViewParams { min_rate: Some("lots".into()), ..ViewParams::default() }),
            "`minRate` must be a number of at least 0 (`5`, `1%`), not `lots`"
        );
    }

    #[test]
    fn a_focus_on_no_node_says_so_with_the_closest_names() {
        let window = crate::core::Window::minutes(60);
        let graph = GraphView {
            nodes: ["svc-00042", "svc-00043", "cart", "web"]
                .iter()
                .map(|name| GraphNode {
                    id: format!("service:{name}"),
                    name: name.to_string(),
                    kind: collector::NodeKind::Service,
                    entity_ref: None,
                    sample_rate: None,
                })
                .collect(),
            edges: Vec::new(),
        };
        assert_eq!(unknown_focus(&graph, "CART", window), None, "a service by its name, any case");
        assert_eq!(unknown_focus(&graph, "service:web", window), None, "a node by its id");
        assert_eq!(
            unknown_focus(&graph, "svc-0042", window).as_deref(),
            Some("`focus`: no node `svc-0042` in the graph of the last 1h (closest: `svc-00042`, `svc-00043`, `cart`, `web`)")
        );
    }

    #[test]
    fn focus_keeps_what_lies_within_its_hops_and_counts_the_rest() {
        let query = ViewQuery { focus: Some("cart".into()), hops: 1, direction: Direction::Callees, ..ViewQuery::default() };
        let view = view(&index(), &graph(), &query, 60.0);
        assert_eq!(ids(&view), (vec!["service:cart", "service:mail", "database:carts", "external:psp"], 3));
        assert_eq!(view.hidden.edges, 2);
        assert_eq!(view.hidden.edges_by_reason.get("focus"), Some(&2));
        assert_eq!(view.hidden.node_names, ["service:web", "user:user"]);
        let callers = ViewQuery { focus: Some("service:cart".into()), hops: 2, direction: Direction::Callers, ..ViewQuery::default() };
        assert_eq!(ids(&super::view(&index(), &graph(), &callers, 60.0)).0, ["user:user", "service:web", "service:cart"]);
    }

    #[test]
    fn filters_and_expressions_remove_and_find_marks() {
        let by_owner = ViewQuery { owners: vec!["team-cart".into()], ..ViewQuery::default() };
        let view = view(&index(), &graph(), &by_owner, 60.0);
        assert_eq!(ids(&view), (vec!["service:cart", "service:mail", "database:carts", "external:psp"], 3), "web's edges go with it");
        assert_eq!(view.hidden.edges_by_reason.get("filter"), Some(&2));

        let rpc = ViewQuery { connections: vec!["grpc".into(), "external".into()], ..ViewQuery::default() };
        assert_eq!(super::view(&index(), &graph(), &rpc, 60.0).edges.len(), 2);

        let hide = ViewQuery { hide: Some(expr::parse("kind = database or rate < 1").unwrap()), ..ViewQuery::default() };
        let view = super::view(&index(), &graph(), &hide, 60.0);
        assert_eq!(view.edges.len(), 3, "the database and the slow external call are hidden");
        assert_eq!(view.hidden.edges_by_reason.get("hide"), Some(&2));
        assert!(view.hidden.node_names.contains(&"database:carts".to_string()));

        let find = ViewQuery { find: Some(expr::parse("errors > 5% or system = shop").unwrap()), ..ViewQuery::default() };
        let view = super::view(&index(), &graph(), &find, 60.0);
        assert_eq!(view.found, ["service:web", "service:cart", "external:psp", "service:web->service:cart", "service:cart->external:psp"]);
        assert_eq!(view.edges.len(), 5, "find removes nothing");
        let errors = ViewQuery { min_error_share: Some(0.05), ..ViewQuery::default() };
        assert_eq!(super::view(&index(), &graph(), &errors, 60.0).edges.len(), 2);
    }

    #[test]
    fn collapsed_groups_merge_their_members_and_count_what_is_inside() {
        let by_system = ViewParams { group: Some("system".into()), find: Some("name = cart".into()), ..ViewParams::default() };
        let view = view(&index(), &graph(), &by_system.query().unwrap(), 60.0);
        // web and cart are the shop; mail is notify; the rest join no group.
        assert_eq!(
            ids(&view),
            (vec!["user:user", "group:system:default/shop", "group:system:default/notify", "database:carts", "external:psp"], 4)
        );
        let shop = &view.groups[1];
        assert_eq!((shop.name.as_str(), shop.members.len(), shop.internal_edges, shop.internal_requests), ("shop", 2, 1, 300));
        assert!(shop.collapsed);
        let into_shop = view.edges.iter().find(|e| e.source == "user:user").unwrap();
        assert_eq!((into_shop.target.as_str(), into_shop.requests), ("group:system:default/shop", 600));
        assert_eq!(view.found, ["group:system:default/shop"], "a member found finds its group");
        assert_eq!(view.nodes[1].kind, NodeKind::Group);
    }

    #[test]
    fn parallel_edges_into_a_collapsed_group_merge_and_expanded_groups_stay() {
        let mut graph = graph();
        graph.edges.push(edge("user:user", "service:cart", ConnectionType::Http, 100, 10));
        let by_system = ViewQuery { group: group::Grouping::By(group::GroupBy::System), ..ViewQuery::default() };
        let view = view(&index(), &graph, &by_system, 60.0);
        let into_shop: Vec<_> = view.edges.iter().filter(|e| e.target == "group:system:default/shop").collect();
        // user -> web and user -> cart are one edge into the shop.
        assert_eq!(into_shop.iter().map(|e| (e.requests, e.errors)).collect::<Vec<_>>(), [(700, 10)]);
        let by_owner = ViewQuery { group: group::Grouping::By(group::GroupBy::Owner), ..ViewQuery::default() };
        let expanded = ViewQuery { expand: vec!["team-cart".into()], ..by_owner };
        let view = super::view(&index(), &graph, &expanded, 60.0);
        assert!(view.nodes.iter().any(|n| n.id == "service:cart") && view.nodes.iter().any(|n| n.id == "service:mail"));
        assert!(view.nodes.iter().any(|n| n.id == "group:group:default/team-web"), "team-web stays collapsed");
        assert!(!view.groups.iter().find(|g| g.name == "team-cart").unwrap().collapsed);
        let bad = ViewParams { group: Some("colour".into()), ..ViewParams::default() }.query().unwrap_err();
        assert_eq!(bad, "`group` must be `system`, `owner`, `cluster` or `none`, not `colour`");
    }

    /// `services` services on a ring, each calling the next three; the first
    /// `owned` of them catalogued, owned by one of 20 teams in arcs.
    fn ring(services: usize, owned: usize) -> (CatalogIndex, GraphView) {
        let name = |i: usize| format!("svc-{i:04}");
        let text: String = (0..owned)
            .map(|i| {
                format!(
                    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: {}}}\nspec: {{type: service, lifecycle: production, owner: team-{}}}\n---\n",
                    name(i),
                    i * 20 / services
                )
            })
            .collect();
        let mut loaded = catalog::parse_str("c.yaml", &text);
        catalog::derive_relations(&mut loaded.entities);
        let index = CatalogIndex::new(loaded.entities.into_iter().map(|p| p.entity).collect());
        let nodes = (0..services)
            .map(|i| node(&format!("service:{}", name(i)), (i < owned).then(|| format!("component:default/{}", name(i))).as_deref()))
            .collect();
        let edges = (0..services)
            .flat_map(|i| (1..=3).map(move |d| (i, (i + d) % services)))
            .map(|(a, b)| edge(&format!("service:{}", name(a)), &format!("service:{}", name(b)), ConnectionType::Http, 10, 0))
            .collect();
        (index, GraphView { nodes, edges })
    }

    #[test]
    fn a_large_first_view_is_an_overview_by_the_catalog_or_by_clusters() {
        // Uncatalogued: clusters of the calls.
        let (index, graph) = ring(600, 0);
        let first = view(&index, &graph, &ViewQuery::default(), 60.0);
        assert_eq!(first.overview, Some(group::Overview { by: group::GroupBy::Cluster, nodes: 600 }));
        assert!((5..=100).contains(&first.nodes.len()), "{} nodes", first.nodes.len());
        assert_eq!(first.groups.iter().map(|g| g.members.len()).sum::<usize>(), 600, "every service in a cluster");
        assert!(first.groups.iter().all(|g| g.collapsed && g.entity_ref.is_none() && g.name.ends_with(" cluster")));
        let expanded = ViewQuery { expand: vec![first.groups[0].name.clone()], ..ViewQuery::default() };
        let second = view(&index, &graph, &expanded, 60.0);
        assert!(!second.groups[0].collapsed, "a cluster expands by its name, and the next view clusters the same way");
        assert_eq!(second.nodes.len(), first.nodes.len() - 1 + first.groups[0].members.len());

        // Owned by 20 teams: the owners, with the uncatalogued tail as it is.
        let (index, graph) = ring(600, 500);
        let first = view(&index, &graph, &ViewQuery::default(), 60.0);
        assert_eq!(first.overview.map(|o| o.by), Some(group::GroupBy::Owner));
        assert_eq!(first.nodes.len(), 17 + 100, "teams 0 to 16 own the first 500, the last 100 stand alone");
        // Too few owned to fold 600 nodes into 500: clusters.
        let (index, graph) = ring(600, 50);
        assert_eq!(view(&index, &graph, &ViewQuery::default(), 60.0).overview.map(|o| o.by), Some(group::GroupBy::Cluster));

        // Asked for every node, a focus, or small enough: no overview.
        let every = ViewQuery { group: group::Grouping::Off, ..ViewQuery::default() };
        assert_eq!((view(&index, &graph, &every, 60.0).nodes.len(), view(&index, &graph, &every, 60.0).overview), (600, None));
        let focused = ViewQuery { focus: Some("svc-0000".into()), hops: 10, ..ViewQuery::default() };
        assert_eq!(view(&index, &graph, &focused, 60.0).overview, None);
        let (index, graph) = ring(500, 0);
        assert_eq!(view(&index, &graph, &ViewQuery::default(), 60.0).nodes.len(), 500);
        assert_eq!(ViewParams { group: Some("none".into()), ..ViewParams::default() }.query().unwrap().group, group::Grouping::Off);
        assert_eq!(ViewParams::default().query().unwrap().group, group::Grouping::Auto);
    }
}
