use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::{
    Breadcrumbs, CountCells, DependencyTable, DeployTimeline, DoraFigures, DriftLists, Loading, Problems, RedCharts, ScoreCards, SloPanel,
    SourceView, Sparkline,
};
use crate::model::{EntityDetail, EntityTab, api_href, entity_href, team_href};
use crate::pages::one_of;
use crate::server_fns::fetch_entity;

/// Annotations worth a place in the header: who to call, where to talk.
const HEADER_ANNOTATIONS: &[&str] = &["pagerduty.com/service-id", "opsgenie.com/team", "meridian.dev/on-call", "slack.com/channel"];

/// One entity: a header (kind, owner, lifecycle, tags, links, on-call),
/// then tabs chosen by `?tab=` (links, so each tab is a URL and reads
/// without JavaScript): Overview, Dependencies (declared beside observed),
/// API, SLOs, Deploys and Source (the entity as YAML, where it came from).
#[component]
pub fn EntityPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || {
        let p = params.read();
        (p.get("kind").unwrap_or_default(), p.get("namespace").unwrap_or_default(), p.get("name").unwrap_or_default())
    };
    let tab = Memo::new(move |_| EntityTab::parse(&query.read().get("tab").unwrap_or_default()));
    let detail = Resource::new(key, |(kind, namespace, name)| fetch_entity(kind, namespace, name));
    view! {
        <Title text=move || format!("{} · Meridian", params.read().get("name").unwrap_or_default()) />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                one_of(detail.await, |detail| view! { <EntityView detail tab=tab.get() /> }.into_any())
            })}
        </Suspense>
    }
}

#[component]
fn EntityView(detail: EntityDetail, tab: EntityTab) -> impl IntoView {
    let s = detail.summary.clone();
    let kind = s.kind.clone();
    let tab = if tab.applies_to(&kind) { tab } else { EntityTab::Overview };
    let heading = s.title.clone().unwrap_or_else(|| s.name.clone());
    let page = s.href();
    let on_call: Vec<(String, String)> =
        detail.annotations.iter().filter(|(k, _)| HEADER_ANNOTATIONS.contains(&k.as_str())).cloned().collect();
    let problems = detail.problems.clone();
    view! {
        <article class="entity" data-entity=s.entity_ref.clone()>
            <Breadcrumbs trail=vec![("Catalog".to_string(), "/".to_string()), (format!("{} · {}", s.kind, s.namespace), format!("/?filter=kind%3D{}", s.kind))] here=heading.clone() />
            <header>
                <p class="kind">{s.kind.clone()} " · " {s.namespace.clone()}</p>
                <h1>{heading}</h1>
                <p class="description">{s.description.clone().unwrap_or_default()}</p>
                <dl class="header-facts">
                    <div><dt>"Owner"</dt><dd data-testid="owner">{s.owner.clone().map(|o| view! { <a href=entity_href(&o)>{o.clone()}</a> })}</dd></div>
                    {s.spec_type.clone().map(|t| view! { <div><dt>"Type"</dt><dd>{t}</dd></div> })}
                    {s.lifecycle.clone().map(|l| view! { <div><dt>"Lifecycle"</dt><dd>{l}</dd></div> })}
                    {(!s.tags.is_empty()).then(|| view! { <div><dt>"Tags"</dt><dd>{s.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> " " }).collect_view()}</dd></div> })}
                    {on_call.into_iter().map(|(k, v)| view! { <div><dt>{k}</dt><dd>{v}</dd></div> }).collect_view()}
                </dl>
                {(!detail.links.is_empty()).then(|| view! {
                    <ul class="entity-links" data-testid="links">
                        {detail.links.iter().map(|l| view! { <li><a href=l.url.clone() rel="noopener noreferrer">{l.title.clone()}</a></li> }).collect_view()}
                    </ul>
                })}
            </header>
            <Problems problems testid="problems" />
            <nav class="tabs" aria-label="Sections of this entity" data-testid="entity-tabs">
                {EntityTab::ALL.into_iter().filter(|t| t.applies_to(&kind)).map(|t| {
                    let href = if t.key().is_empty() { page.clone() } else { format!("{page}?tab={}", t.key()) };
                    view! { <a href=href aria-current=(t == tab).then_some("page") data-tab=t.label()>{t.label()}</a> }
                }).collect_view()}
            </nav>
            {match tab {
                EntityTab::Overview => view! { <Overview detail /> }.into_any(),
                EntityTab::Dependencies => view! { <Dependencies detail /> }.into_any(),
                EntityTab::Api => view! { <ApiTab detail /> }.into_any(),
                EntityTab::Slos => view! { <SloPanel slos=detail.slos /> }.into_any(),
                EntityTab::Deploys => view! {
                    <section class="deploy-history">
                        {detail.dora.map(|dora| view! { <DoraFigures dora /> })}
                        <DeployTimeline deploys=detail.deploys with_service=false />
                    </section>
                }.into_any(),
                EntityTab::Source => view! { <Source detail /> }.into_any(),
            }}
        </article>
    }
}

#[component]
fn Overview(detail: EntityDetail) -> impl IntoView {
    let s = &detail.summary;
    let api = s.kind.eq_ignore_ascii_case("api").then(|| api_href(&s.entity_ref));
    let team = s.kind.eq_ignore_ascii_case("group").then(|| team_href(&s.entity_ref));
    let hours = detail.chart_hours;
    view! {
        {api.map(|href| view! { <p class="api-link"><a href=href data-testid="api-page">"Definition, coverage, consumers and changes →"</a></p> })}
        {team.map(|href| view! { <p class="team-link"><a href=href data-testid="team-page">"Members, what the team owns and who calls it →"</a></p> })}
        <ScoreCards scores=detail.scores />
        {detail.red.map(|series| view! {
            <section class="red">
                <h2>"Served requests, last " {hours} " hours"</h2>
                <RedCharts series />
            </section>
        })}
        {(!detail.operations.is_empty()).then(|| view! {
            <section class="operations">
                <h2>"Busiest operations, last " {hours} " hours"</h2>
                <table class="operation-charts" data-testid="operation-charts">
                    <thead><tr><th>"Operation"</th><th>"Requests"</th><th>"Errors"</th><th>"Minute by minute"</th></tr></thead>
                    <tbody>
                        {detail.operations.into_iter().map(|o| view! {
                            <tr data-operation=o.operation.clone()>
                                <td>{o.operation.clone()}</td>
                                <CountCells requests=o.requests errors=o.errors kept_spans=o.kept_spans caller_failures=o.errors />
                                <td><Sparkline series=o.series /></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
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
    }
}

/// Declared dependencies beside observed calls, each way: a row per
/// peer, marked when it is declared but not seen, or seen but not declared.
#[component]
fn Dependencies(detail: EntityDetail) -> impl IntoView {
    let targets = |relation: &str| -> Vec<String> {
        detail.relations.iter().filter(|r| r.relation_type.eq_ignore_ascii_case(relation)).map(|r| r.target_ref.to_lowercase()).collect()
    };
    let (depends_on, dependents) = (targets("dependsOn"), targets("dependencyOf"));
    view! {
        <section class="observed">
            <p class="window-note">"Observed over the last " {detail.observed_window.clone()} "; declared from the catalog."</p>
            <div class="columns">
                <div>
                    <h2>"Calls"</h2>
                    <DependencyTable declared=depends_on observed=detail.callees hours=detail.chart_hours testid="callees" />
                </div>
                <div>
                    <h2>"Called by"</h2>
                    <DependencyTable declared=dependents observed=detail.callers hours=detail.chart_hours testid="callers" />
                </div>
            </div>
        </section>
        {detail.drift.map(|drift| view! {
            <section class="drift-section" data-testid="entity-drift">
                <h2>"Drift " <small>"(declared against observed, last 24h)"</small></h2>
                <DriftLists drift />
            </section>
        })}
    }
}

#[component]
fn ApiTab(detail: EntityDetail) -> impl IntoView {
    let s = &detail.summary;
    if s.kind.eq_ignore_ascii_case("api") {
        let href = api_href(&s.entity_ref);
        return view! { <p class="api-link"><a href=href data-testid="api-page">"Definition, coverage, consumers and changes →"</a></p> }
            .into_any();
    }
    let apis = |relation: &str| -> Vec<String> {
        detail.relations.iter().filter(|r| r.relation_type.eq_ignore_ascii_case(relation)).map(|r| r.target_ref.clone()).collect()
    };
    let list = |title: &'static str, refs: Vec<String>, testid: &'static str| {
        view! {
            <h2>{title}</h2>
            {if refs.is_empty() {
                view! { <p class="empty">"None declared."</p> }.into_any()
            } else {
                view! {
                    <ul data-testid=testid>
                        {refs.into_iter().map(|r| view! { <li><a href=api_href(&r)>{r.clone()}</a> " · " <a href=entity_href(&r)>"entity"</a></li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        }
    };
    view! {
        <section class="entity-apis">
            {list("Provides", apis("providesApi"), "provides")}
            {list("Consumes", apis("consumesApi"), "consumes")}
        </section>
    }
    .into_any()
}

#[component]
fn Source(detail: EntityDetail) -> impl IntoView {
    let location = |key: &str| detail.annotations.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let (managed, origin) = (location("backstage.io/managed-by-location"), location("backstage.io/managed-by-origin-location"));
    view! {
        <section class="entity-source" data-testid="entity-source">
            <dl class="facts">
                <dt>"Read from"</dt><dd>{managed.unwrap_or_else(|| "registered through the API".to_string())}</dd>
                {origin.map(|o| view! { <dt>"Registered as"</dt><dd>{o}</dd> })}
                <dt>"Problems"</dt><dd>{if detail.problems.is_empty() { "none".to_string() } else { format!("{} (listed above)", detail.problems.len()) }}</dd>
            </dl>
            <h2>"As Meridian holds it " <small>"(relations included)"</small></h2>
            <SourceView language="yaml".to_string() text=detail.source_yaml />
        </section>
    }
}
