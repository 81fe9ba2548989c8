//! Graph layout for the UI, computed on the server: a layered drawing where
//! every node sits one column right of its furthest caller. Cycles are
//! collapsed first (strongly connected components share a column), so any
//! graph gets a layout.

use std::collections::HashMap;

use app::model::{GraphLayout, LaidOutEdge, LaidOutNode, NODE_HEIGHT, NODE_WIDTH};
use petgraph::algo::{condensation, toposort};
use petgraph::graph::DiGraph;

use crate::core::GraphView;
const COLUMN_GAP: f64 = 110.0;
const ROW_GAP: f64 = 40.0;
const MARGIN: f64 = 30.0;

pub fn layout(view: &GraphView, window: &str) -> GraphLayout {
    let mut graph: DiGraph<usize, ()> = DiGraph::new();
    let indices: Vec<_> = (0..view.nodes.len()).map(|i| graph.add_node(i)).collect();
    let position: HashMap<&str, usize> = view.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    for edge in &view.edges {
        if let (Some(&s), Some(&t)) = (position.get(edge.source.as_str()), position.get(edge.target.as_str()))
            && s != t
        {
            graph.add_edge(indices[s], indices[t], ());
        }
    }

    // Column of each node: longest path in the acyclic condensation.
    let condensed = condensation(graph, true);
    let order = toposort(&condensed, None).unwrap_or_default();
    let mut column_of_component = vec![0usize; condensed.node_count()];
    for component in order {
        let column = column_of_component[component.index()];
        for next in condensed.neighbors(component) {
            column_of_component[next.index()] = column_of_component[next.index()].max(column + 1);
        }
    }
    let mut column = vec![0usize; view.nodes.len()];
    for component in condensed.node_indices() {
        for &node in &condensed[component] {
            column[node] = column_of_component[component.index()];
        }
    }

    // Rows: nodes of a column in name order, so layouts are stable.
    let mut by_column: Vec<Vec<usize>> = Vec::new();
    let mut ordered: Vec<usize> = (0..view.nodes.len()).collect();
    ordered.sort_by(|&a, &b| (column[a], &view.nodes[a].name).cmp(&(column[b], &view.nodes[b].name)));
    for i in ordered {
        if by_column.len() <= column[i] {
            by_column.resize(column[i] + 1, Vec::new());
        }
        by_column[column[i]].push(i);
    }
    let mut xy = vec![(0.0, 0.0); view.nodes.len()];
    for (c, members) in by_column.iter().enumerate() {
        for (r, &i) in members.iter().enumerate() {
            xy[i] = (MARGIN + c as f64 * (NODE_WIDTH + COLUMN_GAP), MARGIN + r as f64 * (NODE_HEIGHT + ROW_GAP));
        }
    }
    let rows = by_column.iter().map(Vec::len).max().unwrap_or(0);
    let nodes = view
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| LaidOutNode {
            id: n.id.clone(),
            name: n.name.clone(),
            kind: n.kind.as_str().to_string(),
            entity_ref: n.entity_ref.clone(),
            x: xy[i].0,
            y: xy[i].1,
        })
        .collect();
    let edges = view
        .edges
        .iter()
        .filter_map(|e| {
            let (s, t) = (*position.get(e.source.as_str())?, *position.get(e.target.as_str())?);
            let ((sx, sy), (tx, ty)) = (xy[s], xy[t]);
            // Forward edges leave the right side and enter the left side;
            // others (cycles, same column) join the box centres' edges.
            let (x1, x2) = if tx > sx { (sx + NODE_WIDTH, tx) } else { (sx + NODE_WIDTH / 2.0, tx + NODE_WIDTH / 2.0) };
            let (y1, y2) = if tx > sx {
                (sy + NODE_HEIGHT / 2.0, ty + NODE_HEIGHT / 2.0)
            } else if ty > sy {
                (sy + NODE_HEIGHT, ty)
            } else {
                (sy, ty + NODE_HEIGHT)
            };
            Some(LaidOutEdge {
                source: e.source.clone(),
                target: e.target.clone(),
                connection_type: e.connection_type.as_str().to_string(),
                requests: e.requests,
                errors: e.errors,
                p95_ms: e.p95_ms,
                x1,
                y1,
                x2,
                y2,
            })
        })
        .collect();
    GraphLayout {
        window: window.to_string(),
        width: MARGIN * 2.0 + by_column.len().max(1) as f64 * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP,
        height: MARGIN * 2.0 + rows.max(1) as f64 * (NODE_HEIGHT + ROW_GAP) - ROW_GAP,
        nodes,
        edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{GraphEdge, GraphNode};
    use collector::{ConnectionType, NodeKind};

    fn view(edges: &[(&str, &str)]) -> GraphView {
        let mut names: Vec<&str> = edges.iter().flat_map(|(a, b)| [*a, *b]).collect();
        names.sort();
        names.dedup();
        GraphView {
            nodes: names
                .iter()
                .map(|n| GraphNode { id: n.to_string(), name: n.to_string(), kind: NodeKind::Service, entity_ref: None })
                .collect(),
            edges: edges
                .iter()
                .map(|(a, b)| GraphEdge {
                    source: a.to_string(),
                    target: b.to_string(),
                    connection_type: ConnectionType::Http,
                    requests: 1,
                    errors: 0,
                    p50_ms: 1.0,
                    p95_ms: 1.0,
                    p99_ms: 1.0,
                })
                .collect(),
        }
    }

    fn columns(layout: &GraphLayout) -> Vec<(String, f64)> {
        layout.nodes.iter().map(|n| (n.name.clone(), n.x)).collect()
    }

    #[test]
    fn callers_sit_left_of_callees() {
        let l = layout(&view(&[("user", "gateway"), ("gateway", "catalog"), ("catalog", "pricing"), ("gateway", "pricing")]), "15m");
        let x: HashMap<_, _> = columns(&l).into_iter().collect();
        assert!(x["user"] < x["gateway"] && x["gateway"] < x["catalog"] && x["catalog"] < x["pricing"]);
        assert_eq!(l.edges.len(), 4);
    }

    #[test]
    fn cycles_still_lay_out() {
        let l = layout(&view(&[("a", "b"), ("b", "a"), ("b", "c")]), "1h");
        let x: HashMap<_, _> = columns(&l).into_iter().collect();
        assert_eq!(x["a"], x["b"]);
        assert!(x["c"] > x["b"]);
    }
}
