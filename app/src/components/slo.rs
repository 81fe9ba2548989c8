//! SLO objectives: a card per objective (entity page) with its budget
//! chart, the alert badge, and the shares and burn rates as text.

use leptos::prelude::*;

use crate::model::{AlertState, SloView};

/// A share as a percentage with two decimals; a dash when unknown.
pub fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "–".to_string(), |s| format!("{:.2} %", s * 100.0))
}

/// A burn rate to one decimal; a dash without events.
pub fn burn(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_string(), |r| format!("{r:.1}×"))
}

/// The alert state in words, coloured by its class.
#[component]
pub fn AlertBadge(state: AlertState) -> impl IntoView {
    view! { <span class=format!("alert alert-{}", state.as_param()) data-testid="alert">{state.label()}</span> }
}

/// The error budget left over the window, as an SVG line drawn on the
/// server: 100 % at the top, 0 on the dashed line, overspent below it
/// (down to −100 %), labelled on both axes. Events that began after the
/// window did: the chart spans them, and (unless `compact`, as in a table
/// row) says so.
#[component]
pub fn BudgetChart(slo: SloView, #[prop(optional)] compact: bool) -> impl IntoView {
    const WIDTH: f64 = 240.0;
    const HEIGHT: f64 = 60.0;
    let points = &slo.budget_chart;
    let (Some(first), Some(last), Some((since, narrowed))) = (points.first().copied(), points.last().copied(), slo.chart_span()) else {
        return view! { <p class="empty">"No events in the window yet."</p> }.into_any();
    };
    let span = (last.0 - first.0).max(1) as f64;
    // From 100 % down to −100 % (further is drawn at the floor).
    let y = |share: f64| (1.0 - share.clamp(-1.0, 1.0)) / 2.0 * HEIGHT;
    let line: Vec<String> =
        points.iter().map(|(at, share)| format!("{:.1},{:.1}", (at - first.0) as f64 / span * WIDTH, y(*share))).collect();
    let summary = format!("Error budget left since {since}: from {} to {}", percent(Some(first.1)), percent(Some(last.1)));
    let label = summary.clone();
    view! {
        <figure class="budget" data-testid="budget-chart">
            {(narrowed && !compact).then(|| view! {
                <figcaption class="chart-note" data-testid="budget-note">
                    {format!("Events only since {since}: the chart spans that, not the whole {}.", slo.window)}
                </figcaption>
            })}
            <p class="budget-y" aria-hidden="true"><span>"100 %"</span><span>"0"</span><span>"−100 %"</span></p>
            <svg class="budget-chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") width=WIDTH height=HEIGHT role="img" aria-label=label>
                <title>{summary}</title>
                <line class="zero" x1="0" x2=WIDTH y1=y(0.0) y2=y(0.0) />
                <polyline points=line.join(" ") />
            </svg>
            <p class="chart-axis" aria-hidden="true"><span>{since}</span><span>"now"</span></p>
        </figure>
    }
    .into_any()
}

/// Every objective of a Component's SLOs.
#[component]
pub fn SloPanel(slos: Vec<SloView>) -> impl IntoView {
    view! {
        <section class="slos" data-testid="slo-panel">
            <h2>"Service level objectives"</h2>
            {if slos.is_empty() {
                view! { <p class="empty">"No SLO names this component. Add OpenSLO documents beside its descriptor (README, “SLOs”)."</p> }.into_any()
            } else {
                slos.into_iter().map(|slo| view! { <SloCard slo /> }).collect_view().into_any()
            }}
        </section>
    }
}

#[component]
fn SloCard(slo: SloView) -> impl IntoView {
    // The server lists the burn windows shortest first.
    let rates: Vec<(String, String)> = slo.burn_rates.iter().map(|(window, rate)| (window.clone(), burn(*rate))).collect();
    view! {
        <article class="slo" data-slo=slo.name.clone()>
            <header>
                <h3>{slo.title.clone()}</h3>
                <AlertBadge state=slo.alert />
            </header>
            <dl class="facts">
                <dt>"Objective"</dt><dd>{percent(Some(slo.target))} " over " {slo.window.clone()}</dd>
                <dt>"Attained"</dt><dd data-testid="attainment">{percent(slo.attainment)} " (" {if slo.estimated { "≈" } else { "" }} {slo.good} " of " {slo.total}
                    {slo.estimated.then_some(", estimated from sampled spans")} ")"</dd>
                <dt>"Budget left"</dt><dd data-testid="budget">{percent(slo.budget_remaining)}</dd>
            </dl>
            <BudgetChart slo=slo.clone() />
            <table class="burn">
                <caption>"Burn rate (1× spends the budget exactly over the window)"</caption>
                <thead><tr>{rates.iter().map(|(w, _)| view! { <th scope="col">{w.clone()}</th> }).collect_view()}</tr></thead>
                <tbody><tr>{rates.into_iter().map(|(_, r)| view! { <td class="num">{r}</td> }).collect_view()}</tr></tbody>
            </table>
            {(!slo.history.is_empty()).then(|| view! {
                <details class="history">
                    <summary>"Alert history"</summary>
                    <ol>{slo.history.iter().rev().map(|(state, at)| view! { <li><AlertBadge state=*state /> " " <time datetime=at.clone()>{at.clone()}</time></li> }).collect_view()}</ol>
                </details>
            })}
        </article>
    }
}
