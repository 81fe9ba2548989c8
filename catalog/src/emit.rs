//! An entity (any JSON value) written as YAML, for people to read: the
//! entity page's Source tab shows an entity as Meridian holds it. Strings
//! that YAML would read as something else are double-quoted (JSON's
//! quoting is valid YAML), so reading the text back gives the same value.

use std::fmt::Write;

use serde_json::Value;

/// `value` as a YAML document (block style, two-space indents).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_seq(&mut out, items, 0),
        scalar => {
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
    out
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize) {
    for (key, value) in map {
        let _ = write!(out, "{:indent$}{}:", "", string(key));
        write_value(out, value, indent);
    }
}

fn write_seq(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        let _ = write!(out, "{:indent$}-", "");
        match item {
            // A map in a list starts on the dash's line.
            Value::Object(map) if !map.is_empty() => {
                let mut nested = String::new();
                write_map(&mut nested, map, indent + 2);
                out.push(' ');
                out.push_str(nested.trim_start());
            }
            _ => write_value(out, item, indent),
        }
    }
}

/// After `key:` or `-`: a scalar on the same line, a collection below it.
fn write_value(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_map(out, map, indent + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(out, items, indent + 2);
        }
        scalar => {
            out.push(' ');
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
}

fn inline(value: &Value) -> String {
    match value {
        Value::String(text) => string(text),
        Value::Object(_) => "{}".to_string(),
        Value::Array(_) => "[]".to_string(),
        other => other.to_string(),
    }
}

/// Plain when YAML reads it back as the same string, else double-quoted.
fn string(text: &str) -> String {
    const WORDS: &[&str] = &["true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"];
    let plain = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || " _-./@()+=,:".contains(c))
        && !text.contains(": ")
        && !text.ends_with(':')
        && text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '_')
        && !text.ends_with(' ')
        && !text.starts_with(' ')
        && !WORDS.contains(&text.to_ascii_lowercase().as_str())
        && text.parse::<f64>().is_err();
    if plain { text.to_string() } else { serde_json::to_string(text).unwrap_or_default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back_the_same() {
        let value = serde_json::json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {
                "name": "cart",
                "description": "Carts: add, remove\nand pay # now",
                "tags": ["rust", "true", "1.5", ""],
                "annotations": {"github.com/project-slug": "acme/cart", "odd key: yes": "- dash"},
                "links": [{"url": "https://x.example/a?b=c", "title": "Runbook"}, {"url": "/b"}],
                "labels": {},
            },
            "spec": {"type": "service", "owner": "group:default/team-a", "replicas": 3, "public": false, "none": null, "list": []},
        });
        let text = to_yaml(&value);
        assert!(text.contains("kind: Component\n") && text.contains("  tags:\n    - rust\n    - \"true\"\n"), "{text}");
        assert!(text.contains("  links:\n    - title: Runbook\n      url: \"https://x.example/a?b=c\"\n"), "{text}");
        assert!(text.contains("owner: group:default/team-a\n"), "{text}");
        assert_eq!(crate::yaml::yaml_to_json("e.yaml", &text), Ok(value), "{text}");
    }
}
