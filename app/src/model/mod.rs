//! View models: what pages render. The server fills them through the port.

use serde::{Deserialize, Serialize};

mod apis;
mod catalog;
mod graph;
mod insights;
mod teams;

pub use apis::*;
pub use catalog::*;
pub use graph::*;
pub use insights::*;
pub use teams::*;

/// One row of the catalog list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntitySummary {
    /// `kind:namespace/name`, lower case.
    pub entity_ref: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
}

impl EntitySummary {
    /// The UI path of the entity page.
    pub fn href(&self) -> String {
        entity_href(&self.entity_ref)
    }
}

/// One page of catalog search results, with facets over all matches.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchView {
    /// Entities in the catalog.
    pub catalog_size: usize,
    /// Entities matching (may exceed `items.len()`).
    pub total: usize,
    pub items: Vec<EntitySummary>,
    pub facets: Vec<FacetView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FacetView {
    /// Filter key, e.g. `spec.type`.
    pub field: String,
    pub label: String,
    pub values: Vec<(String, usize)>,
}

/// `1 service`, `3 services`: a count and its noun (plural by `s`).
pub fn count_of(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// A count of calls as pages write it: `≈2000` when it estimates sampled
/// traffic, resting on fewer spans than it counts.
pub fn count_text(count: u64, kept_spans: u64) -> String {
    if kept_spans < count { format!("≈{count}") } else { count.to_string() }
}

/// What an estimate rests on, in words (`from 100 spans kept by sampling`).
pub fn kept_text(kept_spans: u64) -> String {
    format!("from {} kept by sampling", count_of(kept_spans as usize, "span"))
}

/// A sampled service's keep rate in words (`samples 5 %`).
pub fn sample_rate_text(rate: f64) -> String {
    let percent = rate * 100.0;
    if percent >= 1.0 { format!("samples {percent:.0} %") } else { format!("samples {percent:.2} %") }
}

/// Percent-encodes a query-string value.
pub fn encode_query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A Backstage filter string (`kind=component,spec.type=service`) with
/// `field=value` added, or removed when already there.
pub fn toggle_filter(filter: &str, field: &str, value: &str) -> String {
    let condition = format!("{field}={value}");
    let mut parts: Vec<&str> = filter.split(',').filter(|p| !p.is_empty()).collect();
    match parts.iter().position(|p| p.eq_ignore_ascii_case(&condition)) {
        Some(i) => {
            parts.remove(i);
        }
        None => parts.push(&condition),
    }
    parts.join(",")
}

/// `/catalog/{namespace}/{kind}/{name}` for a `kind:namespace/name` ref.
pub fn entity_href(entity_ref: &str) -> String {
    let (kind, rest) = entity_ref.split_once(':').unwrap_or(("component", entity_ref));
    let (namespace, name) = rest.split_once('/').unwrap_or(("default", rest));
    format!("/catalog/{namespace}/{kind}/{name}")
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RelationView {
    pub relation_type: String,
    pub target_ref: String,
}

/// An observed call to or from the entity, from trace data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObservedEdge {
    /// The other end: its node name and kind.
    pub peer: String,
    pub peer_kind: String,
    /// Entity page of the peer when it is in the catalog.
    pub peer_entity_ref: Option<String>,
    pub connection_type: String,
    pub requests: u64,
    pub errors: u64,
    /// Calls in which the caller saw a failure (a 4xx, a timeout).
    pub caller_failures: u64,
    /// Spans the counts rest on (fewer than `requests`: an estimate).
    pub kept_spans: u64,
    pub p95_ms: f64,
    /// This call's last hours minute by minute, with the entity's deploys.
    pub series: Option<RedSeries>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntityDetail {
    pub summary: EntitySummary,
    pub relations: Vec<RelationView>,
    pub annotations: Vec<(String, String)>,
    /// The window the observed edges cover, e.g. `1h`.
    pub observed_window: String,
    pub callers: Vec<ObservedEdge>,
    pub callees: Vec<ObservedEdge>,
    /// Problems found loading the entity: `file:line:column: message`.
    pub problems: Vec<Problem>,
    /// The SLOs of a Component, each objective.
    pub slos: Vec<SloView>,
    /// A Component's deploys, newest first.
    pub deploys: Vec<DeployRecordView>,
    /// A Component's DORA figures over 30 days.
    pub dora: Option<DoraView>,
    /// A Component's served requests of the last hours, minute by minute, with its deploys.
    pub red: Option<RedSeries>,
    /// A Component's calls that differ from its declarations (last 24 hours).
    pub drift: Option<DriftView>,
    /// Its results on every scorecard that grades it.
    pub scores: Vec<EntityScoreRow>,
    /// A Component's busiest operations, each with its last hours.
    pub operations: Vec<OperationChart>,
    /// The hours its charts (requests, calls, operations) span.
    pub chart_hours: u64,
    /// `metadata.links` that are safe to follow (http, https, mailto).
    pub links: Vec<LinkView>,
    /// The entity as Meridian holds it (relations included), as YAML.
    pub source_yaml: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperationChart {
    pub operation: String,
    /// Over the chart's span.
    pub requests: u64,
    pub errors: u64,
    /// Spans the counts rest on (fewer than `requests`: an estimate).
    pub kept_spans: u64,
    pub series: RedSeries,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkView {
    pub url: String,
    pub title: String,
}

/// The entity page's tabs, by `?tab=`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EntityTab {
    #[default]
    Overview,
    Dependencies,
    Api,
    Slos,
    Deploys,
    Source,
}

impl EntityTab {
    pub const ALL: [EntityTab; 6] =
        [EntityTab::Overview, EntityTab::Dependencies, EntityTab::Api, EntityTab::Slos, EntityTab::Deploys, EntityTab::Source];

    pub fn parse(text: &str) -> EntityTab {
        EntityTab::ALL.into_iter().find(|t| t.key().eq_ignore_ascii_case(text)).unwrap_or_default()
    }

    /// Its `?tab=` value (empty for the overview).
    pub fn key(self) -> &'static str {
        match self {
            EntityTab::Overview => "",
            EntityTab::Dependencies => "dependencies",
            EntityTab::Api => "api",
            EntityTab::Slos => "slos",
            EntityTab::Deploys => "deploys",
            EntityTab::Source => "source",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EntityTab::Overview => "Overview",
            EntityTab::Dependencies => "Dependencies",
            EntityTab::Api => "API",
            EntityTab::Slos => "SLOs",
            EntityTab::Deploys => "Deploys",
            EntityTab::Source => "Source",
        }
    }

    /// Tabs that say something about an entity of `kind`.
    pub fn applies_to(self, kind: &str) -> bool {
        let component = kind.eq_ignore_ascii_case("component");
        match self {
            EntityTab::Overview | EntityTab::Source => true,
            EntityTab::Dependencies | EntityTab::Slos | EntityTab::Deploys => component,
            EntityTab::Api => component || kind.eq_ignore_ascii_case("api"),
        }
    }
}

/// A service's requests of the last hours, minute by minute, and its deploys then.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RedSeries {
    /// Unix seconds the chart spans.
    pub from: i64,
    pub to: i64,
    /// (minute, requests, errors, p95 in ms).
    pub minutes: Vec<(i64, u64, u64, f64)>,
    /// (unix seconds, version).
    pub deploys: Vec<(i64, String)>,
}

/// The least a chart of short data spans, in minutes: a few minutes of
/// traffic are a line, not a tick at the right edge.
pub const CHART_MIN_MINUTES: i64 = 10;

impl RedSeries {
    /// The span a chart draws: the whole window, or, when traffic began
    /// within it, from its first minute (at least [`CHART_MIN_MINUTES`]
    /// before the end); deploys before that are left out.
    pub fn shown(&self) -> RedSeries {
        let Some(first) = self.minutes.first().map(|m| m.0) else { return self.clone() };
        // Minutes start on the minute, the window anywhere within one.
        if first <= self.from + 60 {
            return self.clone();
        }
        let from = first.min(self.to - CHART_MIN_MINUTES * 60).max(self.from);
        RedSeries { from, deploys: self.deploys.iter().filter(|(at, _)| *at >= from).cloned().collect(), ..self.clone() }
    }

    /// How far back the chart's left edge is, in words (`3 h ago`, `12 min ago`).
    pub fn start_label(&self) -> String {
        ago(self.to - self.from)
    }
}

/// A span back from now in words: `12 min ago`, `3 h ago`, `6 d ago`.
pub fn ago(seconds: i64) -> String {
    match seconds.max(0) / 60 {
        minutes if minutes >= 2 * 1440 => format!("{} d ago", minutes / 1440),
        minutes if minutes >= 120 && (minutes % 60 == 0 || minutes >= 1440) => format!("{} h ago", minutes / 60),
        minutes => format!("{minutes} min ago"),
    }
}

/// What registering YAML did, or (in a preview) would do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegistrationView {
    pub applied: bool,
    pub entities: Vec<EntitySummary>,
    pub added: Vec<String>,
    pub replaced: Vec<String>,
    /// `request:line:column: message`; any error means nothing is applied.
    pub problems: Vec<Problem>,
}

/// Which button of the Register form was pressed (`action=` of its post).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegisterAction {
    PreviewYaml,
    RegisterYaml,
    PreviewLocation,
    RegisterLocation,
}

impl RegisterAction {
    pub const ALL: [RegisterAction; 4] =
        [RegisterAction::PreviewYaml, RegisterAction::RegisterYaml, RegisterAction::PreviewLocation, RegisterAction::RegisterLocation];

    pub fn as_param(self) -> &'static str {
        match self {
            RegisterAction::PreviewYaml => "preview",
            RegisterAction::RegisterYaml => "register",
            RegisterAction::PreviewLocation => "preview-location",
            RegisterAction::RegisterLocation => "register-location",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_param() == text)
    }

    pub fn dry_run(self) -> bool {
        matches!(self, RegisterAction::PreviewYaml | RegisterAction::PreviewLocation)
    }
}

/// What the Register form sent (but the token), and what came of it: the
/// page after the post shows it, with the form filled in again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegisterOutcome {
    pub yaml: String,
    pub target: String,
    pub action: RegisterAction,
    pub result: Result<RegistrationView, crate::port::PortError>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub level: Level,
    pub message: String,
}

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Level {
    Error,
    Warning,
}

impl Level {
    /// `error` or `warning`: the CSS class and the word shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

/// The Demo page: the demo fleet's processes, their switches, and what
/// Meridian observes of each (demo mode only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DemoView {
    /// The window `observed` covers (`5m`).
    pub window: String,
    pub processes: Vec<DemoProcess>,
    /// Deploys Meridian detected from `service.version` changes, newest first.
    pub deploys: Vec<DeployView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DemoProcess {
    pub name: String,
    /// Sends telemetry, so it can be deployed.
    pub instrumented: bool,
    /// The running version, as the process reports it (None: no answer).
    pub version: Option<String>,
    pub faults: Option<DemoFaults>,
    /// Why the process's state is unknown.
    pub unreachable: Option<String>,
    /// The component of that name, when the catalog has one.
    pub entity_ref: Option<String>,
    /// Requests it served in the window, as Meridian saw them.
    pub observed: Option<ObservedLoad>,
}

/// A process's fault switches; also the body the fleet takes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DemoFaults {
    /// Added to a request's handling, in milliseconds...
    pub latency_ms: u64,
    /// ...for this share of requests (0–1).
    pub latency_share: f64,
    /// Share of requests answered with an error (0–1).
    pub error_share: f64,
}

impl DemoFaults {
    /// From the Demo page's inputs: whole milliseconds and percentages.
    pub fn from_inputs(latency_ms: &str, latency_percent: &str, error_percent: &str) -> Result<Self, String> {
        let percent = |text: &str, what: &str| -> Result<f64, String> {
            match text.trim().parse::<f64>() {
                Ok(p) if (0.0..=100.0).contains(&p) => Ok(p / 100.0),
                _ => Err(format!("{what} must be a percentage from 0 to 100, not `{}`", text.trim())),
            }
        };
        let latency_ms = match latency_ms.trim().parse::<u64>() {
            Ok(ms) if ms <= 60_000 => ms,
            _ => return Err(format!("Added latency must be whole milliseconds from 0 to 60000, not `{}`", latency_ms.trim())),
        };
        Ok(DemoFaults {
            latency_ms,
            latency_share: percent(latency_percent, "The share of slow requests")?,
            error_share: percent(error_percent, "The share of failing requests")?,
        })
    }

    /// `none`, or what requests suffer: `+400 ms for 50 %, 20 % errors`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.latency_ms > 0 && self.latency_share > 0.0 {
            parts.push(format!("+{} ms for {} %", self.latency_ms, as_percent(self.latency_share)));
        }
        if self.error_share > 0.0 {
            parts.push(format!("{} % errors", as_percent(self.error_share)));
        }
        if parts.is_empty() { "none".to_string() } else { parts.join(", ") }
    }
}

/// A share as a percentage to one decimal, without noise (`0.05` → `5`,
/// `0.125` → `12.5`): for display and for the page's inputs alike.
pub fn as_percent(share: f64) -> f64 {
    (share * 1000.0).round() / 10.0
}

/// The version a deploy suggests next: the minor part raised (`1.0.0` →
/// `1.1.0`, `2.3` → `2.4`), else `-next` appended.
pub fn next_version(version: &str) -> String {
    let numbers: Option<Vec<u64>> = version.split('.').map(|part| part.parse().ok()).collect();
    match numbers {
        Some(mut numbers) if numbers.len() >= 2 => {
            numbers[1] = numbers[1].saturating_add(1);
            numbers[2..].fill(0);
            numbers.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
        }
        _ => format!("{version}-next"),
    }
}

/// What a demo deploy brings with it. The demo fleet's control endpoint
/// takes the same lower-case names (its own type, on the other side of the
/// wire).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DemoRegression {
    #[default]
    None,
    /// A share of requests fail.
    Errors,
    /// A share of requests are slower.
    Latency,
}

impl DemoRegression {
    pub const ALL: [DemoRegression; 3] = [DemoRegression::None, DemoRegression::Errors, DemoRegression::Latency];

    /// The wire name, also the form's option value.
    pub fn as_str(self) -> &'static str {
        match self {
            DemoRegression::None => "none",
            DemoRegression::Errors => "errors",
            DemoRegression::Latency => "latency",
        }
    }

    /// From a form's option value; anything else is no regression.
    pub fn from_form(value: &str) -> Self {
        Self::ALL.into_iter().find(|r| r.as_str() == value).unwrap_or_default()
    }
}

/// Which button of the Demo page's form was pressed (`action=` of its post).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DemoAction {
    SetFaults,
    ClearFaults,
    Deploy,
}

impl DemoAction {
    pub const ALL: [DemoAction; 3] = [DemoAction::SetFaults, DemoAction::ClearFaults, DemoAction::Deploy];

    pub fn as_param(self) -> &'static str {
        match self {
            DemoAction::SetFaults => "faults",
            DemoAction::ClearFaults => "clear",
            DemoAction::Deploy => "deploy",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_param() == text)
    }
}

/// What the Demo page's form asked of a process, and what came of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DemoOutcome {
    pub process: String,
    pub action: DemoAction,
    /// Why nothing was done (a refused value, the fleet's refusal).
    pub refused: Option<String>,
}

impl DemoOutcome {
    /// What the page says of it.
    pub fn message(&self) -> String {
        match (&self.refused, self.action) {
            (Some(why), _) => why.clone(),
            (None, DemoAction::SetFaults | DemoAction::ClearFaults) => format!("{}: faults set.", self.process),
            (None, DemoAction::Deploy) => {
                "Deployed: Meridian shows it under the deploys below once the new version's spans arrive.".to_string()
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObservedLoad {
    pub requests: u64,
    pub errors: u64,
    pub p95_ms: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeployView {
    pub service: String,
    pub from_version: String,
    pub to_version: String,
    /// Seconds between the deploy and when the page was made.
    pub seconds_ago: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_data_spans_its_own_minutes() {
        let minute = |at: i64| (at, 10, 0, 5.0);
        let to = 10_000 * 60;
        let window =
            RedSeries { from: to - 180 * 60, to, minutes: vec![], deploys: vec![(to - 170 * 60, "1".into()), (to - 20 * 60, "2".into())] };
        let full = RedSeries { minutes: vec![minute(to - 180 * 60 + 30), minute(to - 60)], ..window.clone() };
        assert_eq!(full.shown(), full, "data from the window's start: the whole window");
        assert_eq!(full.shown().start_label(), "3 h ago");
        let recent = RedSeries { minutes: vec![minute(to - 45 * 60), minute(to - 60)], ..window.clone() };
        let shown = recent.shown();
        assert_eq!((shown.from, shown.start_label()), (to - 45 * 60, "45 min ago".to_string()));
        assert_eq!(shown.deploys, vec![(to - 20 * 60, "2".to_string())], "the deploy before the data is left out");
        let one = RedSeries { minutes: vec![minute(to - 60)], ..window.clone() };
        assert_eq!(one.shown().from, to - CHART_MIN_MINUTES * 60, "one minute is still a line");
        assert_eq!(window.shown(), window, "no data: nothing to narrow to");
    }

    #[test]
    fn spans_back_read_in_the_unit_that_fits() {
        let cases =
            [(45 * 60, "45 min ago"), (150 * 60, "150 min ago"), (3 * 3600, "3 h ago"), (30 * 3600, "30 h ago"), (6 * 86_400, "6 d ago")];
        for (seconds, said) in cases {
            assert_eq!(ago(seconds), said);
        }
        assert_eq!(ago(-5), "0 min ago", "a clock a little ahead is now");
    }

    #[test]
    fn a_budget_chart_says_when_it_spans_less_than_the_window() {
        let day = 86_400;
        let slo = SloView {
            name: "a".into(),
            title: "a".into(),
            service: "s".into(),
            entity_ref: None,
            owner: None,
            target: 0.99,
            window: "28d".into(),
            good: 1,
            total: 1,
            estimated: false,
            attainment: Some(1.0),
            budget_remaining: Some(1.0),
            burn_rates: Vec::new(),
            alert: AlertState::Ok,
            history: Vec::new(),
            budget_chart: vec![(30 * day, 1.0), (34 * day, 0.5)],
            window_start: 6 * day,
        };
        assert_eq!(slo.chart_span(), Some(("4 d ago".to_string(), true)), "events for 4 of 28 days");
        let whole = SloView { budget_chart: vec![(6 * day, 1.0), (34 * day, 0.5)], ..slo.clone() };
        assert_eq!(whole.chart_span(), Some(("28 d ago".to_string(), false)));
        assert_eq!(SloView { budget_chart: Vec::new(), ..slo }.chart_span(), None);
    }

    #[test]
    fn filters_toggle_and_values_encode() {
        assert_eq!(toggle_filter("", "kind", "Component"), "kind=Component");
        assert_eq!(toggle_filter("kind=Component", "spec.type", "service"), "kind=Component,spec.type=service");
        assert_eq!(toggle_filter("kind=Component,spec.type=service", "kind", "component"), "spec.type=service");
        assert_eq!(encode_query_value("group:default/a b"), "group%3Adefault%2Fa%20b");
    }

    #[test]
    fn hrefs() {
        assert_eq!(entity_href("component:default/checkout"), "/catalog/default/component/checkout");
        assert_eq!(entity_href("group:ops/sre"), "/catalog/ops/group/sre");
    }

    #[test]
    fn demo_inputs_are_checked_and_described() {
        let faults = DemoFaults::from_inputs(" 400", "50", "12.5").unwrap();
        assert_eq!(faults, DemoFaults { latency_ms: 400, latency_share: 0.5, error_share: 0.125 });
        assert_eq!(faults.describe(), "+400 ms for 50 %, 12.5 % errors");
        assert_eq!(DemoFaults::default().describe(), "none");
        assert_eq!(DemoFaults::from_inputs("0", "0", "100").unwrap().describe(), "100 % errors");
        assert_eq!(
            DemoFaults::from_inputs("10", "150", "0").unwrap_err(),
            "The share of slow requests must be a percentage from 0 to 100, not `150`"
        );
        assert!(DemoFaults::from_inputs("-1", "0", "0").unwrap_err().starts_with("Added latency"));
        assert!(DemoFaults::from_inputs("0", "0", "lots").unwrap_err().contains("`lots`"));
    }

    #[test]
    fn the_next_version_raises_the_minor_part() {
        assert_eq!(next_version("1.0.0"), "1.1.0");
        assert_eq!(next_version("1.9.3"), "1.10.0");
        assert_eq!(next_version("2.3"), "2.4");
        assert_eq!(next_version("canary"), "canary-next");
        assert_eq!(next_version("v1.2.0"), "v1.2.0-next");
    }
}

/// An SLO objective's alert state (README, "SLOs").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlertState {
    Ok,
    Ticket,
    Page,
    NoData,
}

impl AlertState {
    pub const ALL: [AlertState; 4] = [AlertState::Page, AlertState::Ticket, AlertState::Ok, AlertState::NoData];

    /// As the API and the page's URL spell it.
    pub fn as_param(self) -> &'static str {
        match self {
            AlertState::Ok => "ok",
            AlertState::Ticket => "ticket",
            AlertState::Page => "page",
            AlertState::NoData => "nodata",
        }
    }

    pub fn parse(text: &str) -> Option<AlertState> {
        AlertState::ALL.into_iter().find(|state| state.as_param() == text)
    }

    /// Words for people: the state is never told by colour alone.
    pub fn label(self) -> &'static str {
        match self {
            AlertState::Ok => "OK",
            AlertState::Ticket => "Ticket",
            AlertState::Page => "Page",
            AlertState::NoData => "No data",
        }
    }
}

/// One SLO objective, as a panel or a table row shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloView {
    pub name: String,
    /// The SLO's display name (or name), and the objective's when it has one.
    pub title: String,
    pub service: String,
    /// The service's Component, where the catalog has one.
    pub entity_ref: Option<String>,
    pub owner: Option<String>,
    /// Target as a fraction.
    pub target: f64,
    /// `28d`, `calendar month (Europe/Berlin)`.
    pub window: String,
    pub good: u64,
    pub total: u64,
    /// Whether good and total are estimates from sampled spans.
    pub estimated: bool,
    pub attainment: Option<f64>,
    pub budget_remaining: Option<f64>,
    /// (`5m` … `3d`, burn rate where the window saw events).
    pub burn_rates: Vec<(String, Option<f64>)>,
    pub alert: AlertState,
    /// (state, when: RFC 3339), oldest first.
    pub history: Vec<(AlertState, String)>,
    /// The budget left over the window: (unix seconds, share), from the
    /// first hour with events.
    pub budget_chart: Vec<(i64, f64)>,
    /// Where the window starts (unix seconds): a chart starting later spans
    /// only the events there are, and says so.
    pub window_start: i64,
}

impl SloView {
    /// The budget chart's left edge in words (`6 d ago`, back from its last
    /// point, the evaluation), and whether events began after the window
    /// did, so the chart spans less than the window; `None` without a chart.
    pub fn chart_span(&self) -> Option<(String, bool)> {
        let (first, last) = (self.budget_chart.first()?.0, self.budget_chart.last()?.0);
        Some((ago(last - first), first > self.window_start))
    }

    /// The burn rate over one of `5m` … `3d`.
    pub fn burn(&self, window: &str) -> Option<f64> {
        self.burn_rates.iter().find(|(w, _)| w == window).and_then(|(_, rate)| *rate)
    }
}

/// How the SLOs page orders its rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SloSort {
    /// Least budget left first.
    #[default]
    Budget,
    /// Fastest burn over the last hour first.
    Burn,
    Name,
}

impl SloSort {
    pub const ALL: [SloSort; 3] = [SloSort::Budget, SloSort::Burn, SloSort::Name];

    pub fn as_param(self) -> &'static str {
        match self {
            SloSort::Budget => "budget",
            SloSort::Burn => "burn",
            SloSort::Name => "name",
        }
    }

    pub fn parse(text: &str) -> Option<SloSort> {
        SloSort::ALL.into_iter().find(|sort| sort.as_param() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            SloSort::Budget => "budget left",
            SloSort::Burn => "burn (1h)",
            SloSort::Name => "name",
        }
    }
}

/// Which SLOs the SLOs page shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SloQuery {
    /// An owner's entity ref (`group:default/team-orders`).
    pub owner: Option<String>,
    pub state: Option<AlertState>,
    pub sort: SloSort,
}

/// The SLOs page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SlosView {
    pub items: Vec<SloView>,
    /// Every owner of an SLO's service, for the filter.
    pub owners: Vec<String>,
    /// When the SLOs were last evaluated (RFC 3339); `None` before the first time.
    pub evaluated_at: Option<String>,
}

/// A service's traffic over the window before or after a deploy.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct AroundView {
    pub requests: u64,
    pub error_rate: Option<f64>,
    pub p95_ms: Option<f64>,
    /// Spans the figures rest on (fewer than `requests`: an estimate).
    pub kept_spans: u64,
}

/// One deploy of the history, from every source that told of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeployRecordView {
    pub service: String,
    pub entity_ref: String,
    pub owner: Option<String>,
    pub version: String,
    pub from_version: Option<String>,
    pub environment: Option<String>,
    /// RFC 3339.
    pub at: String,
    /// `traces`, `api`, `github-deployment`, `github-release`.
    pub sources: Vec<String>,
    pub commit: Option<String>,
    pub url: Option<String>,
    pub before: Option<AroundView>,
    pub after: Option<AroundView>,
    /// `None` until the window after the deploy has passed.
    pub regression: Option<bool>,
    /// The SLOs that burned their budget faster after the deploy than before.
    pub burn_rose: Vec<String>,
}

/// Which deploys the Deploys page shows; every field is in its URL.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeployQuery {
    pub service: Option<String>,
    pub owner: Option<String>,
    pub environment: Option<String>,
    pub regression: Option<bool>,
}

/// The Deploys page.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeploysView {
    pub items: Vec<DeployRecordView>,
    /// What the filters offer.
    pub services: Vec<String>,
    pub owners: Vec<String>,
    pub environments: Vec<String>,
}

/// DORA's four keys of a service over `days`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DoraView {
    pub days: u32,
    pub deploys: usize,
    pub per_day: f64,
    pub lead_time_hours: Option<f64>,
    pub lead_time_deploys: usize,
    pub failure_rate: Option<f64>,
    pub failures: usize,
    pub restore_minutes: Option<f64>,
    pub restored: usize,
}
