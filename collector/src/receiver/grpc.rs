//! OTLP/gRPC: `opentelemetry.proto.collector.trace.v1.TraceService/Export`.

use std::sync::Arc;

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{TraceService, TraceServiceServer};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use tonic::codec::CompressionEncoding;
use tonic::service::interceptor::InterceptedService;
use tonic::{Request, Response, Status};

use super::ReceiverConfig;
use crate::pipeline::Pipeline;

pub struct GrpcReceiver {
    pipeline: Arc<Pipeline>,
}

#[tonic::async_trait]
impl TraceService for GrpcReceiver {
    async fn export(&self, request: Request<ExportTraceServiceRequest>) -> Result<Response<ExportTraceServiceResponse>, Status> {
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
