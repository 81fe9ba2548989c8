//! Names stored once: every key a block mentions (an edge, a service, an
//! operation, a caller of an operation) is a row of `series` with an id the
//! database gives, so replicas agree on them. Each store holds the ids it
//! has seen in memory, both ways.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};

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

/// Every family's series, by the family's type (each kept as its own
/// `FamilySeries<F::Key>`).
#[derive(Default)]
pub(crate) struct SeriesCache(HashMap<TypeId, Box<dyn Any + Send + Sync>>);

impl SeriesCache {
    fn of<F: Family>(&self) -> Option<&FamilySeries<F::Key>> {
        self.0.get(&TypeId::of::<F>())?.downcast_ref()
    }

    fn of_mut<F: Family>(&mut self) -> &mut FamilySeries<F::Key> {
        self.0
            .entry(TypeId::of::<F>())
            .or_insert_with(|| Box::new(FamilySeries::<F::Key>::default()))
            .downcast_mut()
            .expect("a slot holds the series of the family it is keyed by")
    }
}

/// A row of `series`: its id and its key.
fn series_row<F: Family>(row: &sqlx::any::AnyRow) -> Result<(u32, F::Key), StoreError> {
    let id: i64 = row.try_get("id")?;
    let id = u32::try_from(id).map_err(|_| StoreError::Corrupt(format!("series id {id} out of range")))?;
    Ok((id, key_from_text::<F>(&row.try_get::<String, _>("key")?)?))
}

impl Store {
    fn with_series<F: Family, T>(&self, read: impl FnOnce(&FamilySeries<F::Key>) -> T) -> T {
        let cache = self.series.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        match cache.of::<F>() {
            Some(series) => read(series),
            None => read(&FamilySeries::default()),
        }
    }

    fn learn_series<F: Family>(&self, learned: Vec<(u32, F::Key)>) {
        let mut cache = self.series.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        let series = cache.of_mut::<F>();
        for (id, key) in learned {
            series.learn(id, key);
        }
    }

    /// Reads the family's series added since the last read (`everything`:
    /// all of them, for ids another replica committed out of order).
    pub(crate) async fn refresh_series<F: Family>(&self, everything: bool) -> Result<(), StoreError> {
        let after = if everything { 0 } else { self.with_series::<F, _>(|s| s.loaded_to) };
        let rows =
            sqlx::query("SELECT id, key FROM series WHERE family = $1 AND id > $2").bind(F::NAME).bind(after).fetch_all(&self.pool).await?;
        let learned = rows.iter().map(series_row::<F>).collect::<Result<_, _>>()?;
        self.learn_series::<F>(learned);
        Ok(())
    }

    /// The ids of `keys`, created where new. Committed on their own, before
    /// the blocks that use them: an id is never given to two keys.
    pub(crate) async fn ids_of<F: Family>(&self, keys: HashSet<F::Key>) -> Result<HashMap<F::Key, u32>, StoreError> {
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
                learned.push(series_row::<F>(&row)?);
            }
        }
        for (id, key) in &learned {
            ids.insert(key.clone(), *id);
        }
        self.learn_series::<F>(learned);
        Ok(ids)
    }

    /// The ids whose keys a read of `rows` takes (`None`: every one).
    pub(super) fn ids_matching<F: Family>(&self, rows: Rows<'_>) -> Option<HashSet<u32>> {
        if matches!(rows, Rows::All) {
            return None;
        }
        Some(self.with_series::<F, _>(|series| series.keys.iter().filter(|(_, key)| F::matches(key, rows)).map(|(id, _)| *id).collect()))
    }

    /// The keys of `ids`; an id not known yet is read again from the table.
    pub(crate) async fn keys_of<F: Family>(&self, ids: &[u32]) -> Result<HashMap<u32, F::Key>, StoreError> {
        for attempt in 0..3 {
            let found: Option<HashMap<u32, F::Key>> =
                self.with_series::<F, _>(|series| ids.iter().map(|&id| series.key(id).map(|key| (id, key.clone()))).collect());
            if let Some(found) = found {
                return Ok(found);
            }
            self.refresh_series::<F>(attempt > 0).await?;
        }
        Err(StoreError::Corrupt(format!("a {} block names a series that does not exist", F::NAME)))
    }

    /// `by_id`'s values under their series' keys.
    pub(crate) async fn named<F: Family, T>(&self, by_id: HashMap<u32, T>) -> Result<Vec<(F::Key, T)>, StoreError> {
        let ids: Vec<u32> = by_id.keys().copied().collect();
        let mut keys = self.keys_of::<F>(&ids).await?;
        Ok(by_id.into_iter().filter_map(|(id, value)| Some((keys.remove(&id)?, value))).collect())
    }
}
