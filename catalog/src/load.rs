//! Files, folders and the Location entities inside them → one consistent set
//! of entities with relations, plus every problem found on the way.
//!
//! - A folder is walked for `*.yaml` / `*.yml`; documents without `apiVersion`
//!   and `kind` (an OpenAPI file beside the descriptors) are passed over.
//!   A root file is read the same way (`validate catalog/*.yaml` answers as
//!   `validate catalog/`), with a warning when it holds nothing for the
//!   catalog; a Location's target must hold descriptors. Another
//!   specification's documents (OpenSLO SLOs, Meridian's scorecards) are
//!   never entities: their readers take them from `other_documents`.
//! - A Location entity pulls in its `target` / `targets`, resolved against
//!   its own file or URL ([`Source::resolve`]); globs are allowed for files.
//!   `presence: optional` targets may be missing. URLs are read through the
//!   caller's [`Reader`] (its allow-list decides).
//! - Every file is read once, however many ways it is reached, so an entity
//!   reached twice through the same file is one entity; the same entity
//!   defined in two files is a conflict reported at both places.
//! - `$text` / `$json` / `$yaml` placeholders are substituted.
//! - Each entity gets Backstage's `backstage.io/managed-by-location` and
//!   `backstage.io/managed-by-origin-location` annotations.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Location};
use crate::entity::Entity;
use crate::parse::{ParsedEntity, parse_each};
use crate::positions::Positions;
use crate::relations::derive_relations_keyed;
use crate::source::{NoUrls, Reader, Source, Stamp};
use crate::substitute::substitute_tracking;
use crate::yaml;

pub const MANAGED_BY_LOCATION: &str = "backstage.io/managed-by-location";
pub const MANAGED_BY_ORIGIN_LOCATION: &str = "backstage.io/managed-by-origin-location";

#[derive(Debug, Default)]
pub struct LoadedCatalog {
    pub entities: Vec<ParsedEntity>,
    pub diagnostics: Vec<Diagnostic>,
    /// Files and URLs read, in order, each once.
    pub files: Vec<Source>,
    /// The files that hold documents of another specification kept beside
    /// the descriptors (OpenSLO SLOs), named as in diagnostics, with their
    /// text: their own readers take them from here.
    pub other_documents: Vec<(String, String)>,
}

impl LoadedCatalog {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads descriptor files and folders, with no cache and no URL access.
pub fn load_paths<P: AsRef<Path>>(paths: &[P]) -> LoadedCatalog {
    let roots: Vec<Source> = paths.iter().map(|p| Source::File(p.as_ref().to_path_buf())).collect();
    load_cached(&roots, &NoUrls, &mut LoadCache::default(), &|_| None, Vec::new())
}

/// What a file looked like when it was last read, and what it produced, so
/// an unchanged file need not be read again. Entities themselves are not kept
/// here (the caller already holds them): only their refs.
#[derive(Debug, Default)]
pub struct LoadCache {
    files: HashMap<Source, CachedFile>,
}

impl LoadCache {
    /// Whether the last load read any URL (so a periodic reload is needed to
    /// notice changes: URLs cannot be watched).
    pub fn reads_urls(&self) -> bool {
        self.files.iter().any(|(source, file)| source.is_url() || file.dependencies.iter().any(|(dep, _)| dep.is_url()))
    }
}

#[derive(Debug)]
struct CachedFile {
    stamp: Stamp,
    /// Files read for `$text`/`$json`/`$yaml`, and how they looked.
    dependencies: Vec<(Source, Option<Stamp>)>,
    /// Entity ref, where it starts, whether its kind was checked.
    entities: Vec<(String, Location, bool)>,
    /// Problems found reading the file (not those found relating entities).
    diagnostics: Vec<Diagnostic>,
}

struct Target {
    /// As reached (names the file in diagnostics).
    source: Source,
    /// [`Source::canonical`], computed once (a filesystem call for files):
    /// the key of `seen` and of the cache.
    key: Source,
    reach: Reach,
    /// A Location target with `presence: optional`: failing to read it is no error.
    optional: bool,
    /// Location reference (`file:…`, `url:…`) of the root this target was
    /// reached from; one string shared by every entity under that root.
    origin: Arc<str>,
}

/// How a file was reached, which decides what it may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    /// Found walking a folder: documents that are not descriptors are passed over.
    Walked,
    /// A root named as a file: as if walked, but a file with nothing for
    /// the catalog is worth a warning.
    Named,
    /// A Location's target: descriptors only.
    Target,
}

impl Target {
    fn new(source: Source, reach: Reach, optional: bool, origin: &Arc<str>) -> Self {
        Self { key: source.canonical(), source, reach, optional, origin: origin.clone() }
    }
}

/// The keys of the two annotations every loaded entity carries, shared.
static MANAGED_BY_KEYS: LazyLock<[Arc<str>; 2]> = LazyLock::new(|| [Arc::from(MANAGED_BY_LOCATION), Arc::from(MANAGED_BY_ORIGIN_LOCATION)]);

/// Loads with a cache: a file whose stamp (and whose placeholders' files'
/// stamps) did not change since `cache` saw it yields the entities `previous`
/// returns for its refs, without being read (shared, not copied). `previous`
/// must return entities as the last load produced them (relations are
/// derived again anyway). A file that is read yields `previous`'s entity,
/// too, for each of its entities that it describes the same as before.
///
/// `extra` entities (registered through an API, say) join the set before
/// duplicates are found and relations derived.
pub fn load_cached(
    roots: &[Source],
    urls: &dyn Reader,
    cache: &mut LoadCache,
    previous: &dyn Fn(&str) -> Option<Arc<Entity>>,
    extra: Vec<ParsedEntity>,
) -> LoadedCatalog {
    let mut out = LoadedCatalog::default();
    // As many as last time, most likely: sized once instead of by doubling.
    out.entities.reserve_exact(cache.files.values().map(|file| file.entities.len()).sum::<usize>() + extra.len());
    let mut queue: VecDeque<Target> = VecDeque::new();
    for root in roots {
        enqueue_root(root, &mut queue, &mut out.diagnostics);
    }
    let known = Known { urls, previous };
    let mut seen: HashSet<Source> = HashSet::new();
    while let Some(target) = queue.pop_front() {
        if !seen.insert(target.key.clone()) {
            continue;
        }
        // Each file is read once: its text gives both its stamp and its entities.
        let text = match target.source.read(urls) {
            Ok(text) => text,
            Err(message) if target.optional => {
                out.diagnostics
                    .push(Diagnostic::warning(at_file(&target.source.to_string()), format!("optional target skipped: {message}")));
                continue;
            }
            Err(message) => {
                out.diagnostics.push(Diagnostic::error(at_file(&target.source.to_string()), message.to_string()));
                continue;
            }
        };
        if yaml::mentions_other_specification(&text) {
            out.other_documents.push((target.source.to_string(), text.clone()));
        }
        let file_stamp = Stamp::of(&text);
        if !reuse_cached(&target, file_stamp, &known, cache, &mut queue, &mut out) {
            read_file(&target, &text, file_stamp, &known, cache, &mut queue, &mut out);
        }
    }
    // Forget files no longer reached.
    cache.files.retain(|path, _| seen.contains(path));
    out.entities.extend(extra);
    let keys = remove_duplicates(&mut out);
    derive_all_relations(&mut out, keys);
    out
}

fn enqueue_root(root: &Source, queue: &mut VecDeque<Target>, diagnostics: &mut Vec<Diagnostic>) {
    let origin: Arc<str> = root.location_ref().into();
    let target = |source, reach| Target::new(source, reach, false, &origin);
    match root {
        Source::File(path) if path.is_dir() => {
            for file in yaml_files(path, diagnostics) {
                queue.push_back(target(Source::File(file), Reach::Walked));
            }
        }
        Source::File(path) if !path.is_file() => {
            diagnostics.push(Diagnostic::error(at_file(&path.display().to_string()), "no such file or folder"));
        }
        Source::File(_) => queue.push_back(target(root.clone(), Reach::Named)),
        Source::Url(_) => queue.push_back(target(root.clone(), Reach::Target)),
    }
}

/// What a load reads besides files: URLs, and the catalog it replaces.
struct Known<'a> {
    urls: &'a dyn Reader,
    previous: &'a dyn Fn(&str) -> Option<Arc<Entity>>,
}

/// Takes a file's entities from `previous` when nothing it depends on changed.
fn reuse_cached(
    target: &Target,
    file_stamp: Stamp,
    known: &Known,
    cache: &LoadCache,
    queue: &mut VecDeque<Target>,
    out: &mut LoadedCatalog,
) -> bool {
    let Some(cached) = cache.files.get(&target.key) else { return false };
    if file_stamp != cached.stamp || cached.dependencies.iter().any(|(source, seen)| source.stamp(known.urls) != *seen) {
        return false;
    }
    let mut entities = Vec::with_capacity(cached.entities.len());
    for (key, location, kind_checked) in &cached.entities {
        match (known.previous)(key) {
            Some(entity) => entities.push(ParsedEntity { entity, location: location.clone(), kind_checked: *kind_checked }),
            None => return false, // deleted meanwhile: read the file again
        }
    }
    for parsed in &entities {
        if parsed.kind_checked && parsed.entity.kind.eq_ignore_ascii_case("location") {
            follow_location(parsed, &target.source, &target.origin, queue, &mut out.diagnostics);
        }
    }
    out.files.push(target.source.clone());
    out.diagnostics.extend(cached.diagnostics.iter().cloned());
    out.entities.extend(entities);
    true
}

fn read_file(
    target: &Target,
    text: &str,
    file_stamp: Stamp,
    known: &Known,
    cache: &mut LoadCache,
    queue: &mut VecDeque<Target>,
    out: &mut LoadedCatalog,
) {
    let name = target.source.to_string();
    out.files.push(target.source.clone());
    let mut substitution_problems = Vec::new();
    let mut dependencies = Vec::new();
    let mut produced = Vec::new();
    // One string for every entity of this file.
    let managed_by: Arc<str> = target.source.location_ref().into();
    let parse_problems = parse_each(&name, text, target.reach != Reach::Target, |mut parsed| {
        let key = parsed.entity.key();
        // Freshly parsed: not shared yet, so make_mut does not copy.
        let entity = Arc::make_mut(&mut parsed.entity);
        for (field, message) in substitute_tracking(&mut entity.spec, &target.source, known.urls, &mut dependencies) {
            substitution_problems
                .push(Diagnostic::warning(parsed.location.clone(), format!("{field}: {message}")).for_entity(Some(key.clone())));
        }
        let [location_key, origin_key] = &*MANAGED_BY_KEYS;
        entity.metadata.annotations.entry(location_key.clone()).or_insert_with(|| managed_by.clone());
        entity.metadata.annotations.entry(origin_key.clone()).or_insert_with(|| target.origin.clone());
        if parsed.kind_checked && parsed.entity.kind.eq_ignore_ascii_case("location") {
            follow_location(&parsed, &target.source, &target.origin, queue, &mut out.diagnostics);
        }
        // An entity the file still describes as before stays the one already
        // held (shared, not a second copy): what makes a restart, whose cache
        // is empty, or an edit of one entity in a file of many, cheap.
        if let Some(unchanged) = (known.previous)(&key).filter(|old| old.same_descriptor(&parsed.entity)) {
            parsed.entity = unchanged;
        }
        produced.push((key, parsed.location.clone(), parsed.kind_checked));
        out.entities.push(parsed);
    });
    let mut file_diagnostics = parse_problems;
    file_diagnostics.extend(substitution_problems);
    if target.reach == Reach::Named && produced.is_empty() && file_diagnostics.is_empty() && !yaml::mentions_other_specification(text) {
        file_diagnostics.push(Diagnostic::warning(
            at_file(&name),
            "holds no catalog descriptor (no document with `apiVersion` and `kind`): passed over",
        ));
    }
    out.diagnostics.extend(file_diagnostics.iter().cloned());
    cache
        .files
        .insert(target.key.clone(), CachedFile { stamp: file_stamp, dependencies, entities: produced, diagnostics: file_diagnostics });
}

fn follow_location(
    location: &ParsedEntity,
    file: &Source,
    origin: &Arc<str>,
    queue: &mut VecDeque<Target>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let spec = &location.entity.spec;
    let optional = spec.get("presence").and_then(Value::as_str) == Some("optional");
    let is_url_type = spec.get("type").and_then(Value::as_str) == Some("url");
    let targets = spec
        .get("target")
        .and_then(Value::as_str)
        .into_iter()
        .chain(spec.get("targets").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str));
    let entity_ref = Some(location.entity.key());
    let problem = |message: String| Diagnostic::error(location.location.clone(), message).for_entity(entity_ref.clone());
    let target = |source| Target::new(source, Reach::Target, optional, origin);
    for text in targets {
        // Relative targets of a url location resolve against the URL it was
        // read from (Backstage's validator accepts them); a file has no URL
        // to resolve them against.
        if is_url_type && !text.contains("://") && !file.is_url() {
            diagnostics.push(problem(format!(
                "target `{text}` is relative, and a location of type url read from a file has no URL to resolve it against: \
                 write an absolute URL"
            )));
            continue;
        }
        let source = match file.resolve(text) {
            Ok(source) => source,
            Err(message) => {
                diagnostics.push(problem(format!("target {message}")));
                continue;
            }
        };
        let Source::File(pattern) = source else {
            // `?` starts a URL's query (`?ref=main`): only `*` marks a glob here.
            if text.contains('*') {
                diagnostics.push(problem(format!("target `{text}`: globs can only match files, not URLs")));
            } else {
                queue.push_back(target(source));
            }
            continue;
        };
        let matches: Vec<PathBuf> = if text.contains(['*', '?', '[']) {
            match glob::glob(&pattern.to_string_lossy()) {
                Ok(paths) => paths.filter_map(Result::ok).filter(|p| p.is_file()).collect(),
                Err(error) => {
                    diagnostics.push(problem(format!("target `{text}` is not a valid glob: {error}")));
                    continue;
                }
            }
        } else if pattern.is_file() {
            vec![pattern.clone()]
        } else {
            Vec::new()
        };
        if matches.is_empty() && !optional {
            diagnostics.push(problem(format!("target `{text}` not found (looked for {})", pattern.display())));
        }
        queue.extend(matches.into_iter().map(|path| target(Source::File(path))));
    }
}

/// Derives relations in place (no copy of the catalog).
fn derive_all_relations(out: &mut LoadedCatalog, keys: Positions) {
    for unresolved in derive_relations_keyed(&mut out.entities, keys) {
        let parsed = &out.entities[unresolved.entity_index];
        out.diagnostics.push(
            Diagnostic::warning(parsed.location.clone(), format!("{}: `{}`: {}", unresolved.field, unresolved.target, unresolved.reason))
                .for_entity(Some(parsed.entity.key())),
        );
    }
}

fn at_file(name: &str) -> Location {
    Location { file: name.into(), line: 1, column: 1 }
}

fn yaml_files(path: &Path, diagnostics: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
        match entry {
            // A link to a file is read like one (the reader refuses one that leads out of its roots).
            Ok(entry) if entry.file_type().is_file() || (entry.path_is_symlink() && entry.path().is_file()) => {
                let is_yaml = entry.path().extension().is_some_and(|e| e == "yaml" || e == "yml");
                if is_yaml {
                    files.push(entry.into_path());
                }
            }
            Ok(_) => {}
            Err(error) => diagnostics
                .push(Diagnostic::error(at_file(&error.path().unwrap_or(path).display().to_string()), format!("cannot read: {error}"))),
        }
    }
    files
}

/// Keeps the first entity of each key and reports the others on both
/// sides; returns the keys of the entities kept, numbered.
fn remove_duplicates(out: &mut LoadedCatalog) -> Positions {
    // Positions of the later copies, ascending, and where each first was.
    let mut repeated = Vec::new();
    let keys = Positions::of(&out.entities, |at, first| repeated.push((at, first)));
    if repeated.is_empty() {
        return keys;
    }
    drop(keys);
    for &(at, first) in &repeated {
        let (parsed, first) = (&out.entities[at], &out.entities[first].location);
        let key = parsed.entity.key();
        out.diagnostics.push(
            Diagnostic::error(parsed.location.clone(), format!("entity `{key}` is already defined at {first}"))
                .for_entity(Some(key.clone())),
        );
        out.diagnostics.push(
            Diagnostic::error(first.clone(), format!("entity `{key}` is defined again at {}", parsed.location)).for_entity(Some(key)),
        );
    }
    let mut at = 0;
    let mut repeated = repeated.into_iter().map(|(at, _)| at).peekable();
    out.entities.retain(|_| {
        let keep = repeated.next_if_eq(&at).is_none();
        at += 1;
        keep
    });
    // Positions moved: numbered again (rare: duplicates are errors).
    Positions::of(&out.entities, |_, _| {})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UrlError;

    const GROUP: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team\nspec:\n  type: team\n  children: []\n";

    /// What keeps a large catalog small: strings every entity repeats are
    /// one allocation, not one per entity.
    #[test]
    fn repeated_strings_are_shared_between_entities() {
        let component = |name: &str| {
            format!(
                "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: {name}}}\nspec: {{type: service, lifecycle: production, owner: team}}\n---\n"
            )
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("all.yaml"), format!("{}{}{GROUP}", component("a"), component("b"))).unwrap();
        let loaded = load_paths(&[dir.path()]);
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        let [a, b] = [&loaded.entities[0].entity, &loaded.entities[1].entity];
        let same = |what: &str, pick: &dyn Fn(&Entity) -> Arc<str>| assert!(Arc::ptr_eq(&pick(a), &pick(b)), "{what} is one string");
        for annotation in [MANAGED_BY_LOCATION, MANAGED_BY_ORIGIN_LOCATION] {
            let entry = |e: &Entity| e.metadata.annotations.iter().find(|(k, _)| &***k == annotation).map(|(k, v)| (k.clone(), v.clone()));
            same(annotation, &|e| entry(e).unwrap().0);
            same(&format!("the value of {annotation}"), &|e| entry(e).unwrap().1);
        }
        same("a spec field name", &|e| e.spec.iter().find(|(k, _)| &***k == "lifecycle").unwrap().0.clone());
        let owned_by = |e: &Entity| e.relations.iter().find(|r| &*r.relation_type == "ownedBy").unwrap().clone();
        same("a relation type", &|e| owned_by(e).relation_type);
        same("a relation target", &|e| owned_by(e).target_ref);
    }

    #[test]
    fn folders_are_walked_and_duplicates_reported_on_both_sides() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("a.yaml"), GROUP).unwrap();
        std::fs::write(dir.path().join("sub/b.yml"), GROUP.replace("name: team", "name: TEAM")).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not yaml").unwrap();
        std::fs::write(dir.path().join("openapi.yaml"), "openapi: 3.0.0\ninfo: {title: x}\n").unwrap();
        let loaded = load_paths(&[dir.path()]);
        assert_eq!(loaded.files.len(), 3);
        assert_eq!(loaded.entities.len(), 1);
        let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].location.file.ends_with("b.yml"));
        assert!(errors[1].location.file.ends_with("a.yaml"));
    }

    #[test]
    fn locations_pull_in_files_once_with_globs_and_placeholders() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("teams")).unwrap();
        std::fs::write(d.join("teams/a.yaml"), GROUP).unwrap();
        std::fs::write(d.join("teams/b.yaml"), GROUP.replace("name: team", "name: team-b")).unwrap();
        std::fs::write(d.join("api.oas.yaml"), "openapi: 3.0.0\n").unwrap();
        std::fs::write(
            d.join("api.yaml"),
            "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: api}\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team\n  definition:\n    $text: ./api.oas.yaml\n",
        )
        .unwrap();
        let location = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: root}\nspec:\n  targets: [./teams/*.yaml, ./api.yaml, ./teams/a.yaml, ./missing.yaml]\n";
        std::fs::write(d.join("all.yaml"), location).unwrap();
        let loaded = load_paths(&[d.join("all.yaml"), d.join("api.yaml")]);
        let mut names: Vec<_> = loaded.entities.iter().map(|e| e.entity.metadata.name.clone()).collect();
        names.sort();
        assert_eq!(names, ["api", "root", "team", "team-b"], "each file once: {:?}", loaded.diagnostics);
        let api = &loaded.entities.iter().find(|e| e.entity.metadata.name == "api").unwrap().entity;
        assert_eq!(api.spec_str("definition"), Some("openapi: 3.0.0\n"));
        assert!(api.annotation(MANAGED_BY_LOCATION).unwrap().ends_with("api.yaml"));
        assert_eq!(
            api.annotation(MANAGED_BY_ORIGIN_LOCATION).unwrap(),
            api.annotation(MANAGED_BY_LOCATION).unwrap(),
            "a root is its own origin"
        );
        let team = &loaded.entities.iter().find(|e| e.entity.metadata.name == "team").unwrap().entity;
        assert!(team.annotation(MANAGED_BY_ORIGIN_LOCATION).unwrap().ends_with("all.yaml"), "reached through all.yaml");
        let errors: Vec<String> = loaded.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.message.clone()).collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("target `./missing.yaml` not found"));
    }

    #[test]
    fn the_cache_reads_only_changed_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.yaml"), GROUP).unwrap();
        std::fs::write(d.join("b.yaml"), GROUP.replace("name: team", "name: team-b")).unwrap();
        let mut cache = LoadCache::default();
        let first = load_cached(&[Source::File(d.to_path_buf())], &NoUrls, &mut cache, &|_| None, Vec::new());
        assert_eq!(first.entities.len(), 2);
        let previous: HashMap<String, Arc<Entity>> = first.entities.iter().map(|p| (p.entity.key(), p.entity.clone())).collect();
        // Unchanged: served from `previous`, marked so we can tell.
        let marked = |key: &str| {
            previous.get(key).cloned().map(|mut e| {
                Arc::make_mut(&mut e).metadata.title = Some("from cache".into());
                e
            })
        };
        let again = load_cached(&[Source::File(d.to_path_buf())], &NoUrls, &mut cache, &marked, Vec::new());
        assert!(again.entities.iter().all(|p| p.entity.metadata.title.as_deref() == Some("from cache")));
        // One file edited (same length, same instant): only it is read again.
        std::fs::write(d.join("b.yaml"), GROUP.replace("name: team", "name: team-b").replace("type: team", "type: crew")).unwrap();
        let edited = load_cached(&[Source::File(d.to_path_buf())], &NoUrls, &mut cache, &marked, Vec::new());
        let title = |name: &str| edited.entities.iter().find(|p| p.entity.metadata.name == name).unwrap().entity.metadata.title.clone();
        assert_eq!(title("team").as_deref(), Some("from cache"));
        assert_eq!(title("team-b"), None, "re-read");
        assert_eq!(edited.entities.iter().find(|p| p.entity.metadata.name == "team-b").unwrap().entity.spec_str("type"), Some("crew"));
        assert_eq!(edited.entities[0].entity.relations, first.entities[0].entity.relations, "relations derived again");
    }

    /// A restart (empty cache) or an edit of one entity in a file of many:
    /// the entities a read file describes as before stay the ones held.
    #[test]
    fn a_read_file_keeps_the_entities_it_describes_as_before() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("teams.yaml");
        let two = format!("{GROUP}---\n{}", GROUP.replace("name: team", "name: team-b"));
        std::fs::write(&file, &two).unwrap();
        let roots = [Source::File(dir.path().to_path_buf())];
        let first = load_cached(&roots, &NoUrls, &mut LoadCache::default(), &|_| None, Vec::new());
        let previous: HashMap<String, Arc<Entity>> = first.entities.iter().map(|p| (p.entity.key(), p.entity.clone())).collect();
        let held = |loaded: &LoadedCatalog, name: &str| {
            let entity = &loaded.entities.iter().find(|p| p.entity.metadata.name == name).unwrap().entity;
            Arc::ptr_eq(entity, &previous[&entity.key()])
        };
        // Empty cache, as after a restart: the file is read, nothing is new.
        let restarted = load_cached(&roots, &NoUrls, &mut LoadCache::default(), &|key| previous.get(key).cloned(), Vec::new());
        assert!(held(&restarted, "team") && held(&restarted, "team-b"));
        // One of the two edited: only it is a new entity.
        std::fs::write(&file, two.replacen("type: team", "type: crew", 1)).unwrap();
        let edited = load_cached(&roots, &NoUrls, &mut LoadCache::default(), &|key| previous.get(key).cloned(), Vec::new());
        assert!(!held(&edited, "team"), "edited");
        assert!(held(&edited, "team-b"));
        assert_eq!(edited.entities.iter().find(|p| p.entity.metadata.name == "team").unwrap().entity.spec_str("type"), Some("crew"));
    }

    /// URLs served from a map, counting reads.
    struct FakeUrls(HashMap<&'static str, &'static str>, std::cell::Cell<usize>);

    impl Reader for FakeUrls {
        fn read(&self, url: &str) -> Result<String, UrlError> {
            self.1.set(self.1.get() + 1);
            self.0.get(url).map(|t| t.to_string()).ok_or_else(|| UrlError::Status { code: 404, reason: "Not Found".into() })
        }

        fn may_read(&self, _: &str) -> Result<(), UrlError> {
            Ok(())
        }
    }

    #[test]
    fn url_locations_resolve_targets_and_placeholders_against_their_url() {
        let api = "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: api}\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team\n  definition: {$text: ./openapi.yaml}\n";
        let urls = FakeUrls(
            HashMap::from([
                (
                    "https://git.example/repo/catalog-info.yaml",
                    "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: repo}\nspec:\n  type: url\n  targets: [./team.yaml?ref=main, ./sub/api.yaml, ./gone.yaml, ./*.yaml]\n",
                ),
                ("https://git.example/repo/team.yaml?ref=main", GROUP),
                ("https://git.example/repo/sub/api.yaml", api),
                ("https://git.example/repo/sub/openapi.yaml", "openapi: 3.0.0\n"),
            ]),
            std::cell::Cell::new(0),
        );
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join("all.yaml");
        std::fs::write(&local, "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: local}\nspec:\n  type: url\n  targets: [https://git.example/repo/catalog-info.yaml, ./relative.yaml]\n").unwrap();
        let mut cache = LoadCache::default();
        let loaded = load_cached(&[Source::File(local.clone())], &urls, &mut cache, &|_| None, Vec::new());
        let mut names: Vec<_> = loaded.entities.iter().map(|e| e.entity.metadata.name.as_str()).collect();
        names.sort();
        assert_eq!(names, ["api", "local", "repo", "team"], "{:?}", loaded.diagnostics);
        let api = &loaded.entities.iter().find(|e| e.entity.metadata.name == "api").unwrap().entity;
        assert_eq!(api.spec_str("definition"), Some("openapi: 3.0.0\n"), "relative to the API's own URL");
        assert_eq!(api.annotation(MANAGED_BY_LOCATION).unwrap(), "url:https://git.example/repo/sub/api.yaml");
        assert!(api.annotation(MANAGED_BY_ORIGIN_LOCATION).unwrap().starts_with("file:"), "reached from the local file");
        let mut problems: Vec<String> = loaded.diagnostics.iter().map(|d| format!("{}: {}", d.location.file, d.message)).collect();
        problems.sort();
        assert_eq!(problems.len(), 3, "{problems:#?}");
        let relative = loaded.diagnostics.iter().find(|d| d.message.contains("./relative.yaml")).unwrap();
        assert!(relative.to_string().contains("all.yaml:1:1: error:"), "named with file:line:column: {relative}");
        assert!(
            problems[0].ends_with("all.yaml: target `./relative.yaml` is relative, and a location of type url read from a file has no URL to resolve it against: write an absolute URL"),
            "{problems:#?}"
        );
        assert_eq!(problems[1], "https://git.example/repo/catalog-info.yaml: target `./*.yaml`: globs can only match files, not URLs");
        assert_eq!(problems[2], "https://git.example/repo/gone.yaml: cannot read URL: HTTP 404 Not Found");
        assert!(cache.reads_urls());
        // Unchanged URLs are read (to see whether they changed) but not parsed again.
        let previous: HashMap<String, Arc<Entity>> = loaded.entities.iter().map(|p| (p.entity.key(), p.entity.clone())).collect();
        let reads = urls.1.get();
        let again = load_cached(&[Source::File(local)], &urls, &mut cache, &|key| previous.get(key).cloned(), Vec::new());
        assert_eq!(again.entities.len(), 4);
        assert_eq!(urls.1.get() - reads, 5, "3 descriptors at URLs + 1 missing + 1 placeholder, each once");
    }

    #[test]
    fn missing_path_is_an_error() {
        let loaded = load_paths(&["/no/such/place"]);
        assert!(loaded.has_errors());
    }
}
