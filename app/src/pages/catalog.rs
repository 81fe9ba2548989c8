use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::Loading;
use crate::model::{SearchView, encode_query_value, entity_href, toggle_filter};
use crate::pages::loaded;
use crate::server_fns::search_catalog;

/// The catalog: ranked, typo-tolerant search with facets. Without JavaScript
/// the search box is a GET form and facets are links; once hydrated, results
/// follow your typing. The facet choice lives in the URL (`?filter=`, in
/// Backstage's filter syntax), so every view can be linked.
#[component]
pub fn CatalogPage() -> impl IntoView {
    let query = use_query_map();
    let text = RwSignal::new(query.read_untracked().get("q").unwrap_or_default());
    let filter = move || query.read().get("filter").unwrap_or_default();
    let results = Resource::new(move || (text.get(), filter()), |(text, filter)| search_catalog(text, filter));

    view! {
        <section class="catalog">
            <h1>"Catalog"</h1>
            <form method="get" action="/" class="filter">
                <input
                    type="search"
                    name="q"
                    placeholder="Search by name, title, tag, owner, type…"
                    aria-label="Search the catalog"
                    data-testid="catalog-filter"
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                />
                <input type="hidden" name="filter" value=filter />
                <noscript><button type="submit">"Search"</button></noscript>
            </form>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    loaded(results.await, |view| view! { <Results view text=text.get_untracked() filter=filter() /> }.into_any())
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Results(view: SearchView, text: String, filter: String) -> impl IntoView {
    let SearchView { catalog_size, total, items, facets } = view;
    let shown = items.len();
    let count = if shown < total {
        format!("{shown} of {total} matches ({catalog_size} entities)")
    } else {
        format!("{total} of {catalog_size} entities")
    };
    let href = move |new_filter: &str| format!("/?q={}&filter={}", encode_query_value(&text), encode_query_value(new_filter));
    view! {
        <div class="catalog-body">
            <aside class="facets" data-testid="facets">
                {facets.into_iter().filter(|f| !f.values.is_empty()).map(|facet| {
                    let field = facet.field.clone();
                    view! {
                        <div class="facet">
                            <h3>{facet.label.clone()}</h3>
                            <ul>
                                {facet.values.into_iter().take(12).map(|(value, n)| {
                                    let condition = format!("{field}={value}");
                                    let selected = filter.split(',').any(|p| p.eq_ignore_ascii_case(&condition));
                                    let link = href(&toggle_filter(&filter, &field, &value));
                                    view! {
                                        <li class:selected=selected>
                                            <a href=link data-facet=condition>{value.clone()} <span class="n">{n}</span></a>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </div>
                    }
                }).collect_view()}
            </aside>
            <div class="results">
                <p class="count" data-testid="catalog-count">{count}</p>
                <table class="entities" data-testid="catalog-table">
                    <thead>
                        <tr><th>"Name"</th><th>"Kind"</th><th>"Type"</th><th>"Owner"</th><th>"Lifecycle"</th><th>"Description"</th></tr>
                    </thead>
                    <tbody>
                        {items.into_iter().map(|e| view! {
                            <tr data-entity=e.entity_ref.clone()>
                                <td><a href=e.href()>{e.title.clone().unwrap_or_else(|| e.name.clone())}</a></td>
                                <td>{e.kind.clone()}</td>
                                <td>{e.spec_type.clone().unwrap_or_default()}</td>
                                <td>{e.owner.clone().map(|o| view! { <a href=entity_href(&o)>{o.clone()}</a> })}</td>
                                <td>{e.lifecycle.clone().unwrap_or_default()}</td>
                                <td class="description">{e.description.clone().unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
}
