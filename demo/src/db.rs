//! Each data-owning service's own database (database per service): a SQLite
//! file through sqlx, every statement in a database CLIENT span with the
//! semantic-convention attributes, so the graph shows the database as its
//! own node.

use std::future::Future;
use std::path::Path;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use tracing::Instrument;
use tracing::field::Empty;

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: SqlitePool,
    /// `db.namespace`: the database's name, e.g. `catalog-db`.
    name: String,
}

impl Db {
    /// Opens (creating if needed) `dir/NAME.sqlite` and runs `schema`.
    pub async fn open(dir: &Path, name: &str, schema: &[&str]) -> anyhow::Result<Db> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let file = dir.join(format!("{name}.sqlite"));
        let options = SqliteConnectOptions::new()
            .filename(&file)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open {}", file.display()))?;
        for statement in schema {
            sqlx::query(statement).execute(&pool).await.with_context(|| format!("{name}: {statement}"))?;
        }
        Ok(Db { pool, name: name.to_string() })
    }

    /// Runs `query` (built from `sql`) inside a span named
    /// `OPERATION collection`, as the conventions name database spans.
    pub async fn traced<T>(
        &self,
        operation: &str,
        collection: &str,
        sql: &str,
        query: impl Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, sqlx::Error> {
        let span = tracing::info_span!(
            "db",
            otel.name = format!("{operation} {collection}"),
            otel.kind = "client",
            db.system.name = "sqlite",
            db.namespace = %self.name,
            db.operation.name = operation,
            db.collection.name = collection,
            db.query.text = sql,
            error.type = Empty,
            otel.status_code = Empty,
        );
        let result = query.instrument(span.clone()).await;
        if let Err(error) = &result
            && !matches!(error, sqlx::Error::RowNotFound)
        {
            span.record("error.type", "database");
            span.record("otel.status_code", "ERROR");
        }
        result
    }
}
