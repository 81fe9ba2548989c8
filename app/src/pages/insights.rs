use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::{Breadcrumbs, DriftLists, Loading};
use crate::model::{FanRow, NodeRef, ScorecardView, entity_href};
use crate::pages::loaded;
use crate::server_fns::{fetch_draft, fetch_insights};

/// The organisation at a glance: where the catalog and traffic disagree,
/// services that call each other round, the busiest hubs, and scorecards
/// per team. The window is a GET form, so a view can be shared.
#[component]
pub fn InsightsPage() -> impl IntoView {
    let params = use_query_map();
    let window = move || params.read().get("window").unwrap_or_default();
    let insights = Resource::new(window, fetch_insights);
    view! {
        <Title text="Insights · Meridian" />
        <section class="insights-page">
            <h1>"Insights"</h1>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    loaded(insights.await, |view| view! {
                            <form method="get" action="/insights" class="filters">
                                <label>"Window " <input name="window" value=view.window.clone() size="6" /></label>
                                <button type="submit">"Show"</button>
                            </form>
                            <section class="drift-section" data-testid="drift">
                                <h2>"Drift " <small>"(declared against observed, last " {view.window.clone()} ")"</small></h2>
                                {if view.drift.is_empty() {
                                    view! { <p class="empty">"Declarations and traffic agree."</p> }.into_any()
                                } else {
                                    view! { <DriftLists drift=view.drift.clone() with_catalog_wide=true /> }.into_any()
                                }}
                            </section>
                            <section class="cycles" data-testid="cycles">
                                <h2>"Cycles " <small>"(services that call each other round)"</small></h2>
                                {if view.cycles.is_empty() {
                                    view! { <p class="empty">"No cycle."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul>{view.cycles.iter().map(|cycle| view! {
                                            <li>{cycle.iter().enumerate().map(|(i, node)| view! { {(i > 0).then_some(" ⇄ ")} <Node node=node.clone() /> }).collect_view()}</li>
                                        }).collect_view()}</ul>
                                    }.into_any()
                                }}
                            </section>
                            <section class="hotspots">
                                <h2>"Hot spots"</h2>
                                <div class="columns">
                                    <div><h3>"Most called (fan-in)"</h3><FanTable rows=view.fan_in.clone() testid="fan-in" /></div>
                                    <div><h3>"Calling the most (fan-out)"</h3><FanTable rows=view.fan_out.clone() testid="fan-out" /></div>
                                </div>
                            </section>
                            {view.scorecards.iter().map(|card| view! { <Scorecard card=card.clone() /> }).collect_view()}
                        }.into_any())
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Node(node: NodeRef) -> impl IntoView {
    match node.entity_ref {
        Some(r) => view! { <a href=entity_href(&r)>{node.name}</a> }.into_any(),
        None => view! { <span>{node.name} " " <small>"(not in the catalog)"</small></span> }.into_any(),
    }
}

#[component]
fn FanTable(rows: Vec<FanRow>, testid: &'static str) -> impl IntoView {
    view! {
        <table data-testid=testid>
            <thead><tr><th scope="col">"Service"</th><th scope="col">"Services"</th><th scope="col">"Requests"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|row| view! {
                    <tr><td><Node node=row.service /></td><td class="num">{row.services}</td><td class="num">{row.requests}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn Scorecard(card: ScorecardView) -> impl IntoView {
    let levels = card.levels.clone();
    view! {
        <section class="scorecard-table" data-scorecard=card.name.clone()>
            <h2>"Scorecard: " {card.title.clone()}</h2>
            {card.description.clone().map(|d| view! { <p>{d}</p> })}
            <h3>"By team"</h3>
            <table data-testid="team-scores">
                <thead><tr>
                    <th scope="col">"Team"</th><th scope="col">"Entities"</th><th scope="col">"Score"</th><th scope="col">"Level (lowest)"</th>
                    {levels.iter().map(|l| view! { <th scope="col">{l.clone()}</th> }).collect_view()}
                    <th scope="col">"none"</th>
                </tr></thead>
                <tbody>
                    {card.teams.into_iter().map(|team| view! {
                        <tr>
                            <td><a href=entity_href(&team.owner)>{team.owner.clone()}</a></td>
                            <td class="num">{team.entities}</td>
                            <td class="num">{team.score} " %"</td>
                            <td>{team.level.unwrap_or_else(|| "none".to_string())}</td>
                            {team.at_level.into_iter().map(|n| view! { <td class="num">{n}</td> }).collect_view()}
                            <td class="num">{team.below_all}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <h3>"By entity"</h3>
            <table data-testid="entity-scores">
                <thead><tr><th scope="col">"Entity"</th><th scope="col">"Level"</th><th scope="col">"Score"</th><th scope="col">"Failing"</th></tr></thead>
                <tbody>
                    {card.entities.into_iter().map(|entity| view! {
                        <tr data-entity=entity.entity_ref.clone()>
                            <td><a href=entity_href(&entity.entity_ref)>{entity.entity_ref.clone()}</a></td>
                            <td data-testid="level">{entity.level.unwrap_or_else(|| "none".to_string())}</td>
                            <td class="num">{entity.score} " %"</td>
                            <td><ul class="rules">{entity.rules.into_iter().filter(|r| !r.passed).map(|r| view! {
                                <li><code>{r.rule}</code> ": " {r.detail}</li>
                            }).collect_view()}</ul></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// A `catalog-info.yaml` draft for a service in traffic but not in the
/// catalog: to copy, or to register straight away.
#[component]
pub fn DraftPage() -> impl IntoView {
    let params = use_params_map();
    let service = move || params.read().get("service").unwrap_or_default();
    let draft = Resource::new(service, fetch_draft);
    let copied = RwSignal::new(false);
    view! {
        <Title text=move || format!("Draft for {} · Meridian", params.read().get("service").unwrap_or_default()) />
        <section class="draft-page">
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    loaded(draft.await, |draft| {
                            #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
                            let yaml = draft.yaml.clone();
                            let copy = move |_| {
                                #[cfg(feature = "hydrate")]
                                if let Some(window) = web_sys::window() {
                                    let _ = window.navigator().clipboard().write_text(&yaml);
                                }
                                copied.set(true);
                            };
                            view! {
                                <Breadcrumbs trail=vec![("Insights".to_string(), "/insights".to_string())] here=format!("Draft for {}", draft.service) />
                                <h1>"Draft for " <code>{draft.service.clone()}</code></h1>
                                <p>"Drafted from what traces say of it: its name, the services and resources it calls, the HTTP operations it serves. Check the owner and lifecycle."</p>
                                <pre class="draft" data-testid="draft"><code>{draft.yaml.clone()}</code></pre>
                                <p class="register-actions">
                                    <button type="button" data-testid="copy-draft" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
                                    " "
                                    <a href=format!("/register?draft={}", crate::model::encode_query_value(&draft.service))>"Register it"</a>
                                </p>
                            }.into_any()
                    })
                })}
            </Suspense>
        </section>
    }
}
