//! Demo mode (`--demo-fleet URL`): the client of the demo fleet's control
//! endpoint, behind the UI's Demo page. Meridian knows the fleet only by this
//! small HTTP contract (`GET /fleet`, `PUT /fleet/{name}/faults`,
//! `POST /fleet/{name}/deploy`), not by its code.
//!
//! Decision: the switches need no API token. Demo mode is opt-in, and they
//! touch only the demo's own processes, never Meridian's data.

use std::time::Duration;

use app::model::{DemoFaults, DemoRegression};
use reqwest::Url;
use serde::Deserialize;

/// One process as the fleet lists it.
#[derive(Debug, Deserialize)]
pub struct FleetProcess {
    pub name: String,
    pub instrumented: bool,
    pub state: Option<ProcessState>,
    pub error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ProcessState {
    /// None for the uninstrumented processes.
    pub version: Option<String>,
    pub faults: DemoFaults,
}

/// How long the fleet has to answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// A `--demo-fleet` value Meridian cannot use.
#[derive(Debug, thiserror::Error)]
pub enum DemoFleetUrlError {
    #[error("--demo-fleet `{url}` is not a URL: {reason}")]
    NotAUrl { url: String, reason: url::ParseError },
    #[error("--demo-fleet `{0}` must be an http(s) URL")]
    Scheme(String),
    #[error("cannot make an HTTP client for the demo fleet: {0}")]
    Client(reqwest::Error),
}

#[derive(Debug)]
pub struct DemoFleet {
    base: Url,
    client: reqwest::Client,
}

impl DemoFleet {
    /// `url` is the control endpoint, e.g. `http://127.0.0.1:7111`.
    pub fn new(url: &str) -> Result<Self, DemoFleetUrlError> {
        let base = Url::parse(url).map_err(|reason| DemoFleetUrlError::NotAUrl { url: url.to_string(), reason })?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(DemoFleetUrlError::Scheme(url.to_string()));
        }
        let client = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().map_err(DemoFleetUrlError::Client)?;
        Ok(DemoFleet { base, client })
    }

    pub fn url(&self) -> &str {
        self.base.as_str()
    }

    /// `base/fleet/segments...`, each segment escaped.
    fn endpoint(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push("fleet").extend(segments);
        }
        url
    }

    pub async fn processes(&self) -> Result<Vec<FleetProcess>, FleetError> {
        let response = self.client.get(self.endpoint(&[])).send().await.map_err(|e| self.unreachable(e))?;
        let response = checked(response).await?;
        response.json().await.map_err(|e| FleetError::Unreadable { url: self.base.to_string(), reason: e.to_string() })
    }

    pub async fn set_faults(&self, process: &str, faults: DemoFaults) -> Result<(), FleetError> {
        let request = self.client.put(self.endpoint(&[process, "faults"])).json(&faults);
        checked(request.send().await.map_err(|e| self.unreachable(e))?).await.map(drop)
    }

    pub async fn deploy(&self, process: &str, version: &str, regression: DemoRegression) -> Result<(), FleetError> {
        let body = serde_json::json!({ "version": version, "regression": regression });
        let request = self.client.post(self.endpoint(&[process, "deploy"])).json(&body);
        checked(request.send().await.map_err(|e| self.unreachable(e))?).await.map(drop)
    }

    fn unreachable(&self, error: reqwest::Error) -> FleetError {
        FleetError::Unreachable { url: self.base.to_string(), reason: error.to_string() }
    }
}

/// Why the fleet did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// No answer: the fleet is not running, or not at that address.
    #[error("the demo fleet at {url} did not answer ({reason}); is `meridian-demo fleet` running?")]
    Unreachable { url: String, reason: String },
    /// An answer Meridian cannot read.
    #[error("the demo fleet at {url} sent a list Meridian cannot read: {reason}")]
    Unreadable { url: String, reason: String },
    /// The fleet refused; it words its refusals for people.
    #[error("{0}")]
    Refused(String),
}

async fn checked(response: reqwest::Response) -> Result<reqwest::Response, FleetError> {
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    Err(FleetError::Refused(if text.trim().is_empty() { format!("the demo fleet answered {status}") } else { text.trim().to_string() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_escape_the_process_name() {
        let fleet = DemoFleet::new("http://127.0.0.1:7111/").unwrap();
        assert_eq!(fleet.endpoint(&[]).as_str(), "http://127.0.0.1:7111/fleet");
        assert_eq!(fleet.endpoint(&["a/b?c", "faults"]).as_str(), "http://127.0.0.1:7111/fleet/a%2Fb%3Fc/faults");
        let behind_a_prefix = DemoFleet::new("http://demo.local/control").unwrap();
        assert_eq!(behind_a_prefix.endpoint(&["checkout", "deploy"]).as_str(), "http://demo.local/control/fleet/checkout/deploy");
    }

    #[test]
    fn bad_urls_are_named() {
        assert!(DemoFleet::new("127.0.0.1:7111").unwrap_err().to_string().contains("--demo-fleet"));
        assert!(DemoFleet::new("ftp://x").unwrap_err().to_string().contains("http(s)"));
    }
}
