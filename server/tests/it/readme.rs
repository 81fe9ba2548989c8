//! The README's own commands, run as written: every `meridian …` line of
//! its `sh` blocks, in a folder holding the files they name, checked
//! against what the README says of it. A README that drifts from the
//! binary fails here; a command added to the README without a check here
//! fails too. (demo/README.md's commands need the demo fleet:
//! scripts/e2e.sh runs them against its own.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{demo_catalog, workspace_root};

/// The `meridian` command lines of the README's `sh` blocks, without their comments.
fn commands(readme: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut in_shell = false;
    for line in readme.lines() {
        if let Some(fence) = line.strip_prefix("```") {
            in_shell = !in_shell && fence.trim() == "sh";
            continue;
        }
        if in_shell && line.starts_with("meridian ") {
            commands.push(line.split(" #").next().unwrap_or(line).trim().to_string());
        }
    }
    commands
}

/// A shell in `dir` that finds the `meridian` this test run built.
fn shell(dir: &Path, command: &str) -> Command {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_meridian"));
    let path = format!("{}:{}", binary.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let mut shell = Command::new("sh");
    shell.args(["-c", command]).current_dir(dir).env("PATH", path).env_remove("MERIDIAN_DATABASE_URL");
    shell
}

fn run(dir: &Path, command: &str) -> (i32, String, String) {
    let Output { status, stdout, stderr } = shell(dir, command).output().expect("run the command");
    (status.code().unwrap_or(-1), String::from_utf8_lossy(&stdout).into_owned(), String::from_utf8_lossy(&stderr).into_owned())
}

/// The files the README's commands name: a descriptor, a folder of more,
/// the demo's catalog as `catalog/`, two versions of an API.
fn example_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: orders}\nspec: {type: service, lifecycle: production, owner: team}\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("more")).unwrap();
    std::fs::write(
        dir.path().join("more/team.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team}\nspec: {type: team, children: []}\n",
    )
    .unwrap();
    copy_folder(&demo_catalog(), &dir.path().join("catalog"));
    let data = workspace_root().join("contracts/tests/data");
    std::fs::copy(data.join("orders-v1.yaml"), dir.path().join("old.yaml")).unwrap();
    std::fs::copy(data.join("orders-v2.yaml"), dir.path().join("new.yaml")).unwrap();
    dir
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The sample output line the README shows under `meridian api diff`.
/// The lines of the README's sample `meridian api diff` output.
fn sample_diff_lines(readme: &str) -> Vec<String> {
    let after = readme.split("one line per group in aligned columns").nth(1).expect("the README shows diff lines");
    let block: Vec<String> =
        after.lines().skip_while(|l| !l.starts_with("```")).skip(1).take_while(|l| !l.starts_with("```")).map(str::to_string).collect();
    assert!(!block.is_empty(), "a line in the block");
    block
}

#[test]
fn the_readme_commands_do_what_it_says() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let commands = commands(&readme);
    assert!(commands.len() >= 5, "the README's quick start: {commands:?}");
    let dir = example_folder();
    let mut strict_answers = Vec::new();
    for command in &commands {
        match command.as_str() {
            "meridian serve --catalog ./catalog" => serves(dir.path(), command),
            "meridian validate catalog-info.yaml more/" => {
                let (code, stdout, stderr) = run(dir.path(), command);
                let said = format!("{stdout}{stderr}");
                assert_eq!(code, 0, "valid files: {said}");
                assert!(said.contains("2 files, 2 valid entities") && said.contains("0 errors"), "{said}");
            }
            "meridian validate --strict catalog/" | "meridian validate --strict catalog/*.yaml" => {
                let (code, stdout, stderr) = run(dir.path(), command);
                let said = format!("{stdout}{stderr}");
                assert_eq!(code, 0, "{command}: {said}");
                let summary = said.lines().last().unwrap_or_default().to_string();
                assert!(summary.contains("valid SLOs") && summary.contains("0 errors"), "{command}: {said}");
                strict_answers.push(summary);
            }
            "meridian api diff old.yaml new.yaml" => {
                let (code, stdout, stderr) = run(dir.path(), command);
                assert_eq!(code, 1, "exit 1 on BREAKING: {stdout}{stderr}");
                for sample in sample_diff_lines(&readme) {
                    assert!(stdout.lines().any(|l| l == sample), "the README's sample line `{sample}` is in the output:\n{stdout}");
                }
            }
            other => panic!("the README runs `{other}`: say here what it must do"),
        }
    }
    assert_eq!(strict_answers.len(), 2, "{commands:?}");
    assert_eq!(strict_answers[0], strict_answers[1], "a folder and its files named one by one give the same answer");
}

/// `meridian serve --catalog ./catalog` as written (its ports, in the
/// environment, free ones): it serves the catalog and is ready.
fn serves(dir: &Path, command: &str) {
    let mut child = shell(dir, &format!("exec {command}"))
        .env("MERIDIAN_ADDR", "127.0.0.1:0")
        .env("MERIDIAN_OTLP_GRPC_ADDR", "127.0.0.1:0")
        .env("MERIDIAN_OTLP_HTTP_ADDR", "127.0.0.1:0")
        .env("MERIDIAN_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start meridian serve");
    let stderr = child.stderr.take().unwrap();
    // The start-up line names the address it took.
    let (sender, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.split("UI and API ").nth(1).and_then(|rest| rest.split_whitespace().next()) {
                let _ = sender.send(url.to_string());
            }
        }
    });
    let base = address.recv_timeout(Duration::from_secs(60)).expect("meridian serve says where it listens");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let started = Instant::now();
    let ready = runtime.block_on(async {
        loop {
            match reqwest::get(format!("{base}/readyz")).await {
                Ok(response) if response.status() == 200 => return true,
                _ if started.elapsed() > Duration::from_secs(60) => return false,
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    });
    assert!(ready, "{base}/readyz");
    let checkout = runtime.block_on(async {
        reqwest::get(format!("{base}/api/catalog/entities/by-name/component/default/checkout")).await.map(|r| r.status().as_u16())
    });
    assert_eq!(checkout.ok(), Some(200), "the demo catalog is served");
    let _ = child.kill();
    let _ = child.wait();
    assert!(dir.join("data/meridian.db").exists(), "its default database, beside where it runs");
}
