#!/usr/bin/env bash
# `make demo`: builds Meridian and the demo fleet (profile `demo`, chosen by
# measurement: see BENCHMARKS.md) and the release site, runs Meridian on
# embedded SQLite with the fleet sending it traces, and says when the first
# screen is up: http://127.0.0.1:3000. Each step says how long it took.
# Ctrl-C, or SIGTERM to this script or its process group (as a service
# manager or a CI job sends it), stops everything: the fleet first, so its
# last spans reach Meridian, then Meridian.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=demo; . scripts/lib.sh

PROFILE=demo
BIN=target/$PROFILE

step "Installing what the build needs (skipped when present)"
timed "installs" scripts/setup.sh release

step "Building Meridian and the demo fleet (profile $PROFILE; the first build takes several minutes)"
timed "Meridian and the fleet built" cargo build --profile $PROFILE -p server -p demo

step "Building the site (the hydrating wasm, release)"
timed "site built" cargo xtask site --release

require_ports 3000 4317 4318 $(seq 7100 7111) # Meridian, then the fleet's 11 processes and its control endpoint
meridian_pid= fleet_pid=
# Meridian runs in a session of its own, so that a signal to this script's
# process group (Ctrl-C, or a TERM to the group) reaches the fleet at once
# and Meridian only from here, after the fleet has flushed its last spans.
cleanup() {
  # Further signals are ignored, not taken: make passes a TERM it gets on to
  # this script too, and a second one must not cut the stop short.
  trap '' INT TERM
  trap - EXIT
  say "stopping the demo fleet, then Meridian"
  [ -n "$fleet_pid" ] && { kill -TERM "$fleet_pid" 2>/dev/null || true; wait "$fleet_pid" 2>/dev/null || true; }
  [ -n "$meridian_pid" ] && { kill -TERM "$meridian_pid" 2>/dev/null || true; wait "$meridian_pid" 2>/dev/null || true; }
  say "stopped"
  exit 0
}
trap cleanup INT TERM EXIT

step "Starting Meridian (database: ./data/meridian.db) and the demo fleet"
# --self-telemetry: Meridian shows in its own graph beside the fleet;
# --demo-fleet: the Demo page drives the fleet's faults and deploys;
# --github-url '': the demo shop's repositories are not on GitHub.
# Its log goes through sed (a [meridian] prefix), which ignores the signals
# the group gets so that Meridian can log its own stop.
LEPTOS_SITE_ROOT=target/site setsid "$BIN/meridian" serve --catalog demo/catalog --self-telemetry \
  --demo-fleet http://127.0.0.1:7111 --github-url '' \
  > >(trap '' INT TERM; exec sed -u 's/^/[meridian] /') 2>&1 &
meridian_pid=$!
timed "Meridian up" wait_for_url http://127.0.0.1:3000/healthz 60
"$BIN/meridian-demo" fleet --otlp-endpoint http://127.0.0.1:4317 --data-dir data/demo &
fleet_pid=$!
# The first screen: the catalog page answering with the demo's services.
timed "first screen" wait_for_text http://127.0.0.1:3000/ 'data-entity="component:default/' 60

say "up in $(elapsed): the first screen is at http://127.0.0.1:3000"
say "Meridian:   http://127.0.0.1:3000   (graph: /graph; break things and deploy: /demo)"
say "OTLP:       gRPC 127.0.0.1:4317, HTTP http://127.0.0.1:4318/v1/traces"
say "The shop:   http://127.0.0.1:7100/api/products (gateway); faults and deploys by curl: demo/README.md"
say "Ctrl-C stops everything."
wait "$meridian_pid"
