#!/usr/bin/env bash
# `make test`: every test, from a fresh machine. Installs what is missing
# (while the Rust tests compile: one is disk and network, the other CPU),
# then runs the Rust tests (with a private PostgreSQL and the Python
# OpenTelemetry SDK) beside the fuzz smoke run, builds the release site and
# runs the browser tests on it. Steps overlap where one leaves a core idle.
# Fails if anything fails; says how long each step took.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=test; . scripts/lib.sh

step "Installing what the tests need (skipped when present), while the Rust tests compile"
mkdir -p target/setup
scripts/setup.sh test >target/setup/test.log 2>&1 &
setup_pid=$!
timed "tests compiled" cargo test --workspace --no-run
say "waiting for the installs (log: target/setup/test.log)"
if ! wait "$setup_pid"; then cat target/setup/test.log >&2; exit 1; fi
cat target/setup/test.log

step "Rust tests (unit, integration, SQLite and PostgreSQL, real instrumentation) beside a fuzz smoke run of the OTLP decoders"
# The fuzz run (cargo-fuzz, 15 s per target; make fuzz runs longer) keeps one
# core busy (its first build too: one job); the Rust tests mostly wait on
# processes they start (a minute of PostgreSQL outage, the SDKs,
# schemathesis), so they get four threads and the other core. Once they
# pass, the fleet and the site are built while the fuzz run goes on.
fuzz_log=target/fuzz-smoke.log
CARGO_BUILD_JOBS=1 setsid scripts/fuzz.sh >"$fuzz_log" 2>&1 & # its own group, so it can be stopped whole
fuzz_pid=$!
trap 'kill -- -$fuzz_pid 2>/dev/null || true' EXIT # a failure below stops the fuzz run too
fuzz_started=$SECONDS
# MERIDIAN_REQUIRE_ALL turns a missing PostgreSQL or Python SDK into a failure, not a skip.
timed "Rust tests" env MERIDIAN_REQUIRE_ALL=1 scripts/with-postgres.sh cargo test --workspace --no-fail-fast -- --test-threads 4

step "Building the demo fleet and the release site (what make demo ships: a release-only break fails here), beside the fuzz run"
# target/debug/meridian is the one `cargo test` built: a `cargo build -p server`
# would unify features without the dev-dependencies and rebuild it (and the
# next `cargo test` would rebuild it again).
timed "fleet built" cargo build -p demo
timed "release site built" cargo xtask site --release

say "waiting for the fuzz smoke run (log: $fuzz_log)"
fuzz_status=0
wait "$fuzz_pid" || fuzz_status=$?
trap - EXIT
grep -v '^ *Compiling ' "$fuzz_log" || true
say "fuzz smoke run: $((SECONDS - fuzz_started)) s"
[ "$fuzz_status" -eq 0 ] || { echo "error: the fuzz smoke run failed (above)" >&2; exit "$fuzz_status"; }

step "Browser tests (Playwright + Debian Chromium) on the release site"
timed "browser tests" scripts/e2e.sh

step "All tests passed in $(elapsed)"
