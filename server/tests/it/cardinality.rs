//! A client naming a different peer in every span (ids or random hosts in
//! `server.address`) cannot grow Meridian without bound: past the limit its
//! calls count on its edge to `external:(other)`, nothing is lost, and the
//! overflow shows on `/metrics` with the service's name. The real binary, in
//! its own process, so its memory is its own.

use std::time::Duration;

use serde_json::Value;
use synthetic::organisation::random_peers;

use crate::common::*;

/// Peak memory allowed with generous headroom: a debug build, and the
/// release build's target (BENCHMARKS.md) is far lower.
const PEAK_RSS_MIB: u64 = 600;

#[tokio::test]
async fn a_burst_of_random_peers_overflows_into_other_and_loses_nothing() {
    let meridian = Process::spawn(&["--pairing-window-ms", "300", "--flush-interval-ms", "200", "--max-peers-per-service", "1000"]);
    meridian.ready().await;
    let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    for request in random_peers("noisy", 100, 1_000, start) {
        export(&meridian.otlp_http, &request).await;
    }

    // Unanswered calls become external edges once the pairing window passes.
    let mut noisy: Vec<Value> = Vec::new();
    for _ in 0..600 {
        let (status, graph) = get_json(&format!("{}/api/v1/graph?window=15m", meridian.base)).await;
        assert_eq!(status, 200);
        noisy = graph["edges"].as_array().unwrap().iter().filter(|e| e["source"] == "service:noisy").cloned().collect();
        if noisy.iter().map(|e| e["requests"].as_u64().unwrap()).sum::<u64>() == 100_000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let calls: u64 = noisy.iter().map(|e| e["requests"].as_u64().unwrap()).sum();
    assert_eq!(calls, 100_000, "every call is counted");
    let other = noisy.iter().find(|e| e["target"] == "external:(other)").expect("the overflow peer");
    assert_eq!(noisy.len(), 1_001, "a thousand peers, then (other)");
    assert_eq!(other["requests"].as_u64().unwrap(), 99_000);

    let metrics = reqwest::get(format!("{}/metrics", meridian.base)).await.unwrap().text().await.unwrap();
    let counted: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix(r#"meridian_cardinality_overflow_total{limit="peers",service="noisy"} "#))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no overflow count for noisy in:\n{metrics}"));
    // A burst that straddles a minute keeps a thousand peers in each: the
    // read folds the second thousand into (other) too.
    assert!((98_000..=99_000).contains(&counted), "{counted}");
    let peak = meridian.peak_rss_mib();
    eprintln!("cardinality burst: peak RSS {peak} MiB");
    assert!(peak > 0 && peak < PEAK_RSS_MIB, "peak RSS {peak} MiB");
}
