//! A view of the graph laid out for drawing (the Graph page's SVG and the
//! SVG export both draw from it), layered (Sugiyama's
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
//! Grouped views keep each expanded group's members together in their
//! column (boxed, named). Laying out again with the positions of an earlier
//! drawing (live updates) keeps every node that stays where it was; a new
//! node goes to its column's foot, so nothing on screen jumps.
//!
//! A maintained crate was measured first: `rust-sugiyama` 0.4 (network
//! simplex ranking, dummy vertices) took far too long on that graph
//! (BENCHMARKS.md).

use std::collections::HashMap;

use petgraph::algo::{greedy_feedback_arc_set, toposort};
use petgraph::graph::DiGraph;
use petgraph::visit::EdgeRef;

use crate::core::view::group::Group;
use crate::core::{GraphEdge, GraphNode, GraphView};

/// A node's box as drawn, by whoever draws the layout.
pub const NODE_WIDTH: f64 = 150.0;
pub const NODE_HEIGHT: f64 = 40.0;

/// A view laid out: every node and edge with where it goes, the boxes
/// around expanded groups, and the size of the whole.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub nodes: Vec<PlacedNode>,
    pub edges: Vec<PlacedEdge>,
    pub boxes: Vec<GroupBox>,
}

/// A node of the view and where it goes.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacedNode {
    pub node: GraphNode,
    /// The top left corner of its box.
    pub x: f64,
    pub y: f64,
    /// What it served in the window: its incoming edges' requests and
    /// errors added, and the worst of their p95s.
    pub requests: u64,
    pub errors: u64,
    pub p95_ms: f64,
    /// The expanded group it is drawn in.
    pub group: Option<String>,
    /// How many services a collapsed group's node stands for (else 0).
    pub members: usize,
}

/// An edge of the view and where it goes: from (`x1`, `y1`) to (`x2`, `y2`).
#[derive(Clone, Debug, PartialEq)]
pub struct PlacedEdge {
    pub edge: GraphEdge,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
    /// Its label, where one fits: none would overlap a node or another
    /// label (the table under the graph lists every edge).
    pub label: Option<EdgeLabel>,
}

impl Layout {
    /// Where each node is drawn, to keep it there when the view is laid out again.
    pub fn positions(&self) -> Vec<Position> {
        self.nodes.iter().map(|n| Position { id: n.node.id.clone(), x: n.x, y: n.y }).collect()
    }
}

impl PlacedEdge {
    /// What its label says: the traffic (`≈` when estimated from sampled
    /// spans), and the errors.
    pub fn label_text(&self) -> String {
        let GraphEdge { requests, errors, kept_spans, .. } = self.edge;
        let requests = if kept_spans < requests { format!("≈{requests}") } else { requests.to_string() };
        if errors == 0 { format!("{requests} req") } else { format!("{requests} req · {errors} err") }
    }
}

/// An edge's label: its centre, and what it says.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeLabel {
    pub x: f64,
    pub y: f64,
    pub text: String,
}

/// A box around a run of one expanded group's members down a column.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupBox {
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// Where an earlier drawing put a node (live redraws keep it there).
#[derive(Clone, Debug, PartialEq)]
pub struct Position {
    pub id: String,
    pub x: f64,
    pub y: f64,
}

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

/// Space around an expanded group's members, and above them for its name.
const BOX_PAD: f64 = 8.0;
const BOX_HEADER: f64 = 18.0;

/// What a layout may take beyond the graph.
#[derive(Clone, Copy, Default)]
pub struct Options<'a> {
    /// A grouped view's groups (`core::view::group`).
    pub groups: &'a [Group],
    /// Positions from an earlier drawing of the view, kept.
    pub keep: &'a [Position],
}

pub fn layout(view: &GraphView, options: Options<'_>) -> Layout {
    // Expanded groups' members sit together in each column, groups in name order.
    let group_of: HashMap<&str, (usize, &str)> = options
        .groups
        .iter()
        .filter(|g| !g.collapsed)
        .enumerate()
        .flat_map(|(rank, g)| g.members.iter().map(move |m| (m.as_str(), (rank, g.name.as_str()))))
        .collect();
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
                let mut keyed: Vec<(usize, f64, usize)> = by_layer[l]
                    .iter()
                    .map(|&i| {
                        let around = &neighbours[i];
                        let key =
                            if around.is_empty() { row[i] } else { around.iter().map(|&n| row[n]).sum::<f64>() / around.len() as f64 };
                        let rank = group_of.get(view.nodes[i].id.as_str()).map_or(usize::MAX, |g| g.0);
                        (rank, key, i)
                    })
                    .collect();
                keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
                by_layer[l] = keyed.into_iter().map(|(_, _, i)| i).collect();
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
    if !options.keep.is_empty() {
        keep_positions(view, options.keep, &mut xy);
    }
    draw(view, options.groups, &group_of, &xy)
}

/// Nodes of an earlier drawing back where they were; new nodes at the
/// foot of the column this layout gave them.
fn keep_positions(view: &GraphView, keep: &[Position], xy: &mut [(f64, f64)]) {
    let kept: HashMap<&str, (f64, f64)> = keep.iter().map(|k| (k.id.as_str(), (k.x, k.y))).collect();
    let column = |x: f64| (x / (NODE_WIDTH + COLUMN_GAP)).round() as i64;
    let mut foot: HashMap<i64, f64> = HashMap::new();
    let mut new = Vec::new();
    for (i, node) in view.nodes.iter().enumerate() {
        match kept.get(node.id.as_str()) {
            Some(&(x, y)) if x.is_finite() && y.is_finite() => {
                xy[i] = (x, y);
                let bottom = foot.entry(column(x)).or_insert(f64::MIN);
                *bottom = bottom.max(y);
            }
            _ => new.push(i),
        }
    }
    for i in new {
        let x = xy[i].0;
        let bottom = foot.entry(column(x)).or_insert(f64::MIN);
        let y = if *bottom == f64::MIN { MARGIN } else { *bottom + NODE_HEIGHT + ROW_GAP };
        *bottom = y;
        xy[i] = (x, y);
    }
}

/// Nodes, edges, group boxes and labels for nodes placed at `xy`.
fn draw(view: &GraphView, groups: &[Group], group_of: &HashMap<&str, (usize, &str)>, xy: &[(f64, f64)]) -> Layout {
    let position: HashMap<&str, usize> = view.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let mut served: HashMap<&str, (u64, u64, f64)> = HashMap::new();
    for edge in &view.edges {
        let s = served.entry(edge.target.as_str()).or_default();
        *s = (s.0 + edge.requests, s.1 + edge.errors, s.2.max(edge.p95_ms));
    }
    let members: HashMap<&str, usize> = groups.iter().map(|g| (g.id.as_str(), g.members.len())).collect();
    let nodes: Vec<PlacedNode> = view
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let (requests, errors, p95_ms) = served.get(n.id.as_str()).copied().unwrap_or_default();
            PlacedNode {
                node: n.clone(),
                x: xy[i].0,
                y: xy[i].1,
                requests,
                errors,
                p95_ms,
                group: group_of.get(n.id.as_str()).map(|g| g.1.to_string()),
                members: members.get(n.id.as_str()).copied().unwrap_or(0),
            }
        })
        .collect();
    let mut edges: Vec<PlacedEdge> = view
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
            Some(PlacedEdge { edge: e.clone(), x1, y1, x2, y2, label: None })
        })
        .collect();
    let boxes = group_boxes(&nodes);
    place_labels(&nodes, &boxes, &mut edges);
    let right = nodes.iter().map(|n| n.x + NODE_WIDTH).fold(0.0, f64::max);
    let bottom = nodes.iter().map(|n| n.y + NODE_HEIGHT).fold(0.0, f64::max);
    Layout {
        width: (right + MARGIN).max(MARGIN * 2.0 + NODE_WIDTH),
        height: (bottom + MARGIN).max(MARGIN * 2.0 + NODE_HEIGHT),
        nodes,
        edges,
        boxes,
    }
}

/// A box around each run of one expanded group's members down a column.
fn group_boxes(nodes: &[PlacedNode]) -> Vec<GroupBox> {
    let mut by_column: Vec<&PlacedNode> = nodes.iter().collect();
    by_column.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    let mut boxes: Vec<GroupBox> = Vec::new();
    let mut run: Option<(&str, f64, f64, f64)> = None; // group, x, first y, last y
    let close = |run: Option<(&str, f64, f64, f64)>, boxes: &mut Vec<GroupBox>| {
        if let Some((name, x, first, last)) = run {
            boxes.push(GroupBox {
                name: name.to_string(),
                x: x - BOX_PAD,
                y: first - BOX_HEADER,
                width: NODE_WIDTH + 2.0 * BOX_PAD,
                height: last - first + NODE_HEIGHT + BOX_HEADER + BOX_PAD,
            });
        }
    };
    for node in by_column {
        match (run, node.group.as_deref()) {
            (Some((name, x, first, _)), Some(group)) if name == group && x == node.x => run = Some((name, x, first, node.y)),
            (_, group) => {
                close(run, &mut boxes);
                run = group.map(|g| (g, node.x, node.y, node.y));
            }
        }
    }
    close(run, &mut boxes);
    boxes
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

/// Labels along their edges, busiest edge first, where they overlap nothing
/// (no node, no other label, no group's name).
fn place_labels(nodes: &[PlacedNode], boxes: &[GroupBox], edges: &mut [PlacedEdge]) {
    let mut occupied = Occupied { cell: NODE_WIDTH, buckets: HashMap::new() };
    for node in nodes {
        occupied.add((node.x, node.y, NODE_WIDTH, NODE_HEIGHT));
    }
    for group in boxes {
        occupied.add((group.x, group.y, group.width, BOX_HEADER));
    }
    let mut order: Vec<usize> = (0..edges.len()).collect();
    order.sort_by(|&a, &b| edges[b].edge.requests.cmp(&edges[a].edge.requests));
    for i in order {
        let edge = &edges[i];
        let text = edge.label_text();
        let width = text.chars().count() as f64 * LABEL_CHAR_WIDTH;
        let spot = LABEL_SPOTS
            .iter()
            .map(|t| (edge.x1 + (edge.x2 - edge.x1) * t, edge.y1 + (edge.y2 - edge.y1) * t))
            .find(|&(x, y)| occupied.free((x - width / 2.0, y - LABEL_HEIGHT / 2.0, width, LABEL_HEIGHT)));
        if let Some((x, y)) = spot {
            occupied.add((x - width / 2.0, y - LABEL_HEIGHT / 2.0, width, LABEL_HEIGHT));
            edges[i].label = Some(EdgeLabel { x, y, text });
        }
    }
}

#[cfg(test)]
mod tests {
    use collector::{ConnectionType, NodeKind};

    use super::*;

    fn view(edges: &[(&str, &str)]) -> GraphView {
        let mut names: Vec<&str> = edges.iter().flat_map(|(a, b)| [*a, *b]).collect();
        names.sort();
        names.dedup();
        GraphView {
            nodes: names
                .iter()
                .map(|n| GraphNode { id: n.to_string(), name: n.to_string(), kind: NodeKind::Service, entity_ref: None, sample_rate: None })
                .collect(),
            edges: edges
                .iter()
                .map(|(a, b)| GraphEdge {
                    source: a.to_string(),
                    target: b.to_string(),
                    connection_type: ConnectionType::Http,
                    requests: 1,
                    errors: 0,
                    caller_failures: 0,
                    kept_spans: 1,
                    estimated: false,
                    p50_ms: 1.0,
                    p95_ms: 1.0,
                    p99_ms: 1.0,
                })
                .collect(),
        }
    }

    fn columns(layout: &Layout) -> Vec<(String, f64)> {
        layout.nodes.iter().map(|n| (n.node.name.clone(), n.x)).collect()
    }

    #[test]
    fn callers_sit_left_of_callees() {
        let l = layout(
            &view(&[("user", "gateway"), ("gateway", "catalog"), ("catalog", "pricing"), ("gateway", "pricing")]),
            Options::default(),
        );
        let x: HashMap<_, _> = columns(&l).into_iter().collect();
        assert!(x["user"] < x["gateway"] && x["gateway"] < x["catalog"] && x["catalog"] < x["pricing"]);
        assert_eq!(l.edges.len(), 4);
    }

    #[test]
    fn cycles_still_lay_out() {
        let l = layout(&view(&[("a", "b"), ("b", "a"), ("b", "c")]), Options::default());
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
        let l = layout(&view(&pairs), Options::default());
        let boxes: Vec<Rect> = l.nodes.iter().map(|n| (n.x, n.y, NODE_WIDTH, NODE_HEIGHT)).collect();
        let labels: Vec<Rect> = l
            .edges
            .iter()
            .filter_map(|e| {
                e.label.as_ref().map(|label| {
                    let w = label.text.chars().count() as f64 * LABEL_CHAR_WIDTH;
                    (label.x - w / 2.0, label.y - LABEL_HEIGHT / 2.0, w, LABEL_HEIGHT)
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
        let l = layout(&view(&[("a1", "z2"), ("a2", "z1")]), Options::default());
        let y: HashMap<_, _> = l.nodes.iter().map(|n| (n.node.name.clone(), n.y)).collect();
        assert_eq!(y["a1"] < y["a2"], y["z2"] < y["z1"], "each callee sits beside its caller");
    }

    #[test]
    fn laying_out_again_keeps_nodes_that_stay_where_they_were() {
        let before = layout(&view(&[("web", "cart"), ("cart", "db")]), Options::default());
        // Traffic changed: a new caller of cart and a new callee of web.
        let after_view = view(&[("web", "cart"), ("cart", "db"), ("mobile", "cart"), ("web", "search")]);
        let fresh = layout(&after_view, Options::default());
        let kept = layout(&after_view, Options { keep: &before.positions(), ..Options::default() });
        let at = |l: &Layout, id: &str| l.nodes.iter().find(|n| n.node.id == id).map(|n| (n.x, n.y)).unwrap();
        for id in ["web", "cart", "db"] {
            assert_eq!(at(&kept, id), at(&before, id), "{id} stays");
        }
        assert_ne!(at(&fresh, "web"), at(&before, "web"), "laid out afresh, web would have moved");
        // New nodes go to their column's foot, on no other node.
        let (sx, sy) = at(&kept, "search");
        assert_eq!(sx, at(&fresh, "search").0);
        assert!(kept.nodes.iter().filter(|n| n.node.id != "search").all(|n| (n.x, n.y) != (sx, sy)));
        assert!(kept.height >= sy + NODE_HEIGHT);
    }

    #[test]
    fn expanded_groups_sit_together_boxed_and_nodes_carry_what_they_served() {
        let mut v = view(&[("a", "x1"), ("a", "y1"), ("a", "x2"), ("a", "y2")]);
        v.edges[0].errors = 1;
        let group = |name: &str, members: &[&str]| Group {
            id: format!("group:{name}"),
            name: name.to_string(),
            entity_ref: Some(format!("system:default/{name}")),
            members: members.iter().map(|m| m.to_string()).collect(),
            collapsed: false,
            internal_edges: 0,
            internal_requests: 0,
        };
        let groups = [group("xs", &["x1", "x2"]), group("ys", &["y1", "y2"])];
        let l = layout(&v, Options { groups: &groups, ..Options::default() });
        let y: HashMap<_, _> = l.nodes.iter().map(|n| (n.node.name.clone(), n.y)).collect();
        assert!((y["x1"] - y["x2"]).abs() < (y["x1"] - y["y1"]).abs().max((y["x1"] - y["y2"]).abs()), "x1 and x2 are neighbours");
        assert_eq!(l.boxes.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(), ["xs", "ys"]);
        let x1 = l.nodes.iter().find(|n| n.node.id == "x1").unwrap();
        assert_eq!((x1.requests, x1.errors, x1.group.as_deref()), (1, 1, Some("xs")));
    }
}
