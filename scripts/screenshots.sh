#!/usr/bin/env bash
# `make screenshots`: refreshes docs/screenshots/ (every page, light and
# dark) from a real Meridian fed by the demo fleet for a minute and a half.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=screenshots; . scripts/lib.sh

scripts/setup.sh test
cargo build -p server -p demo
cargo xtask site --release

WEB=3320 GRPC=43200 HTTP=43201 DEMO_PORT=7500
require_ports $WEB $GRPC $HTTP $(seq $DEMO_PORT $((DEMO_PORT + 11)))
work=target/screenshots; rm -rf "$work"; mkdir -p "$work"
trap stop_started EXIT

LEPTOS_SITE_ROOT=target/site MERIDIAN_LOG=warn target/debug/meridian serve \
  --catalog demo/catalog --database-url "sqlite://$work/meridian.db" --self-telemetry --github-url '' \
  --demo-fleet http://127.0.0.1:$((DEMO_PORT + 11)) --addr 127.0.0.1:$WEB --otlp-grpc-addr 127.0.0.1:$GRPC --otlp-http-addr 127.0.0.1:$HTTP \
  >"$work/meridian.log" 2>&1 &
started $!
wait_for_url "http://127.0.0.1:$WEB/healthz" 30 || { cat "$work/meridian.log"; exit 1; }
target/debug/meridian-demo fleet --otlp-endpoint "http://127.0.0.1:$GRPC" --base-port $DEMO_PORT --rate 10 --data-dir "$work/demo-data" \
  >"$work/demo.log" 2>&1 &
started $!
say "letting the demo fleet run for 90 s so the charts have something to show"
sleep 90

mkdir -p docs/screenshots
(cd end2end && MERIDIAN_E2E_URL="http://127.0.0.1:$WEB" npx playwright test --config screenshots.config.ts)
say "wrote $(ls docs/screenshots/*.png | wc -l) screenshots to docs/screenshots/"
