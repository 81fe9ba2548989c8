#!/usr/bin/env bash
# Browser tests against a real Meridian fed by the real demo fleet.
# Expects the binaries (`cargo build -p server -p demo`) and the site
# (`cargo xtask site --release`) to be built (scripts/test.sh does both). Uses its own ports so a running `make demo`
# is never tested by mistake, and stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=e2e; . scripts/lib.sh

# Below Linux's ephemeral range (32768-60999): an outgoing connection of the
# fleet never takes one of these between the check and the start.
WEB=3300 GRPC=24317 HTTP=24318 DEMO_PORT=7400
LARGE_WEB=3310 LARGE_GRPC=24319 LARGE_HTTP=24320 # a second Meridian holding a 2,000-service organisation
require_ports $WEB $GRPC $HTTP $(seq $DEMO_PORT $((DEMO_PORT + 11))) $LARGE_WEB $LARGE_GRPC $LARGE_HTTP # the fleet's 11 processes and its control endpoint
[ -x target/debug/meridian ] && [ -x target/debug/meridian-demo ] && [ -f target/site/pkg/meridian.js ] \
  || { echo "error: build first: cargo build -p server -p demo && cargo xtask site --release" >&2; exit 1; }

work=target/e2e; rm -rf "$work"; mkdir -p "$work"
trap stop_started EXIT

# A folder the Register page test registers by path (so it is an --allow-path).
mkdir -p "$work/extra-catalog"
cat >"$work/extra-catalog/catalog-info.yaml" <<'YAML'
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: from-a-folder
spec:
  type: service
  lifecycle: experimental
  owner: team-storefront
YAML

say "starting Meridian on :$WEB (logs in $work/meridian.log)"
LEPTOS_SITE_ROOT=target/site MERIDIAN_LOG=warn target/debug/meridian serve \
  --catalog demo/catalog --database-url "sqlite://$work/meridian.db" \
  --api-token e2e-token --allow-path "$work/extra-catalog" --self-telemetry --slo-interval-secs 5 --scorecard-interval-secs 5 --regression-window-secs 60 --github-url '' --demo-fleet http://127.0.0.1:$((DEMO_PORT + 11)) --addr 127.0.0.1:$WEB --otlp-grpc-addr 127.0.0.1:$GRPC --otlp-http-addr 127.0.0.1:$HTTP \
  >"$work/meridian.log" 2>&1 &
started $!
wait_for_url "http://127.0.0.1:$WEB/healthz" 30 || { cat "$work/meridian.log"; exit 1; }

say "starting the demo fleet (logs in $work/demo.log)"
fleet_started=$(date +%s%3N)
target/debug/meridian-demo fleet --otlp-endpoint "http://127.0.0.1:$GRPC" --base-port $DEMO_PORT --rate 20 --data-dir "$work/demo-data" \
  >"$work/demo.log" 2>&1 &
started $!
# The first calls through the whole shop; the browser tests wait for the rest.
wait_for_edge "http://127.0.0.1:$WEB" service:gateway service:catalog 60 || { cat "$work/demo.log"; exit 1; }

say "starting a second Meridian on :$LARGE_WEB with a 2,000-service organisation (logs in $work/large.log)"
LEPTOS_SITE_ROOT=target/site MERIDIAN_LOG=warn target/debug/meridian serve \
  --catalog demo/catalog --database-url "sqlite://$work/large.db" --github-url '' \
  --addr 127.0.0.1:$LARGE_WEB --otlp-grpc-addr 127.0.0.1:$LARGE_GRPC --otlp-http-addr 127.0.0.1:$LARGE_HTTP \
  >"$work/large.log" 2>&1 &
started $!
wait_for_url "http://127.0.0.1:$LARGE_WEB/healthz" 30 || { cat "$work/large.log"; exit 1; }
target/debug/meridian-demo organisation --otlp-http 127.0.0.1:$LARGE_HTTP --services 2000 --edges 10000
wait_for_edge "http://127.0.0.1:$LARGE_WEB" service:svc-01999 service:svc-00004 60 || { cat "$work/large.log"; exit 1; }


say "running Playwright"
(cd end2end && MERIDIAN_E2E_PYTHON="$PWD/../target/otel-venv/bin/python" MERIDIAN_E2E_OTLP_HTTP="127.0.0.1:$HTTP" MERIDIAN_E2E_LARGE_URL="http://127.0.0.1:$LARGE_WEB" MERIDIAN_E2E_FLEET_STARTED=$fleet_started MERIDIAN_E2E_URL="http://127.0.0.1:$WEB" MERIDIAN_E2E_LOCATION="$PWD/../$work/extra-catalog" npx playwright test)

# demo/README.md's commands, as written but for the fleet's ports (this
# fleet's 74xx for the README's 71xx), so a README that drifts from the
# fleet fails here. Each curl must get a 2xx.
say "running demo/README.md's commands against this fleet"
block=$(awk '/^```sh$/{f=1; next} /^```$/{f=0} f' demo/README.md | sed "s/localhost:71\([0-9][0-9]\)/localhost:${DEMO_PORT:0:2}\1/g")
[ "$(grep -c '^curl' <<<"$block")" -ge 5 ] || { echo "error: demo/README.md's curl commands were not found" >&2; exit 1; }
(curl() { command curl --fail-with-body -sS --max-time 10 "$@"; }; set -e; eval "$block") >"$work/readme-demo.log" 2>&1 \
  || { echo "error: a command of demo/README.md failed:" >&2; cat "$work/readme-demo.log" >&2; exit 1; }
grep -q '"error_share":1' "$work/readme-demo.log" \
  || { echo "error: the provider's state does not show what demo/README.md set:" >&2; cat "$work/readme-demo.log" >&2; exit 1; }
