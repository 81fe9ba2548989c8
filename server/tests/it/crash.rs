//! `kill -9` of the real binary while it ingests OTLP and registers
//! entities, on SQLite and on PostgreSQL: after a restart every
//! acknowledged registration is there whole, none is there in part, and the
//! calls lost are at most those of the last flush interval. Then SIGTERM:
//! a graceful stop flushes, so nothing acknowledged is lost.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, span};
use prost::Message;

use crate::common::*;

const FLUSH_MS: u64 = 500;
/// Calls in one export request, each a client and a server half.
const CALLS_PER_EXPORT: u64 = 10;

/// `calls` complete calls crash-client → crash-server, ids from `first`.
pub fn calls(first: u64, calls: u64) -> ExportTraceServiceRequest {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let half = |id: u64, parent: Option<u64>, kind: span::SpanKind| Span {
        trace_id: [id.to_be_bytes(), [7; 8]].concat(),
        span_id: (id * 2 + u64::from(parent.is_some())).to_be_bytes().to_vec(),
        parent_span_id: parent.map(|p| (p * 2).to_be_bytes().to_vec()).unwrap_or_default(),
        name: "GET /crash".into(),
        kind: kind as i32,
        start_time_unix_nano: now - 2_000_000,
        end_time_unix_nano: now,
        attributes: vec![text("http.request.method", "GET")],
        ..Default::default()
    };
    let resource = |service: &str, spans: Vec<Span>| ResourceSpans {
        resource: Some(Resource { attributes: vec![text("service.name", service)], ..Default::default() }),
        scope_spans: vec![ScopeSpans { spans, ..Default::default() }],
        ..Default::default()
    };
    let ids = first..first + calls;
    ExportTraceServiceRequest {
        resource_spans: vec![
            resource("crash-client", ids.clone().map(|id| half(id, None, span::SpanKind::Client)).collect()),
            resource("crash-server", ids.map(|id| half(id, Some(id), span::SpanKind::Server)).collect()),
        ],
    }
}

fn registration(n: u64) -> String {
    let component = |name: String| {
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n"
        )
    };
    format!("{}---\n{}", component(format!("crash-{n}-a")), component(format!("crash-{n}-b")))
}

async fn present(base: &str, name: &str) -> bool {
    get_json(&format!("{base}/api/catalog/entities/by-name/component/default/{name}")).await.0 == 200
}

pub async fn stored_calls(base: &str) -> u64 {
    let (_, graph) = get_json(&format!("{base}/api/v1/graph?window=15m")).await;
    graph["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["source"] == "service:crash-client" && e["target"] == "service:crash-server")
        .map(|e| e["requests"].as_u64().unwrap_or(0))
        .sum()
}

/// What the load sent, and when.
#[derive(Default)]
struct Sent {
    acknowledged_registrations: AtomicU64,
    /// Calls whose export was answered 200, and the time (ms after start) of each answer.
    calls: std::sync::Mutex<Vec<(u64, u64)>>,
}

async fn crash_and_restart(database_url: &str) {
    let args = ["--api-token", TEST_TOKEN, "--flush-interval-ms", "500", "--pairing-window-ms", "2000"];
    let mut meridian = Process::spawn_on(database_url, &args);
    meridian.ready().await;
    let sent = Arc::new(Sent::default());
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let client = reqwest::Client::new();

    let registering = {
        let (sent, stop, client, base) = (sent.clone(), stop.clone(), client.clone(), meridian.base.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let answer = client
                    .post(format!("{base}/api/v1/entities"))
                    .bearer_auth(TEST_TOKEN)
                    .header("content-type", "application/yaml")
                    .body(registration(n))
                    .send()
                    .await;
                match answer {
                    Ok(response) if response.status() == 201 => sent.acknowledged_registrations.store(n, Ordering::SeqCst),
                    _ => break,
                }
            }
        })
    };
    let ingesting = {
        let (sent, stop, client, otlp) = (sent.clone(), stop.clone(), client.clone(), meridian.otlp_http.clone());
        tokio::spawn(async move {
            let mut first = 1;
            while !stop.load(Ordering::Relaxed) {
                let body = calls(first, CALLS_PER_EXPORT).encode_to_vec();
                let answer = client
                    .post(format!("http://{otlp}/v1/traces"))
                    .header("content-type", "application/x-protobuf")
                    .body(body)
                    .send()
                    .await;
                match answer {
                    Ok(response) if response.status() == 200 => {
                        sent.calls.lock().unwrap().push((CALLS_PER_EXPORT, started.elapsed().as_millis() as u64));
                    }
                    _ => break,
                }
                first += CALLS_PER_EXPORT;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(3_200)).await;
    meridian.kill();
    let killed_at = started.elapsed().as_millis() as u64;
    stop.store(true, Ordering::Relaxed);
    let _ = registering.await;
    let _ = ingesting.await;

    let meridian = Process::spawn_on(database_url, &args);
    meridian.ready().await;
    let acknowledged = sent.acknowledged_registrations.load(Ordering::SeqCst);
    assert!(acknowledged >= 3, "the load registered something before the kill ({acknowledged})");
    for n in 1..=acknowledged + 1 {
        let (a, b) = (present(&meridian.base, &format!("crash-{n}-a")).await, present(&meridian.base, &format!("crash-{n}-b")).await);
        assert_eq!(a, b, "registration {n} is whole or absent, never half");
        if n <= acknowledged {
            assert!(a, "acknowledged registration {n} survived the kill");
        }
    }
    let accepted: u64 = sent.calls.lock().unwrap().iter().map(|(calls, _)| calls).sum();
    let stored = stored_calls(&meridian.base).await;
    let lost = accepted.saturating_sub(stored);
    // What arrived in the last flush interval (and the one being written) may be lost; nothing older.
    let recent: u64 = sent.calls.lock().unwrap().iter().filter(|(_, at)| *at + 2 * FLUSH_MS >= killed_at).map(|(calls, _)| calls).sum();
    eprintln!(
        "kill -9 ({database_url}): {acknowledged} registrations kept; calls accepted {accepted}, stored {stored}, lost {lost} (accepted in the last {} ms: {recent})",
        2 * FLUSH_MS
    );
    assert!(stored <= accepted, "nothing counted twice: stored {stored} of {accepted}");
    assert!(lost <= recent, "lost {lost} calls, more than the {recent} of the last flush intervals");
}

async fn graceful_stop_keeps_everything(database_url: &str) {
    let args = ["--flush-interval-ms", "60000"];
    let mut meridian = Process::spawn_on(database_url, &args);
    meridian.ready().await;
    let client = reqwest::Client::new();
    let mut accepted = 0;
    for batch in 0..20 {
        let body = calls(1_000_000 + batch * CALLS_PER_EXPORT, CALLS_PER_EXPORT).encode_to_vec();
        let response = client
            .post(format!("http://{}/v1/traces", meridian.otlp_http))
            .header("content-type", "application/x-protobuf")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        accepted += CALLS_PER_EXPORT;
    }
    let before = stored_calls(&meridian.base).await;
    // Nothing flushed yet (the interval is a minute): the stop must write it.
    let took = meridian.stop();
    eprintln!("SIGTERM ({database_url}): stopped in {took:?}");
    assert!(took < Duration::from_secs(15), "a graceful stop is bounded: {took:?}");
    let meridian = Process::spawn_on(database_url, &args);
    meridian.ready().await;
    assert_eq!(stored_calls(&meridian.base).await - before, accepted, "every accepted call was flushed on stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_on_sqlite_keeps_what_was_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    crash_and_restart(&format!("sqlite://{}/crash.db", dir.path().display())).await;
    graceful_stop_keeps_everything(&format!("sqlite://{}/stop.db", dir.path().display())).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_on_postgres_keeps_what_was_acknowledged() {
    let Some(url) = postgres_url() else { return };
    crash_and_restart(&fresh_postgres_database(&url).await).await;
    graceful_stop_keeps_everything(&fresh_postgres_database(&url).await).await;
}
