//! The conformance matrix without processes: the OTLP/JSON that real
//! OpenTelemetry instrumentation sent in each case (Flask, requests,
//! sqlite3 and psycopg in Python; http, Express and pg in Node; recorded
//! by the server's live run, `server/tests/it/instrumentation.rs`) through
//! the decoder and the engine, against the truth of `CASE.expected.tsv`:
//! trace in, graph out.

#[path = "instrumentation/expected.rs"]
mod expected;

use std::collections::BTreeMap;
use std::time::Duration;

use collector::otlp::{Decoder, decode_json, decode_request};
use collector::{Engine, EngineConfig, NodeId};
use expected::{CASES, Consumer, Edge, Expected, Operation, folder};

fn node(id: &NodeId) -> String {
    format!("{}:{}", id.kind.as_str(), id.name)
}

/// Every export of `case`, both services', through one engine; what it
/// made of them once every half has met its partner or expired.
fn replay(case: &str) -> (Vec<Edge>, Vec<Operation>, Vec<Consumer>) {
    let mut engine = Engine::new(EngineConfig::default());
    let mut decoder = Decoder::default();
    for service in ["storefront", "orders"] {
        let path = folder().join(format!("{case}.{service}.jsonl"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{}: {e} (record it: MERIDIAN_UPDATE_FIXTURES=1 cargo test -p server --test it instrumentation)", path.display())
        });
        for (line, export) in text.lines().enumerate() {
            let request = decode_json(export.as_bytes()).unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), line + 1));
            let mut spans = Vec::new();
            let rejected = decode_request(&request, &mut decoder, &mut spans);
            assert_eq!(rejected.count, 0, "{}:{}: {:?}", path.display(), line + 1, rejected.first_reason);
            engine.ingest_all(spans, Duration::ZERO);
        }
    }
    engine.expire(Duration::from_secs(3_600));
    let drained = engine.drain();
    let mut edges: BTreeMap<(String, String, String), [u64; 3]> = BTreeMap::new();
    for bucket in &drained.edges {
        let counts =
            edges.entry((node(&bucket.edge.source), node(&bucket.edge.target), bucket.edge.connection.as_str().to_string())).or_default();
        counts[0] += bucket.stats.requests;
        counts[1] += bucket.stats.errors;
        counts[2] += bucket.stats.caller_failures;
    }
    let mut operations: BTreeMap<(String, String), [u64; 2]> = BTreeMap::new();
    for bucket in &drained.operations {
        let counts = operations.entry((bucket.service.to_string(), bucket.operation.to_string())).or_default();
        counts[0] += bucket.stats.requests;
        counts[1] += bucket.stats.errors;
    }
    let mut consumers: BTreeMap<(String, String, String), [u64; 3]> = BTreeMap::new();
    for bucket in &drained.callers {
        let counts = consumers.entry((bucket.caller.to_string(), bucket.service.to_string(), bucket.operation.to_string())).or_default();
        counts[0] += bucket.calls;
        counts[1] += bucket.errors;
        counts[2] += bucket.caller_failures;
    }
    (
        edges
            .into_iter()
            .map(|((source, target, connection), [requests, errors, caller_failures])| Edge {
                source,
                target,
                connection,
                requests,
                errors,
                caller_failures,
            })
            .collect(),
        operations
            .into_iter()
            .map(|((service, operation), [requests, errors])| Operation { service, operation, requests, errors })
            // Express's middleware spans are INTERNAL; only served operations count.
            .collect(),
        consumers
            .into_iter()
            .map(|((caller, service, operation), [calls, errors, caller_failures])| Consumer {
                caller,
                service,
                operation,
                calls,
                errors,
                caller_failures,
            })
            .collect(),
    )
}

#[test]
fn every_case_of_real_instrumentation_gives_the_truth() {
    let mut failures = Vec::new();
    for case in CASES {
        let expected = Expected::read(case);
        let (edges, operations, consumers) = replay(case);
        for problem in [expected.edges_differ(&edges), expected.operations_differ(&operations), expected.consumers_differ(&consumers)]
            .into_iter()
            .flatten()
        {
            failures.push(format!("case `{case}`: {problem}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
