//! Requests of the last hours as SVG drawn on the server: a service's
//! requests a minute, error share and p95, each its own small chart, and a
//! sparkline for an operation or a call; each with a dashed line at every
//! deploy (its version in words, or in the title, beside it).

use leptos::prelude::*;

use crate::model::RedSeries;

const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 70.0;

/// One line chart of `values` (one per minute) over the series' span.
#[component]
fn Line(series: RedSeries, label: &'static str, unit: &'static str, value: fn(&(i64, u64, u64, f64)) -> f64) -> impl IntoView {
    let span = (series.to - series.from).max(1) as f64;
    let x = move |at: i64| (at - series.from) as f64 / span * WIDTH;
    let top = series.minutes.iter().map(value).fold(0.0_f64, f64::max).max(f64::MIN_POSITIVE);
    let points: Vec<String> =
        series.minutes.iter().map(|m| format!("{:.1},{:.1}", x(m.0), HEIGHT - value(m) / top * (HEIGHT - 4.0))).collect();
    let summary = format!("{label}: at most {} {unit} a minute over the chart", format_number(top));
    let title = summary.clone();
    view! {
        <figure class="red-chart">
            <figcaption>{label} " (top: " {format_number(top)} " " {unit} ")"</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") width=WIDTH height=HEIGHT role="img" aria-label=summary>
                <title>{title}</title>
                {series.deploys.iter().map(|(at, version)| view! {
                    <g class="deploy-marker">
                        <line x1=x(*at) x2=x(*at) y1="0" y2=HEIGHT />
                        <text x=x(*at) + 2.0 y="10">{version.clone()}</text>
                    </g>
                }).collect_view()}
                <polyline points=points.join(" ") />
            </svg>
        </figure>
    }
}

fn format_number(value: f64) -> String {
    if value >= 100.0 { format!("{value:.0}") } else { format!("{value:.2}") }
}

/// Requests, error share and p95 of a service's last hours, with its deploys.
#[component]
pub fn RedCharts(series: RedSeries) -> impl IntoView {
    if series.minutes.is_empty() {
        return view! { <p class="empty">"No requests served in the last hours."</p> }.into_any();
    }
    let shown = series.shown();
    // Traffic that began within the window: the charts span it, and say so.
    let narrowed = (shown.from != series.from).then(|| shown.start_label());
    view! {
        <div class="red-charts" data-testid="red-charts">
            {narrowed.clone().map(|since| view! {
                <p class="chart-note" data-testid="chart-note">"Traffic only since " {since} ": the charts span that, not the whole window."</p>
            })}
            <Line series=shown.clone() label="Requests" unit="requests" value=|m| m.1 as f64 />
            <Line series=shown.clone() label="Errors" unit="%" value=|m| if m.1 == 0 { 0.0 } else { m.2 as f64 / m.1 as f64 * 100.0 } />
            <Line series=shown.clone() label="p95" unit="ms" value=|m| m.3 />
            <p class="chart-axis" aria-hidden="true"><span>{shown.start_label()}</span><span>"now"</span></p>
        </div>
    }
    .into_any()
}

const SPARK_WIDTH: f64 = 160.0;
const SPARK_HEIGHT: f64 = 28.0;

/// One call's or operation's requests a minute as a small line, its p95 a
/// dashed line on its own scale, minutes with errors ticked below (red and
/// dashed, not colour alone), and its deploys; the numbers are in its title.
#[component]
pub fn Sparkline(series: RedSeries) -> impl IntoView {
    let series = series.shown();
    let span = (series.to - series.from).max(1) as f64;
    let x = move |at: i64| (at - series.from) as f64 / span * SPARK_WIDTH;
    let top = series.minutes.iter().map(|m| m.1).max().unwrap_or(0).max(1) as f64;
    let points: Vec<String> = series
        .minutes
        .iter()
        .map(|m| format!("{:.1},{:.1}", x(m.0), SPARK_HEIGHT - 6.0 - m.1 as f64 / top * (SPARK_HEIGHT - 8.0)))
        .collect();
    let slowest = series.minutes.iter().map(|m| m.3).fold(0.0_f64, f64::max);
    let latency: Vec<String> = series
        .minutes
        .iter()
        .filter(|m| m.1 > 0)
        .map(|m| format!("{:.1},{:.1}", x(m.0), SPARK_HEIGHT - 6.0 - m.3 / slowest.max(f64::MIN_POSITIVE) * (SPARK_HEIGHT - 8.0)))
        .collect();
    let (requests, errors) = series.minutes.iter().fold((0, 0), |(r, e), m| (r + m.1, e + m.2));
    let versions: Vec<&str> = series.deploys.iter().map(|(_, v)| v.as_str()).collect();
    let summary = format!(
        "{requests} requests, {errors} errors, at most {} a minute, p95 up to {slowest:.0} ms{}",
        top as u64,
        if versions.is_empty() { String::new() } else { format!("; deploys: {}", versions.join(", ")) }
    );
    let title = summary.clone();
    view! {
        <svg class="sparkline" viewBox=format!("0 0 {SPARK_WIDTH} {SPARK_HEIGHT}") width=SPARK_WIDTH height=SPARK_HEIGHT role="img" aria-label=summary>
            <title>{title}</title>
            {series.deploys.iter().map(|(at, _)| view! { <line class="deploy-marker" x1=x(*at) x2=x(*at) y1="0" y2=SPARK_HEIGHT /> }).collect_view()}
            <polyline class="p95" points=latency.join(" ") />
            <polyline class="requests" points=points.join(" ") />
            {series.minutes.iter().filter(|m| m.2 > 0).map(|m| view! {
                <line class="error-tick" x1=x(m.0) x2=x(m.0) y1=SPARK_HEIGHT - 4.0 y2=SPARK_HEIGHT />
            }).collect_view()}
        </svg>
    }
}
