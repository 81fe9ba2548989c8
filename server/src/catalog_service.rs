//! The catalog as the server holds it: loaded from its locations (files and
//! folders), persisted in the store, and served from an in-memory
//! [`CatalogIndex`] that is swapped atomically on every reload, so readers
//! never wait for a reload and never see half of one.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use anyhow::Result;
use catalog::Diagnostic;
use catalog::index::CatalogIndex;

use crate::store::Store;

pub struct CatalogService {
    store: Store,
    locations: RwLock<Vec<PathBuf>>,
    index: RwLock<Arc<CatalogIndex>>,
    diagnostics: RwLock<Arc<Vec<Diagnostic>>>,
}

/// What one reload did.
#[derive(Debug, Clone, Copy)]
pub struct ReloadReport {
    pub entities: usize,
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
}

fn read<T: Clone>(lock: &RwLock<T>) -> T {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
}

impl CatalogService {
    /// Starts from what the store holds (so a restart serves at once), with
    /// `locations` to reload from.
    pub async fn open(store: Store, locations: Vec<PathBuf>) -> Result<Self> {
        let index = CatalogIndex::new(store.entities().await?);
        Ok(Self { store, locations: RwLock::new(locations), index: RwLock::new(Arc::new(index)), diagnostics: RwLock::new(Arc::default()) })
    }

    /// The current catalog; cheap, and consistent for as long as it is held.
    pub fn snapshot(&self) -> Arc<CatalogIndex> {
        read(&self.index)
    }

    /// Problems found by the last reload, per entity where known.
    pub fn diagnostics(&self) -> Arc<Vec<Diagnostic>> {
        read(&self.diagnostics)
    }

    pub fn locations(&self) -> Vec<PathBuf> {
        read(&self.locations)
    }

    /// Reads every location again, persists the result and swaps the index.
    pub async fn reload(&self) -> Result<ReloadReport> {
        let locations = self.locations();
        let loaded = tokio::task::spawn_blocking(move || catalog::load_paths(&locations)).await?;
        for diagnostic in &loaded.diagnostics {
            if diagnostic.is_error() {
                tracing::error!("{diagnostic}");
            } else {
                tracing::warn!("{diagnostic}");
            }
        }
        let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
        let report = ReloadReport {
            entities: loaded.entities.len(),
            files: loaded.files.len(),
            errors,
            warnings: loaded.diagnostics.len() - errors,
        };
        let entities: Vec<_> = loaded.entities.into_iter().map(|p| (p.entity, format!("file:{}", p.location.file))).collect();
        self.store.replace_catalog(&entities).await?;
        let index = tokio::task::spawn_blocking(move || CatalogIndex::new(entities.into_iter().map(|(e, _)| e).collect())).await?;
        *self.index.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(index);
        *self.diagnostics.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(loaded.diagnostics);
        tracing::info!(
            "catalog: {} entities from {} files ({} errors, {} warnings)",
            report.entities,
            report.files,
            report.errors,
            report.warnings
        );
        Ok(report)
    }
}
