//! `$text`, `$json` and `$yaml` placeholders: a `spec` value written as
//! `{$text: ./openapi.yaml}` is replaced by that file's text (or its parsed
//! JSON / YAML). Paths are relative to the descriptor's folder. URLs are read
//! only for hosts on the allow-list, through a reader the caller provides
//! (this crate does no network I/O).

use std::path::Path;

use serde_json::{Map, Value};

/// Reads a URL for `$text`/`$json`/`$yaml`; the server provides one.
pub trait UrlReader {
    fn read(&self, url: &str) -> Result<String, String>;
}

/// Refuses every URL: used when no host is allowed.
pub struct NoUrls;

impl UrlReader for NoUrls {
    fn read(&self, url: &str) -> Result<String, String> {
        Err(format!("`{url}` was not fetched: its host is not on the URL allow-list (--allow-url-host)"))
    }
}

/// Replaces every placeholder in `spec`. Each failure is returned as
/// `(field path, message)`; a failed placeholder is left as written.
pub fn substitute(spec: &mut Map<String, Value>, base_dir: &Path, urls: &dyn UrlReader) -> Vec<(String, String)> {
    substitute_tracking(spec, base_dir, urls, &mut Vec::new())
}

/// Like [`substitute`], also listing the local files read (so a cache knows
/// when to read the descriptor again).
pub fn substitute_tracking(
    spec: &mut Map<String, Value>,
    base_dir: &Path,
    urls: &dyn UrlReader,
    files: &mut Vec<std::path::PathBuf>,
) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for (key, value) in spec.iter_mut() {
        walk(value, &format!("spec.{key}"), base_dir, urls, &mut problems, files);
    }
    problems
}

fn walk(
    value: &mut Value,
    path: &str,
    base_dir: &Path,
    urls: &dyn UrlReader,
    problems: &mut Vec<(String, String)>,
    files: &mut Vec<std::path::PathBuf>,
) {
    if let Some((kind, target)) = placeholder(value) {
        if !target.contains("://") {
            files.push(base_dir.join(&target));
        }
        match resolve(&kind, &target, base_dir, urls) {
            Ok(resolved) => *value = resolved,
            Err(message) => problems.push((path.to_string(), message)),
        }
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                walk(child, &format!("{path}.{key}"), base_dir, urls, problems, files);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                walk(child, &format!("{path}.{i}"), base_dir, urls, problems, files);
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

fn resolve(kind: &str, target: &str, base_dir: &Path, urls: &dyn UrlReader) -> Result<Value, String> {
    if target.is_empty() {
        return Err(format!("{kind} needs a path or URL"));
    }
    let (text, name) = if target.contains("://") {
        (urls.read(target)?, target.to_string())
    } else {
        let path = base_dir.join(target);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{kind} `{target}`: cannot read {}: {e}", path.display()))?;
        (text, path.display().to_string())
    };
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
        let mut spec: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "definition": {"$text": "./api.yaml"},
            "nested": {"schema": {"$json": "schema.json"}, "list": [{"$yaml": "api.yaml"}]},
            "missing": {"$text": "./nope.txt"},
            "remote": {"$text": "https://example.com/x.yaml"},
            "plain": {"$text": "a", "other": 1},
        }))
        .unwrap();
        let problems = substitute(&mut spec, dir.path(), &NoUrls);
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
