//! `$text`, `$json` and `$yaml` placeholders: a `spec` value written as
//! `{$text: ./openapi.yaml}` is replaced by that file's text (or its parsed
//! JSON / YAML). Paths are resolved against the descriptor (see
//! [`Source::resolve`]); URLs are read only through the caller's
//! [`Reader`], which holds the host allow-list.

use serde_json::Value;

use crate::entity::Spec;
use crate::source::{Reader, Source, Stamp};

/// Replaces every placeholder in `spec`. Each failure is returned as
/// `(field path, message)`; a failed placeholder is left as written.
pub fn substitute(spec: &mut Spec, base: &Source, urls: &dyn Reader) -> Vec<(String, String)> {
    substitute_tracking(spec, base, urls, &mut Vec::new())
}

/// Like [`substitute`], also listing the sources read and how they looked
/// (so a cache knows when to read the descriptor again).
pub fn substitute_tracking(
    spec: &mut Spec,
    base: &Source,
    urls: &dyn Reader,
    read: &mut Vec<(Source, Option<Stamp>)>,
) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for (key, value) in spec.iter_mut() {
        walk(value, &format!("spec.{key}"), base, urls, &mut problems, read);
    }
    problems
}

fn walk(
    value: &mut Value,
    path: &str,
    base: &Source,
    urls: &dyn Reader,
    problems: &mut Vec<(String, String)>,
    read: &mut Vec<(Source, Option<Stamp>)>,
) {
    if let Some((kind, target)) = placeholder(value) {
        match resolve(&kind, &target, base, urls, read) {
            Ok(resolved) => *value = resolved,
            Err(message) => problems.push((path.to_string(), message)),
        }
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                walk(child, &format!("{path}.{key}"), base, urls, problems, read);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                walk(child, &format!("{path}.{i}"), base, urls, problems, read);
            }
        }
        _ => {}
    }
}

fn placeholder(value: &Value) -> Option<(String, String)> {
    let map = value.as_object().filter(|m| m.len() == 1)?;
    let (key, target) = map.iter().next()?;
    matches!(key.as_str(), "$text" | "$json" | "$yaml").then(|| (key.clone(), target.as_str().unwrap_or_default().to_string()))
}

fn resolve(kind: &str, target: &str, base: &Source, urls: &dyn Reader, read: &mut Vec<(Source, Option<Stamp>)>) -> Result<Value, String> {
    if target.is_empty() {
        return Err(format!("{kind} needs a path or URL"));
    }
    let source = base.resolve(target).map_err(|e| format!("{kind} {e}"))?;
    // Read once: the same text gives the value and the cache's stamp.
    let text = source.read(urls);
    read.push((source.clone(), text.as_deref().ok().map(Stamp::of)));
    let text = text.map_err(|e| format!("{kind} `{target}` ({source}): {e}"))?;
    let name = source.to_string();
    match kind {
        "$text" => Ok(Value::String(text)),
        "$json" => serde_json::from_str(&text).map_err(|e| format!("$json `{target}`: invalid JSON: {e}")),
        _ => crate::yaml::yaml_to_json(&name, &text).map_err(|e| format!("$yaml `{target}`: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_and_failures_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("api.yaml"), "openapi: 3.0.0\ninfo: {title: T}\n").unwrap();
        std::fs::write(dir.path().join("schema.json"), r#"{"type": "object"}"#).unwrap();
        let mut spec: Spec = serde_json::from_value(serde_json::json!({
            "definition": {"$text": "./api.yaml"},
            "nested": {"schema": {"$json": "schema.json"}, "list": [{"$yaml": "api.yaml"}]},
            "missing": {"$text": "./nope.txt"},
            "remote": {"$text": "https://example.com/x.yaml"},
            "plain": {"$text": "a", "other": 1},
        }))
        .unwrap();
        let problems = substitute(&mut spec, &Source::File(dir.path().join("catalog-info.yaml")), &crate::source::NoUrls);
        let spec = serde_json::to_value(&spec).unwrap();
        assert_eq!(spec["definition"], "openapi: 3.0.0\ninfo: {title: T}\n");
        assert_eq!(spec["nested"]["schema"]["type"], "object");
        assert_eq!(spec["nested"]["list"][0]["info"]["title"], "T");
        assert_eq!(spec["plain"]["other"], 1, "two keys: not a placeholder");
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["spec.missing", "spec.remote"]);
        assert!(problems[1].1.contains("allow-list"));
        assert_eq!(spec["remote"]["$text"], "https://example.com/x.yaml", "failed placeholders stay as written");
    }
}
