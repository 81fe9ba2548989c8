//! SLOs, evaluated from the traffic Meridian stores, with no metrics stack.
//!
//! Every pass (each minute by default): the last minutes' good and total
//! events of every objective are counted from the stored minute buckets of
//! services and operations into the objective's series ([`series`]; kept in
//! `slo_hours` per hour, minute by minute), counted again for a while so
//! late spans are not missed. Then each objective's window, burn rates and
//! alert state are computed from its series, exact at the window's edges
//! ([`slo::hours::sum_range`]), and kept in memory for reads ([`Snapshot`]).
//! Alert changes are stored and, with `--alert-webhook`, posted
//! ([`webhook`]), by the leading replica only; every replica counts (the
//! counts overwrite alike) and judges, for its own readers.
//!
//! This room reads the catalog room (the SLO definitions) and the store;
//! the core reads its snapshot.

mod evaluate;
pub mod series;
pub mod webhook;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

pub use evaluate::{ObjectiveStatus, Snapshot};

use crate::catalog::CatalogService;
use crate::store::{Store, StoreError};

/// How often SLOs are evaluated by default.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);
/// Minutes counted again on every pass, for spans that arrive late (the
/// collector's pairing window is 10 minutes by default too).
pub const RECOUNT_SECS: u64 = 10 * 60;
/// How far the first pass after a start counts back: minutes missed while
/// Meridian was down, if their buckets are still kept.
pub const CATCH_UP_SECS: u64 = 6 * 3600;
/// Alert changes kept per objective for reads.
pub const HISTORY: usize = 20;
/// Points of an objective's budget chart, at most.
pub const CHART_POINTS: usize = 60;

/// The SLO evaluator and its latest answer.
pub struct SloService {
    store: Store,
    catalog: Arc<CatalogService>,
    snapshot: RwLock<Arc<Snapshot>>,
    state: tokio::sync::Mutex<evaluate::State>,
    webhook: Option<webhook::Webhook>,
    leadership: crate::store::Leadership,
}

impl SloService {
    pub fn new(store: Store, catalog: Arc<CatalogService>, webhook: Option<webhook::Webhook>) -> Self {
        Self {
            store,
            catalog,
            snapshot: RwLock::new(Arc::default()),
            state: tokio::sync::Mutex::new(evaluate::State::default()),
            webhook,
            leadership: crate::store::Leadership::always(),
        }
    }

    /// Stores and posts alert changes only while `leadership` leads.
    pub fn with_leadership(self, leadership: crate::store::Leadership) -> Self {
        Self { leadership, ..self }
    }

    /// The latest evaluation (empty before the first).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Evaluates every SLO as of `now` (unix seconds).
    pub async fn evaluate(&self, now: u64) -> Result<(), StoreError> {
        let slos = self.catalog.slos();
        let mut state = self.state.lock().await;
        let leading = self.leadership.is_leading();
        let snapshot = evaluate::pass(&self.store, &slos, now, &mut state, self.webhook.as_ref(), leading).await?;
        *self.snapshot.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(snapshot);
        Ok(())
    }
}

/// An objective's burn rate before and after a moment.
#[derive(Clone, Debug, PartialEq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BurnChange {
    pub slo: String,
    pub objective: usize,
    pub before: Option<f64>,
    pub after: Option<f64>,
}

impl SloService {
    /// The burn rate of each objective of `service`'s SLOs over `window`
    /// before `at` and after it (unix seconds), exact to the minute.
    pub async fn burn_around(&self, service: &str, at: u64, window: u64) -> Result<Vec<BurnChange>, StoreError> {
        let slos = self.catalog.slos();
        let objectives: Vec<(&slo::Slo, usize, String)> = slos
            .iter()
            .filter(|slo| slo.service == service)
            .flat_map(|slo| slo.objectives.iter().enumerate().map(move |(i, o)| (&**slo, i, series::Series::of(slo, o).key())))
            .collect();
        if objectives.is_empty() {
            return Ok(Vec::new());
        }
        let (from, to) = (at.saturating_sub(window), at + window);
        let hours = self.store.slo_hours((from - from % 3600) as i64, to.div_ceil(3600) as i64 * 3600).await?;
        let sum = |key: &str, range: std::ops::Range<u64>| -> slo::Counts {
            hours.iter().filter(|(k, _)| k == key).map(|(_, hour)| hour.within(&range)).sum()
        };
        Ok(objectives
            .into_iter()
            .map(|(slo, objective, key)| {
                let target = slo.objectives[objective].target;
                BurnChange {
                    slo: slo.name.clone(),
                    objective,
                    before: sum(&key, from..at).burn_rate(target),
                    after: sum(&key, at..to).burn_rate(target),
                }
            })
            .collect())
    }
}

/// Evaluates every `interval` until `shutdown`; a failed pass is logged and
/// the next one tries again.
pub async fn run(service: Arc<SloService>, interval: Duration, shutdown: CancellationToken) {
    crate::every(interval, shutdown, || async {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let started = std::time::Instant::now();
        match service.evaluate(now).await {
            Ok(()) => tracing::debug!("SLOs evaluated in {:?}", started.elapsed()),
            Err(error) => tracing::warn!("SLO evaluation failed, trying again next time: {error}"),
        }
    })
    .await
}
