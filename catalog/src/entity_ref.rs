//! Entity references: `[kind:][namespace/]name`, compared case-insensitively.

use std::fmt;

use serde::{Deserialize, Serialize};

pub const DEFAULT_NAMESPACE: &str = "default";

/// A reference to an entity. Stored as written; compared and stringified in
/// lower case, as Backstage does (`component:default/artist-lookup`).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema, Deserialize)]
pub struct EntityRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    #[error("entity reference is empty")]
    Empty,
    #[error("entity reference `{0}` has an empty kind, namespace or name")]
    EmptyPart(String),
    #[error("entity reference `{0}` has no kind and none can be inferred here")]
    MissingKind(String),
}

impl EntityRef {
    pub fn new(kind: &str, namespace: &str, name: &str) -> Self {
        Self { kind: kind.to_string(), namespace: namespace.to_string(), name: name.to_string() }
    }

    /// Parses `[kind:][namespace/]name`, filling in what is missing from the
    /// defaults (Backstage's rules: the field decides the default kind, the
    /// referring entity decides the default namespace).
    pub fn parse(text: &str, default_kind: Option<&str>, default_namespace: &str) -> Result<Self, RefError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(RefError::Empty);
        }
        let (kind, rest) = match text.split_once(':') {
            Some((kind, rest)) => (Some(kind), rest),
            None => (None, text),
        };
        let (namespace, name) = match rest.split_once('/') {
            Some((namespace, name)) => (Some(namespace), name),
            None => (None, rest),
        };
        let kind = match kind.or(default_kind) {
            Some(kind) => kind,
            None => return Err(RefError::MissingKind(text.to_string())),
        };
        let namespace = namespace.unwrap_or(default_namespace);
        if kind.is_empty() || namespace.is_empty() || name.is_empty() {
            return Err(RefError::EmptyPart(text.to_string()));
        }
        Ok(Self::new(kind, namespace, name))
    }

    /// The canonical lower-case key, `kind:namespace/name`.
    pub fn key(&self) -> String {
        key_of(&self.kind, &self.namespace, &self.name)
    }
}

/// `kind:namespace/name` in lower case, built in one allocation (a reload
/// computes it for every entity several times).
pub fn key_of(kind: &str, namespace: &str, name: &str) -> String {
    let mut key = String::with_capacity(kind.len() + namespace.len() + name.len() + 2);
    push_key(&mut key, kind, namespace, name);
    key
}

/// What a key is made of, in order: lower-cased and joined, the key.
fn key_parts<'a>(kind: &'a str, namespace: &'a str, name: &'a str) -> [&'a str; 5] {
    [kind, ":", namespace, "/", name]
}

/// Appends what [`key_of`] returns to `key`.
pub fn push_key(key: &mut String, kind: &str, namespace: &str, name: &str) {
    for part in key_parts(kind, namespace, name) {
        key.extend(part.chars().flat_map(char::to_lowercase));
    }
}

/// Whether [`key_of`] would return `key`, without building it.
pub fn is_key_of(key: &str, kind: &str, namespace: &str, name: &str) -> bool {
    let parts = key_parts(kind, namespace, name);
    if parts.iter().all(|part| part.is_ascii()) {
        // ASCII keeps its length when lower-cased: byte by byte (every
        // reload compares 50,000 keys this way).
        let mut rest = key.as_bytes();
        return parts.iter().all(|part| {
            let matches = rest.len() >= part.len() && part.bytes().zip(rest).all(|(a, &b)| a.to_ascii_lowercase() == b);
            rest = &rest[part.len().min(rest.len())..];
            matches
        }) && rest.is_empty();
    }
    parts.iter().flat_map(|part| part.chars().flat_map(char::to_lowercase)).eq(key.chars())
}

impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

impl PartialEq for EntityRef {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for EntityRef {}

impl std::hash::Hash for EntityRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key().hash(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_missing_parts() {
        let r = EntityRef::parse("team-a", Some("Group"), "default").unwrap();
        assert_eq!(r.to_string(), "group:default/team-a");
        let r = EntityRef::parse("ops/team-b", Some("Group"), "default").unwrap();
        assert_eq!(r.to_string(), "group:ops/team-b");
        let r = EntityRef::parse("user:jdoe", Some("Group"), "payments").unwrap();
        assert_eq!(r.to_string(), "user:payments/jdoe");
    }

    #[test]
    fn comparison_ignores_case() {
        let a = EntityRef::parse("Component:Default/Svc", None, "default").unwrap();
        let b = EntityRef::parse("component:default/svc", None, "default").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.name, "Svc", "the written form is kept");
    }

    #[test]
    fn rejects_empty_and_kindless() {
        assert_eq!(EntityRef::parse(" ", Some("Group"), "default"), Err(RefError::Empty));
        assert!(matches!(EntityRef::parse("x", None, "default"), Err(RefError::MissingKind(_))));
        assert!(matches!(EntityRef::parse("group:/x", None, "default"), Err(RefError::EmptyPart(_))));
    }
}
