//! Which blocks answer a window: the coarsest aligned ones each stretch of
//! it has, finer ones at its edges. Pure: the levels' watermarks in, ranges
//! of one resolution each out.

/// Bucket widths of the blocks, finest first. Each is rolled up from the
/// one before it once complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Resolution {
    /// What flushes write: a block per flush, merged by their writer into
    /// one a minute ([`super::Store::write_drained`]); the ten-minute roll-up
    /// compacts what late spans added.
    Minute,
    TenMinutes,
    Hour,
    Day,
}

impl Resolution {
    pub fn seconds(self) -> i64 {
        match self {
            Resolution::Minute => 60,
            Resolution::TenMinutes => 600,
            Resolution::Hour => 3600,
            Resolution::Day => 86_400,
        }
    }

    /// The resolution this one is rolled up from.
    pub fn finer(self) -> Option<Resolution> {
        match self {
            Resolution::Minute => None,
            Resolution::TenMinutes => Some(Resolution::Minute),
            Resolution::Hour => Some(Resolution::TenMinutes),
            Resolution::Day => Some(Resolution::Hour),
        }
    }

    /// Its name in the `rollups` table: the roll-up into it is done up to
    /// there (unix seconds).
    pub fn done_name(self) -> &'static str {
        match self {
            Resolution::Minute => "minute",
            Resolution::TenMinutes => "ten-minutes",
            Resolution::Hour => "hours",
            Resolution::Day => "days",
        }
    }

    /// Its name in the `rollups` table for how far back its blocks are kept.
    pub fn kept_name(self) -> &'static str {
        match self {
            Resolution::Minute => "minutes-kept-from",
            Resolution::TenMinutes => "ten-minutes-kept-from",
            Resolution::Hour => "hours-kept-from",
            Resolution::Day => "days-kept-from",
        }
    }

    pub fn floor(self, unix_secs: i64) -> i64 {
        unix_secs - unix_secs.rem_euclid(self.seconds())
    }
}

/// How far each roll-up has got and how far back each resolution is kept
/// (unix seconds; `i64::MIN` where nothing was ever deleted, 0 where
/// nothing was ever rolled up).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Levels {
    /// Ten-minute blocks exist for complete ten minutes before this.
    pub tens_done: i64,
    pub hours_done: i64,
    pub days_done: i64,
    pub minutes_kept_from: i64,
    pub tens_kept_from: i64,
    pub hours_kept_from: i64,
}

impl Levels {
    fn done(&self, resolution: Resolution) -> i64 {
        match resolution {
            Resolution::Minute => i64::MAX,
            Resolution::TenMinutes => self.tens_done,
            Resolution::Hour => self.hours_done,
            Resolution::Day => self.days_done,
        }
    }
}

/// The blocks that cover `since` to now without overlap: `(resolution, from,
/// to)`, each a range of bucket starts. Where the finest blocks of the
/// window's start were deleted, it starts at the start of the coarser block
/// that holds it (that block counts whole, as a minute does).
pub(super) fn plan(since: i64, levels: &Levels) -> Vec<(Resolution, i64, i64)> {
    let mut start = Resolution::Minute.floor(since);
    for (kept_from, coarser) in [
        (levels.minutes_kept_from, Resolution::TenMinutes),
        (levels.tens_kept_from, Resolution::Hour),
        (levels.hours_kept_from, Resolution::Day),
    ] {
        if start < kept_from {
            start = coarser.floor(start);
        }
    }
    let mut ranges: Vec<(Resolution, i64, i64)> = Vec::new();
    let mut at = start;
    while at < levels.tens_done {
        let resolution = [Resolution::Day, Resolution::Hour, Resolution::TenMinutes]
            .into_iter()
            .find(|r| at.rem_euclid(r.seconds()) == 0 && at + r.seconds() <= levels.done(*r))
            .unwrap_or(Resolution::Minute);
        let next = at + resolution.seconds();
        match ranges.last_mut() {
            Some((last, _, to)) if *last == resolution && *to == at => *to = next,
            _ => ranges.push((resolution, at, next)),
        }
        at = next;
    }
    match ranges.last_mut() {
        Some((Resolution::Minute, _, to)) => *to = i64::MAX,
        _ => ranges.push((Resolution::Minute, at.max(start), i64::MAX)),
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;
    use Resolution::*;

    const H: i64 = 3600;
    const D: i64 = 86_400;

    fn levels(tens_done: i64, hours_done: i64, days_done: i64) -> Levels {
        Levels { tens_done, hours_done, days_done, minutes_kept_from: i64::MIN, tens_kept_from: i64::MIN, hours_kept_from: i64::MIN }
    }

    #[test]
    fn nothing_rolled_up_reads_minutes() {
        assert_eq!(plan(125, &Levels::default()), [(Minute, 120, i64::MAX)]);
    }

    #[test]
    fn a_window_takes_the_coarsest_aligned_blocks_and_finer_ones_at_its_edges() {
        // Done: days to 2 d, hours to 2 d + 5 h, tens to 2 d + 5 h 40 m.
        let l = levels(2 * D + 5 * H + 2400, 2 * D + 5 * H, 2 * D);
        let since = 22 * H + 1260; // 22:21
        assert_eq!(
            plan(since, &l),
            [
                (Minute, 22 * H + 1260, 22 * H + 1800),
                (TenMinutes, 22 * H + 1800, 23 * H),
                (Hour, 23 * H, D),
                (Day, D, 2 * D),
                (Hour, 2 * D, 2 * D + 5 * H),
                (TenMinutes, 2 * D + 5 * H, 2 * D + 5 * H + 2400),
                (Minute, 2 * D + 5 * H + 2400, i64::MAX),
            ]
        );
        // Inside the minutes not yet rolled up: minutes only.
        assert_eq!(plan(2 * D + 5 * H + 2500, &l), [(Minute, 2 * D + 5 * H + 2460, i64::MAX)]);
    }

    #[test]
    fn where_fine_blocks_were_deleted_the_window_starts_at_the_coarser_block() {
        let mut l = levels(3 * D, 3 * D, 2 * D);
        l.minutes_kept_from = D + 12 * H;
        l.tens_kept_from = D + 6 * H;
        // 10:21 on day 1: its ten minutes are kept.
        assert_eq!(plan(D + 10 * H + 1260, &l)[0], (TenMinutes, D + 10 * H + 1200, D + 11 * H));
        // 01:21 on day 1: its ten minutes are gone, its hour is kept.
        assert_eq!(plan(D + H + 1260, &l)[0], (Hour, D + H, 3 * D));
        l.hours_kept_from = D + 2 * H;
        assert_eq!(plan(D + H + 1260, &l)[0], (Day, D, 2 * D), "the day it falls in");
    }
}
