//! The catalog as adapters ask for it: the index to read from, ranked
//! search with facets, the problems of the last load, locations, and writes
//! (YAML and locations registered, locations and entities removed).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use catalog::index::{CatalogIndex, Filter};
use catalog::{Diagnostic, Entity, Source};

use super::{Core, Error};
use crate::catalog::CatalogError;
pub use crate::catalog::{CatalogLocation, LocationRegistration, Registration};

/// A field the catalog search counts values of, with the label people see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facet {
    pub field: &'static str,
    pub label: &'static str,
}

/// The facets a search counts unless asked for others (the UI shows these).
pub const SEARCH_FACETS: &[Facet] = &[
    Facet { field: "kind", label: "Kind" },
    Facet { field: "spec.type", label: "Type" },
    Facet { field: "spec.lifecycle", label: "Lifecycle" },
    Facet { field: "relations.ownedby", label: "Owner" },
    Facet { field: "relations.partof", label: "Part of" },
    Facet { field: "metadata.tags", label: "Tags" },
];

/// A ranked search's answer.
#[derive(Clone, Debug)]
pub struct SearchAnswer {
    /// Entities in the catalog.
    pub catalog_size: usize,
    /// Entities matching (may exceed `hits.len()`).
    pub total: usize,
    /// Best first.
    pub hits: Vec<Found>,
    /// Value counts over every match, per facet asked for.
    pub facets: BTreeMap<String, Vec<(String, usize)>>,
}

/// One search hit.
#[derive(Clone, Debug)]
pub struct Found {
    /// `kind:namespace/name`, lower case.
    pub entity_ref: String,
    pub entity: Arc<Entity>,
    pub score: u32,
}

impl Core {
    /// The current catalog index: consistent for as long as it is held.
    pub fn catalog(&self) -> Arc<CatalogIndex> {
        self.catalog.snapshot()
    }

    /// Every problem of the last catalog load.
    pub fn problems(&self) -> Arc<Vec<Diagnostic>> {
        self.catalog.diagnostics()
    }

    /// Ranked, typo-tolerant search: every word of `text` must match; facet
    /// counts (of `facets`, or [`SEARCH_FACETS`] when empty) over every match.
    pub fn search(&self, text: &str, filter: &Filter, facets: &[String], limit: usize) -> SearchAnswer {
        let index = self.catalog.snapshot();
        let facets: Vec<String> =
            if facets.is_empty() { SEARCH_FACETS.iter().map(|f| f.field.to_string()).collect() } else { facets.to_vec() };
        let result = index.search(text, filter, &facets, limit);
        let hits = result
            .hits
            .iter()
            .map(|hit| {
                let indexed = &index.entities()[hit.position];
                Found { entity_ref: indexed.key(), entity: indexed.entity.clone(), score: hit.score }
            })
            .collect();
        SearchAnswer { catalog_size: index.len(), total: result.total, hits, facets: result.facets }
    }

    /// Static locations first, then registered ones.
    pub async fn locations(&self) -> Result<Vec<CatalogLocation>, Error> {
        Ok(self.catalog.locations().await?)
    }

    pub async fn location(&self, id: &str) -> Result<CatalogLocation, Error> {
        self.locations().await?.into_iter().find(|l| l.id == id).ok_or_else(|| no_location(id))
    }

    /// Registers the entities of a YAML text, all or none (or, with
    /// `dry_run`, reports what it would do).
    pub async fn register_yaml(&self, yaml: &str, dry_run: bool) -> Result<Registration, Error> {
        let (catalog, yaml) = (self.catalog.clone(), yaml.to_string());
        whole(async move { catalog.register_yaml(&yaml, dry_run).await }).await
    }

    /// Registers a location (or, with `dry_run`, reports what it holds).
    pub async fn register_location(&self, source: &Source, dry_run: bool) -> Result<LocationRegistration, Error> {
        let (catalog, source) = (self.catalog.clone(), source.clone());
        whole(async move { catalog.register_location(&source, dry_run).await }).await
    }

    /// Unregisters a location registered through the API; its entities
    /// become orphans.
    pub async fn remove_location(&self, id: &str) -> Result<(), Error> {
        let (catalog, owned) = (self.catalog.clone(), id.to_string());
        if whole(async move { catalog.remove_location(&owned).await }).await? { Ok(()) } else { Err(no_location(id)) }
    }

    /// Deletes an entity (typically an orphan); one a location still
    /// yields comes back on the next reload, as in Backstage.
    pub async fn delete_entity(&self, uid: &str) -> Result<(), Error> {
        let (catalog, owned) = (self.catalog.clone(), uid.to_string());
        if whole(async move { catalog.delete_entity(&owned).await }).await? {
            Ok(())
        } else {
            Err(Error::NotFound(format!("No entity with uid {uid}")))
        }
    }
}

/// Runs a catalog write to its end on a task of its own: when the request
/// that asked for it is dropped (its client gone), the write still finishes
/// whole (stored and loaded) instead of stopping between the two.
async fn whole<T: Send + 'static>(write: impl Future<Output = Result<T, CatalogError>> + Send + 'static) -> Result<T, Error> {
    match tokio::spawn(write).await {
        Ok(result) => Ok(result?),
        Err(join) => Err(Error::Internal(Box::new(join))),
    }
}

fn no_location(id: &str) -> Error {
    Error::NotFound(format!("Found no location with ID {id}"))
}

/// Where a location to register is, as a request gives it: a `type` (`file`
/// or `url`, Backstage's API) or none (the UI: a URL when it has a scheme,
/// else a path). A path must be absolute: the server has no working folder
/// a client could mean.
pub fn location_source(location_type: Option<&str>, target: &str) -> Result<Source, Error> {
    let target = target.trim();
    let absolute_path = || Path::new(target).is_absolute().then(|| Source::File(target.into()));
    match location_type {
        Some("file") => absolute_path().ok_or_else(|| Error::Invalid(format!("target `{target}` must be an absolute path"))),
        Some("url") if target.contains("://") => Ok(Source::parse(target)?),
        Some("url") => Err(Error::Invalid(format!("target `{target}` must be an absolute http(s) URL"))),
        Some(other) => Err(Error::Invalid(format!("location type `{other}` is not supported; use `file` or `url`"))),
        None if target.contains("://") => Ok(Source::parse(target)?),
        None => absolute_path().ok_or_else(|| Error::Invalid(format!("`{target}` is neither a URL nor an absolute path on the server."))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_absolute_paths_or_urls() {
        assert_eq!(location_source(Some("file"), "/srv/catalog").unwrap(), Source::File("/srv/catalog".into()));
        assert_eq!(location_source(None, " https://git.example/c.yaml ").unwrap(), Source::Url("https://git.example/c.yaml".into()));
        for (kind, target) in
            [(Some("file"), "relative"), (Some("url"), "/srv"), (Some("git"), "x"), (None, "relative"), (None, "ftp://x/y")]
        {
            assert!(matches!(location_source(kind, target), Err(Error::Invalid(_))), "{kind:?} {target}");
        }
    }
}
