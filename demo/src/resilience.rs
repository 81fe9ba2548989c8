//! The resilience patterns the services use, as the seed articles describe
//! them: retries with exponential backoff and full jitter, a circuit breaker
//! and a token-bucket rate limiter. Pure: callers pass the time and the
//! random draw, so the tests need neither clocks nor luck.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Exponential backoff with full jitter (AWS architecture blog): attempt
/// `n` waits a random time in `[0, min(cap, base * 2^n))`.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    /// Retries after the first attempt.
    pub retries: u32,
}

impl Backoff {
    /// The wait before retry `attempt` (0-based); `random` in `[0, 1)`.
    pub fn delay(&self, attempt: u32, random: f64) -> Duration {
        let ceiling = self.base.saturating_mul(1 << attempt.min(16)).min(self.cap);
        ceiling.mul_f64(random.clamp(0.0, 1.0))
    }
}

/// Closed → (too many failures in a row) → open (calls refused, the
/// fallback answers) → after `open_for`, half-open: one trial call decides.
#[derive(Debug)]
pub struct CircuitBreaker {
    failure_threshold: u32,
    open_for: Duration,
    state: Mutex<BreakerState>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// A trial call is out; others are refused until it reports.
    HalfOpen,
}

impl CircuitBreaker {
    pub fn new(failure_threshold: u32, open_for: Duration) -> Self {
        CircuitBreaker { failure_threshold, open_for, state: Mutex::new(BreakerState::Closed { failures: 0 }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BreakerState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn state(&self) -> BreakerState {
        *self.lock()
    }

    /// Whether a call may go out now.
    pub fn allow(&self, now: Instant) -> bool {
        let mut state = self.lock();
        match *state {
            BreakerState::Closed { .. } => true,
            BreakerState::Open { until } if now >= until => {
                *state = BreakerState::HalfOpen;
                true
            }
            BreakerState::Open { .. } | BreakerState::HalfOpen => false,
        }
    }

    /// The outcome of a call that [`Self::allow`] let out.
    pub fn record(&self, success: bool, now: Instant) {
        let mut state = self.lock();
        *state = match (*state, success) {
            (_, true) => BreakerState::Closed { failures: 0 },
            (BreakerState::Closed { failures }, false) if failures + 1 < self.failure_threshold => {
                BreakerState::Closed { failures: failures + 1 }
            }
            (_, false) => BreakerState::Open { until: now + self.open_for },
        };
    }
}

/// A token bucket: `burst` requests at once, refilled at `per_second`.
#[derive(Debug)]
pub struct TokenBucket {
    burst: f64,
    per_second: f64,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    pub fn new(burst: f64, per_second: f64, now: Instant) -> Self {
        TokenBucket { burst, per_second, state: Mutex::new((burst, now)) }
    }

    /// Takes a token if there is one.
    pub fn try_take(&self, now: Instant) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, last) = *state;
        let refilled = (tokens + now.saturating_duration_since(last).as_secs_f64() * self.per_second).min(self.burst);
        let (left, taken) = if refilled >= 1.0 { (refilled - 1.0, true) } else { (refilled, false) };
        *state = (left, now.max(last));
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitters_below_it() {
        let backoff = Backoff { base: Duration::from_millis(50), cap: Duration::from_millis(300), retries: 3 };
        let full: Vec<u128> = (0..5).map(|n| backoff.delay(n, 0.999_999).as_millis()).collect();
        assert_eq!(full, [49, 99, 199, 299, 299]);
        assert_eq!(backoff.delay(2, 0.5), Duration::from_millis(100));
        assert_eq!(backoff.delay(40, 0.0), Duration::ZERO, "no overflow, and jitter reaches zero");
    }

    #[test]
    fn the_breaker_opens_after_consecutive_failures_and_a_trial_call_closes_it() {
        let t0 = Instant::now();
        let breaker = CircuitBreaker::new(3, Duration::from_secs(10));
        breaker.record(false, t0);
        breaker.record(true, t0);
        assert_eq!(breaker.state(), BreakerState::Closed { failures: 0 }, "a success resets the count");
        for _ in 0..3 {
            assert!(breaker.allow(t0));
            breaker.record(false, t0);
        }
        assert!(!breaker.allow(t0 + Duration::from_secs(9)), "open: refused");
        assert!(breaker.allow(t0 + Duration::from_secs(10)), "half-open: one trial");
        assert!(!breaker.allow(t0 + Duration::from_secs(10)), "only one");
        breaker.record(false, t0 + Duration::from_secs(10));
        assert!(!breaker.allow(t0 + Duration::from_secs(11)), "a failed trial opens it again");
        assert!(breaker.allow(t0 + Duration::from_secs(20)));
        breaker.record(true, t0 + Duration::from_secs(20));
        assert!(breaker.allow(t0 + Duration::from_secs(20)), "a good trial closes it");
    }

    #[test]
    fn the_bucket_allows_a_burst_then_its_refill_rate() {
        let t0 = Instant::now();
        let bucket = TokenBucket::new(3.0, 2.0, t0);
        assert_eq!((0..5).filter(|_| bucket.try_take(t0)).count(), 3);
        assert!(!bucket.try_take(t0 + Duration::from_millis(400)));
        assert!(bucket.try_take(t0 + Duration::from_millis(500)), "one token per 500 ms");
        assert_eq!((0..10).filter(|_| bucket.try_take(t0 + Duration::from_secs(60))).count(), 3, "never above the burst");
    }
}
