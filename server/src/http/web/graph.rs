//! The Graph page's view models: a view of the observed graph laid out
//! (`core::view`, then `core::view::layout`), and one node's side panel.

use app::model::{
    EdgeLabel, GraphLayout, GraphQuery, GroupBox, GroupRow, Health, KeptPosition, LaidOutEdge, LaidOutNode, NodePanel, OperationRow,
    Overview, PANEL_OPERATIONS,
};
use app::port::PortError;
use collector::NodeKind;

use super::port_error;
use crate::core::view::group::{GroupBy, Grouping};
use crate::core::view::layout::{self, Layout, Options, Position};
use crate::core::{self, Core, Window};

pub async fn graph_layout(core: &Core, query: GraphQuery, keep: Vec<KeptPosition>) -> Result<GraphLayout, PortError> {
    let window = Window::parse(&query.window).map_err(|e| port_error(e.into()))?;
    let given = |text: &str| Some(text.to_string()).filter(|t| !t.trim().is_empty());
    let params = core::view::ViewParams {
        focus: given(&query.focus),
        hops: given(&query.hops),
        connection: given(&query.connection),
        owner: given(&query.owner),
        system: given(&query.system),
        find: given(&query.find),
        hide: given(&query.hide),
        expand: given(&query.expand),
        ..core::view::ViewParams::default()
    };
    // The page read its choices into enums already; the text parameters are read here.
    let view_query = core::view::ViewQuery {
        direction: match query.direction {
            app::model::Direction::Both => core::view::Direction::Both,
            app::model::Direction::Callers => core::view::Direction::Callers,
            app::model::Direction::Callees => core::view::Direction::Callees,
        },
        group: match query.group {
            app::model::Grouping::Auto => Grouping::Auto,
            app::model::Grouping::Off => Grouping::Off,
            app::model::Grouping::By(app::model::GroupBy::System) => Grouping::By(GroupBy::System),
            app::model::Grouping::By(app::model::GroupBy::Owner) => Grouping::By(GroupBy::Owner),
            app::model::Grouping::By(app::model::GroupBy::Cluster) => Grouping::By(GroupBy::Cluster),
        },
        ..params.query().map_err(PortError::Invalid)?
    };
    let view = core.graph_view(window, &view_query).await.map_err(port_error)?;
    let graph = core::GraphView { nodes: view.nodes, edges: view.edges };
    let keep: Vec<Position> = keep.into_iter().map(|k| Position { id: k.id, x: k.x, y: k.y }).collect();
    let laid_out = layout::layout(&graph, Options { groups: &view.groups, keep: &keep });
    let groups = view
        .groups
        .iter()
        .map(|g| GroupRow {
            id: g.id.clone(),
            name: g.name.clone(),
            entity_ref: g.entity_ref.clone(),
            members: g.members.len(),
            collapsed: g.collapsed,
            internal_edges: g.internal_edges,
        })
        .collect();
    Ok(GraphLayout {
        window: query.window,
        found: view.found,
        hidden_nodes: view.hidden.nodes,
        hidden_edges: view.hidden.edges,
        hidden_names: view.hidden.node_names,
        groups,
        overview: view.overview.map(|o| Overview { by: group_by(o.by), nodes: o.nodes }),
        ..layout_view(laid_out)
    })
}

fn group_by(by: GroupBy) -> app::model::GroupBy {
    match by {
        GroupBy::System => app::model::GroupBy::System,
        GroupBy::Owner => app::model::GroupBy::Owner,
        GroupBy::Cluster => app::model::GroupBy::Cluster,
    }
}

/// The engine's node kind as the app names it.
fn node_kind(kind: NodeKind) -> app::model::NodeKind {
    match kind {
        NodeKind::Service => app::model::NodeKind::Service,
        NodeKind::Database => app::model::NodeKind::Database,
        NodeKind::Messaging => app::model::NodeKind::Messaging,
        NodeKind::External => app::model::NodeKind::External,
        NodeKind::User => app::model::NodeKind::User,
        NodeKind::Group => app::model::NodeKind::Group,
    }
}

/// The core's layout as the app draws it.
fn layout_view(layout: Layout) -> GraphLayout {
    GraphLayout {
        width: layout.width,
        height: layout.height,
        node_width: layout::NODE_WIDTH,
        node_height: layout::NODE_HEIGHT,
        nodes: layout
            .nodes
            .into_iter()
            .map(|placed| LaidOutNode {
                kind: node_kind(placed.node.kind),
                id: placed.node.id,
                name: placed.node.name,
                entity_ref: placed.node.entity_ref,
                x: placed.x,
                y: placed.y,
                requests: placed.requests,
                errors: placed.errors,
                p95_ms: placed.p95_ms,
                sample_rate: placed.node.sample_rate,
                group: placed.group,
                members: placed.members,
            })
            .collect(),
        edges: layout
            .edges
            .into_iter()
            .map(|placed| LaidOutEdge {
                connection_type: placed.edge.connection_type.as_str().to_string(),
                source: placed.edge.source,
                target: placed.edge.target,
                requests: placed.edge.requests,
                errors: placed.edge.errors,
                caller_failures: placed.edge.caller_failures,
                kept_spans: placed.edge.kept_spans,
                p95_ms: placed.edge.p95_ms,
                x1: placed.x1,
                y1: placed.y1,
                x2: placed.x2,
                y2: placed.y2,
                label: placed.label.map(|l| EdgeLabel { x: l.x, y: l.y, text: l.text }),
            })
            .collect(),
        boxes: layout.boxes.into_iter().map(|b| GroupBox { name: b.name, x: b.x, y: b.y, width: b.width, height: b.height }).collect(),
        ..GraphLayout::default()
    }
}

/// A node's panel. Traffic comes from the whole graph of the window, not
/// the view, so a filter never changes what a service is said to serve.
pub async fn graph_node(core: &Core, window: &str, id: &str) -> Result<Option<NodePanel>, PortError> {
    let parsed = Window::parse(window).map_err(|e| port_error(e.into()))?;
    let index = core.catalog();
    let entity_facts = |entity_ref: &str| {
        index.get(&entity_ref.to_ascii_lowercase()).map(|e| {
            let entity = &e.entity;
            (
                entity.metadata.description.clone(),
                entity.relation_targets("ownedBy").next().map(str::to_string),
                entity.relation_targets("partOf").find(|t| t.starts_with("system:")).map(str::to_string),
                entity.spec_str("lifecycle").map(str::to_string),
            )
        })
    };
    let empty = |name: &str, kind: NodeKind, entity_ref: Option<String>| NodePanel {
        id: id.to_string(),
        name: name.to_string(),
        kind: node_kind(kind),
        window: window.to_string(),
        entity_ref,
        description: None,
        owner: None,
        system: None,
        lifecycle: None,
        served: None,
        sample_rate: None,
        callers: 0,
        callees: 0,
        operations: Vec::new(),
        operations_total: 0,
    };
    // A collapsed group: its system or team, whose page says the rest; a
    // cluster has no page, and the legend says what it holds.
    if let Some(reference) = id.strip_prefix("group:") {
        if reference.starts_with("cluster:") {
            return Ok(Some(empty(&crate::core::view::group::name_of(reference), NodeKind::Group, None)));
        }
        let Some((description, owner, system, lifecycle)) = entity_facts(reference) else { return Ok(None) };
        let name = reference.rsplit(['/', ':']).next().unwrap_or(reference);
        return Ok(Some(NodePanel { description, owner, system, lifecycle, ..empty(name, NodeKind::Group, Some(reference.to_string())) }));
    }
    // The node's own edges, not the whole graph: a click at 2,000 services reads a handful of rows.
    let Some((kind, name)) = id.split_once(':').and_then(|(kind, name)| Some((NodeKind::parse(kind)?, name))) else { return Ok(None) };
    let node = collector::NodeId::new(kind, std::sync::Arc::from(name));
    let calls = core.calls_of(&node, parsed).await.map_err(port_error)?;
    if calls.callers.is_empty() && calls.callees.is_empty() {
        return Ok(None);
    }
    let entity_ref = crate::core::graph::entity_of_node(&index, &node);
    let mut panel = empty(name, kind, entity_ref.clone());
    if let Some((description, owner, system, lifecycle)) = entity_ref.as_deref().and_then(entity_facts) {
        (panel.description, panel.owner, panel.system, panel.lifecycle) = (description, owner, system, lifecycle);
    }
    let mut served = Health { requests: 0, errors: 0, p95_ms: 0.0, kept_spans: 0 };
    for call in &calls.callers {
        served.requests += call.requests;
        served.errors += call.errors;
        served.kept_spans += call.kept_spans;
        served.p95_ms = served.p95_ms.max(call.p95_ms);
    }
    if kind == NodeKind::Service && served.kept_spans < served.requests {
        panel.sample_rate = Some(served.kept_spans as f64 / served.requests as f64);
    }
    let distinct =
        |calls: &[crate::core::ObservedCall]| calls.iter().map(|c| c.peer.id.as_str()).collect::<std::collections::HashSet<_>>().len();
    (panel.callers, panel.callees) = (distinct(&calls.callers), distinct(&calls.callees));
    panel.served = (served.requests > 0).then_some(served);
    if kind == NodeKind::Service {
        let mut operations = core.operations(name, parsed).await.map_err(port_error)?.operations;
        operations.sort_by(|a, b| b.requests.cmp(&a.requests).then_with(|| a.operation.cmp(&b.operation)));
        panel.operations_total = operations.len();
        panel.operations = operations
            .into_iter()
            .take(PANEL_OPERATIONS)
            .map(|o| OperationRow {
                operation: o.operation,
                requests: o.requests,
                errors: o.errors,
                kept_spans: o.kept_spans,
                p95_ms: o.p95_ms,
            })
            .collect();
    }
    Ok(Some(panel))
}
