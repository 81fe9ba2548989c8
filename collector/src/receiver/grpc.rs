//! OTLP/gRPC: `opentelemetry.proto.collector.trace.v1.TraceService/Export`.

use std::sync::Arc;

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{TraceService, TraceServiceServer};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use tonic::codec::CompressionEncoding;
use tonic::service::interceptor::InterceptedService;
use tonic::{Request, Response, Status};

use prost::Message;
use tonic_types::{ErrorDetails, StatusExt};

use super::ReceiverConfig;
use crate::pipeline::{Pipeline, RETRY_AFTER};

pub struct GrpcReceiver {
    pipeline: Arc<Pipeline>,
}

#[tonic::async_trait]
impl TraceService for GrpcReceiver {
    async fn export(&self, request: Request<ExportTraceServiceRequest>) -> Result<Response<ExportTraceServiceResponse>, Status> {
        // tonic has decoded the message by now (bounded by the size limit and
        // HTTP/2 stream limits); the budget bounds the work that follows.
        let Some(_admitted) = self.pipeline.admission().try_admit(request.get_ref().encoded_len()) else {
            return Err(Status::with_error_details(
                tonic::Code::Unavailable,
                "overloaded: retry later",
                ErrorDetails::with_retry_info(Some(RETRY_AFTER)),
            ));
        };
        let outcome = self.pipeline.export(request.get_ref());
        Ok(Response::new(outcome.into_response()))
    }
}

/// Refuses exports without a valid bearer token, when tokens are configured.
#[derive(Clone)]
pub struct TokenCheck(ReceiverConfig);

impl tonic::service::Interceptor for TokenCheck {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        let authorization = request.metadata().get("authorization").and_then(|v| v.to_str().ok());
        match self.0.refusal(authorization) {
            Some(reason) => Err(Status::unauthenticated(reason)),
            None => Ok(request),
        }
    }
}

/// The tonic service: gzip accepted, bounded in size, tokens checked.
pub fn service(pipeline: Arc<Pipeline>, config: &ReceiverConfig) -> InterceptedService<TraceServiceServer<GrpcReceiver>, TokenCheck> {
    let server = TraceServiceServer::new(GrpcReceiver { pipeline })
        .accept_compressed(CompressionEncoding::Gzip)
        .send_compressed(CompressionEncoding::Gzip)
        .max_decoding_message_size(config.max_body_bytes);
    InterceptedService::new(server, TokenCheck(config.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EngineConfig;

    #[tokio::test]
    async fn an_overloaded_receiver_asks_for_a_retry() {
        let pipeline = Arc::new(Pipeline::new(EngineConfig::default()).with_max_in_flight_bytes(10));
        let receiver = GrpcReceiver { pipeline: pipeline.clone() };
        let held = pipeline.admission().try_admit(10);
        let mut request = ExportTraceServiceRequest::default();
        request.resource_spans.push(Default::default());
        let status = receiver.export(Request::new(request.clone())).await.expect_err("over budget");
        assert_eq!(status.code(), tonic::Code::Unavailable);
        assert_eq!(status.get_details_retry_info().and_then(|r| r.retry_delay), Some(RETRY_AFTER));
        drop(held);
        assert!(receiver.export(Request::new(request)).await.is_ok(), "room again");
    }
}
