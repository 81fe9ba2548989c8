//! The entity in Backstage's JSON shape: what the REST API returns and the
//! database stores.

//!
//! Memory matters here: a large catalog holds every entity at once. Maps are
//! sorted vectors (`LiteMap`: a component's `spec` or annotations take a few
//! hundred bytes instead of a `BTreeMap` node each), and a relation's type is
//! a static string and its target shared with the target entity's own key.

use std::borrow::Cow;
use std::sync::Arc;

use litemap::LiteMap;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::entity_ref::EntityRef;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entity {
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    #[serde(default, skip_serializing_if = "LiteMap::is_empty")]
    pub spec: LiteMap<String, Value>,
    #[serde(default)]
    pub relations: Vec<Relation>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub name: String,
    #[serde(default = "default_namespace")]
    pub namespace: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "LiteMap::is_empty")]
    pub labels: LiteMap<String, String>,
    #[serde(default, skip_serializing_if = "LiteMap::is_empty")]
    pub annotations: LiteMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Value>,
    /// Backstage allows further metadata fields; they are kept as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

pub fn default_namespace() -> String {
    crate::entity_ref::DEFAULT_NAMESPACE.to_string()
}

/// A directed, typed link from this entity to another (`ownedBy`, `dependsOn`, ...).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Relation {
    /// One of the catalog's own types (static), or as read if unknown.
    #[serde(rename = "type", deserialize_with = "relation_type")]
    pub relation_type: Cow<'static, str>,
    /// `kind:namespace/name`, lower case; shared with the target's key.
    pub target_ref: Arc<str>,
}

fn relation_type<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Cow<'static, str>, D::Error> {
    let name = String::deserialize(deserializer)?;
    Ok(crate::relations::RELATION_TYPES.iter().find(|t| **t == name).map_or(Cow::Owned(name), |t| Cow::Borrowed(*t)))
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

    /// An annotation's value, if present.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata.annotations.get(key).map(String::as_str)
    }

    /// A string field of `spec`, if present.
    pub fn spec_str(&self, field: &str) -> Option<&str> {
        self.spec.get(field).and_then(Value::as_str)
    }

    /// Targets of relations of one type, in order.
    pub fn relation_targets<'a>(&'a self, relation_type: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.relations.iter().filter(move |r| r.relation_type == relation_type).map(|r| &*r.target_ref)
    }
}
