//! An in-memory, read-optimised view of the catalog with Backstage's query
//! semantics: the server answers every catalog read from here (the database
//! is for durability).
//!
//! - Every entity is flattened into lower-case `(key, value)` pairs, like
//!   Backstage's search table: `kind=component`, `metadata.tags=java`,
//!   `relations.ownedby=group:default/team-a`. Values over 200 characters are
//!   not indexed.
//! - A [`Filter`] is a list of alternatives (ORed); each alternative is a list
//!   of conditions (ANDed); a condition is `key=value` (several values for one
//!   key within an alternative are ORed) or `key` alone (the field exists).
//! - `uid` (UUID v5 of the entity ref) and `etag` (hash of the content) are
//!   derived, so every replica agrees on them without coordination.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use serde_json::{Map, Value};

use crate::entity::Entity;

const MAX_VALUE_LENGTH: usize = 200;

/// `kind=component,spec.type=service` per alternative; alternatives ORed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub alternatives: Vec<Vec<Condition>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    pub key: String,
    /// `None`: the field only has to exist.
    pub value: Option<String>,
}

impl Filter {
    /// Parses Backstage's `filter` query parameters (one string per parameter).
    pub fn parse<S: AsRef<str>>(params: &[S]) -> Result<Self, String> {
        let mut alternatives = Vec::new();
        for param in params {
            let mut conditions = Vec::new();
            for part in param.as_ref().split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (key, value) = match part.split_once('=') {
                    Some((k, v)) => (k.trim(), Some(v.trim().to_lowercase())),
                    None => (part, None),
                };
                if key.is_empty() {
                    return Err(format!("filter `{}` has an empty key", param.as_ref()));
                }
                conditions.push(Condition { key: key.to_lowercase(), value });
            }
            if !conditions.is_empty() {
                alternatives.push(conditions);
            }
        }
        Ok(Self { alternatives })
    }

    pub fn is_empty(&self) -> bool {
        self.alternatives.is_empty()
    }
}

/// Sort direction for [`OrderField`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderField {
    pub field: String,
    pub direction: Direction,
}

/// One entity as the index keeps it.
#[derive(Debug)]
pub struct IndexedEntity {
    /// `kind:namespace/name`, lower case.
    pub key: String,
    pub uid: String,
    /// The entity in Backstage's JSON shape, with `metadata.uid` and `etag`.
    pub json: Value,
    pub entity: Entity,
    pairs: Vec<(String, String)>,
}

impl IndexedEntity {
    /// The first indexed value of a field (lower case), for sorting.
    pub fn value_of(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn values_of<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Default)]
pub struct CatalogIndex {
    entities: Vec<IndexedEntity>,
    by_key: HashMap<String, usize>,
    by_uid: HashMap<String, usize>,
    /// key → value → entity ids (ascending).
    postings: HashMap<String, HashMap<String, Vec<u32>>>,
}

/// A set of entity ids as a bitset: cheap AND / OR at catalog sizes.
#[derive(Clone)]
struct Ids(Vec<u64>);

impl Ids {
    fn empty(n: usize) -> Self {
        Ids(vec![0; n.div_ceil(64)])
    }
    fn all(n: usize) -> Self {
        let mut ids = Ids(vec![u64::MAX; n.div_ceil(64)]);
        if !n.is_multiple_of(64)
            && let Some(last) = ids.0.last_mut()
        {
            *last = (1u64 << (n % 64)) - 1;
        }
        ids
    }
    fn insert(&mut self, id: u32) {
        self.0[id as usize / 64] |= 1 << (id % 64);
    }
    fn and(&mut self, other: &Ids) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a &= b);
    }
    fn or(&mut self, other: &Ids) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a |= b);
    }
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &bits)| (0..64).filter(move |b| bits & (1 << b) != 0).map(move |b| w * 64 + b))
    }
}

/// The stable UUID of an entity ref.
pub fn uid_for(key: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, format!("meridian:{key}").as_bytes()).to_string()
}

fn etag_for(json: &Value) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    json.to_string().hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

impl CatalogIndex {
    pub fn new(entities: Vec<Entity>) -> Self {
        Self::with_problems(entities, &[])
    }

    /// Like [`Self::new`], attaching each diagnostic that names an entity to
    /// that entity's `status.items`, in Backstage's shape.
    pub fn with_problems(entities: Vec<Entity>, problems: &[crate::Diagnostic]) -> Self {
        let mut status: HashMap<&str, Vec<Value>> = HashMap::new();
        for d in problems {
            if let Some(entity_ref) = &d.entity_ref {
                let level = if d.is_error() { "error" } else { "warning" };
                let name = if d.is_error() { "InputError" } else { "Warning" };
                let message = format!("{}: {}", d.location, d.message);
                status.entry(entity_ref.as_str()).or_default().push(serde_json::json!({
                    "type": "backstage.io/catalog-processing",
                    "level": level,
                    "message": message,
                    "error": { "name": name, "message": message },
                }));
            }
        }
        let mut index = CatalogIndex::default();
        let mut entities = entities;
        entities.sort_by_cached_key(|e| e.entity_ref().key());
        for entity in entities {
            let key = entity.entity_ref().key();
            let uid = uid_for(&key);
            let mut json = serde_json::to_value(&entity).unwrap_or(Value::Null);
            if let Some(metadata) = json.get_mut("metadata").and_then(Value::as_object_mut) {
                metadata.insert("uid".into(), Value::String(uid.clone()));
            }
            let etag = etag_for(&json);
            if let Some(metadata) = json.get_mut("metadata").and_then(Value::as_object_mut) {
                metadata.insert("etag".into(), Value::String(etag));
            }
            if let (Some(items), Some(object)) = (status.get(key.as_str()), json.as_object_mut()) {
                object.insert("status".into(), serde_json::json!({ "items": items }));
            }
            let pairs = flatten(&json);
            let id = index.entities.len() as u32;
            for (k, v) in &pairs {
                let list = index.postings.entry(k.clone()).or_default().entry(v.clone()).or_default();
                if list.last() != Some(&id) {
                    list.push(id);
                }
            }
            index.by_key.insert(key.clone(), id as usize);
            index.by_uid.insert(uid.clone(), id as usize);
            index.entities.push(IndexedEntity { key, uid, json, entity, pairs });
        }
        index
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
        self.by_key.get(&entity_ref.to_lowercase()).map(|&i| &self.entities[i])
    }

    /// The position of an entity (as used by [`Self::filter`]).
    pub fn position(&self, key: &str) -> Option<usize> {
        self.by_key.get(key).copied()
    }

    pub fn get_by_uid(&self, uid: &str) -> Option<&IndexedEntity> {
        self.by_uid.get(uid).map(|&i| &self.entities[i])
    }

    fn ids_for(&self, key: &str, value: Option<&str>) -> Ids {
        let mut ids = Ids::empty(self.entities.len());
        if let Some(values) = self.postings.get(key) {
            let lists: Vec<&Vec<u32>> = match value {
                Some(v) => values.get(v).into_iter().collect(),
                None => values.values().collect(),
            };
            for list in lists {
                for &id in list {
                    ids.insert(id);
                }
            }
        }
        ids
    }

    /// Entity positions matching `filter`, in ref order.
    pub fn filter(&self, filter: &Filter) -> Vec<usize> {
        let n = self.entities.len();
        if filter.is_empty() {
            return (0..n).collect();
        }
        let mut result = Ids::empty(n);
        for alternative in &filter.alternatives {
            // Conditions on the same key are alternatives of one another.
            let mut by_key: BTreeMap<&str, Vec<Option<&str>>> = BTreeMap::new();
            for c in alternative {
                by_key.entry(&c.key).or_default().push(c.value.as_deref());
            }
            let mut matched = Ids::all(n);
            for (key, values) in by_key {
                let mut any = Ids::empty(n);
                for value in values {
                    any.or(&self.ids_for(key, value));
                }
                matched.and(&any);
            }
            result.or(&matched);
        }
        result.iter().filter(|&i| i < n).collect()
    }

    /// Sorts positions by the given fields (missing values last), then by ref.
    pub fn sort(&self, ids: &mut [usize], order: &[OrderField]) {
        if order.is_empty() {
            return;
        }
        ids.sort_by(|&a, &b| {
            for o in order {
                let (va, vb) = (self.entities[a].value_of(&o.field.to_lowercase()), self.entities[b].value_of(&o.field.to_lowercase()));
                let ordering = match (va, vb) {
                    (Some(x), Some(y)) => match o.direction {
                        Direction::Asc => x.cmp(y),
                        Direction::Desc => y.cmp(x),
                    },
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                };
                if ordering.is_ne() {
                    return ordering;
                }
            }
            a.cmp(&b)
        });
    }

    /// Keeps positions whose `fields` (default: name, title, description,
    /// tags, owner) contain `term`, case-insensitively.
    pub fn full_text(&self, ids: &mut Vec<usize>, term: &str, fields: &[String]) {
        let term = term.trim().to_lowercase();
        if term.is_empty() {
            return;
        }
        const DEFAULT: &[&str] =
            &["metadata.name", "metadata.title", "metadata.description", "metadata.tags", "spec.owner", "spec.profile.displayname"];
        let fields: Vec<String> = if fields.is_empty() {
            DEFAULT.iter().map(|f| f.to_string()).collect()
        } else {
            fields.iter().map(|f| f.to_lowercase()).collect()
        };
        ids.retain(|&i| fields.iter().any(|f| self.entities[i].values_of(f).any(|v| v.contains(&term))));
    }

    /// Value counts of each facet among `ids`, most frequent first.
    pub fn facets(&self, ids: &[usize], facets: &[String]) -> BTreeMap<String, Vec<(String, usize)>> {
        let mut out = BTreeMap::new();
        for facet in facets {
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for &i in ids {
                // Each entity counts once per distinct value, with its original case.
                let mut seen: Vec<&str> = Vec::new();
                for value in original_values(&self.entities[i].json, facet) {
                    if !seen.contains(&value) {
                        seen.push(value);
                        *counts.entry(value).or_default() += 1;
                    }
                }
            }
            let mut list: Vec<(String, usize)> = counts.into_iter().map(|(v, c)| (v.to_string(), c)).collect();
            list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            out.insert(facet.clone(), list);
        }
        out
    }
}

/// String values at a dotted path (arrays fan out), keeping their case.
/// Keys may themselves contain dots (`metadata.annotations.backstage.io/x`).
pub fn original_values<'a>(json: &'a Value, path: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    collect_path(json, path, &mut out);
    out
}

fn collect_path<'a>(value: &'a Value, path: &str, out: &mut Vec<&'a str>) {
    match value {
        Value::Array(items) => items.iter().for_each(|item| collect_path(item, path, out)),
        Value::Object(map) if !path.is_empty() => {
            for (key, child) in map {
                if path.eq_ignore_ascii_case(key) {
                    collect_path(child, "", out);
                } else if path.len() > key.len() && path.as_bytes()[key.len()] == b'.' && path[..key.len()].eq_ignore_ascii_case(key) {
                    collect_path(child, &path[key.len() + 1..], out);
                }
            }
        }
        Value::String(s) if path.is_empty() => out.push(s),
        _ => {}
    }
}

/// Keeps only `fields` (dotted paths) of an entity, as Backstage's `fields=`.
pub fn project(json: &Value, fields: &[String]) -> Value {
    if fields.is_empty() {
        return json.clone();
    }
    let mut out = Value::Object(Map::new());
    for field in fields {
        copy_path(json, field, &mut out);
    }
    out
}

fn copy_path(source: &Value, path: &str, target: &mut Value) {
    let (Value::Object(map), Value::Object(out)) = (source, &mut *target) else { return };
    for (key, child) in map {
        if path == key {
            out.insert(key.clone(), child.clone());
        } else if path.len() > key.len() && path.as_bytes()[key.len()] == b'.' && path.starts_with(key.as_str()) && child.is_object() {
            let slot = out.entry(key.clone()).or_insert_with(|| Value::Object(Map::new()));
            copy_path(child, &path[key.len() + 1..], slot);
        }
    }
}

/// Lower-case `(key, value)` pairs of an entity's JSON, as Backstage's
/// search table: leaves by dotted path, array items under their array's key,
/// relations as `relations.<type>` → target ref.
fn flatten(json: &Value) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    if let Value::Object(map) = json {
        for (key, value) in map {
            if key == "relations" {
                for r in value.as_array().into_iter().flatten() {
                    if let (Some(t), Some(target)) = (r.get("type").and_then(Value::as_str), r.get("targetRef").and_then(Value::as_str)) {
                        pairs.push((format!("relations.{}", t.to_lowercase()), target.to_lowercase()));
                    }
                }
            } else {
                walk(value, &key.to_lowercase(), &mut pairs);
            }
        }
    }
    pairs
}

fn walk(value: &Value, path: &str, pairs: &mut Vec<(String, String)>) {
    let text = match value {
        Value::Object(map) => {
            for (key, child) in map {
                walk(child, &format!("{path}.{}", key.to_lowercase()), pairs);
            }
            return;
        }
        Value::Array(items) => {
            items.iter().for_each(|item| walk(item, path, pairs));
            return;
        }
        Value::String(s) => s.to_lowercase(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => return,
    };
    if text.len() <= MAX_VALUE_LENGTH && path.len() <= MAX_VALUE_LENGTH {
        pairs.push((path.to_string(), text));
    }
}

#[cfg(test)]
mod tests {
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
        let mut entities: Vec<Entity> = crate::parse_str("t", text).entities.into_iter().map(|p| p.entity).collect();
        crate::derive_relations(&mut entities);
        CatalogIndex::new(entities)
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
        assert_eq!(index.get_by_uid(&web.uid).unwrap().key, "component:default/web");
        assert_eq!(web.json["metadata"]["uid"], web.uid.as_str());
        assert_eq!(web.uid, uid_for("component:default/web"), "uids are stable");
        let projected = project(&web.json, &["kind".into(), "metadata.name".into()]);
        assert_eq!(projected, serde_json::json!({"kind": "Component", "metadata": {"name": "Web"}}));

        let facets = index.facets(&index.filter(&Filter::default()), &["kind".into(), "metadata.tags".into()]);
        assert_eq!(facets["kind"], [("Component".to_string(), 2), ("Group".to_string(), 1)]);
        assert_eq!(facets["metadata.tags"].len(), 3);

        let mut ids = index.filter(&Filter::default());
        index.full_text(&mut ids, "STORE", &[]);
        assert_eq!(names(&index, &ids), ["Web"]);
    }
}
