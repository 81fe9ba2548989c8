//! `meridian api diff` on a large document: a generated OpenAPI 3.0
//! document of about 5 MB (JSON; the same as YAML), read, listed as
//! operations, and diffed against an edited copy with changes of every
//! family. Medians of several runs, single-threaded.
//!
//!     cargo bench -p contracts --bench diff_scale
//!
//! Figures go in BENCHMARKS.md.

use std::time::{Duration, Instant};

use contracts::{Document, NoFetch};
use serde_json::{Value, json};

const RUNS: usize = 5;

/// How the generated document's schemas refer to each other.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// As most real APIs: each resource its own schemas, a few common ones shared.
    Tree,
    /// Every schema reaches every other through `$ref`s: the worst case.
    Dense,
}

const COMMON: usize = 20;

fn scalar(p: usize, what: &str) -> Value {
    match p % 4 {
        0 => {
            json!({"type": "string", "maxLength": 256, "description": format!("The {what}'s field {p}, as the service stores and returns it.")})
        }
        1 => json!({"type": "integer", "format": "int64", "minimum": 0, "description": format!("A count of {what} things.")}),
        2 => json!({"type": "string", "enum": ["new", "active", "closed", "archived"]}),
        _ => json!({"type": "string", "format": "date-time"}),
    }
}

fn object(fields: usize, what: &str, extra: Vec<(String, Value)>) -> Value {
    let mut properties: serde_json::Map<String, Value> = (0..fields).map(|p| (format!("field{p}"), scalar(p, what))).collect();
    properties.extend(extra);
    json!({"type": "object", "required": ["field0", "field1"], "description": format!("A {what}."), "properties": properties})
}

fn reference(name: String) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn document(shape: Shape, paths_count: usize) -> Value {
    let mut schemas = serde_json::Map::new();
    let mut paths = serde_json::Map::new();
    for c in 0..COMMON {
        schemas.insert(format!("Common{c}"), object(6, "common value", vec![]));
    }
    for i in 0..paths_count {
        let extra = match shape {
            Shape::Tree => vec![
                ("audit".to_string(), reference(format!("Common{}", i % COMMON))),
                ("lines".to_string(), json!({"type": "array", "items": reference(format!("Line{i}"))})),
            ],
            Shape::Dense => vec![
                ("next".to_string(), reference(format!("Resource{}", (i + 1) % paths_count))),
                ("related".to_string(), json!({"type": "array", "items": reference(format!("Resource{}", (i * 7 + 3) % paths_count))})),
            ],
        };
        schemas.insert(format!("Resource{i}"), object(12, "resource", extra));
        if shape == Shape::Tree {
            schemas.insert(
                format!("Line{i}"),
                object(8, "line", vec![("price".to_string(), reference(format!("Common{}", (i + 1) % COMMON)))]),
            );
        }
        let body = || json!({"content": {"application/json": {"schema": reference(format!("Resource{i}"))}}});
        paths.insert(
            format!("/resources{i}/{{id}}"),
            json!({
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "get": {
                    "operationId": format!("get{i}"),
                    "summary": format!("Read resource {i}"),
                    "parameters": [
                        {"name": "fields", "in": "query", "schema": {"type": "string", "pattern": "^[a-z,]+$"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}},
                        {"name": "X-Tenant", "in": "header", "schema": {"type": "string"}}
                    ],
                    "responses": {"200": merge(body(), json!({"description": "the resource"})), "404": {"description": "none"}}
                },
                "put": {
                    "operationId": format!("put{i}"),
                    "requestBody": merge(body(), json!({"required": true})),
                    "responses": {"200": merge(body(), json!({"description": "stored"})), "400": {"description": "invalid"}}
                }
            }),
        );
    }
    json!({"openapi": "3.0.3", "info": {"title": "large", "version": "1.0.0"}, "paths": paths, "components": {"schemas": schemas}})
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

/// A copy with changes of every family: operations removed, parameters
/// added as required, bounds narrowed, enum values removed, types changed,
/// required properties removed (in resources and in two common schemas).
fn edited(original: &Value, paths_count: usize) -> Value {
    let mut copy = original.clone();
    for i in (0..paths_count).step_by(60) {
        copy["paths"][format!("/resources{i}/{{id}}")].as_object_mut().map(|item| item.remove("put"));
    }
    for i in (5..paths_count).step_by(40) {
        let get = &mut copy["paths"][format!("/resources{i}/{{id}}")]["get"];
        if let Some(parameters) = get["parameters"].as_array_mut() {
            parameters.push(json!({"name": "region", "in": "query", "required": true, "schema": {"type": "string"}}));
        }
        get["parameters"][1]["schema"]["maximum"] = json!(50);
    }
    let mut change = |name: String| {
        let schema = &mut copy["components"]["schemas"][name];
        schema["properties"]["field2"]["enum"] = json!(["new", "active"]);
        schema["properties"]["field1"]["type"] = json!("string");
        schema["properties"].as_object_mut().map(|p| p.remove("field0"));
    };
    for i in (0..paths_count).step_by(25) {
        change(format!("Resource{i}"));
    }
    change("Common3".to_string());
    change("Common11".to_string());
    copy
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn timed<T>(mut work: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        last = Some(work());
        times.push(started.elapsed());
    }
    (median(times), last.expect("at least one run"))
}

fn run(shape: &str, old: &Value, new: &Value) {
    let old_json = serde_json::to_string_pretty(old).expect("JSON");
    let new_json = serde_json::to_string_pretty(new).expect("JSON");
    let operations = old["paths"].as_object().map_or(0, |p| p.len() * 2);
    let schemas = old["components"]["schemas"].as_object().map_or(0, |s| s.len());
    println!("{shape}: {operations} operations, {schemas} schemas, {:.1} MB of JSON", old_json.len() as f64 / 1e6);
    let (read, old_document) = timed(|| Document::read("old.json", &old_json, &NoFetch).expect("reads"));
    let new_document = Document::read("new.json", &new_json, &NoFetch).expect("reads");
    println!("  read JSON (parse, check every $ref):        {:>8.1} ms", read.as_secs_f64() * 1e3);
    let (listed, _) = timed(|| contracts::operations(&old_document));
    println!("  operations with their schema trees:         {:>8.1} ms", listed.as_secs_f64() * 1e3);
    let (diffed, changes) = timed(|| contracts::diff(&old_document, &new_document));
    let breaking = changes.iter().filter(|c| c.level == contracts::Level::Breaking).count();
    println!("  diff ({} changes, {breaking} breaking): {:>8.1} ms", changes.len(), diffed.as_secs_f64() * 1e3);
    let (whole, _) = timed(|| {
        let old = Document::read("old.json", &old_json, &NoFetch).expect("reads");
        let new = Document::read("new.json", &new_json, &NoFetch).expect("reads");
        contracts::diff(&old, &new).len()
    });
    println!("  read both + diff (as `meridian api diff`):  {:>8.1} ms", whole.as_secs_f64() * 1e3);
    // What the CLI adds for `file:line:column`: both texts parsed for
    // positions, every group's pointer looked up.
    let (located, found) = timed(|| {
        let sides = [catalog::yaml::Positions::of(&new_json), catalog::yaml::Positions::of(&old_json)];
        let groups = contracts::report::groups(&changes, contracts::Level::Info);
        groups.iter().filter(|g| sides[usize::from(g.old)].find(&g.pointer).is_some()).count()
    });
    println!("  locate every group ({found} found):          {:>8.1} ms", located.as_secs_f64() * 1e3);
    let yaml = to_yaml(old, 0);
    let (read_yaml, _) = timed(|| Document::read("old.yaml", &yaml, &NoFetch).expect("reads"));
    println!("  read YAML ({:.1} MB):                        {:>8.1} ms", yaml.len() as f64 / 1e6, read_yaml.as_secs_f64() * 1e3);
}

fn main() {
    // About 5 MB of JSON, as real APIs share schemas; then the worst case, smaller.
    for (name, shape, paths) in [("tree-shaped", Shape::Tree, 850), ("dense (every schema reaches every other)", Shape::Dense, 400)] {
        let old = document(shape, paths);
        let new = edited(&old, paths);
        run(name, &old, &new);
    }
}

/// Block-style YAML of a JSON value (strings quoted as JSON, which YAML reads).
fn to_yaml(value: &Value, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                let key = serde_json::to_string(key).unwrap_or_default();
                match child {
                    Value::Object(m) if !m.is_empty() => out.push_str(&format!("{pad}{key}:\n{}", to_yaml(child, indent + 2))),
                    Value::Array(a) if !a.is_empty() => out.push_str(&format!("{pad}{key}:\n{}", to_yaml(child, indent + 2))),
                    _ => out.push_str(&format!("{pad}{key}: {}\n", child)),
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        let nested = to_yaml(item, indent + 2);
                        out.push_str(&format!("{pad}- {}\n", nested.trim_start().trim_end_matches('\n')));
                    }
                    _ => out.push_str(&format!("{pad}- {item}\n")),
                }
            }
        }
        other => out.push_str(&format!("{pad}{other}\n")),
    }
    out
}
