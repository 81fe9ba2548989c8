//! Test harness: a real Meridian on ephemeral ports with its own database,
//! and helpers to build OTLP requests and read the graph.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span, status};
use serde_json::Value;
use server::serve::{Running, ServeConfig};

/// The bearer token test servers accept for writes.
pub const TEST_TOKEN: &str = "test-token";

pub struct TestServer {
    pub running: Running,
    pub base: String,
    /// The server's database (a file of its own unless one was given).
    pub database_url: String,
    _dir: tempfile::TempDir,
}

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn demo_catalog() -> PathBuf {
    workspace_root().join("demo/catalog")
}

/// Starts Meridian on SQLite in a temporary folder, or on `database_url`.
pub async fn start(database_url: Option<String>, catalog: Vec<PathBuf>) -> TestServer {
    start_with(database_url, catalog, |_| {}).await
}

/// [`start`], with `adjust` changing the configuration first.
pub async fn start_with(database_url: Option<String>, catalog: Vec<PathBuf>, adjust: impl FnOnce(&mut ServeConfig)) -> TestServer {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = database_url.unwrap_or_else(|| format!("sqlite://{}/meridian.db", dir.path().display()));
    let localhost = "127.0.0.1:0".parse().expect("address");
    let mut config = ServeConfig {
        catalog,
        database_url,
        addr: localhost,
        otlp_grpc_addr: localhost,
        otlp_http_addr: localhost,
        site_root: workspace_root().join("target/site").display().to_string(),
        flush_interval: Duration::from_millis(100),
        max_otlp_body_bytes: 1024 * 1024,
        api_tokens: vec![TEST_TOKEN.to_string()],
        // Test catalogs are served from local HTTP servers.
        allow_url_hosts: vec!["127.0.0.1".into()],
        // Short, so that unanswered calls become external nodes within a test.
        engine: collector::EngineConfig { pairing_window: Duration::from_secs(2), ..collector::EngineConfig::default() },
        // Exercised everywhere (the spans go nowhere without a subscriber).
        trace_requests: true,
        // GitHub cannot be reached here; the deploy tests bring a fake one.
        github: None,
        // Tests evaluate scorecards at the times they choose.
        scorecard_interval: None,
        ..ServeConfig::default()
    };
    adjust(&mut config);
    log_to_the_test();
    let database_url = config.database_url.clone();
    let running = server::serve::start(config).await.expect("meridian starts");
    let base = format!("http://{}", running.addr);
    TestServer { running, base, database_url, _dir: dir }
}

/// The server's warnings, and every connection the listeners end, go to
/// the test's own output: shown only when a test fails, they say why a
/// request was cut.
fn log_to_the_test() {
    let filter = tracing_subscriber::EnvFilter::new("warn,collector::receiver::listener=debug");
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
}

pub fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue { key: key.to_string(), value: Some(AnyValue { value: Some(value) }) }
}

pub fn text(key: &str, value: &str) -> KeyValue {
    kv(key, any_value::Value::StringValue(value.to_string()))
}

/// A span of `kind` in trace `trace`, with id `id` and parent `parent`.
pub fn span(trace: u8, id: u8, parent: Option<u8>, kind: span::SpanKind, error: bool) -> Span {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_nanos() as u64;
    Span {
        trace_id: vec![trace; 16],
        span_id: vec![id; 8],
        parent_span_id: parent.map(|p| vec![p; 8]).unwrap_or_default(),
        name: "GET /work".to_string(),
        kind: kind as i32,
        start_time_unix_nano: now - 3_000_000,
        end_time_unix_nano: now,
        attributes: vec![text("http.request.method", "GET")],
        status: error.then(|| Status { code: status::StatusCode::Error as i32, message: String::new() }),
        ..Default::default()
    }
}

/// A SERVER span with id `id` (its trace too) that started at `start`
/// (unix seconds), took `millis`, and answered HTTP `status`.
pub fn served(id: u64, start: u64, millis: u64, status: i64) -> Span {
    let start = start * 1_000_000_000;
    Span {
        trace_id: [id.to_be_bytes(), id.to_be_bytes()].concat(),
        span_id: id.to_be_bytes().to_vec(),
        name: "GET /cart".to_string(),
        kind: span::SpanKind::Server as i32,
        start_time_unix_nano: start,
        end_time_unix_nano: start + millis * 1_000_000,
        attributes: vec![text("http.request.method", "GET"), kv("http.response.status_code", any_value::Value::IntValue(status))],
        ..Default::default()
    }
}

/// One export request from `service` carrying `spans`.
pub fn request(service: &str, spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource { attributes: vec![text("service.name", service)], ..Default::default() }),
            scope_spans: vec![ScopeSpans { spans, ..Default::default() }],
            ..Default::default()
        }],
    }
}

/// POSTs each (service, span) as its own OTLP/HTTP protobuf request.
pub async fn send_spans(otlp_http_addr: std::net::SocketAddr, spans: Vec<(&str, Span)>) {
    for (service, span) in spans {
        export(&otlp_http_addr.to_string(), &request(service, vec![span])).await;
    }
}

/// POSTs one request over OTLP/HTTP protobuf to `otlp_http` (`host:port`); it must be accepted.
pub async fn export(otlp_http: &str, request: &ExportTraceServiceRequest) {
    use prost::Message;
    let response = reqwest::Client::new()
        .post(format!("http://{otlp_http}/v1/traces"))
        .header("content-type", "application/x-protobuf")
        .body(request.encode_to_vec())
        .send()
        .await
        .expect("POST /v1/traces");
    assert_eq!(response.status(), 200);
}

pub async fn get_json(url: &str) -> (u16, Value) {
    let response = reqwest::get(url).await.expect("GET");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

/// GETs `path` until `ready` holds of its body (the flush and the catalog watcher run on their own).
pub async fn wait_for(base: &str, path: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..150 {
        let (status, body) = get_json(&format!("{base}{path}")).await;
        if status == 200 && ready(&body) {
            return body;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path} never got ready; last: {last:#}");
}

/// The rows of a page's table (`data-testid="{table}"`), each as the
/// values of `attributes` on its `<tr>`, in the page's order: what a page
/// shows, to compare with what the API answers for the same filter.
pub async fn page_rows(url: &str, table: &str, attributes: &[&str]) -> Vec<Vec<String>> {
    let asked = std::time::Instant::now();
    let response = reqwest::get(url).await.unwrap_or_else(|e| panic!("GET {url}: no answer after {:?}: {e:?}", asked.elapsed()));
    assert_eq!(response.status(), 200, "{url}");
    let html = response.text().await.expect("page body");
    let Some(table) = html.split(&format!("data-testid=\"{table}\"")).nth(1) else { return Vec::new() };
    let table = table.split("</table>").next().unwrap_or_default();
    table
        .split("<tr ")
        .skip(1)
        .map(|row| {
            let tag = row.split('>').next().unwrap_or_default();
            attributes
                .iter()
                .map(|attribute| {
                    let value = tag.split(&format!("{attribute}=\"")).nth(1).and_then(|v| v.split('"').next());
                    value.unwrap_or_else(|| panic!("no {attribute} in <tr {tag}>")).to_string()
                })
                .collect()
        })
        .collect()
}

/// The edges of `/api/v1/graph` as (source, target, requests, errors).
pub async fn edges(base: &str) -> Vec<(String, String, u64, u64)> {
    let (status, graph) = get_json(&format!("{base}/api/v1/graph?window=15m")).await;
    assert_eq!(status, 200, "{graph}");
    let mut edges: Vec<_> = graph["edges"]
        .as_array()
        .expect("edges array")
        .iter()
        .map(|e| {
            (
                e["source"].as_str().unwrap_or_default().to_string(),
                e["target"].as_str().unwrap_or_default().to_string(),
                e["requests"].as_u64().unwrap_or_default(),
                e["errors"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    edges.sort();
    edges
}

/// Polls the graph until `expected` is exactly its edge list (flushes are
/// asynchronous), failing with the last answer after 15 s.
pub async fn wait_for_edges(base: &str, expected: &[(&str, &str, u64, u64)]) {
    let expected: Vec<(String, String, u64, u64)> = expected.iter().map(|(s, t, r, e)| (s.to_string(), t.to_string(), *r, *e)).collect();
    let mut last = Vec::new();
    for _ in 0..150 {
        last = edges(base).await;
        if last == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last, expected, "graph edges did not converge");
}

/// `MERIDIAN_TEST_POSTGRES_URL` when set. `make test` always sets it (and
/// `MERIDIAN_REQUIRE_ALL=1`); a plain `cargo test` without PostgreSQL skips
/// loudly instead.
pub fn postgres_url() -> Option<String> {
    match std::env::var("MERIDIAN_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            require_or_skip("MERIDIAN_TEST_POSTGRES_URL is not set (make test starts a private PostgreSQL and sets it)");
            None
        }
    }
}

/// A program of the test venv (`target/otel-venv/bin/TOOL`: the Python
/// OpenTelemetry SDK and schemathesis; `MERIDIAN_TEST_PYTHON` names another
/// Python), or a skip (a failure under MERIDIAN_REQUIRE_ALL) without it.
pub fn test_venv(tool: &str) -> Option<PathBuf> {
    let given = (tool == "python").then(|| std::env::var_os("MERIDIAN_TEST_PYTHON")).flatten().map(PathBuf::from);
    let path = given.unwrap_or_else(|| workspace_root().join("target/otel-venv/bin").join(tool));
    if path.exists() {
        Some(path)
    } else {
        require_or_skip(&format!("no {tool} at {} (run scripts/setup.sh test)", path.display()));
        None
    }
}

pub fn require_or_skip(why: &str) {
    if std::env::var("MERIDIAN_REQUIRE_ALL").is_ok_and(|v| v == "1") {
        panic!("required test dependency missing: {why}");
    }
    eprintln!("SKIPPED: {why}");
}

/// A fresh, uniquely named database on the PostgreSQL server at `url`.
pub async fn fresh_postgres_database(url: &str) -> String {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(url).await.expect("connect to PostgreSQL");
    let name = format!(
        "meridian_test_{}_{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_nanos()
    );
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create test database");
    let (base, _) = url.rsplit_once('/').expect("database URL has a path");
    format!("{base}/{name}")
}

/// A free port below the kernel's ephemeral range (32768 and up on Linux).
/// A port the kernel hands out (`bind(0)`) can be taken by any outgoing
/// connection of a busy test run before the server binds it; these are
/// never handed out, and a counter keeps this process's tests apart.
fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 10_000;
    const SPAN: u32 = 22_000;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let start = std::process::id() % SPAN;
    for _ in 0..SPAN {
        let port = (FIRST + (start + NEXT.fetch_add(1, Ordering::Relaxed)) % SPAN) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port between {FIRST} and {}", FIRST + SPAN)
}

/// The `meridian` binary in a process of its own (for its memory, or for
/// what only the binary does), on free ports and its own SQLite database.
/// Stopped with SIGTERM when dropped.
pub struct Process {
    child: std::process::Child,
    pub base: String,
    pub otlp_grpc: String,
    pub otlp_http: String,
    dir: tempfile::TempDir,
}

impl Process {
    pub fn spawn(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = format!("sqlite://{}/meridian.db", dir.path().display());
        Self::spawn_in(dir, &database_url, args)
    }

    /// On `database_url` (a restart on the same database, say).
    pub fn spawn_on(database_url: &str, args: &[&str]) -> Self {
        Self::spawn_in(tempfile::tempdir().expect("temp dir"), database_url, args)
    }

    fn spawn_in(dir: tempfile::TempDir, database_url: &str, args: &[&str]) -> Self {
        let (port, grpc, http) = (free_port(), free_port(), free_port());
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_meridian"))
            .arg("serve")
            .args(["--database-url", database_url])
            .args(["--addr", &format!("127.0.0.1:{port}"), "--otlp-grpc-addr", &format!("127.0.0.1:{grpc}")])
            .args(["--otlp-http-addr", &format!("127.0.0.1:{http}")])
            .args(args)
            .env_remove("MERIDIAN_API_TOKEN")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("stderr.log")).expect("stderr file"))
            .spawn()
            .expect("meridian starts");
        Process {
            child,
            base: format!("http://127.0.0.1:{port}"),
            otlp_grpc: format!("127.0.0.1:{grpc}"),
            otlp_http: format!("127.0.0.1:{http}"),
            dir,
        }
    }

    /// `kill -9`: no flush, no goodbye.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, and how long the process took to exit.
    pub fn stop(&mut self) -> Duration {
        let started = std::time::Instant::now();
        let _ = std::process::Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
        started.elapsed()
    }

    /// Waits until the API answers; fails with what the process printed.
    pub async fn ready(&self) {
        for _ in 0..600 {
            if reqwest::get(format!("{}/healthz", self.base)).await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("meridian did not answer within 30 s; it printed:\n{}", self.printed());
    }

    /// The last 4 KiB of what the process wrote to stderr.
    pub fn printed(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default();
        let cut = text.len().saturating_sub(4096);
        text.get(cut..).unwrap_or(&text).to_string()
    }

    /// The process's peak resident memory so far (VmHWM), in MiB.
    pub fn peak_rss_mib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok()).unwrap_or(0)
            / 1024
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Not once it has exited: its pid may be another process's by now.
        if matches!(self.child.try_wait(), Ok(None)) {
            self.stop();
        }
    }
}

/// A PostgreSQL server of one test's own (initdb'd in a temporary folder,
/// on a free port, run as the `postgres` user when root), for tests that
/// stop and start it; stopped when dropped.
pub struct PrivatePostgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
    /// Root runs PostgreSQL's tools as `postgres` (PostgreSQL refuses root).
    as_postgres: bool,
}

impl PrivatePostgres {
    /// `None` (a skip, or a failure under MERIDIAN_REQUIRE_ALL) without PostgreSQL.
    pub fn start() -> Option<Self> {
        let bin = std::env::var_os("MERIDIAN_TEST_PG_BIN").map(PathBuf::from).or_else(|| {
            let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql").ok()?.flatten().map(|e| e.path().join("bin")).collect();
            found.sort();
            found.pop()
        });
        let Some(bin) = bin.filter(|b| b.join("initdb").exists()) else {
            require_or_skip("PostgreSQL is not installed (scripts/setup.sh test installs it)");
            return None;
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let as_postgres = std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout == b"0\n");
        if as_postgres {
            let chowned = std::process::Command::new("chown").args(["postgres:postgres"]).arg(dir.path()).status().expect("chown");
            assert!(chowned.success());
        }
        let server = PrivatePostgres { bin, dir, port: free_port(), as_postgres };
        let data = server.data();
        server.run("initdb", &["-D", &data, "-U", "meridian", "--auth=trust"]);
        server.resume();
        Some(server)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let tool = self.bin.join(tool).display().to_string();
        let mut command = if self.as_postgres {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--", &tool]);
            c
        } else {
            std::process::Command::new(&tool)
        };
        let out = command.args(args).output().expect("PostgreSQL tool runs");
        assert!(out.status.success(), "{tool} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    pub fn url(&self) -> String {
        format!("postgres://meridian@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops it now (fast: open sessions are cut, as in an outage).
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    /// Starts it (again).
    pub fn resume(&self) {
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1", self.port, self.dir.path().display());
        let log = self.dir.path().join("log").display().to_string();
        self.run("pg_ctl", &["-D", &self.data(), "-o", &options, "-l", &log, "-w", "start"]);
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.stop()));
    }
}
