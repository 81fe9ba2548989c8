//! Starts every demo service as a child process (its output prefixed with
//! its name), waits until each answers, then sends steady load to the
//! gateway. Ctrl-C or `--duration` stops everything.

use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::telemetry::Protocol;

#[derive(clap::Args, Debug)]
pub struct FleetArgs {
    /// Where services send OTLP (gRPC by default).
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", default_value = "http://127.0.0.1:4317")]
    pub otlp_endpoint: String,
    #[arg(long, value_enum, default_value = "grpc")]
    pub otlp_protocol: Protocol,
    /// First port; services take consecutive ports from here.
    #[arg(long, default_value_t = 7100)]
    pub base_port: u16,
    /// Requests per second sent to the gateway.
    #[arg(long, default_value_t = 5.0)]
    pub rate: f64,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long)]
    pub duration: Option<u64>,
    /// Share of pricing requests that fail, to show errors in the graph.
    #[arg(long, default_value_t = 0.05)]
    pub pricing_error_rate: f64,
}

/// The fleet: name and whom it calls (by index into this list).
const SERVICES: &[(&str, Option<usize>)] = &[("gateway", Some(1)), ("catalog", Some(2)), ("pricing", None)];

pub async fn run(args: FleetArgs) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("cannot find the meridian-demo executable")?;
    let mut children: Vec<Child> = Vec::new();
    for (index, (name, downstream)) in SERVICES.iter().enumerate() {
        let port = args.base_port + index as u16;
        let mut command = Command::new(&exe);
        command
            .args(["service", "--name", name, "--port", &port.to_string(), "--otlp-endpoint", &args.otlp_endpoint])
            .arg("--otlp-protocol")
            .arg(match args.otlp_protocol {
                Protocol::Grpc => "grpc",
                Protocol::Http => "http",
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(d) = downstream {
            command.args(["--downstream", &format!("http://127.0.0.1:{}", args.base_port + *d as u16)]);
        }
        if *name == "pricing" {
            command.args(["--error-rate", &args.pricing_error_rate.to_string()]);
        }
        let mut child = command.spawn().with_context(|| format!("cannot start {name}"))?;
        prefix_output(name, &mut child);
        children.push(child);
    }
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
    for (index, (name, _)) in SERVICES.iter().enumerate() {
        wait_until_healthy(&client, name, args.base_port + index as u16).await?;
    }
    println!("[fleet] all services up; sending {} req/s to http://127.0.0.1:{}", args.rate, args.base_port);

    let load = load(client, args.base_port, args.rate);
    let stop = async {
        match args.duration {
            Some(seconds) => tokio::time::sleep(Duration::from_secs(seconds)).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = load => {},
        _ = stop => println!("[fleet] duration reached"),
        _ = crate::service::shutdown_signal() => println!("[fleet] stopping"),
    }
    stop_children(children).await;
    Ok(())
}

fn prefix_output(name: &'static str, child: &mut Child) {
    if let Some(out) = child.stdout.take() {
        tokio::spawn(async move {
            let mut lines = BufReader::new(out).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                println!("[{name}] {line}");
            }
        });
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(async move {
            let mut lines = BufReader::new(err).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("[{name}] {line}");
            }
        });
    }
}

async fn wait_until_healthy(client: &reqwest::Client, name: &str, port: u16) -> anyhow::Result<()> {
    let url = format!("http://127.0.0.1:{port}/health");
    for _ in 0..100 {
        if client.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("{name} did not answer on {url} within 10 s")
}

async fn load(client: reqwest::Client, gateway_port: u16, rate: f64) {
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.1)));
    let mut id: u32 = 0;
    loop {
        ticker.tick().await;
        id = (id + 1) % 50;
        let url = format!("http://127.0.0.1:{gateway_port}/products/{id}");
        let client = client.clone();
        tokio::spawn(async move {
            let _ = client.get(url).send().await;
        });
    }
}

/// Asks each service to stop (SIGTERM, so it flushes its spans), then waits.
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
