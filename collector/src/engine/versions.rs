//! Which version of each service runs, and when it changed.
//!
//! A rolling deploy runs two versions side by side, and spans arrive out of
//! order, so "the version of the last span" would flap. A deploy is recorded
//! when a version appears that the service has not run for a while
//! ([`QUIET_PERIOD`]), from the version seen most recently before it. The
//! first version ever seen is not a deploy (there is nothing it replaced).

use std::collections::HashMap;

use super::model::{Name, SpanRecord};
use super::stats::Deploy;

/// A version absent this long and then seen again is a new deploy (a rollback, say).
pub const QUIET_PERIOD_NANOS: u64 = 10 * 60 * 1_000_000_000;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceVersion {
    /// The version of the newest span seen (by start time).
    pub version: Option<Name>,
    pub environment: Option<Name>,
    pub last_seen_unix_nanos: u64,
}

#[derive(Default)]
pub struct Versions {
    /// Per service: every version seen, with the start of its newest span.
    seen: HashMap<Name, Vec<(Name, u64)>>,
    current: HashMap<Name, ServiceVersion>,
}

impl Versions {
    /// Notes the span's version; returns a deploy if it starts one.
    pub fn observe(&mut self, span: &SpanRecord) -> Option<Deploy> {
        let at = span.start_unix_nanos;
        let current = self.current.entry(span.service.clone()).or_default();
        if at >= current.last_seen_unix_nanos {
            current.last_seen_unix_nanos = at;
            current.version.clone_from(&span.version);
            if span.environment.is_some() {
                current.environment.clone_from(&span.environment);
            }
        }
        let version = span.version.as_ref()?;
        let seen = self.seen.entry(span.service.clone()).or_default();
        let deploy = match seen.iter().position(|(v, _)| v == version) {
            Some(i) => {
                let last = seen[i].1;
                seen[i].1 = last.max(at);
                if at <= last.saturating_add(QUIET_PERIOD_NANOS) {
                    return None;
                }
                // Back after a long absence: a deploy (from whatever ran last).
                Self::latest_other(seen, version)
            }
            None => {
                seen.push((version.clone(), at));
                Self::latest_other(seen, version)
            }
        };
        deploy.map(|from_version| Deploy {
            service: span.service.clone(),
            at_unix_nanos: at,
            from_version,
            to_version: version.clone(),
            environment: span.environment.clone(),
        })
    }

    /// The version other than `version` seen most recently (spans arrive
    /// out of order: the old version may have newer spans than the first of
    /// the new one).
    fn latest_other(seen: &[(Name, u64)], version: &Name) -> Option<Name> {
        seen.iter().filter(|(v, _)| v != version).max_by_key(|(_, last)| *last).map(|(v, _)| v.clone())
    }

    /// Version and environment of every service seen, by service.
    pub fn current(&self) -> &HashMap<Name, ServiceVersion> {
        &self.current
    }

    /// Starts from what an earlier run knew (after a restart).
    pub fn seed(&mut self, service: Name, version: Name, last_seen_unix_nanos: u64) {
        let seen = self.seen.entry(service).or_default();
        match seen.iter_mut().find(|(v, _)| *v == version) {
            Some(entry) => entry.1 = entry.1.max(last_seen_unix_nanos),
            None => seen.push((version, last_seen_unix_nanos)),
        }
    }
}
