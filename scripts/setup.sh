#!/usr/bin/env bash
# Installs what `make demo` and `make test` need on a fresh Debian 12 machine.
# Idempotent: each step checks first and says what it does. Steps that do
# not depend on each other run at the same time, each into its own log under
# target/setup/ (shown in full if it fails), and say how long they took.
# Nothing is built from source here but cargo-fuzz (a minute): the site is built by `cargo xtask site`
# (wasm-bindgen's library at the workspace's version), not by cargo-leptos.
#
#   scripts/setup.sh build     the wasm target
#   scripts/setup.sh release   + wasm-opt (npm binaryen) for the release wasm
#   scripts/setup.sh fuzz      cargo-fuzz
#   scripts/setup.sh test      + release, chromium, postgresql, cargo-fuzz,
#                              the tests' npm packages and Python venv
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=setup; . scripts/lib.sh

BINARYEN_VERSION=132
CARGO_FUZZ_VERSION=0.13.1
LOGS=target/setup
mkdir -p "$LOGS"

apt_install() { # apt_install PACKAGE... (only the missing ones)
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "apt-get install ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
}

npm_ci() { # npm_ci DIR CHECK-PATH: `npm ci` in DIR unless CHECK-PATH exists
  [ -e "$1/$2" ] && return 0
  echo "npm ci in $1/"
  (cd "$1" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund)
}

wasm_target() {
  rustup target list --installed | grep -q wasm32-unknown-unknown && return 0
  echo "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
}

wasm_opt() {
  # Debian's binaryen (108) produces wasm that fails to hydrate; use npm's.
  [ -x tools/node_modules/.bin/wasm-opt ] && return 0
  echo "npm install binaryen@$BINARYEN_VERSION into tools/"
  mkdir -p tools
  npm install --silent --no-audit --no-fund --prefix tools "binaryen@$BINARYEN_VERSION"
}

cargo_fuzz() { # the fuzz smoke run of `make test` (scripts/fuzz.sh)
  cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION" && return 0
  echo "cargo install cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install --quiet cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
}

system_packages() { apt_install chromium postgresql; }

test_npm_packages() {
  npm_ci end2end node_modules/@axe-core/playwright
  # Backstage's own packages are test references: its validators and its REST client.
  npm_ci catalog/tests/backstage node_modules/@backstage
  npm_ci server/tests/backstage-client node_modules/@backstage
  # Real public OpenAPI documents the API diff is tested on.
  npm_ci contracts/tests/corpus node_modules/@readme/oas-examples
  # Real instrumentation for the conformance matrix: Node's current line and
  # its legacy line (the conventions before 1.20), each from its lock file.
  npm_ci server/tests/instrumentation/node node_modules/@opentelemetry/sdk-node
  npm_ci server/tests/instrumentation/node-legacy node_modules/@opentelemetry/sdk-node
}

python_venv() {
  local venv=target/otel-venv
  # Made again when requirements.txt changes (its hash is kept in the venv).
  local wanted; wanted=$(sha256sum server/tests/python/requirements.txt | cut -d' ' -f1)
  [ -x "$venv/bin/python" ] && [ "$(cat "$venv/requirements.sha256" 2>/dev/null)" = "$wanted" ] && return 0
  echo "python venv with the OpenTelemetry SDK, its instrumentations and schemathesis in $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r server/tests/python/requirements.txt
  echo "$wanted" > "$venv/requirements.sha256"
}

# Runs each named step at the same time, each into its own log; says when
# each ends and how long it took; fails (showing the log) if any failed.
in_parallel() {
  local pids=() names=() started=$SECONDS
  for step in "$@"; do
    "$step" >"$LOGS/$step.log" 2>&1 &
    pids+=($!); names+=("$step")
  done
  local failed=0
  for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then
      if [ -s "$LOGS/${names[$i]}.log" ]; then say "${names[$i]}: done ($((SECONDS - started)) s): $(tail -n 1 "$LOGS/${names[$i]}.log")"; fi
    else
      failed=1
      say "${names[$i]} failed; its log ($LOGS/${names[$i]}.log):"
      cat "$LOGS/${names[$i]}.log" >&2
    fi
  done
  return $failed
}

case "${1:-build}" in
  build) in_parallel wasm_target ;;
  release) in_parallel wasm_target wasm_opt ;;
  fuzz) in_parallel cargo_fuzz ;;
  test) in_parallel wasm_target wasm_opt system_packages cargo_fuzz test_npm_packages python_venv ;;
  *) echo "usage: $0 build|release|fuzz|test" >&2; exit 2 ;;
esac
