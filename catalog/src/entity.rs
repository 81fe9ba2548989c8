//! The entity in Backstage's JSON shape: what the REST API returns and the
//! database stores.
//!
//! Memory matters here: a large catalog holds every entity at once. Maps are
//! sorted vectors (`LiteMap`: a component's `spec` or annotations take a few
//! hundred bytes instead of a `BTreeMap` node each), and strings every entity
//! repeats (`apiVersion`, `kind` and the namespace, a relation's type and
//! target, known `spec` field names, the managed-by annotations) are shared
//! `Arc<str>`s.

use std::sync::{Arc, LazyLock};

use litemap::LiteMap;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::entity_ref::EntityRef;

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entity {
    /// Shared: every entity repeats one of a few (see [`common`]).
    #[serde(deserialize_with = "common")]
    #[schema(value_type = String)]
    pub api_version: Arc<str>,
    #[serde(deserialize_with = "common")]
    #[schema(value_type = String)]
    pub kind: Arc<str>,
    pub metadata: Metadata,
    #[serde(default, skip_serializing_if = "LiteMap::is_empty", deserialize_with = "spec")]
    #[schema(value_type = Object)]
    pub spec: Spec,
    #[serde(default)]
    pub relations: Vec<Relation>,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub name: String,
    #[serde(default = "default_namespace", deserialize_with = "common")]
    #[schema(value_type = String)]
    pub namespace: Arc<str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "LiteMap::is_empty")]
    #[schema(value_type = HashMap<String, String>)]
    pub labels: LiteMap<String, String>,
    /// Shared strings: every entity of a file carries the same
    /// `managed-by-location` annotations (keys and values), so they are one
    /// allocation each, not one per entity.
    #[serde(default, skip_serializing_if = "LiteMap::is_empty")]
    #[schema(value_type = HashMap<String, String>)]
    pub annotations: LiteMap<Arc<str>, Arc<str>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Value>,
    /// Backstage allows further metadata fields; they are kept as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

pub fn default_namespace() -> Arc<str> {
    common_str(crate::entity_ref::DEFAULT_NAMESPACE)
}

/// Values of `apiVersion`, `kind` and `metadata.namespace` that most
/// entities share (Backstage's versions and kinds, the default namespace):
/// one allocation each, not one per entity.
const COMMON: [&str; 12] = [
    "backstage.io/v1alpha1",
    "backstage.io/v1beta1",
    "default",
    "API",
    "Component",
    "Domain",
    "Group",
    "Location",
    "Resource",
    "System",
    "Template",
    "User",
];
static SHARED_COMMON: LazyLock<[Arc<str>; 12]> = LazyLock::new(|| COMMON.map(Arc::from));

/// `text` as a shared string: the one of [`COMMON`] when it is one.
pub fn common_str(text: &str) -> Arc<str> {
    shared_or_new(&*SHARED_COMMON, text)
}

/// The string of `shared` equal to `text` (one allocation for every
/// entity), else a new one.
fn shared_or_new(shared: &[Arc<str>], text: &str) -> Arc<str> {
    shared.iter().find(|known| ***known == *text).cloned().unwrap_or_else(|| Arc::from(text))
}

fn common<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Arc<str>, D::Error> {
    Ok(common_str(&String::deserialize(deserializer)?))
}

/// A directed, typed link from this entity to another (`ownedBy`, `dependsOn`, ...).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Relation {
    /// One of the catalog's own types (a string shared by every relation of
    /// that type), or as read if unknown.
    #[serde(rename = "type", deserialize_with = "relation_type")]
    #[schema(value_type = String)]
    pub relation_type: Arc<str>,
    /// `kind:namespace/name`, lower case; shared with the target's key.
    #[schema(value_type = String)]
    pub target_ref: Arc<str>,
}

/// Decodes stored entities (the JSON the database holds) one at a time, so
/// that they share the strings a load from files shares: relation targets
/// and annotation keys and values. Decoded on their own, each entity had its
/// own copy of each, and a restart held far more than a load from files
/// (BENCHMARKS.md).
#[derive(Default)]
pub struct StoredEntityDecoder {
    strings: rustc_hash::FxHashSet<Arc<str>>,
}

impl StoredEntityDecoder {
    pub fn decode(&mut self, json: &str) -> serde_json::Result<Entity> {
        let mut entity: Entity = serde_json::from_str(json)?;
        let annotations = std::mem::take(&mut entity.metadata.annotations);
        entity.metadata.annotations = annotations.iter().map(|(key, value)| (self.share(key), self.share(value))).collect();
        for relation in &mut entity.relations {
            relation.target_ref = self.share(&relation.target_ref);
        }
        entity.relations.shrink_to_fit();
        // Lists decoded from JSON grow by doubling: a one-element list had room for four.
        entity.metadata.tags.shrink_to_fit();
        entity.spec.iter_mut().for_each(|(_, value)| shrink_lists(value));
        Ok(entity)
    }

    /// The first copy of `text` this decoder saw.
    fn share(&mut self, text: &Arc<str>) -> Arc<str> {
        if let Some(shared) = self.strings.get(&**text) {
            return shared.clone();
        }
        self.strings.insert(text.clone());
        text.clone()
    }
}

fn shrink_lists(value: &mut Value) {
    match value {
        Value::Array(items) => {
            items.shrink_to_fit();
            items.iter_mut().for_each(shrink_lists);
        }
        Value::Object(fields) => fields.values_mut().for_each(shrink_lists),
        _ => {}
    }
}

/// An entity's `spec`: field names are shared strings when they are ones
/// Backstage's kinds define (every entity repeats them).
pub type Spec = LiteMap<Arc<str>, Value>;

/// The `spec` fields of Backstage's kinds.
const KNOWN_SPEC_FIELDS: [&str; 22] = [
    "type",
    "lifecycle",
    "owner",
    "system",
    "domain",
    "providesApis",
    "consumesApis",
    "dependsOn",
    "dependencyOf",
    "subcomponentOf",
    "subdomainOf",
    "parent",
    "children",
    "members",
    "memberOf",
    "profile",
    "definition",
    "target",
    "targets",
    "presence",
    "remotes",
    "implementsApis",
];
static SHARED_SPEC_FIELDS: LazyLock<[Arc<str>; 22]> = LazyLock::new(|| KNOWN_SPEC_FIELDS.map(Arc::from));

/// A `spec` field name: the shared string when it is a known field.
pub fn spec_field(name: &str) -> Arc<str> {
    shared_or_new(&*SHARED_SPEC_FIELDS, name)
}

fn spec<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Spec, D::Error> {
    let fields = LiteMap::<String, Value>::deserialize(deserializer)?;
    Ok(fields.into_iter().map(|(name, value)| (spec_field(&name), value)).collect())
}

fn relation_type<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Arc<str>, D::Error> {
    let name = String::deserialize(deserializer)?;
    Ok(crate::relations::shared_relation_type(&name).unwrap_or_else(|| Arc::from(name)))
}

impl Entity {
    pub fn entity_ref(&self) -> EntityRef {
        EntityRef::new(&self.kind, &self.metadata.namespace, &self.metadata.name)
    }

    /// `kind:namespace/name`, lower case: what [`EntityRef::key`] gives,
    /// without copying the parts first.
    pub fn key(&self) -> String {
        crate::entity_ref::key_of(&self.kind, &self.metadata.namespace, &self.metadata.name)
    }

    /// Whether [`Self::key`] is `key`, without building it.
    pub fn has_key(&self, key: &str) -> bool {
        crate::entity_ref::is_key_of(key, &self.kind, &self.metadata.namespace, &self.metadata.name)
    }

    /// Whether both say the same apart from their relations, which are
    /// derived from the whole catalog rather than written in the descriptor.
    pub fn same_descriptor(&self, other: &Entity) -> bool {
        // Destructured so that a new field cannot be left out of the comparison.
        let Entity { api_version, kind, metadata, spec, relations: _ } = self;
        *api_version == other.api_version && *kind == other.kind && *metadata == other.metadata && *spec == other.spec
    }

    /// An annotation's value, if present.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata.annotations.get(key).map(|value| &**value)
    }

    /// A string field of `spec`, if present.
    pub fn spec_str(&self, field: &str) -> Option<&str> {
        self.spec.get(field).and_then(Value::as_str)
    }

    /// The service a component appears as in traces: its name, or
    /// `namespace/name` outside the default namespace; none for other kinds.
    pub fn service_name(&self) -> Option<String> {
        if !self.kind.eq_ignore_ascii_case("component") {
            return None;
        }
        Some(match self.metadata.namespace.eq_ignore_ascii_case(crate::entity_ref::DEFAULT_NAMESPACE) {
            true => self.metadata.name.to_string(),
            false => format!("{}/{}", self.metadata.namespace, self.metadata.name),
        })
    }

    /// Targets of relations of one type, in order.
    pub fn relation_targets<'a>(&'a self, relation_type: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.relations.iter().filter(move |r| *r.relation_type == *relation_type).map(|r| &*r.target_ref)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_key_is_key_without_building_it() {
        let entity = |kind: &str, namespace: &str, name: &str| {
            let mut entity: Entity = serde_json::from_value(serde_json::json!({
                "apiVersion": "backstage.io/v1alpha1", "kind": kind, "metadata": {"name": name, "namespace": namespace}
            }))
            .unwrap();
            entity.metadata.namespace = common_str(namespace);
            entity
        };
        for (kind, namespace, name) in [("Component", "default", "Checkout-API"), ("Group", "Ops", "TEAM"), ("System", "Ünï", "Straße")]
        {
            let e = entity(kind, namespace, name);
            let key = e.key();
            assert!(e.has_key(&key), "{key}");
            for other in [&key[..key.len() - 1], &format!("{key}x"), &key.to_uppercase(), "", "component:default/"] {
                assert!(!e.has_key(other) || other == key, "{key} is not {other}");
            }
        }
        assert!(entity("API", "default", "a").has_key("api:default/a"));
        assert!(!entity("API", "default", "a").has_key("api:defaulta/"));
        assert!(!entity("API", "default", "a").has_key("api/default:a"));
    }

    #[test]
    fn stored_entities_decode_unchanged_and_share_their_repeated_strings() {
        let component = |name: &str| {
            format!(
                "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  annotations: {{github.com/project-slug: acme/{name}, backstage.io/source-location: 'url:https://git/acme'}}\n  tags: [java]\nspec: {{type: service, lifecycle: production, owner: team, dependsOn: [resource:db]}}\n---\n"
            )
        };
        let text = format!("{}{}", component("a"), component("b"));
        let mut parsed = crate::parse_str("all.yaml", &text).entities;
        crate::derive_relations(&mut parsed);
        let stored: Vec<String> = parsed.iter().map(|p| serde_json::to_string(&*p.entity).unwrap()).collect();

        let mut decoder = StoredEntityDecoder::default();
        let [a, b]: [Entity; 2] = stored.iter().map(|json| decoder.decode(json).unwrap()).collect::<Vec<_>>().try_into().unwrap();
        assert_eq!(a, *parsed[0].entity);
        assert_eq!(b, *parsed[1].entity);
        let owner = |e: &Entity| e.relations.iter().find(|r| &*r.relation_type == "ownedBy").unwrap().target_ref.clone();
        assert!(Arc::ptr_eq(&owner(&a), &owner(&b)), "a relation target is one string");
        let annotation =
            |e: &Entity, key: &str| e.metadata.annotations.iter().find(|(k, _)| &***k == key).map(|(k, v)| (k.clone(), v.clone())).unwrap();
        let (a_key, a_value) = annotation(&a, "backstage.io/source-location");
        let (b_key, b_value) = annotation(&b, "backstage.io/source-location");
        assert!(Arc::ptr_eq(&a_key, &b_key) && Arc::ptr_eq(&a_value, &b_value), "an annotation is one key and one value");
        assert_eq!(a.metadata.tags.capacity(), 1, "lists hold no spare room");
        assert_eq!(a.spec.get("dependsOn").and_then(Value::as_array).unwrap().capacity(), 1);
    }
}
