//! `meridian-demo fleet`: every process of the shop as a child process (its
//! output prefixed with its name), the load once all answer; Ctrl-C or
//! `--duration` stops everything, services first so they flush their spans.
//! The control endpoint ([`crate::control`]) listens beside them.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

use crate::layout::{Layout, Process};
use crate::telemetry::Protocol;

#[derive(clap::Args, Debug)]
pub struct FleetArgs {
    /// Where services send OTLP (gRPC by default; any OTLP collector works).
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", default_value = "http://127.0.0.1:4317")]
    pub otlp_endpoint: String,
    #[arg(long, value_enum, default_value = "grpc")]
    pub otlp_protocol: Protocol,
    /// First port; the processes take consecutive ports from here (11 in
    /// all), the control endpoint the next one (7111 by default).
    #[arg(long, default_value_t = 7100)]
    pub base_port: u16,
    /// Shopper requests per second sent to the gateway.
    #[arg(long, default_value_t = 10.0)]
    pub rate: f64,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long)]
    pub duration: Option<u64>,
    /// Where the services keep their databases.
    #[arg(long, default_value = "data/demo")]
    pub data_dir: PathBuf,
    /// Share of pricing requests that fail with a transient error (its callers retry).
    #[arg(long, default_value_t = 0.05)]
    pub pricing_error_share: f64,
}

pub async fn run(args: FleetArgs) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("cannot find the meridian-demo executable")?;
    let layout = Layout { base_port: args.base_port };
    let control_routes = crate::control::router(layout)?;
    let mut children: Vec<Child> = Vec::new();
    for &process in Process::all() {
        let mut command = Command::new(&exe);
        command
            .args(["service", "--name", process.name(), "--base-port", &args.base_port.to_string()])
            .arg("--data-dir")
            .arg(&args.data_dir)
            .args(["--otlp-endpoint", &args.otlp_endpoint, "--otlp-protocol", args.otlp_protocol.as_str()])
            .args(initial_faults(process, &args))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().with_context(|| format!("cannot start {process}"))?;
        prefix_output(process.name(), &mut child);
        children.push(child);
    }
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
    for &process in Process::all() {
        if let Err(error) = wait_until_healthy(&client, process, layout).await {
            stop_children(children).await;
            return Err(error);
        }
    }
    let control_addr = std::net::SocketAddr::from(([127, 0, 0, 1], layout.control_port()));
    let control = match tokio::net::TcpListener::bind(control_addr).await {
        Ok(listener) => listener,
        Err(error) => {
            stop_children(children).await;
            anyhow::bail!("the fleet's control endpoint cannot listen on {control_addr}: {error}");
        }
    };
    tokio::spawn(async move { axum::serve(control, control_routes).await });
    let gateway = layout.url(Process::Gateway);
    println!("[fleet] all {} processes up; {} shopper requests a second to {gateway}", Process::all().len(), args.rate);
    println!("[fleet] faults and deploys: http://{control_addr}/fleet (Meridian's Demo page with --demo-fleet http://{control_addr})");
    let stop = async {
        match args.duration {
            Some(seconds) => tokio::time::sleep(Duration::from_secs(seconds)).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = crate::load::run(gateway, args.rate) => {},
        _ = stop => println!("[fleet] duration reached"),
        _ = crate::shutdown_signal() => println!("[fleet] stopping"),
    }
    stop_children(children).await;
    Ok(())
}

/// Real systems are never perfectly healthy: pricing fails now and then
/// (its callers retry), the outside provider is sometimes slow or down.
fn initial_faults(process: Process, args: &FleetArgs) -> Vec<String> {
    match process {
        Process::Pricing => vec!["--error-share".into(), args.pricing_error_share.to_string()],
        Process::PaymentProvider => ["--error-share", "0.02", "--latency-ms", "1500", "--latency-share", "0.02"].map(String::from).to_vec(),
        _ => Vec::new(),
    }
}

fn prefix_output(name: &'static str, child: &mut Child) {
    if let Some(out) = child.stdout.take() {
        tokio::spawn(forward(name, out, false));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(forward(name, err, true));
    }
}

/// Copies a child's output line by line, each line prefixed with its name.
async fn forward(name: &'static str, output: impl AsyncRead + Unpin, to_stderr: bool) {
    let mut lines = BufReader::new(output).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        match to_stderr {
            true => eprintln!("[{name}] {line}"),
            false => println!("[{name}] {line}"),
        }
    }
}

async fn wait_until_healthy(client: &reqwest::Client, process: Process, layout: Layout) -> anyhow::Result<()> {
    let url = format!("{}/health", layout.url(process));
    for _ in 0..150 {
        if client.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("{process} did not answer on {url} within 15 s")
}

/// Asks each process to stop (SIGTERM, so it flushes its spans), then waits.
async fn stop_children(children: Vec<Child>) {
    for child in &children {
        if let Some(pid) = child.id() {
            let _ = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
        }
    }
    for mut child in children {
        if tokio::time::timeout(Duration::from_secs(5), child.wait()).await.is_err() {
            let _ = child.kill().await;
        }
    }
}
