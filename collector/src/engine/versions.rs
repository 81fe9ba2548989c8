//! Which version of each service runs, and when it changed.
//!
//! A rolling deploy runs two versions side by side, and spans arrive out of
//! order, so "the version of the last span" would flap. A deploy is recorded
//! when a version appears that the service has not run for a while
//! ([`QUIET_PERIOD_NANOS`]), from the version seen most recently before it. The
//! first version ever seen is not a deploy (there is nothing it replaced).

use std::collections::HashMap;

use super::model::{Name, SpanRecord};
use super::stats::{Deploy, VersionSeen};

/// A version absent this long and then seen again is a new deploy (a rollback, say).
pub const QUIET_PERIOD_NANOS: u64 = 10 * 60 * 1_000_000_000;

/// The store hears of a version's newer sightings at most this often: a
/// restart needs to know what ran, not to the second (the quiet period is
/// ten minutes), and a row per service and flush would be I/O for nothing.
const REPORT_EVERY_NANOS: u64 = 60 * 1_000_000_000;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceVersion {
    /// The version of the newest span seen (by start time).
    pub version: Option<Name>,
    pub environment: Option<Name>,
    pub last_seen_unix_nanos: u64,
}

/// One version of one service: when it last ran, and what the store has
/// been told of that.
#[derive(Debug)]
struct Seen {
    version: Name,
    environment: Option<Name>,
    last_seen_unix_nanos: u64,
    /// The sighting last handed to the store; `None`: never.
    reported_unix_nanos: Option<u64>,
}

impl Seen {
    fn is_news(&self) -> bool {
        self.reported_unix_nanos.is_none_or(|reported| self.last_seen_unix_nanos >= reported.saturating_add(REPORT_EVERY_NANOS))
    }
}

#[derive(Default)]
pub struct Versions {
    /// Per service: every version seen.
    seen: hashbrown::HashMap<Name, Vec<Seen>>,
}

impl Versions {
    /// Notes the span's version; returns a deploy if it starts one.
    pub fn observe(&mut self, span: &SpanRecord) -> Option<Deploy> {
        let at = span.start_unix_nanos;
        let version = span.emitter.version.as_ref()?;
        // Look up before inserting: most spans are of a service already seen.
        let seen = match self.seen.get_mut(span.service()) {
            Some(seen) => seen,
            None => self.seen.entry(span.service().clone()).or_default(),
        };
        let deploy = match seen.iter().position(|s| s.version == *version) {
            Some(i) => {
                let entry = &mut seen[i];
                let last = entry.last_seen_unix_nanos;
                if at > last {
                    entry.last_seen_unix_nanos = at;
                    if span.emitter.environment.is_some() {
                        entry.environment.clone_from(&span.emitter.environment);
                    }
                }
                if at <= last.saturating_add(QUIET_PERIOD_NANOS) {
                    return None;
                }
                // Back after a long absence: a deploy (from whatever ran last).
                Self::latest_other(seen, version)
            }
            None => {
                seen.push(Seen {
                    version: version.clone(),
                    environment: span.emitter.environment.clone(),
                    last_seen_unix_nanos: at,
                    reported_unix_nanos: None,
                });
                Self::latest_other(seen, version)
            }
        };
        deploy.map(|from_version| Deploy {
            service: span.service().clone(),
            at_unix_nanos: at,
            from_version,
            to_version: version.clone(),
            environment: span.emitter.environment.clone(),
        })
    }

    /// The version other than `version` seen most recently (spans arrive
    /// out of order: the old version may have newer spans than the first of
    /// the new one).
    fn latest_other(seen: &[Seen], version: &Name) -> Option<Name> {
        seen.iter().filter(|s| s.version != *version).max_by_key(|s| s.last_seen_unix_nanos).map(|s| s.version.clone())
    }

    /// Per service, the version of its newest span and its environment.
    pub fn current(&self) -> HashMap<Name, ServiceVersion> {
        self.seen
            .iter()
            .filter_map(|(service, versions)| {
                let newest = versions.iter().max_by_key(|s| s.last_seen_unix_nanos)?;
                let current = ServiceVersion {
                    version: Some(newest.version.clone()),
                    environment: newest.environment.clone(),
                    last_seen_unix_nanos: newest.last_seen_unix_nanos,
                };
                Some((service.clone(), current))
            })
            .collect()
    }

    /// Versions new since the last call, or seen again a minute or more
    /// after what was last reported, for the store.
    pub fn take_changed(&mut self) -> Vec<VersionSeen> {
        let mut changed = Vec::new();
        for (service, versions) in &mut self.seen {
            for seen in versions.iter_mut().filter(|s| s.is_news()) {
                seen.reported_unix_nanos = Some(seen.last_seen_unix_nanos);
                changed.push(VersionSeen {
                    service: service.clone(),
                    version: seen.version.clone(),
                    environment: seen.environment.clone(),
                    last_seen_unix_nanos: seen.last_seen_unix_nanos,
                });
            }
        }
        changed.sort_by(|a, b| (&a.service, &a.version).cmp(&(&b.service, &b.version)));
        changed
    }

    /// Starts from what an earlier run knew (after a restart): known
    /// versions are not deploys, and a new one is a deploy from the latest.
    pub fn seed(&mut self, known: VersionSeen) {
        let seen = self.seen.entry(known.service).or_default();
        match seen.iter_mut().find(|s| s.version == known.version) {
            Some(entry) => entry.last_seen_unix_nanos = entry.last_seen_unix_nanos.max(known.last_seen_unix_nanos),
            None => seen.push(Seen {
                version: known.version,
                environment: known.environment,
                last_seen_unix_nanos: known.last_seen_unix_nanos,
                reported_unix_nanos: Some(known.last_seen_unix_nanos),
            }),
        }
    }
}
