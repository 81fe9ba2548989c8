use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{AlertBadge, BudgetChart, Loading, burn, percent};
use crate::model::{AlertState, SloQuery, SloSort, entity_href};
use crate::pages::loaded;
use crate::server_fns::fetch_slos;

/// Every SLO of the organisation: filtered by owner and state, sorted by
/// budget left or burn; the choices live in the URL (a GET form), so any
/// view can be shared and the page works without JavaScript.
#[component]
pub fn SlosPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || {
        let p = params.read();
        SloQuery {
            owner: p.get("owner").filter(|o| !o.is_empty()),
            state: p.get("state").as_deref().and_then(AlertState::parse),
            sort: p.get("sort").as_deref().and_then(SloSort::parse).unwrap_or_default(),
        }
    };
    let slos = Resource::new(query, fetch_slos);
    view! {
        <Title text="SLOs · Meridian" />
        <section class="slos-page">
            <h1>"Service level objectives"</h1>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    let chosen = query();
                    loaded(slos.await, |view| view! {
                            <form method="get" action="/slos" class="filters">
                                <label>"Owner "
                                    <select name="owner">
                                        <option value="">"any"</option>
                                        {view.owners.iter().map(|owner| view! {
                                            <option value=owner.clone() selected=chosen.owner.as_deref() == Some(owner.as_str())>{owner.clone()}</option>
                                        }).collect_view()}
                                    </select>
                                </label>
                                <label>"State "
                                    <select name="state">
                                        <option value="">"any"</option>
                                        {AlertState::ALL.into_iter().map(|state| view! {
                                            <option value=state.as_param() selected=chosen.state == Some(state)>{state.label()}</option>
                                        }).collect_view()}
                                    </select>
                                </label>
                                <label>"Sort by "
                                    <select name="sort">
                                        {SloSort::ALL.into_iter().map(|sort| view! {
                                            <option value=sort.as_param() selected=chosen.sort == sort>{sort.label()}</option>
                                        }).collect_view()}
                                    </select>
                                </label>
                                <button type="submit">"Show"</button>
                            </form>
                            <p class="evaluated">{match view.evaluated_at.clone() {
                                Some(at) => format!("Evaluated {at}."),
                                None => "Not evaluated yet: SLOs are evaluated every minute.".to_string(),
                            }}</p>
                            {if view.items.is_empty() {
                                view! { <p class="empty">"No SLO matches."</p> }.into_any()
                            } else {
                                view! {
                                    <table class="slo-table" data-testid="slos">
                                        <thead><tr>
                                            <th scope="col">"State"</th><th scope="col">"SLO"</th><th scope="col">"Service"</th><th scope="col">"Owner"</th>
                                            <th scope="col">"Objective"</th><th scope="col">"Attained"</th><th scope="col">"Budget left"</th>
                                            <th scope="col">"Burn 1h"</th><th scope="col">"Burn 6h"</th><th scope="col">"Budget over the window"</th>
                                        </tr></thead>
                                        <tbody>
                                            {view.items.into_iter().map(|slo| view! {
                                                <tr data-slo=slo.name.clone()>
                                                    <td><AlertBadge state=slo.alert /></td>
                                                    <td>{slo.title.clone()}</td>
                                                    <td>{match &slo.entity_ref {
                                                        Some(entity_ref) => view! { <a href=format!("{}?tab=slos", entity_href(entity_ref))>{slo.service.clone()}</a> }.into_any(),
                                                        None => slo.service.clone().into_any(),
                                                    }}</td>
                                                    <td>{slo.owner.clone().map(|o| view! { <a href=entity_href(&o)>{o.clone()}</a> })}</td>
                                                    <td class="num">{percent(Some(slo.target))} " / " {slo.window.clone()}</td>
                                                    <td class="num">{percent(slo.attainment)}</td>
                                                    <td class="num" data-testid="budget">{percent(slo.budget_remaining)}</td>
                                                    <td class="num">{burn(slo.burn("1h"))}</td>
                                                    <td class="num">{burn(slo.burn("6h"))}</td>
                                                    <td><BudgetChart slo=slo.clone() compact=true /></td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                }.into_any()
                            }}
                        }.into_any())
                })}
            </Suspense>
        </section>
    }
}
