//! Projections (`fields=`) of an entity's JSON.

use serde_json::{Map, Value};

/// Keeps only `fields` (dotted paths) of an entity, as Backstage's `fields=`.
/// Keys may themselves contain dots (`metadata.annotations.backstage.io/x`).
pub fn project(json: &Value, fields: &[String]) -> Value {
    if fields.is_empty() {
        return json.clone();
    }
    let mut out = Value::Object(Map::new());
    for field in fields {
        copy_path(json, field, &mut out);
    }
    out
}

fn copy_path(source: &Value, path: &str, target: &mut Value) {
    let (Value::Object(map), Value::Object(out)) = (source, &mut *target) else { return };
    for (key, child) in map {
        if path == key {
            out.insert(key.clone(), child.clone());
        } else if path.len() > key.len() && path.as_bytes()[key.len()] == b'.' && path.starts_with(key.as_str()) && child.is_object() {
            let slot = out.entry(key.clone()).or_insert_with(|| Value::Object(Map::new()));
            copy_path(child, &path[key.len() + 1..], slot);
        }
    }
}
