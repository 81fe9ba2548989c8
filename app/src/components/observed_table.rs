use leptos::prelude::*;

use super::RedCells;
use crate::model::{ObservedEdge, entity_href};

/// Calls seen in traces, with their rate of errors and p95 latency.
#[component]
pub fn ObservedTable(edges: Vec<ObservedEdge>, testid: &'static str) -> impl IntoView {
    if edges.is_empty() {
        return view! { <p class="empty" data-testid=testid>"None observed."</p> }.into_any();
    }
    view! {
        <table class="observed-edges" data-testid=testid>
            <thead><tr><th>"Service"</th><th>"Type"</th><th>"Requests"</th><th>"Errors"</th><th>"p95"</th></tr></thead>
            <tbody>
                {edges.into_iter().map(|e| {
                    let name = match &e.peer_entity_ref {
                        Some(r) => view! { <a href=entity_href(r)>{e.peer.clone()}</a> }.into_any(),
                        None => view! { <span>{e.peer.clone()}</span> <small class="uncataloged">" (" {e.peer_kind.clone()} ")"</small> }.into_any(),
                    };
                    view! {
                        <tr data-peer=e.peer.clone()>
                            <td>{name}</td>
                            <td>{e.connection_type}</td>
                            <RedCells requests=e.requests errors=e.errors p95_ms=e.p95_ms />
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
