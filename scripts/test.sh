#!/usr/bin/env bash
# `make test`: every test, from a fresh machine. Installs what is missing
# (while the Rust tests compile: one is disk and network, the other CPU),
# then runs the Rust tests (with a private PostgreSQL and the Python
# OpenTelemetry SDK), builds the release site and runs the browser tests.
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

step "Rust tests: unit, integration, SQLite and PostgreSQL, real instrumentation"
# MERIDIAN_REQUIRE_ALL turns a missing PostgreSQL or Python SDK into a failure, not a skip.
timed "Rust tests" env MERIDIAN_REQUIRE_ALL=1 scripts/with-postgres.sh cargo test --workspace

step "Fuzz smoke run of the OTLP decoders (cargo-fuzz, 15 s per target; make fuzz runs longer)"
timed "fuzz smoke run" scripts/fuzz.sh

step "Building the servers and the release site (what make demo ships: a release-only break fails here)"
timed "servers built" cargo build -p server -p demo
timed "release site built" cargo xtask site --release

step "Browser tests (Playwright + Debian Chromium) on the release site"
timed "browser tests" scripts/e2e.sh

step "All tests passed in $(elapsed)"
