//! What a span's W3C tracestate says about how it was sampled: the `ot`
//! entry's `th` (rejection threshold) and `rv` (explicit randomness), as
//! OpenTelemetry's "TraceState: Probability Sampling" defines them. The
//! SDKs' consistent probability samplers write `th` into every span they
//! keep; its adjusted count is 2^56 / (2^56 − th).
//!
//! Read leniently, as the specification asks: a malformed `ot` entry, or a
//! malformed value in it, is as if absent.

use crate::engine::Sampling;

/// 56 bits: a threshold and a randomness are at most this many hex digits.
const DIGITS: usize = 14;
const RANDOMNESS_MASK: u64 = (1 << 56) - 1;

/// The span's sampling, when its tracestate carries a valid `th`.
pub fn sampling(trace_state: &str, trace_id: &[u8; 16]) -> Option<Sampling> {
    if trace_state.is_empty() {
        return None;
    }
    let ot = ot_entry(trace_state)?;
    let (mut threshold, mut randomness) = (None, None);
    for member in ot.split(';') {
        if let Some(value) = member.strip_prefix("th:") {
            threshold = parse_threshold(value);
        } else if let Some(value) = member.strip_prefix("rv:") {
            randomness = parse_randomness(value);
        }
    }
    let threshold = threshold?;
    let randomness = randomness.unwrap_or_else(|| trace_id_randomness(trace_id));
    Some(Sampling::of_threshold(threshold, randomness))
}

/// The value of the `ot` list-member (`key=value`, comma-separated, spaces
/// around members allowed).
fn ot_entry(trace_state: &str) -> Option<&str> {
    trace_state.split(',').find_map(|member| member.trim().strip_prefix("ot="))
}

/// `th`: 1 to 14 hex digits, trailing zeros dropped by the writer (`8` is 2^55).
fn parse_threshold(value: &str) -> Option<u64> {
    if value.is_empty() || value.len() > DIGITS || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let parsed = u64::from_str_radix(value, 16).ok()?;
    Some(parsed << (4 * (DIGITS - value.len())))
}

/// `rv`: exactly 14 hex digits.
fn parse_randomness(value: &str) -> Option<u64> {
    if value.len() != DIGITS || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(value, 16).ok()
}

/// The trace id's last 56 bits, the randomness when no `rv` is given.
fn trace_id_randomness(trace_id: &[u8; 16]) -> u64 {
    let mut low = [0u8; 8];
    low.copy_from_slice(&trace_id[8..]);
    u64::from_be_bytes(low) & RANDOMNESS_MASK
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: [u8; 16] = [0xab, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde];

    #[test]
    fn thresholds_and_randomness_as_the_sdks_write_them() {
        let half = sampling("ot=th:8", &TRACE).expect("th:8");
        assert_eq!((half.adjusted_count, half.threshold), (2.0, Some(1 << 55)));
        assert_eq!(half.randomness, 0x12_3456_789a_bcde, "the trace id's last 56 bits");
        let explicit = sampling("vendor=x,ot=rv:0123456789abcd;th:c", &TRACE).expect("th:c");
        assert_eq!((explicit.adjusted_count, explicit.randomness), (4.0, 0x01_2345_6789_abcd));
        // The Python SDK's 5 %: 2^56 − round(0.05 · 2^56), trailing zeros dropped.
        let five = sampling("ot=th:f33333333333", &TRACE).expect("5 %");
        assert!((five.adjusted_count - 20.0).abs() < 1e-9, "{}", five.adjusted_count);
        assert_eq!(sampling("ot=th:0", &TRACE).map(|s| s.adjusted_count), Some(1.0), "th:0 keeps everything");
        assert_eq!(sampling(" a=b , ot=th:8 ", &TRACE).map(|s| s.adjusted_count), Some(2.0), "spaces around members");
    }

    #[test]
    fn anything_malformed_is_as_if_absent() {
        for state in ["", "ot=", "ot=rv:0123456789abcd", "ot=th:", "ot=th:123456789abcdef", "ot=th:xyz", "other=th:8", "ot=th:8g"] {
            assert_eq!(sampling(state, &TRACE), None, "{state}");
        }
        let bad_rv = sampling("ot=th:8;rv:12", &TRACE).expect("th is fine");
        assert_eq!(bad_rv.randomness, 0x12_3456_789a_bcde, "a short rv falls back to the trace id");
    }
}
