#!/usr/bin/env bash
# Runs a command with a private, throw-away PostgreSQL server:
#   scripts/with-postgres.sh COMMAND...
# The cluster lives in target/pg (fresh each run) on a free port, runs as the
# `postgres` user (PostgreSQL refuses root), and is stopped on exit however the
# command ends. The command sees MERIDIAN_TEST_POSTGRES_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "with-postgres: PostgreSQL is not installed (scripts/setup.sh test installs it)" >&2; exit 1; }

dir=$(pwd)/target/pg
port=${MERIDIAN_TEST_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

rm -rf "$dir"; mkdir -p "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
echo "[postgres] initdb in $dir, port $port"
as_pg "$bin/initdb" -D "$dir" -U meridian --auth=trust >/dev/null
stop() { as_pg "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true; echo "[postgres] stopped"; }
trap stop EXIT
as_pg "$bin/pg_ctl" -D "$dir" -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" -l "$dir/log" -w start >/dev/null
export MERIDIAN_TEST_POSTGRES_URL="postgres://meridian@127.0.0.1:$port/postgres"
# Tests that stop and start a PostgreSQL of their own use the same binaries.
export MERIDIAN_TEST_PG_BIN="$bin"
"$@"
