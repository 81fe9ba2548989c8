//! An objective's good and total events, kept per hour with each minute
//! inside it: hours sum fast, and the minutes make sums exact where a window
//! starts or ends inside an hour.

use std::ops::Range;

use crate::budget::Counts;
use crate::window::{HOUR, HourSplit, MINUTE};

/// One hour of counts, minute by minute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HourCounts {
    /// Unix seconds of the hour's start.
    pub hour: u64,
    minutes: [Counts; 60],
}

/// A stored hour that cannot be read back.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("stored SLO hour {hour} is corrupt: {reason}")]
pub struct CorruptHour {
    pub hour: u64,
    pub reason: &'static str,
}

impl HourCounts {
    pub fn new(hour: u64) -> Self {
        Self { hour: hour - hour % HOUR, minutes: [Counts::default(); 60] }
    }

    /// Sets the counts of the minute starting at `minute` (unix seconds,
    /// inside this hour); a minute counted again replaces what it had.
    pub fn set(&mut self, minute: u64, counts: Counts) {
        if let Some(slot) = self.slot(minute) {
            self.minutes[slot] = counts;
        }
    }

    fn slot(&self, minute: u64) -> Option<usize> {
        (minute >= self.hour && minute < self.hour + HOUR).then(|| ((minute - self.hour) / MINUTE) as usize)
    }

    pub fn total(&self) -> Counts {
        self.minutes.iter().copied().sum()
    }

    /// The counts of the minutes starting inside `range` (unix seconds).
    pub fn within(&self, range: &Range<u64>) -> Counts {
        (0..60u64).filter(|m| range.contains(&(self.hour + m * MINUTE))).map(|m| self.minutes[m as usize]).sum()
    }

    /// The minutes as varint pairs (good, total), 60 of them: a quiet hour
    /// is 120 bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(120);
        for counts in &self.minutes {
            varint(&mut out, counts.good);
            varint(&mut out, counts.total);
        }
        out
    }

    pub fn decode(hour: u64, bytes: &[u8]) -> Result<Self, CorruptHour> {
        let corrupt = |reason| CorruptHour { hour, reason };
        let mut decoded = Self::new(hour);
        let mut rest = bytes;
        for slot in &mut decoded.minutes {
            let good = read_varint(&mut rest).ok_or(corrupt("a minute's good count is cut short"))?;
            let total = read_varint(&mut rest).ok_or(corrupt("a minute's total count is cut short"))?;
            if good > total {
                return Err(corrupt("a minute has more good events than events"));
            }
            *slot = Counts { good, total };
        }
        if !rest.is_empty() {
            return Err(corrupt("bytes after the 60th minute"));
        }
        Ok(decoded)
    }
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn read_varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first()?;
        *bytes = rest;
        value |= u64::from(byte & 0x7f).checked_shl(shift)?;
        if byte < 0x80 {
            return Some(value);
        }
    }
    None
}

/// The counts of `range` (unix seconds, whole minutes) from the hours that
/// hold it: `full` gives the sum of the hours covered in full (a database
/// sums those without reading their minutes), `hour` one partly covered
/// hour's minutes (`None`: no events that hour).
pub fn sum_range<E>(
    range: Range<u64>,
    full: impl FnOnce(Range<u64>) -> Result<Counts, E>,
    mut hour: impl FnMut(u64) -> Result<Option<HourCounts>, E>,
) -> Result<Counts, E> {
    let split = HourSplit::of(range);
    let mut sum = if split.full_hours.is_empty() { Counts::default() } else { full(split.full_hours)? };
    for (start, minutes) in split.partial {
        if let Some(counts) = hour(start)? {
            sum += counts.within(&minutes);
        }
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::convert::Infallible;

    #[test]
    fn hours_round_trip_and_refuse_damage() {
        let mut hour = HourCounts::new(7200 + 59);
        assert_eq!(hour.hour, 7200);
        hour.set(7200, Counts::new(5, 6));
        hour.set(7200 + 59 * 60, Counts::new(1_000_000, 1_000_000));
        hour.set(7200 + 3600, Counts::new(1, 1)); // the next hour's: ignored
        assert_eq!(hour.total(), Counts::new(1_000_005, 1_000_006));
        let bytes = hour.encode();
        assert_eq!(HourCounts::decode(7200, &bytes), Ok(hour.clone()));
        assert!(HourCounts::decode(7200, &bytes[..bytes.len() - 1]).is_err());
        assert!(HourCounts::decode(7200, &[bytes.clone(), vec![0]].concat()).is_err());
        assert!(HourCounts::decode(7200, &[2, 1].repeat(60)).is_err(), "good over total");
        assert!(HourCounts::decode(7200, &[0xff; 12]).is_err(), "a varint past 64 bits");
    }

    #[test]
    fn a_minute_just_outside_the_window_is_not_counted() {
        // One event a minute for three hours, the minute at 01:29 bad.
        let mut hours = BTreeMap::new();
        for minute in (0..3 * HOUR).step_by(60) {
            let hour = hours.entry(minute - minute % HOUR).or_insert_with(|| HourCounts::new(minute));
            hour.set(minute, Counts::new(u64::from(minute != 5340), 1));
        }
        let sum = |range: Range<u64>| {
            let Ok::<_, Infallible>(counts) =
                sum_range(range, |full| Ok(hours.range(full).map(|(_, h)| h.total()).sum()), |start| Ok(hours.get(&start).cloned()));
            counts
        };
        assert_eq!(sum(5400..10_800), Counts::new(90, 90), "from 01:30: the bad minute is just outside");
        assert_eq!(sum(5340..10_800), Counts::new(90, 91), "from 01:29: it is the first inside");
        assert_eq!(sum(0..5340), Counts::new(89, 89), "up to 01:29, not including it");
        assert_eq!(sum(0..10_800), Counts::new(179, 180));
        assert_eq!(sum(60..120), Counts::new(1, 1));
    }
}
