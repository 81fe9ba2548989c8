//! Rate, errors and duration, mergeable: stats of one minute merge into an
//! hour, and those of many flushes into one answer. Latency is a sparse HDR
//! histogram ([`Latency`]: 1 µs to 1 h, 2 significant digits, 1 % error)
//! whose size follows the values seen.

use std::time::Duration;

use super::latency::Latency;
use super::model::{Edge, Name, Outcome};

/// Requests, errors and latency of a service or one of its operations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RedStats {
    pub requests: u64,
    /// RED's errors ([`Outcome::error`]).
    pub errors: u64,
    /// What an SLO's `status: not-5xx` counts as bad ([`Outcome::server_error`]).
    pub server_errors: u64,
    /// What an SLO's `status: ok` counts as bad ([`Outcome::status_error`]).
    pub status_errors: u64,
    pub latency: Latency,
}

impl RedStats {
    pub fn record(&mut self, outcome: Outcome, duration: Duration) {
        self.requests += 1;
        self.errors += u64::from(outcome.error);
        self.server_errors += u64::from(outcome.server_error);
        self.status_errors += u64::from(outcome.status_error);
        self.latency.record(duration);
    }

    pub fn merge(&mut self, other: &RedStats) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.server_errors += other.server_errors;
        self.status_errors += other.status_errors;
        self.latency.merge(&other.latency);
    }

    pub fn quantile_ms(&self, q: f64) -> f64 {
        self.latency.quantile_ms(q)
    }
}

/// The calls on an edge: as the caller saw them and, where the callee is
/// instrumented, as the callee did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EdgeStats {
    pub requests: u64,
    pub errors: u64,
    /// The caller's duration (the client or producer span); for calls from
    /// the `user` node, whose caller is not instrumented, the callee's.
    pub latency: Latency,
    /// The callee's own duration (the server span), where there is one.
    pub server_latency: Latency,
}

impl EdgeStats {
    /// One call, with the durations known of it (at least one).
    pub fn record(&mut self, is_error: bool, client: Option<Duration>, server: Option<Duration>) {
        self.requests += 1;
        self.errors += u64::from(is_error);
        if let Some(duration) = client.or(server) {
            self.latency.record(duration);
        }
        if let Some(duration) = server {
            self.server_latency.record(duration);
        }
    }

    pub fn merge(&mut self, other: &EdgeStats) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.latency.merge(&other.latency);
        self.server_latency.merge(&other.server_latency);
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
/// CLIENT→SERVER spans (the caller instrumented too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerBucket {
    pub bucket_start_unix_secs: u64,
    pub caller: Name,
    pub service: Name,
    pub operation: Name,
    pub calls: u64,
    pub errors: u64,
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
