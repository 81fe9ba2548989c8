//! OpenSLO v1 documents (`apiVersion: openslo/v1`, kinds `SLO` and `SLI`)
//! read into [`Slo`]s, every problem at its `file:line:column`. An SLO with
//! an error is left out; one with only warnings is kept. Documents of other
//! specifications in the same files (catalog descriptors) are not ours.
//!
//! What Meridian reads, beyond the OpenSLO shape (README, "SLOs"): metric
//! sources of `type: meridian`, whose `spec` selects a service's own spans
//! (SERVER and CONSUMER), optionally one `operation`, by `status`
//! (`not-5xx`, `ok`) or by `measure: latency`.

use std::collections::BTreeMap;

use catalog::yaml::{self, Document, FieldReader};
use catalog::{Diagnostic, Location};
use marked_yaml::Node;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};

use crate::window::{Calendar, CalendarUnit, TimeWindow, calendar_start};

/// One SLO, valid.
#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// The Component the SLO is about (`spec.service`).
    pub service: String,
    pub indicator: Indicator,
    pub window: TimeWindow,
    pub objectives: Vec<Objective>,
    /// Where its document starts.
    pub location: Location,
}

/// What is counted.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Indicator {
    /// `selector`'s events over `total`'s; `counted` says whether `selector`
    /// counts good events or bad ones.
    Ratio { counted: Counted, selector: Selector, total: Selector },
    /// `selector`'s events within each objective's latency threshold, over all of them.
    Latency { selector: Selector },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Counted {
    Good,
    Bad,
}

/// A `type: meridian` metric source: some of one service's own spans.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Selector {
    pub service: String,
    /// `METHOD /route`, an RPC method or a span name, as the service page lists them.
    pub operation: Option<String>,
    pub status: Option<StatusRule>,
}

/// Which spans a `status` keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusRule {
    /// Spans without a server error: HTTP status under 500, and not ERROR
    /// unless an HTTP status says otherwise.
    Not5xx,
    /// Spans whose status is not ERROR.
    Ok,
}

/// One objective of an SLO.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    pub display_name: Option<String>,
    /// The share of good events promised, strictly between 0 and 1.
    pub target: f64,
    /// For latency SLOs: the threshold a good event is within.
    pub threshold: Option<Threshold>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Threshold {
    pub op: ThresholdOp,
    pub milliseconds: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ThresholdOp {
    Lt,
    Lte,
}

impl ThresholdOp {
    pub fn as_str(self) -> &'static str {
        match self {
            ThresholdOp::Lt => "lt",
            ThresholdOp::Lte => "lte",
        }
    }
}

/// The SLOs of a set of files, read one file at a time; `indicatorRef`s are
/// resolved across all of them by [`Definitions::finish`].
#[derive(Default)]
pub struct Definitions {
    drafts: Vec<(Slo, Option<(String, Location)>)>,
    indicators: BTreeMap<String, (Indicator, Location)>,
    diagnostics: Vec<Diagnostic>,
}

/// What [`Definitions::finish`] gives: the valid SLOs and every problem.
#[derive(Debug, Default)]
pub struct Read {
    pub slos: Vec<Slo>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Definitions {
    /// Reads the OpenSLO documents of one file (`file` names it in problems).
    pub fn add_file(&mut self, file: &str, text: &str) {
        for document in yaml::documents(file, text) {
            match document {
                Ok(document) => self.add_document(&document),
                // A file of descriptors only is the catalog's to report on.
                Err(problem) if text.contains("openslo/") => self.diagnostics.push(problem),
                Err(_) => {}
            }
        }
    }

    fn add_document(&mut self, document: &Document) {
        let Some(root) = document.root.as_mapping() else { return };
        let Some(api_version) = root.get_scalar("apiVersion") else { return };
        if !api_version.as_str().to_ascii_lowercase().starts_with("openslo/") {
            return;
        }
        let mut reader = Reader { fields: FieldReader::new(document) };
        let read = reader.document(root, api_version);
        // An SLO's problems name it, and show on its Component's page too.
        if read_kind(root) == Some("SLO") {
            let name = root.get_mapping("metadata").and_then(|m| m.get_scalar("name")).map(|n| n.as_str().to_string());
            let component = root
                .get_mapping("spec")
                .and_then(|spec| spec.get_scalar("service"))
                .map(|service| format!("component:default/{}", service.as_str().to_ascii_lowercase()));
            for problem in &mut reader.problems {
                if let Some(name) = &name {
                    problem.message = format!("SLO `{name}`: {}", problem.message);
                }
                if let Some(component) = &component {
                    problem.entity_ref.get_or_insert_with(|| component.clone());
                }
            }
        }
        let rejected = reader.problems.iter().any(Diagnostic::is_error);
        self.diagnostics.append(&mut reader.problems);
        if rejected {
            return;
        }
        match read {
            Some(Doc::Slo(slo, reference)) => self.drafts.push((*slo, reference)),
            Some(Doc::Sli(name, indicator)) => {
                let location = document.start();
                if let Some((_, first)) = self.indicators.get(&name) {
                    self.diagnostics.push(Diagnostic::error(location, format!("another SLI is named `{name}` (at {first})")));
                } else {
                    self.indicators.insert(name, (indicator, location));
                }
            }
            None => {}
        }
    }

    /// The SLOs, with `indicatorRef`s resolved and names checked unique.
    pub fn finish(mut self) -> Read {
        let mut slos: Vec<Slo> = Vec::with_capacity(self.drafts.len());
        let mut names = BTreeMap::new();
        for (mut slo, reference) in self.drafts {
            if let Some((name, location)) = reference {
                match self.indicators.get(&name) {
                    Some((indicator, _)) => slo.indicator = indicator.clone(),
                    None => {
                        self.diagnostics.push(Diagnostic::error(location, format!("indicatorRef `{name}` names no SLI document")));
                        continue;
                    }
                }
                if let Some(problem) = objectives_fit(&slo.indicator, &slo.objectives, &slo.location) {
                    self.diagnostics.push(problem);
                    continue;
                }
            }
            if let Some(first) = names.get(&slo.name) {
                self.diagnostics.push(Diagnostic::error(slo.location.clone(), format!("another SLO is named `{}` (at {first})", slo.name)));
                continue;
            }
            names.insert(slo.name.clone(), slo.location.clone());
            slos.push(slo);
        }
        Read { slos, diagnostics: self.diagnostics }
    }
}

/// The SLOs of these files (name as in problems, text).
pub fn read_files(files: &[(String, String)]) -> Read {
    let mut definitions = Definitions::default();
    for (file, text) in files {
        definitions.add_file(file, text);
    }
    definitions.finish()
}

fn read_kind(root: &MarkedMappingNode) -> Option<&str> {
    root.get_scalar("kind").map(|kind| kind.as_str())
}

/// Warnings for SLOs about services `known` does not know.
pub fn unknown_services(slos: &[Slo], known: impl Fn(&str) -> bool) -> Vec<Diagnostic> {
    slos.iter()
        .filter(|slo| !known(&slo.service))
        .map(|slo| {
            Diagnostic::warning(
                slo.location.clone(),
                format!("SLO `{}` is about service `{}`, which no Component of the catalog is", slo.name, slo.service),
            )
        })
        .collect()
}

enum Doc {
    Slo(Box<Slo>, Option<(String, Location)>),
    Sli(String, Indicator),
}

/// An indicator as written: inline, or named.
enum IndicatorSource {
    Inline(Indicator),
    Ref(String, Location),
}

/// Reads one document, collecting problems (the field helpers are the catalog's).
struct Reader<'d> {
    fields: FieldReader<'d>,
}

impl<'d> std::ops::Deref for Reader<'d> {
    type Target = FieldReader<'d>;
    fn deref(&self) -> &FieldReader<'d> {
        &self.fields
    }
}

impl std::ops::DerefMut for Reader<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.fields
    }
}

impl Reader<'_> {
    fn document(&mut self, root: &MarkedMappingNode, api_version: &MarkedScalarNode) -> Option<Doc> {
        if api_version.as_str() != "openslo/v1" {
            let location = self.at_scalar(api_version);
            self.error(location, format!("apiVersion `{}` is not read; Meridian reads `openslo/v1`", api_version.as_str()));
            return None;
        }
        let kind = self.string(root, "kind", true)?;
        let kind_location = self.at_scalar(kind);
        let metadata = self.mapping(root, "metadata", true)?;
        let name = self.string(metadata, "name", true)?.as_str().to_string();
        let display_name = self.string(metadata, "displayName", false).map(|s| s.as_str().to_string());
        let spec = self.mapping(root, "spec", true)?;
        match kind.as_str() {
            "SLO" => {
                let slo = self.slo(name, display_name, spec);
                slo.map(|(slo, reference)| Doc::Slo(Box::new(slo), reference))
            }
            "SLI" => self.indicator(spec).map(|indicator| Doc::Sli(name, indicator)),
            other => {
                self.warning(kind_location, format!("OpenSLO kind `{other}` is passed over; Meridian reads kinds SLO and SLI"));
                None
            }
        }
    }

    fn slo(&mut self, name: String, display_name: Option<String>, spec: &MarkedMappingNode) -> Option<(Slo, Option<(String, Location)>)> {
        let service = self.string(spec, "service", true).map(|s| s.as_str().to_string());
        let description = self.string(spec, "description", false).map(|s| s.as_str().to_string());
        self.budgeting_method(spec);
        let indicator = match (spec.get_node("indicator"), self.string(spec, "indicatorRef", false)) {
            (Some(_), Some(reference)) => {
                let location = self.at_scalar(reference);
                self.error(location, "give `indicator` or `indicatorRef`, not both");
                None
            }
            (Some(_), None) => {
                let inline = self.mapping(spec, "indicator", true);
                inline
                    .and_then(|inline| self.mapping(inline, "spec", true))
                    .and_then(|spec| self.indicator(spec))
                    .map(IndicatorSource::Inline)
            }
            (None, Some(reference)) => Some(IndicatorSource::Ref(reference.as_str().to_string(), self.at_scalar(reference))),
            (None, None) => self.missing(spec, "indicator` or `indicatorRef"),
        };
        let window = self.time_window(spec);
        let objectives = self.objectives(spec);
        let (service, indicator, window, objectives) = (service?, indicator?, window?, objectives?);
        let location = self.document.start();
        let (indicator, reference) = match indicator {
            IndicatorSource::Inline(indicator) => {
                if let Some(problem) = objectives_fit(&indicator, &objectives, &location) {
                    self.problems.push(problem);
                    return None;
                }
                (indicator, None)
            }
            // A stand-in until `finish` resolves the name; checked against
            // the objectives then.
            IndicatorSource::Ref(name, at) => (Indicator::Latency { selector: Selector::default() }, Some((name, at))),
        };
        Some((Slo { name, display_name, description, service, indicator, window, objectives, location }, reference))
    }

    fn budgeting_method(&mut self, spec: &MarkedMappingNode) {
        let Some(method) = self.string(spec, "budgetingMethod", true) else { return };
        let location = self.at_scalar(method);
        match method.as_str() {
            "Occurrences" => {}
            "Timeslices" | "RatioTimeslices" => self.error(
                location,
                format!(
                    "budgetingMethod `{}` is not supported: Meridian budgets by events (`budgetingMethod: Occurrences`)",
                    method.as_str()
                ),
            ),
            other => self.error(location, format!("unknown budgetingMethod `{other}`; use `Occurrences`")),
        }
    }

    /// An SLI's `spec` (or an inline indicator's).
    fn indicator(&mut self, spec: &MarkedMappingNode) -> Option<Indicator> {
        match (self.mapping(spec, "ratioMetric", false), self.mapping(spec, "thresholdMetric", false)) {
            (Some(ratio), None) => self.ratio(ratio),
            (None, Some(threshold)) => {
                let (selector, latency) = self.metric_source(threshold)?;
                if !latency {
                    let location = self.at_mapping(threshold);
                    self.error(location, "a thresholdMetric counts latency: add `measure: latency` to its metric source's spec");
                    return None;
                }
                if selector.status.is_some() {
                    let location = self.at_mapping(threshold);
                    self.error(location, "`status` does not combine with `measure: latency`: latency counts every span of the selection");
                    return None;
                }
                Some(Indicator::Latency { selector })
            }
            (Some(_), Some(_)) => {
                let location = self.at_mapping(spec);
                self.error(location, "give `ratioMetric` or `thresholdMetric`, not both");
                None
            }
            (None, None) => self.missing(spec, "ratioMetric` or `thresholdMetric"),
        }
    }

    fn ratio(&mut self, ratio: &MarkedMappingNode) -> Option<Indicator> {
        if ratio.get_node("raw").is_some() {
            let location = self.at_mapping(ratio);
            self.error(location, "`raw` ratios are not supported; give `good` or `bad`, and `total`");
            return None;
        }
        let counted = match (ratio.get_node("good").is_some(), ratio.get_node("bad").is_some()) {
            (true, false) => Counted::Good,
            (false, true) => Counted::Bad,
            (true, true) => {
                let location = self.at_mapping(ratio);
                self.error(location, "give `good` or `bad`, not both");
                return None;
            }
            (false, false) => return self.missing(ratio, "good` or `bad"),
        };
        let key = if counted == Counted::Good { "good" } else { "bad" };
        let selector = self.mapping(ratio, key, true).and_then(|m| self.ratio_side(m));
        let total = self.mapping(ratio, "total", true).and_then(|m| self.ratio_side(m));
        Some(Indicator::Ratio { counted, selector: selector?, total: total? })
    }

    fn ratio_side(&mut self, side: &MarkedMappingNode) -> Option<Selector> {
        let (selector, latency) = self.metric_source(side)?;
        if latency {
            let location = self.at_mapping(side);
            self.error(location, "`measure: latency` belongs to a thresholdMetric, not a ratio");
            return None;
        }
        Some(selector)
    }

    /// `metricSource: {type: meridian, spec: {...}}` under `parent`; the
    /// selector and whether it measures latency.
    fn metric_source(&mut self, parent: &MarkedMappingNode) -> Option<(Selector, bool)> {
        let source = self.mapping(parent, "metricSource", true)?;
        let kind = self.string(source, "type", true)?;
        if !kind.as_str().eq_ignore_ascii_case("meridian") {
            let location = self.at_scalar(kind);
            self.error(
                location,
                format!("unknown metric source type `{}`: Meridian computes SLOs from its own traces; use `type: meridian`", kind.as_str()),
            );
            return None;
        }
        let spec = self.mapping(source, "spec", true)?;
        for (key, _) in spec.iter() {
            if !["service", "operation", "status", "measure"].contains(&key.as_str()) {
                let location = self.at_scalar(key);
                self.warning(
                    location,
                    format!("unknown field `{}` is ignored; a meridian source reads service, operation, status and measure", key.as_str()),
                );
            }
        }
        let service = self.string(spec, "service", true).map(|s| s.as_str().to_string());
        let operation = self.string(spec, "operation", false).map(|s| s.as_str().to_string());
        let status = match self.string(spec, "status", false) {
            None => Some(None),
            Some(status) => match status.as_str() {
                "not-5xx" => Some(Some(StatusRule::Not5xx)),
                "ok" => Some(Some(StatusRule::Ok)),
                other => {
                    let location = self.at_scalar(status);
                    self.error(location, format!("unknown status `{other}`; use `not-5xx` or `ok`"));
                    None
                }
            },
        };
        let latency = match self.string(spec, "measure", false) {
            None => Some(false),
            Some(measure) if measure.as_str() == "latency" => Some(true),
            Some(measure) => {
                let location = self.at_scalar(measure);
                self.error(location, format!("unknown measure `{}`; use `latency`", measure.as_str()));
                None
            }
        };
        Some((Selector { service: service?, operation, status: status? }, latency?))
    }

    fn time_window(&mut self, spec: &MarkedMappingNode) -> Option<TimeWindow> {
        let windows = match spec.get_node("timeWindow") {
            None => return self.missing(spec, "timeWindow"),
            Some(Node::Sequence(windows)) if windows.len() == 1 => windows,
            Some(other) => {
                let location = self.at(other);
                self.error(location, "`timeWindow` must be a list of exactly one window");
                return None;
            }
        };
        let Some(window) = windows.get_mapping(0) else {
            let location = self.at(&windows[0]);
            self.error(location, "a time window must be a mapping with `duration` and `isRolling`");
            return None;
        };
        let duration = self.string(window, "duration", true)?;
        let duration_location = self.at_scalar(duration);
        let Some((count, unit)) = parse_duration(duration.as_str()) else {
            self.error(duration_location, format!("`{}` is not a duration such as `28d`, `4w`, `1M`", duration.as_str()));
            return None;
        };
        let rolling = match window.get_scalar("isRolling").map(|s| s.as_str()) {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                let location = self.at(window.get_node("isRolling")?);
                self.error(location, format!("isRolling must be true or false, not `{other}`"));
                return None;
            }
        };
        if rolling {
            let minutes = match unit {
                'm' => count,
                'h' => count * 60,
                'd' => count * 1440,
                'w' => count * 7 * 1440,
                _ => {
                    self.error(
                        duration_location,
                        "a rolling window is measured in m, h, d or w; calendar months need `isRolling: false` and a `calendar`",
                    );
                    return None;
                }
            };
            if !(5..=90 * 1440).contains(&minutes) {
                self.error(duration_location, "a rolling window lasts from 5m to 90d (hour buckets are kept 90 days)");
                return None;
            }
            return Some(TimeWindow::Rolling { minutes });
        }
        let Ok(count) = u32::try_from(count) else {
            self.error(duration_location, "a calendar window of that many periods is too long");
            return None;
        };
        let every = match unit {
            'd' => CalendarUnit::Days(count),
            'w' => CalendarUnit::Weeks(count),
            'M' => CalendarUnit::Months(count),
            'Q' => CalendarUnit::Months(count * 3),
            'Y' => CalendarUnit::Months(count * 12),
            _ => {
                self.error(duration_location, "a calendar window is measured in d, w, M, Q or Y");
                return None;
            }
        };
        let calendar = self.mapping(window, "calendar", true)?;
        let start_time = self.string(calendar, "startTime", true);
        let time_zone = self.string(calendar, "timeZone", true);
        let (start_time, time_zone) = (start_time?, time_zone?);
        match calendar_start(start_time.as_str(), time_zone.as_str()) {
            Ok(start) => Some(TimeWindow::Calendar(Calendar { start, every })),
            Err(message) => {
                let location = self.at_mapping(calendar);
                self.error(location, message);
                None
            }
        }
    }

    fn objectives(&mut self, spec: &MarkedMappingNode) -> Option<Vec<Objective>> {
        let list = match spec.get_node("objectives") {
            None => return self.missing(spec, "objectives"),
            Some(Node::Sequence(list)) if !list.is_empty() => list,
            Some(other) => {
                let location = self.at(other);
                self.error(location, "`objectives` must be a non-empty list");
                return None;
            }
        };
        let mut objectives = Vec::new();
        let mut failed = false;
        for node in list.iter() {
            match node.as_mapping().and_then(|m| self.objective(m)) {
                Some(objective) => objectives.push(objective),
                None => {
                    if node.as_mapping().is_none() {
                        let location = self.at(node);
                        self.error(location, "an objective must be a mapping with `target` or `targetPercent`");
                    }
                    failed = true;
                }
            }
        }
        (!failed).then_some(objectives)
    }

    fn objective(&mut self, objective: &MarkedMappingNode) -> Option<Objective> {
        let display_name = self.string(objective, "displayName", false).map(|s| s.as_str().to_string());
        let target = match (self.number(objective, "target"), self.number(objective, "targetPercent")) {
            (Some(Some((fraction, at))), None) => Some((fraction, at)),
            (None, Some(Some((percent, at)))) => Some((percent / 100.0, at)),
            (Some(_), Some(_)) => {
                let location = self.at_mapping(objective);
                self.error(location, "give `target` or `targetPercent`, not both");
                None
            }
            (None, None) => self.missing(objective, "target"),
            _ => None,
        }?;
        let (target, at) = target;
        if !(target > 0.0 && target < 1.0) {
            let why = if target >= 1.0 { "leaves no error budget" } else { "is met by any traffic" };
            self.error(
                at,
                format!("the target {target} {why}: give a share above 0 and below 1 such as 0.999 (or `targetPercent` such as 99.9)"),
            );
            return None;
        }
        let op = self.string(objective, "op", false);
        let value = self.number(objective, "value");
        let threshold = match (op, value) {
            (None, None) => None,
            (Some(op), Some(Some((milliseconds, at)))) => {
                let op = match op.as_str() {
                    "lt" => ThresholdOp::Lt,
                    "lte" => ThresholdOp::Lte,
                    other => {
                        let location = self.at_scalar(op);
                        self.error(
                            location,
                            format!("op `{other}` does not fit latency: a good span is within the threshold, use `lt` or `lte`"),
                        );
                        return None;
                    }
                };
                if milliseconds <= 0.0 {
                    self.error(at, "the latency threshold (`value`, in milliseconds) must be above 0");
                    return None;
                }
                Some(Threshold { op, milliseconds })
            }
            (Some(_), None) => return self.missing(objective, "value"),
            (None, Some(_)) => return self.missing(objective, "op"),
            (Some(_), Some(None)) => return None,
        };
        Some(Objective { display_name, target, threshold })
    }

    /// A number under `key`: `None` if absent, `Some(None)` if not a number
    /// (reported), else the number and where it is.
    fn number(&mut self, parent: &MarkedMappingNode, key: &str) -> Option<Option<(f64, Location)>> {
        let node = parent.get_node(key)?;
        let location = self.at(node);
        match node.as_scalar().and_then(|s| s.as_str().trim().parse::<f64>().ok()).filter(|n| n.is_finite()) {
            Some(number) => Some(Some((number, location))),
            None => {
                self.error(location, format!("`{key}` must be a number"));
                Some(None)
            }
        }
    }
}

/// Latency objectives need a latency indicator, and only they have thresholds.
fn objectives_fit(indicator: &Indicator, objectives: &[Objective], location: &Location) -> Option<Diagnostic> {
    let latency = matches!(indicator, Indicator::Latency { .. });
    objectives.iter().find_map(|objective| match (latency, objective.threshold.is_some()) {
        (true, false) => Some(Diagnostic::error(location.clone(), "a latency SLO's objectives each need `op` and `value` (milliseconds)")),
        (false, true) => {
            Some(Diagnostic::error(location.clone(), "`op` and `value` belong to objectives of a thresholdMetric (latency) SLO"))
        }
        _ => None,
    })
}

/// OpenSLO's duration shorthand: a positive count and one of m h d w M Q Y.
fn parse_duration(text: &str) -> Option<(u64, char)> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let count: u64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    (count > 0 && "mhdwMQY".contains(unit)).then_some((count, unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(files: &[(&str, &str)]) -> Read {
        let mut definitions = Definitions::default();
        for (file, text) in files {
            definitions.add_file(file, text);
        }
        definitions.finish()
    }

    /// The problems as `file:line:column: severity: message` lines.
    fn problems(read: &Read) -> Vec<String> {
        read.diagnostics.iter().map(ToString::to_string).collect()
    }

    const RATIO: &str = "\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
  displayName: Checkout availability
spec:
  service: checkout
  budgetingMethod: Occurrences
  indicator:
    metadata: {name: good-orders}
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource: {type: meridian, spec: {service: checkout, operation: POST /orders, status: ok}}
        total:
          metricSource: {type: meridian, spec: {service: checkout, operation: POST /orders}}
  timeWindow:
    - duration: 28d
      isRolling: true
  objectives:
    - displayName: 99 %
      targetPercent: 99
    - target: 0.95
";

    #[test]
    fn the_demo_fleets_slos_are_read_whole() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../demo/catalog/slos.yaml")).expect("demo SLOs");
        let read = read(&[("slos.yaml", &text)]);
        assert_eq!(problems(&read), Vec::<String>::new());
        assert!(read.slos.len() >= 3, "{:?}", read.slos.iter().map(|s| &s.name).collect::<Vec<_>>());
        let latency = read.slos.iter().find(|s| s.name == "gateway-latency").expect("gateway-latency");
        assert_eq!(
            latency.indicator,
            Indicator::Latency { selector: Selector { service: "gateway".into(), operation: None, status: None } }
        );
        assert_eq!(latency.objectives[0].threshold, Some(Threshold { op: ThresholdOp::Lte, milliseconds: 300.0 }));
        assert_eq!(latency.window, TimeWindow::Rolling { minutes: 28 * 1440 });
        assert_eq!((latency.location.line, latency.location.column), (29, 1), "where its document starts");
    }

    #[test]
    fn a_ratio_of_bad_events_with_two_objectives() {
        let read = read(&[("slos.yaml", RATIO)]);
        assert_eq!(problems(&read), Vec::<String>::new());
        let [slo] = &read.slos[..] else { panic!("one SLO: {:?}", read.slos) };
        let Indicator::Ratio { counted, selector, total } = &slo.indicator else { panic!("a ratio") };
        assert_eq!(*counted, Counted::Bad);
        assert_eq!(selector.status, Some(StatusRule::Ok));
        assert_eq!(total.operation.as_deref(), Some("POST /orders"));
        assert_eq!(slo.objectives.iter().map(|o| o.target).collect::<Vec<_>>(), [0.99, 0.95]);
        assert_eq!(slo.display_name.as_deref(), Some("Checkout availability"));
    }

    #[test]
    fn an_indicator_ref_finds_its_sli_in_another_file() {
        let sli = "apiVersion: openslo/v1\nkind: SLI\nmetadata: {name: fast}\nspec:\n  thresholdMetric:\n    metricSource: {type: meridian, spec: {service: search, measure: latency}}\n";
        let slo = "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: search-latency}\nspec:\n  service: search\n  budgetingMethod: Occurrences\n  indicatorRef: fast\n  timeWindow: [{duration: 7d, isRolling: true}]\n  objectives: [{op: lt, value: 250, target: 0.9}]\n";
        let dangling = slo.replace("search-latency", "other").replace("indicatorRef: fast", "indicatorRef: slow");
        let read = read(&[("slo.yaml", slo), ("dangling.yaml", &dangling), ("sli.yaml", sli)]);
        assert_eq!(read.slos.len(), 1);
        assert!(matches!(&read.slos[0].indicator, Indicator::Latency { selector } if selector.service == "search"));
        assert_eq!(problems(&read), ["dangling.yaml:7:17: error: indicatorRef `slow` names no SLI document"]);
    }

    #[test]
    fn each_problem_names_its_place() {
        let cases: [(&str, &str, &str); 12] = [
            ("type: meridian", "type: prometheus", "15:32: error: SLO `checkout-availability`: unknown metric source type `prometheus`"),
            ("targetPercent: 99", "targetPercent: 100", "23:22: error: SLO `checkout-availability`: the target 1 leaves no error budget"),
            ("duration: 28d", "duration: 28 days", "19:17: error: SLO `checkout-availability`: `28 days` is not a duration"),
            ("duration: 28d", "duration: 1M", "19:17: error: SLO `checkout-availability`: a rolling window is measured in m, h, d or w"),
            (
                "budgetingMethod: Occurrences",
                "budgetingMethod: Timeslices",
                "8:20: error: SLO `checkout-availability`: budgetingMethod `Timeslices` is not supported",
            ),
            ("status: ok", "status: 2xx", "15:101: error: SLO `checkout-availability`: unknown status `2xx`"),
            ("  service: checkout\n  budget", "  budget", "7:3: error: SLO `checkout-availability`: `service` is required here"),
            ("openslo/v1", "openslo/v1alpha", "1:13: error: SLO `checkout-availability`: apiVersion `openslo/v1alpha` is not read"),
            ("kind: SLO", "kind: AlertPolicy", "2:7: warning: OpenSLO kind `AlertPolicy` is passed over"),
            (
                "    - target: 0.95\n",
                "    - target: 0.95\n      op: lte\n      value: 10\n",
                "1:1: error: SLO `checkout-availability`: `op` and `value` belong to objectives of a thresholdMetric",
            ),
            (
                "operation: POST /orders, status",
                "operation: POST /orders, colour: red, status",
                "15:93: warning: SLO `checkout-availability`: unknown field `colour` is ignored",
            ),
            ("      isRolling: true", "      isRolling: false", "19:7: error: SLO `checkout-availability`: `calendar` is required here"),
        ];
        for (from, to, expected) in cases {
            let text = RATIO.replacen(from, to, 1);
            assert_ne!(text, RATIO, "{from}");
            let read = read(&[("slos.yaml", &text)]);
            let found = problems(&read);
            assert!(
                found.iter().any(|p| p.starts_with(&format!("slos.yaml:{expected}"))),
                "{from} → {to}: expected {expected}, found {found:?}"
            );
            // Only the unknown field leaves an SLO (an AlertPolicy is none).
            let kept = usize::from(expected.contains("unknown field"));
            assert_eq!(read.slos.len(), kept, "{from} → {to}: kept only with warnings");
        }
    }

    #[test]
    fn a_calendar_window_and_duplicate_names() {
        let calendar = RATIO.replacen(
            "    - duration: 28d\n      isRolling: true\n",
            "    - duration: 1M\n      isRolling: false\n      calendar: {startTime: \"2024-01-01 00:00:00\", timeZone: Europe/Berlin}\n",
            1,
        );
        let read = read(&[("a.yaml", &calendar), ("b.yaml", RATIO)]);
        assert!(matches!(&read.slos[0].window, TimeWindow::Calendar(c) if c.every == CalendarUnit::Months(1)));
        assert_eq!(read.slos.len(), 1);
        assert_eq!(problems(&read), ["b.yaml:1:1: error: another SLO is named `checkout-availability` (at a.yaml:1:1)"]);
    }

    #[test]
    fn descriptors_beside_slos_are_not_ours() {
        let text = format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: x}}\n---\n{RATIO}");
        let read = read(&[("all.yaml", &text)]);
        assert_eq!((read.slos.len(), problems(&read)), (1, Vec::<String>::new()));
        assert_eq!(read.slos[0].location.line, 5);
        let broken = read_one("kind: Component\nmetadata: [\n");
        assert!(broken.diagnostics.is_empty(), "a broken descriptor file is the catalog's to report");
    }

    fn read_one(text: &str) -> Read {
        read(&[("one.yaml", text)])
    }

    #[test]
    fn unknown_services_are_warnings() {
        let read = read_one(RATIO);
        let warnings = unknown_services(&read.slos, |service| service == "gateway");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].to_string().contains("warning: SLO `checkout-availability` is about service `checkout`"));
        assert!(unknown_services(&read.slos, |service| service == "checkout").is_empty());
    }
}
