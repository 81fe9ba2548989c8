//! Rate, errors and duration, mergeable: stats of one minute merge into an
//! hour, and those of many flushes into one answer. Latency is a sparse HDR
//! histogram ([`Latency`]: 1 µs to 1 h, 2 significant digits, 1 % error)
//! whose size follows the values seen.
//!
//! Counts are estimates of the calls made: a span kept by a sampler counts
//! as many calls as it stands for (its weight), and `kept` says how many
//! spans the estimate rests on (equal to the count when nothing was
//! sampled away).

use std::time::Duration;

use super::latency::Latency;
use super::model::{Edge, Name, Outcome};

/// Requests, errors and latency of a service or one of its operations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RedStats {
    /// Requests made (estimated where spans were sampled).
    pub requests: u64,
    /// RED's errors ([`Outcome::error`]).
    pub errors: u64,
    /// What an SLO's `status: not-5xx` counts as bad ([`Outcome::server_error`]).
    pub server_errors: u64,
    /// What an SLO's `status: ok` counts as bad ([`Outcome::status_error`]).
    pub status_errors: u64,
    /// Spans the counts rest on.
    pub kept: u64,
    pub latency: Latency,
}

impl RedStats {
    /// One kept span standing for `weight` requests.
    pub fn record(&mut self, outcome: Outcome, duration: Duration, weight: u64) {
        self.add(outcome, duration, weight, 1);
    }

    /// `weight` requests like this one, resting on `kept` spans (0 when a
    /// span counted before is found to stand for more).
    pub fn add(&mut self, outcome: Outcome, duration: Duration, weight: u64, kept: u64) {
        self.requests += weight;
        self.errors += weight * u64::from(outcome.error);
        self.server_errors += weight * u64::from(outcome.server_error);
        self.status_errors += weight * u64::from(outcome.status_error);
        self.kept += kept;
        self.latency.record_n(micros(duration), weight);
    }

    pub fn merge(&mut self, other: &RedStats) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.server_errors += other.server_errors;
        self.status_errors += other.status_errors;
        self.kept += other.kept;
        self.latency.merge(&other.latency);
    }

    /// Whether the counts are estimates (some spans stood for more than one request).
    pub fn estimated(&self) -> bool {
        self.kept != self.requests
    }

    pub fn quantile_ms(&self, q: f64) -> f64 {
        self.latency.quantile_ms(q)
    }
}

fn micros(duration: Duration) -> u64 {
    duration.as_micros().min(u128::from(u64::MAX)) as u64
}

/// One call as an edge counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    /// How many calls it stands for (its sampling weight, at least 1).
    pub weight: u64,
    /// The call failed: [`Outcome::error`](super::Outcome) of its server
    /// half, or of its only half.
    pub error: bool,
    /// The caller saw a failure: [`Outcome::caller_failure`](super::Outcome)
    /// of its calling half; where the caller is not instrumented, `error`.
    pub caller_failure: bool,
    /// The caller's duration, where the caller is instrumented.
    pub caller: Option<Duration>,
    /// The callee's own duration, where the callee is instrumented.
    pub callee: Option<Duration>,
}

impl Call {
    /// One call of weight 1 whose caller saw what its server did.
    pub fn one(error: bool, caller: Option<Duration>, callee: Option<Duration>) -> Self {
        Call { weight: 1, error, caller_failure: error, caller, callee }
    }
}

/// The calls on an edge: as the caller saw them and, where the callee is
/// instrumented, as the callee did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EdgeStats {
    /// Calls made (estimated where spans were sampled).
    pub requests: u64,
    /// Calls that failed ([`Call::error`]).
    pub errors: u64,
    /// Calls whose caller saw a failure ([`Call::caller_failure`]): a 404
    /// or a timeout the server does not count shows here only.
    pub caller_failures: u64,
    /// Calls the counts rest on (kept spans, a pair counting once).
    pub kept: u64,
    /// The caller's duration (the client or producer span); for calls from
    /// the `user` node, whose caller is not instrumented, the callee's.
    pub latency: Latency,
    /// The callee's own duration (the server span), where there is one.
    pub server_latency: Latency,
}

impl EdgeStats {
    /// One call, with the durations known of it (at least one).
    pub fn record(&mut self, call: &Call) {
        self.requests += call.weight;
        self.errors += call.weight * u64::from(call.error);
        self.caller_failures += call.weight * u64::from(call.caller_failure);
        self.kept += 1;
        if let Some(duration) = call.caller.or(call.callee) {
            self.latency.record_n(micros(duration), call.weight);
        }
        if let Some(duration) = call.callee {
            self.server_latency.record_n(micros(duration), call.weight);
        }
    }

    pub fn merge(&mut self, other: &EdgeStats) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.caller_failures += other.caller_failures;
        self.kept += other.kept;
        self.latency.merge(&other.latency);
        self.server_latency.merge(&other.server_latency);
    }

    /// Whether the counts are estimates (some spans stood for more than one call).
    pub fn estimated(&self) -> bool {
        self.kept != self.requests
    }

    /// The caller-side latency at quantile `q`, in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        self.latency.quantile_ms(q)
    }
}

/// The calls on one edge in one bucket.
#[derive(Clone, Debug)]
pub struct EdgeBucket {
    pub bucket_start_unix_secs: u64,
    pub edge: Edge,
    pub stats: EdgeStats,
}

/// One service's own work (its SERVER and CONSUMER spans) in one bucket.
#[derive(Clone, Debug)]
pub struct ServiceBucket {
    pub bucket_start_unix_secs: u64,
    pub service: Name,
    pub stats: RedStats,
}

/// One operation of a service in one bucket.
#[derive(Clone, Debug)]
pub struct OperationBucket {
    pub bucket_start_unix_secs: u64,
    pub service: Name,
    pub operation: Name,
    pub stats: RedStats,
}

/// Calls of one operation of a service from one calling service in one
/// bucket: who would break if the operation changed. Counted from paired
/// CLIENT→SERVER spans (the caller instrumented too), as their edge counts
/// them ([`Call`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerBucket {
    pub bucket_start_unix_secs: u64,
    pub caller: Name,
    pub service: Name,
    pub operation: Name,
    pub calls: u64,
    pub errors: u64,
    pub caller_failures: u64,
    pub kept: u64,
}

impl CallerBucket {
    pub fn record(&mut self, call: &Call) {
        self.calls += call.weight;
        self.errors += call.weight * u64::from(call.error);
        self.caller_failures += call.weight * u64::from(call.caller_failure);
        self.kept += 1;
    }

    pub fn merge(&mut self, other: &CallerBucket) {
        self.calls += other.calls;
        self.errors += other.errors;
        self.caller_failures += other.caller_failures;
        self.kept += other.kept;
    }
}

/// A change of a service's `service.version`, as first seen in its spans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deploy {
    pub service: Name,
    /// Start of the first span of the new version.
    pub at_unix_nanos: u64,
    pub from_version: Name,
    pub to_version: Name,
    pub environment: Option<Name>,
}

/// The latest sighting of one version of a service: kept by the store so a
/// restarted engine knows what ran before (see `Engine::seed_version`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionSeen {
    pub service: Name,
    pub version: Name,
    pub environment: Option<Name>,
    /// Start of the newest span of this version.
    pub last_seen_unix_nanos: u64,
}

/// Everything aggregated since the last drain, sorted by bucket then key.
#[derive(Debug, Default)]
pub struct Drained {
    pub edges: Vec<EdgeBucket>,
    pub services: Vec<ServiceBucket>,
    pub operations: Vec<OperationBucket>,
    pub callers: Vec<CallerBucket>,
    pub deploys: Vec<Deploy>,
    /// Versions seen since the last drain.
    pub versions: Vec<VersionSeen>,
}

impl Drained {
    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
            && self.services.is_empty()
            && self.operations.is_empty()
            && self.callers.is_empty()
            && self.deploys.is_empty()
            && self.versions.is_empty()
    }

    /// Adds a later drain's contents (for a flush that has to be retried).
    pub fn append(&mut self, mut later: Drained) {
        self.edges.append(&mut later.edges);
        self.services.append(&mut later.services);
        self.operations.append(&mut later.operations);
        self.callers.append(&mut later.callers);
        self.deploys.append(&mut later.deploys);
        self.versions.append(&mut later.versions);
    }
}
