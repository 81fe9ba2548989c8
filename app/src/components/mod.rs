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

/// The request, error and p95 cells of a table row about traffic.
#[component]
pub fn RedCells(requests: u64, errors: u64, p95_ms: f64) -> impl IntoView {
    view! {
        <td class="num" data-testid="requests">{requests}</td>
        <td class="num">{errors}</td>
        <td class="num">{format!("{p95_ms:.1} ms")}</td>
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
