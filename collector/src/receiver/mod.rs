//! Thin OTLP adapters: decode the transport, call [`crate::Pipeline::export`],
//! encode the answer. No graph logic lives here.

pub mod grpc;
pub mod http;

/// Default largest accepted request body (after decompression): 16 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
