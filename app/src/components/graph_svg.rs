use leptos::prelude::*;

use super::RedCells;
use crate::model::{GraphLayout, NODE_HEIGHT, NODE_WIDTH, entity_href};

/// Draws a server-computed layout: nodes as labelled boxes, edges as arrows
/// labelled with request and error counts. A table of the same edges follows
/// for reading and for links.
#[component]
pub fn GraphSvg(layout: GraphLayout) -> impl IntoView {
    if layout.nodes.is_empty() {
        return view! {
            <p class="empty" data-testid="graph-empty">
                "No traffic observed in the last " {layout.window} ". Point an OpenTelemetry SDK or Collector at the OTLP ports (gRPC 4317, HTTP 4318)."
            </p>
        }
        .into_any();
    }
    let nodes: std::collections::HashMap<String, (String, Option<String>)> =
        layout.nodes.iter().map(|n| (n.id.clone(), (n.name.clone(), n.entity_ref.clone()))).collect();
    // A node's name, linked to its entity page when it is in the catalog.
    let label = move |id: &str| match nodes.get(id) {
        Some((name, Some(entity_ref))) => view! { <a href=entity_href(entity_ref)>{name.clone()}</a> }.into_any(),
        Some((name, None)) => name.clone().into_any(),
        None => id.to_string().into_any(),
    };
    let rows = layout.edges.clone();
    let found: std::collections::HashSet<String> = layout.found.iter().cloned().collect();
    view! {
        <svg
            class="graph"
            data-testid="graph"
            viewBox=format!("0 0 {} {}", layout.width, layout.height)
            width=layout.width
            height=layout.height
        >
            <defs>
                <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" />
                </marker>
            </defs>
            {layout.edges.into_iter().map(|e| {
                let class = if e.errors > 0 { "edge has-errors" } else { "edge" };
                view! {
                    <g class=class data-source=e.source.clone() data-target=e.target.clone()>
                        <line x1=e.x1 y1=e.y1 x2=e.x2 y2=e.y2 marker-end="url(#arrow)" />
                        {e.label.map(|(x, y)| view! { <text x=x y=y + 4.0 text-anchor="middle">{e.label_text()}</text> })}
                    </g>
                }
            }).collect_view()}
            {layout.nodes.into_iter().map(|n| view! {
                <g class=format!("node node-{}{}", n.kind, if found.contains(&n.id) { " found" } else { "" }) data-node=n.id.clone()>
                    <rect x=n.x y=n.y width=NODE_WIDTH height=NODE_HEIGHT rx="6" />
                    <text x=n.x + NODE_WIDTH / 2.0 y=n.y + NODE_HEIGHT / 2.0 + 5.0 text-anchor="middle">{n.name.clone()}</text>
                </g>
            }).collect_view()}
        </svg>
        <table class="graph-edges" data-testid="graph-edges">
            <thead><tr><th>"From"</th><th>"To"</th><th>"Type"</th><th>"Requests"</th><th>"Errors"</th><th>"p95"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|e| view! {
                    <tr data-source=e.source.clone() data-target=e.target.clone()>
                        <td>{label(&e.source)}</td>
                        <td>{label(&e.target)}</td>
                        <td>{e.connection_type}</td>
                        <RedCells requests=e.requests errors=e.errors p95_ms=e.p95_ms />
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
