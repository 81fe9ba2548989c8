//! Backstage's own REST client (`@backstage/catalog-client`, unmodified)
//! against Meridian serving Backstage's example catalog.

use std::path::PathBuf;
use std::process::Command;

use crate::common::*;

#[tokio::test]
async fn backstage_catalog_client_works_unmodified() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/backstage-client");
    if !dir.join("node_modules/@backstage/catalog-client").exists() {
        require_or_skip(
            "@backstage/catalog-client is not installed in server/tests/backstage-client (scripts/setup.sh test runs npm ci there)",
        );
        return;
    }
    let corpus = workspace_root().join("../shared/data/backstage-examples");
    if !corpus.is_dir() {
        require_or_skip(&format!("the Backstage example corpus is not at {}", corpus.display()));
        return;
    }
    let server = start(None, vec![corpus]).await;
    let base = server.base.clone();
    let output = tokio::task::spawn_blocking(move || Command::new("node").arg("client.mjs").arg(base).current_dir(dir).output())
        .await
        .unwrap()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "catalog-client checks failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("9 passed, 0 failed"), "{stdout}");
    server.running.stop().await;
}
