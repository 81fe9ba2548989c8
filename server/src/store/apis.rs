//! Every version of every API definition seen, in the order seen.

use std::collections::HashMap;

use sqlx::Row;

use super::{Store, StoreError};

/// One API definition as the catalog holds it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiDefinition {
    /// `api:namespace/name`, lower case.
    pub entity_ref: String,
    /// `spec.type`: `openapi`, `asyncapi`, `graphql`, `grpc`…
    pub api_type: String,
    pub definition: String,
    /// The location that brought it.
    pub source: String,
}

/// One stored version of an API's definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiVersion {
    /// 1 for the first version seen, then one more per change.
    pub version: i64,
    /// XXH3 of the definition, hex.
    pub hash: String,
    pub api_type: String,
    pub definition: String,
    pub first_seen_unix_secs: i64,
    pub source: String,
}

/// The content hash a version is known by.
pub fn definition_hash(definition: &str) -> String {
    format!("{:016x}", catalog::stable_hash(definition.as_bytes()))
}

impl Store {
    /// Stores each definition that differs from its API's latest version
    /// as that API's next version; returns how many were stored.
    pub async fn record_api_versions(&self, definitions: &[ApiDefinition], now_unix_secs: i64) -> Result<usize, StoreError> {
        if definitions.is_empty() {
            return Ok(0);
        }
        let heads = self.api_heads().await?;
        let mut stored = 0;
        for definition in definitions {
            let hash = definition_hash(&definition.definition);
            let version = match heads.get(&definition.entity_ref) {
                Some((_, head_hash)) if *head_hash == hash => continue,
                Some((version, _)) => version + 1,
                None => 1,
            };
            // Two replicas recording the same change: the second insert is a no-op.
            let done = sqlx::query(
                "INSERT INTO api_versions (entity_ref, version, hash, api_type, definition, first_seen_unix_secs, source)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (entity_ref, version) DO NOTHING",
            )
            .bind(definition.entity_ref.clone())
            .bind(version)
            .bind(hash)
            .bind(definition.api_type.clone())
            .bind(definition.definition.clone())
            .bind(now_unix_secs)
            .bind(definition.source.clone())
            .execute(&self.pool)
            .await?;
            stored += done.rows_affected() as usize;
        }
        Ok(stored)
    }

    /// The latest version and hash of every API.
    async fn api_heads(&self) -> Result<HashMap<String, (i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT v.entity_ref, v.version, v.hash FROM api_versions v
             JOIN (SELECT entity_ref, MAX(version) AS version FROM api_versions GROUP BY entity_ref) latest
               ON latest.entity_ref = v.entity_ref AND latest.version = v.version",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((row.try_get::<String, _>("entity_ref")?, (row.try_get::<i64, _>("version")?, row.try_get::<String, _>("hash")?)))
            })
            .collect()
    }

    /// Every version of one API, oldest first.
    pub async fn api_versions(&self, entity_ref: &str) -> Result<Vec<ApiVersion>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, hash, api_type, definition, first_seen_unix_secs, source FROM api_versions
             WHERE entity_ref = $1 ORDER BY version",
        )
        .bind(entity_ref.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ApiVersion {
                    version: row.try_get("version")?,
                    hash: row.try_get("hash")?,
                    api_type: row.try_get("api_type")?,
                    definition: row.try_get("definition")?,
                    first_seen_unix_secs: row.try_get("first_seen_unix_secs")?,
                    source: row.try_get("source")?,
                })
            })
            .collect()
    }
}
