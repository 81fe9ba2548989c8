use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::components::{Count, Loading};
use crate::model::{CATALOG_PAGE_SIZE, CatalogQuery, CatalogSort, CatalogTable, Health, entity_href, toggle_filter};
use crate::pages::loaded;
use crate::port::PortError;
use crate::server_fns::fetch_catalog;

/// The catalog: a table of every entity, searched (ranked, typo-tolerant),
/// narrowed by facets, sorted by any column and paged, all on the server;
/// components seen in traffic show their health. The whole view is the URL
/// (`?q=&filter=&sort=&order=&page=`): without JavaScript the search box is
/// a GET form and facets, column heads and pages are links; once hydrated,
/// results follow your typing (the URL too).
#[component]
pub fn CatalogPage() -> impl IntoView {
    let params = use_query_map();
    // Read once from the URL; a value no page offers is the 400 the API gives.
    let parsed = Memo::new(move |_| {
        let p = params.read();
        CatalogQuery::from_params(|key| p.get(key).unwrap_or_default())
    });
    let query = Memo::new(move |_| parsed.get().unwrap_or_default());
    let table = Resource::new(
        move || parsed.get(),
        |parsed| async move {
            match parsed {
                Ok(query) => fetch_catalog(query).await,
                Err(invalid) => Err(PortError::Invalid(invalid)),
            }
        },
    );
    let navigate = use_navigate();
    let typed = move |text: String| {
        let href = CatalogQuery { q: text, page: 1, ..query.get_untracked() }.href();
        navigate(&href, leptos_router::NavigateOptions { replace: true, scroll: false, ..Default::default() });
    };

    view! {
        <Title text="Catalog · Meridian" />
        <section class="catalog">
            <h1>"Catalog"</h1>
            <form method="get" action="/" class="filter">
                <input
                    type="search"
                    name="q"
                    placeholder="Search by name, title, tag, owner, type…"
                    aria-label="Search the catalog"
                    data-testid="catalog-filter"
                    prop:value=move || query.get().q
                    on:input=move |ev| typed(event_target_value(&ev))
                />
                {move || {
                    let q = query.get();
                    view! {
                        {(!q.filter.is_empty()).then(|| view! { <input type="hidden" name="filter" value=q.filter.clone() /> })}
                        {(q.sort != CatalogSort::Relevance).then(|| view! { <input type="hidden" name="sort" value=q.sort.as_str() /> })}
                        {q.descending.then(|| view! { <input type="hidden" name="order" value="desc" /> })}
                    }
                }}
                <noscript><button type="submit">"Search"</button></noscript>
            </form>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    loaded(table.await, |table| view! { <Results table query=query.get_untracked() /> }.into_any())
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Results(table: CatalogTable, query: CatalogQuery) -> impl IntoView {
    let CatalogTable { catalog_size, total, page, pages, rows, facets, health_window } = table;
    let count = if pages > 1 {
        let first = (page - 1) * CATALOG_PAGE_SIZE + 1;
        format!("{first}–{} of {total} matches ({catalog_size} entities)", first + rows.len() - 1)
    } else {
        format!("{total} of {catalog_size} entities")
    };
    let (sort, descending) = (query.sort, query.descending);
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
                                    let selected = query.filter.split(',').any(|p| p.eq_ignore_ascii_case(&condition));
                                    let link = query.filtered(toggle_filter(&query.filter, &field, &value)).href();
                                    view! {
                                        <li class:selected=selected>
                                            <a href=link data-facet=condition aria-current=selected.then_some("true")>{value.clone()} <span class="n">{n}</span></a>
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
                    <caption class="visually-hidden">{format!("Catalog entities; health over the last {health_window}")}</caption>
                    <thead>
                        <tr>
                            {CatalogSort::COLUMNS.into_iter().map(|column| {
                                let sorted = sort == column;
                                let aria = sorted.then_some(if descending { "descending" } else { "ascending" });
                                let arrow = match (sorted, descending) { (false, _) => "", (true, false) => " ▲", (true, true) => " ▼" };
                                let title = if column.numeric() { format!("{} ({health_window})", column.label()) } else { column.label().to_string() };
                                view! {
                                    <th aria-sort=aria class:num=column.numeric()>
                                        <a href=query.sorting(column).href() data-sort=column.as_str()>{title}{arrow}</a>
                                    </th>
                                }
                            }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {rows.into_iter().map(|row| {
                            let e = row.entity;
                            view! {
                                <tr data-entity=e.entity_ref.clone()>
                                    <td>
                                        <a href=e.href()>{e.title.clone().unwrap_or_else(|| e.name.clone())}</a>
                                        {e.description.clone().map(|d| view! { <div class="description">{d}</div> })}
                                    </td>
                                    <td>{e.kind.clone()}</td>
                                    <td>{e.spec_type.clone().unwrap_or_default()}</td>
                                    <td>{e.owner.clone().map(|o| view! { <a href=entity_href(&o)>{o.clone()}</a> })}</td>
                                    <td>{e.lifecycle.clone().unwrap_or_default()}</td>
                                    <HealthCells health=row.health />
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {(pages > 1).then(|| view! {
                    <nav class="pager" aria-label="Pages" data-testid="pager">
                        {(page > 1).then(|| view! { <a href=query.at_page(page - 1).href() rel="prev">"← Previous"</a> })}
                        <span>{format!("Page {page} of {pages}")}</span>
                        {(page < pages).then(|| view! { <a href=query.at_page(page + 1).href() rel="next">"Next →"</a> })}
                    </nav>
                })}
            </div>
        </div>
    }
}

/// Requests, error share and p95, or a dash for entities not seen in traffic.
#[component]
fn HealthCells(health: Option<Health>) -> impl IntoView {
    match health {
        Some(h) => {
            let share = if h.requests == 0 { 0.0 } else { h.errors as f64 * 100.0 / h.requests as f64 };
            let failing = share >= crate::model::MANY_ERRORS_PERCENT as f64;
            view! {
                <td class="num" data-testid="health-requests"><Count count=h.requests kept_spans=h.kept_spans /></td>
                <td class="num" class:failing=failing>{format!("{share:.1}%")}</td>
                <td class="num">{format!("{:.0} ms", h.p95_ms)}</td>
            }
            .into_any()
        }
        None => view! {
            <td class="num unseen" aria-label="not seen in traffic">"–"</td>
            <td class="num unseen">"–"</td>
            <td class="num unseen">"–"</td>
        }
        .into_any(),
    }
}
