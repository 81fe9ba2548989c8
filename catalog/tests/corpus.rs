//! Backstage's own example catalog (`shared/data/backstage-examples`) loads:
//! every entity of a known kind with its relations, problems reported per
//! entity, nothing read twice.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use catalog::Severity;

fn corpus() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/backstage-examples");
    if path.is_dir() {
        Some(path)
    } else {
        support::require_or_skip(&format!("the Backstage example corpus is not at {}", path.display()));
        None
    }
}

#[test]
fn backstage_examples_load() {
    let Some(root) = corpus() else { return };
    let loaded = catalog::load_paths(&[&root]);

    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for e in &loaded.entities {
        *kinds.entry(e.entity.kind.to_string()).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = [
        ("API", 12),
        ("AiResource", 4),
        ("Component", 17),
        ("Domain", 3),
        ("Environment", 2),
        ("Group", 9),
        ("Location", 10),
        ("Resource", 1),
        ("System", 3),
        ("User", 17),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_string(), n))
    .collect();
    assert_eq!(kinds, expected);
    assert_eq!(loaded.files.len(), 64, "every YAML file read exactly once");

    // Errors: exactly the documents Backstage's validators reject too.
    let errors: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{} {}", d.entity_ref.as_deref().unwrap_or("-"), d.message))
        .collect();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors.iter().all(|e| e.starts_with("component:default/invalid component") || e.starts_with("api:default/local-inference-server")),
        "{errors:#?}"
    );

    // Custom kinds are kept, each with a warning naming it.
    let warned = |entity_ref: &str, needle: &str| {
        loaded
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Warning && d.entity_ref.as_deref() == Some(entity_ref) && d.message.contains(needle))
    };
    assert!(warned("environment:default/dev", "not one of Backstage's built-in kinds"));
    assert!(warned("airesource:default/code-review-plugin", "not one of Backstage's built-in kinds"));
    assert!(warned("api:default/config-schema", "allow-list"), "URL placeholders are reported, not fatal");
    assert!(warned("component:default/dream11-svc", "no entity `group:default/sre`"));

    let entity = |kind: &str, name: &str| {
        &loaded
            .entities
            .iter()
            .find(|e| *e.entity.kind == *kind && e.entity.metadata.name == name)
            .unwrap_or_else(|| panic!("{kind} {name} loaded"))
            .entity
    };
    let relations = |kind: &str, name: &str| -> Vec<String> {
        entity(kind, name).relations.iter().map(|r| format!("{} {}", r.relation_type, r.target_ref)).collect()
    };
    let component = relations("Component", "artist-lookup");
    for expected in ["ownedBy group:default/team-a", "partOf system:default/artist-engagement-portal"] {
        assert!(component.contains(&expected.to_string()), "{component:?}");
    }
    assert!(relations("API", "petstore").contains(&"apiProvidedBy component:default/petstore".to_string()));
    let team_a = relations("Group", "team-a");
    assert!(
        team_a.contains(&"ownerOf component:default/artist-lookup".to_string()) && team_a.iter().any(|r| r.starts_with("hasMember user:"))
    );
    assert!(relations("System", "artist-engagement-portal").iter().any(|r| r == "hasPart component:default/artist-lookup"));
    // $text resolved relative to the descriptor.
    assert!(entity("API", "petstore-webhook").spec_str("definition").is_some_and(|d| d.starts_with("openapi: 3.1.0")));
}
