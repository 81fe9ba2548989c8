//! Two versions of one schema compared, in the direction data flows: a
//! request must still accept what old clients send (narrowing breaks), a
//! response must still be what old clients read (widening breaks).
//!
//! Why in units: large documents share named schemas (`$ref`s into
//! `components`) between hundreds of operations, often in cycles. A pair of
//! schemas is compared once per direction, down to the named schemas it
//! refers to, which are units of their own ([`Unit`]); an operation then
//! visits the units it reaches, each once, and reports their changes at
//! the path it reached them by. The cost is the document's size plus the
//! reachable units per operation, not operations × schema tree.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::rc::Rc;

use serde_json::Value;

use super::{Differ, Level};
use crate::document::{Document, Node};
use crate::operations::{View, scalar_text, types_of};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
    /// property `lines[].sku` (200)".
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
    ("maxProperties", "max-properties", false),
    ("minLength", "min-length", true),
    ("minimum", "min", true),
    ("minItems", "min-items", true),
    ("minProperties", "min-properties", true),
    // OpenAPI 3.1 (JSON Schema) writes exclusive bounds as numbers; 3.0's
    // booleans are flags ([`FLAGS`]).
    ("exclusiveMaximum", "exclusive-max", false),
    ("exclusiveMinimum", "exclusive-min", true),
];

/// Boolean keywords that narrow what a schema accepts when set: keyword and
/// the id's name for it.
const FLAGS: &[(&str, &str)] =
    &[("uniqueItems", "unique-items"), ("exclusiveMaximum", "exclusive-max"), ("exclusiveMinimum", "exclusive-min")];

/// Schemas nested deeper than this inside one unit are not compared further.
const MAX_DEPTH: usize = 64;

/// Where a message names its subject; filled in when the change is reported.
const SUBJECT: &str = "\u{1}";

/// A check id: prefixed by where the schema is (`…-type-changed`), or whole.
#[derive(Clone, Debug)]
pub(super) enum Id {
    Prefixed(String),
    Whole(&'static str),
}

/// A change inside a unit, relative to the unit's root.
#[derive(Clone, Debug)]
pub(super) struct Relative {
    level: Level,
    id: Id,
    /// Property path from the unit's root (`[].total`), empty at the root.
    path: String,
    pointer: String,
    /// Whether `pointer` is into the old version (what was removed).
    old: bool,
    /// The sentence before and after its subject (named when reported).
    message: (String, String),
}

/// A pair of schemas compared once: its own changes, and the named schemas
/// (pairs of `$ref`s, resolved) it refers to, with the path they sit at.
pub(super) struct Unit<'d> {
    changes: Vec<Relative>,
    refers: Vec<(String, Node<'d>, Node<'d>)>,
}

pub(super) type UnitKey = (usize, usize, usize, usize, Direction);

/// Units compared so far, by their resolved nodes and direction.
pub(super) type Units<'d> = std::collections::HashMap<UnitKey, Rc<Unit<'d>>>;

fn key(old: &Node<'_>, new: &Node<'_>, direction: Direction) -> UnitKey {
    (old.file, old.value as *const Value as usize, new.file, new.value as *const Value as usize, direction)
}

fn is_ref(node: &Node<'_>) -> bool {
    node.value.get("$ref").is_some()
}

/// A property path as messages write it: `lines[].sku` is property `sku` of
/// the items of array property `lines`, `[].total` of a list's items, so a
/// property named `items` is never read as an array's items.
fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else if name.is_empty() {
        path.to_string()
    } else if name.starts_with("[]") {
        format!("{path}{name}")
    } else {
        format!("{path}.{name}")
    }
}

/// The items of the array at `path`.
fn items_of(path: &str) -> String {
    format!("{path}[]")
}

impl<'d> Differ<'d> {
    /// Reports every change between two schemas of `subject`, reached at `path`.
    pub(super) fn schema(&mut self, view: &View<'_>, direction: Direction, subject: &Subject, path: &str, old: Node<'d>, new: Node<'d>) {
        let mut queue = VecDeque::from([(path.to_string(), old, new)]);
        let mut visited: HashSet<UnitKey> = HashSet::new();
        while let Some((at, old, new)) = queue.pop_front() {
            let (old, new) = (self.old.resolve(old), self.new.resolve(new));
            if !visited.insert(key(&old, &new, direction)) {
                continue;
            }
            let unit = self.unit(old, new, direction);
            for change in &unit.changes {
                let path = join(&at, &change.path);
                let id = match &change.id {
                    Id::Prefixed(what) => format!("{}-{what}", subject.prefix(direction, &path)),
                    Id::Whole(id) => id.to_string(),
                };
                let message = format!("{}{}{}", change.message.0, subject.describe(&path), change.message.1);
                self.record(change.level, id, view, &change.pointer, change.old, message);
            }
            for (relative, old, new) in &unit.refers {
                queue.push_back((join(&at, relative), old.clone(), new.clone()));
            }
        }
    }

    /// The unit of a resolved pair, compared on first use.
    fn unit(&mut self, old: Node<'d>, new: Node<'d>, direction: Direction) -> Rc<Unit<'d>> {
        let unit_key = key(&old, &new, direction);
        if let Some(unit) = self.units.get(&unit_key) {
            return unit.clone();
        }
        let mut unit = Unit { changes: Vec::new(), refers: Vec::new() };
        let mut walk = Walk { old_document: self.old, new_document: self.new, direction, unit: &mut unit };
        walk.compare("", old, new, 0);
        let unit = Rc::new(unit);
        self.units.insert(unit_key, unit.clone());
        unit
    }
}

/// One unit being compared.
struct Walk<'w, 'd> {
    old_document: &'d Document,
    new_document: &'d Document,
    direction: Direction,
    unit: &'w mut Unit<'d>,
}

impl<'d> Walk<'_, 'd> {
    fn request(&self) -> bool {
        self.direction == Direction::Request
    }

    /// A change at `node`, of the old version when `old`.
    fn record(&mut self, level: Level, id: Id, path: &str, node: &Node<'_>, old: bool, message: String) {
        let message = match message.split_once(SUBJECT) {
            Some((before, after)) => (before.to_string(), after.to_string()),
            None => (message, String::new()),
        };
        self.unit.changes.push(Relative { level, id, path: path.to_string(), pointer: node.pointer.clone(), old, message });
    }

    fn note(&mut self, level: Level, id: Id, path: &str, node: &Node<'_>, message: String) {
        self.record(level, id, path, node, false, message);
    }

    /// [`Self::note`] of what was removed, `node` being the old version's.
    fn note_removed(&mut self, level: Level, id: Id, path: &str, node: &Node<'_>, message: String) {
        self.record(level, id, path, node, true, message);
    }

    fn prefixed(&mut self, level: Level, what: impl Into<String>, path: &str, node: &Node<'_>, message: String) {
        self.note(level, Id::Prefixed(what.into()), path, node, message);
    }

    /// Compares a child pair: named schemas on both sides are units of their own.
    fn child(&mut self, path: &str, old: Node<'d>, new: Node<'d>, depth: usize) {
        if is_ref(&old) && is_ref(&new) {
            let resolved = (self.old_document.resolve(old), self.new_document.resolve(new));
            self.unit.refers.push((path.to_string(), resolved.0, resolved.1));
        } else {
            let (old, new) = (self.old_document.resolve(old), self.new_document.resolve(new));
            self.compare(path, old, new, depth + 1);
        }
    }

    fn compare(&mut self, path: &str, old: Node<'d>, new: Node<'d>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        self.types(path, &old, &new);
        self.enums(path, &old, &new);
        self.bounds(path, &old, &new);
        self.flags(path, &old, &new);
        self.multiple_of(path, &old, &new);
        self.pattern(path, &old, &new);
        self.default(path, &old, &new);
        self.properties(path, &old, &new, depth);
        if let (Some(old_items), Some(new_items)) = (old.child("items"), new.child("items"))
            && old_items.value.is_object()
            && new_items.value.is_object()
        {
            self.child(&items_of(path), old_items, new_items, depth);
        }
        for kind in ["oneOf", "anyOf"] {
            self.branches(path, &old, &new, kind, depth);
        }
    }

    fn types(&mut self, path: &str, old: &Node<'d>, new: &Node<'d>) {
        let (old_types, new_types) = (types_of(old.value), types_of(new.value));
        let (old_format, new_format) = (old.str("format"), new.str("format"));
        let types_differ = !old_types.is_empty() && !new_types.is_empty() && !same_set(&old_types, &new_types);
        if !types_differ && old_format == new_format {
            return;
        }
        let widened =
            |from: &[String], to: &[String]| from.iter().all(|t| to.contains(t) || (t == "integer" && to.iter().any(|n| n == "number")));
        let level = if types_differ {
            let safe = if self.request() { widened(&old_types, &new_types) } else { widened(&new_types, &old_types) };
            if safe { Level::Info } else { Level::Breaking }
        } else {
            // Only the format changed: dropping it widens, adding one narrows.
            match (self.direction, old_format, new_format) {
                (Direction::Request, Some(_), None) | (Direction::Response, None, Some(_)) => Level::Info,
                _ => Level::Breaking,
            }
        };
        let spell =
            |types: &[String], format: Option<&str>| format!("{}{}", types.join("|"), format.map(|f| format!("/{f}")).unwrap_or_default());
        let message =
            format!("type/format of {SUBJECT} changed from `{}` to `{}`", spell(&old_types, old_format), spell(&new_types, new_format));
        let what = match (level, self.direction) {
            (Level::Info, Direction::Request) => "type-generalized",
            (Level::Info, Direction::Response) => "type-specialized",
            _ => "type-changed",
        };
        self.prefixed(level, what, path, new, message);
    }

    fn enums(&mut self, path: &str, old: &Node<'d>, new: &Node<'d>) {
        let values =
            |node: &Node<'_>| node.value.get("enum").and_then(Value::as_array).map(|list| list.iter().map(scalar_text).collect::<Vec<_>>());
        let pointer = new.child("enum").unwrap_or_else(|| new.clone());
        match (values(old), values(new)) {
            (None, Some(_)) if self.request() => {
                self.prefixed(Level::Breaking, "became-enum", path, &pointer, format!("{SUBJECT} became an enum"));
            }
            (Some(_), None) if !self.request() => {
                self.prefixed(Level::Warning, "enum-removed", path, new, format!("{SUBJECT} is no longer an enum"));
            }
            (Some(was), Some(now)) => {
                let (removed_level, added_level) =
                    if self.request() { (Level::Breaking, Level::Info) } else { (Level::Info, Level::Breaking) };
                for value in was.iter().filter(|v| !now.contains(v)) {
                    self.prefixed(
                        removed_level,
                        "enum-value-removed",
                        path,
                        &pointer,
                        format!("enum value `{value}` was removed from {SUBJECT}"),
                    );
                }
                for value in now.iter().filter(|v| !was.contains(v)) {
                    self.prefixed(added_level, "enum-value-added", path, &pointer, format!("enum value `{value}` was added to {SUBJECT}"));
                }
            }
            _ => {}
        }
    }

    fn bounds(&mut self, path: &str, old: &Node<'d>, new: &Node<'d>) {
        for &(keyword, name, larger_is_narrower) in BOUNDS {
            let (was, now) = (old.value.get(keyword).and_then(Value::as_f64), new.value.get(keyword).and_then(Value::as_f64));
            let (what, narrower) = match (was, now) {
                (None, Some(_)) => ("set", true),
                (Some(_), None) => ("removed", false),
                (Some(a), Some(b)) if a != b => (if b > a { "increased" } else { "decreased" }, (b > a) == larger_is_narrower),
                _ => continue,
            };
            let level = self.graded(narrower);
            let spell = |v: Option<f64>| v.map_or_else(|| "none".to_string(), |v| v.to_string());
            let message = format!("`{keyword}` of {SUBJECT} changed from {} to {}", spell(was), spell(now));
            let node = new.child(keyword).unwrap_or_else(|| new.clone());
            self.prefixed(level, format!("{name}-{what}"), path, &node, message);
        }
    }

    /// The level of a change that narrows (or widens) what a schema
    /// accepts: narrowing breaks requests, widening warns on responses.
    fn graded(&self, narrower: bool) -> Level {
        match (self.direction, narrower) {
            (Direction::Request, true) => Level::Breaking,
            (Direction::Response, false) => Level::Warning,
            _ => Level::Info,
        }
    }

    fn flags(&mut self, path: &str, old: &Node<'d>, new: &Node<'d>) {
        for &(keyword, name) in FLAGS {
            let flag = |node: &Node<'_>| node.value.get(keyword).and_then(Value::as_bool).unwrap_or(false);
            let (was, now) = (flag(old), flag(new));
            if was == now {
                continue;
            }
            let (what, said) = if now { ("set", "set") } else { ("removed", "unset") };
            let node = new.child(keyword).unwrap_or_else(|| new.clone());
            self.prefixed(self.graded(now), format!("{name}-{what}"), path, &node, format!("`{keyword}` of {SUBJECT} was {said}"));
        }
    }

    fn multiple_of(&mut self, path: &str, old: &Node<'d>, new: &Node<'d>) {
        let value = |node: &Node<'_>| node.value.get("multipleOf").and_then(Value::as_f64).filter(|v| *v > 0.0);
        let (was, now) = (value(old), value(new));
        // A new divisor of the old step accepts every old value and more.
        let (what, narrower) = match (was, now) {
            (None, Some(_)) => ("set", true),
            (Some(_), None) => ("removed", false),
            (Some(a), Some(b)) if a != b => ("changed", (a / b).fract() != 0.0),
            _ => return,
        };
        let spell = |v: Option<f64>| v.map_or_else(|| "none".to_string(), |v| v.to_string());
        let message = format!("`multipleOf` of {SUBJECT} changed from {} to {}", spell(was), spell(now));
        let node = new.child("multipleOf").unwrap_or_else(|| new.clone());
        self.prefixed(self.graded(narrower), format!("multiple-of-{what}"), path, &node, message);
    }

    /// What a client that leaves a value out gets (request), or may assume
    /// when a response leaves it out: a change either way is felt, and
    /// cannot be judged safe.
    fn default(&mut self, path: &str, old: &Node<'d>, new: &Node<'d>) {
        let (was, now) = (old.value.get("default"), new.value.get("default"));
        let (what, level, message) = match (was, now) {
            (None, Some(now)) => ("default-value-added", Level::Info, format!("default `{}` was set on {SUBJECT}", scalar_text(now))),
            (Some(was), None) => {
                ("default-value-removed", Level::Warning, format!("default `{}` was removed from {SUBJECT}", scalar_text(was)))
            }
            (Some(was), Some(now)) if was != now => (
                "default-value-changed",
                Level::Warning,
                format!("default of {SUBJECT} changed from `{}` to `{}`", scalar_text(was), scalar_text(now)),
            ),
            _ => return,
        };
        let node = new.child("default").unwrap_or_else(|| new.clone());
        self.prefixed(level, what, path, &node, message);
    }

    fn pattern(&mut self, path: &str, old: &Node<'d>, new: &Node<'d>) {
        let (what, level, message) = match (old.str("pattern"), new.str("pattern")) {
            (None, Some(now)) => {
                let level = if self.request() { Level::Breaking } else { Level::Info };
                ("pattern-added", level, format!("pattern `{now}` was set on {SUBJECT}"))
            }
            (Some(was), None) => {
                let level = if self.request() { Level::Info } else { Level::Warning };
                ("pattern-removed", level, format!("pattern `{was}` was removed from {SUBJECT}"))
            }
            // Whether one pattern accepts more than another is not decidable here.
            (Some(was), Some(now)) if was != now => {
                ("pattern-changed", Level::Warning, format!("pattern of {SUBJECT} changed from `{was}` to `{now}`"))
            }
            _ => return,
        };
        let node = new.child("pattern").unwrap_or_else(|| new.clone());
        self.prefixed(level, what, path, &node, message);
    }

    fn properties(&mut self, path: &str, old: &Node<'d>, new: &Node<'d>, depth: usize) {
        let (was, now) = (object_view(self.old_document, old), object_view(self.new_document, new));
        if was.properties.is_empty() && now.properties.is_empty() {
            return;
        }
        let direction = self.direction;
        let hidden = |property: &Node<'_>, document: &Document| {
            let property = document.resolve(property.clone());
            match direction {
                Direction::Request => property.bool("readOnly"),
                Direction::Response => property.bool("writeOnly"),
            }
        };
        let request = self.request();
        for (name, property) in &was.properties {
            if now.properties.contains_key(name) || hidden(property, self.old_document) {
                continue;
            }
            let (level, id) = match (request, was.required.contains(name)) {
                (true, _) => (Level::Warning, "request-property-removed"),
                (false, true) => (Level::Breaking, "response-required-property-removed"),
                (false, false) => (Level::Warning, "response-optional-property-removed"),
            };
            self.note_removed(level, Id::Whole(id), &join(path, name), property, format!("{SUBJECT} was removed"));
        }
        for (name, property) in &now.properties {
            let child_path = join(path, name);
            let required = now.required.contains(name);
            let Some(old_property) = was.properties.get(name) else {
                if hidden(property, self.new_document) {
                    continue;
                }
                let (level, id) = match (request, required) {
                    (true, true) => (Level::Breaking, "new-required-request-property"),
                    (true, false) => (Level::Info, "new-optional-request-property"),
                    (false, true) => (Level::Info, "response-required-property-added"),
                    (false, false) => (Level::Info, "response-optional-property-added"),
                };
                let kind = if required { "required" } else { "optional" };
                self.note(level, Id::Whole(id), &child_path, property, format!("{kind} {SUBJECT} was added"));
                continue;
            };
            match (hidden(old_property, self.old_document), hidden(property, self.new_document)) {
                (true, true) => continue,
                // Visible before, hidden now: gone from what this direction carries.
                (false, true) => {
                    let required = was.required.contains(name);
                    let (level, id, hides) = match (request, required) {
                        (true, true) => (Level::Warning, "request-required-property-became-read-only", "read-only"),
                        (true, false) => (Level::Info, "request-optional-property-became-read-only", "read-only"),
                        (false, true) => (Level::Breaking, "response-required-property-became-write-only", "write-only"),
                        (false, false) => (Level::Warning, "response-optional-property-became-write-only", "write-only"),
                    };
                    self.note(level, Id::Whole(id), &child_path, property, format!("{SUBJECT} became {hides}"));
                    continue;
                }
                (true, false) => {
                    let id = if request { "request-property-became-not-read-only" } else { "response-property-became-not-write-only" };
                    self.note(Level::Info, Id::Whole(id), &child_path, property, format!("{SUBJECT} is no longer hidden here"));
                    continue;
                }
                (false, false) => {}
            }
            let became = match (was.required.contains(name), required, request) {
                (false, true, true) => Some((Level::Breaking, "request-property-became-required", "required")),
                (true, false, true) => Some((Level::Info, "request-property-became-optional", "optional")),
                (true, false, false) => Some((Level::Breaking, "response-property-became-optional", "optional")),
                (false, true, false) => Some((Level::Info, "response-property-became-required", "required")),
                _ => None,
            };
            if let Some((level, id, kind)) = became {
                self.note(level, Id::Whole(id), &child_path, property, format!("{SUBJECT} became {kind}"));
            }
            self.child(&child_path, old_property.clone(), property.clone(), depth);
        }
    }

    /// `oneOf`/`anyOf` branches, matched by the component they name, else by position.
    fn branches(&mut self, path: &str, old: &Node<'d>, new: &Node<'d>, kind: &str, depth: usize) {
        let keyed = |node: &Node<'d>| -> Vec<(String, Node<'d>)> {
            node.child(kind)
                .map(|list| list.items().enumerate().map(|(i, b)| (Document::ref_name(&b).unwrap_or_else(|| format!("#{i}")), b)).collect())
                .unwrap_or_default()
        };
        let (was, now) = (keyed(old), keyed(new));
        if was.is_empty() && now.is_empty() {
            return;
        }
        let id_kind = if kind == "oneOf" { "one-of" } else { "any-of" };
        let (removed_level, added_level) = if self.request() { (Level::Breaking, Level::Info) } else { (Level::Info, Level::Breaking) };
        for (branch_key, branch) in &was {
            match now.iter().find(|(k, _)| k == branch_key) {
                Some((_, matching)) => self.child(path, branch.clone(), matching.clone(), depth),
                None => {
                    let message = format!("`{kind}` branch `{branch_key}` was removed from {SUBJECT}");
                    self.note_removed(removed_level, Id::Prefixed(format!("{id_kind}-removed")), path, branch, message);
                }
            }
        }
        for (branch_key, branch) in now.iter().filter(|(k, _)| !was.iter().any(|(o, _)| o == k)) {
            let message = format!("`{kind}` branch `{branch_key}` was added to {SUBJECT}");
            self.prefixed(added_level, format!("{id_kind}-added"), path, branch, message);
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
