//! Files and folders → one consistent set of entities with relations, plus
//! every problem found on the way.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Location};
use crate::parse::{ParsedEntity, parse_str};
use crate::relations::derive_relations;

#[derive(Debug, Default)]
pub struct LoadedCatalog {
    pub entities: Vec<ParsedEntity>,
    pub diagnostics: Vec<Diagnostic>,
    /// Files read, in order.
    pub files: Vec<PathBuf>,
}

impl LoadedCatalog {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads descriptor files: each path is a file, or a folder searched
/// recursively for `*.yaml` / `*.yml`. Entities defined twice are reported on
/// both locations and only the first is kept. Relations are derived over the
/// whole set; references to missing entities become warnings.
pub fn load_paths<P: AsRef<Path>>(paths: &[P]) -> LoadedCatalog {
    let mut out = LoadedCatalog::default();
    for path in paths {
        let path = path.as_ref();
        for file in descriptor_files(path, &mut out.diagnostics) {
            let name = file.display().to_string();
            match std::fs::read_to_string(&file) {
                Ok(text) => {
                    let parsed = parse_str(&name, &text);
                    out.entities.extend(parsed.entities);
                    out.diagnostics.extend(parsed.diagnostics);
                }
                Err(error) => out.diagnostics.push(Diagnostic::error(at_file(&name), format!("cannot read file: {error}"))),
            }
            out.files.push(file);
        }
    }
    remove_duplicates(&mut out);
    let mut entities: Vec<_> = out.entities.iter().map(|p| p.entity.clone()).collect();
    for unresolved in derive_relations(&mut entities) {
        let parsed = &out.entities[unresolved.entity_index];
        out.diagnostics.push(
            Diagnostic::warning(parsed.location.clone(), format!("{}: `{}`: {}", unresolved.field, unresolved.target, unresolved.reason))
                .for_entity(Some(parsed.entity.entity_ref().key())),
        );
    }
    for (parsed, entity) in out.entities.iter_mut().zip(entities) {
        parsed.entity = entity;
    }
    out
}

fn at_file(name: &str) -> Location {
    Location { file: name.to_string(), line: 1, column: 1 }
}

fn descriptor_files(path: &Path, diagnostics: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    if !path.exists() {
        diagnostics.push(Diagnostic::error(at_file(&path.display().to_string()), "no such file or folder"));
        return Vec::new();
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
        match entry {
            Ok(entry) if entry.file_type().is_file() => {
                let is_yaml = entry.path().extension().is_some_and(|e| e == "yaml" || e == "yml");
                if is_yaml {
                    files.push(entry.into_path());
                }
            }
            Ok(_) => {}
            Err(error) => diagnostics
                .push(Diagnostic::error(at_file(&error.path().unwrap_or(path).display().to_string()), format!("cannot read: {error}"))),
        }
    }
    files
}

fn remove_duplicates(out: &mut LoadedCatalog) {
    let mut first_seen: HashMap<String, Location> = HashMap::new();
    let mut kept = Vec::with_capacity(out.entities.len());
    for parsed in std::mem::take(&mut out.entities) {
        let key = parsed.entity.entity_ref().key();
        match first_seen.get(&key) {
            Some(first) => {
                out.diagnostics.push(
                    Diagnostic::error(parsed.location.clone(), format!("entity `{key}` is already defined at {first}"))
                        .for_entity(Some(key.clone())),
                );
                out.diagnostics.push(
                    Diagnostic::error(first.clone(), format!("entity `{key}` is defined again at {}", parsed.location))
                        .for_entity(Some(key)),
                );
            }
            None => {
                first_seen.insert(key, parsed.location.clone());
                kept.push(parsed);
            }
        }
    }
    out.entities = kept;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_walked_and_duplicates_reported_on_both_sides() {
        let dir = tempfile::tempdir().unwrap();
        let doc = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team\nspec:\n  type: team\n  children: []\n";
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("a.yaml"), doc).unwrap();
        std::fs::write(dir.path().join("sub/b.yml"), doc.replace("name: team", "name: TEAM")).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not yaml").unwrap();
        let loaded = load_paths(&[dir.path()]);
        assert_eq!(loaded.files.len(), 2);
        assert_eq!(loaded.entities.len(), 1);
        let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert_eq!(errors.len(), 2);
        assert!(errors[0].location.file.ends_with("b.yml"));
        assert!(errors[1].location.file.ends_with("a.yaml"));
    }

    #[test]
    fn missing_path_is_an_error() {
        let loaded = load_paths(&["/no/such/place"]);
        assert!(loaded.has_errors());
    }
}
