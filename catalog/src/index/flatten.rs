//! An entity as the `(key, value)` pairs the index and Backstage's filters
//! work on.

use serde_json::Value;

use crate::entity::Entity;

/// Longer values (and paths) are not indexed, as in Backstage's search table.
const MAX_VALUE_LENGTH: usize = 200;

/// `(key, value)` pairs of an entity, as Backstage's search table: leaves by
/// dotted lower-case path, array items under their array's key, relations as
/// `relations.<type>` → target ref. Values keep their case here.
pub(super) fn flatten(entity: &Entity, pairs: &mut Vec<(String, String)>) {
    let json = serde_json::to_value(entity).unwrap_or(Value::Null);
    if let Value::Object(map) = json {
        for (key, value) in map {
            if key == "relations" {
                for r in &entity.relations {
                    pairs.push((format!("relations.{}", r.relation_type.to_lowercase()), r.target_ref.to_string()));
                }
            } else {
                walk(value, &key.to_lowercase(), pairs);
            }
        }
    }
}

fn walk(value: Value, path: &str, pairs: &mut Vec<(String, String)>) {
    let text = match value {
        Value::Object(map) => {
            for (key, child) in map {
                walk(child, &format!("{path}.{}", key.to_lowercase()), pairs);
            }
            return;
        }
        Value::Array(items) => {
            items.into_iter().for_each(|item| walk(item, path, pairs));
            return;
        }
        Value::String(s) => s,
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => return,
    };
    if text.len() <= MAX_VALUE_LENGTH && path.len() <= MAX_VALUE_LENGTH {
        pairs.push((path.to_string(), text));
    }
}
