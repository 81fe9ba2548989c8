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
    /// Whether its counts are estimates: the minutes counted last rest on
    /// sampled spans.
    pub estimated: bool,
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
    /// Hour totals of every series older than the burn windows, for budget
    /// charts: such hours are never counted again, so they are read once an
    /// hour; the newer ones are the hour cache's.
    old_hours: HashMap<String, Vec<(u64, Counts)>>,
    old_hours_read: Option<u64>,
    hours: HourCache,
    /// Series whose minutes counted last rested on sampled spans.
    sampled: HashSet<String>,
}

pub(super) async fn pass(
    store: &Store,
    slos: &[Arc<Slo>],
    now: u64,
    state: &mut State,
    webhook: Option<&Webhook>,
    leading: bool,
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
    state.hours.prepare(store, &windows, end).await?;
    let sums = &state.hours;
    if state.alerts.is_none() {
        state.alerts = Some(load_alerts(store, now).await?);
    }
    if state.old_hours_read != Some(end - end % HOUR) {
        let from = windows.iter().map(|w| w.start - w.start % HOUR).min().unwrap_or(end);
        let recent_from = sums.recent_from.unwrap_or(end);
        let mut old = store.slo_hour_totals(from as i64).await?;
        for hours in old.values_mut() {
            hours.retain(|(hour, _)| *hour < recent_from);
        }
        state.old_hours = old;
        state.old_hours_read = Some(end - end % HOUR);
    }

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
            if leading {
                store.record_alert(&change).await?;
            }
            history.push((alert, now as i64));
            if history.len() > HISTORY {
                history.remove(0);
            }
            // A first look that finds nothing wrong is no news.
            let news = previous.is_some() || matches!(alert, Alert::Page | Alert::Ticket);
            if let (Some(webhook), true) = (webhook, news && leading) {
                webhook.send(AlertEvent::new(&slo, index, alert, previous, now, counts, &burn));
            }
        }
        let history = history.clone();
        let old = state.old_hours.get(key).into_iter().flatten().copied();
        let recent = sums.recent.get(key).into_iter().flat_map(|hours| hours.iter().map(|(hour, counts)| (*hour, *counts)));
        let hours: Vec<(u64, Counts)> = old.chain(recent).collect();
        let budget_chart = Arc::new(burndown(window.clone(), &hours, counts, target, CHART_POINTS));
        let estimated = state.sampled.contains(key);
        statuses.push(ObjectiveStatus { slo, objective: index, window, counts, burn, alert, history, budget_chart, estimated });
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
    let ours: HashMap<&str, usize> = series.iter().enumerate().map(|(i, (key, _))| (key.as_str(), i)).collect();
    let first_hour = from - from % HOUR;
    // What the hours hold already: minutes outside `from..end` stay as they are.
    let mut hours: HashMap<(usize, u64), HourCounts> = HashMap::new();
    for (key, hour) in store.slo_hours(first_hour as i64, (end - end % HOUR + HOUR) as i64).await? {
        if let Some(&at) = ours.get(key.as_str()) {
            hours.insert((at, hour.hour), hour);
        }
    }
    let mut sampled: HashSet<usize> = HashSet::new();
    // A few minutes of buckets at a time: a catch-up never holds hours of them.
    for chunk in (from..end).step_by(RECOUNT_SECS as usize) {
        let chunk_end = (chunk + RECOUNT_SECS).min(end);
        let (services, operations) = store.red_minutes(chunk as i64, chunk_end as i64).await?;
        let by_service: HashMap<(u64, &str), &RedStats> =
            services.iter().map(|b| ((b.bucket_start_unix_secs, &*b.service), &b.stats)).collect();
        let by_operation: HashMap<(u64, &str, &str), &RedStats> =
            operations.iter().map(|b| ((b.bucket_start_unix_secs, &*b.service, &*b.operation), &b.stats)).collect();
        for minute in (chunk..chunk_end).step_by(MINUTE as usize) {
            let red = |selector: &Selector| match &selector.operation {
                None => by_service.get(&(minute, selector.service.as_str())).copied(),
                Some(operation) => by_operation.get(&(minute, selector.service.as_str(), operation.as_str())).copied(),
            };
            let hour = minute - minute % HOUR;
            for (at, (_, one)) in series.iter().enumerate() {
                hours.entry((at, hour)).or_insert_with(|| HourCounts::new(hour)).set(minute, one.count(red));
                if one.sampled(red) {
                    sampled.insert(at);
                }
            }
        }
    }
    let rows: Vec<(String, HourCounts)> = hours.into_iter().map(|((at, _), hour)| (series[at].0.clone(), hour)).collect();
    store.put_slo_hours(&rows).await?;
    state.hours.wrote(&rows);
    state.counted_until = Some(end);
    state.known_series = series.iter().map(|(key, _)| key.clone()).collect();
    state.sampled = sampled.into_iter().map(|at| series[at].0.clone()).collect();
    Ok(())
}

/// Full-hour sums of every series over a range of hours older than the burn
/// windows: such hours are never counted again, so a sum holds until the
/// range moves (once an hour).
type OldSums = HashMap<(u64, u64), Arc<HashMap<String, Counts>>>;

/// What sums over series need, kept between passes and brought up to date
/// by each (from what it wrote, not read again): the hour totals of the burn
/// windows (the last three days); the minutes of the hours where a window
/// starts or ends; for longer windows the sums of their older full hours.
#[derive(Default)]
struct HourCache {
    /// Start of the hours `recent` holds; `None` before the first load.
    recent_from: Option<u64>,
    recent: HashMap<String, BTreeMap<u64, Counts>>,
    edges: HashMap<u64, HashMap<String, HourCounts>>,
    old: OldSums,
}

impl HourCache {
    /// Takes the hours a pass has just stored.
    fn wrote(&mut self, rows: &[(String, HourCounts)]) {
        for (key, hour) in rows {
            if self.recent_from.is_some_and(|from| hour.hour >= from) {
                self.recent.entry(key.clone()).or_default().insert(hour.hour, hour.total());
            }
            if let Some(edge) = self.edges.get_mut(&hour.hour) {
                edge.insert(key.clone(), hour.clone());
            }
        }
    }

    /// Reads what `windows` (and the burn windows ending at `end`) need and
    /// the cache lacks; forgets what they no longer need.
    async fn prepare(&mut self, store: &Store, windows: &[Range<u64>], end: u64) -> Result<(), StoreError> {
        let recent_start = end.saturating_sub(BurnWindow::ThreeDays.minutes() * MINUTE);
        let recent_from = recent_start - recent_start % HOUR;
        match self.recent_from {
            Some(from) if from <= recent_from => {
                for hours in self.recent.values_mut() {
                    hours.retain(|hour, _| *hour >= recent_from);
                }
            }
            _ => {
                self.recent = HashMap::new();
                for (key, hours) in store.slo_hour_totals(recent_from as i64).await? {
                    self.recent.insert(key, hours.into_iter().collect());
                }
            }
        }
        self.recent_from = Some(recent_from);
        let burn_windows = BurnWindow::ALL.map(|w| end.saturating_sub(w.minutes() * MINUTE)..end);
        let mut edge_hours = Vec::new();
        let mut old = OldSums::new();
        for window in windows.iter().chain(&burn_windows) {
            let split = HourSplit::of(window.clone());
            edge_hours.extend(split.partial.iter().map(|(hour, _)| *hour));
            let range = (split.full_hours.start, split.full_hours.end.min(recent_from));
            if range.0 < range.1 && !old.contains_key(&range) {
                let sums = match self.old.get(&range) {
                    Some(sums) => sums.clone(),
                    None => Arc::new(store.slo_sums(range.0 as i64, range.1 as i64).await?),
                };
                old.insert(range, sums);
            }
        }
        self.old = old;
        edge_hours.sort_unstable();
        edge_hours.dedup();
        self.edges.retain(|hour, _| edge_hours.binary_search(hour).is_ok());
        let missing: Vec<u64> = edge_hours.into_iter().filter(|hour| !self.edges.contains_key(hour)).collect();
        for hour in &missing {
            self.edges.insert(*hour, HashMap::new());
        }
        for (key, hour) in store.slo_hours_at(&missing).await? {
            self.edges.entry(hour.hour).or_default().insert(key, hour);
        }
        Ok(())
    }

    /// The series' counts over `range`, exact to the minute.
    fn sum(&self, key: &str, range: Range<u64>) -> Counts {
        let recent_from = self.recent_from.unwrap_or(0);
        let recent = self.recent.get(key);
        let Ok::<_, std::convert::Infallible>(counts) = sum_range(
            range,
            |full| {
                let old = (full.start, full.end.min(recent_from));
                let older = if old.0 < old.1 {
                    self.old.get(&old).and_then(|sums| sums.get(key)).copied().unwrap_or_default()
                } else {
                    Counts::default()
                };
                let newer =
                    recent.map_or(Counts::default(), |hours| hours.range(full.start.max(recent_from)..full.end).map(|(_, c)| *c).sum());
                Ok(older + newer)
            },
            |hour| Ok(self.edges.get(&hour).and_then(|hours| hours.get(key)).cloned()),
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
