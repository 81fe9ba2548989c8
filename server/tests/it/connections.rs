//! Hostile connections against the real binary: half-sent requests and idle
//! sockets are closed, a full web port leaves OTLP answering and frees
//! itself, and event streams are capped.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::Process;

fn host(base: &str) -> &str {
    base.trim_start_matches("http://")
}

/// Reads until the server closes the connection; how long that took.
async fn closed_after(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(started.elapsed()), stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => continue,
            Err(_) => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn half_sent_and_idle_connections_are_closed_and_a_full_port_recovers() {
    let meridian = Process::spawn(&["--header-read-timeout-secs", "1", "--idle-timeout-secs", "2", "--max-connections", "16"]);
    meridian.ready().await;
    let web = host(&meridian.base).to_string();

    // A request line never finished (slowloris): the header timeout closes it.
    let mut half = TcpStream::connect(&web).await.expect("connect");
    half.write_all(b"GET /healthz HT").await.expect("write");
    let closed = closed_after(&mut half, Duration::from_secs(10)).await;
    assert!(closed.is_some_and(|d| d < Duration::from_secs(5)), "a half-sent request line was closed after {closed:?}");

    // Headers never finished.
    let mut headers = TcpStream::connect(&web).await.expect("connect");
    headers.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.expect("write");
    let closed = closed_after(&mut headers, Duration::from_secs(10)).await;
    assert!(closed.is_some_and(|d| d < Duration::from_secs(5)), "half-sent headers were closed after {closed:?}");

    // A keep-alive connection, answered, then silent: closed, not at once.
    // hyper times the wait for the next request's headers from the end of
    // the answer, so the header-read timeout (1 s) closes it first; the
    // server starts that clock a moment before this test does.
    let mut idle = TcpStream::connect(&web).await.expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    let mut answer = [0u8; 256];
    let read = idle.read(&mut answer).await.expect("answer");
    assert!(String::from_utf8_lossy(&answer[..read]).starts_with("HTTP/1.1 200"), "answered first");
    let closed = closed_after(&mut idle, Duration::from_secs(10)).await;
    assert!(
        closed.is_some_and(|d| d >= Duration::from_millis(800) && d < Duration::from_secs(6)),
        "an idle connection was closed after {closed:?}"
    );

    // Fill the web port with silent connections.
    let mut silent = Vec::new();
    for _ in 0..16 {
        silent.push(TcpStream::connect(&web).await.expect("connect"));
    }
    // OTLP has its own port, and its own room.
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("client");
    let export = client
        .post(format!("http://{}/v1/traces", meridian.otlp_http))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("OTLP/HTTP answers while the web port is full");
    assert_eq!(export.status(), 200);
    // The silent ones are closed, and health checks get through again.
    let started = Instant::now();
    let health = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().expect("client");
    let answer = health.get(format!("{}/healthz", meridian.base)).send().await.expect("/healthz answers once the idle are closed");
    assert_eq!(answer.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(8), "waited {:?}", started.elapsed());
    for mut stream in silent {
        assert!(closed_after(&mut stream, Duration::from_secs(5)).await.is_some(), "every silent connection was closed");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn event_streams_are_capped() {
    let meridian = Process::spawn(&["--max-event-streams", "1"]);
    meridian.ready().await;
    let url = format!("{}/api/v1/graph/stream", meridian.base);
    let first = reqwest::get(&url).await.expect("first stream");
    assert_eq!(first.status(), 200);
    let second = reqwest::get(&url).await.expect("second stream");
    assert_eq!(second.status(), 503);
    assert!(second.headers().get("retry-after").is_some());
    let body: serde_json::Value = second.json().await.expect("error body");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("--max-event-streams")), "{body}");
    drop(first);
    // The first one's permit comes back when its stream ends (noticed at
    // the latest by the next keep-alive comment, every 15 s).
    let mut reopened = false;
    for _ in 0..250 {
        if reqwest::get(&url).await.is_ok_and(|r| r.status() == 200) {
            reopened = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(reopened, "a closed stream frees its place");
}
