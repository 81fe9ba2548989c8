#!/usr/bin/env bash
# A fresh machine, as far as one can be simulated on this one: a fresh clone,
# an empty CARGO_HOME (crates downloaded again, no cargo-leptos, cargo-fuzz or
# wasm-bindgen on PATH), empty npm and pip caches. Shared with the image:
# the Rust toolchain and its wasm target, Debian's chromium and postgresql.
# usage: scripts/fresh-clone.sh NAME COMMAND...   (runs COMMAND in /tmp/fresh-NAME/clone, a clone of this repository's HEAD)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
name=$1; shift
root=/tmp/fresh-$name
rm -rf "$root"; mkdir -p "$root/bin"
for tool in cargo rustc rustup rustdoc cargo-clippy clippy-driver rustfmt cargo-fmt; do ln -s "$HOME/.cargo/bin/$tool" "$root/bin/$tool"; done
git clone -q "$repo" "$root/clone"
ln -s "$repo/../shared" "$root/shared" # the test data beside the clone, as on CI
export CARGO_HOME=$root/cargo-home RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
mkdir -p "$CARGO_HOME"; cp ~/.cargo/config.toml "$CARGO_HOME/" 2>/dev/null || true
export PATH=$CARGO_HOME/bin:$root/bin:$(echo "$PATH" | tr : "\n" | grep -v "^$HOME/.cargo/bin$" | paste -sd:)
export npm_config_cache=$root/npm-cache PIP_CACHE_DIR=$root/pip-cache
cd "$root/clone"
"$@"
