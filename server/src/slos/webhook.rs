//! Alert changes POSTed as JSON to `--alert-webhook`, from a queue of their
//! own: a slow or failing receiver never holds up an evaluation, let alone
//! ingest. Each change is tried up to [`ATTEMPTS`] times with doubling
//! waits; a full queue drops the newest change and says so in the log.

use std::time::Duration;

use serde::Serialize;
use slo::{Alert, BurnRates, Counts, Slo};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Changes waiting to be posted, at most.
pub const QUEUE: usize = 1_000;
/// Tries per change.
pub const ATTEMPTS: u32 = 5;
/// The first wait after a failure; each next one doubles.
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// One alert change, as posted.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertEvent {
    pub slo: String,
    pub display_name: Option<String>,
    pub service: String,
    pub objective: usize,
    pub objective_name: Option<String>,
    pub state: Alert,
    pub previous: Option<Alert>,
    /// RFC 3339.
    pub at: String,
    pub error_budget_remaining: Option<f64>,
    pub burn_rates: std::collections::BTreeMap<&'static str, Option<f64>>,
}

impl AlertEvent {
    pub fn new(slo: &Slo, objective: usize, state: Alert, previous: Option<Alert>, now: u64, counts: Counts, burn: &BurnRates) -> Self {
        let target = slo.objectives[objective].target;
        AlertEvent {
            slo: slo.name.clone(),
            display_name: slo.display_name.clone(),
            service: slo.service.clone(),
            objective,
            objective_name: slo.objectives[objective].display_name.clone(),
            state,
            previous,
            at: slo::window::rfc3339(now),
            error_budget_remaining: counts.budget_remaining(target),
            burn_rates: burn.iter().map(|(window, rate)| (window.as_str(), rate)).collect(),
        }
    }
}

/// Where alert changes go.
#[derive(Clone)]
pub struct Webhook {
    queue: mpsc::Sender<AlertEvent>,
}

impl Webhook {
    /// Starts posting to `url` until `shutdown`.
    pub fn start(url: reqwest::Url, shutdown: CancellationToken) -> (Self, tokio::task::JoinHandle<()>) {
        let (queue, changes) = mpsc::channel(QUEUE);
        (Self { queue }, tokio::spawn(deliver(url, changes, shutdown)))
    }

    pub fn send(&self, event: AlertEvent) {
        if let Err(error) = self.queue.try_send(event) {
            tracing::warn!("alert webhook: change not queued ({error}); the receiver is behind");
        }
    }
}

async fn deliver(url: reqwest::Url, mut changes: mpsc::Receiver<AlertEvent>, shutdown: CancellationToken) {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
    loop {
        let event = tokio::select! {
            event = changes.recv() => match event { Some(event) => event, None => return },
            () = shutdown.cancelled() => return,
        };
        let mut wait = FIRST_BACKOFF;
        for attempt in 1..=ATTEMPTS {
            match client.post(url.clone()).json(&event).send().await {
                Ok(response) if response.status().is_success() => break,
                Ok(response) => tracing::warn!("alert webhook answered {} (try {attempt} of {ATTEMPTS})", response.status()),
                Err(error) => tracing::warn!("alert webhook failed: {error} (try {attempt} of {ATTEMPTS})"),
            }
            if attempt == ATTEMPTS {
                tracing::error!("alert webhook: gave up on {} `{}` after {ATTEMPTS} tries", event.slo, event.state.as_str());
                break;
            }
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = shutdown.cancelled() => return,
            }
            wait *= 2;
        }
    }
}
