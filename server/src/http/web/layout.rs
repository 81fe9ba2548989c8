//! Graph layout for the UI, computed on the server, layered (Sugiyama's
//! steps, each kept simple so 2,000 nodes and 10,000 edges lay out in
//! milliseconds; BENCHMARKS.md):
//!
//! 1. cycles broken by reversing a greedy feedback arc set (petgraph);
//! 2. layers by longest path: every node one column right of its furthest
//!    caller (at most 40 columns: longer layerings are merged in proportion);
//! 3. rows ordered by barycentre sweeps, down and up, to cut crossings;
//! 4. edge labels placed along their edge where they overlap no node and no
//!    other label (busiest edges first); where none fits there is no label,
//!    and the table under the graph still lists the edge.
//!
//! A maintained crate was measured first: `rust-sugiyama` 0.4 (network
//! simplex ranking, dummy vertices) took 79 s on that graph.

use std::collections::HashMap;

use app::model::{GraphLayout, LaidOutEdge, LaidOutNode, NODE_HEIGHT, NODE_WIDTH};
use petgraph::algo::{greedy_feedback_arc_set, toposort};
use petgraph::graph::DiGraph;
use petgraph::visit::EdgeRef;

use crate::core::GraphView;

const COLUMN_GAP: f64 = 110.0;
const ROW_GAP: f64 = 40.0;
const MARGIN: f64 = 30.0;
/// Columns at most; longer layerings are merged down to this.
const MAX_COLUMNS: usize = 40;
/// Barycentre sweeps (each one down and one up).
const SWEEPS: usize = 4;
/// A label's box: its height, and the width of one character.
const LABEL_HEIGHT: f64 = 14.0;
const LABEL_CHAR_WIDTH: f64 = 6.5;
/// Where along its edge a label may sit, in order of preference.
const LABEL_SPOTS: [f64; 5] = [0.5, 0.4, 0.6, 0.3, 0.7];

pub fn layout(view: &GraphView, window: &str) -> GraphLayout {
    let count = view.nodes.len();
    let position: HashMap<&str, usize> = view.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(count, view.edges.len());
    let indices: Vec<_> = (0..count).map(|_| graph.add_node(())).collect();
    for edge in &view.edges {
        if let (Some(&s), Some(&t)) = (position.get(edge.source.as_str()), position.get(edge.target.as_str()))
            && s != t
        {
            graph.update_edge(indices[s], indices[t], ());
        }
    }

    // 1. A DAG: the feedback arc set's edges reversed.
    let reversed: std::collections::HashSet<_> = greedy_feedback_arc_set(&graph).map(|e| e.id()).collect();
    let mut dag: DiGraph<(), ()> = DiGraph::with_capacity(count, graph.edge_count());
    for _ in 0..count {
        dag.add_node(());
    }
    for edge in graph.edge_references() {
        let (s, t) = if reversed.contains(&edge.id()) { (edge.target(), edge.source()) } else { (edge.source(), edge.target()) };
        dag.update_edge(s, t, ());
    }

    // 2. Layers by longest path.
    let mut layer = vec![0usize; count];
    for node in toposort(&dag, None).unwrap_or_default() {
        for next in dag.neighbors(node) {
            layer[next.index()] = layer[next.index()].max(layer[node.index()] + 1);
        }
    }
    let mut layers = layer.iter().max().map_or(0, |&m| m + 1);
    // Long chains (a ring of services calling the next ones) would give a
    // drawing thousands of columns wide: layers are merged in proportion,
    // which keeps every edge pointing right or down its column.
    if layers > MAX_COLUMNS {
        for l in &mut layer {
            *l = *l * MAX_COLUMNS / layers;
        }
        layers = MAX_COLUMNS;
    }
    let mut by_layer: Vec<Vec<usize>> = vec![Vec::new(); layers];
    let mut ordered: Vec<usize> = (0..count).collect();
    ordered.sort_by(|&a, &b| view.nodes[a].name.cmp(&view.nodes[b].name));
    for i in ordered {
        by_layer[layer[i]].push(i);
    }

    // 3. Rows by barycentre of neighbours in earlier (then later) layers.
    let predecessors: Vec<Vec<usize>> =
        (0..count).map(|i| dag.neighbors_directed(indices[i], petgraph::Direction::Incoming).map(|n| n.index()).collect()).collect();
    let successors: Vec<Vec<usize>> = (0..count).map(|i| dag.neighbors(indices[i]).map(|n| n.index()).collect()).collect();
    let mut row = vec![0.0f64; count];
    let place = |by_layer: &Vec<Vec<usize>>, row: &mut Vec<f64>| {
        for members in by_layer {
            for (r, &i) in members.iter().enumerate() {
                row[i] = r as f64;
            }
        }
    };
    place(&by_layer, &mut row);
    for _ in 0..SWEEPS {
        for (neighbours, order) in
            [(&predecessors, (1..layers).collect::<Vec<_>>()), (&successors, (0..layers.saturating_sub(1)).rev().collect())]
        {
            for l in order {
                let mut keyed: Vec<(f64, usize)> = by_layer[l]
                    .iter()
                    .map(|&i| {
                        let around = &neighbours[i];
                        let key =
                            if around.is_empty() { row[i] } else { around.iter().map(|&n| row[n]).sum::<f64>() / around.len() as f64 };
                        (key, i)
                    })
                    .collect();
                keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
                by_layer[l] = keyed.into_iter().map(|(_, i)| i).collect();
                for (r, &i) in by_layer[l].iter().enumerate() {
                    row[i] = r as f64;
                }
            }
        }
    }

    // Coordinates: layers as columns, rows centred on the tallest column.
    let rows = by_layer.iter().map(Vec::len).max().unwrap_or(0);
    let mut xy = vec![(0.0, 0.0); count];
    for (c, members) in by_layer.iter().enumerate() {
        let offset = (rows - members.len()) as f64 / 2.0;
        for (r, &i) in members.iter().enumerate() {
            xy[i] = (MARGIN + c as f64 * (NODE_WIDTH + COLUMN_GAP), MARGIN + (r as f64 + offset) * (NODE_HEIGHT + ROW_GAP));
        }
    }
    let nodes: Vec<LaidOutNode> = view
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
    let mut edges: Vec<LaidOutEdge> = view
        .edges
        .iter()
        .filter_map(|e| {
            let (s, t) = (*position.get(e.source.as_str())?, *position.get(e.target.as_str())?);
            let ((sx, sy), (tx, ty)) = (xy[s], xy[t]);
            // Forward edges leave the right side and enter the left side;
            // others (reversed, same column) join the boxes' top and bottom.
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
                label: None,
            })
        })
        .collect();
    place_labels(&nodes, &mut edges);
    GraphLayout {
        window: window.to_string(),
        width: MARGIN * 2.0 + layers.max(1) as f64 * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP,
        height: MARGIN * 2.0 + rows.max(1) as f64 * (NODE_HEIGHT + ROW_GAP) - ROW_GAP,
        nodes,
        edges,
        ..GraphLayout::default()
    }
}

/// A rectangle: x, y, width, height.
type Rect = (f64, f64, f64, f64);

/// Boxes already on the drawing, found through a grid of buckets.
struct Occupied {
    cell: f64,
    buckets: HashMap<(i64, i64), Vec<Rect>>,
}

impl Occupied {
    fn cells(&self, (x, y, w, h): Rect) -> impl Iterator<Item = (i64, i64)> {
        let (x0, y0) = ((x / self.cell).floor() as i64, (y / self.cell).floor() as i64);
        let (x1, y1) = (((x + w) / self.cell).floor() as i64, ((y + h) / self.cell).floor() as i64);
        (x0..=x1).flat_map(move |cx| (y0..=y1).map(move |cy| (cx, cy)))
    }

    fn free(&self, rect: Rect) -> bool {
        let (x, y, w, h) = rect;
        self.cells(rect).all(|cell| {
            self.buckets
                .get(&cell)
                .is_none_or(|rects| rects.iter().all(|&(ox, oy, ow, oh)| x + w <= ox || ox + ow <= x || y + h <= oy || oy + oh <= y))
        })
    }

    fn add(&mut self, rect: Rect) {
        let cells: Vec<_> = self.cells(rect).collect();
        for cell in cells {
            self.buckets.entry(cell).or_default().push(rect);
        }
    }
}

/// Labels along their edges, busiest edge first, where they overlap nothing.
fn place_labels(nodes: &[LaidOutNode], edges: &mut [LaidOutEdge]) {
    let mut occupied = Occupied { cell: NODE_WIDTH, buckets: HashMap::new() };
    for node in nodes {
        occupied.add((node.x, node.y, NODE_WIDTH, NODE_HEIGHT));
    }
    let mut order: Vec<usize> = (0..edges.len()).collect();
    order.sort_by(|&a, &b| edges[b].requests.cmp(&edges[a].requests));
    for i in order {
        let edge = &edges[i];
        let width = edge.label_text().chars().count() as f64 * LABEL_CHAR_WIDTH;
        let spot = LABEL_SPOTS
            .iter()
            .map(|t| (edge.x1 + (edge.x2 - edge.x1) * t, edge.y1 + (edge.y2 - edge.y1) * t))
            .find(|&(x, y)| occupied.free((x - width / 2.0, y - LABEL_HEIGHT / 2.0, width, LABEL_HEIGHT)));
        if let Some((x, y)) = spot {
            occupied.add((x - width / 2.0, y - LABEL_HEIGHT / 2.0, width, LABEL_HEIGHT));
            edges[i].label = Some((x, y));
        }
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
        assert_ne!(x["a"], x["b"], "one edge of the cycle is drawn backwards");
        assert!(x["c"] > x["b"]);
    }

    #[test]
    fn labels_never_overlap_nodes_or_each_other() {
        // A fan: one service calling twelve, all labels wanting the same spots.
        let pairs: Vec<(String, String)> =
            (0..12).map(|i| ("hub".to_string(), format!("s{i:02}"))).chain([("s00".to_string(), "s01".to_string())]).collect();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let l = layout(&view(&pairs), "15m");
        let boxes: Vec<Rect> = l.nodes.iter().map(|n| (n.x, n.y, NODE_WIDTH, NODE_HEIGHT)).collect();
        let labels: Vec<Rect> = l
            .edges
            .iter()
            .filter_map(|e| {
                e.label.map(|(x, y)| {
                    let w = e.label_text().chars().count() as f64 * LABEL_CHAR_WIDTH;
                    (x - w / 2.0, y - LABEL_HEIGHT / 2.0, w, LABEL_HEIGHT)
                })
            })
            .collect();
        assert!(labels.len() >= 6, "most edges get a label: {}", labels.len());
        let overlap = |a: &Rect, b: &Rect| a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3;
        for (i, label) in labels.iter().enumerate() {
            assert!(boxes.iter().all(|b| !overlap(label, b)), "label {label:?} overlaps a node");
            assert!(labels[i + 1..].iter().all(|other| !overlap(label, other)), "labels overlap");
        }
    }

    #[test]
    fn barycentres_keep_crossings_down() {
        // Two chains drawn in name order would cross; ordered by their callers they do not.
        let l = layout(&view(&[("a1", "z2"), ("a2", "z1")]), "15m");
        let y: HashMap<_, _> = l.nodes.iter().map(|n| (n.name.clone(), n.y)).collect();
        assert_eq!(y["a1"] < y["a2"], y["z2"] < y["z1"], "each callee sits beside its caller");
    }
}
