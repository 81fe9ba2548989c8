use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::{ErrorBox, Loading};
use crate::model::EntitySummary;
use crate::server_fns::fetch_entities;

/// The catalog list. The filter works without JavaScript (a GET form,
/// `?q=`) and, once hydrated, as you type.
#[component]
pub fn CatalogPage() -> impl IntoView {
    let query = use_query_map();
    let filter = RwSignal::new(query.read_untracked().get("q").unwrap_or_default());
    let entities = Resource::new(|| (), |_| fetch_entities());

    view! {
        <section class="catalog">
            <h1>"Catalog"</h1>
            <form method="get" action="/" class="filter">
                <input
                    type="search"
                    name="q"
                    placeholder="Filter by name, owner, type, tag…"
                    aria-label="Filter the catalog"
                    data-testid="catalog-filter"
                    prop:value=move || filter.get()
                    on:input=move |ev| filter.set(event_target_value(&ev))
                />
                <noscript><button type="submit">"Filter"</button></noscript>
            </form>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match entities.await {
                        Ok(list) => view! { <EntityTable entities=list filter /> }.into_any(),
                        Err(e) => view! { <ErrorBox message=e.to_string() /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn EntityTable(entities: Vec<EntitySummary>, filter: RwSignal<String>) -> impl IntoView {
    let total = entities.len();
    let shown = move || {
        let needle = filter.get().trim().to_lowercase();
        entities.iter().filter(|e| e.matches(&needle)).cloned().collect::<Vec<_>>()
    };
    view! {
        {move || {
            let rows = shown();
            let count = rows.len();
            view! {
                <p class="count" data-testid="catalog-count">{format!("{count} of {total} entities")}</p>
                <table class="entities" data-testid="catalog-table">
                    <thead>
                        <tr><th>"Name"</th><th>"Kind"</th><th>"Type"</th><th>"Owner"</th><th>"Lifecycle"</th><th>"Description"</th></tr>
                    </thead>
                    <tbody>
                        {rows.into_iter().map(|e| view! {
                            <tr data-entity=e.entity_ref.clone()>
                                <td><a href=e.href()>{e.title.clone().unwrap_or_else(|| e.name.clone())}</a></td>
                                <td>{e.kind.clone()}</td>
                                <td>{e.spec_type.clone().unwrap_or_default()}</td>
                                <td>{e.owner.clone().map(|o| view! { <a href=crate::model::entity_href(&o)>{o.clone()}</a> })}</td>
                                <td>{e.lifecycle.clone().unwrap_or_default()}</td>
                                <td class="description">{e.description.clone().unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
        }}
    }
}
