//! Fault switches and deploys, per service: `GET /admin/state`,
//! `PUT /admin/faults` (added latency for a share of requests, a share of
//! errors) and `POST /admin/deploy` (a new `service.version`, optionally
//! carrying a regression). The Demo page of Meridian drives these; so can
//! curl. Admin requests are neither traced nor subject to the faults.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::telemetry::Telemetry;

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    /// Added to a request's handling, in milliseconds...
    #[serde(default)]
    pub latency_ms: u64,
    /// ...for this share of requests (0.0–1.0).
    #[serde(default)]
    pub latency_share: f64,
    /// Share of requests answered 500 (0.0–1.0).
    #[serde(default)]
    pub error_share: f64,
}

impl Faults {
    fn check(&self) -> Result<(), String> {
        for (name, share) in [("latency_share", self.latency_share), ("error_share", self.error_share)] {
            if !(0.0..=1.0).contains(&share) {
                return Err(format!("{name} must be between 0 and 1, got {share}"));
            }
        }
        if self.latency_ms > 60_000 {
            return Err(format!("latency_ms must be at most 60000, got {}", self.latency_ms));
        }
        Ok(())
    }

    /// What this request suffers: a delay, then maybe an error.
    pub fn draw(&self) -> (Option<Duration>, bool) {
        let delay = (self.latency_ms > 0 && fastrand::f64() < self.latency_share).then(|| Duration::from_millis(self.latency_ms));
        (delay, fastrand::f64() < self.error_share)
    }
}

/// What a deploy may bring with it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Regression {
    #[default]
    None,
    /// 20 % of requests fail.
    Errors,
    /// Half of the requests take 400 ms longer.
    Latency,
}

impl Regression {
    fn faults(self) -> Faults {
        match self {
            Regression::None => Faults::default(),
            Regression::Errors => Faults { error_share: 0.2, ..Faults::default() },
            Regression::Latency => Faults { latency_ms: 400, latency_share: 0.5, ..Faults::default() },
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployRequest {
    pub version: String,
    #[serde(default)]
    pub regression: Regression,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct AdminState {
    pub service: String,
    /// None for the uninstrumented processes (no telemetry, no version).
    pub version: Option<String>,
    pub faults: Faults,
}

/// One service's switches.
pub struct Switches {
    pub service: String,
    faults: Mutex<Faults>,
    /// None for the uninstrumented outside services (they cannot deploy here).
    telemetry: Option<Arc<Telemetry>>,
}

impl Switches {
    pub fn new(service: &str, faults: Faults, telemetry: Option<Arc<Telemetry>>) -> Arc<Self> {
        Arc::new(Switches { service: service.to_string(), faults: Mutex::new(faults), telemetry })
    }

    pub fn faults(&self) -> Faults {
        *self.faults.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set(&self, faults: Faults) {
        *self.faults.lock().unwrap_or_else(|p| p.into_inner()) = faults;
    }

    fn state(&self) -> AdminState {
        let version = self.telemetry.as_ref().map(|t| t.version());
        AdminState { service: self.service.clone(), version, faults: self.faults() }
    }
}

pub fn routes(switches: Arc<Switches>) -> Router {
    Router::new()
        .route("/admin/state", get(|State(s): State<Arc<Switches>>| async move { Json(s.state()) }))
        .route("/admin/faults", put(set_faults))
        .route("/admin/deploy", post(deploy))
        .with_state(switches)
}

type Answer = Result<Json<AdminState>, (StatusCode, String)>;

async fn set_faults(State(switches): State<Arc<Switches>>, Json(faults): Json<Faults>) -> Answer {
    faults.check().map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, e))?;
    switches.set(faults);
    tracing::info!("faults now {faults:?}");
    Ok(Json(switches.state()))
}

async fn deploy(State(switches): State<Arc<Switches>>, Json(request): Json<DeployRequest>) -> Answer {
    let version = request.version.trim();
    if version.is_empty() || version.len() > 64 {
        return Err((StatusCode::UNPROCESSABLE_ENTITY, "version must be 1 to 64 characters".into()));
    }
    let Some(telemetry) = &switches.telemetry else {
        return Err((StatusCode::CONFLICT, format!("{} is not instrumented: there is no version to deploy", switches.service)));
    };
    telemetry.deploy(version).map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, format!("cannot restart telemetry: {e}")))?;
    switches.set(request.regression.faults());
    tracing::info!("deployed {version} (regression: {:?})", request.regression);
    Ok(Json(switches.state()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_out_of_range_are_refused_with_the_field_named() {
        let bad = Faults { error_share: 1.5, ..Faults::default() };
        assert_eq!(bad.check(), Err("error_share must be between 0 and 1, got 1.5".into()));
        assert!(Regression::Latency.faults().check().is_ok());
    }

    #[test]
    fn drawing_follows_the_shares() {
        assert_eq!(Faults::default().draw(), (None, false));
        let always = Faults { latency_ms: 5, latency_share: 1.0, error_share: 1.0 };
        assert_eq!(always.draw(), (Some(Duration::from_millis(5)), true));
        let errors = (0..10_000).filter(|_| Regression::Errors.faults().draw().1).count();
        assert!((1_600..2_400).contains(&errors), "about 20 %: {errors}");
    }
}
