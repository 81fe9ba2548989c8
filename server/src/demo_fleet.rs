//! Demo mode (`--demo-fleet URL`): the client of the demo fleet's control
//! endpoint, behind the UI's Demo page. Meridian knows the fleet only by this
//! small HTTP contract (`GET /fleet`, `PUT /fleet/{name}/faults`,
//! `POST /fleet/{name}/deploy`), not by its code.
//!
//! Decision: the switches need no API token. Demo mode is opt-in, and they
//! touch only the demo's own processes, never Meridian's data.

use std::time::Duration;

use anyhow::Context;
use app::model::DemoFaults;
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

/// What a deploy may carry (the fleet's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regression {
    None,
    Errors,
    Latency,
}

impl Regression {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "none" | "" => Ok(Regression::None),
            "errors" => Ok(Regression::Errors),
            "latency" => Ok(Regression::Latency),
            other => Err(format!("unknown regression `{other}`: choose none, errors or latency")),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Regression::None => "none",
            Regression::Errors => "errors",
            Regression::Latency => "latency",
        }
    }
}

#[derive(Debug)]
pub struct DemoFleet {
    base: Url,
    client: reqwest::Client,
}

impl DemoFleet {
    /// `url` is the control endpoint, e.g. `http://127.0.0.1:7111`.
    pub fn new(url: &str) -> anyhow::Result<Self> {
        let base = Url::parse(url).with_context(|| format!("--demo-fleet `{url}` is not a URL"))?;
        anyhow::ensure!(matches!(base.scheme(), "http" | "https"), "--demo-fleet `{url}` must be an http(s) URL");
        let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
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

    pub async fn processes(&self) -> Result<Vec<FleetProcess>, String> {
        let response = self.client.get(self.endpoint(&[])).send().await.map_err(|e| self.unreachable(e))?;
        let response = checked(response).await?;
        response.json().await.map_err(|e| format!("the demo fleet at {} sent a list Meridian cannot read: {e}", self.base))
    }

    pub async fn set_faults(&self, process: &str, faults: DemoFaults) -> Result<(), String> {
        let request = self.client.put(self.endpoint(&[process, "faults"])).json(&faults);
        checked(request.send().await.map_err(|e| self.unreachable(e))?).await.map(drop)
    }

    pub async fn deploy(&self, process: &str, version: &str, regression: Regression) -> Result<(), String> {
        let body = serde_json::json!({ "version": version, "regression": regression.as_str() });
        let request = self.client.post(self.endpoint(&[process, "deploy"])).json(&body);
        checked(request.send().await.map_err(|e| self.unreachable(e))?).await.map(drop)
    }

    fn unreachable(&self, error: reqwest::Error) -> String {
        format!("the demo fleet at {} did not answer ({error}); is `meridian-demo fleet` running?", self.base)
    }
}

/// A refusal becomes its message (the fleet words it for people).
async fn checked(response: reqwest::Response) -> Result<reqwest::Response, String> {
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    Err(if text.trim().is_empty() { format!("the demo fleet answered {status}") } else { text.trim().to_string() })
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
    fn bad_urls_and_regressions_are_named() {
        assert!(DemoFleet::new("127.0.0.1:7111").unwrap_err().to_string().contains("--demo-fleet"));
        assert!(DemoFleet::new("ftp://x").unwrap_err().to_string().contains("http(s)"));
        assert_eq!(Regression::parse("latency"), Ok(Regression::Latency));
        assert_eq!(Regression::parse("slow").unwrap_err(), "unknown regression `slow`: choose none, errors or latency");
    }
}
