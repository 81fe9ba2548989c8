//! Reusable pieces of pages.

mod graph_svg;
mod observed_table;

pub use graph_svg::GraphSvg;
pub use observed_table::ObservedTable;

use leptos::prelude::*;

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading">"Loading…"</p> }
}

/// The request, error and p95 cells of a table row about traffic.
#[component]
pub fn RedCells(requests: u64, errors: u64, p95_ms: f64) -> impl IntoView {
    view! {
        <td class="num" data-testid="requests">{requests}</td>
        <td class="num">{errors}</td>
        <td class="num">{format!("{p95_ms:.1} ms")}</td>
    }
}

#[component]
pub fn ErrorBox(message: String) -> impl IntoView {
    view! { <p class="error" role="alert">{message}</p> }
}
