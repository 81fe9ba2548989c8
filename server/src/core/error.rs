//! The core's errors, by class. Each adapter maps a class to its answer once
//! (a status code and Backstage's error body for the REST API, a
//! `PortError` for the app). Only the messages of the classes a client
//! causes reach clients; the causes of [`Error::Unavailable`] and
//! [`Error::Internal`] are logged by the adapter that maps them.

use crate::catalog::CatalogError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is wrong; the message says how, in words for its sender.
    #[error("{0}")]
    Invalid(String),
    /// What the request names does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with how Meridian is configured.
    #[error("{0}")]
    Conflict(String),
    /// The request asks to read what Meridian may not (a path outside
    /// `--allow-path`).
    #[error("{0}")]
    Forbidden(String),
    /// The database cannot be reached now; worth retrying.
    #[error("the database is unavailable; try again shortly")]
    Unavailable(#[source] StoreError),
    /// A bug or damaged data.
    #[error("internal error; the server's log has the details")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    /// The cause with its chain, for a log line (never for a client).
    pub fn detail(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }

    /// Logs the causes of the classes whose details stay on the server.
    pub fn log(&self, what: &str) {
        match self {
            Error::Unavailable(_) => tracing::warn!("{what}: {}", self.detail()),
            Error::Internal(_) => tracing::error!("{what}: {}", self.detail()),
            Error::Invalid(_) | Error::NotFound(_) | Error::Conflict(_) | Error::Forbidden(_) => {}
        }
    }
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        if error.is_unavailable() { Error::Unavailable(error) } else { Error::Internal(Box::new(error)) }
    }
}

impl From<CatalogError> for Error {
    fn from(error: CatalogError) -> Self {
        match error {
            CatalogError::NoSuchPath(_) | CatalogError::Unreadable { .. } => Error::Invalid(error.to_string()),
            CatalogError::Configured(_) => Error::Conflict(error.to_string()),
            CatalogError::NotAllowed(_) => Error::Forbidden(error.to_string()),
            CatalogError::Store(store) => store.into(),
            CatalogError::Loader(_) | CatalogError::Thread(_) => Error::Internal(Box::new(error)),
        }
    }
}

impl From<catalog::index::FilterError> for Error {
    fn from(error: catalog::index::FilterError) -> Self {
        Error::Invalid(error.to_string())
    }
}

impl From<catalog::SourceError> for Error {
    fn from(error: catalog::SourceError) -> Self {
        Error::Invalid(error.to_string())
    }
}

impl From<super::window::WindowError> for Error {
    fn from(error: super::window::WindowError) -> Self {
        Error::Invalid(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn outages_and_bugs_keep_their_causes_out_of_the_message() {
        let store = crate::store::Store::connect("sqlite::memory:").await.expect("a database in memory");
        store.close().await;
        let outage = Error::from(store.ping().await.expect_err("a closed store answers nothing"));
        assert!(matches!(outage, Error::Unavailable(_)));
        assert!(!outage.to_string().contains("pool"), "{outage}");
        assert!(outage.detail().contains("pool"), "the log keeps the cause: {}", outage.detail());
        let bug = Error::from(StoreError::Corrupt("unknown node kind `x`".into()));
        assert!(matches!(bug, Error::Internal(_)));
        assert!(!bug.to_string().contains("node kind"));
        let configured = Error::from(CatalogError::Configured("abc".into()));
        assert!(matches!(configured, Error::Conflict(_)));
    }
}
