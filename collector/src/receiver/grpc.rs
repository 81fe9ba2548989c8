//! OTLP/gRPC: `opentelemetry.proto.collector.trace.v1.TraceService/Export`.
//!
//! Served by hand, not through the server `opentelemetry-proto` generates:
//! that one decodes every request in full into prost types. Here tonic hands
//! the request over as its raw bytes ([`RawCodec`]) and the pipeline's
//! scanner reads what the graph needs from them, as for OTLP/HTTP protobuf.
//! Compression, the size limit, framing and status codes are tonic's.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::{BoxFuture, StdError, http};
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::{Request, Response, Status};
use tonic_types::{ErrorDetails, StatusExt};

use super::ReceiverConfig;
use crate::otlp::{BodyError, BodyFormat};
use crate::pipeline::{Pipeline, RETRY_AFTER};

/// The gRPC service's name, and the one method's path.
const SERVICE: &str = "opentelemetry.proto.collector.trace.v1.TraceService";
const EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/// The trace service: export requests in, as raw bytes, to the pipeline.
#[derive(Clone)]
pub struct TraceService {
    pipeline: Arc<Pipeline>,
    config: ReceiverConfig,
}

/// Requests stay bytes; responses are encoded with prost.
#[derive(Clone, Copy, Debug, Default)]
pub struct RawCodec;

impl Codec for RawCodec {
    type Encode = ExportTraceServiceResponse;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

impl Encoder for RawCodec {
    type Item = ExportTraceServiceResponse;
    type Error = Status;

    fn encode(&mut self, item: ExportTraceServiceResponse, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        item.encode(dst).map_err(|e| Status::internal(format!("cannot encode the response: {e}")))
    }
}

impl TraceService {
    /// One export: authenticated, admitted against the budget, scanned.
    fn export(&self, request: Request<Bytes>) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let authorization = request.metadata().get("authorization").and_then(|v| v.to_str().ok());
        if let Some(reason) = self.config.refusal(authorization) {
            return Err(Status::unauthenticated(reason));
        }
        let body = request.into_inner();
        // tonic has read the message by now (bounded by the size limit and
        // HTTP/2 stream limits); the budget bounds the work that follows.
        let Some(_admitted) = self.pipeline.admission().try_admit(body.len()) else {
            return Err(Status::with_error_details(
                tonic::Code::Unavailable,
                "overloaded: retry later",
                ErrorDetails::with_retry_info(Some(RETRY_AFTER)),
            ));
        };
        match self.pipeline.export_body(&body, BodyFormat::Protobuf, false, self.config.max_body_bytes) {
            Ok(outcome) => Ok(Response::new(outcome.into_response())),
            Err(BodyError::TooLarge(message)) => Err(Status::resource_exhausted(message)),
            Err(BodyError::Invalid(message)) => Err(Status::invalid_argument(message)),
        }
    }
}

impl UnaryService<Bytes> for TraceService {
    type Response = ExportTraceServiceResponse;
    type Future = BoxFuture<Response<ExportTraceServiceResponse>, Status>;

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        let service = self.clone();
        Box::pin(async move { service.export(request) })
    }
}

impl<B> tonic::codegen::Service<http::Request<B>> for TraceService
where
    B: tonic::codegen::Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Infallible>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        if request.uri().path() != EXPORT {
            return Box::pin(async { Ok(Status::unimplemented("only TraceService/Export is served here").into_http()) });
        }
        let service = self.clone();
        let max_body_bytes = self.config.max_body_bytes;
        Box::pin(async move {
            let mut grpc = Grpc::new(RawCodec)
                .accept_compressed(CompressionEncoding::Gzip)
                .send_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(max_body_bytes);
            Ok(grpc.unary(service, request).await)
        })
    }
}

impl NamedService for TraceService {
    const NAME: &'static str = SERVICE;
}

/// The tonic service: gzip accepted, bounded in size, tokens checked.
pub fn service(pipeline: Arc<Pipeline>, config: &ReceiverConfig) -> TraceService {
    TraceService { pipeline, config: config.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EngineConfig;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

    #[tokio::test]
    async fn an_overloaded_receiver_asks_for_a_retry() {
        let pipeline = Arc::new(Pipeline::new(EngineConfig::default()).with_max_in_flight_bytes(10));
        let receiver = service(pipeline.clone(), &ReceiverConfig::default());
        let held = pipeline.admission().try_admit(10);
        let mut request = ExportTraceServiceRequest::default();
        request.resource_spans.push(Default::default());
        let bytes = Bytes::from(request.encode_to_vec());
        let status = receiver.export(Request::new(bytes.clone())).expect_err("over budget");
        assert_eq!(status.code(), tonic::Code::Unavailable);
        assert_eq!(status.get_details_retry_info().and_then(|r| r.retry_delay), Some(RETRY_AFTER));
        drop(held);
        assert!(receiver.export(Request::new(bytes)).is_ok(), "room again");
        let broken = receiver.export(Request::new(Bytes::from_static(&[0x0a, 0x05]))).expect_err("truncated");
        assert_eq!(broken.code(), tonic::Code::InvalidArgument);
    }
}
