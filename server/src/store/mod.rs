//! Storage through sqlx's `Any` driver: one code path for SQLite (the
//! default, embedded, created on first start) and PostgreSQL (for many
//! replicas). Each backend has its own migrations folder because DDL types
//! differ (`BLOB` / `BYTEA`); queries are written in the dialect both share
//! (`$1` placeholders, `ON CONFLICT ... DO UPDATE`).

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use catalog::Entity;
use futures::TryStreamExt;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};

mod telemetry;

pub use telemetry::OperationStats;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// A location registered through the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredLocation {
    pub id: String,
    pub location_type: String,
    pub target: String,
}

impl Store {
    /// Connects and applies migrations. For SQLite the file and its folder are
    /// created when missing.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if url.starts_with("sqlite:") {
            (Backend::Sqlite, prepare_sqlite_url(url)?)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (Backend::Postgres, url.to_string())
        } else {
            bail!("unsupported database URL `{url}`: use sqlite://PATH or postgres://...");
        };
        let max_connections = if url.contains(":memory:") { 1 } else { 8 };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .connect(&url)
            .await
            .with_context(|| format!("cannot connect to {}", redact(&url)))?;
        if backend == Backend::Sqlite {
            // WAL lets readers proceed while the flusher writes.
            sqlx::query("PRAGMA journal_mode=WAL").execute(&pool).await.ok();
        }
        let migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator.run(&pool).await.context("cannot apply database migrations")?;
        Ok(Self { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies a change set in one transaction: upserts `changed`, deletes the
    /// entity refs in `removed`. An edit of one file writes one file's rows.
    /// Each row's `source` is the entity's `backstage.io/managed-by-location`.
    pub async fn apply_catalog_changes(&self, changed: &[&Entity], removed: &[String]) -> Result<()> {
        if changed.is_empty() && removed.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for chunk in removed.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("DELETE FROM entities WHERE entity_ref IN ({})", placeholders.join(", "));
            let mut query = sqlx::query(&sql);
            for key in chunk {
                query = query.bind(key);
            }
            query.execute(&mut *tx).await?;
        }
        upsert_entities(&mut tx, changed).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every stored entity. Rows are decoded as they arrive: all of a large
    /// catalog's JSON bodies at once would cost as much again as the entities.
    pub async fn entities(&self) -> Result<Vec<Entity>> {
        let mut rows = sqlx::query("SELECT body FROM entities ORDER BY kind, namespace, name").fetch(&self.pool);
        let mut entities = Vec::new();
        let mut decoder = catalog::StoredEntityDecoder::default();
        while let Some(row) = rows.try_next().await? {
            entities.push(decode_entity(&mut decoder, row.try_get("body")?)?);
        }
        Ok(entities)
    }

    /// Locations registered through the API, oldest first.
    pub async fn locations(&self) -> Result<Vec<StoredLocation>> {
        let rows = sqlx::query("SELECT id, type, target FROM locations ORDER BY created_at, id").fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok(StoredLocation { id: r.try_get("id")?, location_type: r.try_get("type")?, target: r.try_get("target")? }))
            .collect()
    }

    pub async fn add_location(&self, location: &StoredLocation) -> Result<()> {
        sqlx::query("INSERT INTO locations (id, type, target, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING")
            .bind(&location.id)
            .bind(&location.location_type)
            .bind(&location.target)
            .bind(unix_seconds())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Returns whether a location with that id existed.
    pub async fn remove_location(&self, id: &str) -> Result<bool> {
        Ok(sqlx::query("DELETE FROM locations WHERE id = $1").bind(id).execute(&self.pool).await?.rows_affected() > 0)
    }

    /// Entities registered through the API, in registration order.
    pub async fn registered_entities(&self) -> Result<Vec<Entity>> {
        let rows = sqlx::query("SELECT body FROM registered_entities ORDER BY created_at, entity_ref").fetch_all(&self.pool).await?;
        let mut decoder = catalog::StoredEntityDecoder::default();
        rows.iter().map(|row| decode_entity(&mut decoder, row.try_get("body")?)).collect()
    }

    /// Registers (or replaces) entities in one transaction.
    pub async fn register_entities(&self, entities: &[Arc<Entity>]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for entity in entities {
            sqlx::query(
                "INSERT INTO registered_entities (entity_ref, body, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (entity_ref) DO UPDATE SET body = excluded.body",
            )
            .bind(entity.key())
            .bind(serde_json::to_string(&**entity)?)
            .bind(unix_seconds())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Multi-row upserts, 300 rows a statement (under SQLite's and PostgreSQL's
/// bind limits), with `$n` placeholders both backends accept.
async fn upsert_entities(tx: &mut sqlx::Transaction<'_, sqlx::Any>, entities: &[&Entity]) -> Result<()> {
    const COLUMNS: usize = 7;
    let now = unix_seconds();
    for chunk in entities.chunks(300) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|r| format!("({})", (1..=COLUMNS).map(|c| format!("${}", r * COLUMNS + c)).collect::<Vec<_>>().join(", ")))
            .collect();
        let sql = format!(
            "INSERT INTO entities (entity_ref, kind, namespace, name, source, body, updated_at) VALUES {}
             ON CONFLICT (entity_ref) DO UPDATE SET kind = excluded.kind, namespace = excluded.namespace, name = excluded.name,
             source = excluded.source, body = excluded.body, updated_at = excluded.updated_at",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for entity in chunk {
            let source = entity.annotation(catalog::load::MANAGED_BY_LOCATION).unwrap_or_default().to_string();
            query = query
                .bind(entity.key())
                .bind(entity.kind.clone())
                .bind(entity.metadata.namespace.clone())
                .bind(entity.metadata.name.clone())
                .bind(source)
                .bind(serde_json::to_string(entity)?)
                .bind(now);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

fn decode_entity(decoder: &mut catalog::StoredEntityDecoder, body: &str) -> Result<Entity> {
    decoder.decode(body).context("corrupt entity JSON in the database")
}

pub fn unix_seconds() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Adds `mode=rwc` (create if missing) and creates the file's folder.
fn prepare_sqlite_url(url: &str) -> Result<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or("");
    if !path.is_empty()
        && path != ":memory:"
        && let Some(parent) = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create database folder {}", parent.display()))?;
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
fn redact(url: &str) -> String {
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
