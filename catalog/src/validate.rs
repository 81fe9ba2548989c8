//! Backstage's validation rules, checked on the positioned YAML tree so that
//! every problem names its line and column.
//!
//! The rules mirror `@backstage/catalog-model`: object names, DNS-label
//! namespaces, allowed root fields, and the required/typed `spec` fields of
//! each built-in kind.

use std::sync::LazyLock;

use marked_yaml::Node;
use marked_yaml::types::MarkedMappingNode;
use regex::Regex;

use crate::diagnostic::{Diagnostic, Location};
use crate::yaml::Document;

pub const API_VERSIONS: &[&str] = &["backstage.io/v1alpha1", "backstage.io/v1beta1"];
const ROOT_FIELDS: &[&str] = &["apiVersion", "kind", "metadata", "spec", "relations", "status"];

static NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$").expect("static regex"));
static DNS_LABEL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z0-9]+(?:-+[a-z0-9]+)*$").expect("static regex"));
static KIND: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-zA-Z][a-z0-9A-Z]*$").expect("static regex"));
static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$").expect("static regex"));

#[derive(Clone, Copy)]
enum Shape {
    Text,
    TextList,
    Mapping,
}

struct Field {
    name: &'static str,
    shape: Shape,
    required: bool,
}

const fn req(name: &'static str, shape: Shape) -> Field {
    Field { name, shape, required: true }
}
const fn opt(name: &'static str, shape: Shape) -> Field {
    Field { name, shape, required: false }
}

/// The `spec` fields of each built-in kind (lower-case kind → fields).
fn spec_fields(kind: &str) -> Option<&'static [Field]> {
    use Shape::*;
    const COMPONENT: &[Field] = &[
        req("type", Text),
        req("lifecycle", Text),
        req("owner", Text),
        opt("system", Text),
        opt("subcomponentOf", Text),
        opt("providesApis", TextList),
        opt("consumesApis", TextList),
        opt("dependsOn", TextList),
        opt("dependencyOf", TextList),
    ];
    const API: &[Field] = &[req("type", Text), req("lifecycle", Text), req("owner", Text), req("definition", Text), opt("system", Text)];
    const SYSTEM: &[Field] = &[req("owner", Text), opt("domain", Text)];
    const DOMAIN: &[Field] = &[req("owner", Text), opt("subdomainOf", Text)];
    const RESOURCE: &[Field] =
        &[req("type", Text), req("owner", Text), opt("dependsOn", TextList), opt("dependencyOf", TextList), opt("system", Text)];
    const GROUP: &[Field] =
        &[req("type", Text), req("children", TextList), opt("parent", Text), opt("members", TextList), opt("profile", Mapping)];
    const USER: &[Field] = &[opt("memberOf", TextList), opt("profile", Mapping)];
    const LOCATION: &[Field] = &[opt("type", Text), opt("target", Text), opt("targets", TextList), opt("presence", Text)];
    Some(match kind {
        "component" => COMPONENT,
        "api" => API,
        "system" => SYSTEM,
        "domain" => DOMAIN,
        "resource" => RESOURCE,
        "group" => GROUP,
        "user" => USER,
        "location" => LOCATION,
        _ => return None,
    })
}

/// What validation learned about a document, besides its problems.
pub struct Checked {
    pub diagnostics: Vec<Diagnostic>,
    /// `kind:namespace/name` when kind and name could be read.
    pub entity_ref: Option<String>,
}

pub fn check(doc: &Document) -> Checked {
    let mut v = Validator { doc, diagnostics: Vec::new() };
    let entity_ref = v.check_root();
    for d in &mut v.diagnostics {
        d.entity_ref = entity_ref.clone();
    }
    Checked { diagnostics: v.diagnostics, entity_ref }
}

struct Validator<'a> {
    doc: &'a Document,
    diagnostics: Vec<Diagnostic>,
}

impl Validator<'_> {
    fn error(&mut self, node: &Node, message: String) {
        self.diagnostics.push(Diagnostic::error(self.doc.location(node), message));
    }

    /// A missing field is reported at the key of the mapping that should hold
    /// it (`spec:`), or at the document start for root fields.
    fn missing(&mut self, parent: Option<Location>, message: String) {
        let location = parent.unwrap_or_else(|| self.doc.start());
        self.diagnostics.push(Diagnostic::error(location, message));
    }

    fn check_root(&mut self) -> Option<String> {
        let Some(root) = self.doc.root.as_mapping() else {
            self.error(&self.doc.root.clone(), "a descriptor must be a YAML mapping".into());
            return None;
        };
        for (key, _) in root.iter() {
            if !ROOT_FIELDS.contains(&key.as_str()) {
                self.diagnostics.push(Diagnostic::error(
                    self.doc.location(&Node::Scalar(key.clone())),
                    format!("unknown root field `{}`; allowed: {}", key.as_str(), ROOT_FIELDS.join(", ")),
                ));
            }
        }
        let kind = self.required_text(root, None, "kind", "kind");
        let api_version = self.required_text(root, None, "apiVersion", "apiVersion");
        if let Some((kind, node)) = &kind
            && !KIND.is_match(kind)
        {
            self.error(node, format!("kind `{kind}` is not a valid kind name"));
        }
        let known_kind = kind.as_ref().and_then(|(k, _)| spec_fields(&k.to_lowercase()));
        if let (Some((version, node)), Some(_)) = (&api_version, known_kind)
            && !API_VERSIONS.contains(&version.as_str())
        {
            self.error(node, format!("apiVersion `{version}` is not supported for this kind; expected one of {}", API_VERSIONS.join(", ")));
        }
        let (name, namespace) = self.check_metadata(root);
        if let (Some((kind, node)), None) = (&kind, known_kind) {
            self.diagnostics.push(Diagnostic::warning(
                self.doc.location(node),
                format!("kind `{kind}` is not one Meridian knows; the entity is stored without kind-specific checks"),
            ));
        }
        if let (Some((kind, _)), Some(fields)) = (&kind, known_kind) {
            self.check_spec(root, kind, fields);
        }
        match (kind, name) {
            (Some((kind, _)), Some(name)) => Some(crate::EntityRef::new(&kind, &namespace, &name).key()),
            _ => None,
        }
    }

    fn required_text(&mut self, map: &MarkedMappingNode, parent: Option<Location>, key: &str, path: &str) -> Option<(String, Node)> {
        match map.get_node(key) {
            None => {
                self.missing(parent, format!("{path}: required field is missing"));
                None
            }
            Some(node @ Node::Scalar(s)) if !s.as_str().is_empty() => Some((s.as_str().to_string(), node.clone())),
            Some(node) => {
                self.error(node, format!("{path}: must be a non-empty string"));
                None
            }
        }
    }

    /// Returns the name (if valid enough to identify the entity) and namespace.
    fn check_metadata(&mut self, root: &MarkedMappingNode) -> (Option<String>, String) {
        let mut namespace = crate::entity_ref::DEFAULT_NAMESPACE.to_string();
        let metadata = match root.get_node("metadata") {
            None => {
                self.missing(None, "metadata: required field is missing".into());
                return (None, namespace);
            }
            Some(Node::Mapping(m)) => m,
            Some(node) => {
                self.error(node, "metadata: must be a mapping".into());
                return (None, namespace);
            }
        };
        let name = self.required_text(metadata, self.doc.key_location(root, "metadata"), "name", "metadata.name");
        if let Some((name, node)) = &name
            && (name.len() > 63 || !NAME.is_match(name))
        {
            self.error(node, format!(
                    "metadata.name `{name}` is invalid: 1-63 characters of [a-zA-Z0-9], separated by [-_.], starting and ending with a letter or digit"
                ));
        }
        if let Some(node) = metadata.get_node("namespace") {
            match node.as_scalar().map(|s| s.as_str()) {
                Some(ns) if ns.len() <= 63 && DNS_LABEL.is_match(ns) => namespace = ns.to_string(),
                Some(ns) => self.error(node, format!("metadata.namespace `{ns}` is invalid: 1-63 lower-case letters, digits and dashes")),
                None => self.error(node, "metadata.namespace: must be a string".into()),
            }
        }
        for field in ["title", "description"] {
            if let Some(node) = metadata.get_node(field)
                && node.as_scalar().is_none()
            {
                self.error(node, format!("metadata.{field}: must be a string"));
            }
        }
        for field in ["labels", "annotations"] {
            match metadata.get_node(field) {
                None => {}
                Some(Node::Mapping(m)) => {
                    for (key, value) in m.iter() {
                        if value.as_scalar().is_none() {
                            self.error(value, format!("metadata.{field}.{}: values must be strings", key.as_str()));
                        }
                    }
                }
                Some(node) => self.error(node, format!("metadata.{field}: must be a mapping of strings")),
            }
        }
        match metadata.get_node("tags") {
            None => {}
            Some(Node::Sequence(items)) => {
                for item in items.iter() {
                    match item.as_scalar().map(|s| s.as_str()) {
                        Some(tag) if tag.len() <= 63 && TAG.is_match(tag) => {}
                        Some(tag) => self.error(item, format!("metadata.tags: `{tag}` is invalid: lower-case letters, digits and :+# separated by single dashes, at most 63 characters")),
                        None => self.error(item, "metadata.tags: each tag must be a string".into()),
                    }
                }
            }
            Some(node) => self.error(node, "metadata.tags: must be a list of strings".into()),
        }
        if let Some(node) = metadata.get_node("links")
            && node.as_sequence().is_none()
        {
            self.error(node, "metadata.links: must be a list".into());
        }
        (name.map(|(n, _)| n), namespace)
    }

    fn check_spec(&mut self, root: &MarkedMappingNode, kind: &str, fields: &[Field]) {
        let spec = match root.get_node("spec") {
            Some(Node::Mapping(m)) => m,
            Some(node) => {
                self.error(node, "spec: must be a mapping".into());
                return;
            }
            None => {
                if fields.iter().any(|f| f.required) {
                    self.missing(None, format!("spec: required for kind {kind}"));
                }
                return;
            }
        };
        let spec_key = self.doc.key_location(root, "spec");
        for field in fields {
            let path = format!("spec.{}", field.name);
            match (spec.get_node(field.name), field.shape) {
                (None, _) if field.required => self.missing(spec_key.clone(), format!("{path}: required field is missing")),
                (None, _) => {}
                (Some(Node::Scalar(s)), Shape::Text) if !s.as_str().is_empty() => {}
                (Some(node), Shape::Text) => self.error(node, format!("{path}: must be a non-empty string")),
                (Some(Node::Sequence(items)), Shape::TextList) => {
                    for item in items.iter() {
                        if !matches!(item, Node::Scalar(s) if !s.as_str().is_empty()) {
                            self.error(item, format!("{path}: each item must be a non-empty string"));
                        }
                    }
                }
                (Some(node), Shape::TextList) => self.error(node, format!("{path}: must be a list of strings")),
                (Some(Node::Mapping(_)), Shape::Mapping) => {}
                (Some(node), Shape::Mapping) => self.error(node, format!("{path}: must be a mapping")),
            }
        }
        if kind.eq_ignore_ascii_case("location") && spec.get_node("target").is_none() && spec.get_node("targets").is_none() {
            self.missing(spec_key, "spec: a Location needs `target` or `targets`".into());
        }
    }
}
