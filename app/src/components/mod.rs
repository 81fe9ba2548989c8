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

#[component]
pub fn ErrorBox(message: String) -> impl IntoView {
    view! { <p class="error" role="alert">{message}</p> }
}
