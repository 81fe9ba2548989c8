//! HTTP on both sides, with the OpenTelemetry semantic conventions:
//!
//! - [`serve`]: middleware giving every request a SERVER span named
//!   `METHOD /route` (the matched route, not the raw path) that continues the
//!   caller's trace, and applying the service's injected faults inside it.
//! - [`Downstream`]: calls to another service (or the outside world) in a
//!   CLIENT span whose context travels in `traceparent`, with a timeout and,
//!   on request, retries with backoff; each attempt is its own span
//!   (`http.request.resend_count`), as the conventions ask.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use serde_json::{Value, json};
use tracing::Instrument;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::faults::Switches;
use crate::resilience::Backoff;
use crate::telemetry;

/// Middleware: the SERVER span, then the faults, then the handler.
pub async fn serve(State(switches): State<Arc<Switches>>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_string();
    let route = request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let span = tracing::info_span!(
        "request",
        otel.name = format!("{method} {route}"),
        otel.kind = "server",
        http.request.method = %method,
        http.route = %route,
        url.path = %request.uri().path(),
        url.scheme = "http",
        http.response.status_code = Empty,
        demo.fault = Empty,
        otel.status_code = Empty,
    );
    let _ = span.set_parent(telemetry::extract(&HeaderExtractor(request.headers())));
    let response = with_faults(&switches, StatusCode::INTERNAL_SERVER_ERROR, request, next).instrument(span.clone()).await;
    let status = response.status();
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
    response
}

/// Middleware of the uninstrumented outside services: the faults, no span
/// (an outside service fails as a gateway would, with 502).
pub async fn faults_only(State(switches): State<Arc<Switches>>, request: Request, next: Next) -> Response {
    with_faults(&switches, StatusCode::BAD_GATEWAY, request, next).await
}

/// The service's faults on one request: maybe a delay, then maybe `failure`
/// instead of the handler's answer; noted on the current span, if any.
async fn with_faults(switches: &Switches, failure: StatusCode, request: Request, next: Next) -> Response {
    let (delay, fail) = switches.faults().draw();
    if let Some(delay) = delay {
        tracing::Span::current().record("demo.fault", "latency");
        tokio::time::sleep(delay).await;
    }
    if fail {
        tracing::Span::current().record("demo.fault", "error");
        return ApiError::new(failure, "injected fault").into_response();
    }
    next.run(request).await
}

/// An error answer: status and a JSON `{"error": ...}` body.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into() }
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, format!("no {what}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

/// A failed call: what the caller answers is its own decision.
impl From<CallError> for ApiError {
    fn from(error: CallError) -> Self {
        let status = match error {
            CallError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            CallError::Status { status, .. } if status < 500 => StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
            _ => StatusCode::BAD_GATEWAY,
        };
        ApiError::new(status, error.to_string())
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => ApiError::new(StatusCode::NOT_FOUND, "not found"),
            other => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("database: {other}")),
        }
    }
}

pub type Answer = Result<Json<Value>, ApiError>;

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("{url} did not answer within {timeout:?}")]
    Timeout { url: String, timeout: Duration },
    #[error("{url} answered {status}: {body}")]
    Status { url: String, status: u16, body: String },
    #[error("{url}: {reason}")]
    Transport { url: String, reason: String },
}

impl CallError {
    /// Worth another attempt: the server may do better next time.
    pub fn is_transient(&self) -> bool {
        match self {
            CallError::Timeout { .. } | CallError::Transport { .. } => true,
            CallError::Status { status, .. } => *status >= 500 || *status == 429,
        }
    }
}

/// Another service (or an outside one), at a base URL.
#[derive(Clone, Debug)]
pub struct Downstream {
    client: reqwest::Client,
    base: String,
    /// `server.address` and `server.port` of every call, from `base`.
    address: String,
    port: u16,
    timeout: Duration,
    /// For uninstrumented outside services: `peer.service` names them.
    peer_service: Option<&'static str>,
}

impl Downstream {
    pub fn new(base: &str, timeout: Duration) -> Self {
        let url = reqwest::Url::parse(base).ok();
        let address = url.as_ref().and_then(|u| u.host_str()).unwrap_or(base).to_string();
        let port = url.as_ref().and_then(reqwest::Url::port_or_known_default).unwrap_or(80);
        Downstream {
            client: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_string(),
            address,
            port,
            timeout,
            peer_service: None,
        }
    }

    /// An outside service that sends no telemetry: the span names it.
    pub fn external(base: &str, timeout: Duration, peer_service: &'static str) -> Self {
        Downstream { peer_service: Some(peer_service), ..Downstream::new(base, timeout) }
    }

    pub async fn get(&self, path: &str) -> Result<Value, CallError> {
        self.send(Method::GET, path, None, 0).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, CallError> {
        self.send(Method::POST, path, Some(body), 0).await
    }

    pub async fn delete(&self, path: &str) -> Result<Value, CallError> {
        self.send(Method::DELETE, path, None, 0).await
    }

    /// A GET retried on transient failures, waiting per `backoff`.
    pub async fn get_with_retries(&self, path: &str, backoff: Backoff) -> Result<Value, CallError> {
        let mut attempt = 0;
        loop {
            match self.send(Method::GET, path, None, attempt).await {
                Err(error) if error.is_transient() && attempt < backoff.retries => {
                    let wait = backoff.delay(attempt, fastrand::f64());
                    tracing::debug!("retrying {path} in {wait:?}: {error}");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<&Value>, resend: u32) -> Result<Value, CallError> {
        let url = format!("{}{path}", self.base);
        let span = tracing::info_span!(
            "call",
            otel.name = %method,
            otel.kind = "client",
            http.request.method = %method,
            url.full = %url,
            server.address = %self.address,
            server.port = self.port,
            peer.service = self.peer_service,
            http.request.resend_count = (resend > 0).then_some(resend),
            http.response.status_code = Empty,
            error.type = Empty,
            otel.status_code = Empty,
        );
        let mut headers = HeaderMap::new();
        telemetry::inject(&span, &mut HeaderInjector(&mut headers));
        let mut request = self.client.request(method, &url).headers(headers).timeout(self.timeout);
        if let Some(body) = body {
            request = request.json(body);
        }
        let result = async {
            let response = request.send().await.map_err(|e| self.transport_error(&url, e))?;
            let status = response.status();
            tracing::Span::current().record("http.response.status_code", status.as_u16());
            let text = response.text().await.map_err(|e| self.transport_error(&url, e))?;
            if !status.is_success() {
                return Err(CallError::Status { url: url.clone(), status: status.as_u16(), body: text });
            }
            Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
        }
        .instrument(span.clone())
        .await;
        if let Err(error) = &result {
            let kind = match error {
                CallError::Timeout { .. } => "timeout".to_string(),
                CallError::Status { status, .. } => status.to_string(),
                CallError::Transport { .. } => "transport".to_string(),
            };
            span.record("error.type", kind.as_str());
            if !matches!(error, CallError::Status { status, .. } if *status < 500) {
                span.record("otel.status_code", "ERROR");
            }
        }
        result
    }

    fn transport_error(&self, url: &str, error: reqwest::Error) -> CallError {
        if error.is_timeout() {
            CallError::Timeout { url: url.to_string(), timeout: self.timeout }
        } else {
            CallError::Transport { url: url.to_string(), reason: error.to_string() }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_transient_errors() {
        let address = |base| {
            let d = Downstream::new(base, Duration::from_secs(1));
            (d.address, d.port)
        };
        assert_eq!(address("http://127.0.0.1:7103"), ("127.0.0.1".into(), 7103));
        assert_eq!(address("http://pay.example"), ("pay.example".into(), 80));
        let status = |status| CallError::Status { url: "u".into(), status, body: String::new() };
        assert!(status(503).is_transient() && status(429).is_transient());
        assert!(!status(404).is_transient());
        assert_eq!(ApiError::from(status(404)).status, StatusCode::NOT_FOUND);
        assert_eq!(ApiError::from(status(500)).status, StatusCode::BAD_GATEWAY);
    }
}
