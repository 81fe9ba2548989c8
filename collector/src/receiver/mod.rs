//! Thin OTLP adapters: decode the transport, call [`crate::Pipeline::export`],
//! encode the answer. No graph logic lives here.

pub mod grpc;
pub mod http;

use std::sync::Arc;

/// Default largest accepted request body (after decompression): 16 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// What both receivers enforce.
#[derive(Clone, Debug)]
pub struct ReceiverConfig {
    /// Largest accepted request body, after decompression.
    pub max_body_bytes: usize,
    /// When not empty, exports need `Authorization: Bearer` one of these.
    pub tokens: Arc<[String]>,
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        Self { max_body_bytes: DEFAULT_MAX_BODY_BYTES, tokens: Arc::from([]) }
    }
}

impl ReceiverConfig {
    /// Why a request with this `Authorization` header value may not export,
    /// if it may not (no tokens configured: every exporter may).
    fn refusal(&self, authorization: Option<&str>) -> Option<&'static str> {
        if self.tokens.is_empty() { None } else { bearer_refusal(&self.tokens, authorization) }
    }
}

/// Why this `Authorization` header value does not carry one of `tokens`, if
/// it does not. The one rule for OTLP and for the API's writes.
pub fn bearer_refusal(tokens: &[String], authorization: Option<&str>) -> Option<&'static str> {
    match authorization.and_then(|v| v.strip_prefix("Bearer ")) {
        Some(token) if token_is_valid(tokens, token) => None,
        Some(_) => Some("the bearer token is not valid"),
        None => Some("missing `Authorization: Bearer TOKEN` header"),
    }
}

/// Whether `token` is one of `tokens` (compared in constant time).
pub fn token_is_valid(tokens: &[String], token: &str) -> bool {
    let token = token.trim();
    !token.is_empty() && tokens.iter().any(|t| constant_time_eq(t.as_bytes(), token.as_bytes()))
}

/// Compares without revealing, through timing, how much of a token matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
