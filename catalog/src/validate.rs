//! Backstage's validation rules, checked on the positioned YAML tree so that
//! every problem names its line and column.
//!
//! The rules mirror `@backstage/catalog-model` 1.10 (the reference; see
//! `catalog/tests/conformance.rs`): the entity envelope and `EntityMeta`
//! schema, `NoForeignRootFieldsEntityPolicy`, `FieldFormatEntityPolicy`
//! (names, namespaces, label and annotation keys/values, tags, links) and the
//! JSON schema of each built-in kind's `spec`.
//!
//! Which kind validator claims an entity follows Backstage's processing too:
//! a built-in kind is claimed only with its exact name and one of
//! [`API_VERSIONS`]. Backstage rejects an entity nothing claims. Meridian
//! does too when the entity looks like a built-in one gone wrong (a kind
//! that matches a built-in kind only when case is ignored, an apiVersion of
//! the `backstage.io` group that no validator takes, a built-in kind of
//! another group), saying what Backstage expects. A custom kind (a
//! scaffolder `Template`, a company's own, or Backstage's example
//! `Environment` of `backstage.io/v1alpha1`) has no processor in Meridian
//! either, so it is kept with a warning and no spec checks
//! ([`Diagnostic::unclaimed`]); [`crate::Kinds::Strict`] rejects it as
//! Backstage does.

use std::sync::LazyLock;

use marked_yaml::Node;
use marked_yaml::types::MarkedMappingNode;
use regex::Regex;

use crate::diagnostic::{Diagnostic, Location};
use crate::yaml::Document;

/// What a custom kind's warning says, and what it says instead once
/// `--strict` has rejected the entity ([`crate::Kinds::enforce`]).
pub(crate) const CUSTOM_KIND_KEPT: &str =
    ": Meridian keeps it without kind-specific checks, where Backstage's catalog needs a processor for it (--strict rejects it)";
pub(crate) const CUSTOM_KIND_REJECTED: &str =
    ": rejected, as Backstage's catalog rejects a kind no processor claims (without --strict, Meridian keeps it unchecked)";

pub const API_VERSIONS: &[&str] = &["backstage.io/v1alpha1", "backstage.io/v1beta1"];
/// The kinds Backstage's own validators claim, spelled as they must be.
pub const BUILT_IN_KINDS: &[&str] = &["API", "Component", "Domain", "Group", "Location", "Resource", "System", "User"];
/// The apiVersion group of Backstage's own kinds.
const BACKSTAGE_GROUP: &str = "backstage.io";
// `relations` and `status` are computed by the catalog; input may not set them.
const ROOT_FIELDS: &[&str] = &["apiVersion", "kind", "metadata", "spec"];

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}
static OBJECT_NAME: LazyLock<Regex> = LazyLock::new(|| regex(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$"));
static DNS_LABEL: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-z0-9]+(?:-+[a-z0-9]+)*$"));
static KIND: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-zA-Z][a-z0-9A-Z]*$"));
// Backstage's default `makeValidator` allows `:` in tags (its stricter
// `CommonValidatorFunctions.isValidTag` is not the one the catalog uses).
static TAG: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$"));
static VERSION: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-z0-9A-Z]+$"));
static URL: LazyLock<Regex> = LazyLock::new(|| regex(r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$"));

pub fn is_object_name(v: &str) -> bool {
    (1..=63).contains(&v.len()) && OBJECT_NAME.is_match(v)
}
pub fn is_dns_label(v: &str) -> bool {
    (1..=63).contains(&v.len()) && DNS_LABEL.is_match(v)
}
fn is_dns_subdomain(v: &str) -> bool {
    (1..=253).contains(&v.len()) && v.split('.').all(is_dns_label)
}
/// `[prefix/]suffix` with at most one `/`, as Backstage's
/// `isValidPrefixAndOrSuffix`.
fn is_prefixed(v: &str, suffix: fn(&str) -> bool) -> bool {
    let parts: Vec<&str> = v.split('/').collect();
    match parts.as_slice() {
        [s] => suffix(s),
        [p, s] => is_dns_subdomain(p) && suffix(s),
        _ => false,
    }
}
fn is_api_version(v: &str) -> bool {
    is_prefixed(v, |s| (1..=63).contains(&s.len()) && VERSION.is_match(s))
}
fn is_kind(v: &str) -> bool {
    (1..=63).contains(&v.len()) && KIND.is_match(v)
}
fn is_tag(v: &str) -> bool {
    (1..=63).contains(&v.len()) && TAG.is_match(v)
}
fn is_label_key(v: &str) -> bool {
    is_prefixed(v, is_object_name)
}
fn is_label_value(v: &str) -> bool {
    v.is_empty() || is_object_name(v)
}

const NAME_RULE: &str = "sequences of [a-zA-Z0-9] separated by any of [-_.], at most 63 characters in total";

#[derive(Clone, Copy)]
enum Shape {
    /// A string of at least one character.
    Text,
    /// A list of such strings.
    TextList,
    Mapping,
    /// MCP server transports: a non-empty list of `{type, url}`.
    Remotes,
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

/// The `spec` schema of each built-in kind (lower-case kind, spec.type).
fn spec_fields(kind: &str, spec_type: Option<&str>) -> Option<&'static [Field]> {
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
    const MCP_SERVER_API: &[Field] =
        &[req("type", Text), req("lifecycle", Text), req("owner", Text), req("remotes", Remotes), opt("system", Text)];
    const SYSTEM: &[Field] = &[req("owner", Text), opt("domain", Text), opt("type", Text)];
    const DOMAIN: &[Field] = &[req("owner", Text), opt("subdomainOf", Text), opt("type", Text)];
    const RESOURCE: &[Field] =
        &[req("type", Text), req("owner", Text), opt("dependsOn", TextList), opt("dependencyOf", TextList), opt("system", Text)];
    const GROUP: &[Field] =
        &[req("type", Text), req("children", TextList), opt("parent", Text), opt("members", TextList), opt("profile", Mapping)];
    const USER: &[Field] = &[req("memberOf", TextList), opt("profile", Mapping)];
    const LOCATION: &[Field] = &[opt("type", Text), opt("target", Text), opt("targets", TextList), opt("presence", Text)];
    Some(match kind {
        "component" => COMPONENT,
        "api" if spec_type == Some("mcp-server") => MCP_SERVER_API,
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
    /// The kind and apiVersion are built in, and the kind's `spec` rules ran.
    pub kind_checked: bool,
    /// `kind:namespace/name` when kind and name could be read.
    pub entity_ref: Option<String>,
}

pub fn check(doc: &Document) -> Checked {
    let mut v = Validator { doc, diagnostics: Vec::new(), kind_checked: false };
    let entity_ref = v.check_root();
    for d in &mut v.diagnostics {
        d.entity_ref = entity_ref.clone();
    }
    Checked { diagnostics: v.diagnostics, kind_checked: v.kind_checked, entity_ref }
}

struct Validator<'a> {
    doc: &'a Document,
    diagnostics: Vec<Diagnostic>,
    kind_checked: bool,
}

/// The string value of a node. A plain `5`, `true` or `~` is a number, a
/// boolean or null (as in JSON), not a string.
fn text(node: &Node) -> Option<&str> {
    let scalar = node.as_scalar()?;
    if scalar.may_coerce() && !matches!(crate::yaml::to_json(node), serde_json::Value::String(_)) {
        return None;
    }
    Some(scalar.as_str())
}

impl Validator<'_> {
    fn error(&mut self, node: &Node, message: String) {
        self.diagnostics.push(Diagnostic::error(self.doc.location(node), message));
    }

    fn key_error(&mut self, map: &MarkedMappingNode, key: &str, message: String) {
        let location = self.doc.key_location(map, key).unwrap_or_else(|| self.doc.start());
        self.diagnostics.push(Diagnostic::error(location, message));
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
        let kind = self.required_text(root, None, "kind");
        let api_version = self.required_text(root, None, "apiVersion");
        if let Some((version, node)) = &api_version
            && !is_api_version(version)
        {
            let hint = closest(version, API_VERSIONS).map(|v| format!("; did you mean `{v}`?")).unwrap_or_default();
            self.error(node, format!("apiVersion `{version}` is not valid: expected `group/version` such as backstage.io/v1alpha1{hint}"));
        }
        if let Some((kind, node)) = &kind
            && !is_kind(kind)
        {
            self.error(node, format!("kind `{kind}` is not valid: a letter then letters or digits, at most 63 characters"));
        }
        if let Some(node) = root.get_node("spec")
            && node.as_mapping().is_none()
        {
            self.error(node, "spec: must be a mapping".into());
        }
        let (name, namespace) = self.check_metadata(root);

        if let (Some(kind), Some(version)) = (&kind, &api_version)
            && is_kind(&kind.0)
            && is_api_version(&version.0)
        {
            self.check_claimed(root, kind, version);
        }
        match (kind, name) {
            (Some((kind, _)), Some(name)) => Some(crate::EntityRef::new(&kind, &namespace, &name).key()),
            _ => None,
        }
    }

    /// Whether a built-in kind validator claims the entity, as Backstage's
    /// processing asks; if one does, its `spec` rules run.
    fn check_claimed(&mut self, root: &MarkedMappingNode, (kind, kind_node): &(String, Node), (version, version_node): &(String, Node)) {
        let built_in = BUILT_IN_KINDS.iter().copied().find(|k| k.eq_ignore_ascii_case(kind));
        let version_known = API_VERSIONS.contains(&version.as_str());
        if built_in == Some(kind.as_str()) && version_known {
            let spec_type = root.get_mapping("spec").and_then(|s| s.get_scalar("type")).map(|s| s.as_str().to_string());
            if let Some(fields) = spec_fields(&kind.to_lowercase(), spec_type.as_deref()) {
                self.kind_checked = true;
                self.check_spec(root, fields);
            }
            return;
        }
        let group = version.split_once('/').map_or("", |(group, _)| group);
        let foreign_version = group.eq_ignore_ascii_case(BACKSTAGE_GROUP) && !version_known;
        if built_in.is_none() && !foreign_version {
            // A custom kind: of another group, or of Backstage's own
            // apiVersions as Backstage's examples write theirs.
            let hint = closest(kind, BUILT_IN_KINDS).map(|k| format!(" (did you mean `{k}`?)")).unwrap_or_default();
            let mut warning = Diagnostic::warning(
                self.doc.location(kind_node),
                format!("kind `{kind}` of apiVersion `{version}` is not one of Backstage's built-in kinds{hint}{CUSTOM_KIND_KEPT}"),
            );
            warning.unclaimed = true;
            self.diagnostics.push(warning);
            return;
        }
        // It looks like one of Backstage's own kinds gone wrong, and no
        // validator of Backstage would claim it: say what Backstage expects.
        if let Some(built_in) = built_in
            && built_in != kind
        {
            self.error(kind_node, format!("kind `{kind}` is not a kind Backstage knows: did you mean `{built_in}`? (case matters)"));
        }
        if !version_known {
            let hint = API_VERSIONS
                .iter()
                .copied()
                .find(|v| v.eq_ignore_ascii_case(version))
                .or_else(|| closest(version, API_VERSIONS))
                .map_or_else(|| format!("Backstage's kinds take {}", API_VERSIONS.join(" or ")), |v| format!("did you mean `{v}`?"));
            let kind = built_in.unwrap_or(kind);
            self.error(version_node, format!("apiVersion `{version}` is not one Backstage accepts for kind `{kind}`: {hint}"));
        }
    }

    fn required_text(&mut self, map: &MarkedMappingNode, parent: Option<Location>, key: &str) -> Option<(String, Node)> {
        self.required_text_at(map, parent, key, key)
    }

    fn required_text_at(&mut self, map: &MarkedMappingNode, parent: Option<Location>, key: &str, path: &str) -> Option<(String, Node)> {
        match map.get_node(key) {
            None => {
                self.missing(parent, format!("{path}: required field is missing"));
                None
            }
            Some(node) if matches!(text(node), Some(t) if !t.is_empty()) => {
                Some((text(node).unwrap_or_default().to_string(), node.clone()))
            }
            Some(node) => {
                self.error(node, format!("{path}: must be a non-empty string"));
                None
            }
        }
    }

    /// Returns the name (if it identifies the entity) and namespace.
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
        let name = self.required_text_at(metadata, self.doc.key_location(root, "metadata"), "name", "metadata.name");
        if let Some((name, node)) = &name
            && !is_object_name(name)
        {
            self.error(node, format!("metadata.name `{name}` is not valid: expected {NAME_RULE}"));
        }
        if let Some(node) = metadata.get_node("namespace") {
            match text(node) {
                Some(ns) if is_dns_label(ns) => namespace = ns.to_string(),
                Some(ns) => self.error(
                    node,
                    format!(
                        "metadata.namespace `{ns}` is not valid: expected sequences of [a-z0-9] separated by [-], at most 63 characters"
                    ),
                ),
                None => self.error(node, "metadata.namespace: must be a string".into()),
            }
        }
        for field in ["uid", "etag", "title"] {
            if let Some(node) = metadata.get_node(field)
                && !matches!(text(node), Some(t) if !t.is_empty())
            {
                self.error(node, format!("metadata.{field}: must be a non-empty string"));
            }
        }
        if let Some(node) = metadata.get_node("description")
            && text(node).is_none()
        {
            self.error(node, "metadata.description: must be a string".into());
        }
        self.check_key_values(metadata, "labels", true);
        self.check_key_values(metadata, "annotations", false);
        match metadata.get_node("tags") {
            None => {}
            Some(Node::Sequence(items)) => {
                for (i, item) in items.iter().enumerate() {
                    match text(item) {
                        Some(tag) if is_tag(tag) => {}
                        Some(tag) => self.error(
                            item,
                            format!("metadata.tags.{i} `{tag}` is not valid: expected sequences of [a-z0-9:+#] separated by [-], at most 63 characters"),
                        ),
                        None => self.error(item, format!("metadata.tags.{i}: must be a string")),
                    }
                }
            }
            Some(node) => self.error(node, "metadata.tags: must be a list of strings".into()),
        }
        match metadata.get_node("links") {
            None => {}
            Some(Node::Sequence(items)) => {
                for (i, item) in items.iter().enumerate() {
                    self.check_link(i, item);
                }
            }
            Some(node) => self.error(node, "metadata.links: must be a list".into()),
        }
        (name.map(|(n, _)| n), namespace)
    }

    /// Labels: keys `[prefix/]name`, values empty or a name. Annotations:
    /// the same keys, any string value.
    fn check_key_values(&mut self, metadata: &MarkedMappingNode, field: &str, is_labels: bool) {
        match metadata.get_node(field) {
            None => {}
            Some(Node::Mapping(m)) => {
                for (key, value) in m.iter() {
                    let k = key.as_str();
                    if !is_label_key(k) {
                        self.key_error(
                            m,
                            k,
                            format!("metadata.{field}: key `{k}` is not valid: expected [dns-subdomain/]name, where name is {NAME_RULE}"),
                        );
                    }
                    match text(value) {
                        None => self.error(value, format!("metadata.{field}.{k}: must be a string")),
                        Some(v) if is_labels && !is_label_value(v) => {
                            self.error(value, format!("metadata.{field}.{k}: value `{v}` is not valid: expected empty or {NAME_RULE}"))
                        }
                        Some(_) => {}
                    }
                }
            }
            Some(node) => self.error(node, format!("metadata.{field}: must be a mapping of strings")),
        }
    }

    fn check_link(&mut self, i: usize, item: &Node) {
        let Some(link) = item.as_mapping() else {
            self.error(item, format!("metadata.links.{i}: must be a mapping with a `url`"));
            return;
        };
        match link.get_node("url") {
            None => self.error(item, format!("metadata.links.{i}.url: required field is missing")),
            Some(node) => match text(node) {
                Some(url) if URL.is_match(url) => {}
                _ => self.error(node, format!("metadata.links.{i}.url: must be a valid URL")),
            },
        }
        for field in ["title", "icon", "type"] {
            if let Some(node) = link.get_node(field)
                && !matches!(text(node), Some(t) if !t.trim().is_empty())
            {
                self.error(node, format!("metadata.links.{i}.{field}: must be a non-empty string"));
            }
        }
    }

    fn check_spec(&mut self, root: &MarkedMappingNode, fields: &[Field]) {
        let spec = match root.get_node("spec") {
            Some(Node::Mapping(m)) => m,
            Some(_) => return, // reported with the root fields
            None => {
                if fields.iter().any(|f| f.required) {
                    self.missing(None, "spec: required field is missing".into());
                }
                return;
            }
        };
        let spec_key = self.doc.key_location(root, "spec");
        for field in fields {
            let path = format!("spec.{}", field.name);
            let Some(node) = spec.get_node(field.name) else {
                if field.required {
                    self.missing(spec_key.clone(), format!("{path}: required field is missing"));
                }
                continue;
            };
            match field.shape {
                // `$text`/`$json`/`$yaml` placeholders are substituted later.
                Shape::Text if is_placeholder(node) => {}
                Shape::Text if matches!(text(node), Some(t) if !t.is_empty()) => {}
                Shape::Text => self.error(node, format!("{path}: must be a non-empty string")),
                Shape::TextList => match node {
                    Node::Sequence(items) => {
                        for item in items.iter() {
                            if !matches!(text(item), Some(t) if !t.is_empty()) {
                                self.error(item, format!("{path}: each item must be a non-empty string"));
                            }
                        }
                    }
                    _ => self.error(node, format!("{path}: must be a list of strings")),
                },
                Shape::Mapping if node.as_mapping().is_some() => {}
                Shape::Mapping => self.error(node, format!("{path}: must be a mapping")),
                Shape::Remotes => self.check_remotes(node, &path),
            }
        }
    }

    fn check_remotes(&mut self, node: &Node, path: &str) {
        let Some(items) = node.as_sequence().filter(|s| !s.is_empty()) else {
            self.error(node, format!("{path}: must be a non-empty list of {{type, url}}"));
            return;
        };
        for item in items.iter() {
            let Some(remote) = item.as_mapping() else {
                self.error(item, format!("{path}: each item must be a mapping with `type` and `url`"));
                continue;
            };
            for field in ["type", "url"] {
                match remote.get_node(field) {
                    Some(n) if matches!(text(n), Some(t) if !t.is_empty()) => {}
                    Some(n) => self.error(n, format!("{path}.{field}: must be a non-empty string")),
                    None => self.error(item, format!("{path}.{field}: required field is missing")),
                }
            }
        }
    }
}

/// `{$text: ...}`, `{$json: ...}` or `{$yaml: ...}`.
pub fn is_placeholder(node: &Node) -> bool {
    node.as_mapping().is_some_and(|m| m.len() == 1 && m.keys().all(|k| matches!(k.as_str(), "$text" | "$json" | "$yaml")))
}

/// The candidate within two edits of `written` (ignoring case), for "did
/// you mean"; none when nothing is that close.
fn closest<'a>(written: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let written = written.to_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(&written, &c.to_lowercase()), *c))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_backstage() {
        assert!(is_object_name("a") && is_object_name("a.b_c-d") && !is_object_name("-a") && !is_object_name(&"a".repeat(64)));
        assert!(
            is_label_key("backstage.io/source-location")
                && is_label_key("simple")
                && !is_label_key("a/b/c")
                && !is_label_key("Bad_Prefix/x")
        );
        assert!(is_tag("java") && is_tag("c++") && is_tag("a-b") && is_tag("a:b") && !is_tag("Java") && !is_tag("a--b"));
        assert!(is_api_version("backstage.io/v1alpha1") && is_api_version("v1") && !is_api_version("backstage.io/v1/x"));
        assert!(is_label_value("") && !is_label_value("a b"));
    }
}
