use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::{Breadcrumbs, Count, Loading};
use crate::model::{TeamView, entity_href, team_href};
use crate::pages::{loaded, one_of};
use crate::server_fns::{fetch_team, fetch_teams};

/// Every team (Group) of the catalog.
#[component]
pub fn TeamsPage() -> impl IntoView {
    let teams = Resource::new(|| (), |_| fetch_teams());
    view! {
        <Title text="Teams · Meridian" />
        <section class="teams-page">
            <h1>"Teams"</h1>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    loaded(teams.await, |rows| view! {
                            <table data-testid="teams">
                                <thead><tr><th scope="col">"Team"</th><th scope="col">"Type"</th><th scope="col">"Part of"</th><th scope="col">"Members"</th><th scope="col">"Owns"</th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|team| view! {
                                        <tr data-team=team.entity_ref.clone()>
                                            <td><a href=team_href(&team.entity_ref)>{team.title.clone()}</a></td>
                                            <td>{team.team_type.clone().unwrap_or_default()}</td>
                                            <td>{team.parent.clone().map(|p| view! { <a href=team_href(&p)>{p.clone()}</a> })}</td>
                                            <td class="num">{team.members}</td>
                                            <td class="num">{team.owned}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any())
                })}
            </Suspense>
        </section>
    }
}

/// One team: who is in it, what it owns and how that runs, who calls it.
#[component]
pub fn TeamPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        let p = params.read();
        (p.get("namespace").unwrap_or_default(), p.get("name").unwrap_or_default())
    };
    let team = Resource::new(key, |(namespace, name)| fetch_team(namespace, name));
    view! {
        <Title text=move || format!("{} · Teams · Meridian", params.read().get("name").unwrap_or_default()) />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                one_of(team.await, |team| view! { <TeamDetail team /> }.into_any())
            })}
        </Suspense>
    }
}

#[component]
fn TeamDetail(team: TeamView) -> impl IntoView {
    let TeamView { entity_ref, title, description, team_type, parent, children, members, owned, window, callers, scores } = team;
    view! {
        <article class="team" data-team=entity_ref.clone()>
            <Breadcrumbs trail=vec![("Teams".to_string(), "/teams".to_string())] here=title.clone() />
            <header>
                <p class="kind">"Group · " {team_type.unwrap_or_default()}</p>
                <h1>{title}</h1>
                <p class="description">{description.unwrap_or_default()}</p>
            </header>
            <dl class="facts">
                <dt>"Part of"</dt><dd>{parent.map(|p| view! { <a href=team_href(&p)>{p.clone()}</a> })}</dd>
                <dt>"Sub-teams"</dt><dd data-testid="children">{children.iter().map(|c| view! { <a href=team_href(c)>{c.clone()}</a> " " }).collect_view()}</dd>
                <dt>"Members"</dt><dd data-testid="members">{members.iter().map(|(r, name)| view! { <a href=entity_href(r)>{name.clone()}</a> " " }).collect_view()}</dd>
                <dt>"Entity"</dt><dd><a href=entity_href(&entity_ref)>{entity_ref.clone()}</a></dd>
            </dl>
            {(!scores.is_empty()).then(|| view! {
                <section class="team-scores">
                    <h2>"Scorecards"</h2>
                    <ul>{scores.into_iter().map(|s| view! {
                        <li>{s.scorecard} ": " <strong data-testid="team-level">{s.level.unwrap_or_else(|| "no level yet".to_string())}</strong>
                            " (" {s.score} " % of rules over " {s.entities} " entities; the level is the lowest any of them reached)"</li>
                    }).collect_view()}</ul>
                </section>
            })}
            <section class="owned">
                <h2>"Owns " <small>"(health over the last " {window.clone()} ")"</small></h2>
                <table data-testid="owned">
                    <thead><tr><th scope="col">"Entity"</th><th scope="col">"Kind"</th><th scope="col">"Type"</th><th scope="col">"Requests"</th><th scope="col">"Error share"</th><th scope="col">"p95"</th></tr></thead>
                    <tbody>
                        {owned.into_iter().map(|row| view! {
                            <tr data-entity=row.entity_ref.clone()>
                                <td><a href=entity_href(&row.entity_ref)>{row.title.clone()}</a></td>
                                <td>{row.kind.clone()}</td>
                                <td>{row.spec_type.clone().unwrap_or_default()}</td>
                                {match row.health {
                                    Some(h) => view! {
                                        <td class="num" data-testid="requests"><Count count=h.requests kept_spans=h.kept_spans /></td>
                                        <td class="num">{if h.requests == 0 { "–".to_string() } else { format!("{:.1} %", h.errors as f64 * 100.0 / h.requests as f64) }}</td>
                                        <td class="num">{format!("{:.1} ms", h.p95_ms)}</td>
                                    }.into_any(),
                                    None => view! { <td class="num" data-testid="requests">"–"</td><td class="num">"–"</td><td class="num">"–"</td> }.into_any(),
                                }}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
            <section class="team-callers">
                <h2>"Called by other teams " <small>"(last " {window} ")"</small></h2>
                {if callers.is_empty() {
                    view! { <p class="empty">"No calls from other teams' services."</p> }.into_any()
                } else {
                    view! {
                        <table data-testid="callers">
                            <thead><tr><th scope="col">"Caller"</th><th scope="col">"Its team"</th><th scope="col">"Calls"</th><th scope="col">"Requests"</th><th scope="col">"Errors"</th></tr></thead>
                            <tbody>
                                {callers.into_iter().map(|c| view! {
                                    <tr data-caller=c.caller.clone() data-callee=c.callee.clone()>
                                        <td>{match c.caller_ref.clone() {
                                            Some(r) => view! { <a href=entity_href(&r)>{c.caller.clone()}</a> }.into_any(),
                                            None => view! { <span>{c.caller.clone()} " " <small>"(not in the catalog)"</small></span> }.into_any(),
                                        }}</td>
                                        <td>{c.caller_team.clone().map(|t| view! { <a href=team_href(&t)>{t.clone()}</a> })}</td>
                                        <td>{match c.callee_ref.clone() {
                                            Some(r) => view! { <a href=entity_href(&r)>{c.callee.clone()}</a> }.into_any(),
                                            None => c.callee.clone().into_any(),
                                        }}</td>
                                        <td class="num">{c.requests}</td>
                                        <td class="num">{c.errors}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }}
            </section>
        </article>
    }
}
