//! OTLP/HTTP: `POST /v1/traces` with protobuf or JSON bodies, optionally
//! gzip-compressed; the answer comes in the request's content type.

use std::io::Read;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;

use super::ReceiverConfig;
use crate::pipeline::Pipeline;

const PROTOBUF: &str = "application/x-protobuf";
const JSON: &str = "application/json";

/// `google.rpc.Status`, the body of an OTLP/HTTP error response.
#[derive(Clone, PartialEq, Message, serde::Serialize)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
}

#[derive(Clone)]
struct HttpReceiver {
    pipeline: Arc<Pipeline>,
    config: ReceiverConfig,
}

/// A router serving `POST /v1/traces`; merge it into any axum app.
pub fn router(pipeline: Arc<Pipeline>, config: &ReceiverConfig) -> Router {
    Router::new()
        .route("/v1/traces", post(export))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .with_state(HttpReceiver { pipeline, config: config.clone() })
}

#[derive(Clone, Copy, PartialEq)]
enum Encoding {
    Protobuf,
    Json,
}

async fn export(State(receiver): State<HttpReceiver>, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let encoding = match content_type.split(';').next().unwrap_or("").trim() {
        PROTOBUF => Encoding::Protobuf,
        JSON => Encoding::Json,
        other => {
            return error(
                Encoding::Protobuf,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("unsupported content-type `{other}`; use {PROTOBUF} or {JSON}"),
            );
        }
    };
    if let Some(reason) = receiver.config.refusal(headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())) {
        return error(encoding, StatusCode::UNAUTHORIZED, reason.to_string());
    }
    let gzip = match headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()) {
        None | Some("identity") => false,
        Some("gzip") => true,
        Some(other) => return error(encoding, StatusCode::UNSUPPORTED_MEDIA_TYPE, format!("unsupported content-encoding `{other}`")),
    };
    let body = if gzip {
        match gunzip(&body, receiver.config.max_body_bytes) {
            Ok(body) => Bytes::from(body),
            Err(GunzipError::TooLarge) => {
                return error(
                    encoding,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("decompressed body exceeds {} bytes", receiver.config.max_body_bytes),
                );
            }
            Err(GunzipError::Invalid(e)) => return error(encoding, StatusCode::BAD_REQUEST, format!("invalid gzip body: {e}")),
        }
    } else {
        body
    };
    let request = match encoding {
        Encoding::Protobuf => ExportTraceServiceRequest::decode(body).map_err(|e| format!("invalid protobuf body: {e}")),
        Encoding::Json => crate::otlp::decode_json(&body),
    };
    let request = match request {
        Ok(request) => request,
        Err(message) => return error(encoding, StatusCode::BAD_REQUEST, message),
    };
    let response = receiver.pipeline.export(&request).into_response();
    match encoding {
        Encoding::Protobuf => ([(header::CONTENT_TYPE, PROTOBUF)], response.encode_to_vec()).into_response(),
        Encoding::Json => match serde_json::to_vec(&response) {
            Ok(body) => ([(header::CONTENT_TYPE, JSON)], body).into_response(),
            Err(e) => error(encoding, StatusCode::INTERNAL_SERVER_ERROR, format!("cannot encode response: {e}")),
        },
    }
}

enum GunzipError {
    TooLarge,
    Invalid(std::io::Error),
}

/// Decompresses at most `limit` bytes, so a small bomb cannot exhaust memory.
fn gunzip(body: &[u8], limit: usize) -> Result<Vec<u8>, GunzipError> {
    let mut out = Vec::new();
    let mut decoder = flate2::read::GzDecoder::new(body).take(limit as u64 + 1);
    decoder.read_to_end(&mut out).map_err(GunzipError::Invalid)?;
    if out.len() > limit {
        return Err(GunzipError::TooLarge);
    }
    Ok(out)
}

fn error(encoding: Encoding, status: StatusCode, message: String) -> Response {
    // gRPC codes: INVALID_ARGUMENT for bad input, RESOURCE_EXHAUSTED for
    // size, UNAUTHENTICATED for a missing or wrong token.
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => 8,
        StatusCode::UNAUTHORIZED => 16,
        StatusCode::INTERNAL_SERVER_ERROR => 13,
        _ => 3,
    };
    let body = RpcStatus { code, message };
    match encoding {
        Encoding::Protobuf => (status, [(header::CONTENT_TYPE, PROTOBUF)], body.encode_to_vec()).into_response(),
        Encoding::Json => (status, [(header::CONTENT_TYPE, JSON)], serde_json::to_vec(&body).unwrap_or_default()).into_response(),
    }
}
