//! OTLP ingest through a real Meridian: the `meridian` binary of this build
//! pinned to core 0, load from this process pinned to core 1.
//!
//! 1. Meridian's own load generator: pre-encoded realistic export requests
//!    (the eight-service shop of `synthetic`, about 50 spans
//!    each, complete traces with fresh ids) over OTLP/HTTP (HTTP/1.1
//!    keep-alive) and OTLP/gRPC (HTTP/2, gRPC frames), full speed.
//! 2. `h2load` (Debian's nghttp2-client) posting one pre-encoded request,
//!    the way other collectors are measured: gRPC with the 5-byte frame,
//!    HTTP with `--h1`.
//! 3. Memory with 100,000 traces in flight: the gateway's half of 100k
//!    traces sent, the other halves held back, RSS read.
//!
//! Every run checks the server's own accepted-span count against requests
//! × spans per request. Server peak RSS (VmHWM) is reported.
//!
//!     cargo bench -p server --bench otlp_ingest
//!
//! Figures go in BENCHMARKS.md.

mod support;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use support::Meridian;
use synthetic::{export_request, span_count};

const PAYLOADS: u64 = 2_000;
const RUN: Duration = Duration::from_secs(10);
const CONNECTIONS: usize = 8;
const EXPORT_PATH: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

fn now_nanos() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

/// A protobuf message in a gRPC frame: no compression flag, big-endian length.
fn grpc_frame(message: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(message.len() + 5);
    frame.push(0);
    frame.extend_from_slice(&(message.len() as u32).to_be_bytes());
    frame.extend_from_slice(message);
    frame
}

struct Payload {
    body: bytes::Bytes,
    spans: u64,
}

#[derive(Clone, Copy)]
enum Transport {
    Http,
    Grpc,
}

/// Sends the payloads round-robin from [`CONNECTIONS`] tasks for [`RUN`];
/// returns (requests accepted, spans in them, requests refused for overload).
async fn drive(meridian: &Meridian, transport: Transport, payloads: Arc<Vec<Payload>>) -> (u64, u64, u64) {
    let client = match transport {
        Transport::Http => reqwest::Client::builder().http1_only().build(),
        Transport::Grpc => reqwest::Client::builder().http2_prior_knowledge().build(),
    }
    .expect("client");
    let url = match transport {
        Transport::Http => format!("http://{}/v1/traces", meridian.otlp_http),
        Transport::Grpc => format!("http://{}{EXPORT_PATH}", meridian.otlp_grpc),
    };
    let (accepted, spans, refused) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let next = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + RUN;
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, url, payloads) = (client.clone(), url.clone(), payloads.clone());
        let (accepted, spans, refused, next) = (accepted.clone(), spans.clone(), refused.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let payload = &payloads[(next.fetch_add(1, Ordering::Relaxed) % payloads.len() as u64) as usize];
                let request = client.post(&url).body(payload.body.clone());
                let request = match transport {
                    Transport::Http => request.header("content-type", "application/x-protobuf"),
                    Transport::Grpc => request.header("content-type", "application/grpc").header("te", "trailers"),
                };
                let response = request.send().await.expect("the server answers");
                let status = response.status();
                // A trailers-only gRPC error puts grpc-status in the headers.
                let grpc_error = response.headers().get("grpc-status").is_some_and(|s| s != "0");
                let _ = response.bytes().await;
                if status == 503 || grpc_error {
                    refused.fetch_add(1, Ordering::Relaxed);
                } else {
                    assert!(status.is_success(), "export answered {status}");
                    accepted.fetch_add(1, Ordering::Relaxed);
                    spans.fetch_add(payload.spans, Ordering::Relaxed);
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("load task");
    }
    (accepted.load(Ordering::Relaxed), spans.load(Ordering::Relaxed), refused.load(Ordering::Relaxed))
}

/// How busy the server's core was during a run, and its rate per second of
/// that core: below 100 % busy, the load generator was the limit and the
/// wall-clock rate understates the server.
fn busy(seconds: f64, cpu_seconds: f64, spans: u64, bare: f64) {
    let per_core_second = spans as f64 / cpu_seconds;
    println!(
        "{:<20} server core {:.0}% busy: {per_core_second:>10.0} spans per server core-second ({:.0}% of bare decode)",
        "",
        100.0 * cpu_seconds / seconds,
        100.0 * per_core_second / bare
    );
}

/// `h2load` posting one pre-encoded body; (requests succeeded, seconds).
fn h2load(args: &[&str], body: &std::path::Path, url: &str) -> Option<(u64, f64)> {
    let output = Command::new("taskset")
        .args(["-c", "1", "h2load"])
        .args(args)
        .arg("--data")
        .arg(body)
        .arg(url)
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let text = String::from_utf8_lossy(&output.stdout);
    let seconds =
        text.lines().find_map(|l| l.strip_prefix("finished in ")).and_then(|l| l.split('s').next()).and_then(|s| s.parse().ok())?;
    let succeeded = text
        .lines()
        .find(|l| l.starts_with("requests:"))
        .and_then(|l| l.split(", ").find(|part| part.ends_with("succeeded")))
        .and_then(|part| part.split_whitespace().next())
        .and_then(|n| n.parse().ok())?;
    Some((succeeded, seconds))
}

fn main() {
    support::on_core_one(run);
}

async fn run(pinned: bool) {
    let start = now_nanos();
    let requests: Vec<ExportTraceServiceRequest> = (0..PAYLOADS).map(|seed| export_request(seed, 50, start)).collect();
    let protobuf: Vec<Vec<u8>> = requests.iter().map(|r| r.encode_to_vec()).collect();
    let spans: Vec<u64> = requests.iter().map(|r| span_count(r) as u64).collect();
    let total_spans: u64 = spans.iter().sum();
    println!(
        "{PAYLOADS} distinct requests, {:.1} spans and {} bytes each; server on core 0, load on core 1 (pinned: {pinned})",
        total_spans as f64 / PAYLOADS as f64,
        protobuf.iter().map(Vec::len).sum::<usize>() / PAYLOADS as usize
    );

    // The bare decode rate of the same payloads, here, on one core, for comparison.
    let started = Instant::now();
    let mut decoded = 0u64;
    while started.elapsed() < Duration::from_secs(3) {
        for p in &protobuf {
            std::hint::black_box(ExportTraceServiceRequest::decode(p.as_slice()).expect("own payload"));
        }
        decoded += total_spans;
    }
    let bare = decoded as f64 / started.elapsed().as_secs_f64();
    println!("bare protobuf decode (load core): {bare:>10.0} spans/s");

    let dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}/bench.db", dir.path().display());
    let client = reqwest::Client::new();
    let meridian = Meridian::spawn(&database, Some(0), &[]);
    meridian.ready(&client).await;
    println!("server runs on cores {}", meridian.cpus_allowed());

    for (name, transport) in [("OTLP/HTTP protobuf", Transport::Http), ("OTLP/gRPC", Transport::Grpc)] {
        let payloads: Arc<Vec<Payload>> = Arc::new(
            protobuf
                .iter()
                .zip(&spans)
                .map(|(p, &spans)| Payload {
                    body: match transport {
                        Transport::Http => p.clone().into(),
                        Transport::Grpc => grpc_frame(p).into(),
                    },
                    spans,
                })
                .collect(),
        );
        let before: u64 = meridian.metric(&client, "meridian_spans_received_total").await;
        let (started, cpu_before) = (Instant::now(), meridian.cpu_seconds());
        let (accepted, sent_spans, refused) = drive(&meridian, transport, payloads).await;
        let (seconds, cpu) = (started.elapsed().as_secs_f64(), meridian.cpu_seconds() - cpu_before);
        let counted = meridian.metric::<u64>(&client, "meridian_spans_received_total").await - before;
        assert_eq!(counted, sent_spans, "{name}: the server counts every span of every accepted request");
        println!(
            "{name:<20} {accepted:>7} requests ({refused} refused) {:>10.0} spans/s ({:.0}% of bare decode); server counted {counted} = sent",
            sent_spans as f64 / seconds,
            100.0 * sent_spans as f64 / seconds / bare
        );
        busy(seconds, cpu, sent_spans, bare);
    }
    println!("server peak RSS under load: {:.0} MiB", meridian.peak_rss_mib());

    // h2load, one pre-encoded request posted again and again.
    let body_dir = tempfile::tempdir().expect("temp dir");
    let (http_body, grpc_body) = (body_dir.path().join("export.pb"), body_dir.path().join("export.grpc"));
    std::fs::write(&http_body, &protobuf[0]).expect("write body");
    std::fs::write(&grpc_body, grpc_frame(&protobuf[0])).expect("write body");
    let n = "200000";
    for (name, args, body, url) in [
        (
            "h2load OTLP/gRPC",
            vec!["-n", n, "-c", "4", "-m", "16", "-H", "content-type: application/grpc", "-H", "te: trailers"],
            &grpc_body,
            format!("http://{}{EXPORT_PATH}", meridian.otlp_grpc),
        ),
        (
            "h2load OTLP/HTTP h1",
            vec!["--h1", "-n", n, "-c", "8", "-H", "content-type: application/x-protobuf"],
            &http_body,
            format!("http://{}/v1/traces", meridian.otlp_http),
        ),
    ] {
        let before: u64 = meridian.metric(&client, "meridian_spans_received_total").await;
        let cpu_before = meridian.cpu_seconds();
        match h2load(&args, body, &url) {
            Some((succeeded, seconds)) => {
                let cpu = meridian.cpu_seconds() - cpu_before;
                let counted = meridian.metric::<u64>(&client, "meridian_spans_received_total").await - before;
                let expected = succeeded * spans[0];
                println!(
                    "{name:<20} {succeeded:>7} requests {:>10.0} spans/s; server counted {counted} (expected {expected}: {})",
                    expected as f64 / seconds,
                    if counted == expected { "ok" } else { "MISMATCH" }
                );
                assert_eq!(counted, expected, "{name}: accepted spans = requests × spans per request");
                busy(seconds, cpu, expected, bare);
            }
            None => println!("{name:<20} skipped: h2load is not installed (apt-get install nghttp2-client)"),
        }
    }
    println!("server peak RSS after h2load: {:.0} MiB", meridian.peak_rss_mib());
    drop(meridian);

    in_flight(&database.replace("bench.db", "inflight.db"), &client).await;
}

/// The gateway's half of 100,000 traces, the rest held back: what the
/// pending store holds and what the server's memory is then.
async fn in_flight(database: &str, client: &reqwest::Client) {
    const TRACES: usize = 100_000;
    // A window long enough that nothing expires while we look, a store big
    // enough that nothing is evicted.
    let meridian = Meridian::spawn(database, Some(0), &["--pairing-window-ms", "600000", "--max-pending-spans", "1000000"]);
    meridian.ready(client).await;
    let start = now_nanos();
    let mut traces = 0;
    let mut seed = 1_000_000;
    while traces < TRACES {
        let mut request = export_request(seed, 50, start);
        seed += 1;
        traces += request.resource_spans[0].scope_spans[0].spans.iter().filter(|s| s.parent_span_id.is_empty()).count();
        request.resource_spans.truncate(1); // the gateway's spans only
        meridian.export(client, &request).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await; // a flush or two
    let pending: u64 = meridian.metric(client, "meridian_spans_pending").await;
    println!(
        "{traces} traces in flight: {pending} halves pending, server RSS {:.0} MiB (peak {:.0} MiB)",
        meridian.rss_mib(),
        meridian.peak_rss_mib()
    );
}
