//! One evaluation pass: count the recent minutes into the series, then
//! judge every objective from them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use collector::RedStats;
use slo::budget::burndown;
use slo::hours::sum_range;
use slo::window::{HOUR, HourSplit, MINUTE};
use slo::{Alert, BurnRates, BurnWindow, Counts, HourCounts, Selector, Slo};

use super::series::Series;
use super::webhook::{AlertEvent, Webhook};
use super::{CATCH_UP_SECS, CHART_POINTS, HISTORY, RECOUNT_SECS};
use crate::store::{AlertChange, Store, StoreError};

/// One objective as of an evaluation.
#[derive(Clone, Debug)]
pub struct ObjectiveStatus {
    pub slo: Arc<Slo>,
    /// Its index in the SLO's `objectives`.
    pub objective: usize,
    /// The window evaluated (unix seconds, whole minutes).
    pub window: Range<u64>,
    /// Good and total events in the window.
    pub counts: Counts,
    pub burn: BurnRates,
    pub alert: Alert,
    /// The latest changes of its alert state (state, unix seconds), oldest first.
    pub history: AlertHistory,
    /// The budget left over the window as it went by (unix seconds, share).
    pub budget_chart: Chart,
}

impl ObjectiveStatus {
    pub fn target(&self) -> f64 {
        self.slo.objectives[self.objective].target
    }
}

/// Every objective as of one evaluation.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Unix seconds of the evaluation; `None` before the first.
    pub evaluated_at: Option<u64>,
    pub objectives: Vec<ObjectiveStatus>,
}

/// An objective: its SLO's name and its index among the SLO's objectives.
type ObjectiveId = (String, usize);
/// Alert changes: the state, and when (unix seconds).
type AlertHistory = Vec<(Alert, i64)>;
/// A budget chart: (unix seconds, share of the budget left).
type Chart = Arc<Vec<(u64, f64)>>;

/// What passes remember between them.
#[derive(Default)]
pub(super) struct State {
    /// Minutes before this (unix seconds) have been counted.
    counted_until: Option<u64>,
    /// Series counted so far; a new one makes the pass count back further.
    known_series: HashSet<String>,
    /// Each objective's recent alert changes, loaded from the store once.
    alerts: Option<HashMap<ObjectiveId, AlertHistory>>,
    /// Budget charts, made again each hour (and for new objectives).
    charts: HashMap<ObjectiveId, Chart>,
    charts_hour: Option<u64>,
}

pub(super) async fn pass(
    store: &Store,
    slos: &[Arc<Slo>],
    now: u64,
    state: &mut State,
    webhook: Option<&Webhook>,
) -> Result<Snapshot, StoreError> {
    let end = now - now % MINUTE;
    // Each objective's series; alike objectives share one.
    let mut series: Vec<(String, Series)> = Vec::new();
    let mut series_of: HashMap<String, usize> = HashMap::new();
    let mut objectives: Vec<(Arc<Slo>, usize, usize)> = Vec::new();
    for slo in slos {
        for (index, objective) in slo.objectives.iter().enumerate() {
            let one = Series::of(slo, objective);
            let key = one.key();
            let at = *series_of.entry(key.clone()).or_insert_with(|| {
                series.push((key, one));
                series.len() - 1
            });
            objectives.push((slo.clone(), index, at));
        }
    }
    count_minutes(store, &series, end, state).await?;

    let windows: Vec<Range<u64>> = objectives.iter().map(|(slo, _, _)| slo.window.range_at(now)).collect();
    let sums = Sums::load(store, &windows, end).await?;
    if state.alerts.is_none() {
        state.alerts = Some(load_alerts(store, now).await?);
    }
    let chart_hours = if state.charts_hour != Some(end - end % HOUR)
        || objectives.iter().any(|(s, i, _)| !state.charts.contains_key(&(s.name.clone(), *i)))
    {
        let from = windows.iter().map(|w| w.start - w.start % HOUR).min().unwrap_or(end);
        state.charts.clear();
        state.charts_hour = Some(end - end % HOUR);
        Some(store.slo_hour_totals(from as i64).await?)
    } else {
        None
    };

    let mut statuses = Vec::with_capacity(objectives.len());
    for ((slo, index, at), window) in objectives.into_iter().zip(windows) {
        let key = &series[at].0;
        let target = slo.objectives[index].target;
        let counts = sums.sum(key, window.clone());
        let burn = BurnRates::of(target, |burn_window| sums.sum(key, end.saturating_sub(burn_window.minutes() * MINUTE)..end));
        let alert = Alert::judge(counts.total, &burn);
        let id = (slo.name.clone(), index);
        let history = state.alerts.get_or_insert_with(HashMap::new).entry(id.clone()).or_default();
        let previous = history.last().map(|(state, _)| *state);
        if previous != Some(alert) {
            let change = AlertChange { slo: slo.name.clone(), objective: index, state: alert, at: now as i64 };
            store.record_alert(&change).await?;
            history.push((alert, now as i64));
            if history.len() > HISTORY {
                history.remove(0);
            }
            // A first look that finds nothing wrong is no news.
            let news = previous.is_some() || matches!(alert, Alert::Page | Alert::Ticket);
            if let (Some(webhook), true) = (webhook, news) {
                webhook.send(AlertEvent::new(&slo, index, alert, previous, now, counts, &burn));
            }
        }
        let history = history.clone();
        if let Some(hours) = &chart_hours {
            let chart = burndown(window.clone(), hours.get(key).map_or(&[][..], Vec::as_slice), counts, target, CHART_POINTS);
            state.charts.insert(id.clone(), Arc::new(chart));
        }
        let budget_chart = state.charts.get(&id).cloned().unwrap_or_default();
        statuses.push(ObjectiveStatus { slo, objective: index, window, counts, burn, alert, history, budget_chart });
    }
    Ok(Snapshot { evaluated_at: Some(now), objectives: statuses })
}

/// Counts the minutes before `end` that are new or may have changed into
/// every series, and stores them.
async fn count_minutes(store: &Store, series: &[(String, Series)], end: u64, state: &mut State) -> Result<(), StoreError> {
    let new_series = series.iter().any(|(key, _)| !state.known_series.contains(key));
    let from = match state.counted_until {
        Some(until) if !new_series => until.min(end).saturating_sub(RECOUNT_SECS),
        _ => end.saturating_sub(CATCH_UP_SECS),
    };
    let from = from - from % MINUTE;
    if series.is_empty() || from >= end {
        state.counted_until = Some(end);
        return Ok(());
    }
    let (services, operations) = store.red_minutes(from as i64, end as i64).await?;
    let by_service: HashMap<(u64, &str), &RedStats> =
        services.iter().map(|b| ((b.bucket_start_unix_secs, &*b.service), &b.stats)).collect();
    let by_operation: HashMap<(u64, &str, &str), &RedStats> =
        operations.iter().map(|b| ((b.bucket_start_unix_secs, &*b.service, &*b.operation), &b.stats)).collect();
    let ours: HashMap<&str, usize> = series.iter().enumerate().map(|(i, (key, _))| (key.as_str(), i)).collect();
    let first_hour = from - from % HOUR;
    // What the hours hold already: minutes outside `from..end` stay as they are.
    let mut hours: HashMap<(usize, u64), HourCounts> = HashMap::new();
    for (key, hour) in store.slo_hours(first_hour as i64, (end - end % HOUR + HOUR) as i64).await? {
        if let Some(&at) = ours.get(key.as_str()) {
            hours.insert((at, hour.hour), hour);
        }
    }
    for minute in (from..end).step_by(MINUTE as usize) {
        let red = |selector: &Selector| match &selector.operation {
            None => by_service.get(&(minute, selector.service.as_str())).copied(),
            Some(operation) => by_operation.get(&(minute, selector.service.as_str(), operation.as_str())).copied(),
        };
        for (at, (_, one)) in series.iter().enumerate() {
            let hour = minute - minute % HOUR;
            hours.entry((at, hour)).or_insert_with(|| HourCounts::new(hour)).set(minute, one.count(red));
        }
    }
    let rows: Vec<(String, HourCounts)> = hours.into_iter().map(|((at, _), hour)| (series[at].0.clone(), hour)).collect();
    store.put_slo_hours(&rows).await?;
    state.counted_until = Some(end);
    state.known_series = series.iter().map(|(key, _)| key.clone()).collect();
    Ok(())
}

/// What sums over series need, read once per pass: the hours of the burn
/// windows (the last three days) minute by minute, and for longer windows
/// the sums of their full hours and the minutes of their edge hours.
struct Sums {
    recent_from: u64,
    recent: HashMap<String, BTreeMap<u64, HourCounts>>,
    full: HashMap<(u64, u64), HashMap<String, Counts>>,
    edges: HashMap<u64, HashMap<String, HourCounts>>,
}

impl Sums {
    async fn load(store: &Store, windows: &[Range<u64>], end: u64) -> Result<Self, StoreError> {
        let longest_burn = BurnWindow::ThreeDays.minutes() * MINUTE;
        let recent_start = end.saturating_sub(longest_burn);
        let recent_from = recent_start - recent_start % HOUR;
        let mut recent: HashMap<String, BTreeMap<u64, HourCounts>> = HashMap::new();
        for (key, hour) in store.slo_hours(recent_from as i64, (end - end % HOUR + HOUR) as i64).await? {
            recent.entry(key).or_default().insert(hour.hour, hour);
        }
        let mut sums = Sums { recent_from, recent, full: HashMap::new(), edges: HashMap::new() };
        for window in windows {
            let split = HourSplit::of(window.clone());
            let full = (split.full_hours.start, split.full_hours.end);
            if !split.full_hours.is_empty() && full.0 < recent_from && !sums.full.contains_key(&full) {
                sums.full.insert(full, store.slo_sums(full.0 as i64, full.1 as i64).await?);
            }
            for (hour, _) in split.partial {
                if hour < recent_from && !sums.edges.contains_key(&hour) {
                    let hours = store.slo_hours(hour as i64, (hour + HOUR) as i64).await?;
                    sums.edges.insert(hour, hours.into_iter().collect());
                }
            }
        }
        Ok(sums)
    }

    /// The series' counts over `range`, exact to the minute.
    fn sum(&self, key: &str, range: Range<u64>) -> Counts {
        let recent = self.recent.get(key);
        let Ok::<_, std::convert::Infallible>(counts) = sum_range(
            range,
            |full| {
                Ok(if full.start >= self.recent_from {
                    recent.map_or(Counts::default(), |hours| hours.range(full).map(|(_, h)| h.total()).sum())
                } else {
                    self.full.get(&(full.start, full.end)).and_then(|sums| sums.get(key)).copied().unwrap_or_default()
                })
            },
            |hour| {
                Ok(if hour >= self.recent_from {
                    recent.and_then(|hours| hours.get(&hour)).cloned()
                } else {
                    self.edges.get(&hour).and_then(|hours| hours.get(key)).cloned()
                })
            },
        );
        counts
    }
}

/// The recent alert changes of every objective (the last 30 days).
async fn load_alerts(store: &Store, now: u64) -> Result<HashMap<ObjectiveId, AlertHistory>, StoreError> {
    let mut alerts: HashMap<ObjectiveId, AlertHistory> = HashMap::new();
    for change in store.alert_history(now.saturating_sub(30 * 86_400) as i64).await? {
        let history = alerts.entry((change.slo, change.objective)).or_default();
        history.push((change.state, change.at));
        if history.len() > HISTORY {
            history.remove(0);
        }
    }
    Ok(alerts)
}
