//! The catalog as the server holds it: loaded from its locations (the
//! `--catalog` paths plus those registered through the API), persisted in the
//! store, and served from an in-memory [`CatalogIndex`] swapped atomically on
//! every reload, so readers never wait for a reload nor see half of one.
//!
//! Entities whose location no longer yields them are kept and marked
//! orphaned (`backstage.io/orphan: "true"`), as Backstage does, until deleted
//! through the API.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use catalog::index::{CatalogIndex, IndexedEntity, uid_for};
use catalog::scorecard::Scorecard;
use catalog::{Diagnostic, Entity, PathRoots, Reader, Source};
use slo::Slo;
use tokio::sync::Mutex;

use crate::store::{ApiDefinition, Store, StoreError, StoredLocation};

/// Why a catalog operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A file location to register does not exist.
    #[error("no such file or folder: {}", .0.display())]
    NoSuchPath(PathBuf),
    /// A URL location that cannot be read at all (not allowed, unreachable).
    #[error("{target}: {message}")]
    Unreadable { target: String, message: String },
    /// A file location outside the folders Meridian may read, or a URL on a host not allowed.
    #[error("{0}")]
    NotAllowed(String),
    /// Locations given with `--catalog` belong to the configuration.
    #[error("location {0} comes from --catalog and cannot be removed through the API")]
    Configured(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The catalog's thread could not be started.
    #[error("cannot start the catalog's thread: {0}")]
    Thread(std::io::Error),
    /// The catalog's thread stopped: a job on it panicked.
    #[error("the catalog loader failed: {0}")]
    Loader(#[from] super::worker::WorkerGone),
}

type Result<T> = std::result::Result<T, CatalogError>;

pub const ORPHAN_ANNOTATION: &str = "backstage.io/orphan";
/// `managed-by-location` of entities registered through the API.
pub const REGISTERED_LOCATION: &str = "meridian:api";

/// What a registration did (or, in a dry run, would do).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Registration {
    pub applied: bool,
    pub entities: Vec<Arc<Entity>>,
    pub added: Vec<String>,
    pub replaced: Vec<String>,
    /// `request:line:column` problems; any error means nothing was applied.
    pub problems: Vec<Diagnostic>,
}

/// What registering a location did (or, in a dry run, would do).
#[derive(Debug)]
pub struct LocationRegistration {
    pub location: CatalogLocation,
    /// It was registered already.
    pub exists: bool,
    /// The location's entities and problems. Unlike YAML registration, a
    /// location with errors is still registered: its good entities load.
    pub registration: Registration,
}

/// A place entities come from, in Backstage's shape.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct CatalogLocation {
    pub id: String,
    #[serde(rename = "type")]
    pub location_type: String,
    pub target: String,
}

impl CatalogLocation {
    pub fn new(source: &Source) -> Self {
        let (location_type, target) = match source.canonical() {
            Source::File(path) => ("file", path.display().to_string()),
            Source::Url(url) => ("url", url),
        };
        Self { id: uid_for(&format!("location:{}", source.location_ref())).to_string(), location_type: location_type.into(), target }
    }

    pub fn source(&self) -> Source {
        if self.location_type == "url" { Source::Url(self.target.clone()) } else { Source::File(PathBuf::from(&self.target)) }
    }
}

pub struct CatalogService {
    store: Store,
    static_locations: Vec<CatalogLocation>,
    index: RwLock<Arc<CatalogIndex>>,
    diagnostics: RwLock<Arc<Vec<Diagnostic>>>,
    /// The SLOs the catalog's files define (OpenSLO documents beside the descriptors).
    slos: RwLock<Arc<Vec<Arc<Slo>>>>,
    /// The scorecards beside the descriptors.
    scorecards: RwLock<Arc<Vec<Arc<Scorecard>>>>,
    /// Serialises reloads (watcher, API) so each sees the previous result.
    reloading: Mutex<()>,
    /// Signalled when locations are added or removed (the watcher re-arms).
    locations_changed: tokio::sync::Notify,
    /// What each file held last time, so a reload reads only changed files.
    load_cache: std::sync::Mutex<catalog::load::LoadCache>,
    urls: Arc<dyn Reader + Send + Sync>,
    /// Names this process in notices to other replicas.
    replica: String,
    /// Custom kinds kept with a warning, or rejected (`--strict-kinds`).
    kinds: catalog::Kinds,
    /// Where the catalog is loaded, indexed and freed (see [`super::worker`]).
    worker: super::worker::Worker,
}

/// Why a reload runs, which decides whether it writes and tells the other
/// replicas ([`super::notices`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// A change seen here: files, URLs, a registration. Writes what changed
    /// and, if anything did, tells the others.
    Here,
    /// Locations were registered or removed here: tells the others even if
    /// no entity changed, so they watch the new set.
    LocationsChanged,
    /// Another replica changed the catalog and stored it: read, write nothing.
    Peer { locations: bool },
}

/// What one reload did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReloadReport {
    pub entities: usize,
    pub orphans: usize,
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Rows were written (something changed).
    pub wrote: bool,
}

/// The folders of `--catalog` sources: a folder itself, a file's folder.
/// Files under them may always be read.
pub fn catalog_folders(sources: &[Source]) -> Vec<PathBuf> {
    sources
        .iter()
        .filter_map(|source| match source {
            Source::File(path) if path.is_dir() => Some(path.clone()),
            Source::File(path) => path.parent().map(std::path::Path::to_path_buf),
            Source::Url(_) => None,
        })
        .collect()
}

fn read<T: Clone>(lock: &RwLock<T>) -> T {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
}

/// The definitions of the API entities among `entities`, as versions are stored.
fn api_definitions<'a>(entities: impl Iterator<Item = &'a Entity>) -> Vec<ApiDefinition> {
    entities
        .filter(|entity| entity.kind.eq_ignore_ascii_case("api"))
        .filter_map(|entity| {
            Some(ApiDefinition {
                entity_ref: entity.entity_ref().to_string(),
                api_type: entity.spec_str("type").unwrap_or_default().to_string(),
                definition: entity.spec_str("definition")?.to_string(),
                source: entity.annotation(catalog::load::MANAGED_BY_LOCATION).unwrap_or_default().to_string(),
            })
        })
        .collect()
}

fn is_orphan(entity: &Entity) -> bool {
    entity.annotation(ORPHAN_ANNOTATION) == Some("true")
}

impl CatalogService {
    /// Starts from what the store holds; call [`Self::reload`] to read the
    /// locations. The stored catalog is what a reload compares with: which
    /// entities are now orphans, which keep their last good version, and
    /// (shared, not read twice) which are unchanged.
    pub async fn open(store: Store, static_paths: Vec<PathBuf>, urls: Arc<dyn Reader + Send + Sync>) -> Result<Self> {
        let worker = super::worker::Worker::start().map_err(CatalogError::Thread)?;
        let stored = store.entities().await?;
        let index = worker.run(move || CatalogIndex::new(stored)).await?;
        // A database from before API versions were kept gets their first now.
        store.record_api_versions(&api_definitions(index.entities().iter().map(|e| &*e.entity)), crate::unix_seconds()).await?;
        Ok(Self {
            store,
            static_locations: static_paths.iter().map(|p| CatalogLocation::new(&Source::File(p.clone()))).collect(),
            index: RwLock::new(Arc::new(index)),
            diagnostics: RwLock::new(Arc::default()),
            slos: RwLock::new(Arc::default()),
            scorecards: RwLock::new(Arc::default()),
            reloading: Mutex::new(()),
            locations_changed: tokio::sync::Notify::new(),
            load_cache: std::sync::Mutex::default(),
            urls,
            replica: replica_name(),
            kinds: catalog::Kinds::default(),
            worker,
        })
    }

    /// Rejects entities of custom kinds with [`catalog::Kinds::Strict`].
    pub fn with_kinds(self, kinds: catalog::Kinds) -> Self {
        Self { kinds, ..self }
    }

    pub(super) fn store(&self) -> &Store {
        &self.store
    }

    /// This process's name in notices to other replicas.
    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// Tells the other replicas, once the change is stored. A notice that
    /// cannot be sent is logged: the change is stored, and the others read
    /// it on their next reload.
    async fn publish(&self, change: super::notices::Change) {
        let notice = super::notices::Notice { from: self.replica.clone(), change };
        let sent = match serde_json::to_string(&notice) {
            Ok(payload) => self.store.notify(super::notices::CHANNEL, &payload).await.map_err(|e| e.to_string()),
            Err(error) => Err(error.to_string()),
        };
        if let Err(error) = sent {
            tracing::warn!("cannot tell other replicas about a catalog change ({:?}): {error}", notice.change);
        }
    }

    /// The folders an API definition's `$ref`s may read (each `--catalog`
    /// folder, a file's own folder), and the reader URLs go through.
    pub fn definition_sources(&self) -> (PathRoots, Arc<dyn Reader + Send + Sync>) {
        let roots = match self.urls.file_roots() {
            Some(roots) => roots.clone(),
            None => PathRoots::new(&catalog_folders(&self.static_locations.iter().map(|l| l.source()).collect::<Vec<_>>())),
        };
        (roots, self.urls.clone())
    }

    /// The current catalog; cheap, and consistent for as long as it is held.
    pub fn snapshot(&self) -> Arc<CatalogIndex> {
        read(&self.index)
    }

    /// Problems found by the last reload, per entity where known.
    pub fn diagnostics(&self) -> Arc<Vec<Diagnostic>> {
        read(&self.diagnostics)
    }

    /// The SLOs of the last reload.
    pub fn slos(&self) -> Arc<Vec<Arc<Slo>>> {
        read(&self.slos)
    }

    /// The scorecards the catalog's files define.
    pub fn scorecards(&self) -> Arc<Vec<Arc<Scorecard>>> {
        read(&self.scorecards)
    }

    /// Static locations first, then registered ones.
    pub async fn locations(&self) -> Result<Vec<CatalogLocation>> {
        let mut all = self.static_locations.clone();
        for stored in self.store.locations().await? {
            all.push(CatalogLocation { id: stored.id, location_type: stored.location_type, target: stored.target });
        }
        Ok(all)
    }

    /// Completes when the set of locations next changes.
    pub async fn locations_changed(&self) {
        self.locations_changed.notified().await
    }

    /// Folders and files to watch for changes.
    pub async fn watched_paths(&self) -> Result<Vec<PathBuf>> {
        Ok(self.locations().await?.into_iter().filter(|l| l.location_type == "file").map(|l| PathBuf::from(l.target)).collect())
    }

    /// Whether the last reload read any URL: URLs cannot be watched, so the
    /// server reloads periodically while this holds.
    pub fn reads_urls(&self) -> bool {
        self.load_cache.lock().unwrap_or_else(|p| p.into_inner()).reads_urls()
    }

    /// What `source` holds on its own (for a dry run or a registration's
    /// answer); `Err` when it cannot be registered at all (no such file,
    /// URL not allowed or unreadable).
    async fn preview_location(&self, source: Source) -> Result<catalog::LoadedCatalog> {
        match &source {
            Source::File(path) => {
                if !path.exists() {
                    return Err(CatalogError::NoSuchPath(path.clone()));
                }
                if let Some(roots) = self.urls.file_roots() {
                    roots.check(path).map_err(|refusal| CatalogError::NotAllowed(refusal.to_string()))?;
                }
            }
            // Not allowed is refused as a folder outside the allowed ones is: 403.
            Source::Url(url) => self.urls.may_read(url).map_err(|refusal| CatalogError::NotAllowed(refusal.to_string()))?,
        }
        let urls = self.urls.clone();
        let is_url = source.is_url();
        let roots = [source];
        let mut loaded =
            self.worker.run(move || catalog::load::load_cached(&roots, &*urls, &mut Default::default(), &|_| None, Vec::new())).await?;
        self.kinds.enforce(&mut loaded.entities, &mut loaded.diagnostics);
        // A URL that could not be read at all yields no file, only its error.
        if is_url
            && loaded.files.is_empty()
            && let Some(unreadable) = loaded.diagnostics.iter().find(|d| d.is_error())
        {
            return Err(CatalogError::Unreadable { target: unreadable.location.file.to_string(), message: unreadable.message.clone() });
        }
        Ok(loaded)
    }

    /// Registers a file, folder or URL (or, with `dry_run`, reports what it
    /// holds). `Err` when it cannot be read at all.
    pub async fn register_location(&self, source: &Source, dry_run: bool) -> Result<LocationRegistration> {
        let loaded = self.preview_location(source.clone()).await?;
        let entities: Vec<Arc<Entity>> = loaded.entities.into_iter().map(|p| p.entity).collect();
        let (added, replaced) = self.split_added_replaced(&entities);
        let location = CatalogLocation::new(source);
        let exists = self.locations().await?.iter().any(|l| l.id == location.id);
        if !dry_run {
            if !exists {
                let stored = StoredLocation {
                    id: location.id.clone(),
                    location_type: location.location_type.clone(),
                    target: location.target.clone(),
                };
                self.store.add_location(&stored).await?;
                self.locations_changed.notify_one();
                self.reload_because(Cause::LocationsChanged).await?;
            } else {
                self.reload().await?;
            }
        }
        let registration = Registration { applied: !dry_run, entities, added, replaced, problems: loaded.diagnostics };
        Ok(LocationRegistration { location, exists, registration })
    }

    /// Refs of `entities` not in the catalog yet, and of those already in it.
    fn split_added_replaced(&self, entities: &[Arc<Entity>]) -> (Vec<String>, Vec<String>) {
        let current = self.snapshot();
        entities.iter().map(|e| e.key()).partition(|key| current.get(key).is_none())
    }

    /// Unregisters a location; its entities become orphans on the reload.
    /// `Ok(false)` when there is no such registered location.
    pub async fn remove_location(&self, id: &str) -> Result<bool> {
        if self.static_locations.iter().any(|l| l.id == id) {
            return Err(CatalogError::Configured(id.to_string()));
        }
        let removed = self.store.remove_location(id).await?;
        if removed {
            self.locations_changed.notify_one();
            self.reload_because(Cause::LocationsChanged).await?;
        }
        Ok(removed)
    }

    /// Deletes an entity (typically an orphan). One still produced by a
    /// location comes back on the next reload, as in Backstage; one
    /// registered through the API is unregistered, so it stays deleted.
    pub async fn delete_entity(&self, uid: &str) -> Result<bool> {
        let Some(key) = self.snapshot().get_by_uid(uid).map(|e| e.key()) else { return Ok(false) };
        // First, so that a reload racing the removal cannot bring it back.
        self.store.unregister_entity(&key).await?;
        let Some(key) = self.remove(|index| index.get_by_uid(uid).map(|e| e.key()), true).await? else { return Ok(false) };
        self.publish(super::notices::Change::Deleted { entity_ref: key }).await;
        Ok(true)
    }

    /// Drops an entity another replica deleted (and stored as deleted).
    pub async fn forget(&self, key: &str) -> Result<()> {
        self.remove(|index| index.get(key).map(|e| e.key()), false).await.map(drop)
    }

    /// Removes the entity `find` names in the current catalog (storing the
    /// removal with `write`); its key, or `None` when there is none.
    async fn remove(&self, find: impl FnOnce(&CatalogIndex) -> Option<String>, write: bool) -> Result<Option<String>> {
        let _guard = self.reloading.lock().await;
        let current = self.snapshot();
        let Some(key) = find(&current) else { return Ok(None) };
        let entities: Vec<Arc<Entity>> = current.entities().iter().filter(|e| !e.entity.has_key(&key)).map(|e| e.entity.clone()).collect();
        drop(current);
        self.persist_and_swap(entities, std::slice::from_ref(&key), None, write).await?;
        Ok(Some(key))
    }

    /// Entities registered through the API, as the loader takes them.
    async fn registered_as_parsed(&self) -> Result<Vec<catalog::ParsedEntity>> {
        Ok(self
            .store
            .registered_entities()
            .await?
            .into_iter()
            .map(|mut entity| {
                let key = entity.key();
                entity.metadata.annotations.insert(catalog::load::MANAGED_BY_LOCATION.into(), REGISTERED_LOCATION.into());
                entity.metadata.annotations.insert(catalog::load::MANAGED_BY_ORIGIN_LOCATION.into(), REGISTERED_LOCATION.into());
                let location = catalog::Location { file: format!("registered:{key}").into(), line: 1, column: 1 };
                catalog::ParsedEntity { entity: Arc::new(entity), location, kind_checked: true }
            })
            .collect())
    }

    /// Registers (or replaces) the entities of a YAML text, all or none: any
    /// error leaves the catalog as it was. With `dry_run`, only reports.
    pub async fn register_yaml(&self, yaml: &str, dry_run: bool) -> Result<Registration> {
        let mut parsed = catalog::parse_str("request", yaml);
        self.kinds.enforce(&mut parsed.entities, &mut parsed.diagnostics);
        let entities: Vec<Arc<Entity>> = parsed.entities.into_iter().map(|p| p.entity).collect();
        let refused = parsed.diagnostics.iter().any(Diagnostic::is_error);
        // All or none: a refused text adds and replaces nothing.
        let (added, replaced) = if refused { (Vec::new(), Vec::new()) } else { self.split_added_replaced(&entities) };
        let applied = !dry_run && !entities.is_empty() && !refused;
        if applied {
            self.store.register_entities(&entities).await?;
            self.reload().await?;
        }
        Ok(Registration { applied, entities, added, replaced, problems: parsed.diagnostics })
    }

    /// Reads every location again, persists the result and swaps the index.
    pub async fn reload(&self) -> Result<ReloadReport> {
        self.reload_because(Cause::Here).await
    }

    /// [`Self::reload`], writing and telling the other replicas as `cause` says.
    pub async fn reload_because(&self, cause: Cause) -> Result<ReloadReport> {
        let report = self.reload_inner(cause).await?;
        match cause {
            Cause::Here if report.wrote => self.publish(super::notices::Change::Reloaded { locations: false }).await,
            Cause::LocationsChanged => self.publish(super::notices::Change::Reloaded { locations: true }).await,
            Cause::Peer { locations: true } => self.locations_changed.notify_one(),
            Cause::Here | Cause::Peer { .. } => {}
        }
        Ok(report)
    }

    async fn reload_inner(&self, cause: Cause) -> Result<ReloadReport> {
        let _guard = self.reloading.lock().await;
        let started = std::time::Instant::now();
        let roots: Vec<Source> = self.locations().await?.iter().map(CatalogLocation::source).collect();
        let mut cache = std::mem::take(&mut *self.load_cache.lock().unwrap_or_else(|p| p.into_inner()));
        let current = self.snapshot();
        let registered = self.registered_as_parsed().await?;
        let urls = self.urls.clone();
        let (mut loaded, cache) = self
            .worker
            .run(move || {
                let previous = |key: &str| current.get(key).map(|e| e.entity.clone());
                let loaded = catalog::load::load_cached(&roots, &*urls, &mut cache, &previous, registered);
                (loaded, cache)
            })
            .await?;
        *self.load_cache.lock().unwrap_or_else(|p| p.into_inner()) = cache;
        self.kinds.enforce(&mut loaded.entities, &mut loaded.diagnostics);
        let parsed_in = started.elapsed();
        for diagnostic in &loaded.diagnostics {
            if diagnostic.is_error() {
                tracing::error!("{diagnostic}");
            } else {
                tracing::debug!("{diagnostic}");
            }
        }
        let slos = slo::definition::read_files(&loaded.other_documents);
        let scorecards = catalog::scorecard::read_files(&loaded.other_documents);
        let mut diagnostics = loaded.diagnostics;
        let mut entities: Vec<Arc<Entity>> = loaded.entities.into_iter().map(|p| p.entity).collect();
        // Entities the previous catalog had and this load did not produce.
        let previous = self.snapshot();
        let missing: Vec<&IndexedEntity> = {
            // By position (a byte each), not a set of every key as a string.
            let mut present = vec![false; previous.len()];
            for entity in &entities {
                if let Some(at) = previous.position(&entity.key()) {
                    present[at] = true;
                }
            }
            previous.entities().iter().zip(present).filter(|(_, present)| !present).map(|(entity, _)| entity).collect()
        };
        // An entity whose new version is invalid keeps its last good version
        // (with the error in its status), as in Backstage.
        let rejected: HashSet<&str> = diagnostics.iter().filter(|d| d.is_error()).filter_map(|d| d.entity_ref.as_deref()).collect();
        let mut orphans = 0;
        for old in missing {
            let mut entity = old.entity.clone();
            if rejected.contains(old.key().as_str()) {
                entities.push(entity);
                continue;
            }
            if !is_orphan(&entity) {
                tracing::info!("{} is orphaned: no location provides it any more", old.key());
                Arc::make_mut(&mut entity).metadata.annotations.insert(ORPHAN_ANNOTATION.into(), "true".into());
            }
            entities.push(entity);
            orphans += 1;
        }
        drop(previous); // the swap below frees it off the request path
        diagnostics.extend(slos.diagnostics);
        diagnostics.extend(scorecards.diagnostics);
        // Only with SLOs to check: at 50,000 entities the set is a megabyte of a reload's peak.
        if !slos.slos.is_empty() {
            let components: HashSet<&str> =
                entities.iter().filter(|e| e.kind.eq_ignore_ascii_case("component")).map(|e| e.metadata.name.as_str()).collect();
            diagnostics.extend(slo::definition::unknown_services(&slos.slos, |service| components.contains(service)));
        }
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        let mut report = ReloadReport {
            entities: entities.len(),
            orphans,
            files: loaded.files.len(),
            errors,
            warnings: diagnostics.len() - errors,
            wrote: false,
        };
        // Every previous entity is kept (present, last good, or orphaned): none is removed.
        let write = !matches!(cause, Cause::Peer { .. });
        let (timings, wrote) = self.persist_and_swap(entities, &[], Some(diagnostics), write).await?;
        report.wrote = wrote;
        *self.slos.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(slos.slos.into_iter().map(Arc::new).collect());
        *self.scorecards.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(scorecards.scorecards.into_iter().map(Arc::new).collect());
        tracing::info!(
            "catalog: {} entities ({} orphaned) from {} files, {} errors, {} warnings; read {:?}, stored {:?}, indexed {:?}",
            report.entities,
            report.orphans,
            report.files,
            report.errors,
            report.warnings,
            parsed_in,
            timings.0,
            timings.1,
        );
        Ok(report)
    }

    /// Stores (with `write`) and serves `entities`; `removed` are the refs of
    /// the current catalog they no longer hold. Returns how long storing and
    /// indexing took, and whether any row was written.
    async fn persist_and_swap(
        &self,
        entities: Vec<Arc<Entity>>,
        removed: &[String],
        diagnostics: Option<Vec<Diagnostic>>,
        write: bool,
    ) -> Result<((std::time::Duration, std::time::Duration), bool)> {
        let started = std::time::Instant::now();
        // Write only what differs from what is stored (the current snapshot);
        // an entity still shared with it is unchanged without looking inside.
        let previous = self.snapshot();
        let changed: Vec<&Entity> = entities
            .iter()
            .filter(|entity| previous.get(&entity.key()).is_none_or(|old| !Arc::ptr_eq(&old.entity, entity) && old.entity != **entity))
            .map(|entity| &**entity)
            .collect();
        let wrote = write && !(changed.is_empty() && removed.is_empty());
        if wrote {
            self.store.apply_catalog_changes(&changed, removed).await?;
            self.store.record_api_versions(&api_definitions(changed.iter().copied()), crate::unix_seconds()).await?;
        }
        drop(changed);
        let stored = started.elapsed();
        let diagnostics = Arc::new(diagnostics.unwrap_or_else(|| self.diagnostics().as_ref().clone()));
        let problems = diagnostics.clone();
        let index = self.worker.run(move || CatalogIndex::rebuild(&previous, entities, &problems)).await?;
        let replaced = std::mem::replace(&mut *self.index.write().unwrap_or_else(|p| p.into_inner()), Arc::new(index));
        // Freeing a large catalog takes a while; readers need not wait for it.
        self.worker.drop_later(replaced);
        *self.diagnostics.write().unwrap_or_else(|p| p.into_inner()) = diagnostics;
        Ok(((stored, started.elapsed() - stored), wrote))
    }
}

/// A name for this process among replicas: its host, its pid and when it
/// started, so two replicas (even with the same pid in two containers) differ.
fn replica_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{}-{}-{started:x}", host.trim(), std::process::id())
}
