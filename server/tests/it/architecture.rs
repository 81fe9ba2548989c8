//! ARCHITECTURE.md's rules between the server's rooms, checked against the
//! code: the "may not" column of its rooms table is read, each phrase is
//! turned into the paths it forbids, and every `.rs` file of the room is
//! searched for them. A phrase this test does not know fails it, so the
//! table and the test cannot drift apart silently.

use std::path::{Path, PathBuf};

/// What each phrase of the "may not" column forbids: `crate::` rooms and
/// modules, and external crates or their items.
fn forbidden_by(phrase: &str) -> Option<&'static [&'static str]> {
    Some(match phrase {
        "the catalog" | "the catalog service" => &["crate::catalog"],
        // Serving HTTP (a client such as reqwest is not this).
        "HTTP" => &["crate::http", "axum::", "hyper::"],
        "HTTP adapters" => &["crate::http", "axum::"],
        "the graph" => &["crate::traffic", "crate::core"],
        "the engine" => &["crate::traffic", "collector::Pipeline", "collector::Engine", "collector::engine::Engine"],
        "the index" => &["catalog::index", "CatalogIndex"],
        "Leptos" => &["leptos", "app::"],
        "SQL" => &["sqlx::"],
        "the store" => &["crate::store"],
        "the core" => &["crate::core"],
        _ => return None,
    })
}

fn server_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// (room folder, phrases it may not use), from ARCHITECTURE.md's rooms table.
fn rules() -> Vec<(String, Vec<String>)> {
    let architecture = std::fs::read_to_string(server_root().join("../ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let table = architecture.split("| room | job | may use | may not |").nth(1).expect("the rooms table");
    table
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // | room | job | may use | may not |: the job may hold `|` in code, so count from the end.
            let (room, may_not) = (cells[1], cells[cells.len() - 2]);
            let room = room.split(',').next()?.trim().trim_matches('`').trim_end_matches('/').to_string();
            let phrases = may_not.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect();
            Some((room, phrases))
        })
        .collect()
}

fn rust_files(folder: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display())) {
        let path = entry.expect("folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its comments (a doc comment may name what
/// the room does not use).
fn code_of(text: &str) -> String {
    text.lines().map(|line| line.split_once("//").map_or(line, |(code, _)| code)).collect::<Vec<_>>().join("\n")
}

/// Every path the code names, `crate::{a, b::c}` groups spelled out.
fn paths_in(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let inside = group.split('}').next().unwrap_or_default();
            paths.extend(inside.split(',').map(|p| format!("crate::{}", p.trim())));
        } else {
            let path: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
            paths.push(format!("crate::{path}"));
        }
        rest = after;
    }
    paths
}

/// Whether `code` names `forbidden`: a `crate::` room by path, an external
/// crate or item as a whole word.
fn names(code: &str, paths: &[String], forbidden: &str) -> bool {
    if forbidden.starts_with("crate::") {
        return paths.iter().any(|p| p == forbidden || p.starts_with(&format!("{forbidden}::")));
    }
    code.match_indices(forbidden).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let word_start = !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
        let after = code[at + forbidden.len()..].chars().next();
        let word_end = forbidden.ends_with("::") || !after.is_some_and(|c| c.is_alphanumeric() || c == '_');
        word_start && word_end
    })
}

#[test]
fn rooms_use_only_what_architecture_md_allows() {
    let rules = rules();
    let rooms: Vec<&str> = rules.iter().map(|(room, _)| room.as_str()).collect();
    for room in ["traffic", "catalog", "slos", "scorecards", "deploys", "store", "core", "http"] {
        assert!(rooms.contains(&room), "ARCHITECTURE.md's rooms table has no row for `{room}/`: {rooms:?}");
    }
    let mut broken = Vec::new();
    for (room, phrases) in &rules {
        let folder = server_root().join("src").join(room);
        if !folder.is_dir() {
            continue; // `serve.rs` and the like: files, not rooms
        }
        let mut files = Vec::new();
        rust_files(&folder, &mut files);
        for phrase in phrases {
            let forbidden = forbidden_by(phrase)
                .unwrap_or_else(|| panic!("`{room}/` may not use `{phrase}`: say in forbidden_by() which paths that means"));
            for file in &files {
                let code = code_of(&std::fs::read_to_string(file).expect("source file"));
                let paths = paths_in(&code);
                for path in forbidden.iter().filter(|f| names(&code, &paths, f)) {
                    broken.push(format!(
                        "{} uses `{path}` ({room}/ may not use {phrase})",
                        file.strip_prefix(server_root()).unwrap_or(file).display()
                    ));
                }
            }
        }
    }
    assert!(broken.is_empty(), "ARCHITECTURE.md's rules are broken:\n{}", broken.join("\n"));
}

/// The demo is a stranger to Meridian: it speaks HTTP and OTLP, and of the
/// workspace links only the synthetic traffic.
#[test]
fn the_demo_links_none_of_meridians_crates() {
    let manifest = std::fs::read_to_string(server_root().join("../demo/Cargo.toml")).expect("demo/Cargo.toml");
    let linked: Vec<&str> = ["catalog", "collector", "contracts", "slo", "server", "app"]
        .into_iter()
        .filter(|name| {
            manifest
                .lines()
                .any(|line| line.trim_start().starts_with(&format!("{name}.")) || line.trim_start().starts_with(&format!("{name} =")))
        })
        .collect();
    assert!(linked.is_empty(), "demo/Cargo.toml links {linked:?}");
}

#[test]
fn the_checker_sees_grouped_and_plain_uses() {
    let code = code_of("use crate::{store::Store, core::Error};\nlet x = sqlx::query(\"\"); // crate::http in a comment\nmy_axum::x();");
    let paths = paths_in(&code);
    assert!(names(&code, &paths, "crate::store") && names(&code, &paths, "crate::core"));
    assert!(names(&code, &paths, "sqlx::"));
    assert!(!names(&code, &paths, "crate::http"), "comments are not code");
    assert!(!names(&code, &paths, "axum::"), "`my_axum::` is not axum");
    assert!(!names(&code, &paths, "crate::catalog"));
}
