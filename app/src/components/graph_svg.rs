use leptos::prelude::*;

use super::RedCells;
use crate::model::{GraphLayout, GraphQuery, Grouping, NodeKind, NodePanel, count_of, entity_href};

/// Rows of the edge table at most (busiest first); the JSON export has all.
pub const EDGE_TABLE_ROWS: usize = 300;
const MIN_ZOOM: f64 = 0.05;
const MAX_ZOOM: f64 = 4.0;
const ZOOM_STEP: f64 = 1.25;

/// Draws a server-computed layout: nodes as labelled boxes (each a link
/// that opens its panel), edges as arrows whose width follows the request
/// rate and whose colour and dash pattern follow the error share, with a
/// hover title giving the numbers. A table of the busiest edges follows.
///
/// Without JavaScript the drawing scrolls at its natural size; hydrated,
/// it also zooms (buttons, Ctrl+wheel, pinch) and pans (drag).
#[component]
pub fn GraphSvg(layout: Signal<GraphLayout>, query: Memo<GraphQuery>) -> impl IntoView {
    // The drawing follows the view; a selection only moves one outline.
    let view_query = Memo::new(move |_| query.get().selecting(""));
    let selected = Memo::new(move |_| query.with(|q| q.selected.clone()));
    let zoom = RwSignal::new(1.0f64);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let frame = NodeRef::<leptos::html::Div>::new();
    let zoom_to = move |target: f64| {
        let old = zoom.get_untracked();
        let new = target.clamp(MIN_ZOOM, MAX_ZOOM);
        zoom.set(new);
        keep_centre(frame, new / old);
    };
    let fit = move |_| {
        if let Some((width, height)) = frame_size(frame) {
            let l = layout.get_untracked();
            zoom_to((width / l.width).min(height / l.height).min(1.0));
        }
    };
    let drag = StoredValue::new(None::<(f64, f64, f64, f64)>);
    view! {
        {move || hydrated.get().then(|| view! {
            <div class="zoom" role="group" aria-label="Zoom" data-testid="zoom">
                <button type="button" on:click=move |_| zoom_to(zoom.get_untracked() * ZOOM_STEP)>"Zoom in"</button>
                <button type="button" on:click=move |_| zoom_to(zoom.get_untracked() / ZOOM_STEP)>"Zoom out"</button>
                <button type="button" on:click=fit>"Fit"</button>
                <button type="button" on:click=move |_| zoom_to(1.0)>"100%"</button>
                <span class="zoom-level" data-testid="zoom-level">{move || format!("{:.0}%", zoom.get() * 100.0)}</span>
            </div>
        })}
        <div
            class="graph-frame"
            node_ref=frame
            on:wheel=move |ev| {
                if ev.ctrl_key() || ev.meta_key() {
                    ev.prevent_default();
                    zoom_to(zoom.get_untracked() * if ev.delta_y() < 0.0 { 1.1 } else { 1.0 / 1.1 });
                }
            }
            on:pointerdown=move |ev| {
                if ev.button() == 0 {
                    drag.set_value(scroll_of(frame).map(|(left, top)| (ev.client_x() as f64, ev.client_y() as f64, left, top)));
                }
            }
            on:pointermove=move |ev| {
                if let Some((x, y, left, top)) = drag.get_value() {
                    scroll_to(frame, left - (ev.client_x() as f64 - x), top - (ev.client_y() as f64 - y));
                }
            }
            on:pointerup=move |_| drag.set_value(None)
            on:pointerleave=move |_| drag.set_value(None)
        >
            {move || view! { <Drawing layout=layout.get() query=view_query.get() selected zoom /> }}
        </div>
        {move || view! { <SamplingNote layout=layout.get() /> <EdgeTable layout=layout.get() /> }}
    }
}

/// Which services send sampled traffic and at what rate: the counts their
/// calls make are estimates (marked ≈).
#[component]
fn SamplingNote(layout: GraphLayout) -> impl IntoView {
    let sampled: Vec<String> = layout
        .nodes
        .iter()
        .filter_map(|n| n.sample_rate.map(|rate| format!("{} {}", n.name, crate::model::sample_rate_text(rate))))
        .collect();
    (!sampled.is_empty()).then(|| {
        view! {
            <p class="sampling-note" data-testid="sampling-note">
                "Counts marked ≈ are estimates from sampled traffic: " {sampled.join(", ")} "."
            </p>
        }
    })
}

#[component]
fn Drawing(layout: GraphLayout, query: GraphQuery, selected: Memo<String>, zoom: RwSignal<f64>) -> impl IntoView {
    if layout.nodes.is_empty() {
        return view! {
            <p class="empty" data-testid="graph-empty">
                "No traffic observed in the last " {layout.window} ". Point an OpenTelemetry SDK or Collector at the OTLP ports (gRPC 4317, HTTP 4318)."
            </p>
        }
        .into_any();
    }
    let found: std::collections::HashSet<String> = layout.found.iter().cloned().collect();
    let busiest = layout.edges.iter().map(|e| e.requests).max().unwrap_or(1).max(1) as f64;
    let (width, height) = (layout.width, layout.height);
    let (node_width, node_height) = (layout.node_width, layout.node_height);
    let described = format!("Dependency graph: {} nodes, {} edges", layout.nodes.len(), layout.edges.len());
    let navigate = leptos_router::hooks::use_navigate();
    // One outline drawn over the selected node: selecting touches one element, not every node.
    let at: std::collections::HashMap<String, (f64, f64)> = layout.nodes.iter().map(|n| (n.id.clone(), (n.x, n.y))).collect();
    let outline = move || {
        selected.with(|id| {
            at.get(id).map(|&(x, y)| {
                view! { <rect class="selection" data-for=id.clone() x=x - 4.0 y=y - 4.0 width=node_width + 8.0 height=node_height + 8.0 rx="9" /> }
            })
        })
    };
    // Zoom scales the drawing as a whole (a transform: no layout of what is
    // inside); the canvas around it takes the scaled size, so scrolling follows.
    view! {
        <div class="graph-canvas" data-testid="graph-canvas" style=move || format!("width:{:.0}px;height:{:.0}px", width * zoom.get(), height * zoom.get())>
        <svg
            class="graph"
            data-testid="graph"
            aria-label=described
            viewBox=format!("0 0 {width} {height}")
            width=width
            height=height
            style=move || format!("transform:scale({})", zoom.get())
        >
            <defs>
                <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" />
                </marker>
            </defs>
            {layout.boxes.into_iter().map(|b| view! {
                <g class="group-box">
                    <rect x=b.x y=b.y width=b.width height=b.height rx="8" />
                    <text x=b.x + 6.0 y=b.y + 13.0>{b.name}</text>
                </g>
            }).collect_view()}
            {layout.edges.into_iter().map(|e| {
                // Width by rate on a log scale: a 1,000× busier edge is not 1,000× wider.
                let stroke = 1.0 + 4.0 * (1.0 + e.requests as f64).ln() / (1.0 + busiest).ln();
                view! {
                    <g class=e.health().class() data-source=e.source.clone() data-target=e.target.clone()>
                        <title>{e.summary()}</title>
                        <line x1=e.x1 y1=e.y1 x2=e.x2 y2=e.y2 marker-end="url(#arrow)" style=format!("stroke-width:{stroke:.1}") />
                        {e.label.clone().map(|label| view! { <text x=label.x y=label.y + 4.0 text-anchor="middle">{label.text}</text> })}
                    </g>
                }
            }).collect_view()}
            {layout.nodes.into_iter().map(|n| {
                let href = query.selecting(&n.id).href();
                let class = format!(
                    "node node-{}{}{}",
                    n.kind,
                    if found.contains(&n.id) { " found" } else { "" },
                    if n.sample_rate.is_some() { " sampled" } else { "" }
                );
                let navigate = navigate.clone();
                let to = href.clone();
                let summary = n.summary();
                let title = summary.clone();
                // A group's name is its visible text (name, then its size); a node's label starts with its name.
                let label = (n.members == 0).then_some(summary);
                view! {
                    <g class=class data-node=n.id.clone()>
                        // An SVG link: the router does not take it, so a click is routed here.
                        <a href=href aria-label=label on:click=move |ev| {
                            ev.prevent_default();
                            navigate(&to, leptos_router::NavigateOptions { scroll: false, ..Default::default() });
                        }>
                            <title>{title}</title>
                            <rect x=n.x y=n.y width=node_width height=node_height rx="6" />
                            {if n.members > 0 {
                                view! {
                                    <text x=n.x + node_width / 2.0 y=n.y + 17.0 text-anchor="middle">{n.name.clone()}</text>
                                    <text class="members" x=n.x + node_width / 2.0 y=n.y + 32.0 text-anchor="middle">{count_of(n.members, "service")}</text>
                                }.into_any()
                            } else if let Some(rate) = n.sample_rate {
                                view! {
                                    <text x=n.x + node_width / 2.0 y=n.y + 17.0 text-anchor="middle">{n.name.clone()}</text>
                                    <text class="members" x=n.x + node_width / 2.0 y=n.y + 32.0 text-anchor="middle">{crate::model::sample_rate_text(rate)}</text>
                                }.into_any()
                            } else {
                                view! { <text x=n.x + node_width / 2.0 y=n.y + node_height / 2.0 + 5.0 text-anchor="middle">{n.name.clone()}</text> }.into_any()
                            }}
                        </a>
                    </g>
                }
            }).collect_view()}
            {outline}
        </svg>
        </div>
    }
    .into_any()
}

/// The busiest edges as a table, names linked to their entities.
#[component]
fn EdgeTable(layout: GraphLayout) -> impl IntoView {
    let nodes: std::collections::HashMap<String, (String, Option<String>)> =
        layout.nodes.iter().map(|n| (n.id.clone(), (n.name.clone(), n.entity_ref.clone()))).collect();
    let label = move |id: &str| match nodes.get(id) {
        Some((name, Some(entity_ref))) => view! { <a href=entity_href(entity_ref)>{name.clone()}</a> }.into_any(),
        Some((name, None)) => name.clone().into_any(),
        None => id.to_string().into_any(),
    };
    let mut rows = layout.edges;
    rows.sort_by_key(|e| std::cmp::Reverse(e.requests));
    let more = rows.len().saturating_sub(EDGE_TABLE_ROWS);
    rows.truncate(EDGE_TABLE_ROWS);
    (!rows.is_empty()).then(|| {
        view! {
            <table class="graph-edges" data-testid="graph-edges">
                <caption>"Edges, busiest first"</caption>
                <thead><tr><th>"From"</th><th>"To"</th><th>"Type"</th><th>"Requests"</th><th>"Errors"</th><th>"p95"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|e| view! {
                        <tr data-source=e.source.clone() data-target=e.target.clone()>
                            <td>{label(&e.source)}</td>
                            <td>{label(&e.target)}</td>
                            <td>{e.connection_type}</td>
                            <RedCells requests=e.requests errors=e.errors p95_ms=e.p95_ms kept_spans=e.kept_spans caller_failures=e.caller_failures />
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            {(more > 0).then(|| view! { <p class="more">{format!("…and {more} quieter edges, all in the JSON export.")}</p> })}
        }
    })
}

/// The side panel of the selected node.
#[component]
pub fn NodePanelView(panel: NodePanel, query: GraphQuery) -> impl IntoView {
    let focus = GraphQuery { focus: panel.id.clone(), group: Grouping::Auto, ..query.selecting(&panel.id) }.href();
    let is_group = panel.kind == NodeKind::Group;
    view! {
        <h2>{panel.name.clone()} " " <small>{panel.kind.as_str()}</small></h2>
        {panel.description.clone().map(|d| view! { <p class="description">{d}</p> })}
        <dl class="facts">
            <dt>"Owner"</dt>
            <dd data-testid="panel-owner">{match panel.owner.clone() {
                Some(owner) => view! { <a href=entity_href(&owner)>{owner.clone()}</a> }.into_any(),
                None => "not in the catalog".into_any(),
            }}</dd>
            {panel.system.clone().map(|system| view! { <dt>"System"</dt><dd><a href=entity_href(&system)>{system.clone()}</a></dd> })}
            {panel.lifecycle.clone().map(|lifecycle| view! { <dt>"Lifecycle"</dt><dd>{lifecycle}</dd> })}
            {(!is_group).then(|| view! {
                <dt>"Served (" {panel.window.clone()} ")"</dt>
                <dd data-testid="panel-served">{match &panel.served {
                    Some(h) => h.describe(),
                    None => "nothing".to_string(),
                }}</dd>
                {panel.sample_rate.map(|rate| view! {
                    <dt>"Sampling"</dt>
                    <dd data-testid="panel-sampling">{crate::model::sample_rate_text(rate)} ", counts are estimates"</dd>
                })}
                <dt>"Callers · callees"</dt>
                <dd>{format!("{} · {}", panel.callers, panel.callees)}</dd>
            })}
        </dl>
        {(!panel.operations.is_empty()).then(|| view! {
            <table class="panel-operations" data-testid="panel-operations">
                <caption>{format!("Busiest operations ({} of {})", panel.operations.len(), panel.operations_total)}</caption>
                <thead><tr><th>"Operation"</th><th>"Requests"</th><th>"Errors"</th><th>"p95"</th></tr></thead>
                <tbody>
                    {panel.operations.iter().map(|o| view! {
                        <tr><td>{o.operation.clone()}</td><RedCells requests=o.requests errors=o.errors p95_ms=o.p95_ms kept_spans=o.kept_spans /></tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
        <p class="panel-links">
            {panel.entity_ref.clone().map(|r| view! { <a href=entity_href(&r) data-testid="panel-entity">"Open its page →"</a> " " })}
            {(!is_group).then(|| view! { <a href=focus data-testid="panel-focus">"Focus the graph here"</a> })}
        </p>
    }
}

#[cfg(feature = "hydrate")]
fn frame_size(frame: NodeRef<leptos::html::Div>) -> Option<(f64, f64)> {
    frame.get_untracked().map(|el| (el.client_width() as f64, el.client_height() as f64))
}

#[cfg(not(feature = "hydrate"))]
fn frame_size(_: NodeRef<leptos::html::Div>) -> Option<(f64, f64)> {
    None
}

#[cfg(feature = "hydrate")]
fn scroll_of(frame: NodeRef<leptos::html::Div>) -> Option<(f64, f64)> {
    frame.get_untracked().map(|el| (el.scroll_left() as f64, el.scroll_top() as f64))
}

#[cfg(not(feature = "hydrate"))]
fn scroll_of(_: NodeRef<leptos::html::Div>) -> Option<(f64, f64)> {
    None
}

#[cfg(feature = "hydrate")]
fn scroll_to(frame: NodeRef<leptos::html::Div>, left: f64, top: f64) {
    if let Some(el) = frame.get_untracked() {
        el.set_scroll_left(left as i32);
        el.set_scroll_top(top as i32);
    }
}

#[cfg(not(feature = "hydrate"))]
fn scroll_to(_: NodeRef<leptos::html::Div>, _: f64, _: f64) {}

/// After a zoom by `ratio`, scrolls so the point that was in the middle of
/// the frame is there again (once the new size is drawn).
fn keep_centre(frame: NodeRef<leptos::html::Div>, ratio: f64) {
    if let (Some((width, height)), Some((left, top))) = (frame_size(frame), scroll_of(frame)) {
        let (x, y) = ((left + width / 2.0) * ratio - width / 2.0, (top + height / 2.0) * ratio - height / 2.0);
        request_animation_frame(move || scroll_to(frame, x, y));
    }
}
