//! Sampled traffic counted as the traffic it stands for.
//!
//! A kept span weighs its adjusted count ([`Sampling`]). Counts stay whole
//! numbers: a weight of 20.0000001 counts 20, one of 2.5 counts 2 or 3
//! evenly ([`whole_weight`]), so sums are unbiased and every store, merge
//! and SLO keeps integer arithmetic. The coin is a span id, not a random
//! generator: replays and replicas agree, and both halves of a call (a
//! client's span id is its server's parent id) throw the same coin, so an
//! edge and its callee's operation count the same calls alike.
//!
//! A span that says nothing of its sampling takes its ancestors'
//! ([`TraceThresholds`]): descendants that follow their parent's decision
//! stand for what it does. SDKs write the threshold into every kept span's
//! tracestate, but the Python SDK's composable samplers (1.45) write it on
//! roots only (its issue 5578), so it is learned from a span of the same
//! export (the process's entry span), from the trace's root, and from a
//! call's caller; a server span counted at weight 1 before its call's
//! weight was known has the rest added when it pairs. A descendant's own,
//! sparser decision is never taken for its ancestors'.
//!
//! A paired call weighs the larger of its halves' adjusted counts: with
//! consistent probability sampling both halves are kept exactly when the
//! sparser sampler keeps the trace. The specification lets a callee sample
//! less than its caller; the caller's halves whose callee dropped the
//! trace then never meet a partner. [`CalleeSampling`] learns, per calling
//! service and peer, the threshold its callee samples at, so such a half
//! is known at once to have none (its randomness is below that threshold)
//! and is neither kept waiting nor shown as a call to an external node:
//! its pairs already count it.

use std::time::Duration;

use super::FastMap;
use super::model::{Name, Peer, Sampling, SpanRecord};

/// The largest weight counted: a threshold of 2^56 − 1 keeps one trace in 2^56.
const MAX_WEIGHT: f64 = (1u64 << 56) as f64;

/// `adjusted_count` as a whole number of calls, rounded up with the
/// probability of its fraction; `coin` decides.
pub fn whole_weight(adjusted_count: f64, coin: [u8; 8]) -> u64 {
    if adjusted_count.is_nan() || adjusted_count <= 1.0 {
        return 1;
    }
    let adjusted = adjusted_count.min(MAX_WEIGHT);
    let whole = adjusted.floor();
    let fraction = adjusted - whole;
    // A uniform number in [0, 1) from the coin's bits, mixed (splitmix64) so
    // that ids with structure (counters, tests) still spread evenly.
    let mut bits = u64::from_be_bytes(coin).wrapping_add(0x9e37_79b9_7f4a_7c15);
    bits = (bits ^ (bits >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    bits = (bits ^ (bits >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    bits ^= bits >> 31;
    let uniform = (bits >> 11) as f64 / (1u64 << 53) as f64;
    whole as u64 + u64::from(uniform < fraction)
}

/// How long a learned threshold lasts without a pair that confirms it:
/// a callee that starts to sample less is followed within two of these.
pub const GENERATION: Duration = Duration::from_secs(60);

/// Learned thresholds kept at most (then learning starts afresh).
const MAX_LEARNED: usize = 65_536;

/// Who a client half calls, as far as it says: its service, peer and port.
type CallerKey = (Name, Option<Name>, u16);

fn caller_key(client: &SpanRecord) -> CallerKey {
    let peer = match &client.peer {
        Some(Peer::Remote(name)) => Some(name.clone()),
        _ => None,
    };
    (client.service().clone(), peer, client.peer_port)
}

/// The lowest threshold each caller's callees were seen to sample at,
/// over this generation and the one before (so a callee that samples
/// less is believed after two generations, one that samples more at once).
#[derive(Default)]
pub struct CalleeSampling {
    current: FastMap<CallerKey, u64>,
    previous: FastMap<CallerKey, u64>,
    generation_started: Duration,
}

impl CalleeSampling {
    /// A client half met its server half: remember how the server sampled.
    /// Only callers that sample consistently are asked about, so only
    /// theirs are learned.
    pub fn learn(&mut self, client: &SpanRecord, server: &SpanRecord, now: Duration) {
        if client.sampling.threshold.is_none() {
            return;
        }
        self.turn(now);
        if self.current.len() >= MAX_LEARNED {
            self.current.clear();
        }
        let threshold = server.sampling.threshold.unwrap_or(0);
        let learned = self.current.entry(caller_key(client)).or_insert(threshold);
        *learned = (*learned).min(threshold);
    }

    /// Whether `client`'s server half cannot have been kept: its trace's
    /// randomness is below every threshold its callee was seen to sample at.
    pub fn partner_sampled_away(&mut self, client: &SpanRecord, now: Duration) -> bool {
        if client.sampling.threshold.is_none() {
            return false;
        }
        self.turn(now);
        let key = caller_key(client);
        let learned = match (self.current.get(&key), self.previous.get(&key)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) | (None, Some(&a)) => a,
            (None, None) => return false,
        };
        client.sampling.randomness < learned
    }

    fn turn(&mut self, now: Duration) {
        if now.saturating_sub(self.generation_started) >= GENERATION {
            self.previous = std::mem::take(&mut self.current);
            self.generation_started = now;
        }
    }
}

/// The sampling of traces seen with a threshold, for the pairing window:
/// the lowest threshold of each (its root's, whose decision descendants
/// follow), kept over this generation and the one before.
#[derive(Default)]
pub struct TraceThresholds {
    current: FastMap<[u8; 16], Sampling>,
    previous: FastMap<[u8; 16], Sampling>,
    generation_started: Duration,
}

impl TraceThresholds {
    /// Remembers `sampling` (which carries a threshold) for its trace.
    pub fn learn(&mut self, trace_id: [u8; 16], sampling: Sampling, now: Duration, generation: Duration) {
        let Some(threshold) = sampling.threshold else { return };
        if now.saturating_sub(self.generation_started) >= generation {
            self.previous = std::mem::take(&mut self.current);
            self.generation_started = now;
        }
        if self.current.len() >= MAX_LEARNED {
            self.current.clear();
        }
        let kept = self.current.entry(trace_id).or_insert(sampling);
        if kept.threshold.is_some_and(|known| threshold < known) {
            *kept = sampling;
        }
    }

    /// The sampling a span of `trace_id` that says nothing takes.
    pub fn of(&self, trace_id: &[u8; 16]) -> Option<Sampling> {
        if self.current.is_empty() && self.previous.is_empty() {
            return None;
        }
        match (self.current.get(trace_id), self.previous.get(trace_id)) {
            (Some(a), Some(b)) => Some(if a.threshold <= b.threshold { *a } else { *b }),
            (Some(a), None) | (None, Some(a)) => Some(*a),
            (None, None) => None,
        }
    }
}

/// The lowest threshold of each trace among `spans` that carry one (the
/// export's entry span's, when the trace entered this process sampled).
pub fn export_thresholds(spans: &[SpanRecord]) -> FastMap<[u8; 16], Sampling> {
    let mut found: FastMap<[u8; 16], Sampling> = FastMap::new();
    for span in spans {
        let Some(threshold) = span.sampling.threshold else { continue };
        let kept = found.entry(span.trace_id).or_insert(span.sampling);
        if kept.threshold.is_some_and(|known| threshold < known) {
            *kept = span.sampling;
        }
    }
    found
}

/// The adjusted count a tracestate's `ot=th:` threshold gives: 2^56 / (2^56 − th).
pub fn adjusted_count_of_threshold(threshold: u64) -> f64 {
    let kept = (1u64 << 56).saturating_sub(threshold);
    if kept == 0 { MAX_WEIGHT } else { (1u64 << 56) as f64 / kept as f64 }
}

impl Sampling {
    /// A span kept by consistent probability sampling at `threshold`.
    pub fn of_threshold(threshold: u64, randomness: u64) -> Self {
        Sampling { adjusted_count: adjusted_count_of_threshold(threshold), threshold: Some(threshold), randomness }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_whole_and_unbiased() {
        assert_eq!(whole_weight(1.0, [7; 8]), 1);
        assert_eq!(whole_weight(0.2, [7; 8]), 1, "a rate below one is nonsense: counts once");
        assert_eq!(whole_weight(f64::NAN, [7; 8]), 1);
        // The SDK's 5 % threshold: 2^56 / round(0.05 · 2^56), a hair under 20.
        let five_percent = adjusted_count_of_threshold((1u64 << 56) - (0.05f64 * (1u64 << 56) as f64).round() as u64);
        let sum: u64 = (0u64..10_000).map(|i| whole_weight(five_percent, i.to_be_bytes())).sum();
        assert_eq!(sum, 200_000, "19.99999999999999 counts 20");
        let sum: u64 = (0u64..100_000).map(|i| whole_weight(2.5, i.to_be_bytes())).sum();
        assert!((248_500..=251_500).contains(&sum), "2.5 on average: {sum}");
        assert_eq!(whole_weight(2.5, [3; 8]), whole_weight(2.5, [3; 8]), "the same coin, the same weight");
    }

    #[test]
    fn thresholds_give_adjusted_counts() {
        assert_eq!(adjusted_count_of_threshold(0), 1.0);
        assert_eq!(adjusted_count_of_threshold(1 << 55), 2.0, "th:8 keeps half");
        assert_eq!(adjusted_count_of_threshold((1 << 56) - 1), (1u64 << 56) as f64);
    }
}
