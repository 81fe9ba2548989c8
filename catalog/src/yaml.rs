//! YAML text → documents whose every node knows its line and column.
//!
//! `marked-yaml` gives positions but reads only the first document of a
//! stream, so streams are split on `---` / `...` lines here and each
//! document's line offset is remembered. Anchors and aliases are not
//! supported by `marked-yaml`; such a document gets a clear error.

use std::sync::Arc;

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{LoadError, Node};
use serde_json::{Map, Number, Value};

use crate::diagnostic::{Diagnostic, Location};

/// One YAML document of a file, parsed, with where it sits in that file.
pub struct Document {
    pub root: Node,
    /// Added to the parser's 1-based line numbers to get file lines.
    pub line_offset: usize,
    pub file: Arc<str>,
}

impl Document {
    /// The file location of a node (falls back to the document start).
    pub fn location(&self, node: &Node) -> Location {
        match node.span().start() {
            Some(marker) => Location { file: self.file.clone(), line: marker.line() + self.line_offset, column: marker.column() },
            None => self.start(),
        }
    }

    /// The location of `key` inside `map` (the key itself, not its value).
    pub fn key_location(&self, map: &marked_yaml::types::MarkedMappingNode, key: &str) -> Option<Location> {
        map.iter().find(|(k, _)| k.as_str() == key).map(|(k, _)| self.location(&Node::Scalar(k.clone())))
    }

    pub fn start(&self) -> Location {
        Location { file: self.file.clone(), line: self.line_offset + 1, column: 1 }
    }
}

/// Documents one file may hold: a million tiny documents (16 MiB of
/// `---\na: 1`) took 20 s and 1.2 GB to report; a catalog file holds a few.
pub const MAX_DOCUMENTS_PER_FILE: usize = 10_000;

/// Splits a YAML stream into documents and parses each one as it is taken,
/// so a file of thousands of documents never holds all their node trees. A
/// document that fails to parse yields a diagnostic; the others are
/// unaffected. Past [`MAX_DOCUMENTS_PER_FILE`], one error and no more.
pub fn documents(file: &str, text: &str) -> impl Iterator<Item = Result<Document, Diagnostic>> {
    let file: Arc<str> = file.into();
    let mut count = 0usize;
    split_documents(text).filter(|chunk| !chunk.text.trim().is_empty() && !is_only_comments(&chunk.text)).map_while(move |chunk| {
        count += 1;
        if count > MAX_DOCUMENTS_PER_FILE + 1 {
            return None;
        }
        if count > MAX_DOCUMENTS_PER_FILE {
            let at = Location { file: file.clone(), line: chunk.line_offset + 1, column: 1 };
            return Some(Err(Diagnostic::error(
                at,
                format!("more than {MAX_DOCUMENTS_PER_FILE} documents in one file; the rest of it is not read (split the file)"),
            )));
        }
        // prevent_coercion records whether a scalar was quoted, for to_json;
        // duplicate keys are errors, as in Backstage's reader.
        let options = marked_yaml::LoaderOptions::default().prevent_coercion(true).error_on_duplicate_keys(true);
        Some(match marked_yaml::parse_yaml_with_options(0, &chunk.text, options) {
            Ok(root) => Ok(Document { root, line_offset: chunk.line_offset, file: file.clone() }),
            Err(error) => {
                let (line, column, message) = describe_load_error(&error, &chunk.text);
                Err(Diagnostic::error(Location { file: file.clone(), line: line + chunk.line_offset, column }, message))
            }
        })
    })
}

struct Chunk {
    text: String,
    line_offset: usize,
}

/// The documents of a stream, one at a time.
fn split_documents(text: &str) -> impl Iterator<Item = Chunk> + '_ {
    let mut lines = text.lines().enumerate();
    let mut current = String::new();
    let mut start_line = 0; // 0-based line where `current` starts
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        for (index, line) in lines.by_ref() {
            let is_start = line == "---" || line.starts_with("--- ") || line.starts_with("---\t");
            let is_end = line == "..." || line.starts_with("... ");
            if is_start || is_end {
                let chunk = Chunk { text: std::mem::take(&mut current), line_offset: start_line };
                if is_start && line.len() > 3 {
                    // `--- {inline: doc}`: keep the content, on its own line number.
                    start_line = index;
                    current.push_str(&" ".repeat(4));
                    current.push_str(&line[4..]);
                    current.push('\n');
                } else {
                    start_line = index + 1;
                }
                return Some(chunk);
            }
            current.push_str(line);
            current.push('\n');
        }
        done = true;
        Some(Chunk { text: std::mem::take(&mut current), line_offset: start_line })
    })
}

fn is_only_comments(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim_start();
        t.is_empty() || t.starts_with('#') || t.starts_with('%')
    })
}

fn describe_load_error(error: &LoadError, text: &str) -> (usize, usize, String) {
    let (marker, message) = match error {
        LoadError::TopLevelMustBeMapping(m) => (m, "a document must be a YAML mapping".to_string()),
        LoadError::TopLevelMustBeSequence(m) => (m, "expected a YAML sequence".to_string()),
        LoadError::UnexpectedAnchor(m) => {
            let (line, column) = (m.line().max(1), m.column().max(1));
            return match anchor_before(text, line, column) {
                Some((line, column, token)) => {
                    let what = if token.starts_with('&') { "anchor" } else { "alias" };
                    (
                        line,
                        column,
                        format!("YAML {what} `{token}` is not read here (no anchors or aliases): write the value out where it is used"),
                    )
                }
                None => (line, column, "YAML anchors and aliases are not read here: write the value out where it is used".to_string()),
            };
        }
        LoadError::MappingKeyMustBeScalar(m) => (m, "mapping keys must be plain strings".to_string()),
        LoadError::UnexpectedTag(m) => (m, "explicit YAML tags (`!name`) are not read here".to_string()),
        LoadError::ScanError(m, e) => (m, format!("invalid YAML: {}", e.info())),
        LoadError::DuplicateKey(inner) => {
            let key = &inner.key;
            let line = key.span().start().map_or(1, |m| m.line());
            let column = key.span().start().map_or(1, |m| m.column());
            return (line, column, format!("duplicate key `{}`", key.as_str()));
        }
    };
    (marker.line().max(1), marker.column().max(1), message)
}

/// Where the nodes of one YAML (or JSON) text start, looked up by JSON
/// pointer: what turns a report's `/paths/~1orders/get` into
/// `orders.yaml:12:5`. Parsed once, asked many times.
pub struct Positions {
    root: Option<Node>,
}

impl Positions {
    /// The text's first document; nothing is found in a text that does not parse.
    pub fn of(text: &str) -> Positions {
        let options = marked_yaml::LoaderOptions::default().prevent_coercion(true);
        Positions { root: marked_yaml::parse_yaml_with_options(0, text, options).ok() }
    }

    /// The 1-based line and column of what `pointer` names: the key that
    /// names a mapping's entry, a list item's start (its first key, for a
    /// mapping); the document's start for the empty pointer.
    pub fn find(&self, pointer: &str) -> Option<(usize, usize)> {
        let mut node = self.root.as_ref()?;
        let mut at = node.span().start().map(|m| (m.line(), m.column()));
        for token in pointer.split('/').skip(1) {
            let token = token.replace("~1", "/").replace("~0", "~");
            (node, at) = match node {
                Node::Mapping(map) => {
                    let (key, value) = map.iter().find(|(key, _)| key.as_str() == token)?;
                    (value, key.span().start().map(|m| (m.line(), m.column())))
                }
                Node::Sequence(items) => {
                    let item = items.get(token.parse::<usize>().ok()?)?;
                    let first_key = item.as_mapping().and_then(|map| map.iter().next()).and_then(|(key, _)| key.span().start().copied());
                    (item, first_key.or_else(|| item.span().start().copied()).map(|m| (m.line(), m.column())))
                }
                Node::Scalar(_) => return None,
            };
        }
        at
    }
}

/// The anchor (`&name`) or alias (`*name`) nearest before or at the parser's
/// position (1-based line and column, which points at the anchored node):
/// its own line, column and text.
fn anchor_before(text: &str, line: usize, column: usize) -> Option<(usize, usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    for (index, content) in lines.iter().enumerate().take(line.min(lines.len())).rev() {
        let chars: Vec<char> = content.chars().collect();
        let end = if index + 1 == line { column.min(chars.len()) } else { chars.len() };
        // Starts of tokens: `&` or `*` after a space, a flow indicator, or the line's start.
        let found = (0..end).rev().find(|&at| {
            matches!(chars[at], '&' | '*')
                && (at == 0 || matches!(chars[at - 1], ' ' | '\t' | '[' | '{' | ',' | ':' | '-'))
                && chars.get(at + 1).is_some_and(|c| !c.is_whitespace())
        });
        if let Some(at) = found {
            let token: String = chars[at..].iter().take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}')).collect();
            return Some((index + 1, at + 1, token));
        }
    }
    None
}

/// Reads the fields of one document, collecting each problem at its
/// position: what the readers of documents kept beside the descriptors
/// (OpenSLO SLOs, scorecards) share.
pub struct FieldReader<'d> {
    pub document: &'d Document,
    pub problems: Vec<Diagnostic>,
}

impl<'d> FieldReader<'d> {
    pub fn new(document: &'d Document) -> Self {
        Self { document, problems: Vec::new() }
    }

    pub fn at(&self, node: &Node) -> Location {
        self.document.location(node)
    }

    pub fn at_span(&self, span: &marked_yaml::Span) -> Location {
        match span.start() {
            Some(marker) => {
                Location { file: self.document.file.clone(), line: marker.line() + self.document.line_offset, column: marker.column() }
            }
            None => self.document.start(),
        }
    }

    pub fn at_scalar(&self, scalar: &MarkedScalarNode) -> Location {
        self.at_span(scalar.span())
    }

    /// A mapping's first key: the parser starts a block mapping's span after it.
    pub fn at_mapping(&self, mapping: &MarkedMappingNode) -> Location {
        match mapping.iter().next() {
            Some((key, _)) => self.at_scalar(key),
            None => self.at_span(mapping.span()),
        }
    }

    pub fn error(&mut self, location: Location, message: impl Into<String>) {
        self.problems.push(Diagnostic::error(location, message));
    }

    pub fn warning(&mut self, location: Location, message: impl Into<String>) {
        self.problems.push(Diagnostic::warning(location, message));
    }

    /// Reports `what` missing from `mapping` (at its first key).
    pub fn missing<T>(&mut self, mapping: &MarkedMappingNode, what: &str) -> Option<T> {
        let location = self.at_mapping(mapping);
        self.error(location, format!("`{what}` is required here"));
        None
    }

    /// A mapping under `key`; an error if absent (when `required`) or not a mapping.
    pub fn mapping<'m>(&mut self, parent: &'m MarkedMappingNode, key: &str, required: bool) -> Option<&'m MarkedMappingNode> {
        match parent.get_node(key) {
            None if required => self.missing(parent, key),
            None => None,
            Some(Node::Mapping(mapping)) => Some(mapping),
            Some(other) => {
                let location = self.at(other);
                self.error(location, format!("`{key}` must be a mapping"));
                None
            }
        }
    }

    /// The strings under `key`, lower case: one string or a list of them
    /// (none when absent; an error when neither).
    pub fn strings(&mut self, parent: &MarkedMappingNode, key: &str) -> Vec<String> {
        match parent.get_node(key) {
            None => Vec::new(),
            Some(Node::Scalar(scalar)) => vec![scalar.as_str().to_ascii_lowercase()],
            Some(Node::Sequence(items)) => {
                items.iter().filter_map(|item| item.as_scalar().map(|s| s.as_str().to_ascii_lowercase())).collect()
            }
            Some(other) => {
                let location = self.at(other);
                self.error(location, format!("`{key}` must be a string or a list of strings"));
                Vec::new()
            }
        }
    }

    /// A non-empty string under `key`; an error if absent (when `required`) or not one.
    pub fn string<'m>(&mut self, parent: &'m MarkedMappingNode, key: &str, required: bool) -> Option<&'m MarkedScalarNode> {
        match parent.get_node(key) {
            None if required => self.missing(parent, key),
            None => None,
            Some(Node::Scalar(scalar)) if !scalar.as_str().trim().is_empty() => Some(scalar),
            Some(other) => {
                let location = self.at(other);
                self.error(location, format!("`{key}` must be a non-empty string"));
                None
            }
        }
    }
}

/// A document with `apiVersion` or `kind` at its root is meant as a
/// descriptor, unless its `apiVersion` is another specification's.
pub fn looks_like_descriptor(root: &Node) -> bool {
    let Some(mapping) = root.as_mapping() else { return false };
    !is_other_specification(root) && (mapping.get_node("apiVersion").is_some() || mapping.get_node("kind").is_some())
}

/// Another specification's document kept beside the descriptors (OpenSLO
/// SLOs, Meridian's scorecards): never an entity, wherever it is found;
/// its reader takes it.
pub fn is_other_specification(root: &Node) -> bool {
    let Some(mapping) = root.as_mapping() else { return false };
    let api_version = mapping.get_scalar("apiVersion").map(|s| s.as_str().to_ascii_lowercase());
    api_version.is_some_and(|v| FOREIGN_API_VERSIONS.iter().any(|prefix| v.starts_with(prefix)))
}

/// `apiVersion` prefixes of documents that are not catalog descriptors.
const FOREIGN_API_VERSIONS: &[&str] = &["openslo/", "meridian.dev/"];

/// Whether a file's text may hold documents of another specification: a
/// quick look, so that only those files are handed to their readers.
pub fn mentions_other_specification(text: &str) -> bool {
    FOREIGN_API_VERSIONS.iter().any(|prefix| text.contains(prefix))
}

/// Parses the first document of a YAML text into JSON (for `$yaml`).
pub fn yaml_to_json(file: &str, text: &str) -> Result<Value, String> {
    let mut first = None;
    for document in documents(file, text) {
        // A problem in any document fails the whole text, as a parser of the full stream would.
        let document = document.map_err(|problem| problem.to_string())?;
        first.get_or_insert_with(|| to_json(&document.root));
    }
    Ok(first.unwrap_or(Value::Null))
}

/// The JSON value of a node. Plain (unquoted) scalars follow YAML's core
/// schema (null, booleans, integers, floats); quoted ones stay strings.
pub fn to_json(node: &Node) -> Value {
    match node {
        Node::Scalar(scalar) => {
            let text = scalar.as_str();
            if !scalar.may_coerce() {
                return Value::String(text.to_string());
            }
            match text {
                "" | "~" | "null" | "Null" | "NULL" => Value::Null,
                "true" | "True" | "TRUE" => Value::Bool(true),
                "false" | "False" | "FALSE" => Value::Bool(false),
                _ => {
                    if let Ok(i) = text.parse::<i64>() {
                        Value::Number(i.into())
                    } else if let Some(n) = looks_like_float(text).then(|| text.parse::<f64>().ok()).flatten().and_then(Number::from_f64) {
                        Value::Number(n)
                    } else {
                        Value::String(text.to_string())
                    }
                }
            }
        }
        Node::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        Node::Mapping(map) => {
            let mut out = Map::new();
            for (key, value) in map.iter() {
                out.insert(key.as_str().to_string(), to_json(value));
            }
            Value::Object(out)
        }
    }
}

/// Only decimal forms count as floats: `inf`, `nan` and `1e` stay strings.
fn looks_like_float(text: &str) -> bool {
    let t = text.strip_prefix(['-', '+']).unwrap_or(text);
    t.contains('.')
        && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        && t.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_find_where_their_nodes_start() {
        let positions = Positions::of("paths:\n  /a~b/c:\n    get:\n      parameters:\n        - name: q\n");
        assert_eq!(positions.find("/paths/~1a~0b~1c/get/parameters/0/name"), Some((5, 11)), "the key `name`");
        assert_eq!(positions.find("/paths/~1a~0b~1c/get/parameters/0"), Some((5, 11)), "the item, at its first key");
        assert_eq!(positions.find("/paths/~1a~0b~1c/get"), Some((3, 5)), "the key `get`");
        assert_eq!(positions.find("/paths/nope"), None);
        assert_eq!(Positions::of("{json: [1, 2]}").find("/json/1"), Some((1, 12)));
        assert_eq!(Positions::of("{\"json\": {\"a\": 1}}").find("/json/a"), Some((1, 11)), "JSON is YAML");
        assert_eq!(Positions::of("a: [").find("/a"), None, "text that does not parse finds nothing");
    }

    #[test]
    fn anchors_and_aliases_are_named_where_they_are_written() {
        let text = "a: &shared\n  x: 1\nb: [1, *shared]\n";
        assert_eq!(anchor_before(text, 2, 3), Some((1, 4, "&shared".to_string())), "the anchored node points back to its anchor");
        assert_eq!(anchor_before(text, 3, 14), Some((3, 8, "*shared".to_string())), "an alias in a flow list");
        assert_eq!(anchor_before("a: b*c\n", 1, 6), None, "a star inside a word is no alias");
    }

    #[test]
    fn documents_keep_their_file_lines() {
        let text = "a: 1\n---\nb: 2\nc: [x\n---\nd: 4\n";
        let (docs, diags): (Vec<_>, Vec<_>) = documents("f.yaml", text).partition(Result::is_ok);
        let docs: Vec<Document> = docs.into_iter().flatten().collect();
        let diags: Vec<Diagnostic> = diags.into_iter().filter_map(Result::err).collect();
        assert_eq!(docs.len(), 2);
        let d = &docs[1];
        let node = d.root.as_mapping().unwrap().get_node("d").unwrap();
        assert_eq!(d.location(node).line, 6);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].location.line >= 3, "{:?}", diags[0]);
    }

    #[test]
    fn scalars_are_typed_like_yaml() {
        let doc = documents("f", "a: 1\nb: '1'\nc: true\nd: 1.5\ne: ~\nf: text\n").next().unwrap().unwrap();
        let v = to_json(&doc.root);
        assert_eq!(v["a"], Value::from(1));
        assert_eq!(v["b"], Value::from("1"));
        assert_eq!(v["c"], Value::from(true));
        assert_eq!(v["d"], Value::from(1.5));
        assert_eq!(v["e"], Value::Null);
        assert_eq!(v["f"], Value::from("text"));
    }
}
