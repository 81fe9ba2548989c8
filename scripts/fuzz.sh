#!/usr/bin/env bash
# Fuzzes the OTLP decoders (protobuf, JSON, the gzip path, and the protobuf
# scanner against prost's full decode) with cargo-fuzz
# (libFuzzer + AddressSanitizer), each for FUZZ_SECONDS (default 15: the
# smoke run of `make test`; `make fuzz` runs 300). Seeds come from
# synthetic; a crash leaves its input in fuzz/artifacts/ and
# fails the run.
#
#   scripts/fuzz.sh                 every target
#   scripts/fuzz.sh otlp_json       one target
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=fuzz; . scripts/lib.sh

SECONDS_EACH=${FUZZ_SECONDS:-15}
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(otlp_protobuf otlp_json otlp_gzip otlp_differential)

scripts/setup.sh fuzz # cargo-fuzz, unless installed
# libFuzzer's sanitizer flags are unstable (-Z): use a nightly toolchain when
# one is installed, else the stable one with RUSTC_BOOTSTRAP (no download).
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  TOOLCHAIN=(+nightly)
else
  TOOLCHAIN=()
  export RUSTC_BOOTSTRAP=1
fi

corpus=target/fuzz-corpus
say "seed corpus from synthetic in $corpus/"
cargo run --quiet --manifest-path fuzz/Cargo.toml --target-dir target/fuzz-seeds --bin seeds -- "$corpus"

for target in "${TARGETS[@]}"; do
  say "$target for ${SECONDS_EACH}s"
  log=target/fuzz-$target.log
  if ! cargo "${TOOLCHAIN[@]}" fuzz run --fuzz-dir fuzz --target-dir target/fuzz "$target" "$corpus/$target" -- \
    -max_total_time="$SECONDS_EACH" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "error: $target failed (full log: $log; a failing input is in fuzz/artifacts/$target/, reproduce with: cargo +nightly fuzz run --fuzz-dir fuzz $target FILE)" >&2
    exit 1
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log" | sed 's/^/  /'
done
say "no target found a failing input"
