//! Meridian's verdicts equal those of Backstage's catalog (npm
//! `@backstage/catalog-model`, run with Node) on every document in
//! `tests/conformance/`: its entity policies, its kind validators, and the
//! processing orchestrator's rule that some validator must claim the entity.
//! Strict (`--strict`): exactly Backstage's verdict. Default: the same,
//! except that custom kinds are kept with a warning (README, "Catalog
//! verdicts"), as the reference script states for itself (`custom`).

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use catalog::Kinds;

/// `valid`, `invalid`, or `kept-unclaimed` (kept with a warning, no kind claims it).
fn meridian_verdict(text: &str, kinds: Kinds) -> &'static str {
    let mut parsed = catalog::parse_str("case.yaml", text);
    kinds.enforce(&mut parsed.entities, &mut parsed.diagnostics);
    if parsed.diagnostics.iter().any(|d| d.is_error()) {
        "invalid"
    } else if parsed.entities.iter().any(|e| !e.kind_checked) {
        "kept-unclaimed"
    } else {
        "valid"
    }
}

/// What Backstage's catalog does with the document: an entity no
/// validator claims is rejected by the orchestrator.
fn catalog_verdict(reference: &serde_json::Value) -> &'static str {
    match reference["verdict"].as_str() {
        Some("valid") => "valid",
        Some("invalid" | "unclaimed") => "invalid",
        _ => "missing",
    }
}

/// Every document of every case file, as (id, text); ids are `file#index`.
fn cases(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<_> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "yaml")).collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for (i, doc) in text.split("\n---\n").enumerate() {
            out.push((format!("{name}#{i}"), doc.to_string()));
        }
    }
    out
}

fn backstage_verdicts(cases: &[(String, String)], reference: &Path) -> Option<BTreeMap<String, serde_json::Value>> {
    if !reference.join("node_modules/@backstage/catalog-model").exists() {
        support::require_or_skip(&format!(
            "Backstage's validators are not installed in {} (scripts/setup.sh test runs npm ci there)",
            reference.display()
        ));
        return None;
    }
    let input: Vec<_> = cases.iter().map(|(id, text)| serde_json::json!({"id": id, "text": text})).collect();
    let mut child = Command::new("node")
        .arg("verdict.mjs")
        .current_dir(reference)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run node");
    child.stdin.take().unwrap().write_all(serde_json::to_string(&input).unwrap().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "node failed");
    Some(serde_json::from_slice(&output.stdout).expect("verdict JSON"))
}

#[test]
fn verdicts_match_backstage_catalog_in_both_modes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let cases = cases(&root.join("conformance"));
    let Some(reference) = backstage_verdicts(&cases, &root.join("backstage")) else { return };
    let mut mismatches = Vec::new();
    let mut counts = BTreeMap::new();
    for (id, text) in &cases {
        let theirs = &reference[id];
        let custom = theirs["custom"].as_bool().unwrap_or(false);
        let strict = catalog_verdict(theirs);
        let unclaimed = theirs["verdict"] == "unclaimed";
        let default = if unclaimed && custom { "kept-unclaimed" } else { strict };
        *counts
            .entry(format!("{}{}", theirs["verdict"].as_str().unwrap_or("missing"), if custom { " custom" } else { "" }))
            .or_insert(0) += 1;
        for (mode, kinds, expected) in [("default", Kinds::Lenient, default), ("strict", Kinds::Strict, strict)] {
            let ours = meridian_verdict(text, kinds);
            if ours != expected {
                let why = theirs["reason"].as_str().unwrap_or("");
                let problems: Vec<String> = catalog::parse_str("case.yaml", text).diagnostics.iter().map(|d| d.message.clone()).collect();
                mismatches
                    .push(format!("{id} ({mode}): expected {expected} (Backstage: {theirs}, {why}); Meridian says {ours} {problems:?}"));
            }
        }
    }
    assert!(mismatches.is_empty(), "{} of {} verdicts differ:\n{}", mismatches.len(), 2 * cases.len(), mismatches.join("\n"));
    // The corpus must exercise every side broadly: valid, invalid, foreign
    // kinds and apiVersions of Backstage's group (rejected in both modes),
    // and custom kinds (the one difference).
    let count = |key: &str| counts.get(key).copied().unwrap_or(0);
    assert!(count("valid") >= 20 && count("invalid") >= 30, "{counts:?}");
    assert!(count("unclaimed") >= 10 && count("unclaimed custom") >= 3, "{counts:?}");
    // Files named for their verdict hold only that verdict.
    for (id, _) in &cases {
        let theirs = reference[id]["verdict"].as_str().unwrap_or("");
        if id.starts_with("valid.yaml") {
            assert_eq!(theirs, "valid", "{id}");
        } else if id.starts_with("invalid.yaml") {
            assert_eq!(theirs, "invalid", "{id}");
        }
    }
}

/// What Meridian says to a user about the foreign and custom cases: what
/// Backstage expects, at the line and column of the word to change.
#[test]
fn foreign_kinds_and_versions_say_what_backstage_expects() {
    let problems = |text: &str, kinds: Kinds| {
        let mut parsed = catalog::parse_str("c.yaml", text);
        kinds.enforce(&mut parsed.entities, &mut parsed.diagnostics);
        parsed.diagnostics.iter().map(ToString::to_string).collect::<Vec<_>>()
    };
    let entity =
        |api_version: &str, kind: &str| format!("apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: x}}\nspec: {{owner: t}}\n");
    let take = "Backstage's kinds take backstage.io/v1alpha1 or backstage.io/v1beta1";
    let errors = [
        ("backstage.io/v1alpha1", "system", "2:7: error: kind `system` is not a kind Backstage knows: did you mean `System`? (case matters)".to_string()),
        ("backstage.io/V1alpha1", "System", "1:13: error: apiVersion `backstage.io/V1alpha1` is not one Backstage accepts for kind `System`: did you mean `backstage.io/v1alpha1`?".into()),
        ("backstage.io/v9", "System", format!("1:13: error: apiVersion `backstage.io/v9` is not one Backstage accepts for kind `System`: {take}")),
        ("Backstage.io/v1alpha1", "System", "1:13: error: apiVersion `Backstage.io/v1alpha1` is not valid: expected `group/version` such as backstage.io/v1alpha1; did you mean `backstage.io/v1alpha1`?".into()),
        ("acme.com/v1", "Component", format!("1:13: error: apiVersion `acme.com/v1` is not one Backstage accepts for kind `Component`: {take}")),
    ];
    for (api_version, kind, expected) in errors {
        let key = format!("{}:default/x", kind.to_lowercase());
        assert_eq!(problems(&entity(api_version, kind), Kinds::Lenient), [format!("c.yaml:{expected} [{key}]")], "{api_version} {kind}");
    }
    let misspelt = problems(&entity("backstage.io/v1alpha1", "Sytem"), Kinds::Lenient);
    assert!(misspelt[0].starts_with("c.yaml:2:7: warning: kind `Sytem` of apiVersion `backstage.io/v1alpha1` is not one of Backstage's built-in kinds (did you mean `System`?)"), "{misspelt:?}");
    let custom = entity("scaffolder.backstage.io/v1beta3", "Template");
    let lenient = problems(&custom, Kinds::Lenient);
    assert_eq!(lenient.len(), 1);
    assert!(lenient[0].starts_with("c.yaml:2:7: warning: kind `Template` of apiVersion `scaffolder.backstage.io/v1beta3`"), "{lenient:?}");
    let strict = problems(&custom, Kinds::Strict);
    let head = lenient[0].split(": Meridian keeps it").next().unwrap_or_default().replacen("warning", "error", 1);
    assert_eq!(strict.len(), 1);
    assert!(
        strict[0].starts_with(&format!("{head}: rejected, as Backstage's catalog rejects")),
        "--strict: an error that says it rejected: {strict:?}"
    );
}
