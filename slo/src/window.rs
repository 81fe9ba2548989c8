//! Time windows, in whole minutes, and the split of a minute range at hour
//! boundaries that makes sums over stored hours exact at both ends.

use std::ops::Range;

use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, Zoned};

pub const MINUTE: u64 = 60;
pub const HOUR: u64 = 3600;

/// An SLO's window: the last N minutes, or the calendar period (in a time
/// zone, aligned to a start) that holds now.
#[derive(Clone, Debug, PartialEq)]
pub enum TimeWindow {
    Rolling { minutes: u64 },
    Calendar(Calendar),
}

/// Periods of `every` from `start` on: months from the 1st, weeks from a
/// Monday, whatever the start says.
#[derive(Clone, Debug, PartialEq)]
pub struct Calendar {
    pub start: Zoned,
    pub every: CalendarUnit,
}

/// A calendar period's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalendarUnit {
    Days(u32),
    Weeks(u32),
    Months(u32),
}

impl CalendarUnit {
    fn times(self, k: i64) -> Result<Span, jiff::Error> {
        match self {
            CalendarUnit::Days(n) => Span::new().try_days(i64::from(n) * k),
            CalendarUnit::Weeks(n) => Span::new().try_weeks(i64::from(n) * k),
            CalendarUnit::Months(n) => Span::new().try_months(i64::from(n) * k),
        }
    }

    /// A lower bound of the period's length in seconds, to guess how many
    /// periods have passed before stepping exactly.
    fn shortest_seconds(self) -> i64 {
        const DAY: i64 = 86_400;
        match self {
            CalendarUnit::Days(n) => i64::from(n) * (DAY - 3600),
            CalendarUnit::Weeks(n) => i64::from(n) * 7 * DAY - 3600,
            CalendarUnit::Months(n) => i64::from(n) * 28 * DAY - 3600,
        }
    }
}

impl TimeWindow {
    /// The window at `now` (unix seconds), in whole minutes: it ends with
    /// the last complete minute. A rolling window is exactly its length; a
    /// calendar window runs from its period's start to that end.
    pub fn range_at(&self, now: u64) -> Range<u64> {
        let end = now - now % MINUTE;
        match self {
            TimeWindow::Rolling { minutes } => end.saturating_sub(minutes * MINUTE)..end,
            TimeWindow::Calendar(calendar) => {
                let start = calendar.period_start(end);
                start.min(end)..end
            }
        }
    }

    /// The window's full length in minutes (a calendar window: its current
    /// period's), for charts and for showing what it is.
    pub fn describe(&self) -> String {
        match self {
            TimeWindow::Rolling { minutes } => describe_minutes(*minutes),
            TimeWindow::Calendar(calendar) => {
                let (n, unit) = match calendar.every {
                    CalendarUnit::Days(n) => (n, "day"),
                    CalendarUnit::Weeks(n) => (n, "week"),
                    CalendarUnit::Months(n) => (n, "month"),
                };
                let plural = if n == 1 { String::new() } else { format!("{n} ") };
                let s = if n == 1 { "" } else { "s" };
                format!("calendar {plural}{unit}{s} ({})", calendar.start.time_zone().iana_name().unwrap_or("UTC"))
            }
        }
    }
}

fn describe_minutes(minutes: u64) -> String {
    match minutes {
        m if m % 1440 == 0 => format!("{}d", m / 1440),
        m if m % 60 == 0 => format!("{}h", m / 60),
        m => format!("{m}m"),
    }
}

impl Calendar {
    /// Start (unix seconds, rounded down to a minute) of the period holding
    /// `at`; the first period's start if `at` is before it.
    fn period_start(&self, at: u64) -> u64 {
        let Ok(at) = Timestamp::from_second(i64::try_from(at).unwrap_or(i64::MAX)) else { return at };
        let first = self.start.timestamp();
        if at <= first {
            return seconds(first);
        }
        let start_of = |k: i64| self.every.times(k).ok().and_then(|span| self.start.checked_add(span).ok()).map(|z| z.timestamp());
        // A guess at or under the true count, then exact steps up.
        let mut k = (at.as_second() - first.as_second()) / self.every.shortest_seconds().max(1);
        while k > 0 && start_of(k).is_none_or(|start| start > at) {
            k -= 1;
        }
        while let Some(next) = start_of(k + 1)
            && next <= at
        {
            k += 1;
        }
        start_of(k).map_or(seconds(first), seconds)
    }
}

fn seconds(at: Timestamp) -> u64 {
    let s = u64::try_from(at.as_second()).unwrap_or(0);
    s - s % MINUTE
}

/// Unix seconds as RFC 3339 in UTC (`2024-03-01T12:00:00Z`).
pub fn rfc3339(unix_secs: u64) -> String {
    Timestamp::from_second(i64::try_from(unix_secs).unwrap_or(i64::MAX)).map_or_else(|_| unix_secs.to_string(), |t| t.to_string())
}

/// RFC 3339 (`2024-03-01T12:00:00Z`, any offset) as unix seconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    text.parse::<Timestamp>().ok().map(|t| t.as_second())
}

/// A calendar's start from OpenSLO's `startTime` (`2022-01-01 00:00:00`,
/// civil time) and `timeZone` (an IANA name).
pub fn calendar_start(start_time: &str, time_zone: &str) -> Result<Zoned, String> {
    let zone = TimeZone::get(time_zone)
        .map_err(|_| format!("unknown time zone `{time_zone}`; use an IANA name such as `Europe/Berlin` or `UTC`"))?;
    let civil: jiff::civil::DateTime =
        start_time.parse().map_err(|_| format!("`{start_time}` is not a date and time such as `2024-01-01 00:00:00`"))?;
    civil.to_zoned(zone).map_err(|e| format!("`{start_time}` does not exist in `{time_zone}`: {e}"))
}

/// A minute range cut at hour boundaries: the minutes of the hours it only
/// partly covers, and the hours it covers in full. Summing stored hours
/// this way counts no minute outside the range and misses none inside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HourSplit {
    /// Hour starts (unix seconds) of the hours covered in full.
    pub full_hours: Range<u64>,
    /// For each partly covered hour: its start, and the minutes of it inside the range.
    pub partial: Vec<(u64, Range<u64>)>,
}

impl HourSplit {
    pub fn of(range: Range<u64>) -> Self {
        let (start, end) = (range.start, range.end.max(range.start));
        let first_full = start.div_ceil(HOUR) * HOUR;
        let last_full_end = end - end % HOUR;
        if first_full >= last_full_end {
            // Inside one hour, or across one boundary without a full hour.
            let mut partial = Vec::new();
            let mut at = start;
            while at < end {
                let hour = at - at % HOUR;
                let stop = (hour + HOUR).min(end);
                partial.push((hour, at..stop));
                at = stop;
            }
            return Self { full_hours: first_full..first_full, partial };
        }
        let mut partial = Vec::new();
        if start < first_full {
            partial.push((first_full - HOUR, start..first_full));
        }
        if last_full_end < end {
            partial.push((last_full_end, last_full_end..end));
        }
        Self { full_hours: first_full..last_full_end, partial }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rolling_window_ends_with_the_last_complete_minute() {
        let window = TimeWindow::Rolling { minutes: 28 * 1440 };
        let now = 1_700_000_000 + 37; // 37 s into a minute
        let range = window.range_at(now);
        assert_eq!(range.end, 1_700_000_000 - 1_700_000_000 % 60);
        assert_eq!(range.end - range.start, 28 * 86_400);
        assert_eq!(window.describe(), "28d");
        assert_eq!(TimeWindow::Rolling { minutes: 30 * 1440 }.describe(), "30d");
    }

    #[test]
    fn a_calendar_month_starts_on_the_first_in_its_time_zone() {
        let start = calendar_start("2024-01-01 00:00:00", "Europe/Berlin").expect("valid");
        let window = TimeWindow::Calendar(Calendar { start, every: CalendarUnit::Months(1) });
        // 2024-03-15 12:00 UTC: March began 2024-02-29 23:00 UTC in Berlin (UTC+1).
        let now = "2024-03-15T12:00:00Z".parse::<Timestamp>().expect("time").as_second() as u64;
        let march = "2024-02-29T23:00:00Z".parse::<Timestamp>().expect("time").as_second() as u64;
        assert_eq!(window.range_at(now), march..now);
        // The last minute of March in Berlin (after the switch to summer time) is still March.
        let late = "2024-03-31T21:59:30Z".parse::<Timestamp>().expect("time").as_second() as u64;
        assert_eq!(window.range_at(late).start, march);
        let april = "2024-03-31T22:00:00Z".parse::<Timestamp>().expect("time").as_second() as u64;
        assert_eq!(window.range_at(april + 60).start, april);
        // Before the first period: an empty window at its start.
        let before = "2023-12-01T00:00:00Z".parse::<Timestamp>().expect("time").as_second() as u64;
        assert!(window.range_at(before).is_empty());
    }

    #[test]
    fn weeks_step_from_the_start() {
        let start = calendar_start("2024-01-01 00:00:00", "UTC").expect("a Monday");
        let window = TimeWindow::Calendar(Calendar { start, every: CalendarUnit::Weeks(1) });
        let wednesday = "2024-05-15T10:30:00Z".parse::<Timestamp>().expect("time").as_second() as u64;
        let monday = "2024-05-13T00:00:00Z".parse::<Timestamp>().expect("time").as_second() as u64;
        assert_eq!(window.range_at(wednesday).start, monday);
    }

    #[test]
    fn bad_calendars_say_what_is_wrong() {
        assert!(calendar_start("2024-01-01 00:00:00", "Mars/Olympus").unwrap_err().contains("unknown time zone"));
        assert!(calendar_start("first of may", "UTC").unwrap_err().contains("not a date"));
    }

    #[test]
    fn hour_splits_cover_each_minute_once() {
        for (start, end) in [(0, 7200), (600, 7200), (600, 7260), (600, 1200), (3000, 4200), (3000, 3600), (5, 5), (120, 10_920)] {
            let split = HourSplit::of(start..end);
            let mut minutes: Vec<u64> = split.full_hours.clone().step_by(HOUR as usize).flat_map(|h| (h..h + HOUR).step_by(60)).collect();
            for (hour, range) in &split.partial {
                assert!(range.start >= *hour && range.end <= hour + HOUR, "{start}..{end}: {range:?} inside hour {hour}");
                minutes.extend(range.clone().step_by(60));
            }
            minutes.sort_unstable();
            assert_eq!(minutes, (start..end).step_by(60).collect::<Vec<_>>(), "{start}..{end}: {split:?}");
        }
    }
}
