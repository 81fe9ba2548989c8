//! The fleet's control endpoint: one address (the port after the last
//! process) from which Meridian's Demo page, or curl, sees every process
//! and flips its switches.
//!
//! - `GET /fleet`: each process with its version and faults (read from the
//!   process itself, so the processes stay the one source of truth);
//! - `PUT /fleet/{name}/faults` and `POST /fleet/{name}/deploy`: forwarded
//!   to that process's `/admin/faults` and `/admin/deploy`, its answer
//!   (status and body) passed back unchanged.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Serialize;

use crate::faults::AdminState;
use crate::layout::{Layout, Process};

/// One process as `GET /fleet` lists it.
#[derive(Debug, Serialize)]
pub struct ProcessEntry {
    pub name: &'static str,
    pub url: String,
    /// Sends telemetry (so it can be deployed).
    pub instrumented: bool,
    /// None when the process did not answer; `error` says why.
    pub state: Option<AdminState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Clone)]
struct Control {
    layout: Layout,
    client: reqwest::Client,
}

pub fn router(layout: Layout) -> anyhow::Result<Router> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
    Ok(Router::new()
        .route("/fleet", get(list))
        .route("/fleet/{name}/faults", put(forward_faults))
        .route("/fleet/{name}/deploy", post(forward_deploy))
        .with_state(Control { layout, client }))
}

async fn list(State(control): State<Control>) -> Json<Vec<ProcessEntry>> {
    let entries = Process::all().iter().map(|&process| {
        let control = control.clone();
        async move {
            let url = control.layout.url(process);
            let (state, error) = match state_of(&control.client, &url).await {
                Ok(state) => (Some(state), None),
                Err(error) => (None, Some(error)),
            };
            ProcessEntry { name: process.name(), url, instrumented: process.is_instrumented(), state, error }
        }
    });
    // Few processes: ask them all at once; answers stay in fleet order.
    Json(futures::future::join_all(entries).await)
}

async fn state_of(client: &reqwest::Client, url: &str) -> Result<AdminState, String> {
    let response = client.get(format!("{url}/admin/state")).send().await.map_err(|e| format!("did not answer: {e}"))?;
    let response = response.error_for_status().map_err(|e| e.to_string())?;
    response.json().await.map_err(|e| format!("answered with an unreadable state: {e}"))
}

async fn forward_faults(State(control): State<Control>, Path(name): Path<String>, body: Bytes) -> Response {
    forward(&control, &name, reqwest::Method::PUT, "faults", body).await
}

async fn forward_deploy(State(control): State<Control>, Path(name): Path<String>, body: Bytes) -> Response {
    forward(&control, &name, reqwest::Method::POST, "deploy", body).await
}

async fn forward(control: &Control, name: &str, method: reqwest::Method, switch: &str, body: Bytes) -> Response {
    let Ok(process) = <Process as clap::ValueEnum>::from_str(name, false) else {
        let known: Vec<&str> = Process::all().iter().map(|p| p.name()).collect();
        return (StatusCode::NOT_FOUND, format!("no process named `{name}`; the fleet runs {}", known.join(", "))).into_response();
    };
    let url = format!("{}/admin/{switch}", control.layout.url(process));
    let sent = control.client.request(method, &url).header("content-type", "application/json").body(body).send().await;
    let response = match sent {
        Ok(response) => response,
        Err(error) => return (StatusCode::BAD_GATEWAY, format!("{name} did not answer: {error}")).into_response(),
    };
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("text/plain").to_string();
    match response.bytes().await {
        Ok(body) => (status, [("content-type", content_type)], body).into_response(),
        Err(error) => (StatusCode::BAD_GATEWAY, format!("{name}'s answer was cut off: {error}")).into_response(),
    }
}
