#!/usr/bin/env bash
# `make demo`: builds Meridian (release) and runs it on embedded SQLite with
# the demo fleet sending it traces. UI at http://127.0.0.1:3000. Ctrl-C stops
# everything.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=demo; . scripts/lib.sh

step "Installing what the build needs (skipped when present)"
scripts/setup.sh release
export PATH="$PWD/tools/node_modules/.bin:$PATH" # wasm-opt for the release build

step "Building Meridian and the demo fleet (release; the first build takes a few minutes)"
cargo leptos build --release
cargo build --release -p demo

require_ports 3000 4317 4318 $(seq 7100 7111) # Meridian, then the fleet's 11 processes and its control endpoint
meridian_pid= fleet_pid=
# Ctrl-C reaches the whole terminal process group, which includes the fleet.
# Meridian runs in its own session so it stops last, after the services have
# flushed their final spans to it.
cleanup() {
  trap - INT TERM EXIT
  say "stopping the demo fleet, then Meridian"
  [ -n "$fleet_pid" ] && { kill -TERM "$fleet_pid" 2>/dev/null || true; wait "$fleet_pid" 2>/dev/null || true; }
  [ -n "$meridian_pid" ] && { kill -TERM "$meridian_pid" 2>/dev/null || true; wait "$meridian_pid" 2>/dev/null || true; }
  say "stopped"
  exit 0
}
trap cleanup INT TERM EXIT

step "Starting Meridian (database: ./data/meridian.db)"
# --self-telemetry: Meridian shows in its own graph beside the fleet;
# --demo-fleet: the Demo page drives the fleet's faults and deploys;
# --github-url '': the demo shop's repositories are not on GitHub.
LEPTOS_SITE_ROOT=target/site setsid target/release/meridian serve --catalog demo/catalog --self-telemetry \
  --demo-fleet http://127.0.0.1:7111 --github-url '' \
  > >(trap '' INT; exec sed -u 's/^/[meridian] /') 2>&1 &
meridian_pid=$!
wait_for_url http://127.0.0.1:3000/healthz 30

step "Starting the demo fleet (databases in ./data/demo)"
target/release/meridian-demo fleet --otlp-endpoint http://127.0.0.1:4317 --data-dir data/demo &
fleet_pid=$!

say "Meridian:   http://127.0.0.1:3000   (graph: /graph; break things and deploy: /demo)"
say "OTLP:       gRPC 127.0.0.1:4317, HTTP http://127.0.0.1:4318/v1/traces"
say "The shop:   http://127.0.0.1:7100/api/products (gateway); faults and deploys by curl: demo/README.md"
say "Ctrl-C stops everything."
wait "$meridian_pid"
