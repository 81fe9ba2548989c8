//! Asynchronous messaging: a small in-memory message broker (its own
//! process, uninstrumented, as RabbitMQ would be) and the two sides of it.
//!
//! - [`publish`]: a PRODUCER span whose context travels in the message's
//!   headers (W3C `traceparent`), as the messaging conventions ask.
//! - [`consume`]: a long-polling loop; each message is handled in a CONSUMER
//!   span that continues the producer's trace across the process boundary.
//!
//! Delivery is at most once (a message is handed out once, no acks): the
//! demo shows the trace, not a durable queue.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Notify;
use tracing::Instrument;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::telemetry;

/// `messaging.system` of the demo broker.
pub const SYSTEM: &str = "demo-queue";
/// Messages a queue holds before publishers are refused.
const CAPACITY: usize = 10_000;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Message {
    #[serde(default)]
    pub id: u64,
    #[serde(default)]
    pub headers: HashMap<String, String>,
    pub body: Value,
}

#[derive(Default)]
struct Broker {
    queues: Mutex<(u64, HashMap<String, VecDeque<Message>>)>,
    arrived: Notify,
}

impl Broker {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, HashMap<String, VecDeque<Message>>)> {
        self.queues.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The broker's routes (`meridian-demo service --name queue`).
pub fn broker_router() -> Router {
    Router::new()
        .route("/queues/{queue}/messages", post(enqueue))
        .route("/queues/{queue}/messages/next", get(next))
        .with_state(Arc::new(Broker::default()))
}

async fn enqueue(State(broker): State<Arc<Broker>>, Path(queue): Path<String>, Json(mut message): Json<Message>) -> Response {
    let id = {
        let mut state = broker.lock();
        state.0 += 1;
        let id = state.0;
        let messages = state.1.entry(queue.clone()).or_default();
        if messages.len() >= CAPACITY {
            return (StatusCode::SERVICE_UNAVAILABLE, format!("queue {queue} is full ({CAPACITY} messages)")).into_response();
        }
        message.id = id;
        messages.push_back(message);
        id
    };
    broker.arrived.notify_waiters();
    (StatusCode::ACCEPTED, Json(serde_json::json!({ "id": id }))).into_response()
}

#[derive(Deserialize)]
struct Wait {
    #[serde(default)]
    wait_ms: u64,
}

/// The oldest message, waiting up to `wait_ms` (at most 30 s) for one; 204 if none came.
async fn next(State(broker): State<Arc<Broker>>, Path(queue): Path<String>, Query(wait): Query<Wait>) -> Response {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(wait.wait_ms.min(30_000));
    loop {
        let arrived = broker.arrived.notified();
        if let Some(message) = broker.lock().1.get_mut(&queue).and_then(VecDeque::pop_front) {
            return Json(message).into_response();
        }
        if tokio::time::timeout_at(deadline, arrived).await.is_err() {
            return StatusCode::NO_CONTENT.into_response();
        }
    }
}

fn messaging_span(kind: &'static str, operation: &'static str, queue: &str, broker: &str) -> tracing::Span {
    tracing::info_span!(
        "message",
        otel.name = format!("{operation} {queue}"),
        otel.kind = kind,
        messaging.system = SYSTEM,
        messaging.destination.name = queue,
        messaging.operation.type = operation,
        messaging.message.id = Empty,
        server.address = broker,
        otel.status_code = Empty,
    )
}

/// Publishes `body` to `queue` in a PRODUCER span; its context rides in the headers.
pub async fn publish(client: &reqwest::Client, broker: &str, queue: &str, body: Value) -> anyhow::Result<u64> {
    let span = messaging_span("producer", "send", queue, broker);
    let mut headers = HashMap::new();
    telemetry::inject(&span, &mut headers);
    let message = Message { id: 0, headers, body };
    let url = format!("{broker}/queues/{queue}/messages");
    let result: anyhow::Result<u64> = async {
        let response = client.post(&url).json(&message).timeout(Duration::from_secs(2)).send().await?.error_for_status()?;
        let answer: Value = response.json().await?;
        answer["id"].as_u64().context("the broker answered without an id")
    }
    .instrument(span.clone())
    .await;
    match &result {
        Ok(id) => span.record("messaging.message.id", id.to_string()),
        Err(_) => span.record("otel.status_code", "ERROR"),
    };
    result
}

/// Handles messages of `queue` one by one, each in a CONSUMER span that
/// continues its producer's trace, until the process stops.
pub async fn consume<F, Fut>(broker: String, queue: &'static str, handle: F)
where
    F: Fn(Value) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let client = reqwest::Client::new();
    let url = format!("{broker}/queues/{queue}/messages/next?wait_ms=5000");
    loop {
        let message = match client.get(&url).timeout(Duration::from_secs(10)).send().await {
            Ok(response) if response.status() == StatusCode::OK => response.json::<Message>().await.map_err(anyhow::Error::from),
            Ok(_) => continue, // nothing within the wait
            Err(error) => Err(error.into()),
        };
        let message = match message {
            Ok(message) => message,
            Err(error) => {
                tracing::warn!("cannot read {queue}: {error}; retrying in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let span = messaging_span("consumer", "process", queue, &broker);
        span.record("messaging.message.id", message.id.to_string());
        let _ = span.set_parent(telemetry::extract(&message.headers));
        if let Err(error) = handle(message.body).instrument(span.clone()).await {
            tracing::warn!(parent: &span, "message {} of {queue} failed: {error}", message.id);
            span.record("otel.status_code", "ERROR");
        }
    }
}
