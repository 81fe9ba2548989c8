#!/usr/bin/env bash
# `make test`: every test, from a fresh machine. Installs what is missing,
# then runs the Rust tests (with a private PostgreSQL and the Python
# OpenTelemetry SDK) and the browser tests. Fails if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=test; . scripts/lib.sh

step "Installing what the tests need (skipped when present)"
scripts/setup.sh test

step "Rust tests: unit, integration, SQLite and PostgreSQL, Python SDK interop"
# MERIDIAN_REQUIRE_ALL turns a missing PostgreSQL or Python SDK into a failure, not a skip.
MERIDIAN_REQUIRE_ALL=1 scripts/with-postgres.sh cargo test --workspace

step "Fuzz smoke run of the OTLP decoders (cargo-fuzz, 15 s per target; make fuzz runs longer)"
scripts/fuzz.sh

step "Building the web app (SSR server + hydrating WASM) and the demo fleet"
cargo leptos build
cargo build -p demo

step "Browser tests (Playwright + Debian Chromium)"
scripts/e2e.sh

step "All tests passed"
