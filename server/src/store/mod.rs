//! Storage through sqlx's `Any` driver: one code path for SQLite (the
//! default, embedded, created on first start) and PostgreSQL (for many
//! replicas). Each backend has its own migrations folder because DDL types
//! differ (`BLOB` / `BYTEA`); queries are written in the dialect both share
//! (`$1` placeholders, `ON CONFLICT ... DO UPDATE`).
//!
//! - [`catalog`]: entities, registered locations, entities registered through the API;
//! - [`buckets`]: observed traffic (edges, services, operations, callers) as
//!   blocks per minute, ten minutes, hour and day, names stored once; one
//!   read, merge and insert path for all four, and the roll-ups;
//! - [`deploys`]: deploys detected in traces and every service version seen;
//! - [`apis`]: every version of every API definition seen;
//! - [`scorecards`]: scorecard results as they change;
//! - [`slos`]: SLO series (an objective's events per hour, minute by minute)
//!   and alert state changes;
//! - `insert`: batched multi-row inserts, shared by all of them;
//! - [`replicas`]: what replicas on one PostgreSQL share besides tables:
//!   notices (`LISTEN`/`NOTIFY`) and one leader (an advisory lock).
//!
//! This room knows SQL and the collector's and catalog's value types, and
//! nothing above it: no index, no HTTP. Its errors ([`StoreError`]) tell an
//! outage from a bug, so callers can answer "try again" or log.

use std::path::Path;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

mod apis;
mod buckets;
mod catalog;
mod deploys;
mod error;
mod insert;
mod replicas;
mod scorecards;
mod slos;

pub use apis::{ApiDefinition, ApiVersion, definition_hash};
pub use buckets::{OperationStats, RollupReport};
pub use catalog::StoredLocation;
pub use deploys::{DeploySource, ReportedDeploy};
pub use error::StoreError;
pub use replicas::{Heard, LEADER_CHECK, Leadership, Notices};
pub use scorecards::{ScoreRow, ScoreSubject};
pub use slos::AlertChange;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

/// How long a query waits for a connection. While the database is down,
/// every query waits this long before it fails as unavailable (sqlx's
/// default, 30 s, kept API writes hanging for half a minute in an outage).
pub const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    /// Set on PostgreSQL: replicas' notices and leadership use sessions of
    /// their own ([`replicas`]).
    postgres_url: Option<std::sync::Arc<str>>,
    /// The names of observed traffic's series, by id and back (`buckets`).
    series: std::sync::Arc<std::sync::RwLock<buckets::SeriesCache>>,
    /// Tags the minute blocks this process's flushes leave open
    /// (`buckets::write_drained`); unique among the processes sharing a
    /// database.
    writer: i64,
}

impl Store {
    /// Connects and applies migrations. For SQLite the file and its folder are
    /// created when missing.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let (backend, url) = match backend_of(url)? {
            Backend::Sqlite => (Backend::Sqlite, prepare_sqlite_url(url)?),
            Backend::Postgres => (Backend::Postgres, url.to_string()),
        };
        let store = Self::open(backend, url).await?;
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator.run(&store.pool).await?;
        store.convert_legacy_buckets().await?;
        store.convert_legacy_slo_hours().await?;
        Ok(store)
    }

    /// Opens a database `meridian serve` made, only to read it: a SQLite
    /// file that is missing is an error (never created, nor its folder),
    /// and nothing is migrated or written (`meridian api diff`).
    pub async fn open_existing(url: &str) -> Result<Self, StoreError> {
        let backend = backend_of(url)?;
        let url = match backend {
            Backend::Sqlite => {
                let path = sqlite_path(url);
                if path.is_empty() || path == ":memory:" || !Path::new(path).is_file() {
                    return Err(StoreError::NoDatabase(path.into()));
                }
                let base = url.split('?').next().unwrap_or(url);
                format!("{base}?mode=ro")
            }
            Backend::Postgres => url.to_string(),
        };
        Self::open(backend, url).await
    }

    async fn open(backend: Backend, url: String) -> Result<Self, StoreError> {
        let max_connections = if url.contains(":memory:") { 1 } else { 8 };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(&url)
            .await
            .map_err(|source| StoreError::Connect { url: redact(&url), source })?;
        if backend == Backend::Sqlite {
            // WAL lets readers proceed while the flusher writes.
            sqlx::query("PRAGMA journal_mode=WAL").execute(&pool).await.ok();
        }
        let postgres_url = (backend == Backend::Postgres).then(|| url.as_str().into());
        Ok(Self { pool, postgres_url, series: Default::default(), writer: writer_id() })
    }

    /// One round trip to the database (readiness).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection; later calls fail as [`StoreError::Unavailable`].
    pub async fn close(&self) {
        self.pool.close().await
    }
}

/// The values of an `IN (...)` list of `count` bound values: `$1, $2, ...`.
/// Callers bind at most [`IN_LIST_BATCH`] values per statement.
fn in_list(count: usize) -> String {
    (1..=count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

/// Values bound to one `IN (...)` list at most: well within every bind limit.
const IN_LIST_BATCH: usize = 500;

/// A count column (never negative when Meridian wrote it).
fn count(row: &sqlx::any::AnyRow, column: &str) -> Result<u64, StoreError> {
    use sqlx::Row;
    Ok(row.try_get::<i64, _>(column)?.max(0) as u64)
}

/// A text column as a shared name.
fn text(row: &sqlx::any::AnyRow, column: &str) -> Result<std::sync::Arc<str>, StoreError> {
    use sqlx::Row;
    Ok(std::sync::Arc::from(row.try_get::<String, _>(column)?))
}

/// A store's writer tag: when it connected (nanoseconds), how many stores
/// this process connected before and its pid, mixed, so replicas (and the
/// stores of one test process) never share one.
fn writer_id() -> i64 {
    static STORES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    let stores = STORES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ((nanos.wrapping_add(stores) ^ (u64::from(std::process::id()) << 40)) >> 1) as i64
}

/// Which database a URL names (and the drivers, installed once).
fn backend_of(url: &str) -> Result<Backend, StoreError> {
    sqlx::any::install_default_drivers();
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::UnsupportedUrl(redact(url)))
    }
}

/// The file of a `sqlite:` URL (empty or `:memory:` for none).
fn sqlite_path(url: &str) -> &str {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    rest.split('?').next().unwrap_or("")
}

/// Adds `mode=rwc` (create if missing) and creates the file's folder.
fn prepare_sqlite_url(url: &str) -> Result<String, StoreError> {
    let path = sqlite_path(url);
    if !path.is_empty()
        && path != ":memory:"
        && let Some(parent) = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateFolder { path: parent.to_path_buf(), source })?;
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_create_and_passwords_are_hidden() {
        assert_eq!(prepare_sqlite_url("sqlite::memory:").unwrap(), "sqlite::memory:?mode=rwc");
        assert_eq!(redact("postgres://meridian:secret@localhost:5432/db"), "postgres://meridian:***@localhost:5432/db");
        assert_eq!(redact("postgres://localhost/db"), "postgres://localhost/db");
    }
}
