//! Reusable pieces of pages.

mod contracts;
mod deploys;
mod graph_svg;
mod observed_table;
mod red_chart;
mod schema;
mod search;
mod slo;
mod source;

pub use contracts::{ConsumerTable, DriftLists, RefLink, ScoreCards};
pub use deploys::{DeployTimeline, DoraFigures};
pub use graph_svg::{GraphSvg, NodePanelView};
pub use observed_table::DependencyTable;
pub use red_chart::{RedCharts, Sparkline};
pub use schema::SchemaTree;
pub use search::HeaderSearch;
pub use slo::{AlertBadge, BudgetChart, SloPanel, burn, percent};
pub use source::{SourceView, highlight};

use leptos::prelude::*;

use crate::model::Problem;

/// Where a page sits: links up the way (label, href), then the page itself.
#[component]
pub fn Breadcrumbs(trail: Vec<(String, String)>, here: String) -> impl IntoView {
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs" data-testid="breadcrumbs">
            <ol>
                {trail.into_iter().map(|(label, href)| view! { <li><a href=href>{label}</a></li> }).collect_view()}
                <li aria-current="page">{here}</li>
            </ol>
        </nav>
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading">"Loading…"</p> }
}

/// The request, error and p95 cells of a table row about traffic (see
/// [`CountCells`]).
#[component]
pub fn RedCells(
    requests: u64,
    errors: u64,
    p95_ms: f64,
    #[prop(optional)] kept_spans: Option<u64>,
    #[prop(optional)] caller_failures: Option<u64>,
) -> impl IntoView {
    view! {
        <CountCells requests errors kept_spans=kept_spans.unwrap_or(requests) caller_failures=caller_failures.unwrap_or(errors) />
        <td class="num">{format!("{p95_ms:.1} ms")}</td>
    }
}

/// The request and error cells of a row about calls. With `kept_spans`
/// fewer than `requests` the counts are estimates of sampled traffic:
/// marked `≈`, with the spans they rest on; `caller_failures` is shown
/// where the caller saw more failures than the calls had (a 4xx, a timeout).
#[component]
pub fn CountCells(requests: u64, errors: u64, kept_spans: u64, caller_failures: u64) -> impl IntoView {
    // Weighted like the requests; none is none, estimated or not.
    let errors_text = if kept_spans < requests && errors > 0 { format!("≈{errors}") } else { errors.to_string() };
    view! {
        <td class="num" data-testid="requests"><Count count=requests kept_spans /></td>
        <td class="num" data-testid="errors">
            {errors_text}
            {(caller_failures != errors).then(|| view! {
                <small class="caller-failures" data-testid="caller-failures" title="calls in which the caller saw a failure (a 4xx, a timeout) that the server did not count">
                    " · " {caller_failures} " client-seen"
                </small>
            })}
        </td>
    }
}

/// A count of calls: `≈2000` with the spans it rests on when it estimates
/// sampled traffic (fewer kept spans than calls), else the number.
#[component]
pub fn Count(count: u64, kept_spans: u64) -> impl IntoView {
    if kept_spans < count {
        view! {
            <span class="estimate" data-testid="estimate" title=crate::model::kept_text(kept_spans)>
                {crate::model::count_text(count, kept_spans)}
                <small class="kept">" " {crate::model::kept_text(kept_spans)}</small>
            </span>
        }
        .into_any()
    } else {
        view! { {count} }.into_any()
    }
}

/// Problems found with descriptors, each at its `file:line:column`; nothing when there are none.
#[component]
pub fn Problems(problems: Vec<Problem>, testid: &'static str) -> impl IntoView {
    (!problems.is_empty()).then(|| {
        view! {
            <ul class="problems" data-testid=testid>
                {problems.into_iter().map(|p| view! { <li class=format!("problem {}", p.level.as_str())>{p.message}</li> }).collect_view()}
            </ul>
        }
    })
}

#[component]
pub fn ErrorBox(message: String) -> impl IntoView {
    view! { <p class="error" role="alert">{message}</p> }
}
