use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::{ErrorBox, GraphSvg, Loading};
use crate::server_fns::fetch_graph;

const WINDOWS: &[&str] = &["5m", "15m", "1h", "24h", "7d"];

/// The observed dependency graph, laid out on the server.
#[component]
pub fn GraphPage() -> impl IntoView {
    let query = use_query_map();
    let window = move || query.read().get("window").unwrap_or_else(|| "15m".to_string());
    let layout = Resource::new(window, fetch_graph);
    view! {
        <section class="graph-page">
            <h1>"Dependency graph"</h1>
            <nav class="windows">
                {WINDOWS.iter().map(|w| view! {
                    <a href=format!("/graph?window={w}") class:active=move || window() == *w>{*w}</a>
                }).collect_view()}
            </nav>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match layout.await {
                        Ok(layout) => view! { <GraphSvg layout /> }.into_any(),
                        Err(e) => view! { <ErrorBox message=e.to_string() /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
