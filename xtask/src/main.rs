//! `cargo xtask`: builds what cargo alone does not.
//!
//! ```text
//! cargo xtask site [--release]
//! ```
//!
//! The web app's browser half, laid out in `target/site` as the server
//! serves it (`pkg/meridian.js`, `pkg/meridian_bg.wasm`, `pkg/meridian.css`),
//! without cargo-leptos: the hydrating wasm built by cargo (package `app`,
//! feature `hydrate`, for `wasm32-unknown-unknown`; `--release`: profile
//! `wasm-release`), bound by wasm-bindgen's own library at the version the
//! workspace pins (the bindings always match the crate, and nothing needs
//! installing), optimised in release by `wasm-opt -Oz` (npm's binaryen: in
//! `tools/node_modules/.bin`, else on `PATH`), and the stylesheet beside it.
//! The server binary is a plain `cargo build` of `server`: its Leptos
//! options are set in code, so it serves this layout.
//!
//! `cargo leptos watch` still works for those who have cargo-leptos; it
//! lays out the same site (naming the wasm `meridian.wasm` and building a
//! server that asks for that name).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// The name the server's Leptos options give the app's files.
const OUTPUT_NAME: &str = "meridian";
/// wasm-opt's arguments, as cargo-leptos passes them: smallest code, and the
/// features Rust's wasm32 target emits that binaryen does not assume.
const WASM_OPT_ARGS: &[&str] = &["-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int"];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["site"] => site(false),
        ["site", "--release"] => site(true),
        _ => {
            eprintln!("usage: cargo xtask site [--release]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn say(text: &str) {
    eprintln!("\x1b[1;34m[xtask]\x1b[0m {text}");
}

/// Runs `work`, then says how long `what` took.
fn timed<T>(what: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
    let started = Instant::now();
    let value = work()?;
    say(&format!("{what}: {:.1} s", started.elapsed().as_secs_f64()));
    Ok(value)
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn site(release: bool) -> Result<()> {
    let root = workspace();
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let profile = if release { "wasm-release" } else { "dev" };
    say(&format!("building the hydrating wasm (profile {profile})"));
    timed("wasm built", || {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(&root)
            .args(["build", "--package", "app", "--lib", "--target", "wasm32-unknown-unknown"])
            .args(["--no-default-features", "--features", "hydrate", "--profile", profile])
            .status()
            .context("running cargo")?;
        if !status.success() {
            bail!("cargo build of the wasm failed ({status})");
        }
        Ok(())
    })?;
    let out_dir = if release { "wasm-release" } else { "debug" };
    let wasm = target.join("wasm32-unknown-unknown").join(out_dir).join("app.wasm");
    let pkg = root.join("target/site/pkg");
    std::fs::create_dir_all(&pkg).with_context(|| format!("creating {}", pkg.display()))?;
    let css = pkg.join(format!("{OUTPUT_NAME}.css"));
    std::fs::copy(root.join("style/main.css"), &css).context("copying style/main.css")?;
    // Bound (and optimised) from this very wasm already: nothing to do.
    let stamp = pkg.join(".built-from");
    let source = built_from(&wasm, release)?;
    if std::fs::read_to_string(&stamp).is_ok_and(|built| built == source) && pkg.join(format!("{OUTPUT_NAME}_bg.wasm")).exists() {
        say(&format!("site up to date in {}", pkg.display()));
        return Ok(());
    }
    // A layout left by another build (cargo-leptos names the wasm otherwise) would mislead.
    for entry in std::fs::read_dir(&pkg)? {
        let path = entry?.path();
        if path.is_file() && path != css {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        }
    }
    timed("bindings generated (wasm-bindgen)", || {
        wasm_bindgen_cli_support::Bindgen::new()
            .input_path(&wasm)
            .out_name(OUTPUT_NAME)
            .web(true)?
            .typescript(false)
            .generate(&pkg)
            .with_context(|| format!("wasm-bindgen on {}", wasm.display()))
    })?;
    if release {
        let bound = pkg.join(format!("{OUTPUT_NAME}_bg.wasm"));
        timed("wasm optimised (wasm-opt -Oz)", || wasm_opt(&root, &bound))?;
    }
    std::fs::write(&stamp, source).with_context(|| format!("writing {}", stamp.display()))?;
    let size = std::fs::metadata(pkg.join(format!("{OUTPUT_NAME}_bg.wasm")))?.len();
    say(&format!("site ready in {} (wasm {:.2} MiB)", pkg.display(), size as f64 / (1024.0 * 1024.0)));
    Ok(())
}

/// What the site was made from: the input wasm (its size and time) and the
/// build, so that an unchanged one is not bound and optimised again.
fn built_from(wasm: &Path, release: bool) -> Result<String> {
    let metadata = std::fs::metadata(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let modified = metadata.modified()?.duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    Ok(format!("{} {} {modified} {}\n", if release { "release" } else { "debug" }, wasm.display(), metadata.len()))
}

/// Optimises `wasm` in place with npm's binaryen (Debian's 108 makes a
/// module that fails to hydrate, so it is not looked for).
fn wasm_opt(root: &Path, wasm: &Path) -> Result<()> {
    let local = root.join("tools/node_modules/.bin/wasm-opt");
    let program = if local.exists() { local } else { PathBuf::from("wasm-opt") };
    let status = Command::new(&program)
        .args(WASM_OPT_ARGS)
        .arg(wasm)
        .arg("-o")
        .arg(wasm)
        .status()
        .with_context(|| format!("running {} (scripts/setup.sh release installs it)", program.display()))?;
    if !status.success() {
        bail!("wasm-opt failed ({status})");
    }
    Ok(())
}
