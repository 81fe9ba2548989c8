//! The conformance matrix's expectations: what the shop of real
//! OpenTelemetry instrumentation did in each case (`CASE.expected.tsv`,
//! written by hand: the truth), and the comparison of what Meridian made of
//! it. Shared by the collector's replay of the recorded exports
//! (`tests/instrumentation.rs`) and the server's live run
//! (`server/tests/it/instrumentation.rs`, through `#[path]`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The cases of the matrix, each a folder-less set of files in [`folder`].
pub const CASES: &[&str] = &["old", "new", "dup", "sampled"];

/// Where the expectations and recorded exports live.
pub fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../collector/tests/instrumentation")
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub source: String,
    pub target: String,
    pub connection: String,
    pub requests: u64,
    pub errors: u64,
    pub caller_failures: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Operation {
    pub service: String,
    pub operation: String,
    pub requests: u64,
    pub errors: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Consumer {
    pub caller: String,
    pub service: String,
    pub operation: String,
    pub calls: u64,
    pub errors: u64,
    pub caller_failures: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Expected {
    pub edges: Vec<Edge>,
    pub operations: Vec<Operation>,
    pub consumers: Vec<Consumer>,
    /// Sampled cases: how far estimates may be from the truth, as shares of
    /// it (requests, errors). `None`: exact.
    pub tolerance: Option<(f64, f64)>,
}

fn number(text: &str, at: &str) -> u64 {
    text.parse().unwrap_or_else(|_| panic!("{at}: `{text}` is not a count"))
}

impl Expected {
    pub fn read(case: &str) -> Expected {
        let path = folder().join(format!("{case}.expected.tsv"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut expected = Expected::default();
        for (number_of_line, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let at = format!("{}:{}", path.display(), number_of_line + 1);
            let fields: Vec<&str> = line.split('\t').collect();
            match fields.as_slice() {
                ["edge", source, target, connection, requests, errors, caller_failures] => expected.edges.push(Edge {
                    source: source.to_string(),
                    target: target.to_string(),
                    connection: connection.to_string(),
                    requests: number(requests, &at),
                    errors: number(errors, &at),
                    caller_failures: number(caller_failures, &at),
                }),
                ["operation", service, operation, requests, errors] => expected.operations.push(Operation {
                    service: service.to_string(),
                    operation: operation.to_string(),
                    requests: number(requests, &at),
                    errors: number(errors, &at),
                }),
                ["consumer", caller, service, operation, calls, errors, caller_failures] => expected.consumers.push(Consumer {
                    caller: caller.to_string(),
                    service: service.to_string(),
                    operation: operation.to_string(),
                    calls: number(calls, &at),
                    errors: number(errors, &at),
                    caller_failures: number(caller_failures, &at),
                }),
                ["tolerance", requests, errors] => {
                    let share = |t: &str| t.parse::<f64>().unwrap_or_else(|_| panic!("{at}: `{t}` is not a share"));
                    expected.tolerance = Some((share(requests), share(errors)));
                }
                _ => panic!("{at}: not an expectation: {line}"),
            }
        }
        expected.edges.sort();
        expected.operations.sort();
        expected.consumers.sort();
        expected
    }

    /// Whether `seen` is `truth` (exactly, or within the share allowed); a
    /// truth of 0 must be seen as 0.
    fn close(truth: u64, seen: u64, share: Option<f64>) -> bool {
        match share {
            None => truth == seen,
            Some(_) if truth == 0 => seen == 0,
            Some(share) => (seen as f64 - truth as f64).abs() <= share * truth as f64,
        }
    }

    fn counts(&self, truth: [u64; 3], seen: [u64; 3]) -> bool {
        let (requests, errors) = self.tolerance.map_or((None, None), |(r, e)| (Some(r), Some(e)));
        Self::close(truth[0], seen[0], requests) && Self::close(truth[1], seen[1], errors) && Self::close(truth[2], seen[2], errors)
    }

    /// Why `seen` differs from `expected`, if it does: the same facts (by
    /// `key`), each count as expected.
    fn differ<T: Clone + Ord + std::fmt::Debug, K: PartialEq>(
        &self,
        what: &str,
        expected: &[T],
        seen: &[T],
        key: impl Fn(&T) -> K,
        counts: impl Fn(&T) -> [u64; 3],
    ) -> Option<String> {
        let mut seen = seen.to_vec();
        seen.sort();
        let same =
            seen.len() == expected.len() && expected.iter().zip(&seen).all(|(e, s)| key(e) == key(s) && self.counts(counts(e), counts(s)));
        (!same).then(|| format!("{what} differ\nexpected: {expected:#?}\nseen: {seen:#?}"))
    }

    pub fn edges_differ(&self, seen: &[Edge]) -> Option<String> {
        self.differ(
            "edges",
            &self.edges,
            seen,
            |e| (e.source.clone(), e.target.clone(), e.connection.clone()),
            |e| [e.requests, e.errors, e.caller_failures],
        )
    }

    pub fn operations_differ(&self, seen: &[Operation]) -> Option<String> {
        self.differ("operations", &self.operations, seen, |o| (o.service.clone(), o.operation.clone()), |o| [o.requests, o.errors, 0])
    }

    pub fn consumers_differ(&self, seen: &[Consumer]) -> Option<String> {
        self.differ(
            "consumers",
            &self.consumers,
            seen,
            |c| (c.caller.clone(), c.service.clone(), c.operation.clone()),
            |c| [c.calls, c.errors, c.caller_failures],
        )
    }
}
