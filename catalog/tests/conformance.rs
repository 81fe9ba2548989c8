//! Meridian's validation gives the same verdict as Backstage's own
//! validators (npm `@backstage/catalog-model`, run with Node) on every
//! document in `tests/conformance/`.

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn meridian_verdict(text: &str) -> &'static str {
    let parsed = catalog::parse_str("case.yaml", text);
    if parsed.diagnostics.iter().any(|d| d.is_error()) {
        "invalid"
    } else if parsed.entities.iter().any(|e| !e.kind_checked) {
        "unknown-kind"
    } else {
        "valid"
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
fn verdicts_match_backstage_catalog_model() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let cases = cases(&root.join("conformance"));
    let Some(reference) = backstage_verdicts(&cases, &root.join("backstage")) else { return };
    let mut mismatches = Vec::new();
    let mut counts = BTreeMap::new();
    for (id, text) in &cases {
        let theirs = reference[id]["verdict"].as_str().unwrap_or("missing");
        let ours = meridian_verdict(text);
        *counts.entry(theirs).or_insert(0) += 1;
        if ours != theirs {
            let why = reference[id]["reason"].as_str().unwrap_or("");
            let problems: Vec<String> = catalog::parse_str("case.yaml", text).diagnostics.iter().map(|d| d.message.clone()).collect();
            mismatches.push(format!("{id}: Backstage says {theirs} ({why}); Meridian says {ours} {problems:?}"));
        }
    }
    assert!(mismatches.is_empty(), "{} of {} verdicts differ:\n{}", mismatches.len(), cases.len(), mismatches.join("\n"));
    // The corpus must exercise both sides broadly.
    assert!(counts.get("valid").copied().unwrap_or(0) >= 12 && counts.get("invalid").copied().unwrap_or(0) >= 30, "{counts:?}");
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
