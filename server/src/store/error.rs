//! What can go wrong in storage, by class: an outage is worth retrying and
//! tells a client "later"; corrupt data and other failures are bugs to log.

use std::path::PathBuf;

use sqlx::error::DatabaseError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached now (refused, closed, timed out, busy).
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// A value read back is not what Meridian writes: damaged, or written by
    /// another version.
    #[error("corrupt data in the database: {0}")]
    Corrupt(String),
    /// A value could not be turned into what the database stores (a bug).
    #[error("cannot encode {what}: {reason}")]
    Encode { what: String, reason: String },
    /// Any other database failure (a bug, most likely).
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("unsupported database URL `{0}`: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    /// Reading a database that must already exist (`meridian api diff`).
    #[error("no database at {0}: point --database-url at the one `meridian serve` uses")]
    NoDatabase(PathBuf),
    #[error("cannot create database folder {path}: {source}")]
    CreateFolder { path: PathBuf, source: std::io::Error },
    /// `url` is shown without its password.
    #[error("cannot connect to {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("cannot apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Whether the database could not be reached (rather than refused or
    /// misread what it was given).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::Connect { .. })
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        use sqlx::Error as E;
        match &error {
            E::Io(_) | E::Tls(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed => StoreError::Unavailable(error),
            E::Database(database) if is_transient(database.as_ref()) => StoreError::Unavailable(error),
            E::ColumnDecode { .. } | E::Decode(_) | E::ColumnNotFound(_) | E::TypeNotFound { .. } => StoreError::Corrupt(error.to_string()),
            _ => StoreError::Database(error),
        }
    }
}

/// Errors a database reports when it cannot serve now, not because of what
/// it was asked: PostgreSQL's connection exceptions (class 08), shutdowns
/// (57P0x) and exhausted resources (class 53); SQLite's busy, locked, I/O,
/// full and cannot-open.
fn is_transient(error: &dyn DatabaseError) -> bool {
    if let Some(postgres) = error.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        let code = postgres.code();
        return code.starts_with("08") || code.starts_with("53") || code.starts_with("57P0");
    }
    if error.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // Extended result codes keep the primary code in their low byte.
        const BUSY: i32 = 5;
        const LOCKED: i32 = 6;
        const IOERR: i32 = 10;
        const FULL: i32 = 13;
        const CANTOPEN: i32 = 14;
        let primary = error.code().and_then(|code| code.parse::<i32>().ok()).map(|code| code & 0xff);
        return matches!(primary, Some(BUSY | LOCKED | IOERR | FULL | CANTOPEN));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_are_told_apart_from_bugs() {
        assert!(StoreError::from(sqlx::Error::PoolClosed).is_unavailable());
        assert!(StoreError::from(sqlx::Error::PoolTimedOut).is_unavailable());
        assert!(matches!(StoreError::from(sqlx::Error::ColumnNotFound("x".into())), StoreError::Corrupt(_)));
        assert!(matches!(StoreError::from(sqlx::Error::RowNotFound), StoreError::Database(_)));
    }
}
