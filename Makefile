# The two commands of the README. Each installs what it needs first.
.PHONY: demo test screenshots lint fuzz

demo: ## Build and run Meridian with the demo fleet; UI at http://127.0.0.1:3000
	@scripts/demo.sh

test: ## Every test: Rust (SQLite + PostgreSQL), Python SDK interop, browser
	@scripts/test.sh

screenshots: ## Refresh docs/screenshots/ (every page, light and dark) from the demo
	@scripts/screenshots.sh

lint: ## Clippy on the server side and the browser side
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p app --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings

fuzz: ## Fuzz the OTLP decoders (protobuf, JSON, gzip) for 5 minutes each
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-300} scripts/fuzz.sh
