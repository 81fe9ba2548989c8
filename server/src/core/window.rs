//! Time windows such as `5m`, `15m`, `1h`, `24h`, `7d`, `1w`: one grammar
//! for every parameter that takes a window (and the same units as
//! OpenSLO's durations).

use std::fmt;
use std::time::Duration;

/// The longest window any query may ask for: as long as hour buckets are kept by default.
pub const MAX_WINDOW: Duration = crate::traffic::rollups::DEFAULT_HOUR_RETENTION;

/// The windows up to `longest` [`Window::parse`] accepts, as a regular
/// expression for the API's description: a number from 1 to the longest
/// window in each unit, or nothing (the endpoint's default).
pub fn pattern(longest: Duration) -> String {
    let windows: Vec<String> = UNITS
        .iter()
        .filter(|(_, seconds)| longest.as_secs() >= *seconds)
        .map(|(unit, seconds)| format!("{}{unit}", from_one_to(longest.as_secs() / seconds)))
        .collect();
    format!("^({})?$", windows.join("|"))
}

/// A regular expression for the whole numbers 1..=`max`, leading zeros allowed.
fn from_one_to(max: u64) -> String {
    let digits = max.to_string();
    let width = digits.len();
    let mut alternatives = Vec::new();
    if width > 1 {
        alternatives.push(format!("[1-9][0-9]{{0,{}}}", width - 2));
    }
    // As wide as `max`: its first `i` digits, then a smaller digit, then any.
    for (i, digit) in digits.bytes().map(|b| b - b'0').enumerate() {
        let lowest = u8::from(i == 0);
        if digit > lowest {
            alternatives.push(format!("{}[{lowest}-{}][0-9]{{{}}}", &digits[..i], digit - 1, width - i - 1));
        }
    }
    alternatives.push(digits);
    format!("0*({})", alternatives.join("|"))
}

/// A window's units and their seconds.
const UNITS: [(&str, u64); 5] = [("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800)];

/// A positive window of at most [`MAX_WINDOW`], written `<n><s|m|h|d|w>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub duration: Duration,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("window `{0}`: expected a number followed by s, m, h, d or w, e.g. 15m")]
    NotANumber(String),
    #[error("window `{0}`: unit must be s, m, h, d or w")]
    Unit(String),
    #[error("window `{0}`: must be more than 0 and at most {max}", max = Window { duration: MAX_WINDOW })]
    OutOfRange(String),
}

impl Window {
    pub const fn minutes(minutes: u64) -> Self {
        Self { duration: Duration::from_secs(minutes * 60) }
    }

    pub fn parse(text: &str) -> Result<Self, WindowError> {
        let text = text.trim();
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let number: u64 = number.parse().map_err(|_| WindowError::NotANumber(text.to_string()))?;
        let Some(&(_, seconds)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(WindowError::Unit(text.to_string()));
        };
        let duration = Duration::from_secs(number.saturating_mul(seconds));
        if duration.is_zero() || duration > MAX_WINDOW {
            return Err(WindowError::OutOfRange(text.to_string()));
        }
        Ok(Self { duration })
    }

    /// Unix seconds where the window starts: the start of the minute bucket
    /// it begins in (that bucket counts whole).
    pub fn first_bucket(self, now_unix_secs: i64) -> i64 {
        let since = now_unix_secs - self.duration.as_secs() as i64;
        since - since.rem_euclid(60)
    }
}

/// In the largest unit that writes it whole: `15m`, `1h`, `90s`, `7d`.
impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.duration.as_secs();
        let (number, unit) = [(86_400, "d"), (3600, "h"), (60, "m")]
            .into_iter()
            .find(|(size, _)| seconds.is_multiple_of(*size))
            .map_or((seconds, "s"), |(size, unit)| (seconds / size, unit));
        write!(f, "{number}{unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_accepts_exactly_what_parse_accepts() {
        let pattern = regex::Regex::new(&pattern(MAX_WINDOW)).unwrap();
        let max_days = MAX_WINDOW.as_secs() / 86_400;
        let mut samples =
            vec![String::new(), "0m".into(), "00m".into(), "015m".into(), "1x".into(), "m".into(), "-1m".into(), "1.5h".into()];
        for (unit, _) in UNITS {
            for n in (0..3000).chain([max_days, max_days + 1, 129_599, 129_600, 129_601, 7_775_999, 7_776_000, 7_776_001, 99_999_999]) {
                samples.push(format!("{n}{unit}"));
            }
        }
        for text in samples {
            let accepted = text.is_empty() || Window::parse(&text).is_ok();
            assert_eq!(pattern.is_match(&text), accepted, "`{text}` against {pattern}");
        }
    }

    #[test]
    fn parses_shows_and_rejects() {
        assert_eq!(Window::parse("15m").unwrap().duration, Duration::from_secs(900));
        assert_eq!(Window::parse("7d").unwrap().duration, Duration::from_secs(604_800));
        for (text, shown) in [("15m", "15m"), ("60m", "1h"), ("90s", "90s"), ("48h", "2d"), ("25h", "25h")] {
            assert_eq!(Window::parse(text).unwrap().to_string(), shown);
        }
        assert_eq!(Window::parse("1w").unwrap(), Window::parse("7d").unwrap());
        for bad in ["", "m", "15", "0m", "15w", "15y", "-1h", "91d", "1.5h"] {
            assert!(Window::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Window::parse("91d").unwrap_err().to_string(), "window `91d`: must be more than 0 and at most 90d");
        assert_eq!(Window::minutes(15), Window::parse("15m").unwrap());
    }

    #[test]
    fn the_first_bucket_is_the_minute_the_window_starts_in() {
        let window = Window::parse("2m").unwrap();
        assert_eq!(window.first_bucket(1_000), 840, "1000 - 120 = 880, in the minute from 840");
    }
}
