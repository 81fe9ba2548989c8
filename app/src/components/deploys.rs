//! Deploys: a timeline (entity page and Deploys page) with each deploy's
//! traffic before and after it and its regression flag, and DORA's figures.

use leptos::prelude::*;

use super::percent;
use crate::model::{AroundView, DeployRecordView, DoraView, entity_href};

fn around(side: Option<AroundView>) -> String {
    match side {
        None => "–".to_string(),
        Some(side) => {
            let estimated = side.kept_spans < side.requests;
            format!(
                "{} req, {} errors, p95 {}{}",
                crate::model::count_text(side.requests, side.kept_spans),
                percent(side.error_rate),
                side.p95_ms.map_or_else(|| "–".to_string(), |ms| format!("{ms:.0} ms")),
                if estimated { format!(" ({})", crate::model::kept_text(side.kept_spans)) } else { String::new() }
            )
        }
    }
}

/// The regression flag in words.
#[component]
fn Verdict(regression: Option<bool>) -> impl IntoView {
    let (class, text) = match regression {
        Some(true) => ("alert alert-page", "Regression"),
        Some(false) => ("alert alert-ok", "No regression"),
        None => ("alert alert-nodata", "Not judged yet"),
    };
    view! { <span class=class data-testid="regression">{text}</span> }
}

/// Deploys, newest first; `with_service` adds the service and owner columns.
#[component]
pub fn DeployTimeline(deploys: Vec<DeployRecordView>, with_service: bool) -> impl IntoView {
    if deploys.is_empty() {
        return view! { <p class="empty">"No deploy seen: none in traces, pushed to /api/v1/deploys, or found on GitHub."</p> }.into_any();
    }
    view! {
        <table class="deploys" data-testid="deploys">
            <thead><tr>
                <th scope="col">"When"</th>
                {with_service.then(|| view! { <th scope="col">"Service"</th><th scope="col">"Owner"</th> })}
                <th scope="col">"Version"</th><th scope="col">"Environment"</th><th scope="col">"Sources"</th>
                <th scope="col">"Before"</th><th scope="col">"After"</th><th scope="col">"Verdict"</th><th scope="col">"SLOs burning faster"</th>
            </tr></thead>
            <tbody>
                {deploys.into_iter().map(|d| view! {
                    <tr data-service=d.service.clone() data-version=d.version.clone()>
                        <td><time datetime=d.at.clone()>{d.at.clone()}</time></td>
                        {with_service.then(|| view! {
                            <td><a href=format!("{}?tab=deploys", entity_href(&d.entity_ref))>{d.service.clone()}</a></td>
                            <td>{d.owner.clone().map(|o| view! { <a href=entity_href(&o)>{o.clone()}</a> })}</td>
                        })}
                        <td>{d.from_version.clone().map(|f| format!("{f} → ")).unwrap_or_default()} {match d.url.clone() {
                            Some(url) => view! { <a href=url rel="noopener">{d.version.clone()}</a> }.into_any(),
                            None => view! { <span>{d.version.clone()}</span> }.into_any(),
                        }}</td>
                        <td>{d.environment.clone().unwrap_or_default()}</td>
                        <td>{d.sources.join(", ")}</td>
                        <td>{around(d.before)}</td>
                        <td>{around(d.after)}</td>
                        <td><Verdict regression=d.regression /></td>
                        <td data-testid="burn-rose">{d.burn_rose.join(", ")}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// DORA's four keys, each with what it rests on.
#[component]
pub fn DoraFigures(dora: DoraView) -> impl IntoView {
    let hours = dora.lead_time_hours.map_or_else(|| "–".to_string(), |h| format!("{h:.1} h"));
    let minutes = dora.restore_minutes.map_or_else(|| "–".to_string(), |m| format!("{m:.0} min"));
    view! {
        <dl class="facts dora" data-testid="dora">
            <dt>"Deploys"</dt><dd>{format!("{:.2} a day", dora.per_day)} " (" {dora.deploys} " in " {dora.days} " days)"</dd>
            <dt>"Lead time for changes"</dt><dd>{hours} " (" {dora.lead_time_deploys} " deploys with a known commit)"</dd>
            <dt>"Change failure rate"</dt><dd>{percent(dora.failure_rate)} " (" {dora.failures} " of " {dora.deploys} ")"</dd>
            <dt>"Time to restore"</dt><dd>{minutes} " (" {dora.restored} " restored)"</dd>
        </dl>
    }
}
