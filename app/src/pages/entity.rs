use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::{DeployTimeline, DoraFigures, DriftLists, Loading, ObservedTable, Problems, RedCharts, ScoreCards, SloPanel};
use crate::model::{EntityDetail, api_href, entity_href, team_href};
use crate::pages::one_of;
use crate::server_fns::fetch_entity;

/// One entity: what was declared (ownership, relations) beside what was
/// observed in traces (callers and callees).
#[component]
pub fn EntityPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        let p = params.read();
        (p.get("kind").unwrap_or_default(), p.get("namespace").unwrap_or_default(), p.get("name").unwrap_or_default())
    };
    let detail = Resource::new(key, |(kind, namespace, name)| fetch_entity(kind, namespace, name));
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                one_of(detail.await, |detail| view! { <EntityView detail /> }.into_any())
            })}
        </Suspense>
    }
}

#[component]
fn EntityView(detail: EntityDetail) -> impl IntoView {
    let s = detail.summary;
    let slos = detail.slos;
    let (deploys, dora, red) = (detail.deploys, detail.dora, detail.red);
    let component = s.kind.eq_ignore_ascii_case("component");
    let api = s.kind.eq_ignore_ascii_case("api").then(|| api_href(&s.entity_ref));
    let team = s.kind.eq_ignore_ascii_case("group").then(|| team_href(&s.entity_ref));
    let (drift, scores) = (detail.drift, detail.scores);
    let heading = s.title.clone().unwrap_or_else(|| s.name.clone());
    view! {
        <article class="entity" data-entity=s.entity_ref.clone()>
            <header>
                <p class="kind">{s.kind.clone()} " · " {s.namespace.clone()}</p>
                <h1>{heading}</h1>
                <p class="description">{s.description.clone().unwrap_or_default()}</p>
            </header>
            <Problems problems=detail.problems testid="problems" />
            <dl class="facts">
                <dt>"Owner"</dt>
                <dd data-testid="owner">{s.owner.clone().map(|o| view! { <a href=entity_href(&o)>{o.clone()}</a> })}</dd>
                <dt>"Type"</dt><dd>{s.spec_type.clone().unwrap_or_default()}</dd>
                <dt>"Lifecycle"</dt><dd>{s.lifecycle.clone().unwrap_or_default()}</dd>
                <dt>"Tags"</dt><dd>{s.tags.join(", ")}</dd>
            </dl>
            {api.map(|href| view! { <p class="api-link"><a href=href data-testid="api-page">"Definition, coverage, consumers and changes →"</a></p> })}
            {team.map(|href| view! { <p class="team-link"><a href=href data-testid="team-page">"Members, what the team owns and who calls it →"</a></p> })}
            <ScoreCards scores />
            {red.map(|series| view! {
                <section class="red">
                    <h2>"Served requests, last " {crate::model::RED_HOURS} " hours"</h2>
                    <RedCharts series />
                </section>
            })}
            {component.then(|| view! { <SloPanel slos /> })}
            {component.then(|| view! {
                <section class="deploy-history">
                    <h2>"Deploys"</h2>
                    {dora.map(|dora| view! { <DoraFigures dora /> })}
                    <DeployTimeline deploys with_service=false />
                </section>
            })}
            <section class="observed">
                <h2>"Observed calls " <small>"(last " {detail.observed_window.clone()} ")"</small></h2>
                <div class="columns">
                    <div>
                        <h3>"Callers"</h3>
                        <ObservedTable edges=detail.callers testid="callers" />
                    </div>
                    <div>
                        <h3>"Callees"</h3>
                        <ObservedTable edges=detail.callees testid="callees" />
                    </div>
                </div>
            </section>
            {drift.map(|drift| view! {
                <section class="drift-section" data-testid="entity-drift">
                    <h2>"Drift " <small>"(declared against observed, last 24h)"</small></h2>
                    <DriftLists drift />
                </section>
            })}
            <section class="relations">
                <h2>"Declared relations"</h2>
                {if detail.relations.is_empty() {
                    view! { <p class="empty">"None declared."</p> }.into_any()
                } else {
                    view! {
                        <ul data-testid="relations">
                            {detail.relations.into_iter().map(|r| view! {
                                <li><span class="relation-type">{r.relation_type}</span> " " <a href=entity_href(&r.target_ref)>{r.target_ref.clone()}</a></li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            {(!detail.annotations.is_empty()).then(|| view! {
                <section class="annotations">
                    <h2>"Annotations"</h2>
                    <dl>{detail.annotations.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}</dl>
                </section>
            })}
        </article>
    }
}
