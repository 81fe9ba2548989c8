//! What the server benchmarks share: the `meridian` binary of this build in
//! its own process (so the memory measured is the server's alone), on free
//! loopback ports, optionally pinned to one core.
#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;

/// The median time of `runs` runs of `work`, and its last answer.
pub fn median_of<T>(runs: usize, mut work: impl FnMut() -> T) -> (std::time::Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let started = std::time::Instant::now();
        last = Some(work());
        times.push(started.elapsed());
    }
    times.sort();
    (times[times.len() / 2], last.expect("at least one run"))
}

/// Runs a benchmark's load on core 1 (this process and every thread it
/// starts; the server goes on core 0); `run` learns whether pinning took.
pub fn on_core_one<F: std::future::Future<Output = ()>>(run: impl FnOnce(bool) -> F) {
    let pinned =
        Command::new("taskset").args(["-a", "-pc", "1", &std::process::id().to_string()]).output().is_ok_and(|o| o.status.success());
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(run(pinned));
}

/// A port free right now on loopback (the server binds it a moment later).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

pub struct Meridian {
    child: Child,
    /// `http://127.0.0.1:PORT` of the UI and API.
    pub base: String,
    pub otlp_grpc: String,
    pub otlp_http: String,
}

impl Meridian {
    /// `meridian serve` on `database_url` with `args` added, pinned to
    /// `core` if given (with `taskset`, from util-linux).
    pub fn spawn(database_url: &str, core: Option<usize>, args: &[&str]) -> Self {
        let (port, grpc, http) = (free_port(), free_port(), free_port());
        let binary = env!("CARGO_BIN_EXE_meridian");
        let mut command = match core {
            Some(core) => {
                let mut c = Command::new("taskset");
                c.args(["-c", &core.to_string(), binary]);
                c
            }
            None => Command::new(binary),
        };
        let child = command
            .arg("serve")
            .args(["--database-url", database_url])
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .args(["--otlp-grpc-addr", &format!("127.0.0.1:{grpc}")])
            .args(["--otlp-http-addr", &format!("127.0.0.1:{http}")])
            .args(args)
            .env_remove("MERIDIAN_API_TOKEN")
            .stdout(Stdio::null())
            .spawn()
            .expect("meridian starts");
        Meridian {
            child,
            base: format!("http://127.0.0.1:{port}"),
            otlp_grpc: format!("127.0.0.1:{grpc}"),
            otlp_http: format!("127.0.0.1:{http}"),
        }
    }

    /// A field of the server's `/proc/PID/status` (the first word of its value).
    fn status(&self, field: &str) -> Option<String> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)).map(str::to_string)
    }

    fn status_mib(&self, field: &str) -> f64 {
        self.status(field).and_then(|kb| kb.parse::<f64>().ok()).map_or(0.0, |kb| kb / 1024.0)
    }

    /// The cores the server may run on (to show the pinning took).
    pub fn cpus_allowed(&self) -> String {
        self.status("Cpus_allowed_list:").unwrap_or_default()
    }

    /// The server's peak resident memory so far (VmHWM), in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        self.status_mib("VmHWM:")
    }

    /// Starts the peak (VmHWM) again from the resident memory now, so that
    /// the next [`Self::peak_rss_mib`] is the peak of what follows only.
    pub fn reset_peak_rss(&self) {
        // "5" resets the peak (proc(5), clear_refs, Linux 4.0 and later).
        if let Err(error) = std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5") {
            eprintln!("cannot reset the server's peak RSS: {error}");
        }
    }

    /// The server's resident memory now (VmRSS), in MiB.
    pub fn rss_mib(&self) -> f64 {
        self.status_mib("VmRSS:")
    }

    /// CPU time the server has used so far (user + system), in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        cpu_of_stat(&format!("/proc/{}/stat", self.child.id()))
    }

    /// Minor page faults the server has taken (`/proc/PID/stat`): memory
    /// handed back to the OS and touched again.
    pub fn minor_faults(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        after_name.split_whitespace().nth(7).and_then(|f| f.parse().ok()).unwrap_or(0)
    }

    /// Waits until the API answers (the catalog is loaded and serving).
    pub async fn ready(&self, client: &reqwest::Client) {
        for _ in 0..3000 {
            if client.get(format!("{}/healthz", self.base)).send().await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("meridian did not start within 30 s");
    }

    /// Sends one export request over OTLP/HTTP protobuf; it must be accepted.
    pub async fn export(&self, client: &reqwest::Client, request: &ExportTraceServiceRequest) {
        let response = client
            .post(format!("http://{}/v1/traces", self.otlp_http))
            .header("content-type", "application/x-protobuf")
            .body(request.encode_to_vec())
            .send()
            .await
            .expect("export");
        assert!(response.status().is_success(), "export answered {}", response.status());
    }

    /// A metric's value summed over its labelled series (`name{...} value` lines).
    pub async fn metric_sum(&self, client: &reqwest::Client, name: &str) -> f64 {
        let text = client.get(format!("{}/metrics", self.base)).send().await.expect("GET /metrics").text().await.expect("metrics body");
        text.lines()
            .filter(|l| l.strip_prefix(name).is_some_and(|rest| rest.starts_with([' ', '{'])))
            .filter_map(|l| l.rsplit_once(' ').and_then(|(_, v)| v.trim().parse::<f64>().ok()))
            .sum()
    }

    /// One counter or gauge from `/metrics`.
    pub async fn metric<T: std::str::FromStr>(&self, client: &reqwest::Client, name: &str) -> T {
        let text = client.get(format!("{}/metrics", self.base)).send().await.expect("GET /metrics").text().await.expect("metrics body");
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} missing from /metrics"))
    }
}

impl Drop for Meridian {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// User plus system CPU seconds in a `/proc/.../stat` file: fields 14 and 15,
/// after the parenthesised name, in clock ticks (100 a second on Linux).
fn cpu_of_stat(path: &str) -> f64 {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after_name.split_whitespace().skip(11).take(2).filter_map(|t| t.parse::<u64>().ok()).sum();
    ticks as f64 / 100.0
}
