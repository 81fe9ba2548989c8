//! What changed between two versions of an OpenAPI (or Swagger) document,
//! each change graded by what it does to clients written against the old
//! one: [`Level::Breaking`] (oasdiff's ERR), [`Level::Warning`] (WARN) or
//! [`Level::Info`].
//!
//! Check ids are oasdiff's where it has one (`request-parameter-removed`,
//! `new-required-request-property`, `response-success-status-removed`…), so
//! teams that know its list know ours; the schema checks are named
//! `<where>-<what>`, `<where>` being `request-parameter`, `request-body`,
//! `request-property`, `response-body` or `response-property`. Levels
//! follow oasdiff's later releases (setting a bound on a request is
//! breaking; a value added to a response enum is breaking). Checks of our
//! own, where oasdiff has none or reports two changes:
//! `request-parameter-renamed` (a parameter removed and another added in
//! the same place of the same operation), `api-base-path-changed` (every
//! operation moved), `response-status-range-narrowed` and
//! `response-status-widened-to-range` (`2XX` said as `201`, and back).
//!
//! Operations are matched by method and [`crate::path::normalize`]d path,
//! so renaming a path parameter changes nothing a client sees. Pointers
//! locate a change in the new document, or in the old one for what was
//! removed.

mod schema;

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::document::{Document, Node};
use crate::operations::{self, View};

/// How much a change matters to clients of the old version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema, Deserialize)]
#[schema(as = ChangeLevel)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Breaking,
}

impl Level {
    /// How reports spell it: `BREAKING`, `WARNING`, `non-breaking`.
    pub fn label(self) -> &'static str {
        match self {
            Level::Breaking => "BREAKING",
            Level::Warning => "WARNING",
            Level::Info => "non-breaking",
        }
    }

    /// Reads a level as `--fail-on` takes it (ours or oasdiff's spelling).
    pub fn parse(text: &str) -> Option<Level> {
        match text.to_ascii_uppercase().as_str() {
            "BREAKING" | "ERR" | "ERROR" => Some(Level::Breaking),
            "WARNING" | "WARN" => Some(Level::Warning),
            "INFO" | "NON-BREAKING" => Some(Level::Info),
            _ => None,
        }
    }
}

/// The operation a change is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema, Deserialize)]
pub struct OperationRef {
    /// Upper case.
    pub method: String,
    /// As the document writes it (the new one, unless the operation is gone).
    pub path: String,
}

impl std::fmt::Display for OperationRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// One change between two versions.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema, Deserialize)]
pub struct Change {
    pub level: Level,
    /// The check that found it (`request-parameter-removed`).
    pub id: String,
    pub operation: Option<OperationRef>,
    /// JSON pointer of the changed element.
    pub pointer: String,
    /// Whether `pointer` is into the old version (what the new one no
    /// longer has), not the new one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub old: bool,
    /// A sentence naming the field or value.
    pub message: String,
}

/// Every change from `old` to `new`: by operation in the old document's
/// order (then added operations), most severe first within one.
pub fn diff(old: &Document, new: &Document) -> Vec<Change> {
    let old_views = operations::views(old);
    let new_views = operations::views(new);
    let mut differ = Differ { old, new, out: Vec::new(), units: schema::Units::new() };
    differ.base_path();
    let new_by_key: BTreeMap<(&str, &str), &View<'_>> = new_views.iter().map(|v| ((v.method.as_str(), v.route.as_str()), v)).collect();
    let new_routes: HashSet<&str> = new_views.iter().map(|v| v.route.as_str()).collect();
    let old_keys: HashSet<(&str, &str)> = old_views.iter().map(|v| (v.method.as_str(), v.route.as_str())).collect();
    // Two paths of one document may normalize alike (`/cookies#a`, `/cookies#b`):
    // the one written the same is the same operation.
    let new_by_path: BTreeMap<(&str, &str), &View<'_>> = new_views.iter().map(|v| ((v.method.as_str(), v.path), v)).collect();
    for old_view in &old_views {
        let same_path = new_by_path.get(&(old_view.method.as_str(), old_view.path));
        match same_path.or_else(|| new_by_key.get(&(old_view.method.as_str(), old_view.route.as_str()))) {
            Some(new_view) => differ.operation(old_view, new_view),
            None => differ.removed_operation(old_view, !new_routes.contains(old_view.route.as_str())),
        }
    }
    for new_view in new_views.iter().filter(|v| !old_keys.contains(&(v.method.as_str(), v.route.as_str()))) {
        differ.push(Level::Info, "endpoint-added", new_view, &new_view.node.pointer, format!("operation `{}` was added", new_view.label()));
    }
    let mut order: BTreeMap<Option<OperationRef>, usize> = BTreeMap::new();
    for change in &differ.out {
        let next = order.len();
        order.entry(change.operation.clone()).or_insert(next);
    }
    differ.out.sort_by_key(|change| (order[&change.operation], std::cmp::Reverse(change.level)));
    differ.out
}

struct Differ<'d> {
    old: &'d Document,
    new: &'d Document,
    out: Vec<Change>,
    /// Schema pairs compared so far (each once per direction).
    units: schema::Units<'d>,
}

impl<'d> Differ<'d> {
    /// A change of `view`'s operation, its pointer into the old version when `old`.
    fn record(&mut self, level: Level, id: impl Into<String>, view: &View<'_>, pointer: &str, old: bool, message: String) {
        let operation = OperationRef { method: view.method.clone(), path: view.path.to_string() };
        self.out.push(Change { level, id: id.into(), operation: Some(operation), pointer: pointer.to_string(), old, message });
    }

    fn push(&mut self, level: Level, id: impl Into<String>, view: &View<'_>, pointer: &str, message: String) {
        self.record(level, id, view, pointer, false, message);
    }

    /// [`Self::push`] for what was removed: its pointer is into the old version.
    fn push_removed(&mut self, level: Level, id: impl Into<String>, view: &View<'_>, pointer: &str, message: String) {
        self.record(level, id, view, pointer, true, message);
    }

    /// Every operation's URL starts with the base path (Swagger's
    /// `basePath`, the path of OpenAPI's `servers`): clients of the old one
    /// call URLs that are no longer served when it moves.
    fn base_path(&mut self) {
        let (was, now) = (base_paths(self.old), base_paths(self.new));
        let Some((old_path, _)) = was.first() else { return };
        if now.iter().any(|(path, _)| path == old_path) {
            return;
        }
        let (new_path, pointer) = now.first().cloned().unwrap_or_else(|| ("/".to_string(), String::new()));
        self.out.push(Change {
            level: Level::Breaking,
            id: "api-base-path-changed".into(),
            operation: None,
            pointer,
            old: false,
            message: format!("the base path of every operation changed from `{old_path}` to `{new_path}`"),
        });
    }

    fn removed_operation(&mut self, view: &View<'_>, whole_path: bool) {
        let (id, level) = match (whole_path, view.deprecated()) {
            (true, false) => ("api-path-removed-without-deprecation", Level::Breaking),
            (true, true) => ("api-path-removed-with-deprecation", Level::Info),
            (false, false) => ("api-removed-without-deprecation", Level::Breaking),
            (false, true) => ("api-removed-with-deprecation", Level::Info),
        };
        let what = if whole_path { format!("path `{}`", view.path) } else { format!("operation `{}`", view.label()) };
        let how = if view.deprecated() { "after being deprecated" } else { "without being deprecated first" };
        self.push_removed(level, id, view, &view.node.pointer, format!("{what} was removed {how}"));
    }

    fn operation(&mut self, old: &View<'d>, new: &View<'d>) {
        let first = self.out.len();
        self.compare_operation(old, new);
        // One schema can be reached twice (two media types of one body, say).
        let mut seen = HashSet::new();
        let mut index = 0;
        self.out.retain(|change| {
            index += 1;
            index <= first || seen.insert((change.id.clone(), change.pointer.clone(), change.message.clone()))
        });
    }

    fn compare_operation(&mut self, old: &View<'d>, new: &View<'d>) {
        if new.deprecated() && !old.deprecated() {
            self.push(Level::Info, "endpoint-deprecated", new, &new.node.pointer, format!("operation `{}` was deprecated", new.label()));
        }
        self.parameters(old, new);
        self.request_body(old, new);
        self.responses(old, new);
        self.security(old, new);
    }

    fn parameters(&mut self, old: &View<'d>, new: &View<'d>) {
        let removed: Vec<_> = old.parameters.iter().filter(|p| !new.parameters.iter().any(|n| n.key == p.key)).collect();
        let added: Vec<_> = new.parameters.iter().filter(|p| !old.parameters.iter().any(|o| o.key == p.key)).collect();
        let mut renamed = Vec::new();
        for was in &removed {
            let same_place = |p: &&&operations::Param<'_>| p.location == was.location && was.location != "path";
            // A rename is the only parameter removed and the only one added in
            // one place, with the same schema; anything else is two changes.
            if removed.iter().filter(same_place).count() == 1
                && let [now] = added.iter().filter(same_place).collect::<Vec<_>>()[..]
                && self.same_schema(&was.schema, &now.schema)
            {
                renamed.push((was.key.clone(), now.key.clone()));
                let level = if now.required { Level::Breaking } else { Level::Warning };
                let message = format!("{} parameter `{}` was renamed to `{}`", was.location, was.name, now.name);
                self.push(level, "request-parameter-renamed", new, &now.node.pointer, message);
            }
        }
        for was in removed.iter().filter(|p| !renamed.iter().any(|(old_key, _)| *old_key == p.key)) {
            self.push_removed(
                Level::Warning,
                "request-parameter-removed",
                new,
                &was.node.pointer,
                format!("{} parameter `{}` was removed", was.location, was.name),
            );
        }
        for now in added.iter().filter(|p| !renamed.iter().any(|(_, new_key)| *new_key == p.key)) {
            let (level, id, kind) = match (now.location, now.required) {
                ("path", _) => (Level::Breaking, "new-request-path-parameter", "required"),
                (_, true) => (Level::Breaking, "new-required-request-parameter", "required"),
                (_, false) => (Level::Info, "new-optional-request-parameter", "optional"),
            };
            self.push(level, id, new, &now.node.pointer, format!("{kind} {} parameter `{}` was added", now.location, now.name));
        }
        for now in &new.parameters {
            let Some(was) = old.parameters.iter().find(|p| p.key == now.key) else { continue };
            let subject = schema::Subject::Parameter { location: now.location.to_string(), name: now.name.to_string() };
            match (was.required, now.required) {
                (false, true) => {
                    let message = format!("{} parameter `{}` became required", now.location, now.name);
                    self.push(Level::Breaking, "request-parameter-became-required", new, &now.node.pointer, message);
                }
                (true, false) => {
                    let message = format!("{} parameter `{}` became optional", now.location, now.name);
                    self.push(Level::Info, "request-parameter-became-optional", new, &now.node.pointer, message);
                }
                _ => {}
            }
            self.serialization(new, was, now);
            if let (Some(old_schema), Some(new_schema)) = (&was.schema, &now.schema) {
                self.schema(new, schema::Direction::Request, &subject, "", old_schema.clone(), new_schema.clone());
            }
        }
    }

    /// How a parameter's value is written: old clients write it the old way.
    fn serialization(&mut self, view: &View<'d>, was: &operations::Param<'d>, now: &operations::Param<'d>) {
        if was.style != now.style {
            let message = format!("{} parameter `{}` is now written `{}`, not `{}`", now.location, now.name, now.style, was.style);
            self.push(Level::Breaking, "request-parameter-style-changed", view, &now.node.pointer, message);
        } else if was.explode != now.explode && !self.is_scalar(&now.schema) {
            let how = |explode: bool| if explode { "exploded" } else { "not exploded" };
            let message =
                format!("{} parameter `{}` is now {}, where it was {}", now.location, now.name, how(now.explode), how(was.explode));
            self.push(Level::Breaking, "request-parameter-explode-changed", view, &now.node.pointer, message);
        }
    }

    /// Whether every value a schema allows is one value, which `explode`
    /// writes the same either way (an untyped schema may be a list).
    fn is_scalar(&self, schema: &Option<Node<'d>>) -> bool {
        let Some(schema) = schema else { return false };
        let schema = self.new.resolve(schema.clone());
        let types = operations::types_of(schema.value);
        !types.is_empty() && types.iter().all(|t| matches!(t.as_str(), "string" | "number" | "integer" | "boolean" | "null"))
    }

    fn same_schema(&self, old: &Option<Node<'d>>, new: &Option<Node<'d>>) -> bool {
        match (old, new) {
            (Some(old), Some(new)) => self.old.resolve(old.clone()).value == self.new.resolve(new.clone()).value,
            (None, None) => true,
            _ => false,
        }
    }

    fn request_body(&mut self, old: &View<'d>, new: &View<'d>) {
        match (&old.request, &new.request) {
            (None, Some(body)) => {
                let (level, id, kind) = if body.required {
                    (Level::Breaking, "added-required-request-body", "required")
                } else {
                    (Level::Info, "added-optional-request-body", "optional")
                };
                self.push(level, id, new, &body.node.pointer, format!("a {kind} request body was added"));
            }
            (Some(body), None) => {
                self.push(Level::Breaking, "request-body-removed", new, &body.node.pointer, "the request body was removed".to_string());
            }
            (Some(was), Some(now)) => {
                if now.required && !was.required {
                    self.push(
                        Level::Breaking,
                        "request-body-became-required",
                        new,
                        &now.node.pointer,
                        "the request body became required".into(),
                    );
                } else if was.required && !now.required {
                    self.push(
                        Level::Info,
                        "request-body-became-optional",
                        new,
                        &now.node.pointer,
                        "the request body became optional".into(),
                    );
                }
                let subject = schema::Subject::Body { status: None };
                self.content(new, schema::Direction::Request, &subject, &was.content, &now.content, &now.node);
            }
            (None, None) => {}
        }
    }

    fn responses(&mut self, old: &View<'d>, new: &View<'d>) {
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        for was in &old.responses {
            let success = is_success(was.status);
            // What a range `2XX` is now said as (`201`, `204`); nothing for a status.
            let narrowed_to: Vec<&str> = new.responses.iter().filter(|r| in_range(r.status, was.status)).map(|r| r.status).collect();
            match new.responses.iter().find(|r| same(r.status, was.status)) {
                // Clients receive fewer statuses than they handle.
                None if !narrowed_to.is_empty() => {
                    let message = format!("response status range `{}` was narrowed to `{}`", was.status, narrowed_to.join("`, `"));
                    self.push_removed(Level::Info, "response-status-range-narrowed", new, &was.node.pointer, message);
                }
                // `201` now said as `2XX`: reported below, as a widening.
                None if new.responses.iter().any(|r| in_range(was.status, r.status)) => {}
                None => {
                    let (level, id) = if success {
                        (Level::Breaking, "response-success-status-removed")
                    } else {
                        (Level::Info, "response-non-success-status-removed")
                    };
                    self.push_removed(level, id, new, &was.node.pointer, format!("response status `{}` was removed", was.status));
                }
                Some(now) => {
                    let subject = schema::Subject::Body { status: Some(now.status.to_string()) };
                    self.content(new, schema::Direction::Response, &subject, &was.content, &now.content, &now.node);
                    self.headers(new, was, now);
                }
            }
        }
        for now in new.responses.iter().filter(|n| !old.responses.iter().any(|o| same(o.status, n.status))) {
            // Covered by a range narrowed above: said there.
            if old.responses.iter().any(|o| in_range(now.status, o.status)) {
                continue;
            }
            // `201` now said as `2XX`: clients may receive a status they never handled.
            let widened: Vec<&str> = old
                .responses
                .iter()
                .filter(|o| in_range(o.status, now.status) && !new.responses.iter().any(|n| same(n.status, o.status)))
                .map(|o| o.status)
                .collect();
            if !widened.is_empty() {
                let message = format!("response status `{}` was widened to the range `{}`", widened.join("`, `"), now.status);
                self.push(Level::Warning, "response-status-widened-to-range", new, &now.node.pointer, message);
                continue;
            }
            let id = if is_success(now.status) { "response-success-status-added" } else { "response-non-success-status-added" };
            self.push(Level::Info, id, new, &now.node.pointer, format!("response status `{}` was added", now.status));
        }
    }

    /// A response's headers: old clients may rely on a required one.
    fn headers(&mut self, view: &View<'d>, was: &operations::Response<'d>, now: &operations::Response<'d>) {
        for (name, required, header) in &was.headers {
            match now.headers.iter().find(|(n, _, _)| n == name) {
                None => {
                    let (level, id, kind) = if *required {
                        (Level::Breaking, "required-response-header-removed", "required")
                    } else {
                        (Level::Warning, "optional-response-header-removed", "optional")
                    };
                    let message = format!("{kind} header `{name}` of response `{}` was removed", now.status);
                    self.push_removed(level, id, view, &header.pointer, message);
                }
                Some((_, false, header)) if *required => {
                    let message = format!("header `{name}` of response `{}` became optional", now.status);
                    self.push(Level::Breaking, "response-header-became-optional", view, &header.pointer, message);
                }
                Some(_) => {}
            }
        }
    }

    fn content(
        &mut self,
        view: &View<'d>,
        direction: schema::Direction,
        subject: &schema::Subject,
        old: &[(String, Option<Node<'d>>)],
        new: &[(String, Option<Node<'d>>)],
        holder: &Node<'d>,
    ) {
        let prefix = match direction {
            schema::Direction::Request => "request-body",
            schema::Direction::Response => "response",
        };
        for (media, old_schema) in old {
            match new.iter().find(|(m, _)| m.eq_ignore_ascii_case(media)) {
                None => {
                    let id = format!("{prefix}-media-type-removed");
                    self.push(
                        Level::Breaking,
                        id,
                        view,
                        &holder.pointer,
                        format!("media type `{media}` of the {} was removed", subject.describe("")),
                    );
                }
                Some((_, new_schema)) => {
                    if let (Some(old_schema), Some(new_schema)) = (old_schema, new_schema) {
                        self.schema(view, direction, subject, "", old_schema.clone(), new_schema.clone());
                    }
                }
            }
        }
        for (media, _) in new.iter().filter(|(m, _)| !old.iter().any(|(o, _)| o.eq_ignore_ascii_case(m))) {
            let id = format!("{prefix}-media-type-added");
            self.push(Level::Info, id, view, &holder.pointer, format!("media type `{media}` of the {} was added", subject.describe("")));
        }
    }

    fn security(&mut self, old: &View<'d>, new: &View<'d>) {
        let old_alternatives = alternatives(old.security.as_ref());
        let new_alternatives = alternatives(new.security.as_ref());
        let pointer = new.security.as_ref().map_or(new.node.pointer.as_str(), |s| s.pointer.as_str()).to_string();
        let anonymous = |list: &[Alternative]| list.is_empty() || list.iter().any(Alternative::is_anonymous);
        if anonymous(&old_alternatives) && !anonymous(&new_alternatives) {
            let required: Vec<String> = new_alternatives.iter().map(ToString::to_string).collect();
            let message = format!("the operation now requires `{}`, where it required nothing", required.join("` or `"));
            self.push(Level::Breaking, "api-security-added", new, &pointer, message);
            return;
        }
        if anonymous(&new_alternatives) {
            if !anonymous(&old_alternatives) {
                self.push(Level::Info, "api-security-removed", new, &pointer, "the operation no longer requires credentials".to_string());
            }
            return;
        }
        let removed: Vec<&Alternative> = old_alternatives.iter().filter(|a| !new_alternatives.contains(a)).collect();
        let added: Vec<&Alternative> = new_alternatives.iter().filter(|a| !old_alternatives.contains(a)).collect();
        // The same schemes with other scopes: one change of scopes, not a
        // requirement removed and another added.
        let global = new.security.as_ref().is_some_and(|s| s.pointer == "/security");
        let prefix = if global { "api-global-security-scope" } else { "api-security-scope" };
        let mut paired: Vec<&Alternative> = Vec::new();
        for was in &removed {
            let Some(now) = added.iter().find(|now| !paired.contains(now) && now.same_schemes(was)) else { continue };
            paired.push(now);
            paired.push(was);
            let (old_scopes, new_scopes) = (was.scopes(), now.scopes());
            let more: Vec<&String> = new_scopes.iter().filter(|s| !old_scopes.contains(s)).collect();
            let fewer: Vec<&String> = old_scopes.iter().filter(|s| !new_scopes.contains(s)).collect();
            let list = |scopes: &[&String]| scopes.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
            if !more.is_empty() {
                let message = format!("security requirement `{was}` now also needs scope {}", list(&more));
                self.push(Level::Breaking, format!("{prefix}-added"), new, &pointer, message);
            }
            if !fewer.is_empty() {
                let message = format!("security requirement `{was}` no longer needs scope {}", list(&fewer));
                self.push(Level::Info, format!("{prefix}-removed"), new, &pointer, message);
            }
        }
        for was in removed.iter().filter(|a| !paired.contains(a)) {
            self.push(
                Level::Breaking,
                "api-security-removed",
                new,
                &pointer,
                format!("security requirement `{was}` is no longer accepted"),
            );
        }
        for now in added.iter().filter(|a| !paired.contains(a)) {
            self.push(Level::Info, "api-security-added", new, &pointer, format!("security requirement `{now}` is now accepted too"));
        }
    }
}

/// The base paths a document serves its operations under, first the one
/// clients most likely use, each with its pointer: Swagger's `basePath`
/// (default `/`), or the path part of each of OpenAPI's `servers` (none:
/// `/`). Trailing slashes do not count.
fn base_paths(document: &Document) -> Vec<(String, String)> {
    let root = document.root();
    let normal = |path: &str| {
        let trimmed = path.trim_end_matches('/');
        if trimmed.is_empty() { "/".to_string() } else { trimmed.to_string() }
    };
    if document.format == crate::Format::Swagger2 {
        return vec![(normal(root.str("basePath").unwrap_or("/")), "/basePath".to_string())];
    }
    let servers: Vec<(String, String)> = root
        .child("servers")
        .into_iter()
        .flat_map(|servers| servers.items().collect::<Vec<_>>())
        .filter_map(|server| {
            let url = server.str("url")?;
            // `https://host/v1` → `/v1`; a relative URL is a path already.
            let path = match url.split_once("://") {
                Some((_, rest)) => rest.find('/').map_or("/", |at| &rest[at..]),
                None => url,
            };
            Some((normal(path), format!("{}/url", server.pointer)))
        })
        .collect();
    if servers.is_empty() { vec![("/".to_string(), String::new())] } else { servers }
}

/// `2xx` statuses and the `2XX` range.
fn is_success(status: &str) -> bool {
    status.starts_with('2')
}

/// `2XX`, `4XX`: a range of statuses.
fn is_range(status: &str) -> bool {
    status.len() == 3
        && status.starts_with(|c: char| c.is_ascii_digit())
        && status.get(1..).is_some_and(|rest| rest.eq_ignore_ascii_case("XX"))
}

/// Whether a status (not a range) falls in `range`.
fn in_range(status: &str, range: &str) -> bool {
    is_range(range) && !is_range(status) && status.len() == 3 && status.as_bytes()[0] == range.as_bytes()[0]
}

/// Each alternative of a security requirement list.
fn alternatives(security: Option<&Node<'_>>) -> Vec<Alternative> {
    let Some(list) = security.and_then(|s| s.value.as_array()) else { return Vec::new() };
    list.iter()
        .map(|alternative| {
            let mut schemes: Vec<(String, Vec<String>)> = alternative
                .as_object()
                .into_iter()
                .flatten()
                .map(|(scheme, scopes)| {
                    let mut scopes: Vec<String> =
                        scopes.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect();
                    scopes.sort_unstable();
                    (scheme.clone(), scopes)
                })
                .collect();
            schemes.sort();
            Alternative(schemes)
        })
        .collect()
}

/// One alternative of a security requirement list: its schemes, each with
/// its scopes, sorted; none for the empty alternative `{}`.
#[derive(Debug, PartialEq, Eq)]
struct Alternative(Vec<(String, Vec<String>)>);

impl Alternative {
    fn is_anonymous(&self) -> bool {
        self.0.is_empty()
    }

    /// The same schemes, whatever their scopes.
    fn same_schemes(&self, other: &Alternative) -> bool {
        self.0.len() == other.0.len() && self.0.iter().zip(&other.0).all(|((a, _), (b, _))| a == b)
    }

    /// Its scopes, each with its scheme (`oauth:write`).
    fn scopes(&self) -> Vec<String> {
        self.0.iter().flat_map(|(scheme, scopes)| scopes.iter().map(move |scope| format!("{scheme}:{scope}"))).collect()
    }
}

/// `key`, or `oauth[read,write] + key`.
impl std::fmt::Display for Alternative {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (scheme, scopes)) in self.0.iter().enumerate() {
            let joined = if i == 0 { "" } else { " + " };
            match scopes.is_empty() {
                true => write!(f, "{joined}{scheme}")?,
                false => write!(f, "{joined}{scheme}[{}]", scopes.join(","))?,
            }
        }
        Ok(())
    }
}
