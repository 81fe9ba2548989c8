use std::sync::Arc;

use super::*;

fn span(service: &str, kind: SpanKind, trace: u8, id: u8, parent: Option<u8>, error: bool) -> SpanRecord {
    SpanRecord {
        trace_id: [trace; 16],
        span_id: [id; 8],
        parent_span_id: parent.map(|p| [p; 8]),
        kind,
        emitter: Arc::new(Emitter { service: Arc::from(service), version: None, environment: None }),
        operation: Arc::from("GET /items"),
        start_unix_nanos: 120_000_000_000 + u64::from(id) * 1_000_000,
        end_unix_nanos: 120_000_000_000 + u64::from(id) * 1_000_000 + 5_000_000,
        outcome: Outcome::of(kind, error, None, None),
        protocol: Protocol::Http,
        peer: None,
        peer_port: 0,
        destination: None,
        sampling: Sampling::UNSAMPLED,
    }
}

fn with_peer(mut s: SpanRecord, peer: Peer) -> SpanRecord {
    s.peer = Some(peer);
    s
}

fn with_destination(mut s: SpanRecord, topic: &str) -> SpanRecord {
    s.destination = Some(Arc::from(topic));
    s
}

fn name(text: &str) -> Name {
    Arc::from(text)
}

/// (source, target, connection, requests, errors) of every edge drained.
fn edges(drained: &Drained) -> Vec<(String, String, &'static str, u64, u64)> {
    drained
        .edges
        .iter()
        .map(|b| {
            (
                format!("{}:{}", b.edge.source.kind.as_str(), b.edge.source.name),
                format!("{}:{}", b.edge.target.kind.as_str(), b.edge.target.name),
                b.edge.connection.as_str(),
                b.stats.requests,
                b.stats.errors,
            )
        })
        .collect()
}

fn edge(source: &str, target: &str, connection: &'static str, requests: u64, errors: u64) -> (String, String, &'static str, u64, u64) {
    (source.to_string(), target.to_string(), connection, requests, errors)
}

#[test]
fn halves_pair_in_either_order() {
    let mut engine = Engine::new(EngineConfig::default());
    let now = Duration::ZERO;
    // client first
    engine.ingest(span("gateway", SpanKind::Client, 1, 10, Some(1), false), now);
    engine.ingest(span("catalog", SpanKind::Server, 1, 11, Some(10), false), now);
    // server first, with an error on the server side
    engine.ingest(span("catalog", SpanKind::Server, 2, 21, Some(20), true), now);
    engine.ingest(span("gateway", SpanKind::Client, 2, 20, Some(2), false), now);
    // entry point
    engine.ingest(span("gateway", SpanKind::Server, 3, 30, None, false), now);
    assert_eq!(engine.pending_len(), 0);
    assert_eq!(engine.counters().paired, 2);
    let drained = engine.drain();
    assert_eq!(
        edges(&drained),
        [edge("service:gateway", "service:catalog", "http", 2, 1), edge("user:user", "service:gateway", "http", 1, 0)]
    );
    assert!(engine.drain().is_empty(), "drain hands buckets over once");
}

#[test]
fn both_sides_durations_are_kept() {
    let mut engine = Engine::new(EngineConfig::default());
    let mut client = span("a", SpanKind::Client, 1, 10, None, false);
    client.end_unix_nanos = client.start_unix_nanos + 40_000_000;
    let mut server = span("b", SpanKind::Server, 1, 11, Some(10), false);
    server.end_unix_nanos = server.start_unix_nanos + 30_000_000;
    engine.ingest(server, Duration::ZERO);
    engine.ingest(client, Duration::ZERO);
    let drained = engine.drain();
    let stats = &drained.edges[0].stats;
    assert!((39.0..=41.0).contains(&stats.quantile_ms(0.5)), "{}", stats.quantile_ms(0.5));
    assert!((29.0..=31.0).contains(&stats.server_latency.quantile_ms(0.5)));
}

#[test]
fn calls_inside_one_service_are_not_edges_but_count_for_the_service() {
    let mut engine = Engine::new(EngineConfig::default());
    engine.ingest(span("a", SpanKind::Client, 1, 10, Some(1), false), Duration::ZERO);
    engine.ingest(span("a", SpanKind::Server, 1, 11, Some(10), false), Duration::ZERO);
    assert_eq!(engine.counters().paired, 1);
    let drained = engine.drain();
    assert!(drained.edges.is_empty());
    assert_eq!(drained.services.len(), 1);
    assert_eq!((&*drained.services[0].service, drained.services[0].stats.requests), ("a", 1));
}

#[test]
fn service_and_operation_red_come_from_server_spans() {
    let mut engine = Engine::new(EngineConfig::default());
    let mut post = span("shop", SpanKind::Server, 1, 1, None, true);
    post.operation = name("POST /orders");
    engine.ingest(post, Duration::ZERO);
    engine.ingest(span("shop", SpanKind::Server, 2, 2, None, false), Duration::ZERO);
    engine.ingest(span("shop", SpanKind::Server, 3, 3, None, false), Duration::ZERO);
    engine.ingest(span("shop", SpanKind::Internal, 3, 4, Some(3), true), Duration::ZERO);
    let drained = engine.drain();
    assert_eq!((drained.services[0].stats.requests, drained.services[0].stats.errors), (3, 1), "internal spans are not requests");
    let operations: Vec<(&str, u64, u64)> = drained.operations.iter().map(|o| (&*o.operation, o.stats.requests, o.stats.errors)).collect();
    assert_eq!(operations, [("GET /items", 2, 0), ("POST /orders", 1, 1)]);
}

#[test]
fn database_calls_are_edges_to_database_nodes_at_once() {
    let mut engine = Engine::new(EngineConfig::default());
    engine.ingest(with_peer(span("users", SpanKind::Client, 1, 10, Some(1), false), Peer::Database(name("users_db"))), Duration::ZERO);
    assert_eq!(engine.pending_len(), 0, "a database call never waits");
    assert_eq!(edges(&engine.drain()), [edge("service:users", "database:users_db", "database", 1, 0)]);
}

#[test]
fn unanswered_calls_to_a_named_peer_become_external_nodes_after_the_window() {
    let mut engine = Engine::new(EngineConfig::default());
    engine.ingest(with_peer(span("payments", SpanKind::Client, 1, 10, Some(1), true), Peer::Remote(name("stripe"))), Duration::ZERO);
    // a client span naming nothing just expires
    engine.ingest(span("payments", SpanKind::Client, 1, 11, Some(1), false), Duration::ZERO);
    assert!(engine.drain().edges.is_empty(), "still within the window");
    engine.expire(Duration::from_secs(11));
    assert_eq!(engine.counters().expired, 2);
    assert_eq!(edges(&engine.drain()), [edge("service:payments", "external:stripe", "http", 1, 1)]);
}

#[test]
fn a_named_peer_that_is_instrumented_is_a_service() {
    let mut engine = Engine::new(EngineConfig::default());
    engine.ingest(with_peer(span("a", SpanKind::Client, 1, 10, None, false), Peer::Remote(name("b"))), Duration::ZERO);
    engine.ingest(span("b", SpanKind::Server, 1, 11, Some(10), false), Duration::ZERO);
    engine.expire(Duration::from_secs(60));
    assert_eq!(edges(&engine.drain()), [edge("service:a", "service:b", "http", 1, 0)]);
}

#[test]
fn a_server_span_whose_caller_never_shows_up_is_an_entry_point() {
    let mut engine = Engine::new(EngineConfig::default());
    // parent from a browser's traceparent: no CLIENT span will come
    engine.ingest(span("gateway", SpanKind::Server, 1, 11, Some(99), false), Duration::ZERO);
    engine.expire(Duration::from_secs(10));
    assert_eq!(edges(&engine.drain()), [edge("user:user", "service:gateway", "http", 1, 0)]);
}

#[test]
fn messaging_goes_through_a_topic_node() {
    let mut engine = Engine::new(EngineConfig::default());
    let producer = with_destination(span("checkout", SpanKind::Producer, 1, 10, Some(1), false), "kafka/orders");
    let consumer = with_destination(span("notifications", SpanKind::Consumer, 1, 11, Some(10), false), "kafka/orders");
    engine.ingest(consumer, Duration::ZERO);
    engine.ingest(producer, Duration::ZERO);
    assert_eq!(engine.pending_len(), 0, "the halves met");
    assert_eq!(engine.counters().paired, 1);
    assert_eq!(
        edges(&engine.drain()),
        [
            edge("service:checkout", "messaging:kafka/orders", "messaging", 1, 0),
            edge("messaging:kafka/orders", "service:notifications", "messaging", 1, 0),
        ]
    );
}

#[test]
fn a_consumer_that_does_not_name_the_topic_learns_it_from_its_producer() {
    let mut engine = Engine::new(EngineConfig::default());
    engine.ingest(span("notifications", SpanKind::Consumer, 1, 11, Some(10), false), Duration::ZERO);
    engine.ingest(with_destination(span("checkout", SpanKind::Producer, 1, 10, Some(1), false), "kafka/orders"), Duration::ZERO);
    // and in the other order
    engine.ingest(with_destination(span("checkout", SpanKind::Producer, 4, 40, Some(1), false), "kafka/orders"), Duration::ZERO);
    engine.ingest(span("notifications", SpanKind::Consumer, 4, 41, Some(40), false), Duration::ZERO);
    assert_eq!(engine.counters().paired, 2);
    assert_eq!(
        edges(&engine.drain()),
        [
            edge("service:checkout", "messaging:kafka/orders", "messaging", 2, 0),
            edge("messaging:kafka/orders", "service:notifications", "messaging", 2, 0),
        ]
    );
    // neither names it: producer → consumer directly
    engine.ingest(span("checkout", SpanKind::Producer, 2, 20, Some(2), false), Duration::ZERO);
    engine.ingest(span("notifications", SpanKind::Consumer, 2, 21, Some(20), false), Duration::ZERO);
    assert_eq!(edges(&engine.drain()), [edge("service:checkout", "service:notifications", "messaging", 1, 0)]);
}

#[test]
fn a_full_store_expires_first_then_evicts_the_oldest_and_keeps_what_they_say() {
    let config = EngineConfig { pairing_window: Duration::from_secs(10), max_pending: 2, ..EngineConfig::default() };
    let mut engine = Engine::new(config);
    engine.ingest(with_peer(span("a", SpanKind::Client, 1, 1, None, false), Peer::Remote(name("x"))), Duration::ZERO);
    engine.ingest(span("a", SpanKind::Client, 1, 2, None, false), Duration::from_secs(5));
    engine.ingest(span("a", SpanKind::Client, 1, 3, None, false), Duration::from_secs(6));
    assert_eq!(engine.counters().evicted, 1, "full and nothing old enough to expire: the oldest goes");
    assert_eq!(edges(&engine.drain()), [edge("service:a", "external:x", "http", 1, 0)], "evicted, not forgotten");
    engine.ingest(span("a", SpanKind::Client, 1, 4, None, false), Duration::from_millis(15_500));
    assert_eq!(engine.counters().expired, 1, "span 2 expired to make room");
    assert_eq!(engine.pending_len(), 2);
    engine.expire(Duration::from_secs(30));
    assert_eq!(engine.pending_len(), 0);
    assert_eq!(engine.counters().expired, 3);
}

#[test]
fn latency_and_buckets() {
    let mut engine = Engine::new(EngineConfig::default());
    let mut client = span("a", SpanKind::Client, 1, 10, None, false);
    client.start_unix_nanos = 61_000_000_000;
    client.end_unix_nanos = 61_250_000_000;
    engine.ingest(client, Duration::ZERO);
    engine.ingest(span("b", SpanKind::Server, 1, 11, Some(10), false), Duration::ZERO);
    let drained = engine.drain();
    assert_eq!(drained.edges.len(), 1);
    assert_eq!(drained.edges[0].bucket_start_unix_secs, 60);
    let p50 = drained.edges[0].stats.latency.quantile_us(0.5);
    assert!((247_000..=253_000).contains(&p50), "{p50}");
}

#[test]
fn a_new_service_version_is_a_deploy_and_a_rolling_overlap_is_not_two() {
    let mut engine = Engine::new(EngineConfig::default());
    let at = |version: &str, minute: u64| {
        let mut s = span("payments", SpanKind::Server, 1, 1, None, false);
        let emitter = Arc::make_mut(&mut s.emitter);
        emitter.version = Some(name(version));
        emitter.environment = Some(name("production"));
        s.start_unix_nanos = minute * 60_000_000_000;
        s.end_unix_nanos = s.start_unix_nanos + 1_000_000;
        s
    };
    engine.ingest(at("1.0", 1), Duration::ZERO);
    assert!(engine.drain().deploys.is_empty(), "the first version seen replaced nothing");
    // rolling deploy: both versions interleave, out of order
    for (version, minute) in [("1.1", 3), ("1.0", 4), ("1.1", 4), ("1.0", 2), ("1.1", 5)] {
        engine.ingest(at(version, minute), Duration::ZERO);
    }
    let deploys = engine.drain().deploys;
    assert_eq!(deploys.len(), 1, "{deploys:?}");
    assert_eq!((&*deploys[0].from_version, &*deploys[0].to_version, deploys[0].at_unix_nanos), ("1.0", "1.1", 3 * 60_000_000_000));
    assert_eq!(deploys[0].environment.as_deref(), Some("production"));
    // a rollback long after: 1.0 again
    engine.ingest(at("1.0", 60), Duration::ZERO);
    let deploys = engine.drain().deploys;
    assert_eq!(deploys.iter().map(|d| (&*d.from_version, &*d.to_version)).collect::<Vec<_>>(), [("1.1", "1.0")]);
    assert_eq!(engine.service_versions()[&name("payments")].version.as_deref(), Some("1.0"));
}

#[test]
fn versions_seen_are_drained_once_and_a_seeded_engine_knows_them() {
    let at = |version: &str, minute: u64| {
        let mut s = span("payments", SpanKind::Server, 1, 1, None, false);
        Arc::make_mut(&mut s.emitter).version = Some(name(version));
        s.start_unix_nanos = minute * 60_000_000_000;
        s.end_unix_nanos = s.start_unix_nanos + 1_000_000;
        s
    };
    let mut engine = Engine::new(EngineConfig::default());
    engine.ingest(at("1.0", 1), Duration::ZERO);
    engine.ingest(at("1.0", 2), Duration::ZERO);
    let versions = engine.drain().versions;
    assert_eq!(
        versions,
        [VersionSeen { service: name("payments"), version: name("1.0"), environment: None, last_seen_unix_nanos: 2 * 60_000_000_000 }]
    );
    engine.ingest(at("1.0", 1), Duration::ZERO);
    assert!(engine.drain().versions.is_empty(), "an older sighting is no news");

    // After a restart: the known version is no deploy, a new one is a deploy from it.
    let mut restarted = Engine::new(EngineConfig::default());
    restarted.seed_version(versions[0].clone());
    restarted.ingest(at("1.0", 3), Duration::ZERO);
    assert!(restarted.drain().deploys.is_empty());
    restarted.ingest(at("1.1", 4), Duration::ZERO);
    let deploys = restarted.drain().deploys;
    assert_eq!(deploys.iter().map(|d| (&*d.from_version, &*d.to_version)).collect::<Vec<_>>(), [("1.0", "1.1")]);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// However the spans of a set of calls are ordered and split into
        /// exports, each call is counted once on its edge, failed as its
        /// server says, with what its client saw beside it.
        #[test]
        fn halves_pair_whatever_the_order(
            calls in 1usize..40,
            seed in any::<u64>(),
            server_errors in proptest::collection::vec(any::<bool>(), 40),
            client_errors in proptest::collection::vec(any::<bool>(), 40),
        ) {
            let mut spans = Vec::new();
            for call in 0..calls {
                let trace = call as u8;
                spans.push(span("front", SpanKind::Client, trace, 1, None, client_errors[call]));
                spans.push(span("back", SpanKind::Server, trace, 2, Some(1), server_errors[call]));
            }
            // a deterministic shuffle from the seed
            let mut state = seed | 1;
            for i in (1..spans.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                spans.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let mut engine = Engine::new(EngineConfig::default());
            for (i, s) in spans.into_iter().enumerate() {
                engine.ingest(s, Duration::from_millis(i as u64));
            }
            let count = |of: &[bool]| of[..calls].iter().filter(|e| **e).count() as u64;
            prop_assert_eq!(engine.pending_len(), 0);
            let drained = engine.drain();
            prop_assert_eq!(edges(&drained), vec![edge("service:front", "service:back", "http", calls as u64, count(&server_errors))]);
            prop_assert_eq!(drained.edges[0].stats.caller_failures, count(&client_errors));
        }
    }
}

#[test]
fn paired_calls_name_the_callers_of_each_operation() {
    let mut engine = Engine::new(EngineConfig::default());
    let now = Duration::ZERO;
    let with_operation = |mut s: SpanRecord, operation: &str| {
        s.operation = name(operation);
        s
    };
    engine.ingest(span("gateway", SpanKind::Client, 1, 10, Some(1), false), now);
    engine.ingest(with_operation(span("catalog", SpanKind::Server, 1, 11, Some(10), false), "GET /products/{id}"), now);
    engine.ingest(span("gateway", SpanKind::Client, 2, 20, Some(2), false), now);
    engine.ingest(with_operation(span("catalog", SpanKind::Server, 2, 21, Some(20), true), "GET /products/{id}"), now);
    engine.ingest(span("search", SpanKind::Client, 3, 30, Some(3), false), now);
    engine.ingest(with_operation(span("catalog", SpanKind::Server, 3, 31, Some(30), false), "GET /products"), now);
    // An entry point and a call inside one service have no calling service.
    engine.ingest(span("catalog", SpanKind::Server, 4, 40, None, false), now);
    engine.ingest(span("catalog", SpanKind::Client, 5, 50, Some(5), false), now);
    engine.ingest(span("catalog", SpanKind::Server, 5, 51, Some(50), false), now);
    let drained = engine.drain();
    let callers: Vec<_> =
        drained.callers.iter().map(|c| (c.caller.as_ref(), c.service.as_ref(), c.operation.as_ref(), c.calls, c.errors)).collect();
    assert_eq!(callers, [("search", "catalog", "GET /products", 1, 0), ("gateway", "catalog", "GET /products/{id}", 2, 1)]);
}

/// Node's HTTP client marks a 404 ERROR (right for a client); Flask leaves
/// the same call's server span UNSET. The call did not fail; its caller
/// saw a failure.
#[test]
fn a_paired_call_fails_as_its_server_says_and_keeps_what_its_client_saw() {
    let mut engine = Engine::new(EngineConfig::default());
    let answered = |mut s: SpanRecord, status: i64, status_error: bool| {
        s.outcome = Outcome::of(s.kind, status_error, Some(status), None);
        s
    };
    engine.ingest(answered(span("storefront", SpanKind::Client, 1, 10, Some(1), false), 404, true), Duration::ZERO);
    engine.ingest(answered(span("orders", SpanKind::Server, 1, 11, Some(10), false), 404, false), Duration::ZERO);
    engine.ingest(answered(span("storefront", SpanKind::Client, 2, 20, Some(2), false), 500, true), Duration::ZERO);
    engine.ingest(answered(span("orders", SpanKind::Server, 2, 21, Some(20), false), 500, true), Duration::ZERO);
    let drained = engine.drain();
    assert_eq!(edges(&drained), [edge("service:storefront", "service:orders", "http", 2, 1)]);
    assert_eq!(drained.edges[0].stats.caller_failures, 2, "the 404 and the 500, as the client saw them");
    let callers: Vec<_> = drained.callers.iter().map(|c| (c.calls, c.errors, c.caller_failures)).collect();
    assert_eq!(callers, [(2, 1, 2)], "consumers count alike");
    assert_eq!((drained.operations[0].stats.requests, drained.operations[0].stats.errors), (2, 1), "as the operation does");
}

fn sampled(mut s: SpanRecord, sampling: Sampling) -> SpanRecord {
    s.sampling = sampling;
    s
}

#[test]
fn a_sampled_span_counts_the_calls_it_stands_for() {
    let mut engine = Engine::new(EngineConfig::default());
    let five_percent = Sampling { adjusted_count: 20.0, ..Sampling::UNSAMPLED };
    engine.ingest(sampled(span("a", SpanKind::Client, 1, 10, Some(1), false), five_percent), Duration::ZERO);
    engine.ingest(sampled(span("b", SpanKind::Server, 1, 11, Some(10), true), five_percent), Duration::ZERO);
    engine.ingest(
        sampled(with_peer(span("b", SpanKind::Client, 1, 12, Some(11), false), Peer::Database(name("db"))), five_percent),
        Duration::ZERO,
    );
    let drained = engine.drain();
    assert_eq!(edges(&drained), [edge("service:a", "service:b", "http", 20, 20), edge("service:b", "database:db", "database", 20, 0)]);
    assert_eq!(drained.edges[0].stats.kept, 1);
    let operation = &drained.operations[0].stats;
    assert_eq!((operation.requests, operation.errors, operation.kept, operation.estimated()), (20, 20, 1, true));
    assert_eq!(operation.latency.count(), 20, "latency weighs alike");
    assert_eq!((engine.counters().spans, engine.counters().represented), (3, 60));
}

/// With consistent probability sampling a callee may keep fewer traces than
/// its caller. Every call still counts once, with the sparser sampler's
/// weight, and the caller's halves whose callee dropped the trace are
/// neither left waiting nor shown as calls to an external node.
#[test]
fn a_callee_that_samples_less_than_its_caller_counts_each_call_once() {
    const SPAN_56: u64 = 1 << 56;
    let threshold = |probability: f64| SPAN_56 - (probability * SPAN_56 as f64).round() as u64;
    let (caller_threshold, callee_threshold) = (threshold(0.5), threshold(0.1));
    let mut engine = Engine::new(EngineConfig::default());
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let (calls, mut kept_by_callee) = (4_000u64, 0);
    for call in 0..calls {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let randomness = state & (SPAN_56 - 1);
        let mut trace = [0u8; 16];
        trace[..8].copy_from_slice(&call.to_be_bytes());
        trace[8..].copy_from_slice(&randomness.to_be_bytes());
        let at = Duration::from_millis(call);
        let ids = ((call * 2 + 1).to_be_bytes(), (call * 2 + 2).to_be_bytes());
        if randomness >= caller_threshold {
            let mut client = with_peer(span("front", SpanKind::Client, 0, 0, None, false), Peer::Remote(name("back.internal")));
            (client.trace_id, client.span_id) = (trace, ids.0);
            engine.ingest(sampled(client, Sampling::of_threshold(caller_threshold, randomness)), at);
        }
        if randomness >= callee_threshold {
            kept_by_callee += 1;
            let mut server = span("back", SpanKind::Server, 0, 0, None, false);
            (server.trace_id, server.span_id, server.parent_span_id) = (trace, ids.1, Some(ids.0));
            engine.ingest(sampled(server, Sampling::of_threshold(callee_threshold, randomness)), at);
        }
    }
    engine.expire(Duration::from_secs(3_600));
    let drained = engine.drain();
    let found: Vec<_> = drained.edges.iter().map(|b| (b.edge.source.name.to_string(), b.edge.target.name.to_string())).collect();
    assert_eq!(found, [("front".to_string(), "back".to_string())], "no external node, no entry point");
    let stats = drained.edges.iter().fold(EdgeStats::default(), |mut all, b| {
        all.merge(&b.stats);
        all
    });
    assert_eq!((stats.kept, stats.requests), (kept_by_callee, kept_by_callee * 10), "each kept pair stands for ten calls");
    assert!((3_600..=4_400).contains(&stats.requests), "an estimate of {calls} calls: {}", stats.requests);
    let served: u64 = drained.operations.iter().map(|o| o.stats.requests).sum();
    assert_eq!(served, stats.requests, "the callee's own count agrees with its edge");
    let counters = engine.counters();
    assert_eq!(counters.expired, 0, "nothing was left to expire: {counters:?}");
    assert!(counters.sampled_away > 1_500, "{counters:?}");
}

/// The Python SDK's composable samplers (1.45) write the threshold on a
/// trace's root only: its children, and the callees that follow them, say
/// nothing. They stand for what the root does, whichever export comes first.
#[test]
fn spans_that_say_nothing_take_their_traces_sampling() {
    let half = Sampling::of_threshold(1 << 55, 0);
    for backend_first in [false, true] {
        let mut engine = Engine::new(EngineConfig::default());
        let backend = vec![span("backend", SpanKind::Server, 1, 11, Some(10), false)];
        // Exported in the order they ended: the child before its root.
        let frontend = vec![
            span("frontend", SpanKind::Client, 1, 10, Some(1), false),
            sampled(span("frontend", SpanKind::Server, 1, 1, None, false), half),
        ];
        if backend_first {
            engine.ingest_all(backend, Duration::ZERO);
            engine.ingest_all(frontend, Duration::ZERO);
        } else {
            engine.ingest_all(frontend, Duration::ZERO);
            engine.ingest_all(backend, Duration::ZERO);
        }
        let drained = engine.drain();
        assert_eq!(
            edges(&drained),
            [edge("service:frontend", "service:backend", "http", 2, 0), edge("user:user", "service:frontend", "http", 2, 0)],
            "backend first: {backend_first}"
        );
        let backend_red: Vec<_> =
            drained.services.iter().filter(|s| &*s.service == "backend").map(|s| (s.stats.requests, s.stats.kept)).collect();
        let total = backend_red.iter().fold((0, 0), |(r, k), (r2, k2)| (r + r2, k + k2));
        assert_eq!(total, (2, 1), "the callee stands for two requests on one span (backend first: {backend_first})");
    }
}

#[test]
fn keys_by_reference_find_the_owned_keys() {
    let mut one: FastMap<(u64, Name), u8> = FastMap::new();
    one.insert((7, name("orders")), 1);
    assert_eq!(one.get(&Named(7, "orders")), Some(&1));
    assert_eq!(one.get(&Named(8, "orders")), None);
    let mut two_names: FastMap<(u64, Name, Name), u8> = FastMap::new();
    two_names.insert((7, name("orders"), name("GET /")), 2);
    assert_eq!(two_names.get(&Named2(7, "orders", "GET /")), Some(&2));
    let mut three: FastMap<(u64, Name, Name, Name), u8> = FastMap::new();
    three.insert((7, name("a"), name("b"), name("c")), 3);
    assert_eq!(three.get(&Named3(7, "a", "b", "c")), Some(&3));
    assert_eq!(three.get(&Named3(7, "a", "bc", "")), None, "names are not run together");
    let mut edges: FastMap<(u64, Edge), u8> = FastMap::new();
    let (a, b) = (name("a"), name("b"));
    edges.insert(
        (
            7,
            Edge {
                source: NodeId::service(a.clone()),
                target: NodeId::new(NodeKind::Database, b.clone()),
                connection: ConnectionType::Database,
            },
        ),
        4,
    );
    let (service, database) = (End(NodeKind::Service, &a), End(NodeKind::Database, &b));
    assert_eq!(edges.get(&EdgeNamed(7, service, database, ConnectionType::Database)), Some(&4));
    assert_eq!(edges.get(&EdgeNamed(7, service, End(NodeKind::External, &b), ConnectionType::Database)), None, "kinds tell nodes apart");
}
