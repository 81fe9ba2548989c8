//! Bearer tokens: the one rule for who may write through the REST API, the
//! web app's forms, and (when configured) export OTLP. Tokens compare in
//! constant time.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;

use super::api::ApiError;

/// Why a request may not do what it asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No token is configured for writes.
    #[error("writes are disabled: start meridian with --api-token (or MERIDIAN_API_TOKEN) to allow them")]
    WritesDisabled,
    #[error("missing `Authorization: Bearer TOKEN` header")]
    MissingHeader,
    #[error("the bearer token is not valid")]
    InvalidToken,
}

/// What an empty token list means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WhenNone {
    /// API writes: refused until a token is configured.
    Refuse,
    /// OTLP exports: open, as the OpenTelemetry Collector's receivers are.
    Allow,
}

/// The tokens for one purpose.
#[derive(Clone, Debug)]
pub struct Tokens {
    tokens: Arc<[String]>,
    when_none: WhenNone,
}

impl Tokens {
    /// Tokens that may write (`--api-token`); none configured: no writes.
    pub fn for_writes(tokens: &[String]) -> Self {
        Self { tokens: trimmed(tokens), when_none: WhenNone::Refuse }
    }

    /// Tokens OTLP exporters must send (`--otlp-token`); none: open.
    pub fn for_exports(tokens: &[String]) -> Self {
        Self { tokens: trimmed(tokens), when_none: WhenNone::Allow }
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// A request's `Authorization` header value.
    pub fn check_header(&self, authorization: Option<&str>) -> Result<(), AuthError> {
        if let Some(open) = self.when_empty() {
            return open;
        }
        match authorization.and_then(bearer_token) {
            Some(token) => self.check_token(token),
            None => Err(AuthError::MissingHeader),
        }
    }

    /// A token as typed into a form.
    pub fn check_token(&self, token: &str) -> Result<(), AuthError> {
        if let Some(open) = self.when_empty() {
            return open;
        }
        let token = token.trim();
        let known = !token.is_empty() && self.tokens.iter().any(|t| constant_time_eq(t.as_bytes(), token.as_bytes()));
        if known { Ok(()) } else { Err(AuthError::InvalidToken) }
    }

    fn when_empty(&self) -> Option<Result<(), AuthError>> {
        self.tokens.is_empty().then_some(match self.when_none {
            WhenNone::Refuse => Err(AuthError::WritesDisabled),
            WhenNone::Allow => Ok(()),
        })
    }
}

/// The token of `Bearer TOKEN`; the scheme matched in any case, as
/// RFC 9110 says of authentication schemes.
fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim_start().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim_start())
}

/// Trimmed, without empty ones (`MERIDIAN_API_TOKEN=` means none).
fn trimmed(tokens: &[String]) -> Arc<[String]> {
    tokens.iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect()
}

/// Compares without revealing, through timing, how much of a token matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The OTLP receivers ask the same rule.
impl collector::receiver::Authenticate for Tokens {
    fn authenticate(&self, authorization: Option<&str>) -> Result<(), String> {
        self.check_header(authorization).map_err(|refusal| refusal.to_string())
    }
}

/// A request that carries a write token (`Authorization: Bearer TOKEN`):
/// every handler that writes takes one, before it reads the body. An
/// extractor rather than a layer, so a method the route does not serve is
/// still a 405, not a 401.
pub struct WriteAccess;

impl<S: Send + Sync> FromRequestParts<S> for WriteAccess
where
    Tokens: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let authorization = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        Tokens::from_ref(state).check_header(authorization).map(|()| WriteAccess).map_err(ApiError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_need_a_token_and_exports_only_when_configured() {
        let none = Tokens::for_writes(&[" ".into()]);
        assert_eq!(none.check_header(Some("Bearer x")), Err(AuthError::WritesDisabled));
        assert_eq!(Tokens::for_exports(&[]).check_header(None), Ok(()));
        let writes = Tokens::for_writes(&["s3cret".into()]);
        assert_eq!(writes.check_header(Some("Bearer s3cret")), Ok(()));
        assert_eq!(writes.check_header(Some("bearer s3cret")), Ok(()), "the scheme in any case");
        assert_eq!(writes.check_header(Some("BEARER  s3cret")), Ok(()));
        assert_eq!(writes.check_header(Some("Bearers3cret")), Err(AuthError::MissingHeader));
        assert_eq!(writes.check_header(Some("Bearer s3cre")), Err(AuthError::InvalidToken));
        assert_eq!(writes.check_header(Some("Basic s3cret")), Err(AuthError::MissingHeader));
        assert_eq!(writes.check_header(None), Err(AuthError::MissingHeader));
        assert_eq!(writes.check_token(" s3cret "), Ok(()));
        assert_eq!(writes.check_token(""), Err(AuthError::InvalidToken));
        let exports = Tokens::for_exports(&["t".into()]);
        assert_eq!(exports.check_header(None), Err(AuthError::MissingHeader));
    }
}
