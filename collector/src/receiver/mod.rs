//! Thin OTLP adapters: decode the transport, call [`crate::Pipeline::export`],
//! encode the answer. No graph logic lives here.

pub mod cpu;
pub mod grpc;
pub mod http;
pub mod listener;

use std::sync::Arc;

/// Default largest accepted request body (after decompression): 16 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Whether an exporter may export: the receivers ask, the server decides
/// (with its bearer tokens, say). Without one, every exporter may, as with
/// the OpenTelemetry Collector.
pub trait Authenticate: Send + Sync {
    /// `Err` with the reason sent back to the exporter when an export
    /// carrying this `Authorization` header value is refused.
    fn authenticate(&self, authorization: Option<&str>) -> Result<(), String>;
}

/// What both receivers enforce.
#[derive(Clone)]
pub struct ReceiverConfig {
    /// Largest accepted request body, after decompression.
    pub max_body_bytes: usize,
    /// Who may export; `None`: anyone.
    pub authenticate: Option<Arc<dyn Authenticate>>,
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        Self { max_body_bytes: DEFAULT_MAX_BODY_BYTES, authenticate: None }
    }
}

impl std::fmt::Debug for ReceiverConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiverConfig")
            .field("max_body_bytes", &self.max_body_bytes)
            .field("authenticated", &self.authenticate.is_some())
            .finish()
    }
}

impl ReceiverConfig {
    /// Why a request with this `Authorization` header value may not export,
    /// if it may not.
    fn refusal(&self, authorization: Option<&str>) -> Option<String> {
        self.authenticate.as_ref().and_then(|auth| auth.authenticate(authorization).err())
    }
}
