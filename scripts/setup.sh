#!/usr/bin/env bash
# Installs what `make demo` and `make test` need on a fresh Debian 12 machine.
# Idempotent: each step checks first and says what it does. Versions are pinned
# to ones that build with Rust 1.95 (see ../shared/TOOLCHAIN.md and ARCHITECTURE.md).
#
#   scripts/setup.sh build     wasm target, cargo-leptos, wasm-bindgen-cli
#   scripts/setup.sh release   + wasm-opt (npm binaryen) for release builds
#   scripts/setup.sh test      + chromium, postgresql, npm packages for tests, python venv
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.5
BINARYEN_VERSION=132
say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

# The wasm-bindgen CLI must equal the wasm-bindgen crate in Cargo.lock exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock 2>/dev/null
}

apt_install() { # apt_install PACKAGE... (only the missing ones)
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "apt-get install ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
}

setup_build() {
  if ! rustup target list --installed | grep -q wasm32-unknown-unknown; then
    say "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "cargo install cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes, once)"
    cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
  fi
  local wb; wb=$(wasm_bindgen_version)
  [ -n "$wb" ] || { echo "setup: no wasm-bindgen in Cargo.lock; run cargo generate-lockfile" >&2; exit 1; }
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb\$"; then
    say "cargo install wasm-bindgen-cli =$wb (about 3 minutes, once)"
    # Not --locked: its lock file names a crate version this registry lacks.
    cargo install wasm-bindgen-cli --version "=$wb" --force
  fi
}

setup_release() {
  # Debian's binaryen (108) produces wasm that fails to hydrate; use npm's.
  if [ ! -x tools/node_modules/.bin/wasm-opt ]; then
    say "npm install binaryen@$BINARYEN_VERSION into tools/"
    mkdir -p tools
    npm install --silent --no-audit --no-fund --prefix tools "binaryen@$BINARYEN_VERSION"
  fi
}

setup_test() {
  apt_install chromium postgresql
  if [ ! -d end2end/node_modules/@playwright/test ] || [ ! -d end2end/node_modules/@axe-core/playwright ]; then
    say "npm ci in end2end/ (Playwright without a browser download, axe-core)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund)
  fi
  # Backstage's own packages are test references: its validators and its REST client.
  for dir in catalog/tests/backstage server/tests/backstage-client; do
    if [ ! -d "$dir/node_modules/@backstage" ]; then
      say "npm ci in $dir/ (Backstage reference packages)"
      (cd "$dir" && npm ci --silent --no-audit --no-fund)
    fi
  done
  # Real public OpenAPI documents the API diff is tested on.
  if [ ! -d contracts/tests/corpus/node_modules/@readme/oas-examples ]; then
    say "npm ci in contracts/tests/corpus/ (public OpenAPI documents)"
    (cd contracts/tests/corpus && npm ci --silent --no-audit --no-fund)
  fi
  # Real instrumentation for the conformance matrix: Node's current line and
  # its legacy line (the conventions before 1.20), each with its own lock.
  for dir in server/tests/instrumentation/node server/tests/instrumentation/node-legacy; do
    if [ ! -d "$dir/node_modules/@opentelemetry/sdk-node" ]; then
      say "npm ci in $dir/ (OpenTelemetry's Node instrumentation)"
      (cd "$dir" && npm ci --silent --no-audit --no-fund)
    fi
  done
  local venv=target/otel-venv
  # Reinstalled when requirements.txt changes (its hash is kept in the venv).
  local wanted; wanted=$(sha256sum server/tests/python/requirements.txt | cut -d' ' -f1)
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/requirements.sha256" 2>/dev/null)" != "$wanted" ]; then
    say "python venv with the OpenTelemetry SDK, its instrumentations and schemathesis in $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r server/tests/python/requirements.txt
    echo "$wanted" > "$venv/requirements.sha256"
  fi
}

case "${1:-build}" in
  build) setup_build ;;
  release) setup_build; setup_release ;;
  test) setup_build; setup_test ;;
  *) echo "usage: $0 build|release|test" >&2; exit 2 ;;
esac
