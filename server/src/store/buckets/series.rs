//! Names stored once: every key a block mentions (an edge, a service, an
//! operation, a caller of an operation) is a row of `series` with an id the
//! database gives, so replicas agree on them. Each store holds the ids it
//! has seen in memory, both ways.

use std::collections::{HashMap, HashSet};

use collector::{CallerBucket, EdgeBucket, OperationBucket, ServiceBucket};
use sqlx::Row;

use super::Rows;
use super::family::{Family, key_from_text, key_text};
use crate::store::{IN_LIST_BATCH, Store, StoreError};

/// One family's series: key to id and back.
pub(crate) struct FamilySeries<K> {
    ids: HashMap<K, u32>,
    keys: HashMap<u32, K>,
    /// The highest id read from the table.
    loaded_to: i64,
}

impl<K> Default for FamilySeries<K> {
    fn default() -> Self {
        Self { ids: HashMap::new(), keys: HashMap::new(), loaded_to: 0 }
    }
}

impl<K: Clone + Eq + std::hash::Hash> FamilySeries<K> {
    fn learn(&mut self, id: u32, key: K) {
        self.ids.insert(key.clone(), id);
        self.keys.insert(id, key);
        self.loaded_to = self.loaded_to.max(i64::from(id));
    }

    pub fn key(&self, id: u32) -> Option<&K> {
        self.keys.get(&id)
    }
}

/// Every family's series.
#[derive(Default)]
pub(crate) struct SeriesCache {
    pub edges: FamilySeries<collector::Edge>,
    pub services: FamilySeries<<ServiceBucket as Family>::Key>,
    pub operations: FamilySeries<<OperationBucket as Family>::Key>,
    pub callers: FamilySeries<<CallerBucket as Family>::Key>,
    /// SLO series (`store::slos`).
    pub slos: FamilySeries<std::sync::Arc<str>>,
}

/// Where a family's series live in the cache.
pub(crate) trait HasSeries: Family {
    fn series(cache: &SeriesCache) -> &FamilySeries<Self::Key>;
    fn series_mut(cache: &mut SeriesCache) -> &mut FamilySeries<Self::Key>;
}

impl HasSeries for EdgeBucket {
    fn series(cache: &SeriesCache) -> &FamilySeries<Self::Key> {
        &cache.edges
    }
    fn series_mut(cache: &mut SeriesCache) -> &mut FamilySeries<Self::Key> {
        &mut cache.edges
    }
}

impl HasSeries for ServiceBucket {
    fn series(cache: &SeriesCache) -> &FamilySeries<Self::Key> {
        &cache.services
    }
    fn series_mut(cache: &mut SeriesCache) -> &mut FamilySeries<Self::Key> {
        &mut cache.services
    }
}

impl HasSeries for OperationBucket {
    fn series(cache: &SeriesCache) -> &FamilySeries<Self::Key> {
        &cache.operations
    }
    fn series_mut(cache: &mut SeriesCache) -> &mut FamilySeries<Self::Key> {
        &mut cache.operations
    }
}

impl HasSeries for CallerBucket {
    fn series(cache: &SeriesCache) -> &FamilySeries<Self::Key> {
        &cache.callers
    }
    fn series_mut(cache: &mut SeriesCache) -> &mut FamilySeries<Self::Key> {
        &mut cache.callers
    }
}

impl Store {
    fn with_series<F: HasSeries, T>(&self, read: impl FnOnce(&FamilySeries<F::Key>) -> T) -> T {
        let cache = self.series.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        read(F::series(&cache))
    }

    fn learn_series<F: HasSeries>(&self, learned: Vec<(u32, F::Key)>) {
        let mut cache = self.series.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        let series = F::series_mut(&mut cache);
        for (id, key) in learned {
            series.learn(id, key);
        }
    }

    /// Reads the family's series added since the last read (`everything`:
    /// all of them, for ids another replica committed out of order).
    pub(crate) async fn refresh_series<F: HasSeries>(&self, everything: bool) -> Result<(), StoreError> {
        let after = if everything { 0 } else { self.with_series::<F, _>(|s| s.loaded_to) };
        let rows =
            sqlx::query("SELECT id, key FROM series WHERE family = $1 AND id > $2").bind(F::NAME).bind(after).fetch_all(&self.pool).await?;
        let mut learned = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let id = u32::try_from(id).map_err(|_| StoreError::Corrupt(format!("series id {id} out of range")))?;
            learned.push((id, key_from_text::<F>(&row.try_get::<String, _>("key")?)?));
        }
        self.learn_series::<F>(learned);
        Ok(())
    }

    /// The ids of `keys`, created where new. Committed on their own, before
    /// the blocks that use them: an id is never given to two keys.
    pub(crate) async fn ids_of<F: HasSeries>(&self, keys: HashSet<F::Key>) -> Result<HashMap<F::Key, u32>, StoreError> {
        let (mut ids, missing): (HashMap<F::Key, u32>, Vec<F::Key>) = self.with_series::<F, _>(|series| {
            let mut ids = HashMap::with_capacity(keys.len());
            let mut missing = Vec::new();
            for key in keys {
                match series.ids.get(&key) {
                    Some(&id) => {
                        ids.insert(key, id);
                    }
                    None => missing.push(key),
                }
            }
            (ids, missing)
        });
        if missing.is_empty() {
            return Ok(ids);
        }
        let texts: Vec<String> = missing.iter().map(key_text::<F>).collect();
        let mut learned = Vec::with_capacity(missing.len());
        for chunk in texts.chunks(IN_LIST_BATCH) {
            let values: Vec<String> = (0..chunk.len()).map(|i| format!("($1, ${})", i + 2)).collect();
            let sql = format!("INSERT INTO series (family, key) VALUES {} ON CONFLICT (family, key) DO NOTHING", values.join(", "));
            let mut insert = sqlx::query(&sql).bind(F::NAME);
            for text in chunk {
                insert = insert.bind(text.clone());
            }
            insert.execute(&self.pool).await?;
            let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!("SELECT id, key FROM series WHERE family = $1 AND key IN ({})", placeholders.join(", "));
            let mut select = sqlx::query(&sql).bind(F::NAME);
            for text in chunk {
                select = select.bind(text.clone());
            }
            for row in select.fetch_all(&self.pool).await? {
                let id: i64 = row.try_get("id")?;
                let id = u32::try_from(id).map_err(|_| StoreError::Corrupt(format!("series id {id} out of range")))?;
                learned.push((id, key_from_text::<F>(&row.try_get::<String, _>("key")?)?));
            }
        }
        for (id, key) in &learned {
            ids.insert(key.clone(), *id);
        }
        self.learn_series::<F>(learned);
        Ok(ids)
    }

    /// The ids whose keys a read of `rows` takes (`None`: every one).
    pub(super) fn ids_matching<F: HasSeries>(&self, rows: Rows<'_>) -> Option<HashSet<u32>> {
        if matches!(rows, Rows::All) {
            return None;
        }
        Some(self.with_series::<F, _>(|series| series.keys.iter().filter(|(_, key)| F::matches(key, rows)).map(|(id, _)| *id).collect()))
    }

    /// The keys of `ids`; an id not known yet is read again from the table.
    pub(crate) async fn keys_of<F: HasSeries>(&self, ids: impl Iterator<Item = u32> + Clone) -> Result<HashMap<u32, F::Key>, StoreError> {
        for attempt in 0..3 {
            let found: Option<HashMap<u32, F::Key>> =
                self.with_series::<F, _>(|series| ids.clone().map(|id| series.key(id).map(|key| (id, key.clone()))).collect());
            if let Some(found) = found {
                return Ok(found);
            }
            self.refresh_series::<F>(attempt > 0).await?;
        }
        Err(StoreError::Corrupt(format!("a {} block names a series that does not exist", F::NAME)))
    }
}
