//! What one objective counts, minute by minute, from the stored RED of a
//! service's own spans: its series. Objectives that count alike (the same
//! indicator and threshold) share one series, named by a hash of what it
//! counts, so a changed target keeps its history and a changed indicator
//! starts a new one.

use collector::RedStats;
use slo::definition::{Counted, ThresholdOp};
use slo::{Counts, Indicator, Objective, Selector, Slo, StatusRule};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Series {
    indicator: Indicator,
    /// For latency: the threshold in µs, and whether it is inclusive.
    threshold: Option<(u64, bool)>,
}

impl Series {
    pub fn of(slo: &Slo, objective: &Objective) -> Self {
        let threshold = objective.threshold.map(|t| ((t.milliseconds * 1000.0).round() as u64, t.op == ThresholdOp::Lte));
        Series { indicator: slo.indicator.clone(), threshold }
    }

    /// The series' name in the database: a hash of what it counts, spelled
    /// out field by field (not `Debug`, which may change with the code).
    pub fn key(&self) -> String {
        let mut text = String::new();
        match &self.indicator {
            Indicator::Ratio { counted, selector, total } => {
                text.push_str(if *counted == Counted::Good { "good" } else { "bad" });
                spell(&mut text, selector);
                text.push_str("\u{1e}total");
                spell(&mut text, total);
            }
            Indicator::Latency { selector } => {
                text.push_str("latency");
                spell(&mut text, selector);
            }
        }
        if let Some((micros, inclusive)) = self.threshold {
            text.push_str(&format!("\u{1e}{}{micros}", if inclusive { "lte" } else { "lt" }));
        }
        format!("{:016x}", catalog::stable_hash(text.as_bytes()))
    }

    /// Good and total events of one minute; `red` gives a selection's RED
    /// that minute (its service's, or one operation's), if it had any.
    pub fn count<'a>(&self, red: impl Fn(&Selector) -> Option<&'a RedStats>) -> Counts {
        match &self.indicator {
            Indicator::Ratio { counted, selector, total } => {
                let (part, total) =
                    (red(selector).map_or(0, |r| passing(r, selector.status)), red(total).map_or(0, |r| passing(r, total.status)));
                match counted {
                    Counted::Good => Counts::new(part, total),
                    Counted::Bad => Counts::new(total.saturating_sub(part), total),
                }
            }
            Indicator::Latency { selector } => {
                let Some(stats) = red(selector) else { return Counts::default() };
                let (micros, inclusive) = self.threshold.unwrap_or((u64::MAX, true));
                Counts::new(stats.latency.count_within(micros, inclusive), stats.requests)
            }
        }
    }
}

impl Series {
    /// Whether a minute's counts are estimates: some RED it counts rests
    /// on sampled spans.
    pub fn sampled<'a>(&self, red: impl Fn(&Selector) -> Option<&'a RedStats>) -> bool {
        let selectors: [Option<&Selector>; 2] = match &self.indicator {
            Indicator::Ratio { selector, total, .. } => [Some(selector), Some(total)],
            Indicator::Latency { selector } => [Some(selector), None],
        };
        selectors.into_iter().flatten().any(|s| red(s).is_some_and(RedStats::estimated))
    }
}

fn spell(text: &mut String, selector: &Selector) {
    let status = match selector.status {
        None => "",
        Some(StatusRule::Not5xx) => "not-5xx",
        Some(StatusRule::Ok) => "ok",
    };
    text.push_str(&format!("\u{1f}{}\u{1f}{}\u{1f}{status}", selector.service, selector.operation.as_deref().unwrap_or("")));
}

/// The requests of `stats` that `status` lets pass.
fn passing(stats: &RedStats, status: Option<StatusRule>) -> u64 {
    match status {
        None => stats.requests,
        Some(StatusRule::Not5xx) => stats.requests.saturating_sub(stats.server_errors),
        Some(StatusRule::Ok) => stats.requests.saturating_sub(stats.status_errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn slos(text: &str) -> Vec<Slo> {
        let mut definitions = slo::Definitions::default();
        definitions.add_file("t.yaml", text);
        let read = definitions.finish();
        assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
        read.slos
    }

    const DEMO: &str = include_str!("../../../demo/catalog/slos.yaml");

    #[test]
    fn each_indicator_counts_its_own_events() {
        let slos = slos(DEMO);
        let mut red = RedStats::default();
        for i in 0..100u64 {
            let outcome = collector::Outcome { error: i < 3, server_error: i < 2, status_error: i == 2, caller_failure: i < 3 };
            red.record(outcome, Duration::from_millis(if i < 90 { 100 } else { 500 }), 1);
        }
        let count = |name: &str| {
            let slo = slos.iter().find(|s| s.name == name).expect(name);
            Series::of(slo, &slo.objectives[0]).count(|_| Some(&red))
        };
        assert_eq!(count("gateway-availability"), Counts::new(98, 100), "not-5xx: two server errors are bad");
        assert_eq!(count("gateway-latency"), Counts::new(90, 100), "within 300 ms");
        let nothing = slos.iter().find(|s| s.name == "gateway-latency").map(|s| Series::of(s, &s.objectives[0]).count(|_| None));
        assert_eq!(nothing, Some(Counts::default()));
    }

    #[test]
    fn keys_follow_what_is_counted_not_the_target() {
        let slos = slos(DEMO);
        let keys: Vec<String> = slos.iter().map(|s| Series::of(s, &s.objectives[0]).key()).collect();
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), keys.len(), "distinct indicators, distinct series");
        let mut retargeted = slos[0].objectives[0].clone();
        retargeted.target = 0.5;
        assert_eq!(Series::of(&slos[0], &retargeted).key(), keys[0]);
        assert_eq!(keys[0].len(), 16);
    }
}
