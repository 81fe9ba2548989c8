//! Real public documents (ReadMe's example set, installed by
//! `scripts/setup.sh test` into tests/corpus/node_modules) diffed against
//! edited copies of themselves: each breaking edit is found as the check it
//! is, and additive edits are never graded above info.

use std::path::{Path, PathBuf};

use contracts::diff::{Change, Level};
use contracts::document::pointer_get;
use contracts::{Document, Format, NoFetch};
use serde_json::{Value, json};

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/node_modules/@readme/oas-examples");
    let mut files = Vec::new();
    for version in ["2.0", "3.0", "3.1"] {
        for format in ["json", "yaml"] {
            let Ok(entries) = std::fs::read_dir(root.join(version).join(format)) else { continue };
            files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
        }
    }
    files.sort();
    files
}

fn require_corpus() -> Option<Vec<PathBuf>> {
    let files = corpus();
    if files.is_empty() {
        let why = "the OpenAPI corpus (run scripts/setup.sh test)";
        if std::env::var("MERIDIAN_REQUIRE_ALL").is_ok_and(|v| v == "1") {
            panic!("required test dependency missing: {why}");
        }
        eprintln!("SKIPPED: {why}");
        return None;
    }
    Some(files)
}

fn read_value(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).unwrap()
    } else {
        catalog::yaml::yaml_to_json(&path.display().to_string(), &text).unwrap()
    }
}

fn document(value: &Value) -> Document {
    Document::read("edited.json", &value.to_string(), &NoFetch).unwrap()
}

/// The first operation: (path, method).
fn first_operation(value: &Value) -> Option<(String, String)> {
    let paths = value.get("paths")?.as_object()?;
    paths
        .iter()
        .find_map(|(path, item)| contracts::path::METHODS.iter().find(|m| item.get(**m).is_some()).map(|m| (path.clone(), m.to_string())))
}

fn graded(changes: &[Change], at_least: Level) -> Vec<&Change> {
    changes.iter().filter(|c| c.level >= at_least).collect()
}

#[test]
fn every_public_document_reads_and_equals_itself() {
    let Some(files) = require_corpus() else { return };
    let mut read = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.display().to_string();
        let document = match Document::read(&name, &text, &NoFetch) {
            Ok(document) => document,
            // External references in this set point at the web, which no test may read.
            Err(error) if error.message.contains("another file") => continue,
            Err(error) => panic!("{error}"),
        };
        assert_eq!(contracts::diff(&document, &document), [], "{name}");
        contracts::operations(&document);
        read += 1;
    }
    assert!(read >= 100, "only {read} of {} documents read", files.len());
}

#[test]
fn breaking_edits_are_found_and_additive_ones_are_not_called_breaking() {
    let Some(files) = require_corpus() else { return };
    let mut checked = [0usize; 8];
    for path in files.iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
        let original = read_value(path);
        let Ok(base) = Document::read("original.json", &original.to_string(), &NoFetch) else { continue };
        let swagger = base.format == Format::Swagger2;
        let name = path.display().to_string();
        let Some((route, method)) = first_operation(&original) else { continue };
        let operation_pointer = format!("/paths/{}/{method}", route.replace('~', "~0").replace('/', "~1"));

        // 1. An operation removed.
        let mut edited = original.clone();
        edited["paths"][&route].as_object_mut().unwrap().remove(&method);
        let changes = contracts::diff(&base, &document(&edited));
        let removed = changes.iter().find(|c| c.id.starts_with("api-") && c.id.contains("removed") && c.pointer == operation_pointer);
        assert!(removed.is_some(), "{name}: removing {method} {route} not found: {changes:#?}");
        checked[0] += 1;

        // 2. A required query parameter added; 3. an optional one.
        for required in [true, false] {
            let parameter = if swagger {
                json!({"name": "meridianProbe", "in": "query", "required": required, "type": "string"})
            } else {
                json!({"name": "meridianProbe", "in": "query", "required": required, "schema": {"type": "string"}})
            };
            let mut edited = original.clone();
            let operation = edited.pointer_mut(&operation_pointer).unwrap();
            match operation.get_mut("parameters").and_then(Value::as_array_mut) {
                Some(list) => list.push(parameter),
                None => operation["parameters"] = json!([parameter]),
            }
            let changes = contracts::diff(&base, &document(&edited));
            if required {
                let ids: Vec<_> = graded(&changes, Level::Warning).iter().map(|c| c.id.as_str()).collect();
                assert_eq!(ids, ["new-required-request-parameter"], "{name}: {changes:#?}");
                checked[1] += 1;
            } else {
                assert_eq!(graded(&changes, Level::Warning), Vec::<&Change>::new(), "{name}");
                assert!(changes.iter().any(|c| c.id == "new-optional-request-parameter"), "{name}");
                checked[2] += 1;
            }
        }

        // 4. A new path: additive.
        let mut edited = original.clone();
        edited["paths"]["/meridian/probe"] = json!({"get": {"responses": {"200": {"description": "ok"}}}});
        let changes = contracts::diff(&base, &document(&edited));
        assert_eq!(changes.iter().map(|c| (c.level, c.id.as_str())).collect::<Vec<_>>(), [(Level::Info, "endpoint-added")], "{name}");
        checked[3] += 1;

        // 5. A required property removed from a success response's schema.
        if let Some((schema_pointer, property)) = required_response_property(&base) {
            let mut edited = original.clone();
            let schema = edited.pointer_mut(&schema_pointer).unwrap();
            schema["properties"].as_object_mut().unwrap().remove(&property);
            schema["required"].as_array_mut().unwrap().retain(|r| r.as_str() != Some(property.as_str()));
            let changes = contracts::diff(&base, &document(&edited));
            assert!(
                changes.iter().any(|c| c.id == "response-required-property-removed" && c.message.contains(&property)),
                "{name}: {property}: {changes:#?}"
            );
            // The same schema may be a request's too, where the removal is a warning.
            let unexpected: Vec<_> = graded(&changes, Level::Warning)
                .into_iter()
                .filter(|c| !matches!(c.id.as_str(), "response-required-property-removed" | "request-property-removed"))
                .collect();
            assert_eq!(unexpected, Vec::<&Change>::new(), "{name}");
            checked[4] += 1;
        }

        // 6. A bound set on a request's string parameter.
        if let Some(parameter_pointer) = string_parameter(&base, swagger) {
            let mut edited = original.clone();
            let target = if swagger { parameter_pointer.clone() } else { format!("{parameter_pointer}/schema") };
            edited.pointer_mut(&target).unwrap()["maxLength"] = json!(1);
            let changes = contracts::diff(&base, &document(&edited));
            assert!(
                changes.iter().any(|c| c.id == "request-parameter-max-length-set" && c.level == Level::Breaking),
                "{name}: {changes:#?}"
            );
            checked[5] += 1;

            // 7. The same parameter written another way (`pipeDelimited`;
            // Swagger: `collectionFormat: pipes`, an array's only).
            let mut edited = original.clone();
            let parameter = edited.pointer_mut(&parameter_pointer).unwrap();
            if swagger {
                parameter["type"] = json!("array");
                parameter["items"] = json!({"type": "string"});
                parameter["collectionFormat"] = json!("pipes");
            } else {
                parameter["style"] = json!("pipeDelimited");
            }
            let changes = contracts::diff(&base, &document(&edited));
            assert!(
                changes.iter().any(|c| c.id == "request-parameter-style-changed" && c.level == Level::Breaking),
                "{name}: {changes:#?}"
            );
            checked[6] += 1;
        }

        // 8. Every operation moved under another base path.
        let mut edited = original.clone();
        if swagger {
            edited["basePath"] = json!("/meridian-moved");
        } else {
            edited["servers"] = json!([{"url": "https://example.com/meridian-moved"}]);
        }
        let changes = contracts::diff(&base, &document(&edited));
        let moved: Vec<_> = graded(&changes, Level::Warning).iter().map(|c| c.id.as_str()).collect();
        assert_eq!(moved, ["api-base-path-changed"], "{name}: {changes:#?}");
        checked[7] += 1;
    }
    assert!(checked.iter().all(|&n| n >= 10), "too few documents exercised each edit: {checked:?}");
}

/// A success response's schema that lists one of its own properties as
/// required, in the document itself: (its pointer, the property).
fn required_response_property(document: &Document) -> Option<(String, String)> {
    for view in contracts::operations::views(document) {
        for response in view.responses.iter().filter(|r| r.status.starts_with('2')) {
            for (_, schema) in &response.content {
                let Some(schema) = schema else { continue };
                let mut schema = document.resolve(schema.clone());
                // A list of things: the thing.
                if let Some(items) = schema.child("items") {
                    schema = document.resolve(items);
                }
                if schema.file != 0 || pointer_get(document.root().value, &schema.pointer).is_none() {
                    continue;
                }
                let properties = schema.value.get("properties").and_then(Value::as_object);
                let required = schema.value.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str);
                if let Some(name) = required.into_iter().find(|name| properties.is_some_and(|p| p.contains_key(*name))) {
                    return Some((schema.pointer.clone(), name.to_string()));
                }
            }
        }
    }
    None
}

/// A query parameter of type string with no `maxLength`, written inline.
fn string_parameter(document: &Document, swagger: bool) -> Option<String> {
    for view in contracts::operations::views(document) {
        for parameter in view.parameters.iter().filter(|p| p.location == "query" && p.node.pointer.starts_with("/paths/")) {
            let schema = if swagger { Some(parameter.node.value) } else { parameter.node.value.get("schema") };
            if schema.is_some_and(|s| s.get("type") == Some(&json!("string")) && s.get("maxLength").is_none() && s.get("$ref").is_none()) {
                return Some(parameter.node.pointer.clone());
            }
        }
    }
    None
}
