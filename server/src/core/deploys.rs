//! Deploy history: deploys detected in traces (a `service.version` that
//! changed) and deploys reported to Meridian, one history. The same deploy
//! from several sources (same service and version, or same service and
//! commit) is one deploy listing all its sources. Each deploy is compared
//! with the traffic around it once the comparison window after it has
//! passed: error rate and p95 before and after, and whether either worsened
//! beyond [`RegressionRule`].

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use collector::{Deploy, RedStats};
use serde::Serialize;

use super::{Core, Error, refs};
use crate::slos::BurnChange;
pub use crate::store::{DeploySource, ReportedDeploy};

/// A service's served requests over the window before or after a deploy.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Around {
    /// Requests served (estimated when sampled).
    pub requests: u64,
    /// Errors over requests; `None` without requests.
    pub error_rate: Option<f64>,
    pub p95_ms: Option<f64>,
    /// Spans the figures rest on.
    pub kept_spans: u64,
    /// Whether the figures are estimates from sampled spans.
    pub estimated: bool,
}

impl Around {
    fn of(red: &RedStats) -> Self {
        let any = red.requests > 0;
        Around {
            requests: red.requests,
            error_rate: any.then(|| red.errors as f64 / red.requests as f64),
            p95_ms: any.then(|| red.quantile_ms(0.95)),
            kept_spans: red.kept,
            estimated: red.estimated(),
        }
    }
}

/// When a deploy counts as a regression: over equal windows before and
/// after it, the error rate rose by more than `error_rate_points` (0.01: one
/// percentage point) or p95 grew by more than `p95_ratio` times, each side
/// resting on at least `min_kept_spans` kept spans (an estimate of
/// many requests from a few sampled ones is no evidence).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RegressionRule {
    pub window: Duration,
    pub error_rate_points: f64,
    pub p95_ratio: f64,
    pub min_kept_spans: u64,
}

pub const DEFAULT_REGRESSION_RULE: RegressionRule =
    RegressionRule { window: Duration::from_secs(15 * 60), error_rate_points: 0.01, p95_ratio: 1.5, min_kept_spans: 10 };

impl Default for RegressionRule {
    fn default() -> Self {
        DEFAULT_REGRESSION_RULE
    }
}

impl RegressionRule {
    /// Whether `after` is worse than `before`; `None` with too few requests to say.
    pub fn judge(&self, before: Around, after: Around) -> Option<bool> {
        if before.kept_spans < self.min_kept_spans || after.kept_spans < self.min_kept_spans {
            return None;
        }
        let errors = matches!((before.error_rate, after.error_rate), (Some(b), Some(a)) if a - b > self.error_rate_points);
        let latency = matches!((before.p95_ms, after.p95_ms), (Some(b), Some(a)) if a > b * self.p95_ratio);
        Some(errors || latency)
    }
}

/// One deploy, from every source that told of it.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeployRecord {
    pub service: String,
    /// The owner (an entity ref) of the service's Component, where the catalog has one.
    pub owner: Option<String>,
    pub version: String,
    /// The version before, when traces saw it.
    pub from_version: Option<String>,
    pub environment: Option<String>,
    /// Unix seconds: when traces first saw the version, else the earliest report.
    #[serde(skip)]
    pub at_unix_secs: i64,
    /// RFC 3339.
    pub at: String,
    pub sources: Vec<DeploySource>,
    pub commit: Option<String>,
    pub url: Option<String>,
    pub before: Option<Around>,
    pub after: Option<Around>,
    /// `None` until the window after the deploy has passed, or with too little traffic to judge.
    pub regression: Option<bool>,
    /// The service's SLO objectives that burned faster after the deploy than before.
    pub burn_rose: Vec<BurnChange>,
}

/// Which deploys a history read returns: those since `since` (unix
/// seconds) that every given field keeps, newest first, at most `limit`.
#[derive(Clone, Debug)]
pub struct DeployFilter {
    pub service: Option<String>,
    /// An owner as a descriptor may write it (`team-shop`, see [`super::refs`]): its Components' deploys.
    pub owner: Option<String>,
    pub environment: Option<String>,
    /// Only deploys judged a regression (`true`), or judged not one (`false`).
    pub regression: Option<bool>,
    pub since: i64,
    pub limit: usize,
}

impl DeployFilter {
    /// Every deploy since `since`, at most `limit`.
    pub fn since(since: i64, limit: usize) -> Self {
        Self { service: None, owner: None, environment: None, regression: None, since, limit }
    }
}

/// A deploy history, and what its filters could choose from over the
/// same period (every service, owner and environment that deployed; the
/// one service's when the filter names one), sorted.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct DeployHistory {
    pub items: Vec<DeployRecord>,
    pub services: Vec<String>,
    pub owners: Vec<String>,
    pub environments: Vec<String>,
}

/// Detected and reported deploys as one history, newest first.
pub fn merge(detected: &[Deploy], reported: &[ReportedDeploy]) -> Vec<DeployRecord> {
    let mut records: Vec<DeployRecord> = Vec::new();
    let mut by_version: HashMap<(String, String), usize> = HashMap::new();
    for deploy in detected {
        let key = (deploy.service.to_string(), deploy.to_version.to_string());
        let at = (deploy.at_unix_nanos / 1_000_000_000) as i64;
        if let Some(&i) = by_version.get(&key) {
            // A version seen to arrive again (a rollback undone): its latest arrival.
            records[i].at_unix_secs = records[i].at_unix_secs.max(at);
            continue;
        }
        by_version.insert(key.clone(), records.len());
        records.push(DeployRecord {
            service: key.0,
            owner: None,
            version: key.1,
            from_version: Some(deploy.from_version.to_string()),
            environment: deploy.environment.as_deref().map(str::to_string),
            at_unix_secs: at,
            at: String::new(),
            sources: vec![DeploySource::Traces],
            commit: None,
            url: None,
            before: None,
            after: None,
            regression: None,
            burn_rose: Vec::new(),
        });
    }
    // Reports of a version already known first: a report naming only a
    // commit can then find that version's commit.
    let (known, others): (Vec<&ReportedDeploy>, Vec<&ReportedDeploy>) =
        reported.iter().partition(|r| by_version.contains_key(&(r.service.clone(), r.version.clone())));
    for report in known.into_iter().chain(others) {
        let source = report.source;
        let same_commit = |r: &DeployRecord| r.service == report.service && report.commit.is_some() && r.commit == report.commit;
        let found =
            by_version.get(&(report.service.clone(), report.version.clone())).copied().or_else(|| records.iter().position(same_commit));
        match found {
            Some(i) => {
                let record = &mut records[i];
                if !record.sources.contains(&source) {
                    record.sources.push(source);
                    record.sources.sort();
                }
                if !record.sources.contains(&DeploySource::Traces) {
                    record.at_unix_secs = record.at_unix_secs.min(report.at_unix_secs);
                }
                record.commit = record.commit.take().or_else(|| report.commit.clone());
                record.url = record.url.take().or_else(|| report.url.clone());
                record.environment = record.environment.take().or_else(|| report.environment.clone());
            }
            None => {
                by_version.insert((report.service.clone(), report.version.clone()), records.len());
                records.push(DeployRecord {
                    service: report.service.clone(),
                    owner: None,
                    version: report.version.clone(),
                    from_version: None,
                    environment: report.environment.clone(),
                    at_unix_secs: report.at_unix_secs,
                    at: String::new(),
                    sources: vec![source],
                    commit: report.commit.clone(),
                    url: report.url.clone(),
                    before: None,
                    after: None,
                    regression: None,
                    burn_rose: Vec::new(),
                });
            }
        }
    }
    for record in &mut records {
        record.at = slo::window::rfc3339(record.at_unix_secs.max(0) as u64);
    }
    records.sort_by(|a, b| b.at_unix_secs.cmp(&a.at_unix_secs).then_with(|| a.service.cmp(&b.service)));
    records
}

/// How long after its window a comparison is kept as final: spans may
/// arrive late (the collector pairs halves for up to 10 minutes).
const SETTLED_SECS: i64 = 15 * 60;

/// Comparisons already made: the windows around a deploy no longer change
/// once passed and settled.
pub type Comparisons = Arc<Mutex<HashMap<(String, String, i64), Comparison>>>;

/// A deploy's traffic before and after, and the objectives that burned faster after.
#[derive(Clone, Debug)]
pub struct Comparison {
    before: Around,
    after: Around,
    burn_rose: Vec<BurnChange>,
}

impl Core {
    /// The latest `limit` deploys of any service, newest first.
    pub async fn recent_deploys(&self, limit: u32) -> Result<Vec<Deploy>, Error> {
        Ok(self.store.recent_deploys(limit).await?)
    }

    /// Records a reported deploy (again: replaced). A deploy of a service
    /// no Component names is kept all the same (its traffic, or its
    /// Component, may come later); what comes back says so.
    pub async fn report_deploy(&self, deploy: &ReportedDeploy) -> Result<Option<String>, Error> {
        if deploy.service.trim().is_empty() || deploy.version.trim().is_empty() {
            return Err(Error::Invalid("a deploy needs a `service` and a `version`".to_string()));
        }
        self.store.report_deploy(deploy).await?;
        let key = catalog::entity_ref::key_of("component", catalog::entity_ref::DEFAULT_NAMESPACE, &deploy.service);
        Ok(self.catalog.snapshot().get(&key).is_none().then(|| {
            format!("no Component named `{}` is in the catalog: the deploy is kept, and shows with the service's traffic", deploy.service)
        }))
    }

    /// The deploy history `filter` keeps, newest first, each compared with
    /// the traffic around it where the window after it has passed.
    pub async fn deploy_history(&self, filter: &DeployFilter, now: i64) -> Result<DeployHistory, Error> {
        // One service's deploys are read alone (entity pages, DORA); the
        // choices then are that service's.
        let service = filter.service.as_deref();
        let detected = self.store.deploys_since(service, filter.since.saturating_mul(1_000_000_000)).await?;
        let reported = self.store.reported_deploys(service, filter.since).await?;
        let owner = filter.owner.as_deref().map(|owner| refs::owner_key("owner", owner)).transpose()?;
        // What can be known before the comparison, which reads traffic.
        let keeps = |record: &DeployRecord| {
            owner.as_ref().is_none_or(|o| record.owner.as_ref().is_some_and(|owner| owner.eq_ignore_ascii_case(o)))
                && filter.environment.as_ref().is_none_or(|e| record.environment.as_ref() == Some(e))
        };
        let mut owners: HashMap<String, Option<String>> = HashMap::new();
        let (mut services, mut owned_by, mut environments) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        let mut history = DeployHistory::default();
        for mut record in merge(&detected, &reported) {
            record.owner = owners.entry(record.service.clone()).or_insert_with(|| self.service_owner(&record.service)).clone();
            services.insert(record.service.clone());
            owned_by.extend(record.owner.clone());
            environments.extend(record.environment.clone());
            if history.items.len() == filter.limit || !keeps(&record) {
                continue;
            }
            self.compare(&mut record, now).await?;
            if filter.regression.is_none_or(|r| record.regression == Some(r)) {
                history.items.push(record);
            }
        }
        (history.services, history.owners, history.environments) =
            (services.into_iter().collect(), owned_by.into_iter().collect(), environments.into_iter().collect());
        Ok(history)
    }

    /// Compares a deploy with the traffic around it, once the window after it has passed.
    async fn compare(&self, record: &mut DeployRecord, now: i64) -> Result<(), Error> {
        let rule = self.regression_rule;
        let window = rule.window.as_secs() as i64;
        if record.at_unix_secs + window > now {
            return Ok(());
        }
        let key = (record.service.clone(), record.version.clone(), record.at_unix_secs);
        let known = self.comparisons.lock().unwrap_or_else(|p| p.into_inner()).get(&key).cloned();
        let comparison = match known {
            Some(comparison) => comparison,
            None => {
                let at = record.at_unix_secs;
                let minutes = self.store.service_minutes(&record.service, at - window, at + window).await?;
                let (mut before, mut after) = (RedStats::default(), RedStats::default());
                for (minute, red) in &minutes {
                    if (*minute as i64) < at { before.merge(red) } else { after.merge(red) }
                }
                let (before, after) = (Around::of(&before), Around::of(&after));
                let burns = self.slos.burn_around(&record.service, at.max(0) as u64, window as u64).await?;
                let burn_rose = burns.into_iter().filter(|b| b.after.unwrap_or(0.0) > b.before.unwrap_or(0.0)).collect();
                let comparison = Comparison { before, after, burn_rose };
                // Late spans may still land in the window for a while.
                if at + window + SETTLED_SECS <= now {
                    self.comparisons.lock().unwrap_or_else(|p| p.into_inner()).insert(key, comparison.clone());
                }
                comparison
            }
        };
        record.regression = rule.judge(comparison.before, comparison.after);
        (record.before, record.after) = (Some(comparison.before), Some(comparison.after));
        record.burn_rose = comparison.burn_rose;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detected(service: &str, from: &str, to: &str, at: u64) -> Deploy {
        Deploy {
            service: service.into(),
            at_unix_nanos: at * 1_000_000_000,
            from_version: from.into(),
            to_version: to.into(),
            environment: None,
        }
    }

    fn reported(service: &str, version: &str, at: i64, commit: Option<&str>) -> ReportedDeploy {
        ReportedDeploy {
            source: DeploySource::Api,
            service: service.into(),
            version: version.into(),
            environment: Some("production".into()),
            at_unix_secs: at,
            commit: commit.map(str::to_string),
            url: None,
        }
    }

    #[test]
    fn one_deploy_from_several_sources() {
        let history = merge(
            &[detected("checkout", "1.0", "1.1", 1000), detected("cart", "2.0", "2.1", 3000)],
            &[
                reported("checkout", "1.1", 900, Some("abc")),
                reported("cart", "v2.1-rc", 2990, None),
                reported("search", "7", 2000, Some("f00")),
            ],
        );
        let summary: Vec<(&str, &str, i64, Vec<DeploySource>)> =
            history.iter().map(|r| (r.service.as_str(), r.version.as_str(), r.at_unix_secs, r.sources.clone())).collect();
        assert_eq!(
            summary,
            [
                ("cart", "2.1", 3000, vec![DeploySource::Traces]),
                ("cart", "v2.1-rc", 2990, vec![DeploySource::Api]),
                ("search", "7", 2000, vec![DeploySource::Api]),
                ("checkout", "1.1", 1000, vec![DeploySource::Traces, DeploySource::Api]),
            ],
            "same service and version merge, newest first; the time traffic switched wins"
        );
        let checkout = &history[3];
        assert_eq!(
            (checkout.commit.as_deref(), checkout.environment.as_deref(), checkout.from_version.as_deref()),
            (Some("abc"), Some("production"), Some("1.0"))
        );
        // The same commit under another version name is the same deploy.
        let again =
            merge(&history_input(), &[reported("checkout", "build-77", 950, Some("abc")), reported("checkout", "1.1", 900, Some("abc"))]);
        assert_eq!(again.len(), 1, "{again:?}");
        assert_eq!(again[0].sources, [DeploySource::Traces, DeploySource::Api]);
    }

    fn history_input() -> Vec<Deploy> {
        vec![detected("checkout", "1.0", "1.1", 1000)]
    }

    #[test]
    fn regressions_need_traffic_and_a_real_change() {
        let rule = RegressionRule::default();
        let around = |requests: u64, error_rate: f64, p95_ms: f64| Around {
            requests,
            error_rate: Some(error_rate),
            p95_ms: Some(p95_ms),
            kept_spans: requests,
            estimated: false,
        };
        assert_eq!(rule.judge(around(100, 0.0, 50.0), around(100, 0.05, 50.0)), Some(true), "errors up 5 points");
        assert_eq!(rule.judge(around(100, 0.0, 50.0), around(100, 0.005, 60.0)), Some(false), "within the thresholds");
        assert_eq!(rule.judge(around(100, 0.0, 50.0), around(100, 0.0, 90.0)), Some(true), "p95 up 1.8×");
        assert_eq!(rule.judge(around(5, 0.0, 50.0), around(100, 0.5, 50.0)), None, "too little traffic before");
        let sampled =
            |requests: u64, kept_spans: u64, error_rate: f64| Around { kept_spans, estimated: true, ..around(requests, error_rate, 50.0) };
        assert_eq!(rule.judge(sampled(200, 2, 0.0), sampled(200, 2, 0.5)), None, "two kept spans are no evidence of 200 requests");
        assert_eq!(rule.judge(sampled(2000, 100, 0.0), sampled(2000, 100, 0.05)), Some(true), "a hundred are");
    }
}
