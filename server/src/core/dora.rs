//! DORA's four keys for a service or a team, from Meridian's own deploy
//! history and SLO alerts (no webhooks, no incident tracker):
//!
//! - deployment frequency: deploys per day over the period;
//! - lead time for changes: from the commit (its time from GitHub) to the deploy, median;
//! - change failure rate: deploys flagged as a regression, or followed
//!   within an hour by a `page` or `ticket` of the service's SLOs;
//! - time to restore: from such a failure to the alert's return to `ok`, or
//!   to the next deploy of the service that is no regression, median.
//!
//! Each figure says how many deploys it rests on.

use std::collections::HashSet;

use serde::Serialize;
use slo::Alert;

use super::deploys::{DeployFilter, DeployRecord};
use super::{Core, Error};

/// A failure counts an alert this long after the deploy at most.
const FAILURE_WINDOW_SECS: i64 = 3600;
/// The longest period asked about: what hour buckets and alerts keep.
pub const MAX_DAYS: u32 = 90;

/// Whose deploys.
#[derive(Clone, Debug)]
pub struct DoraScope {
    /// One service (seen in traffic or in the catalog).
    pub service: Option<String>,
    /// An owner as a descriptor may write it (`team-shop`, see
    /// [`super::refs`]): the services of the Components it owns.
    pub owner: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Frequency {
    pub deploys: usize,
    pub per_day: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadTime {
    pub median_hours: Option<f64>,
    /// Deploys whose commit time is known.
    pub deploys: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailureRate {
    pub rate: Option<f64>,
    pub failures: usize,
    pub deploys: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Restore {
    pub median_minutes: Option<f64>,
    /// Failures restored so far.
    pub restored: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Dora {
    pub days: u32,
    pub services: Vec<String>,
    pub deployment_frequency: Frequency,
    pub lead_time_for_changes: LeadTime,
    pub change_failure_rate: FailureRate,
    pub time_to_restore: Restore,
}

/// One SLO alert change of a service.
#[derive(Clone, Debug)]
pub struct ServiceAlert {
    pub service: String,
    pub state: Alert,
    pub at: i64,
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

/// The four keys over `deploys` (newest first or any order), given the
/// services' alert changes (oldest first) and the commit times known.
pub fn four_keys(
    days: u32,
    services: Vec<String>,
    deploys: &[DeployRecord],
    alerts: &[ServiceAlert],
    commit_time: impl Fn(&str) -> Option<i64>,
) -> Dora {
    let mut deploys: Vec<&DeployRecord> = deploys.iter().collect();
    deploys.sort_by_key(|d| d.at_unix_secs);
    let lead: Vec<f64> = deploys
        .iter()
        .filter_map(|d| d.commit.as_deref().and_then(&commit_time).map(|committed| (d.at_unix_secs - committed).max(0) as f64 / 3600.0))
        .collect();
    let mut failures = 0;
    let mut restores = Vec::new();
    for (i, deploy) in deploys.iter().enumerate() {
        let alarm = alerts.iter().find(|a| {
            a.service == deploy.service
                && matches!(a.state, Alert::Page | Alert::Ticket)
                && (deploy.at_unix_secs..=deploy.at_unix_secs + FAILURE_WINDOW_SECS).contains(&a.at)
        });
        if deploy.regression != Some(true) && alarm.is_none() {
            continue;
        }
        failures += 1;
        let recovered = alarm
            .and_then(|alarm| alerts.iter().find(|a| a.service == deploy.service && a.state == Alert::Ok && a.at > alarm.at).map(|a| a.at));
        let fixed = deploys[i + 1..].iter().find(|d| d.service == deploy.service && d.regression == Some(false)).map(|d| d.at_unix_secs);
        if let Some(at) = [recovered, fixed].into_iter().flatten().min() {
            restores.push((at - deploy.at_unix_secs).max(0) as f64 / 60.0);
        }
    }
    let count = deploys.len();
    Dora {
        days,
        services,
        deployment_frequency: Frequency { deploys: count, per_day: count as f64 / f64::from(days.max(1)) },
        lead_time_for_changes: LeadTime { deploys: lead.len(), median_hours: median(lead) },
        change_failure_rate: FailureRate { rate: (count > 0).then(|| failures as f64 / count as f64), failures, deploys: count },
        time_to_restore: Restore { restored: restores.len(), median_minutes: median(restores) },
    }
}

impl Core {
    /// DORA's four keys for `scope` over the last `days` (1 to [`MAX_DAYS`]).
    pub async fn dora(&self, scope: &DoraScope, days: u32, now: i64) -> Result<Dora, Error> {
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(Error::Invalid(format!("`days` must be from 1 to {MAX_DAYS}")));
        }
        let services: Vec<String> = match (&scope.service, &scope.owner) {
            (Some(service), None) => vec![service.clone()],
            (service, owner) => {
                // An owner's Components, or every Component; narrowed to `service` when both are given.
                let owner = owner.as_deref().map(|owner| super::refs::owner_key("owner", owner)).transpose()?;
                let index = self.catalog.snapshot();
                let mut components: Vec<String> = index
                    .entities()
                    .iter()
                    .filter(|e| e.entity.kind.eq_ignore_ascii_case("component"))
                    .filter(|e| {
                        owner.as_ref().is_none_or(|owner| e.entity.relation_targets("ownedBy").any(|o| o.eq_ignore_ascii_case(owner)))
                    })
                    .filter(|e| service.as_ref().is_none_or(|s| &e.entity.metadata.name == s))
                    .map(|e| e.entity.metadata.name.clone())
                    .collect();
                components.sort();
                if let (Some(owner), true) = (&owner, components.is_empty()) {
                    return Err(Error::NotFound(match service {
                        Some(service) => format!("`{owner}` owns no Component named `{service}`"),
                        None => format!("`{owner}` owns no Component"),
                    }));
                }
                components
            }
        };
        let since = now - i64::from(days) * 86_400;
        let filter = DeployFilter { service: (services.len() == 1).then(|| services[0].clone()), ..DeployFilter::since(since, usize::MAX) };
        let deploys = self.deploy_history(&filter, now).await?;
        self.dora_of(services, days, &deploys.items, now).await
    }

    /// The four keys of `services` over the last `days`, from their deploy
    /// history already read (`deploys` may hold others and older ones).
    pub async fn dora_of(&self, services: Vec<String>, days: u32, deploys: &[DeployRecord], now: i64) -> Result<Dora, Error> {
        let since = now - i64::from(days) * 86_400;
        let wanted: HashSet<&str> = services.iter().map(String::as_str).collect();
        let deploys: Vec<DeployRecord> =
            deploys.iter().filter(|d| wanted.contains(d.service.as_str()) && d.at_unix_secs >= since).cloned().collect();
        let slo_services: std::collections::HashMap<String, String> =
            self.catalog.slos().iter().map(|slo| (slo.name.clone(), slo.service.clone())).collect();
        let alerts: Vec<ServiceAlert> = self
            .store
            .alert_history(since)
            .await?
            .into_iter()
            .filter_map(|change| {
                let service = slo_services.get(&change.slo)?;
                wanted.contains(service.as_str()).then(|| ServiceAlert { service: service.clone(), state: change.state, at: change.at })
            })
            .collect();
        let commits: Vec<String> = deploys.iter().filter_map(|d| d.commit.clone()).collect();
        let times = self.store.commit_times(&commits).await?;
        Ok(four_keys(days, services, &deploys, &alerts, |sha| times.get(sha).copied()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::deploys::DeploySource;

    fn deploy(service: &str, at: i64, regression: Option<bool>, commit: Option<&str>) -> DeployRecord {
        DeployRecord {
            service: service.into(),
            owner: None,
            version: format!("v{at}"),
            from_version: None,
            environment: None,
            at_unix_secs: at,
            at: String::new(),
            sources: vec![DeploySource::Api],
            commit: commit.map(str::to_string),
            url: None,
            before: None,
            after: None,
            regression,
            burn_rose: Vec::new(),
        }
    }

    #[test]
    fn four_keys_with_known_answers() {
        let deploys = [
            deploy("cart", 0, Some(false), Some("c1")),
            deploy("cart", 10_000, Some(true), Some("c2")), // a regression, fixed by the next deploy
            deploy("cart", 11_800, Some(false), None),
            deploy("cart", 50_000, None, None), // followed by a page, back to ok 30 minutes later
        ];
        let alerts = [
            ServiceAlert { service: "cart".into(), state: Alert::Page, at: 50_600 },
            ServiceAlert { service: "cart".into(), state: Alert::Ok, at: 52_400 },
            ServiceAlert { service: "other".into(), state: Alert::Page, at: 100 },
        ];
        let commits = |sha: &str| match sha {
            "c1" => Some(-3600),
            "c2" => Some(10_000 - 7200),
            _ => None,
        };
        let dora = four_keys(30, vec!["cart".into()], &deploys, &alerts, commits);
        assert_eq!(dora.deployment_frequency, Frequency { deploys: 4, per_day: 4.0 / 30.0 });
        assert_eq!(dora.lead_time_for_changes, LeadTime { median_hours: Some(1.5), deploys: 2 });
        assert_eq!(dora.change_failure_rate, FailureRate { rate: Some(0.5), failures: 2, deploys: 4 });
        assert_eq!(dora.time_to_restore, Restore { median_minutes: Some(35.0), restored: 2 }, "40 and 30 minutes");
        let none = four_keys(90, vec!["idle".into()], &[], &[], |_| None);
        assert_eq!((none.change_failure_rate.rate, none.time_to_restore.median_minutes), (None, None));
    }
}
