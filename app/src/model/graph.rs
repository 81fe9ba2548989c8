//! The Graph page's view models: a laid-out view, its query, and a node's side panel.

use serde::{Deserialize, Serialize};

use super::{Health, encode_query_value};

/// The size of a node's box in a [`GraphLayout`]: the server lays out with
/// it, the graph component draws with it.
/// A graph laid out on the server, ready to draw as SVG.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GraphLayout {
    pub window: String,
    pub width: f64,
    pub height: f64,
    /// Every node's box, as the layout placed them.
    pub node_width: f64,
    pub node_height: f64,
    pub nodes: Vec<LaidOutNode>,
    pub edges: Vec<LaidOutEdge>,
    /// Node ids (and `source->target` edge ids) the `find` expression matches.
    pub found: Vec<String>,
    /// What the view leaves out: counts, and the first hidden nodes' ids.
    pub hidden_nodes: usize,
    pub hidden_edges: usize,
    pub hidden_names: Vec<String>,
    /// The groups of a grouped view, for its legend (expand and collapse).
    pub groups: Vec<GroupRow>,
    /// A box around each run of an expanded group's members in a column.
    pub boxes: Vec<GroupBox>,
    /// Set when a large view came grouped though no grouping was asked for.
    pub overview: Option<Overview>,
}

/// What services are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupBy {
    System,
    Owner,
    /// Clusters of the calls themselves, where the catalog does not say.
    Cluster,
}

impl GroupBy {
    /// How the page says it: "grouped by …".
    pub fn label(self) -> &'static str {
        match self {
            GroupBy::System => "system",
            GroupBy::Owner => "owner",
            GroupBy::Cluster => "clusters of calls",
        }
    }
}

/// A large view's first look: its nodes folded into groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub by: GroupBy,
    /// Nodes before grouping.
    pub nodes: usize,
}

impl GraphLayout {
    /// Where each node is drawn, to keep it there when the graph is laid out again.
    pub fn positions(&self) -> Vec<KeptPosition> {
        self.nodes.iter().map(|n| KeptPosition { id: n.id.clone(), x: n.x, y: n.y }).collect()
    }
}

/// A node's position from an earlier drawing of the same view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeptPosition {
    pub id: String,
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupRow {
    /// The collapsed group's node id.
    pub id: String,
    pub name: String,
    /// The system's or owner's; none for a cluster.
    pub entity_ref: Option<String>,
    pub members: usize,
    pub collapsed: bool,
    /// Calls between its members.
    pub internal_edges: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupBox {
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// Which way a focus expands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    #[default]
    Both,
    Callers,
    Callees,
}

impl Direction {
    pub const ALL: [Direction; 3] = [Direction::Both, Direction::Callers, Direction::Callees];

    /// As the URL writes it; empty for the default.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Both => "",
            Direction::Callers => "callers",
            Direction::Callees => "callees",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Direction::Both => "both ways",
            Direction::Callers => "callers",
            Direction::Callees => "callees",
        }
    }

    pub fn parse(text: &str) -> Option<Direction> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "both" => Some(Direction::Both),
            "callers" | "in" => Some(Direction::Callers),
            "callees" | "out" => Some(Direction::Callees),
            _ => None,
        }
    }
}

/// How the view groups services.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grouping {
    /// An overview when the view is large, else every node.
    #[default]
    Auto,
    /// Every node, however many.
    Off,
    By(GroupBy),
}

impl Grouping {
    pub const ALL: [Grouping; 5] =
        [Grouping::Auto, Grouping::Off, Grouping::By(GroupBy::System), Grouping::By(GroupBy::Owner), Grouping::By(GroupBy::Cluster)];

    /// As the URL writes it; empty for the default.
    pub fn as_str(self) -> &'static str {
        match self {
            Grouping::Auto => "",
            Grouping::Off => "none",
            Grouping::By(GroupBy::System) => "system",
            Grouping::By(GroupBy::Owner) => "owner",
            Grouping::By(GroupBy::Cluster) => "cluster",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Grouping::Auto => "automatic",
            Grouping::Off => "nothing",
            Grouping::By(by) => by.label(),
        }
    }

    pub fn parse(text: &str) -> Option<Grouping> {
        let text = text.trim().to_ascii_lowercase();
        Grouping::ALL.into_iter().find(|g| g.as_str() == text)
    }
}

/// The Graph page's view, read once from its URL (a GET form): choices as
/// enums, the rest as the text of one parameter, empty when not given
/// (the server reads hops, filters and expressions, naming what is wrong).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GraphQuery {
    pub window: String,
    pub focus: String,
    pub hops: String,
    pub direction: Direction,
    pub connection: String,
    pub owner: String,
    pub system: String,
    pub find: String,
    pub hide: String,
    pub group: Grouping,
    /// The groups shown expanded (comma-separated).
    pub expand: String,
    /// The node whose side panel is open; not part of the layout.
    pub selected: String,
}

impl GraphQuery {
    /// The view a URL's parameters ask for (`window` defaults to `15m`), or
    /// what is wrong with which (the page answers 400 with it, as the API does).
    pub fn from_params(get: impl Fn(&str) -> String) -> Result<GraphQuery, String> {
        let (direction, group) = (get("direction"), get("group"));
        let window = get("window");
        Ok(GraphQuery {
            window: if window.is_empty() { "15m".to_string() } else { window },
            focus: get("focus"),
            hops: get("hops"),
            direction: Direction::parse(&direction)
                .ok_or_else(|| format!("`direction` must be `both`, `callers` or `callees`, not `{direction}`"))?,
            connection: get("connection"),
            owner: get("owner"),
            system: get("system"),
            find: get("find"),
            hide: get("hide"),
            group: Grouping::parse(&group)
                .ok_or_else(|| format!("`group` must be `system`, `owner`, `cluster` or `none`, not `{group}`"))?,
            expand: get("expand"),
            selected: get("selected"),
        })
    }

    /// The parameters that are set, as a query string (`window=15m&focus=cart`).
    pub fn query_string(&self) -> String {
        let pairs = [
            ("window", self.window.as_str()),
            ("focus", &self.focus),
            ("hops", &self.hops),
            ("direction", self.direction.as_str()),
            ("connection", &self.connection),
            ("owner", &self.owner),
            ("system", &self.system),
            ("find", &self.find),
            ("hide", &self.hide),
            ("group", self.group.as_str()),
            ("expand", &self.expand),
            ("selected", &self.selected),
        ];
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", encode_query_value(v))).collect::<Vec<_>>().join("&")
    }

    /// The same view with another node selected (`""`: none).
    pub fn selecting(&self, id: &str) -> GraphQuery {
        GraphQuery { selected: id.to_string(), ..self.clone() }
    }

    /// The same view with `group` expanded, or collapsed again.
    pub fn toggling(&self, group: &str) -> GraphQuery {
        let mut expanded: Vec<&str> = self.expand.split(',').map(str::trim).filter(|g| !g.is_empty()).collect();
        match expanded.iter().position(|g| g.eq_ignore_ascii_case(group)) {
            Some(i) => {
                expanded.remove(i);
            }
            None => expanded.push(group),
        }
        GraphQuery { expand: expanded.join(","), selected: String::new(), ..self.clone() }
    }

    /// The URL of the Graph page for this view.
    pub fn href(&self) -> String {
        format!("/graph?{}", self.query_string())
    }
}

/// What a node of the graph stands for (the server maps the engine's kinds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeKind {
    Service,
    Database,
    Messaging,
    External,
    User,
    /// A view's collapsed group of services (a system's, an owner's or a cluster).
    Group,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Service => "service",
            NodeKind::Database => "database",
            NodeKind::Messaging => "messaging",
            NodeKind::External => "external",
            NodeKind::User => "user",
            NodeKind::Group => "group",
        }
    }
}

impl std::fmt::Display for NodeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaidOutNode {
    pub id: String,
    pub name: String,
    pub kind: NodeKind,
    pub entity_ref: Option<String>,
    pub x: f64,
    pub y: f64,
    /// What it served in the window: its incoming edges' requests and
    /// errors added, and the worst of their p95s.
    pub requests: u64,
    pub errors: u64,
    pub p95_ms: f64,
    /// The share of its calls a sampled service keeps (0.05 for 5 %).
    pub sample_rate: Option<f64>,
    /// The expanded group it is drawn in.
    pub group: Option<String>,
    /// How many services a collapsed group's node stands for (else 0).
    pub members: usize,
}

impl LaidOutNode {
    /// Its traffic in words, for the hover title.
    pub fn summary(&self) -> String {
        let members = if self.members > 0 { format!(" · {}", super::count_of(self.members, "service")) } else { String::new() };
        let sampled = self.sample_rate.map(|rate| format!(" · {}", super::sample_rate_text(rate))).unwrap_or_default();
        if self.requests == 0 {
            format!("{} ({}){members}: served no requests{sampled}", self.name, self.kind)
        } else {
            format!(
                "{} ({}){members}: {} req · {} err · p95 {:.0} ms{sampled}",
                self.name, self.kind, self.requests, self.errors, self.p95_ms
            )
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaidOutEdge {
    pub source: String,
    pub target: String,
    pub connection_type: String,
    pub requests: u64,
    pub errors: u64,
    /// Calls in which the caller saw a failure (a 4xx, a timeout).
    pub caller_failures: u64,
    /// Spans the counts rest on (fewer than `requests`: an estimate).
    pub kept_spans: u64,
    pub p95_ms: f64,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
    /// Its label, where one fits: none would overlap a node or another
    /// label (the table under the graph lists every edge).
    pub label: Option<EdgeLabel>,
}

/// An edge's label: its centre, and what it says (the layout sized it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EdgeLabel {
    pub x: f64,
    pub y: f64,
    pub text: String,
}

impl LaidOutEdge {
    /// Its traffic in words, for the hover title.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} → {} ({}): {} req · {} err · p95 {:.0} ms",
            short_id(&self.source),
            short_id(&self.target),
            self.connection_type,
            super::count_text(self.requests, self.kept_spans),
            self.errors,
            self.p95_ms
        );
        if self.caller_failures != self.errors {
            text.push_str(&format!(" · {} client-seen failures", self.caller_failures));
        }
        if self.kept_spans < self.requests {
            text.push_str(&format!(" · {}", super::kept_text(self.kept_spans)));
        }
        text
    }

    pub fn health(&self) -> EdgeHealth {
        match self.errors {
            0 => EdgeHealth::Clean,
            e if e * 100 >= self.requests * MANY_ERRORS_PERCENT => EdgeHealth::ManyErrors,
            _ => EdgeHealth::SomeErrors,
        }
    }
}

/// The error share from which an edge is drawn as failing.
pub const MANY_ERRORS_PERCENT: u64 = 5;

/// How an edge is drawn: colour, and a dash pattern so colour is never the only sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeHealth {
    Clean,
    SomeErrors,
    ManyErrors,
}

impl EdgeHealth {
    pub fn class(self) -> &'static str {
        match self {
            EdgeHealth::Clean => "edge",
            EdgeHealth::SomeErrors => "edge has-errors",
            EdgeHealth::ManyErrors => "edge has-errors many-errors",
        }
    }
}

/// A node id's name (`service:cart` → `cart`).
pub fn short_id(id: &str) -> &str {
    id.split_once(':').map_or(id, |(_, name)| name)
}

/// The Graph page's side panel for one node: who owns it, what it served,
/// its busiest operations, and where to read more.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodePanel {
    pub id: String,
    pub name: String,
    pub kind: NodeKind,
    pub window: String,
    /// Its entity, when catalogued (for a group: the system or team).
    pub entity_ref: Option<String>,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub system: Option<String>,
    pub lifecycle: Option<String>,
    /// What it served in the window; `None` when nothing called it.
    pub served: Option<Health>,
    /// The share of its calls a sampled service keeps (0.05 for 5 %).
    pub sample_rate: Option<f64>,
    pub callers: usize,
    pub callees: usize,
    /// Its busiest operations, at most [`PANEL_OPERATIONS`] of `operations_total`.
    pub operations: Vec<OperationRow>,
    pub operations_total: usize,
}

/// Operations listed in a node's panel at most.
pub const PANEL_OPERATIONS: usize = 8;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperationRow {
    pub operation: String,
    pub requests: u64,
    pub errors: u64,
    /// Spans the counts rest on (fewer than `requests`: an estimate).
    pub kept_spans: u64,
    pub p95_ms: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_reads_its_url_and_writes_it_back() {
        let url = [("window", "1h"), ("direction", "callers"), ("group", "cluster"), ("expand", "svc-1 cluster"), ("focus", "cart")];
        let get = |key: &str| url.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string()).unwrap_or_default();
        let query = GraphQuery::from_params(get).unwrap();
        assert_eq!((query.direction, query.group), (Direction::Callers, Grouping::By(GroupBy::Cluster)));
        assert_eq!(query.href(), "/graph?window=1h&focus=cart&direction=callers&group=cluster&expand=svc-1%20cluster");
        let defaults = GraphQuery::from_params(|_| String::new()).unwrap();
        assert_eq!((defaults.window.as_str(), defaults.direction, defaults.group), ("15m", Direction::Both, Grouping::Auto));
        assert_eq!(defaults.href(), "/graph?window=15m");
        let bad = GraphQuery::from_params(|key| if key == "group" { "colour".into() } else { String::new() }).unwrap_err();
        assert_eq!(bad, "`group` must be `system`, `owner`, `cluster` or `none`, not `colour`");
    }
}
