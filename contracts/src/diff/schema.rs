//! Two versions of one schema compared, in the direction data flows: a
//! request must still accept what old clients send (narrowing breaks), a
//! response must still be what old clients read (widening breaks).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Differ, Level};
use crate::document::{Document, Node};
use crate::operations::{View, scalar_text, types_of};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Direction {
    Request,
    Response,
}

/// Whose schema it is.
pub(super) enum Subject {
    Parameter {
        location: String,
        name: String,
    },
    /// The request body (no status) or a response's.
    Body {
        status: Option<String>,
    },
}

impl Subject {
    /// The first part of a check id: `request-parameter`, `response-property`…
    fn prefix(&self, direction: Direction, path: &str) -> &'static str {
        match (self, direction, path.is_empty()) {
            (Subject::Parameter { .. }, _, true) => "request-parameter",
            (_, Direction::Request, true) => "request-body",
            (_, Direction::Request, false) => "request-property",
            (_, Direction::Response, true) => "response-body",
            (_, Direction::Response, false) => "response-property",
        }
    }

    /// What a sentence calls it: "query parameter `limit`", "response
    /// property `lines/items/sku` (200)".
    pub(super) fn describe(&self, path: &str) -> String {
        match (self, path.is_empty()) {
            (Subject::Parameter { location, name }, true) => format!("{location} parameter `{name}`"),
            (Subject::Parameter { location, name }, false) => format!("property `{path}` of {location} parameter `{name}`"),
            (Subject::Body { status: None }, true) => "request body".to_string(),
            (Subject::Body { status: None }, false) => format!("request property `{path}`"),
            (Subject::Body { status: Some(status) }, true) => format!("response {status} body"),
            (Subject::Body { status: Some(status) }, false) => format!("response property `{path}` ({status})"),
        }
    }
}

/// Numeric bounds: keyword, the id's name for it, and whether a larger
/// value is the narrower one.
const BOUNDS: &[(&str, &str, bool)] = &[
    ("maxLength", "max-length", false),
    ("maximum", "max", false),
    ("maxItems", "max-items", false),
    ("minLength", "min-length", true),
    ("minimum", "min", true),
    ("minItems", "min-items", true),
];

/// Schemas nested deeper than this are not compared further.
const MAX_DEPTH: usize = 64;

struct Step<'a> {
    view: &'a View<'a>,
    direction: Direction,
    subject: &'a Subject,
    path: &'a str,
}

impl<'d> Differ<'d> {
    pub(super) fn schema(&mut self, view: &View<'_>, direction: Direction, subject: &Subject, path: &str, old: Node<'d>, new: Node<'d>) {
        self.compare(&Step { view, direction, subject, path }, old, new, 0);
    }

    fn compare(&mut self, step: &Step<'_>, old: Node<'d>, new: Node<'d>, depth: usize) {
        let (old, new) = (self.old.resolve(old), self.new.resolve(new));
        let key = (
            old.file,
            old.value as *const Value as usize,
            new.file,
            new.value as *const Value as usize,
            step.direction == Direction::Request,
        );
        if depth > MAX_DEPTH || !self.seen.insert(key) {
            return;
        }
        self.types(step, &old, &new);
        self.enums(step, &old, &new);
        self.bounds(step, &old, &new);
        self.pattern(step, &old, &new);
        self.properties(step, &old, &new, depth);
        if let (Some(old_items), Some(new_items)) = (old.child("items"), new.child("items"))
            && old_items.value.is_object()
            && new_items.value.is_object()
        {
            let path = join(step.path, "items");
            self.compare(&Step { path: &path, ..*step }, old_items, new_items, depth + 1);
        }
        for kind in ["oneOf", "anyOf"] {
            self.branches(step, &old, &new, kind, depth);
        }
    }

    fn report(&mut self, step: &Step<'_>, level: Level, what: &str, node: &Node<'_>, message: String) {
        let id = format!("{}-{what}", step.subject.prefix(step.direction, step.path));
        self.push(level, id, step.view, &node.pointer, message);
    }

    fn types(&mut self, step: &Step<'_>, old: &Node<'d>, new: &Node<'d>) {
        let (old_types, new_types) = (types_of(old.value), types_of(new.value));
        let (old_format, new_format) = (old.str("format"), new.str("format"));
        let types_differ = !old_types.is_empty() && !new_types.is_empty() && !same_set(&old_types, &new_types);
        if !types_differ && old_format == new_format {
            return;
        }
        let widened =
            |from: &[String], to: &[String]| from.iter().all(|t| to.contains(t) || (t == "integer" && to.iter().any(|n| n == "number")));
        let level = if types_differ {
            let safe = match step.direction {
                Direction::Request => widened(&old_types, &new_types),
                Direction::Response => widened(&new_types, &old_types),
            };
            if safe { Level::Info } else { Level::Breaking }
        } else {
            // Only the format changed: dropping it widens, adding one narrows.
            match (step.direction, old_format, new_format) {
                (Direction::Request, Some(_), None) | (Direction::Response, None, Some(_)) => Level::Info,
                _ => Level::Breaking,
            }
        };
        let spell =
            |types: &[String], format: Option<&str>| format!("{}{}", types.join("|"), format.map(|f| format!("/{f}")).unwrap_or_default());
        let message = format!(
            "type/format of {} changed from `{}` to `{}`",
            step.subject.describe(step.path),
            spell(&old_types, old_format),
            spell(&new_types, new_format)
        );
        let what = match (level, step.direction) {
            (Level::Info, Direction::Request) => "type-generalized",
            (Level::Info, Direction::Response) => "type-specialized",
            _ => "type-changed",
        };
        self.report(step, level, what, new, message);
    }

    fn enums(&mut self, step: &Step<'_>, old: &Node<'d>, new: &Node<'d>) {
        let values =
            |node: &Node<'_>| node.value.get("enum").and_then(Value::as_array).map(|list| list.iter().map(scalar_text).collect::<Vec<_>>());
        let subject = step.subject.describe(step.path);
        let pointer = new.child("enum").unwrap_or_else(|| new.clone());
        match (values(old), values(new)) {
            (None, Some(_)) if step.direction == Direction::Request => {
                self.report(step, Level::Breaking, "became-enum", &pointer, format!("{subject} became an enum"));
            }
            (Some(_), None) if step.direction == Direction::Response => {
                self.report(step, Level::Warning, "enum-removed", new, format!("{subject} is no longer an enum"));
            }
            (Some(was), Some(now)) => {
                let (removed_level, added_level) = match step.direction {
                    Direction::Request => (Level::Breaking, Level::Info),
                    Direction::Response => (Level::Info, Level::Breaking),
                };
                for value in was.iter().filter(|v| !now.contains(v)) {
                    self.report(
                        step,
                        removed_level,
                        "enum-value-removed",
                        &pointer,
                        format!("enum value `{value}` was removed from {subject}"),
                    );
                }
                for value in now.iter().filter(|v| !was.contains(v)) {
                    self.report(step, added_level, "enum-value-added", &pointer, format!("enum value `{value}` was added to {subject}"));
                }
            }
            _ => {}
        }
    }

    fn bounds(&mut self, step: &Step<'_>, old: &Node<'d>, new: &Node<'d>) {
        let subject = step.subject.describe(step.path);
        for &(keyword, name, larger_is_narrower) in BOUNDS {
            let (was, now) = (old.value.get(keyword).and_then(Value::as_f64), new.value.get(keyword).and_then(Value::as_f64));
            let (what, narrower) = match (was, now) {
                (None, Some(_)) => ("set", true),
                (Some(_), None) => ("removed", false),
                (Some(a), Some(b)) if a != b => {
                    let narrower = (b > a) == larger_is_narrower;
                    (if b > a { "increased" } else { "decreased" }, narrower)
                }
                _ => continue,
            };
            let level = match (step.direction, narrower) {
                (Direction::Request, true) => Level::Breaking,
                (Direction::Response, false) => Level::Warning,
                _ => Level::Info,
            };
            let spell = |v: Option<f64>| v.map_or_else(|| "none".to_string(), |v| v.to_string());
            let message = format!("`{keyword}` of {subject} changed from {} to {}", spell(was), spell(now));
            let node = new.child(keyword).unwrap_or_else(|| new.clone());
            self.report(step, level, &format!("{name}-{what}"), &node, message);
        }
    }

    fn pattern(&mut self, step: &Step<'_>, old: &Node<'d>, new: &Node<'d>) {
        let subject = step.subject.describe(step.path);
        let (what, level, message) = match (old.str("pattern"), new.str("pattern")) {
            (None, Some(now)) => {
                let level = if step.direction == Direction::Request { Level::Breaking } else { Level::Info };
                ("pattern-added", level, format!("pattern `{now}` was set on {subject}"))
            }
            (Some(was), None) => {
                let level = if step.direction == Direction::Response { Level::Warning } else { Level::Info };
                ("pattern-removed", level, format!("pattern `{was}` was removed from {subject}"))
            }
            // Whether one pattern accepts more than another is not decidable here.
            (Some(was), Some(now)) if was != now => {
                ("pattern-changed", Level::Warning, format!("pattern of {subject} changed from `{was}` to `{now}`"))
            }
            _ => return,
        };
        let node = new.child("pattern").unwrap_or_else(|| new.clone());
        self.report(step, level, what, &node, message);
    }

    fn properties(&mut self, step: &Step<'_>, old: &Node<'d>, new: &Node<'d>, depth: usize) {
        let (was, now) = (object_view(self.old, old), object_view(self.new, new));
        let hidden = |property: &Node<'_>, document: &Document| {
            let property = document.resolve(property.clone());
            match step.direction {
                Direction::Request => property.bool("readOnly"),
                Direction::Response => property.bool("writeOnly"),
            }
        };
        let request = step.direction == Direction::Request;
        for (name, property) in &was.properties {
            if now.properties.contains_key(name) || hidden(property, self.old) {
                continue;
            }
            let path = join(step.path, name);
            let subject = step.subject.describe(&path);
            let required = was.required.contains(name);
            let (level, id) = match (request, required) {
                (true, _) => (Level::Warning, "request-property-removed"),
                (false, true) => (Level::Breaking, "response-required-property-removed"),
                (false, false) => (Level::Warning, "response-optional-property-removed"),
            };
            self.push(level, id, step.view, &property.pointer, format!("{subject} was removed"));
        }
        for (name, property) in &now.properties {
            let path = join(step.path, name);
            let subject = step.subject.describe(&path);
            let required = now.required.contains(name);
            let Some(old_property) = was.properties.get(name) else {
                if hidden(property, self.new) {
                    continue;
                }
                let (level, id) = match (request, required) {
                    (true, true) => (Level::Breaking, "new-required-request-property"),
                    (true, false) => (Level::Info, "new-optional-request-property"),
                    (false, true) => (Level::Info, "response-required-property-added"),
                    (false, false) => (Level::Info, "response-optional-property-added"),
                };
                let kind = if required { "required" } else { "optional" };
                self.push(level, id, step.view, &property.pointer, format!("{kind} {subject} was added"));
                continue;
            };
            if hidden(property, self.new) || hidden(old_property, self.old) {
                continue;
            }
            match (was.required.contains(name), required, request) {
                (false, true, true) => self.push(
                    Level::Breaking,
                    "request-property-became-required",
                    step.view,
                    &property.pointer,
                    format!("{subject} became required"),
                ),
                (true, false, true) => self.push(
                    Level::Info,
                    "request-property-became-optional",
                    step.view,
                    &property.pointer,
                    format!("{subject} became optional"),
                ),
                (true, false, false) => self.push(
                    Level::Breaking,
                    "response-property-became-optional",
                    step.view,
                    &property.pointer,
                    format!("{subject} became optional"),
                ),
                (false, true, false) => self.push(
                    Level::Info,
                    "response-property-became-required",
                    step.view,
                    &property.pointer,
                    format!("{subject} became required"),
                ),
                _ => {}
            }
            self.compare(&Step { path: &path, ..*step }, old_property.clone(), property.clone(), depth + 1);
        }
    }

    /// `oneOf`/`anyOf` branches, matched by the component they name, else by position.
    fn branches(&mut self, step: &Step<'_>, old: &Node<'d>, new: &Node<'d>, kind: &str, depth: usize) {
        let keyed = |node: &Node<'d>| -> Vec<(String, Node<'d>)> {
            node.child(kind)
                .map(|list| list.items().enumerate().map(|(i, b)| (Document::ref_name(&b).unwrap_or_else(|| format!("#{i}")), b)).collect())
                .unwrap_or_default()
        };
        let (was, now) = (keyed(old), keyed(new));
        if was.is_empty() && now.is_empty() {
            return;
        }
        let subject = step.subject.describe(step.path);
        let id_kind = if kind == "oneOf" { "one-of" } else { "any-of" };
        let (removed_level, added_level) = match step.direction {
            Direction::Request => (Level::Breaking, Level::Info),
            Direction::Response => (Level::Info, Level::Breaking),
        };
        for (key, branch) in &was {
            match now.iter().find(|(k, _)| k == key) {
                Some((_, matching)) => self.compare(step, branch.clone(), matching.clone(), depth + 1),
                None => self.report(
                    step,
                    removed_level,
                    &format!("{id_kind}-removed"),
                    branch,
                    format!("`{kind}` branch `{key}` was removed from {subject}"),
                ),
            }
        }
        for (key, branch) in now.iter().filter(|(k, _)| !was.iter().any(|(o, _)| o == k)) {
            self.report(step, added_level, &format!("{id_kind}-added"), branch, format!("`{kind}` branch `{key}` was added to {subject}"));
        }
    }
}

/// An object's properties and required names, `allOf` parts merged in.
struct ObjectView<'d> {
    properties: BTreeMap<String, Node<'d>>,
    required: Vec<String>,
}

fn object_view<'d>(document: &'d Document, node: &Node<'d>) -> ObjectView<'d> {
    let mut view = ObjectView { properties: BTreeMap::new(), required: Vec::new() };
    collect_object(document, node.clone(), &mut view, 0);
    view
}

fn collect_object<'d>(document: &'d Document, node: Node<'d>, view: &mut ObjectView<'d>, depth: usize) {
    let node = document.resolve(node);
    if depth > 16 {
        return;
    }
    if let Some(properties) = node.child("properties") {
        for (name, property) in properties.entries() {
            view.properties.entry(name.to_string()).or_insert(property);
        }
    }
    for name in node.value.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        if !view.required.iter().any(|r| r == name) {
            view.required.push(name.to_string());
        }
    }
    if let Some(parts) = node.child("allOf") {
        for part in parts.items() {
            collect_object(document, part, view, depth + 1);
        }
    }
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|t| b.contains(t))
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() { name.to_string() } else { format!("{path}/{name}") }
}
