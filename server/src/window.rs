//! Time windows such as `5m`, `15m`, `1h`, `24h`, `7d`.

use std::time::Duration;

/// The longest window any query may ask for (hour buckets are kept 90 days).
pub const MAX_WINDOW: Duration = Duration::from_secs(90 * 24 * 3600);

/// A positive window of at most 90 days, written `<n><s|m|h|d>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub duration: Duration,
}

impl Window {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let number: u64 = number.parse().map_err(|_| format!("window `{text}`: expected a number followed by s, m, h or d, e.g. 15m"))?;
        let seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return Err(format!("window `{text}`: unit must be s, m, h or d")),
        };
        let duration = Duration::from_secs(number.saturating_mul(seconds));
        if duration.is_zero() || duration > MAX_WINDOW {
            return Err(format!("window `{text}`: must be more than 0 and at most 90d"));
        }
        Ok(Self { duration })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(Window::parse("15m").unwrap().duration, Duration::from_secs(900));
        assert_eq!(Window::parse("7d").unwrap().duration, Duration::from_secs(604_800));
        for bad in ["", "m", "15", "0m", "15w", "-1h", "91d", "1.5h"] {
            assert!(Window::parse(bad).is_err(), "{bad}");
        }
    }
}
