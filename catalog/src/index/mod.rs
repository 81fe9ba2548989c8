//! An in-memory, read-optimised view of the catalog with Backstage's query
//! semantics: the server answers every catalog read from here (the database
//! is for durability).
//!
//! - Every entity is flattened into lower-case `(key, value)` pairs, like
//!   Backstage's search table: `kind=component`, `metadata.tags=java`,
//!   `relations.ownedby=group:default/team-a`. Values over 200 characters are
//!   not indexed. Keys and values are interned: each distinct string is held
//!   once, pairs are two `u32`s.
//! - Postings ([`postings`]) map each `(key, value)` to the entities that
//!   have it; filters ([`filter`]), facets ([`facets`]), full-text and
//!   ranked search ([`search`]) work on postings and bitsets ([`bitset`]),
//!   never by walking every entity.
//! - A reload builds a new index beside the one serving; the postings and
//!   full-text corpus of entities unchanged since the last full build are
//!   shared between them, not built again ([`layers`]).
//! - Entities become pairs in [`flatten`]; [`order`] sorts and [`project`]
//!   trims their JSON (`fields=`).
//! - Entities are kept once, typed; their Backstage JSON (with `uid`, `etag`
//!   and `status`) is produced on demand. `uid` (UUID v5 of the entity ref) and
//!   `etag` (hash of the content) are derived, so replicas agree on them.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

mod bitset;
mod corpus;
mod facets;
mod filter;
mod flatten;
pub(crate) mod interner;
mod layers;
mod order;
mod postings;
mod project;
mod search;

use flatten::flatten;
use interner::{Interner, LayeredInterner};
use layers::{Layers, SegmentEntity};
use postings::Originals;

pub use filter::{Condition, Filter, FilterError};
pub use order::{Direction, OrderField};
pub use project::project;
pub use search::{SearchHit, SearchResult};

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;
use serde_json::Value;
use uuid::Uuid;

use crate::entity::Entity;

/// One entity as the index keeps it.
#[derive(Debug)]
pub struct IndexedEntity {
    pub uid: Uuid,
    /// A hash of the content; `metadata.etag` is its hex form.
    etag: u64,
    /// Shared with the loader and with the next index of a reload.
    pub entity: Arc<Entity>,
    /// `status.items` (problems), when there are any.
    status: Option<Box<Value>>,
    /// Interned (key id, value id) pairs; shared with the next index of a
    /// reload while the entity is unchanged.
    pairs: Arc<[(u32, u32)]>,
}

impl IndexedEntity {
    /// `kind:namespace/name`, lower case. Computed, not kept: at 50,000
    /// entities the keys were 2.7 MiB (BENCHMARKS.md).
    pub fn key(&self) -> String {
        self.entity.key()
    }

    /// The entity in Backstage's JSON shape, with `metadata.uid`, `etag` and
    /// `status`.
    pub fn to_json(&self) -> Value {
        let mut json = serde_json::to_value(&self.entity).unwrap_or(Value::Null);
        if let Some(metadata) = json.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.insert("uid".into(), Value::String(self.uid.to_string()));
            metadata.insert("etag".into(), Value::String(format!("{:016x}", self.etag)));
        }
        if let (Some(status), Some(object)) = (&self.status, json.as_object_mut()) {
            object.insert("status".into(), Value::clone(status));
        }
        json
    }
}

/// Whether `added` entries kept apart from a shared base of `base` entries
/// should be merged into a new base: once they are more than an eighth of
/// it. The value strings ([`interner`]) and the postings ([`layers`]) both
/// follow it: the full copy is paid rarely, and the part kept apart stays
/// small enough to read beside the base at little cost.
fn outgrows_base(added: usize, base: usize) -> bool {
    added > base / 8
}

/// Fields searched by full text when none are given.
const FULL_TEXT_FIELDS: &[&str] =
    &["metadata.name", "metadata.title", "metadata.description", "metadata.tags", "spec.owner", "spec.profile.displayname"];

#[derive(Debug, Default)]
pub struct CatalogIndex {
    entities: Vec<IndexedEntity>,
    /// Positions in `entities`, found by the hash of their `key`.
    by_key: HashTable<u32>,
    /// Positions in `entities`, found by the hash of their `uid`.
    by_uid: HashTable<u32>,
    keys: Interner,
    /// Shared with the previous and next index of a reload (see [`LayeredInterner`]).
    values: LayeredInterner,
    /// Postings and full-text corpus, partly shared with the previous and
    /// next index of a reload (see [`layers`]).
    layers: Layers,
}

/// Where an entity of a new index comes from.
enum Origin {
    /// New, or different from the previous index's version.
    Changed,
    /// As in the previous index; `base_id` when it is in that index's base.
    Unchanged { base_id: Option<u32> },
}

/// The stable UUID of an entity ref.
pub fn uid_for(key: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("meridian:{key}").as_bytes())
}

fn etag_for(entity: &Entity) -> u64 {
    crate::stable_hash(&serde_json::to_vec(entity).unwrap_or_default())
}

fn status_items(problems: &[crate::Diagnostic]) -> HashMap<&str, Vec<Value>> {
    let mut status: HashMap<&str, Vec<Value>> = HashMap::new();
    for d in problems {
        if let Some(entity_ref) = &d.entity_ref {
            let (level, name) = (d.severity.as_str(), if d.is_error() { "InputError" } else { "Warning" });
            let message = format!("{}: {}", d.location, d.message);
            status.entry(entity_ref.as_str()).or_default().push(serde_json::json!({
                "type": "backstage.io/catalog-processing",
                "level": level,
                "message": message,
                "error": { "name": name, "message": message },
            }));
        }
    }
    status
}

impl CatalogIndex {
    pub fn new(entities: Vec<impl Into<Arc<Entity>>>) -> Self {
        Self::with_problems(entities, &[])
    }

    /// Like [`Self::new`], attaching each diagnostic that names an entity to
    /// that entity's `status.items`, in Backstage's shape.
    pub fn with_problems(entities: Vec<impl Into<Arc<Entity>>>, problems: &[crate::Diagnostic]) -> Self {
        Self::build(entities.into_iter().map(Into::into).collect(), problems, None)
    }

    /// A new index for `entities` that reuses `previous`'s work for every
    /// entity that did not change (its interned strings and flattened pairs),
    /// so a one-file edit of a large catalog costs little more than the file.
    /// Strings no entity uses any more are dropped only by a full [`Self::new`].
    pub fn rebuild(previous: &CatalogIndex, entities: Vec<Arc<Entity>>, problems: &[crate::Diagnostic]) -> Self {
        Self::build(entities, problems, Some(previous))
    }

    fn build(entities: Vec<Arc<Entity>>, problems: &[crate::Diagnostic], previous: Option<&CatalogIndex>) -> Self {
        let status = status_items(problems);
        let mut index = CatalogIndex::default();
        if let Some(previous) = previous {
            index.keys = previous.keys.clone();
            index.values = previous.values.for_next_index();
        }
        index.entities.reserve_exact(entities.len());
        // Sized once; both tables are empty, so nothing is rehashed.
        index.by_key.reserve(entities.len(), |_| 0);
        index.by_uid.reserve(entities.len(), |_| 0);
        let mut entities: Vec<(String, Arc<Entity>)> = entities.into_iter().map(|e| (e.key(), e)).collect();
        entities.sort_by(|a, b| a.0.cmp(&b.0));
        let full_text_keys: Vec<u32> = FULL_TEXT_FIELDS.iter().map(|f| index.keys.intern(f)).collect();
        // Which of the previous index's positions are in its base, and as what id.
        let previous_base_ids = previous.map(|p| p.layers.base_ids(p.len())).unwrap_or_default();
        let mut origins = Vec::with_capacity(entities.len());
        // Spellings of the changed entities' values (the unchanged ones' are
        // in the previous index).
        let mut originals = Originals::default();
        let mut flat = Vec::new();
        for (key, entity) in entities {
            let id = index.entities.len() as u32;
            let unchanged = previous
                .and_then(|p| p.position(&key).map(|at| (at, &p.entities[at])))
                .filter(|(_, old)| Arc::ptr_eq(&old.entity, &entity) || old.entity == entity);
            let (uid, etag, pairs) = match unchanged {
                Some((at, old)) => {
                    origins.push(Origin::Unchanged { base_id: previous_base_ids[at] });
                    (old.uid, old.etag, Arc::clone(&old.pairs))
                }
                None => {
                    origins.push(Origin::Changed);
                    flat.clear();
                    flatten(&entity, &mut flat);
                    let mut pairs = Vec::with_capacity(flat.len());
                    for (k, original) in flat.drain(..) {
                        let lower = original.to_lowercase();
                        let (kid, vid) = (index.keys.intern(&k), index.values.intern(&lower));
                        pairs.push((kid, vid));
                        if original != lower {
                            originals.offer(kid, vid, id, || original.into_boxed_str());
                        }
                    }
                    (uid_for(&key), etag_for(&entity), Arc::from(pairs))
                }
            };
            let entity_status = status.get(key.as_str()).map(|items| Box::new(serde_json::json!({ "items": items })));
            let entities = &index.entities;
            index
                .by_key
                .insert_unique(FxBuildHasher.hash_one(key.as_str()), id, |&i| FxBuildHasher.hash_one(entities[i as usize].key().as_str()));
            index.by_uid.insert_unique(FxBuildHasher.hash_one(uid), id, |&i| FxBuildHasher.hash_one(entities[i as usize].uid));
            index.entities.push(IndexedEntity { uid, etag, entity, status: entity_status, pairs });
        }
        // Done with new strings: shrink them before the postings are built
        // (the build's peak).
        index.values.freeze();
        index.layers = index.layers_for(&origins, originals, &full_text_keys, previous);
        index
    }

    /// The postings and corpus of a built index: on the previous index's
    /// base when few entities changed since it was built, or a new base.
    fn layers_for(&self, origins: &[Origin], mut originals: Originals, full_text_keys: &[u32], previous: Option<&CatalogIndex>) -> Layers {
        let values = &self.values;
        let full_text = |key: u32, value: u32| full_text_keys.contains(&key).then(|| values.text(value));
        let in_segment = |position: usize| SegmentEntity { id: position as u32, pairs: &self.entities[position].pairs };
        // An unchanged entity in a new segment keeps its spellings.
        let keep_spellings = |position: usize, originals: &mut Originals| {
            if let (Some(previous), Origin::Unchanged { .. }) = (previous, &origins[position]) {
                for &(kid, vid) in self.entities[position].pairs.iter() {
                    if let Some(written) = previous.layers.original(kid, vid) {
                        originals.offer(kid, vid, position as u32, || written.into());
                    }
                }
            }
        };
        let outside_base = origins.iter().filter(|o| !matches!(o, Origin::Unchanged { base_id: Some(_) })).count();
        match previous.filter(|p| !p.layers.needs_new_base(outside_base)) {
            Some(previous) => {
                let mut base_positions = previous.layers.empty_base_positions();
                let mut delta = Vec::with_capacity(outside_base);
                for (position, origin) in origins.iter().enumerate() {
                    match origin {
                        Origin::Unchanged { base_id: Some(base_id) } => base_positions[*base_id as usize] = position as u32,
                        _ => {
                            keep_spellings(position, &mut originals);
                            delta.push(in_segment(position));
                        }
                    }
                }
                Layers::on_base(&previous.layers, base_positions, &delta, originals, &full_text)
            }
            None => {
                let all: Vec<SegmentEntity> = (0..origins.len())
                    .map(|position| {
                        keep_spellings(position, &mut originals);
                        in_segment(position)
                    })
                    .collect();
                Layers::full(&all, originals, &full_text)
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }

    pub fn entities(&self) -> &[IndexedEntity] {
        &self.entities
    }

    /// By `kind:namespace/name` (any case).
    pub fn get(&self, entity_ref: &str) -> Option<&IndexedEntity> {
        // Reloads look up every entity by its key, already lower case: no copy then.
        let lowers_to_itself = |c: char| {
            let mut lower = c.to_lowercase();
            lower.next() == Some(c) && lower.next().is_none()
        };
        let key = if entity_ref.chars().all(lowers_to_itself) {
            std::borrow::Cow::Borrowed(entity_ref)
        } else {
            std::borrow::Cow::Owned(entity_ref.to_lowercase())
        };
        self.position(&key).map(|i| &self.entities[i])
    }

    /// The position of an entity (as used by [`Self::filter`]).
    pub fn position(&self, key: &str) -> Option<usize> {
        self.by_key.find(FxBuildHasher.hash_one(key), |&i| self.entities[i as usize].entity.has_key(key)).map(|&i| i as usize)
    }

    pub fn get_by_uid(&self, uid: &str) -> Option<&IndexedEntity> {
        let uid = Uuid::parse_str(uid).ok()?;
        self.by_uid.find(FxBuildHasher.hash_one(uid), |&i| self.entities[i as usize].uid == uid).map(|&i| &self.entities[i as usize])
    }
}

/// Test support: entities (with relations) and an index from YAML text.
#[cfg(test)]
pub(crate) mod test_support {
    use super::CatalogIndex;
    use crate::entity::Entity;
    use std::sync::Arc;

    pub fn entities(text: &str) -> Vec<Arc<Entity>> {
        let mut entities: Vec<Arc<Entity>> = crate::parse_str("t", text).entities.into_iter().map(|p| p.entity).collect();
        crate::derive_relations(&mut entities);
        entities
    }

    pub fn index(text: &str) -> CatalogIndex {
        CatalogIndex::new(entities(text))
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::entities;
    use super::*;

    fn index() -> CatalogIndex {
        let text = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: checkout, tags: [java, payments], annotations: {backstage.io/techdocs-ref: dir:.}}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: Web, title: Storefront Web, tags: [react]}
spec: {type: website, lifecycle: experimental, owner: team-b}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
";
        super::test_support::index(text)
    }

    fn names(index: &CatalogIndex, ids: &[usize]) -> Vec<String> {
        ids.iter().map(|&i| index.entities()[i].entity.metadata.name.clone()).collect()
    }

    #[test]
    fn backstage_filter_semantics() {
        let index = index();
        let run = |params: &[&str]| names(&index, &index.filter(&Filter::parse(params).unwrap()));
        assert_eq!(run(&[]), ["checkout", "Web", "team-a"]);
        assert_eq!(run(&["kind=Component,spec.type=SERVICE"]), ["checkout"], "AND within one filter, values case-insensitive");
        assert_eq!(run(&["spec.type=service", "kind=group"]), ["checkout", "team-a"], "OR across filters");
        assert_eq!(run(&["spec.type=service,spec.type=website"]), ["checkout", "Web"], "same key twice: either value");
        assert_eq!(run(&["metadata.tags=react"]), ["Web"], "arrays match any item");
        assert_eq!(run(&["relations.ownedBy=group:default/team-a"]), ["checkout"]);
        assert_eq!(run(&["metadata.title"]), ["Web"], "key alone: field exists");
        assert_eq!(run(&["metadata.annotations.backstage.io/techdocs-ref=dir:."]), ["checkout"]);
        assert_eq!(run(&["kind=nothing"]), Vec::<String>::new());
        assert_eq!(run(&["no.such.key=x"]), Vec::<String>::new());
        assert!(Filter::parse(&["=x"]).is_err());
    }

    #[test]
    fn order_project_facets_full_text_and_lookups() {
        let index = index();
        let mut ids = index.filter(&Filter::default());
        index.sort(&mut ids, &[OrderField { field: "metadata.title".into(), direction: Direction::Asc }]);
        assert_eq!(names(&index, &ids), ["Web", "checkout", "team-a"], "missing values last, then ref order");
        index.sort(&mut ids, &[OrderField { field: "metadata.name".into(), direction: Direction::Desc }]);
        assert_eq!(names(&index, &ids), ["Web", "team-a", "checkout"]);

        let web = index.get("COMPONENT:default/web").unwrap();
        assert_eq!(index.get_by_uid(&web.uid.to_string()).unwrap().key(), "component:default/web");
        let json = web.to_json();
        assert_eq!(json["metadata"]["uid"], web.uid.to_string());
        assert_eq!(json["metadata"]["etag"], format!("{:016x}", web.etag));
        assert_eq!(web.uid, uid_for("component:default/web"), "uids are stable");
        let projected = project(&json, &["kind".into(), "metadata.name".into()]);
        assert_eq!(projected, serde_json::json!({"kind": "Component", "metadata": {"name": "Web"}}));

        let facets = index.facets(&Filter::default(), &["kind".into(), "metadata.tags".into()]);
        assert_eq!(facets["kind"], [("Component".to_string(), 2), ("Group".to_string(), 1)], "values as written");
        assert_eq!(facets["metadata.tags"].len(), 3);
        let filtered = index.facets(&Filter::parse(&["spec.type=website"]).unwrap(), &["kind".into()]);
        assert_eq!(filtered["kind"], [("Component".to_string(), 1)]);

        // The default fields use the one-buffer corpus; other field lists walk
        // the postings. Both must agree (the reversed list takes the slow path).
        let reversed: Vec<String> = FULL_TEXT_FIELDS.iter().rev().map(|f| f.to_string()).collect();
        for term in ["e", "STORE", "team-a", "eb", "nothing-like-it", "c w"] {
            let (mut fast, mut slow) = (index.filter(&Filter::default()), index.filter(&Filter::default()));
            index.full_text(&mut fast, term, &[]);
            index.full_text(&mut slow, term, &reversed);
            assert_eq!(fast, slow, "{term}");
        }
        let mut ids = index.filter(&Filter::default());
        index.full_text(&mut ids, "STORE", &[]);
        assert_eq!(names(&index, &ids), ["Web"]);
    }

    #[test]
    fn rebuild_reuses_unchanged_entities_and_sees_changes() {
        let first = index();
        let mut entities: Vec<Arc<Entity>> = first.entities().iter().map(|e| e.entity.clone()).collect();
        entities.retain(|e| e.metadata.name != "team-a");
        Arc::make_mut(entities.iter_mut().find(|e| e.metadata.name == "Web").unwrap()).metadata.tags = vec!["vue".into()];
        let second = CatalogIndex::rebuild(&first, entities, &[]);
        let run = |index: &CatalogIndex, params: &[&str]| names(index, &index.filter(&Filter::parse(params).unwrap()));
        assert_eq!(run(&second, &[]), ["checkout", "Web"]);
        assert_eq!(run(&second, &["metadata.tags=react"]), Vec::<String>::new(), "old values are gone");
        assert_eq!(run(&second, &["metadata.tags=vue"]), ["Web"]);
        assert_eq!(run(&second, &["metadata.tags=java"]), ["checkout"], "reused pairs still match");
        assert_eq!(second.get("component:default/checkout").unwrap().etag, first.get("component:default/checkout").unwrap().etag);
        assert_ne!(second.get("component:default/web").unwrap().etag, first.get("component:default/web").unwrap().etag);
        assert_eq!(second.facets(&Filter::default(), &["kind".into()])["kind"], [("Component".to_string(), 2)]);
    }

    /// Groups `team-0..3` and components `svc-NNN` for `numbers`, each
    /// tagged `tag(n)`, owned by a team, of two types.
    fn org(numbers: &[usize], tag: impl Fn(usize) -> &'static str) -> Vec<Arc<Entity>> {
        let mut text = String::new();
        for team in 0..3 {
            text += &format!(
                "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {{name: team-{team}}}\nspec: {{type: team, children: []}}\n---\n"
            );
        }
        for &n in numbers {
            let (title, kind) = (if n % 2 == 0 { "Alpha" } else { "Beta" }, if n % 4 == 0 { "website" } else { "service" });
            text += &format!(
                "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: svc-{n:03}, title: Service {n} {title}, tags: [{}]}}\n\
                 spec: {{type: {kind}, lifecycle: production, owner: team-{}}}\n---\n",
                tag(n),
                n % 3
            );
        }
        test_support::entities(&text)
    }

    /// What an index answers to a spread of queries, as text.
    fn answers(index: &CatalogIndex) -> Vec<String> {
        let keys = |ids: &[usize]| ids.iter().map(|&i| index.entities()[i].key()).collect::<Vec<_>>().join(" ");
        let filters: [&[&str]; 6] = [
            &[],
            &["kind=component"],
            &["metadata.tags=kotlin"],
            &["metadata.tags=java,spec.type=website", "metadata.tags=kotlin"],
            &["relations.ownedby=group:default/team-1"],
            &["metadata.tags"],
        ];
        let mut out: Vec<String> = filters.iter().map(|f| keys(&index.filter(&Filter::parse(f).unwrap()))).collect();
        let facets: Vec<String> = ["kind", "spec.type", "metadata.tags", "metadata.title"].map(String::from).into();
        out.push(format!("{:?}", index.facets(&Filter::default(), &facets)));
        out.push(format!("{:?}", index.facets(&Filter::parse(&["spec.type=website"]).unwrap(), &facets)));
        for term in ["service 1", "BETA", "team-2", "kotl"] {
            for fields in [vec![], vec!["metadata.tags".to_string(), "metadata.title".to_string()]] {
                let mut ids = index.filter(&Filter::default());
                index.full_text(&mut ids, term, &fields);
                out.push(keys(&ids));
            }
        }
        let found = index.search("servce 12 kotlin", &Filter::default(), &facets, 10);
        let hits: Vec<(String, u32)> = found.hits.iter().map(|h| (index.entities()[h.position].key(), h.score)).collect();
        out.push(format!("{hits:?} {:?}", found.facets));
        let mut ids = index.filter(&Filter::default());
        index.sort(&mut ids, &[OrderField { field: "metadata.title".into(), direction: Direction::Desc }]);
        out.push(keys(&ids));
        out.extend(index.entities().iter().map(|e| format!("{} {} {:x}", e.key(), e.uid, e.etag)));
        out
    }

    #[test]
    fn a_reload_on_a_shared_base_answers_as_a_fresh_index() {
        let mut numbers: Vec<usize> = (0..64).collect();
        let mut kotlin = Vec::new();
        let mut index = CatalogIndex::new(org(&numbers, |n| if n % 5 == 0 { "Java" } else { "go" }));
        let (mut on_shared_base, mut on_new_base) = (0, 0);
        // Each round re-tags two components, removes one (shifting the
        // positions after it) and adds one: the changes pile up in the delta
        // until they outgrow an eighth of the base, then a new base is built.
        for round in 0..6 {
            kotlin.extend([round * 7 + 1, round * 7 + 2]);
            numbers.retain(|&n| n != round * 7 + 3);
            numbers.push(100 + round);
            let entities = org(&numbers, |n| {
                if kotlin.contains(&n) {
                    "Kotlin"
                } else if n % 5 == 0 {
                    "Java"
                } else {
                    "go"
                }
            });
            let next = CatalogIndex::rebuild(&index, entities.clone(), &[]);
            assert_eq!(answers(&next), answers(&CatalogIndex::new(entities)), "round {round}");
            if next.layers.shares_base_with(&index.layers) {
                on_shared_base += 1;
            } else {
                on_new_base += 1;
            }
            index = next;
        }
        assert!(on_shared_base > 0 && on_new_base > 0, "both ways were taken: {on_shared_base} shared, {on_new_base} new");
    }

    #[test]
    fn problems_become_status_items() {
        let entities = entities("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\nspec: {type: team, children: []}\n");
        let problem = crate::Diagnostic::warning(crate::Location { file: "f.yaml".into(), line: 3, column: 5 }, "look here")
            .for_entity(Some("group:default/g".into()));
        let index = CatalogIndex::with_problems(entities, &[problem]);
        let json = index.get("group:default/g").unwrap().to_json();
        assert_eq!(json["status"]["items"][0]["level"], "warning");
        assert_eq!(json["status"]["items"][0]["message"], "f.yaml:3:5: look here");
    }
}
