//! The engine pairs the synthetic traffic (the `synthetic` crate) into the
//! graph it stands for: the benchmarks that use it measure real pairing.

use collector::{EngineConfig, Pipeline};
use synthetic::organisation::Organisation;
use synthetic::{export_request, span_count};

#[test]
fn the_shop_pairs_into_its_graph() {
    let pipeline = Pipeline::new(EngineConfig::default());
    let mut spans = 0;
    for seed in 0..20 {
        let request = export_request(seed, 50, 1_700_000_000_000_000_000);
        spans += span_count(&request) as u64;
        assert_eq!(pipeline.export(&request).rejected, 0);
    }
    assert_eq!(pipeline.counters().spans, spans);
    let drained = pipeline.drain();
    let edges: std::collections::BTreeSet<String> = drained
        .edges
        .iter()
        .map(|b| format!("{}:{}->{}:{}", b.edge.source.kind.as_str(), b.edge.source.name, b.edge.target.kind.as_str(), b.edge.target.name))
        .collect();
    for expected in [
        "user:user->service:shop/gateway",
        "service:shop/gateway->service:shop/catalog",
        "service:shop/catalog->service:shop/pricing",
        "service:shop/checkout->service:shop/payments",
        "service:shop/checkout->messaging:orders",
        "messaging:orders->service:shop/notifications",
        "service:shop/pricing->database:pricing",
    ] {
        assert!(edges.contains(expected), "{expected} missing from {edges:?}");
    }
    // Only the calls to the payment provider wait (for the window to make them external).
    let external: usize = (0..20)
        .map(|seed| export_request(seed, 50, 1_700_000_000_000_000_000))
        .flat_map(|r| r.resource_spans)
        .flat_map(|r| r.scope_spans)
        .flat_map(|s| s.spans)
        .filter(|s| s.attributes.iter().any(|a| a.key == "peer.service"))
        .count();
    assert!(external > 0);
    assert_eq!(pipeline.pending(), external);
}

#[test]
fn every_call_of_an_organisation_pairs() {
    let org = Organisation { services: 50, edges: 300, operations: 4 };
    let pipeline = Pipeline::new(EngineConfig::default());
    for request in &org.requests(1, 100, 1_700_000_000_000_000_000) {
        assert_eq!(pipeline.export(request).rejected, 0);
    }
    assert_eq!(pipeline.pending(), 0, "every client met its server");
    assert_eq!(pipeline.drain().edges.len(), 300);
}
