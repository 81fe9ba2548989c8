# Shared helpers for the scripts in this folder (sourced, not run).

say() { printf '\033[1;34m[%s]\033[0m %s\n' "${SCRIPT_NAME:-meridian}" "$*"; }
step() { printf '\n\033[1;32m==> %s\033[0m\n' "$*"; }

# timed LABEL COMMAND...: runs the command, then says how long LABEL took
# (and fails as the command did).
timed() {
  local label=$1 started=$SECONDS status=0
  shift
  "$@" || status=$?
  say "$label: $((SECONDS - started)) s"
  return $status
}

# elapsed: the time since the script started, as `12 min 3 s`.
elapsed() { printf '%d min %d s' $((SECONDS / 60)) $((SECONDS % 60)); }

# port_free PORT: true when nothing listens on 127.0.0.1:PORT.
port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# require_ports PORT...: stop with a clear message if any port is taken.
require_ports() {
  for port in "$@"; do
    if ! port_free "$port"; then
      echo "error: port $port is already in use (another Meridian or demo still running?). Stop it and retry." >&2
      exit 1
    fi
  done
}

# wait_for_url URL SECONDS: poll until URL answers 2xx.
wait_for_url() {
  local url=$1 seconds=$2
  for _ in $(seq 1 $((seconds * 5))); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "error: $url did not answer within ${seconds}s" >&2
  return 1
}

# wait_for_text URL TEXT SECONDS: poll until URL answers 2xx with TEXT in its body.
wait_for_text() {
  local url=$1 text=$2 seconds=$3
  for _ in $(seq 1 $((seconds * 5))); do
    curl -fsS "$url" 2>/dev/null | grep -qF -- "$text" && return 0
    sleep 0.2
  done
  echo "error: $url did not show \`$text\` within ${seconds}s" >&2
  return 1
}

# wait_for_edge BASE SOURCE TARGET SECONDS: poll /api/v1/graph for an edge.
wait_for_edge() {
  local base=$1 source=$2 target=$3 seconds=$4
  for _ in $(seq 1 "$seconds"); do
    if curl -fsS "$base/api/v1/graph?window=15m" 2>/dev/null | python3 -c '
import json, sys
graph = json.load(sys.stdin)
sys.exit(0 if any(e["source"] == sys.argv[1] and e["target"] == sys.argv[2] for e in graph["edges"]) else 1)
' "$source" "$target"; then
      return 0
    fi
    sleep 1
  done
  echo "error: no edge $source -> $target in $base/api/v1/graph after ${seconds}s" >&2
  return 1
}

# started PID: a process this script started, stopped by stop_started
# (`trap stop_started EXIT`), with everything else it started.
STARTED=()
started() { STARTED+=("$1"); }
stop_started() {
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
