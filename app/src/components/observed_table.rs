use leptos::prelude::*;

use super::{RedCells, Sparkline};
use crate::model::{ObservedEdge, entity_href};

/// Calls one way (callers or callees), declared beside observed: a row per
/// observed peer with its traffic, marked when not declared, then a row per
/// declared dependency never observed. `hours`: what each call's chart spans.
#[component]
pub fn DependencyTable(declared: Vec<String>, observed: Vec<ObservedEdge>, hours: u64, testid: &'static str) -> impl IntoView {
    let seen: std::collections::HashSet<String> = observed.iter().filter_map(|e| e.peer_entity_ref.clone()).collect();
    let unobserved: Vec<String> = declared.iter().filter(|d| !seen.contains(*d)).cloned().collect();
    if observed.is_empty() && unobserved.is_empty() {
        return view! { <p class="empty" data-testid=testid>"None declared, none observed."</p> }.into_any();
    }
    // In a box of its own that scrolls sideways: a wide table never widens the page.
    view! {
        <div class="table-scroll">
        <table class="observed-edges" data-testid=testid>
            <thead><tr><th>"Service"</th><th>"Type"</th><th>"Requests"</th><th>"Errors"</th><th>"p95"</th><th>"Last " {hours} " h"</th><th>"Declared"</th></tr></thead>
            <tbody>
                {observed.into_iter().map(|e| {
                    let is_declared = e.peer_entity_ref.as_ref().is_some_and(|r| declared.contains(r));
                    let name = match &e.peer_entity_ref {
                        Some(r) => view! { <a href=entity_href(r)>{e.peer.clone()}</a> }.into_any(),
                        None => view! { <span>{e.peer.clone()}</span> <small class="uncataloged">" (" {e.peer_kind.clone()} ")"</small> }.into_any(),
                    };
                    view! {
                        <tr data-peer=e.peer.clone() class:undeclared=!is_declared>
                            <td>{name}</td>
                            <td>{e.connection_type}</td>
                            <RedCells requests=e.requests errors=e.errors p95_ms=e.p95_ms kept_spans=e.kept_spans caller_failures=e.caller_failures />
                            <td>{e.series.map(|series| view! { <Sparkline series /> })}</td>
                            <td data-testid="declared">{if is_declared { "✓ declared" } else { "⚠ undeclared" }}</td>
                        </tr>
                    }
                }).collect_view()}
                {unobserved.into_iter().map(|target| view! {
                    <tr data-declared=target.clone() class="unobserved">
                        <td><a href=entity_href(&target)>{target.clone()}</a></td>
                        <td></td>
                        <td class="num">"–"</td><td class="num">"–"</td><td class="num">"–"</td><td></td>
                        <td data-testid="declared">"⚠ declared, not observed"</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        </div>
    }
    .into_any()
}
