//! A view written out: Graphviz DOT and Mermaid (text others render), SVG
//! (a picture that stands alone) and JSON (the view itself, serialised by
//! the adapter). Names are quoted or escaped, never trusted.

use std::fmt::Write as _;

use super::View;
use super::layout::{Layout, NODE_HEIGHT, NODE_WIDTH, Options, layout};
use crate::core::GraphEdge;

/// The label of an edge: requests and error share, with the share in words
/// too (no information by colour alone).
fn label(edge: &GraphEdge) -> String {
    let share = if edge.requests == 0 { 0.0 } else { edge.errors as f64 * 100.0 / edge.requests as f64 };
    format!("{} req, {share:.1}% err, p95 {:.0} ms", edge.requests, edge.p95_ms)
}

fn dot_quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

pub fn dot(view: &View) -> String {
    let mut out = String::from("digraph meridian {\n  rankdir=LR;\n  node [shape=box, fontname=\"sans-serif\"];\n");
    for node in &view.nodes {
        let _ = writeln!(out, "  {} [label={}, kind={}];", dot_quoted(&node.id), dot_quoted(&node.name), dot_quoted(node.kind.as_str()));
    }
    for edge in &view.edges {
        let _ = writeln!(out, "  {} -> {} [label={}];", dot_quoted(&edge.source), dot_quoted(&edge.target), dot_quoted(&label(edge)));
    }
    out.push_str("}\n");
    out
}

/// Mermaid ids are `n<index>`; names go in quoted labels (`#quot;` for quotes).
pub fn mermaid(view: &View) -> String {
    let mut out = String::from("flowchart LR\n");
    let index: std::collections::HashMap<&str, usize> = view.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let text = |s: &str| s.replace('"', "#quot;");
    for (i, node) in view.nodes.iter().enumerate() {
        let _ = writeln!(out, "  n{i}[\"{}\"]", text(&format!("{} ({})", node.name, node.kind.as_str())));
    }
    for edge in &view.edges {
        if let (Some(s), Some(t)) = (index.get(edge.source.as_str()), index.get(edge.target.as_str())) {
            let _ = writeln!(out, "  n{s} -->|\"{}\"| n{t}", text(&label(edge)));
        }
    }
    out
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A standalone SVG of a view over `window`, laid out as the Graph page
/// lays it out.
pub fn svg(view: View, window: &str) -> String {
    let graph = crate::core::GraphView { nodes: view.nodes, edges: view.edges };
    draw(&layout(&graph, Options { groups: &view.groups, ..Options::default() }), window)
}

/// A laid-out view as SVG.
fn draw(layout: &Layout, window: &str) -> String {
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"sans-serif\" font-size=\"12\">\n<title>Meridian graph, last {}</title>\n",
        xml(window),
        w = layout.width,
        h = layout.height
    );
    for group in &layout.boxes {
        let _ = writeln!(
            out,
            "<g><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"8\" fill=\"none\" stroke=\"#7f8aa3\" stroke-dasharray=\"2 3\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#5d6677\" font-size=\"11\">{}</text></g>",
            group.x,
            group.y,
            group.width,
            group.height,
            group.x + 6.0,
            group.y + 13.0,
            xml(&group.name)
        );
    }
    for placed in &layout.edges {
        let edge = &placed.edge;
        let share = if edge.requests == 0 { 0.0 } else { edge.errors as f64 / edge.requests as f64 };
        let (color, dash) = if share > 0.0 { ("#c62828", " stroke-dasharray=\"6 3\"") } else { ("#7f8aa3", "") };
        let _ = writeln!(
            out,
            "<g><title>{} → {}: {} requests, {} errors</title><line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{color}\" stroke-width=\"1.5\"{dash}/>{}</g>",
            xml(&edge.source),
            xml(&edge.target),
            edge.requests,
            edge.errors,
            placed.x1,
            placed.y1,
            placed.x2,
            placed.y2,
            placed.label.as_ref().map_or_else(String::new, |label| format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#5d6677\" font-size=\"10\">{}</text>",
                label.x,
                label.y + 4.0,
                xml(&label.text)
            ))
        );
    }
    for placed in &layout.nodes {
        let (node, x, y) = (&placed.node, placed.x, placed.y);
        let _ = writeln!(
            out,
            "<g><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{NODE_WIDTH}\" height=\"{NODE_HEIGHT}\" rx=\"6\" fill=\"#e8eefc\" stroke=\"#7f93c9\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#5d6677\" font-size=\"10\">{}</text></g>",
            x,
            y,
            x + 8.0,
            y + 17.0,
            xml(&node.name),
            x + 8.0,
            y + 31.0,
            node.kind.as_str()
        );
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use collector::{ConnectionType, NodeKind};

    use super::*;
    use crate::core::GraphNode;

    fn view() -> View {
        View {
            nodes: vec![
                GraphNode {
                    id: "service:we\"b".into(),
                    name: "we\"b".into(),
                    kind: NodeKind::Service,
                    entity_ref: None,
                    sample_rate: None,
                },
                GraphNode {
                    id: "database:carts".into(),
                    name: "carts".into(),
                    kind: NodeKind::Database,
                    entity_ref: None,
                    sample_rate: None,
                },
            ],
            edges: vec![GraphEdge {
                source: "service:we\"b".into(),
                target: "database:carts".into(),
                connection_type: ConnectionType::Database,
                requests: 200,
                errors: 2,
                caller_failures: 2,
                kept_spans: 200,
                estimated: false,
                p50_ms: 1.0,
                p95_ms: 12.0,
                p99_ms: 20.0,
            }],
            ..View::default()
        }
    }

    #[test]
    fn dot_and_mermaid_quote_names_and_label_edges() {
        let dot = dot(&view());
        assert!(dot.contains("\"service:we\\\"b\" -> \"database:carts\" [label=\"200 req, 1.0% err, p95 12 ms\"];"), "{dot}");
        let mermaid = mermaid(&view());
        assert!(mermaid.contains("n0[\"we#quot;b (service)\"]"), "{mermaid}");
        assert!(mermaid.contains("n0 -->|\"200 req, 1.0% err, p95 12 ms\"| n1"), "{mermaid}");
    }

    #[test]
    fn svg_escapes_text_and_marks_errors_by_dash_as_well_as_colour() {
        let sample = view();
        let node = GraphNode { id: "service:<x>".into(), name: "<x>".into(), ..sample.nodes[0].clone() };
        let edge = sample.edges[0].clone();
        assert!(edge.errors > 0, "an edge with errors");
        let layout = Layout {
            width: 400.0,
            height: 100.0,
            nodes: vec![super::super::layout::PlacedNode {
                node,
                x: 10.0,
                y: 10.0,
                requests: 0,
                errors: 0,
                p95_ms: 0.0,
                group: None,
                members: 0,
            }],
            edges: vec![super::super::layout::PlacedEdge { edge, x1: 0.0, y1: 0.0, x2: 1.0, y2: 1.0, label: None }],
            boxes: Vec::new(),
        };
        let svg = draw(&layout, "15m");
        assert!(svg.contains("&lt;x&gt;") && !svg.contains("<x>"), "{svg}");
        assert!(svg.contains("stroke-dasharray"), "{svg}");
    }
}
