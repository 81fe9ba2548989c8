//! Pieces of API and Insights pages: consumers of an operation, drift, and
//! scorecard results.

use leptos::prelude::*;

use crate::model::{ConsumerRow, DriftView, EntityScoreRow, entity_href};

/// A ref as a link when it is an entity ref, else as text (`database:orders`).
#[component]
pub fn RefLink(reference: String) -> impl IntoView {
    let is_entity =
        reference.split_once(':').is_some_and(|(kind, _)| !matches!(kind, "service" | "database" | "messaging" | "external" | "user"));
    if is_entity {
        view! { <a href=entity_href(&reference)>{reference.clone()}</a> }.into_any()
    } else {
        view! { <code>{reference}</code> }.into_any()
    }
}

/// Who called an operation: service, owner, calls, errors (with the
/// failures the consumer saw besides), estimates marked.
#[component]
pub fn ConsumerTable(consumers: Vec<ConsumerRow>) -> impl IntoView {
    if consumers.is_empty() {
        return view! { <p class="empty">"No consumer observed."</p> }.into_any();
    }
    view! {
        <table class="consumers" data-testid="consumers">
            <thead><tr><th scope="col">"Consumer"</th><th scope="col">"Owner"</th><th scope="col">"Calls"</th><th scope="col">"Errors"</th></tr></thead>
            <tbody>
                {consumers.into_iter().map(|c| view! {
                    <tr data-consumer=c.service.clone()>
                        <td>{match c.entity_ref.clone() {
                            Some(r) => view! { <a href=entity_href(&r)>{c.service.clone()}</a> }.into_any(),
                            None => view! { <span>{c.service.clone()} " " <small>"(not in the catalog)"</small></span> }.into_any(),
                        }}</td>
                        <td>{c.owner.clone().map(|o| view! { <a href=entity_href(&o)>{o.clone()}</a> })}</td>
                        <super::CountCells requests=c.calls errors=c.errors kept_spans=c.kept_spans caller_failures=c.caller_failures />
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// Dependencies observed against declared, and what is missing either way.
#[component]
pub fn DriftLists(drift: DriftView, #[prop(optional)] with_catalog_wide: bool) -> impl IntoView {
    let pairs = |list: Vec<crate::model::Dependency>, testid: &'static str| {
        if list.is_empty() {
            return view! { <p class="empty">"None."</p> }.into_any();
        }
        view! {
            <ul data-testid=testid>
                {list.into_iter().map(|d| view! {
                    <li><RefLink reference=d.source /> " → " <RefLink reference=d.target /></li>
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <div class="drift">
            <h3>"Called but not declared"</h3>
            {pairs(drift.undeclared, "undeclared")}
            <h3>"Declared but not called"</h3>
            {pairs(drift.unobserved, "unobserved")}
            {with_catalog_wide.then(|| view! {
                <h3>"In traffic, not in the catalog"</h3>
                {if drift.uncataloged.is_empty() {
                    view! { <p class="empty">"None."</p> }.into_any()
                } else {
                    view! {
                        <ul data-testid="uncataloged">
                            {drift.uncataloged.iter().map(|service| view! {
                                <li>
                                    <code>{service.clone()}</code> " "
                                    <a href=format!("/insights/drafts/{}", crate::model::encode_query_value(service))>"catalog-info.yaml draft"</a>
                                    " · "
                                    <a href=format!("/register?draft={}", crate::model::encode_query_value(service))>"register it"</a>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <h3>"In the catalog, never seen"</h3>
                {if drift.silent.is_empty() {
                    view! { <p class="empty">"None."</p> }.into_any()
                } else {
                    view! {
                        <ul data-testid="silent">
                            {drift.silent.iter().map(|r| view! { <li><RefLink reference=r.clone() /></li> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            })}
        </div>
    }
}

/// An entity's results on scorecards: the level reached and each rule.
#[component]
pub fn ScoreCards(scores: Vec<EntityScoreRow>) -> impl IntoView {
    (!scores.is_empty()).then(|| {
        view! {
            <section class="scorecards" data-testid="scorecards">
                <h2>"Scorecards"</h2>
                {scores.into_iter().map(|card| view! {
                    <div class="scorecard">
                        <h3>{card.scorecard.clone()} ": " <span class="level" data-testid="level">{card.level.clone().unwrap_or_else(|| "no level yet".to_string())}</span>
                            " " <small>"(" {card.score} " % of rules; levels " {card.levels.join(" → ")} ")"</small></h3>
                        <ul class="rules">
                            {card.rules.into_iter().map(|rule| view! {
                                <li class=if rule.passed { "rule passed" } else { "rule failed" } data-rule=rule.rule.clone()>
                                    <span class="mark">{if rule.passed { "✓ passed" } else { "✗ failed" }}</span> " "
                                    <code>{rule.rule.clone()}</code> ": " {rule.detail.clone()}
                                </li>
                            }).collect_view()}
                        </ul>
                    </div>
                }).collect_view()}
            </section>
        }
    })
}
