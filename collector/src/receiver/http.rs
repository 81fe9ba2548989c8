//! OTLP/HTTP: `POST /v1/traces` with protobuf or JSON bodies, optionally
//! gzip-compressed; the answer comes in the request's content type.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use prost::Message;

use super::ReceiverConfig;
use crate::otlp::{BodyError, BodyFormat};
use crate::pipeline::{Pipeline, RETRY_AFTER};

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
    Router::new().route("/v1/traces", post(export)).with_state(HttpReceiver { pipeline, config: config.clone() })
}

async fn export(State(receiver): State<HttpReceiver>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let encoding = match content_type.split(';').next().unwrap_or("").trim() {
        PROTOBUF => BodyFormat::Protobuf,
        JSON => BodyFormat::Json,
        other => {
            return error(
                BodyFormat::Protobuf,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("unsupported content-type `{other}`; use {PROTOBUF} or {JSON}"),
            );
        }
    };
    if let Some(reason) = receiver.config.refusal(headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())) {
        return error(encoding, StatusCode::UNAUTHORIZED, reason);
    }
    // Admitted before the body is read, so overload costs no memory.
    let max_body_bytes = receiver.config.max_body_bytes;
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > max_body_bytes) {
        return error(encoding, StatusCode::PAYLOAD_TOO_LARGE, format!("body exceeds {max_body_bytes} bytes"));
    }
    let Some(_admitted) = receiver.pipeline.admission().try_admit(declared.unwrap_or(max_body_bytes)) else {
        return overloaded(encoding);
    };
    let body = match axum::body::to_bytes(body, max_body_bytes).await {
        Ok(body) => body,
        Err(e) if too_large(&e) => return error(encoding, StatusCode::PAYLOAD_TOO_LARGE, format!("body exceeds {max_body_bytes} bytes")),
        Err(e) => return error(encoding, StatusCode::BAD_REQUEST, format!("cannot read the body: {e}")),
    };
    let gzip = match headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()) {
        None | Some("identity") => false,
        Some("gzip") => true,
        Some(other) => return error(encoding, StatusCode::UNSUPPORTED_MEDIA_TYPE, format!("unsupported content-encoding `{other}`")),
    };
    let response = match receiver.pipeline.export_body(&body, encoding, gzip, max_body_bytes) {
        Ok(outcome) => outcome.into_response(),
        Err(BodyError::TooLarge(message)) => return error(encoding, StatusCode::PAYLOAD_TOO_LARGE, message),
        Err(BodyError::Invalid(message)) => return error(encoding, StatusCode::BAD_REQUEST, message),
    };
    match encoding {
        BodyFormat::Protobuf => ([(header::CONTENT_TYPE, PROTOBUF)], response.encode_to_vec()).into_response(),
        BodyFormat::Json => match serde_json::to_vec(&response) {
            Ok(body) => ([(header::CONTENT_TYPE, JSON)], body).into_response(),
            Err(e) => error(encoding, StatusCode::INTERNAL_SERVER_ERROR, format!("cannot encode response: {e}")),
        },
    }
}

/// Whether reading a body failed because it was over the limit.
fn too_large(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = current.source();
    }
    false
}

/// 503 with `Retry-After`: the admission budget is spent.
fn overloaded(encoding: BodyFormat) -> Response {
    let mut response = error(encoding, StatusCode::SERVICE_UNAVAILABLE, "overloaded: retry later".to_string());
    response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(RETRY_AFTER.as_secs()));
    response
}

fn error(encoding: BodyFormat, status: StatusCode, message: String) -> Response {
    // gRPC codes: INVALID_ARGUMENT for bad input, RESOURCE_EXHAUSTED for
    // size, UNAUTHENTICATED for a missing or wrong token.
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => 8,
        StatusCode::UNAUTHORIZED => 16,
        StatusCode::SERVICE_UNAVAILABLE => 14,
        StatusCode::INTERNAL_SERVER_ERROR => 13,
        _ => 3,
    };
    let body = RpcStatus { code, message };
    match encoding {
        BodyFormat::Protobuf => (status, [(header::CONTENT_TYPE, PROTOBUF)], body.encode_to_vec()).into_response(),
        BodyFormat::Json => (status, [(header::CONTENT_TYPE, JSON)], serde_json::to_vec(&body).unwrap_or_default()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EngineConfig;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use tower::ServiceExt;

    fn post(body: Vec<u8>) -> axum::extract::Request {
        axum::http::Request::post("/v1/traces")
            .header(header::CONTENT_TYPE, PROTOBUF)
            .header(header::CONTENT_LENGTH, body.len())
            .body(axum::body::Body::from(body))
            .expect("request")
    }

    #[tokio::test]
    async fn an_overloaded_receiver_answers_503_with_retry_after_and_recovers() {
        let pipeline = Arc::new(Pipeline::new(EngineConfig::default()).with_max_in_flight_bytes(64));
        let app = router(pipeline.clone(), &ReceiverConfig::default());
        let mut request = ExportTraceServiceRequest::default();
        request.resource_spans.push(Default::default());
        let body = request.encode_to_vec();
        let held = pipeline.admission().try_admit(64);
        let response = app.clone().oneshot(post(body.clone())).await.expect("response");
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
        assert_eq!(RpcStatus::decode(bytes).expect("google.rpc.Status").code, 14);
        drop(held);
        assert_eq!(app.oneshot(post(body)).await.expect("response").status(), StatusCode::OK);
        assert_eq!(pipeline.admission().refused(), 1);
    }

    #[tokio::test]
    async fn a_declared_length_over_the_limit_is_refused_unread() {
        let app =
            router(Arc::new(Pipeline::new(EngineConfig::default())), &ReceiverConfig { max_body_bytes: 8, ..ReceiverConfig::default() });
        let response = app.oneshot(post(vec![0; 9])).await.expect("response");
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
}
