//! The catalog's rows: every entity (Backstage JSON, keyed by its lower-case
//! ref), the locations registered through the API, and the entities
//! registered through it as YAML.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use catalog::Entity;
use futures::TryStreamExt;
use sqlx::Row;

use super::insert::Insert;
use super::{IN_LIST_BATCH, Store, StoreError, in_list};
use crate::unix_seconds;

/// A location registered through the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredLocation {
    pub id: String,
    pub location_type: String,
    pub target: String,
}

impl Store {
    /// Applies a change set in one transaction: upserts `changed`, deletes the
    /// entity refs in `removed`. An edit of one file writes one file's rows.
    /// Each row's `source` is the entity's `backstage.io/managed-by-location`.
    pub async fn apply_catalog_changes(&self, changed: &[&Entity], removed: &[String]) -> Result<(), StoreError> {
        if changed.is_empty() && removed.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for chunk in removed.chunks(IN_LIST_BATCH) {
            let sql = format!("DELETE FROM entities WHERE entity_ref IN ({})", in_list(chunk.len()));
            let mut query = sqlx::query(&sql);
            for key in chunk {
                query = query.bind(key);
            }
            query.execute(&mut *tx).await?;
        }
        let now = unix_seconds();
        let upsert = Insert {
            table: "entities",
            columns: &["entity_ref", "kind", "namespace", "name", "source", "body", "updated_at"],
            on_conflict: "ON CONFLICT (entity_ref) DO UPDATE SET kind = excluded.kind, namespace = excluded.namespace, \
                          name = excluded.name, source = excluded.source, body = excluded.body, updated_at = excluded.updated_at",
        };
        upsert
            .run(&mut tx, changed, |query, entity| {
                let source = entity.annotation(catalog::load::MANAGED_BY_LOCATION).unwrap_or_default().to_string();
                Ok(query
                    .bind(entity.key())
                    .bind(entity.kind.to_string())
                    .bind(entity.metadata.namespace.to_string())
                    .bind(entity.metadata.name.clone())
                    .bind(source)
                    .bind(body(entity)?)
                    .bind(now))
            })
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every stored entity. Rows are decoded as they arrive: all of a large
    /// catalog's JSON bodies at once would cost as much again as the entities.
    pub async fn entities(&self) -> Result<Vec<Entity>, StoreError> {
        let mut rows = sqlx::query("SELECT body FROM entities ORDER BY kind, namespace, name").fetch(&self.pool);
        let mut entities = Vec::new();
        let mut decoder = catalog::StoredEntityDecoder::default();
        while let Some(row) = rows.try_next().await? {
            entities.push(decode_entity(&mut decoder, row.try_get("body")?)?);
        }
        Ok(entities)
    }

    /// Locations registered through the API, oldest first.
    pub async fn locations(&self) -> Result<Vec<StoredLocation>, StoreError> {
        let rows = sqlx::query("SELECT id, type, target FROM locations ORDER BY created_at, id").fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok(StoredLocation { id: r.try_get("id")?, location_type: r.try_get("type")?, target: r.try_get("target")? }))
            .collect()
    }

    pub async fn add_location(&self, location: &StoredLocation) -> Result<(), StoreError> {
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
    pub async fn remove_location(&self, id: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query("DELETE FROM locations WHERE id = $1").bind(id).execute(&self.pool).await?.rows_affected() > 0)
    }

    /// Entities registered through the API, in registration order.
    pub async fn registered_entities(&self) -> Result<Vec<Entity>, StoreError> {
        let rows = sqlx::query("SELECT body FROM registered_entities ORDER BY created_at, entity_ref").fetch_all(&self.pool).await?;
        let mut decoder = catalog::StoredEntityDecoder::default();
        rows.iter().map(|row| decode_entity(&mut decoder, row.try_get("body")?)).collect()
    }

    /// Forgets an entity registered through the API (`key`, lower case), so
    /// no reload brings it back; `false` when it was not registered so.
    pub async fn unregister_entity(&self, key: &str) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM registered_entities WHERE entity_ref = $1").bind(key).execute(&self.pool).await?;
        Ok(deleted.rows_affected() > 0)
    }

    /// Registers (or replaces) entities in one transaction.
    pub async fn register_entities(&self, entities: &[Arc<Entity>]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let now = unix_seconds();
        let upsert = Insert {
            table: "registered_entities",
            columns: &["entity_ref", "body", "created_at"],
            on_conflict: "ON CONFLICT (entity_ref) DO UPDATE SET body = excluded.body",
        };
        // One statement may not name a row twice (PostgreSQL refuses it): the last of each ref wins.
        let mut latest: Vec<&Arc<Entity>> = Vec::with_capacity(entities.len());
        let mut position: HashMap<String, usize> = HashMap::with_capacity(entities.len());
        for entity in entities {
            match position.entry(entity.key()) {
                Entry::Occupied(at) => latest[*at.get()] = entity,
                Entry::Vacant(at) => {
                    at.insert(latest.len());
                    latest.push(entity);
                }
            }
        }
        upsert.run(&mut tx, &latest, |query, entity| Ok(query.bind(entity.key()).bind(body(entity)?).bind(now))).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn body(entity: &Entity) -> Result<String, StoreError> {
    serde_json::to_string(entity).map_err(|e| StoreError::Encode { what: format!("entity {}", entity.key()), reason: e.to_string() })
}

fn decode_entity(decoder: &mut catalog::StoredEntityDecoder, body: &str) -> Result<Entity, StoreError> {
    decoder.decode(body).map_err(|e| StoreError::Corrupt(format!("entity JSON: {e}")))
}
