use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::{GraphSvg, Loading};
use crate::model::GraphQuery;
use crate::pages::loaded;
use crate::server_fns::fetch_graph;

const WINDOWS: &[&str] = &["5m", "15m", "1h", "24h", "7d"];

/// The observed dependency graph, laid out on the server, narrowed by a
/// GET form (so every view is a URL): a focus and its hops, filters, and
/// find/hide expressions. What the view leaves out is counted and named.
#[component]
pub fn GraphPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || {
        let p = params.read();
        let get = |key: &str| p.get(key).unwrap_or_default();
        GraphQuery {
            window: p.get("window").filter(|w| !w.is_empty()).unwrap_or_else(|| "15m".to_string()),
            focus: get("focus"),
            hops: get("hops"),
            direction: get("direction"),
            connection: get("connection"),
            owner: get("owner"),
            system: get("system"),
            find: get("find"),
            hide: get("hide"),
        }
    };
    let layout = Resource::new(query, fetch_graph);
    view! {
        <section class="graph-page">
            <h1>"Dependency graph"</h1>
            <nav class="windows">
                {WINDOWS.iter().map(|w| view! {
                    <a href=move || format!("/graph?{}", GraphQuery { window: w.to_string(), ..query() }.query_string()) class:active=move || query().window == *w>{*w}</a>
                }).collect_view()}
            </nav>
            {move || {
                let q = query();
                view! {
                    <form method="get" action="/graph" class="filters graph-filters" data-testid="graph-form">
                        <input type="hidden" name="window" value=q.window.clone() />
                        <label>"Focus " <input name="focus" value=q.focus.clone() placeholder="a service" size="14" /></label>
                        <label>"Hops " <input name="hops" value=q.hops.clone() placeholder="1" size="2" /></label>
                        <label>"Direction "
                            <select name="direction">
                                {[("", "both ways"), ("callers", "callers"), ("callees", "callees")].into_iter().map(|(value, text)| view! {
                                    <option value=value selected=q.direction == value>{text}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <label>"Connections " <input name="connection" value=q.connection.clone() placeholder="http, grpc, database, messaging, external" size="18" /></label>
                        <label>"Owner " <input name="owner" value=q.owner.clone() placeholder="team" size="12" /></label>
                        <label>"System " <input name="system" value=q.system.clone() placeholder="system" size="12" /></label>
                        <label>"Find " <input name="find" value=q.find.clone() placeholder="errors > 1%" size="18" /></label>
                        <label>"Hide " <input name="hide" value=q.hide.clone() placeholder="rate < 0.1" size="18" /></label>
                        <button type="submit">"Show"</button>
                    </form>
                }
            }}
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    let exports = format!("/api/v1/graph/view?{}", query().query_string());
                    loaded(layout.await, |layout| view! {
                            {(layout.hidden_edges > 0 || layout.hidden_nodes > 0).then(|| view! {
                                <p class="hidden-summary" data-testid="hidden">
                                    {format!("{} nodes and {} edges hidden by this view", layout.hidden_nodes, layout.hidden_edges)}
                                    {(!layout.hidden_names.is_empty()).then(|| format!(": {}", layout.hidden_names.join(", ")))}
                                    {(layout.hidden_nodes > layout.hidden_names.len()).then_some(", …")}
                                </p>
                            })}
                            {(!layout.found.is_empty()).then(|| view! {
                                <p class="found-summary" data-testid="found">{format!("Found (outlined): {}", layout.found.join(", "))}</p>
                            })}
                            <p class="exports">"Export: "
                                {["svg", "dot", "mermaid", "json"].into_iter().map(|format| view! {
                                    <a href=format!("{exports}&format={format}") data-format=format>{format.to_uppercase()}</a> " "
                                }).collect_view()}
                            </p>
                            <GraphSvg layout />
                        }.into_any())
                })}
            </Suspense>
        </section>
    }
}
