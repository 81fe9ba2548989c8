//! OTLP/gRPC: `opentelemetry.proto.collector.trace.v1.TraceService/Export`.
//!
//! Served over hyper's HTTP/2 directly, not through tonic's server. An export
//! is one unary call, whose framing (a 5-byte prefix, one message, the status
//! in trailers) fits on a page. tonic's server, even with a pass-through
//! codec, answers a message over the limit `OUT_OF_RANGE`, which OTLP
//! exporters retry, and reads a message whole before anything could refuse
//! it for overload; its speed is close (`benches/grpc_receivers.rs`). The
//! message stays bytes and the pipeline's scanner reads what the graph needs
//! from them, as for OTLP/HTTP protobuf. tonic still spells the statuses
//! (codes, percent-encoded messages, `RetryInfo` details).
//!
//! Decisions where gRPC leaves room:
//! - The size limit and the admission budget are checked against the length
//!   in the message's prefix, before the message is read, so neither an
//!   oversize nor an overloaded export costs memory.
//! - Message encodings: identity and gzip. Answers are never compressed (they
//!   are a few bytes).
//! - `grpc-timeout` is not enforced: once read, an export is answered in
//!   microseconds.
//! - A unary call carries exactly one message; none, or anything after it, is
//!   `INVALID_ARGUMENT`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use http::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use http::{Method, StatusCode};
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;
use tokio::net::TcpListener;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use super::ReceiverConfig;
use super::listener::ListenerConfig;
use crate::otlp::{BodyError, BodyFormat};
use crate::pipeline::{Pipeline, RETRY_AFTER};

/// The one method served.
pub const EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/// The length-prefixed message's prefix: a compressed flag and a big-endian
/// length.
const PREFIX: usize = 5;

const GRPC: HeaderValue = HeaderValue::from_static("application/grpc");
const ACCEPTED_ENCODINGS: HeaderValue = HeaderValue::from_static("gzip,identity");

/// The trace service: export requests in, as raw bytes, to the pipeline.
#[derive(Clone)]
pub struct GrpcReceiver {
    pipeline: Arc<Pipeline>,
    config: ReceiverConfig,
}

impl GrpcReceiver {
    pub fn new(pipeline: Arc<Pipeline>, config: &ReceiverConfig) -> Self {
        Self { pipeline, config: config.clone() }
    }

    /// Serves gRPC on `listener` until `shutdown` completes, within
    /// `config` (see [`listener`](super::listener)).
    pub async fn serve(self, listener: TcpListener, config: ListenerConfig, shutdown: impl Future<Output = ()>) {
        let receiver = Arc::new(self);
        let service = hyper::service::service_fn(move |request| {
            let receiver = receiver.clone();
            async move { Ok::<_, Infallible>(receiver.call(request).await) }
        });
        super::listener::serve(listener, service, config, "OTLP/gRPC", shutdown).await;
    }

    /// Answers one HTTP/2 request.
    pub async fn call<B>(&self, request: http::Request<B>) -> http::Response<Reply>
    where
        B: Body,
        B::Error: std::fmt::Display,
    {
        let content_type = request.headers().get(CONTENT_TYPE).map(HeaderValue::as_bytes).unwrap_or_default();
        if !content_type.starts_with(b"application/grpc") {
            // What gRPC asks of a server for a request that is not gRPC.
            let mut response = http::Response::new(Reply::default());
            *response.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
            return response;
        }
        match self.export(request).await {
            Ok(answer) => Reply::message(&answer),
            Err(status) => Reply::status(&status),
        }
    }

    async fn export<B>(&self, request: http::Request<B>) -> Result<ExportTraceServiceResponse, Status>
    where
        B: Body,
        B::Error: std::fmt::Display,
    {
        let (parts, body) = request.into_parts();
        if parts.method != Method::POST || parts.uri.path() != EXPORT {
            return Err(Status::unimplemented("only TraceService/Export is served here"));
        }
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
        let gzip = match header("grpc-encoding") {
            None | Some("identity") => false,
            Some("gzip") => true,
            Some(other) => return Err(Status::unimplemented(format!("message encoding `{other}` is not supported; use gzip or identity"))),
        };
        if let Some(reason) = self.config.refusal(header("authorization")) {
            return Err(Status::unauthenticated(reason));
        }
        let mut body = std::pin::pin!(body);
        let mut read = Read::new(body.as_mut()).await?;
        if read.buffer.len() < PREFIX {
            return Err(Status::invalid_argument("the call carries no request message"));
        }
        let compressed = match read.buffer[0] {
            0 => false,
            1 if gzip => true,
            1 => return Err(Status::internal("the message is marked compressed but the call names no grpc-encoding")),
            flag => return Err(Status::invalid_argument(format!("unknown compressed flag {flag} in the message prefix"))),
        };
        let length = (&read.buffer[1..PREFIX]).get_u32() as usize;
        let max_body_bytes = self.config.max_body_bytes;
        if length > max_body_bytes {
            return Err(Status::resource_exhausted(format!("message of {length} bytes exceeds {max_body_bytes} bytes")));
        }
        let Some(_admitted) = self.pipeline.admission().try_admit(length) else {
            return Err(Status::with_error_details(
                Code::Unavailable,
                "overloaded: retry later",
                ErrorDetails::with_retry_info(Some(RETRY_AFTER)),
            ));
        };
        read.until_end(body.as_mut(), PREFIX + length).await?;
        if read.buffer.len() != PREFIX + length {
            let what = if read.buffer.len() < PREFIX + length { "ends inside its message" } else { "carries more than one message" };
            return Err(Status::invalid_argument(format!("the call {what}")));
        }
        let message = &read.buffer[PREFIX..];
        match self.pipeline.export_body(message, BodyFormat::Protobuf, compressed, max_body_bytes) {
            Ok(outcome) => Ok(outcome.into_response()),
            Err(BodyError::TooLarge(message)) => Err(Status::resource_exhausted(message)),
            Err(BodyError::Invalid(message)) => Err(Status::invalid_argument(message)),
        }
    }
}

/// The request's data as it arrives, one copy into one buffer.
struct Read {
    buffer: BytesMut,
    ended: bool,
}

impl Read {
    /// Reads until the message prefix is in, or the stream ends.
    async fn new<B>(mut body: Pin<&mut B>) -> Result<Self, Status>
    where
        B: Body,
        B::Error: std::fmt::Display,
    {
        let mut read = Self { buffer: BytesMut::new(), ended: false };
        while read.buffer.len() < PREFIX && read.next(body.as_mut()).await? {}
        Ok(read)
    }

    /// Reads until the stream ends, or holds more than `expected` bytes.
    async fn until_end<B>(&mut self, mut body: Pin<&mut B>, expected: usize) -> Result<(), Status>
    where
        B: Body,
        B::Error: std::fmt::Display,
    {
        self.buffer.reserve(expected.saturating_sub(self.buffer.len()));
        while self.buffer.len() <= expected && self.next(body.as_mut()).await? {}
        Ok(())
    }

    /// Appends the next data frame; false once the stream has ended.
    async fn next<B>(&mut self, mut body: Pin<&mut B>) -> Result<bool, Status>
    where
        B: Body,
        B::Error: std::fmt::Display,
    {
        if self.ended {
            return Ok(false);
        }
        match body.frame().await {
            None => self.ended = true,
            Some(Err(error)) => {
                tracing::debug!("OTLP/gRPC request stream failed: {error}");
                return Err(Status::cancelled("the request stream ended early"));
            }
            Some(Ok(frame)) => {
                if let Ok(mut data) = frame.into_data() {
                    while data.has_remaining() {
                        let chunk = data.chunk();
                        self.buffer.extend_from_slice(chunk);
                        let n = chunk.len();
                        data.advance(n);
                    }
                }
            }
        }
        Ok(!self.ended)
    }
}

/// A unary call's answer body: at most one message, then the trailers.
/// Empty for a "trailers-only" answer, whose status is in the headers.
#[derive(Debug, Default)]
pub struct Reply {
    message: Option<Bytes>,
    trailers: Option<HeaderMap>,
}

impl Reply {
    /// HTTP 200, the message, and `grpc-status: 0` in the trailers.
    fn message(answer: &ExportTraceServiceResponse) -> http::Response<Reply> {
        let mut frame = BytesMut::with_capacity(PREFIX + answer.encoded_len());
        frame.put_u8(0);
        frame.put_u32(answer.encoded_len() as u32);
        // Cannot fail: the buffer was sized for the message.
        let _ = answer.encode(&mut frame);
        let mut trailers = HeaderMap::new();
        trailers.insert(Status::GRPC_STATUS, HeaderValue::from_static("0"));
        Self::response(Reply { message: Some(frame.freeze()), trailers: Some(trailers) }, None)
    }

    /// HTTP 200 with the status in the headers and no body.
    fn status(status: &Status) -> http::Response<Reply> {
        Self::response(Reply::default(), Some(status))
    }

    fn response(reply: Reply, status: Option<&Status>) -> http::Response<Reply> {
        let mut response = http::Response::new(reply);
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, GRPC);
        headers.insert("grpc-accept-encoding", ACCEPTED_ENCODINGS);
        if let Some(status) = status
            && status.add_header(headers).is_err()
        {
            // Only details that cannot be encoded fail; the code still goes.
            headers.insert(Status::GRPC_STATUS, HeaderValue::from(status.code() as i32));
        }
        response
    }
}

impl Body for Reply {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if let Some(message) = this.message.take() {
            return Poll::Ready(Some(Ok(Frame::data(message))));
        }
        Poll::Ready(this.trailers.take().map(|trailers| Ok(Frame::trailers(trailers))))
    }

    fn is_end_stream(&self) -> bool {
        self.message.is_none() && self.trailers.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EngineConfig;
    use http_body_util::Full;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

    fn call(body: Vec<u8>) -> http::Request<Full<Bytes>> {
        http::Request::post(EXPORT).header(CONTENT_TYPE, "application/grpc").body(Full::new(Bytes::from(body))).expect("request")
    }

    fn framed(message: &[u8]) -> Vec<u8> {
        let mut frame = vec![0];
        frame.extend_from_slice(&(message.len() as u32).to_be_bytes());
        frame.extend_from_slice(message);
        frame
    }

    /// The status an answer carries, from its headers (trailers-only) or its
    /// trailers.
    async fn code(response: http::Response<Reply>) -> (Code, Option<Status>) {
        if let Some(status) = Status::from_header_map(response.headers()) {
            return (status.code(), Some(status));
        }
        let collected = response.into_body().collect().await.expect("body");
        let trailers = collected.trailers().cloned().expect("trailers");
        let status = Status::from_header_map(&trailers).expect("grpc-status");
        let body = collected.to_bytes();
        assert_eq!(body[0], 0, "uncompressed");
        ExportTraceServiceResponse::decode(&body[PREFIX..]).expect("a response message");
        (status.code(), None)
    }

    fn one_resource() -> Vec<u8> {
        let mut request = ExportTraceServiceRequest::default();
        request.resource_spans.push(Default::default());
        request.encode_to_vec()
    }

    #[tokio::test]
    async fn an_overloaded_receiver_asks_for_a_retry() {
        let pipeline = Arc::new(Pipeline::new(EngineConfig::default()).with_max_in_flight_bytes(10));
        let receiver = GrpcReceiver::new(pipeline.clone(), &ReceiverConfig::default());
        let held = pipeline.admission().try_admit(10);
        let (code_, status) = code(receiver.call(call(framed(&one_resource()))).await).await;
        assert_eq!(code_, Code::Unavailable);
        assert_eq!(status.and_then(|s| s.get_details_retry_info()).and_then(|r| r.retry_delay), Some(RETRY_AFTER));
        drop(held);
        assert_eq!(code(receiver.call(call(framed(&one_resource()))).await).await.0, Code::Ok, "room again");
    }

    #[tokio::test]
    async fn framing_errors_name_what_is_wrong() {
        let receiver = GrpcReceiver::new(
            Arc::new(Pipeline::new(EngineConfig::default())),
            &ReceiverConfig { max_body_bytes: 64, ..ReceiverConfig::default() },
        );
        let message = one_resource();
        let cases: [(Vec<u8>, Code, &str); 6] = [
            (Vec::new(), Code::InvalidArgument, "no request message"),
            (framed(&message)[..PREFIX + 1].to_vec(), Code::InvalidArgument, "ends inside its message"),
            ([framed(&message), framed(&message)].concat(), Code::InvalidArgument, "more than one message"),
            (framed(&[0x0a, 0x05]), Code::InvalidArgument, ""),
            // Not OUT_OF_RANGE (tonic's answer), which OTLP exporters retry.
            (framed(&[0; 65]), Code::ResourceExhausted, "exceeds 64 bytes"),
            ([vec![1], framed(&message)[1..].to_vec()].concat(), Code::Internal, "no grpc-encoding"),
        ];
        for (body, expected, text) in cases {
            let (got, status) = code(receiver.call(call(body)).await).await;
            assert_eq!(got, expected, "{text}");
            assert!(status.expect("trailers-only").message().contains(text), "{text}");
        }
        let mut wrong_path = call(framed(&message));
        *wrong_path.uri_mut() = "/grpc.health.v1.Health/Check".parse().expect("uri");
        assert_eq!(code(receiver.call(wrong_path).await).await.0, Code::Unimplemented);
        let mut brotli = call(framed(&message));
        brotli.headers_mut().insert("grpc-encoding", HeaderValue::from_static("br"));
        assert_eq!(code(receiver.call(brotli).await).await.0, Code::Unimplemented);
        let mut not_grpc = call(framed(&message));
        not_grpc.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        assert_eq!(receiver.call(not_grpc).await.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}
