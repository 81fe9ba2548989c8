//! Descriptor text → entities, each with the location it came from, and
//! diagnostics for everything that is wrong. One bad document never blocks
//! the good ones beside it.

use crate::diagnostic::{Diagnostic, Location};
use std::sync::Arc;

use serde_json::Value;

use crate::entity::Entity;
use crate::{validate, yaml};

/// An entity and where its document starts.
#[derive(Clone, Debug)]
pub struct ParsedEntity {
    /// Shared: a reload hands unchanged entities from the old index to the
    /// new one without copying them.
    pub entity: Arc<Entity>,
    pub location: Location,
    /// False when no built-in kind validator claims the entity (a custom
    /// kind, kept under [`Kinds::Lenient`]): it is stored and listed without
    /// kind-specific checks.
    pub kind_checked: bool,
}

#[derive(Debug, Default)]
pub struct ParsedFile {
    pub entities: Vec<ParsedEntity>,
    /// Errors (the document was rejected) and warnings (it was kept).
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses every document of one descriptor file. `file` is the name used in
/// diagnostics (usually the path as the user gave it).
pub fn parse_str(file: &str, text: &str) -> ParsedFile {
    parse_str_with(file, text, false)
}

/// Like [`parse_str`]; with `skip_non_descriptors`, documents that have
/// neither `apiVersion` nor `kind` (an OpenAPI file next to the descriptors
/// in a watched folder, say) are passed over silently.
pub fn parse_str_with(file: &str, text: &str, skip_non_descriptors: bool) -> ParsedFile {
    let mut entities = Vec::new();
    let diagnostics = parse_each(file, text, skip_non_descriptors, |entity| entities.push(entity));
    ParsedFile { entities, diagnostics }
}

/// Like [`parse_str_with`], handing each entity to `on_entity` as soon as its
/// document is parsed: a file of thousands of documents is never held as
/// thousands of node trees and entities at once. Returns the diagnostics.
pub fn parse_each(file: &str, text: &str, skip_non_descriptors: bool, mut on_entity: impl FnMut(ParsedEntity)) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for doc in yaml::documents(file, text) {
        let doc = match doc {
            Ok(doc) => doc,
            Err(problem) => {
                diagnostics.push(problem);
                continue;
            }
        };
        if yaml::is_other_specification(&doc.root) || (skip_non_descriptors && !yaml::looks_like_descriptor(&doc.root)) {
            continue;
        }
        let checked = validate::check(&doc);
        let rejected = checked.diagnostics.iter().any(Diagnostic::is_error);
        diagnostics.extend(checked.diagnostics);
        if rejected {
            continue;
        }
        let mut json = yaml::to_json(&doc.root);
        // `spec` is moved in whole: deserializing it value by value would copy
        // every nested value (and over-allocate each array).
        let spec = match json.as_object_mut().and_then(|root| root.remove("spec")) {
            Some(Value::Object(spec)) => Some(spec.into_iter().map(|(name, value)| (crate::entity::spec_field(&name), value)).collect()),
            Some(other) => {
                json["spec"] = other; // not an object: let deserializing report it
                None
            }
            None => None,
        };
        match serde_json::from_value::<Entity>(json) {
            Ok(mut entity) => {
                if let Some(spec) = spec {
                    entity.spec = spec;
                }
                on_entity(ParsedEntity { entity: Arc::new(entity), location: doc.start(), kind_checked: checked.kind_checked })
            }
            Err(error) => diagnostics.push(
                Diagnostic::error(doc.start(), format!("descriptor does not match the entity shape: {error}"))
                    .for_entity(checked.entity_ref),
            ),
        }
    }
    if diagnostics.len() > MAX_PROBLEMS_PER_FILE {
        let more = diagnostics.len() - MAX_PROBLEMS_PER_FILE;
        diagnostics.truncate(MAX_PROBLEMS_PER_FILE);
        let at = Location { file: file.into(), line: 1, column: 1 };
        diagnostics.push(Diagnostic::error(at, format!("{more} more problems in this file are not listed")));
    }
    diagnostics
}

/// What becomes of entities no built-in kind validator claims: custom kinds
/// outside Backstage's `backstage.io` group (a scaffolder `Template`, a
/// company's own). Backstage's catalog rejects an entity no processor
/// claims; Meridian has no processor plug-ins, so by default it keeps them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kinds {
    /// Kept, with a warning, without kind-specific checks.
    #[default]
    Lenient,
    /// Rejected, as Backstage's catalog does (`--strict`, `--strict-kinds`).
    Strict,
}

impl Kinds {
    /// Applies this policy to parsed entities and their problems: under
    /// [`Kinds::Strict`], each unclaimed entity is dropped and its warning
    /// becomes an error (so "last good version" rules see it rejected).
    pub fn enforce(self, entities: &mut Vec<ParsedEntity>, diagnostics: &mut [Diagnostic]) {
        if self == Kinds::Lenient {
            return;
        }
        entities.retain(|parsed| parsed.kind_checked);
        for diagnostic in diagnostics.iter_mut().filter(|d| d.unclaimed) {
            diagnostic.severity = crate::Severity::Error;
            diagnostic.message = diagnostic.message.replace(crate::validate::CUSTOM_KIND_KEPT, crate::validate::CUSTOM_KIND_REJECTED);
        }
    }
}

/// Problems listed per file: beyond, one line says how many more.
pub const MAX_PROBLEMS_PER_FILE: usize = 1_000;

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD_AND_BAD: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  tags: [orders, java]
spec:
  type: service
  lifecycle: production
  owner: team-orders
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: -bad-name-
spec:
  type: service
  lifecycle: production
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-orders
spec:
  type: team
  children: []
";

    #[test]
    fn a_bad_document_does_not_block_its_neighbours() {
        let parsed = parse_str("catalog-info.yaml", GOOD_AND_BAD);
        let names: Vec<_> = parsed.entities.iter().map(|e| e.entity.metadata.name.as_str()).collect();
        assert_eq!(names, ["checkout", "team-orders"]);
        let rendered: Vec<String> = parsed.diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(rendered.len(), 2, "{rendered:#?}");
        assert!(rendered[0].starts_with("catalog-info.yaml:14:9: error: metadata.name `-bad-name-` is not valid"), "{rendered:#?}");
        assert!(rendered[1].starts_with("catalog-info.yaml:15:1: error: spec.owner: required field is missing"), "{rendered:#?}");
        assert!(rendered[1].ends_with("[component:default/-bad-name-]"), "{rendered:#?}");
    }

    #[test]
    fn entity_is_in_backstage_shape() {
        let parsed = parse_str("x.yaml", GOOD_AND_BAD);
        let json = serde_json::to_value(&parsed.entities[0].entity).unwrap();
        assert_eq!(json["apiVersion"], "backstage.io/v1alpha1");
        assert_eq!(json["metadata"]["namespace"], "default");
        assert_eq!(json["metadata"]["tags"][1], "java");
        assert_eq!(json["spec"]["owner"], "team-orders");
        assert_eq!(parsed.entities[1].location.line, 19);
    }

    #[test]
    fn unknown_root_fields_and_wrong_types_are_located() {
        let text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\nspecs: {}\nspec:\n  type: service\n  lifecycle: x\n  owner: [a]\n";
        let parsed = parse_str("f.yaml", text);
        assert!(parsed.entities.is_empty());
        let rendered: Vec<String> = parsed.diagnostics.iter().map(ToString::to_string).collect();
        assert!(rendered.iter().any(|d| d.starts_with("f.yaml:5:1: error: unknown root field `specs`")), "{rendered:#?}");
        assert!(rendered.iter().any(|d| d.starts_with("f.yaml:9:10: error: spec.owner: must be a non-empty string")), "{rendered:#?}");
    }

    #[test]
    fn unknown_kinds_are_kept_with_a_warning() {
        let text = "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\nspec:\n  steps: []\n";
        let parsed = parse_str("t.yaml", text);
        assert_eq!(parsed.entities.len(), 1);
        assert_eq!(parsed.diagnostics.len(), 1);
        assert!(!parsed.diagnostics[0].is_error());
    }

    #[test]
    fn openslo_documents_are_never_entities_but_misspelt_descriptors_are_reported() {
        let text = "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: gateway-availability}\nspec: {}\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\nspec: {type: team, children: []}\n---\napiVersion: backstage.io/v1alpha1\nkind: Gropu\nmetadata: {name: typo}\n";
        let walked = parse_str_with("catalog-info.yaml", text, true);
        assert_eq!(walked.entities.iter().map(|e| e.entity.metadata.name.as_str()).collect::<Vec<_>>(), ["team-a", "typo"]);
        assert_eq!(walked.diagnostics.len(), 1, "the unknown kind is kept and reported: {:?}", walked.diagnostics);
        assert!(walked.diagnostics[0].to_string().starts_with("catalog-info.yaml:12:"), "{}", walked.diagnostics[0]);
        let named = parse_str("catalog-info.yaml", text);
        assert_eq!(named.entities.len(), 2, "the SLO is for the SLO reader, in a file named explicitly too");
        assert_eq!(named.diagnostics.len(), 1, "{:?}", named.diagnostics);
        let openapi = parse_str("catalog-info.yaml", "openapi: 3.0.0\ninfo: {title: x}\n");
        assert!(!openapi.diagnostics.is_empty(), "a Location's target must hold descriptors");
    }

    #[test]
    fn hostile_files_get_one_clear_problem_and_bounded_work() {
        let duplicate = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\n  name: b\nspec: {type: service, owner: x, lifecycle: y}\n";
        let parsed = parse_str("dup.yaml", duplicate);
        assert!(parsed.entities.is_empty());
        assert_eq!(parsed.diagnostics[0].to_string(), "dup.yaml:5:3: error: duplicate key `name`");

        let many = "---\na: 1\n".repeat(crate::yaml::MAX_DOCUMENTS_PER_FILE + 500);
        let parsed = parse_str("many.yaml", &many);
        let last = parsed.diagnostics.last().unwrap().to_string();
        assert_eq!(parsed.diagnostics.len(), MAX_PROBLEMS_PER_FILE + 1);
        assert!(last.ends_with("more problems in this file are not listed"), "{last}");
        let limit = parsed.diagnostics.iter().filter(|d| d.message.contains("documents in one file")).count();
        assert!(limit <= 1);
        let counted: usize = last.split_once(": error: ").and_then(|(_, m)| m.split(' ').next()?.parse().ok()).unwrap();
        // Four problems per bad document, the documents past the limit not read, and the limit's own line.
        assert_eq!(counted + MAX_PROBLEMS_PER_FILE, 4 * crate::yaml::MAX_DOCUMENTS_PER_FILE + 1);

        let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_str("deep.yaml", &deep).diagnostics[0].to_string().contains("recursion limit exceeded"));
    }

    #[test]
    fn broken_yaml_is_reported_not_panicked() {
        let parsed = parse_str("b.yaml", "kind: [\n");
        assert!(parsed.entities.is_empty());
        assert_eq!(parsed.diagnostics.len(), 1);
        assert!(parsed.diagnostics[0].message.starts_with("invalid YAML"));
    }
}
