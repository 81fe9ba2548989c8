//! An OpenAPI or Swagger document, read: its text parsed (YAML or JSON),
//! its format known, and every `$ref` checked to resolve, including those
//! into other files, which are read through the caller's [`Fetch`].
//!
//! Decision: documents stay JSON values, not a typed model. The typed crates
//! each cover one version (`openapiv3` 3.0, `oas3` 3.1, none kept for
//! Swagger 2.0), a diff needs one view of all three, and a value keeps
//! every field the views below do not name yet. [`crate::operations`] is
//! that one view.

use std::collections::HashMap;
use std::sync::Arc;

use catalog::Location;
use serde_json::Value;
use thiserror::Error;

/// Which specification a document follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Swagger2,
    OpenApi30,
    /// 3.1 and later 3.x: JSON Schema 2020-12 types (`type: [string, "null"]`).
    OpenApi31,
}

/// A document that cannot be read, at the place that says why.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("{location}: {message}")]
pub struct ReadError {
    pub location: Location,
    pub message: String,
}

/// Reads the files a document's `$ref`s name. `from` is the name of the
/// referring file (as [`Document::read`] or an earlier fetch gave it),
/// `written` the file part of the reference; the answer is the fetched
/// file's own name (against which its references resolve) and its text.
pub trait Fetch {
    fn fetch(&self, from: &str, written: &str) -> Result<(String, String), String>;
}

/// Reads nothing: references into other files are refused.
pub struct NoFetch;

impl Fetch for NoFetch {
    fn fetch(&self, _from: &str, written: &str) -> Result<(String, String), String> {
        Err(format!("`{written}` is in another file, and no other file may be read here"))
    }
}

/// Largest document (or file it references) read, in bytes.
pub const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;

/// Largest number of files one document may pull in through `$ref`s.
pub const MAX_FILES: usize = 256;

/// How many `$ref`s one value may chain through before it is refused.
const MAX_REF_CHAIN: usize = 32;

/// A document and the files its references pulled in; file 0 is the document.
#[derive(Debug)]
pub struct Document {
    pub format: Format,
    files: Vec<File>,
    /// (referring file, file part as written) → index of the file read.
    links: HashMap<(usize, String), usize>,
}

#[derive(Debug)]
struct File {
    name: String,
    root: Value,
}

/// A value somewhere in a document's files, with its JSON pointer there.
#[derive(Clone, Debug)]
pub struct Node<'d> {
    pub file: usize,
    pub value: &'d Value,
    pub pointer: String,
}

impl<'d> Node<'d> {
    /// A member of this object (or item of this array), its pointer extended.
    pub fn child(&self, key: &str) -> Option<Node<'d>> {
        let value = match self.value {
            Value::Object(map) => map.get(key)?,
            Value::Array(items) => items.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
        Some(Node { file: self.file, value, pointer: push_pointer(&self.pointer, key) })
    }

    /// The members of this object in document order, each with its pointer.
    pub fn entries(&self) -> impl Iterator<Item = (&'d str, Node<'d>)> + '_ {
        self.value
            .as_object()
            .into_iter()
            .flatten()
            .map(|(key, value)| (key.as_str(), Node { file: self.file, value, pointer: push_pointer(&self.pointer, key) }))
    }

    pub fn items(&self) -> impl Iterator<Item = Node<'d>> + '_ {
        self.value.as_array().into_iter().flatten().enumerate().map(|(index, value)| Node {
            file: self.file,
            value,
            pointer: push_pointer(&self.pointer, &index.to_string()),
        })
    }

    pub fn str(&self, key: &str) -> Option<&'d str> {
        self.value.get(key)?.as_str()
    }

    pub fn bool(&self, key: &str) -> bool {
        self.value.get(key).and_then(Value::as_bool).unwrap_or(false)
    }
}

impl Document {
    /// Reads a document named `name` (a path or URL, which its relative
    /// references resolve against) from its text.
    pub fn read(name: &str, text: &str, fetch: &dyn Fetch) -> Result<Document, ReadError> {
        let root = parse(name, text)?;
        let format = format_of(name, text, &root)?;
        let mut document = Document { format, files: vec![File { name: name.to_string(), root }], links: HashMap::new() };
        let mut texts = vec![text.to_string()];
        let mut next = 0;
        while next < document.files.len() {
            let mut references = Vec::new();
            collect_refs(&document.files[next].root, &mut references);
            for reference in references {
                let (file_part, fragment) = split_ref(&reference);
                let target = if file_part.is_empty() {
                    next
                } else if let Some(&known) = document.links.get(&(next, file_part.to_string())) {
                    known
                } else {
                    let at = |message: String| locate(&document.files[next].name, &texts[next], &reference, message);
                    if document.files.len() >= MAX_FILES {
                        return Err(at(format!("more than {MAX_FILES} files are referenced")));
                    }
                    let (fetched_name, fetched) = fetch
                        .fetch(&document.files[next].name, file_part)
                        .map_err(|why| at(format!("cannot read `{reference}`: {why}")))?;
                    let index = match document.files.iter().position(|f| f.name == fetched_name) {
                        Some(index) => index,
                        None => {
                            let root = parse(&fetched_name, &fetched)?;
                            document.files.push(File { name: fetched_name, root });
                            texts.push(fetched);
                            document.files.len() - 1
                        }
                    };
                    document.links.insert((next, file_part.to_string()), index);
                    index
                };
                if pointer_get(&document.files[target].root, fragment).is_none() {
                    return Err(locate(
                        &document.files[next].name,
                        &texts[next],
                        &reference,
                        format!("`$ref: {reference}` points at nothing in {}", document.files[target].name),
                    ));
                }
            }
            next += 1;
        }
        Ok(document)
    }

    /// The document's root object.
    pub fn root(&self) -> Node<'_> {
        Node { file: 0, value: &self.files[0].root, pointer: String::new() }
    }

    /// The name of a file of this document (0 is the document itself).
    pub fn file_name(&self, file: usize) -> &str {
        self.files.get(file).map_or("", |f| f.name.as_str())
    }

    /// `node`, or what its `$ref` (chain) points at. A reference that does
    /// not resolve (checked when read, so only a chain too long) gives the
    /// node itself.
    pub fn resolve<'d>(&'d self, node: Node<'d>) -> Node<'d> {
        let mut current = node;
        for _ in 0..MAX_REF_CHAIN {
            let Some(reference) = current.value.get("$ref").and_then(Value::as_str) else { return current };
            let (file_part, fragment) = split_ref(reference);
            let file = if file_part.is_empty() {
                current.file
            } else {
                match self.links.get(&(current.file, file_part.to_string())) {
                    Some(&file) => file,
                    None => return current,
                }
            };
            let Some(value) = pointer_get(&self.files[file].root, fragment) else { return current };
            let prefix = if file == 0 { String::new() } else { format!("{}#", self.files[file].name) };
            current = Node { file, value, pointer: format!("{prefix}{fragment}") };
        }
        current
    }

    /// The name a `$ref`'d node is known by (`Order` for
    /// `#/components/schemas/Order`), when `node` is a reference.
    pub fn ref_name(node: &Node<'_>) -> Option<String> {
        let reference = node.value.get("$ref")?.as_str()?;
        let (_, fragment) = split_ref(reference);
        fragment.rsplit('/').next().filter(|s| !s.is_empty()).map(unescape_token)
    }
}

/// YAML or JSON text → a JSON value; the first document of a YAML stream.
fn parse(name: &str, text: &str) -> Result<Value, ReadError> {
    if text.trim_start().starts_with('{') {
        // JSON is read by serde_json: faster than a YAML reader on the large
        // documents that are usually JSON, and it says where it failed too.
        return serde_json::from_str(text).map_err(|error| ReadError {
            location: Location { file: name.into(), line: error.line().max(1), column: error.column().max(1) },
            message: format!("invalid JSON: {error}"),
        });
    }
    match catalog::yaml::documents(name, text).next() {
        Some(Ok(document)) => Ok(catalog::yaml::to_json(&document.root)),
        Some(Err(problem)) => Err(ReadError { location: problem.location, message: problem.message }),
        None => Err(ReadError { location: start(name), message: "the document is empty".into() }),
    }
}

fn format_of(name: &str, text: &str, root: &Value) -> Result<Format, ReadError> {
    let version_of = |key: &str| root.get(key).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string));
    if let Some(version) = version_of("openapi") {
        return match version.split('.').take(2).collect::<Vec<_>>()[..] {
            ["3", "0"] => Ok(Format::OpenApi30),
            ["3", minor] if minor.parse::<u32>().is_ok_and(|m| m >= 1) => Ok(Format::OpenApi31),
            _ => Err(locate(name, text, "openapi", format!("OpenAPI version `{version}` is not supported (3.0 and 3.1 are)"))),
        };
    }
    if let Some(version) = version_of("swagger") {
        return if version == "2.0" || version == "2" {
            Ok(Format::Swagger2)
        } else {
            Err(locate(name, text, "swagger", format!("Swagger version `{version}` is not supported (2.0 is)")))
        };
    }
    Err(ReadError { location: start(name), message: "not an OpenAPI or Swagger document: it has no `openapi` or `swagger` field".into() })
}

fn start(name: &str) -> Location {
    Location { file: name.into(), line: 1, column: 1 }
}

/// The position of the first place `needle` is written in `text` (the
/// values are JSON by now; their text is searched for where they came from).
fn locate(name: &str, text: &str, needle: &str, message: String) -> ReadError {
    let location = match text.find(needle) {
        Some(offset) => {
            let before = &text[..offset];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Location { file: Arc::from(name), line, column }
        }
        None => start(name),
    };
    ReadError { location, message }
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                out.push(reference.clone());
            }
            for (key, child) in map {
                // Examples are data, not schema: a `$ref` in them is just a key.
                if key != "example" && key != "examples" {
                    collect_refs(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}

/// `other.yaml#/components/x` → (`other.yaml`, `/components/x`).
fn split_ref(reference: &str) -> (&str, &str) {
    match reference.split_once('#') {
        Some((file, fragment)) => (file, fragment),
        None => (reference, ""),
    }
}

/// RFC 6901 JSON pointer lookup, with the percent-decoding a URI fragment may carry.
pub fn pointer_get<'v>(root: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    let mut current = root;
    for token in pointer.strip_prefix('/')?.split('/') {
        let token = unescape_token(token);
        current = match current {
            Value::Object(map) => map.get(&token)?,
            Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

fn unescape_token(token: &str) -> String {
    let decoded = if token.contains('%') { percent_decode(token) } else { token.to_string() };
    decoded.replace("~1", "/").replace("~0", "~")
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text.get(i + 1..i + 3).and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// `pointer` with one more token, escaped as RFC 6901 asks.
pub fn push_pointer(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Files(Vec<(&'static str, &'static str)>);

    impl Fetch for Files {
        fn fetch(&self, _from: &str, written: &str) -> Result<(String, String), String> {
            let name = written.trim_start_matches("./");
            self.0.iter().find(|(n, _)| *n == name).map(|(n, t)| (n.to_string(), t.to_string())).ok_or_else(|| "no such file".to_string())
        }
    }

    #[test]
    fn formats_are_told_apart() {
        let read = |text: &str| Document::read("api.yaml", text, &NoFetch).map(|d| d.format);
        assert_eq!(read("openapi: 3.0.3\npaths: {}\n"), Ok(Format::OpenApi30));
        assert_eq!(read("openapi: 3.1.0\npaths: {}\n"), Ok(Format::OpenApi31));
        assert_eq!(read("{\"swagger\": \"2.0\", \"paths\": {}}"), Ok(Format::Swagger2));
        let error = read("openapi: 4.0.0\n").unwrap_err();
        assert_eq!(error.to_string(), "api.yaml:1:1: OpenAPI version `4.0.0` is not supported (3.0 and 3.1 are)");
        let error = read("info: {title: x}\n").unwrap_err();
        assert!(error.message.contains("not an OpenAPI"), "{error}");
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let error = Document::read("api.yaml", "openapi: 3.0.0\npaths:\n  /a: [x\n", &NoFetch).unwrap_err();
        assert_eq!((error.location.line, &*error.location.file), (4, "api.yaml"), "{error}");
        let error = Document::read("api.json", "{\"openapi\": \"3.0.0\",\n  \"paths\": {,}}", &NoFetch).unwrap_err();
        assert_eq!((error.location.line, error.location.column), (2, 13), "{error}");
    }

    #[test]
    fn references_resolve_across_files_and_broken_ones_are_located() {
        let files = Files(vec![("schemas.yaml", "Order:\n  type: object\n  properties:\n    id: {$ref: '#/Id'}\nId: {type: string}\n")]);
        let text = "openapi: 3.0.0\npaths: {}\ncomponents:\n  schemas:\n    Order: {$ref: './schemas.yaml#/Order'}\n";
        let document = Document::read("api.yaml", text, &files).unwrap();
        let order = document.resolve(document.root().child("components").unwrap().child("schemas").unwrap().child("Order").unwrap());
        assert_eq!(order.pointer, "schemas.yaml#/Order");
        let id = document.resolve(order.child("properties").unwrap().child("id").unwrap());
        assert_eq!(id.value["type"], "string");
        assert_eq!(id.pointer, "schemas.yaml#/Id");

        let broken = "openapi: 3.0.0\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n";
        let error = Document::read("api.yaml", broken, &NoFetch).unwrap_err();
        assert_eq!(error.to_string(), "api.yaml:5:16: `$ref: #/components/schemas/B` points at nothing in api.yaml");
        let error = Document::read("api.yaml", text, &NoFetch).unwrap_err();
        assert!(error.message.contains("no other file may be read"), "{error}");
    }

    #[test]
    fn pointers_escape_and_unescape() {
        assert_eq!(push_pointer("/paths", "/orders/{id}"), "/paths/~1orders~1{id}");
        let value: Value = serde_json::json!({"paths": {"/orders/{id}": {"get": 1}}});
        assert_eq!(pointer_get(&value, "/paths/~1orders~1%7Bid%7D/get"), Some(&Value::from(1)));
    }
}
