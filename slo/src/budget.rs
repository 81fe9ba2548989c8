//! Error budgets over counts of good and total events (OpenSLO's
//! `Occurrences` budgeting): attainment, budget remaining, burn rates, and
//! the alert state of the SRE workbook's multiwindow, multi-burn-rate rules.

use serde::Serialize;

/// Good and total events over some span of time. Counts merge by adding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub good: u64,
    pub total: u64,
}

impl Counts {
    pub fn new(good: u64, total: u64) -> Self {
        // More good than total only happens with a misconfigured ratio (a
        // `good` selector wider than `total`); it is capped, not trusted.
        Self { good: good.min(total), total }
    }

    pub fn bad(self) -> u64 {
        self.total - self.good
    }

    /// Good over total; `None` without events.
    pub fn attainment(self) -> Option<f64> {
        (self.total > 0).then(|| self.good as f64 / self.total as f64)
    }

    /// How many times faster than allowed by `target` the budget burns: 1.0
    /// spends exactly the budget over the window, 0 spends none. `None`
    /// without events.
    pub fn burn_rate(self, target: f64) -> Option<f64> {
        (self.total > 0).then(|| (self.bad() as f64 / self.total as f64) / (1.0 - target))
    }

    /// The share of the error budget left: 1.0 untouched, 0 spent, below 0
    /// overspent. `None` without events.
    pub fn budget_remaining(self, target: f64) -> Option<f64> {
        self.burn_rate(target).map(|burn| 1.0 - burn)
    }
}

impl std::ops::Add for Counts {
    type Output = Counts;
    fn add(self, other: Counts) -> Counts {
        Counts { good: self.good + other.good, total: self.total + other.total }
    }
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        *self = *self + other;
    }
}

impl std::iter::Sum for Counts {
    fn sum<I: Iterator<Item = Counts>>(iter: I) -> Counts {
        iter.fold(Counts::default(), |sum, c| sum + c)
    }
}

/// The windows burn rates are reported over, shortest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BurnWindow {
    FiveMinutes,
    ThirtyMinutes,
    OneHour,
    TwoHours,
    SixHours,
    OneDay,
    ThreeDays,
}

impl BurnWindow {
    pub const ALL: [BurnWindow; 7] = [
        BurnWindow::FiveMinutes,
        BurnWindow::ThirtyMinutes,
        BurnWindow::OneHour,
        BurnWindow::TwoHours,
        BurnWindow::SixHours,
        BurnWindow::OneDay,
        BurnWindow::ThreeDays,
    ];

    pub fn minutes(self) -> u64 {
        match self {
            BurnWindow::FiveMinutes => 5,
            BurnWindow::ThirtyMinutes => 30,
            BurnWindow::OneHour => 60,
            BurnWindow::TwoHours => 120,
            BurnWindow::SixHours => 360,
            BurnWindow::OneDay => 1440,
            BurnWindow::ThreeDays => 4320,
        }
    }

    /// `5m`, `30m`, `1h`, ... as the API names them.
    pub fn as_str(self) -> &'static str {
        match self {
            BurnWindow::FiveMinutes => "5m",
            BurnWindow::ThirtyMinutes => "30m",
            BurnWindow::OneHour => "1h",
            BurnWindow::TwoHours => "2h",
            BurnWindow::SixHours => "6h",
            BurnWindow::OneDay => "1d",
            BurnWindow::ThreeDays => "3d",
        }
    }
}

/// Burn rates over each [`BurnWindow`]; `None` where that window saw no events.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BurnRates([Option<f64>; 7]);

impl BurnRates {
    /// The burn rate of each window's counts.
    pub fn of(target: f64, counts: impl Fn(BurnWindow) -> Counts) -> Self {
        Self(BurnWindow::ALL.map(|window| counts(window).burn_rate(target)))
    }

    pub fn get(&self, window: BurnWindow) -> Option<f64> {
        self.0[window as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = (BurnWindow, Option<f64>)> + '_ {
        BurnWindow::ALL.into_iter().map(|window| (window, self.get(window)))
    }
}

/// An objective's alert state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Alert {
    Ok,
    /// Burning fast enough to spend the budget within days: someone should look today.
    Ticket,
    /// Burning fast enough to spend the budget within hours: wake someone.
    Page,
    /// No events in the SLO's window: nothing to judge.
    NoData,
}

impl Alert {
    pub fn as_str(self) -> &'static str {
        match self {
            Alert::Ok => "ok",
            Alert::Ticket => "ticket",
            Alert::Page => "page",
            Alert::NoData => "nodata",
        }
    }

    pub fn parse(text: &str) -> Option<Alert> {
        [Alert::Ok, Alert::Ticket, Alert::Page, Alert::NoData].into_iter().find(|a| a.as_str() == text)
    }

    /// The SRE workbook's rules (chapter 5, "Multiwindow, Multi-Burn-Rate
    /// Alerts"): each pairs a long window, which says the burn is real, with
    /// a short one, which says it is still going on. A window without events
    /// does not burn.
    pub fn judge(window_total: u64, burn: &BurnRates) -> Alert {
        use BurnWindow::*;
        if window_total == 0 {
            return Alert::NoData;
        }
        let over = |threshold: f64, long: BurnWindow, short: BurnWindow| {
            burn.get(long).is_some_and(|b| b > threshold) && burn.get(short).is_some_and(|b| b > threshold)
        };
        if over(14.4, OneHour, FiveMinutes) || over(6.0, SixHours, ThirtyMinutes) {
            Alert::Page
        } else if over(3.0, OneDay, TwoHours) || over(1.0, ThreeDays, SixHours) {
            Alert::Ticket
        } else {
            Alert::Ok
        }
    }
}

/// The error budget left over a window as it went by, for a chart: one
/// point at the window's start (1.0), then one at the end of each of
/// `hours` (unix seconds of each hour's start, with its counts; in order),
/// the last at the window's end with the budget left now. A point is the
/// budget left had the window ended there, against the events of the whole
/// window (`window_total`). Hours the window covers only in part count in
/// full except the last point, which is exact. At most `points` points.
pub fn burndown(
    window: std::ops::Range<u64>,
    hours: &[(u64, Counts)],
    window_total: Counts,
    target: f64,
    points: usize,
) -> Vec<(u64, f64)> {
    let allowed = (1.0 - target) * window_total.total as f64;
    if window_total.total == 0 || allowed <= 0.0 {
        return Vec::new();
    }
    let inside: Vec<&(u64, Counts)> = hours.iter().filter(|(hour, _)| hour + 3600 > window.start && *hour < window.end).collect();
    // The chart starts with the events: a window longer than the data is
    // said so by the page, not drawn as a flat line for most of its width.
    let first = inside.iter().position(|(_, counts)| counts.total > 0).unwrap_or(0);
    let inside = &inside[first..];
    let start = inside.first().map_or(window.start, |(hour, _)| (*hour).max(window.start));
    let step = inside.len().div_ceil(points.max(2) - 1).max(1);
    let mut series = vec![(start, 1.0)];
    let mut bad = 0u64;
    for (i, (hour, counts)) in inside.iter().enumerate() {
        bad += counts.bad();
        if (i + 1) % step == 0 && hour + 3600 < window.end {
            series.push((hour + 3600, 1.0 - bad as f64 / allowed));
        }
    }
    series.push((window.end, 1.0 - window_total.bad() as f64 / allowed));
    series
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burndown_falls_with_each_bad_hour_and_ends_exact() {
        let hours: Vec<(u64, Counts)> = (0..10u64).map(|h| (h * 3600, Counts::new(if h == 4 { 90 } else { 100 }, 100))).collect();
        let window = 1800..36_000; // starts inside the first hour
        let total = Counts::new(940, 950);
        let chart = burndown(window.clone(), &hours, total, 0.99, 100);
        assert_eq!(chart.first(), Some(&(1800, 1.0)));
        let allowed = 0.01 * 950.0;
        let after_bad_hour = chart.iter().find(|(at, _)| *at == 5 * 3600).expect("a point after the bad hour").1;
        assert!((after_bad_hour - (1.0 - 10.0 / allowed)).abs() < 1e-9, "{after_bad_hour}");
        assert_eq!(chart.last(), Some(&(36_000, total.budget_remaining(0.99).expect("events"))));
        assert!(chart.len() <= 11);

        // Events only in the last three hours of the window: the chart spans them.
        let late: Vec<(u64, Counts)> =
            (0..10u64).map(|h| (h * 3600, Counts::new(if h >= 7 { 100 } else { 0 }, if h >= 7 { 100 } else { 0 }))).collect();
        let chart = burndown(window.clone(), &late, Counts::new(300, 300), 0.99, 100);
        assert_eq!((chart.first(), chart.last()), (Some(&(7 * 3600, 1.0)), Some(&(36_000, 1.0))));
        assert!(burndown(window.clone(), &hours, total, 0.99, 4).len() <= 5, "thinned to the points asked");
        assert!(burndown(window, &hours, Counts::default(), 0.99, 100).is_empty(), "no events, no chart");
    }

    #[test]
    fn two_percent_errors_against_99_percent_overspend_the_budget_once() {
        let counts = Counts::new(9_800, 10_000);
        assert_eq!(counts.attainment(), Some(0.98));
        let burn = counts.burn_rate(0.99).expect("events");
        assert!((burn - 2.0).abs() < 1e-9, "{burn}");
        assert!((counts.budget_remaining(0.99).expect("events") + 1.0).abs() < 1e-9);
        let rates = BurnRates::of(0.99, |_| counts);
        assert_eq!(Alert::judge(counts.total, &rates), Alert::Ticket, "over 1 on 3d and 6h, under 3 on 1d");
    }

    #[test]
    fn alerts_need_both_windows_of_a_rule() {
        let at = |fast: f64, slow: f64| {
            // `fast` on the windows up to 2h, `slow` from 6h on.
            let rates = BurnRates(BurnWindow::ALL.map(|w| Some(if w.minutes() <= 120 { fast } else { slow })));
            Alert::judge(1, &rates)
        };
        assert_eq!(at(20.0, 20.0), Alert::Page);
        assert_eq!(at(20.0, 0.5), Alert::Page, "1h and 5m over 14.4");
        assert_eq!(at(7.0, 7.0), Alert::Page, "6h and 30m over 6");
        assert_eq!(at(0.5, 7.0), Alert::Ticket, "a burn that stopped within the hour pages no one; 3d and 6h still say look");
        assert_eq!(at(4.0, 4.0), Alert::Ticket, "1d and 2h over 3");
        assert_eq!(at(1.5, 1.5), Alert::Ticket, "3d and 6h over 1");
        assert_eq!(at(1.0, 1.0), Alert::Ok, "exactly the budget's pace is not over it");
        assert_eq!(Alert::judge(0, &BurnRates::default()), Alert::NoData);
        assert_eq!(Alert::judge(5, &BurnRates::default()), Alert::Ok, "traffic in the window, none lately");
    }

    #[test]
    fn counts_without_events_say_nothing() {
        let none = Counts::default();
        assert_eq!((none.attainment(), none.burn_rate(0.99), none.budget_remaining(0.99)), (None, None, None));
        assert_eq!(Counts::new(7, 5), Counts { good: 5, total: 5 }, "good is capped at total");
        assert_eq!([Counts::new(1, 2), Counts::new(3, 4)].into_iter().sum::<Counts>(), Counts::new(4, 6));
        for alert in [Alert::Ok, Alert::Ticket, Alert::Page, Alert::NoData] {
            assert_eq!(Alert::parse(alert.as_str()), Some(alert));
        }
    }
}
