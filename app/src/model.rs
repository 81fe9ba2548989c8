//! View models: what pages render. The server fills them through the port.

use serde::{Deserialize, Serialize};

/// One row of the catalog list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntitySummary {
    /// `kind:namespace/name`, lower case.
    pub entity_ref: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
}

impl EntitySummary {
    /// The UI path of the entity page.
    pub fn href(&self) -> String {
        entity_href(&self.entity_ref)
    }
}

/// One page of catalog search results, with facets over all matches.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchView {
    /// Entities in the catalog.
    pub catalog_size: usize,
    /// Entities matching (may exceed `items.len()`).
    pub total: usize,
    pub items: Vec<EntitySummary>,
    pub facets: Vec<FacetView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FacetView {
    /// Filter key, e.g. `spec.type`.
    pub field: String,
    pub label: String,
    pub values: Vec<(String, usize)>,
}

/// Percent-encodes a query-string value.
pub fn encode_query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A Backstage filter string (`kind=component,spec.type=service`) with
/// `field=value` added, or removed when already there.
pub fn toggle_filter(filter: &str, field: &str, value: &str) -> String {
    let condition = format!("{field}={value}");
    let mut parts: Vec<&str> = filter.split(',').filter(|p| !p.is_empty()).collect();
    match parts.iter().position(|p| p.eq_ignore_ascii_case(&condition)) {
        Some(i) => {
            parts.remove(i);
        }
        None => parts.push(&condition),
    }
    parts.join(",")
}

/// `/catalog/{namespace}/{kind}/{name}` for a `kind:namespace/name` ref.
pub fn entity_href(entity_ref: &str) -> String {
    let (kind, rest) = entity_ref.split_once(':').unwrap_or(("component", entity_ref));
    let (namespace, name) = rest.split_once('/').unwrap_or(("default", rest));
    format!("/catalog/{namespace}/{kind}/{name}")
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RelationView {
    pub relation_type: String,
    pub target_ref: String,
}

/// An observed call to or from the entity, from trace data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObservedEdge {
    /// The other end: its node name and kind.
    pub peer: String,
    pub peer_kind: String,
    /// Entity page of the peer when it is in the catalog.
    pub peer_entity_ref: Option<String>,
    pub connection_type: String,
    pub requests: u64,
    pub errors: u64,
    pub p95_ms: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntityDetail {
    pub summary: EntitySummary,
    pub relations: Vec<RelationView>,
    pub annotations: Vec<(String, String)>,
    /// The window the observed edges cover, e.g. `1h`.
    pub observed_window: String,
    pub callers: Vec<ObservedEdge>,
    pub callees: Vec<ObservedEdge>,
    /// Problems found loading the entity: `file:line:column: message`.
    pub problems: Vec<Problem>,
}

/// What registering YAML did, or (in a preview) would do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegistrationView {
    pub applied: bool,
    pub entities: Vec<EntitySummary>,
    pub added: Vec<String>,
    pub replaced: Vec<String>,
    /// `request:line:column: message`; any error means nothing is applied.
    pub problems: Vec<Problem>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// `error` or `warning`.
    pub level: String,
    pub message: String,
}

/// A graph laid out on the server, ready to draw as SVG.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GraphLayout {
    pub window: String,
    pub width: f64,
    pub height: f64,
    pub nodes: Vec<LaidOutNode>,
    pub edges: Vec<LaidOutEdge>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaidOutNode {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub entity_ref: Option<String>,
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaidOutEdge {
    pub source: String,
    pub target: String,
    pub connection_type: String,
    pub requests: u64,
    pub errors: u64,
    pub p95_ms: f64,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_toggle_and_values_encode() {
        assert_eq!(toggle_filter("", "kind", "Component"), "kind=Component");
        assert_eq!(toggle_filter("kind=Component", "spec.type", "service"), "kind=Component,spec.type=service");
        assert_eq!(toggle_filter("kind=Component,spec.type=service", "kind", "component"), "spec.type=service");
        assert_eq!(encode_query_value("group:default/a b"), "group%3Adefault%2Fa%20b");
    }

    #[test]
    fn hrefs() {
        assert_eq!(entity_href("component:default/checkout"), "/catalog/default/component/checkout");
        assert_eq!(entity_href("group:ops/sre"), "/catalog/ops/group/sre");
    }
}
