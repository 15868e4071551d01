#!/usr/bin/env bash
# Tracking benchmark: LEARNERS simulated learners (default 500), each committing a
# realistic 2 KB CMI update over HTTP to the content origin: first as fast as each is
# answered (the most the service takes), then paced so that together they offer RATE
# commits a second (default 3000), for SECONDS each (default 20), with latency
# percentiles; then a check that every acknowledged commit is stored; and beside it the
# baseline, plain inserts of the same rows straight into the database from as many
# tasks, measured in the same run. Each run starts from a fresh database. On SQLite, and
# on PostgreSQL when TEST_DATABASE_URL names a server. The load generator runs on the
# same machine as the service. The goal: at least 3,000 a second with p99 under 50 ms.
# Usage: bench/tracking.sh [SECONDS] [LEARNERS] [RATE]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
learners=${2:-500}
rate=${3:-3000}
cargo build --release -q -p marketplace --bin marketplace --example commit_load
bin=$PWD/target/release/marketplace
load=$PWD/target/release/examples/commit_load
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true

start_service() { # NAME DATABASE_URL → sets $server and $content
  export MARKETPLACE_DATABASE_URL=$2 MARKETPLACE_PORT=0 MARKETPLACE_CONTENT_PORT=0 MARKETPLACE_LOG=warn MARKETPLACE_DATA_DIR=$work/data-$1
  "$bin" serve > "$work/$1.out" 2>"$work/$1.err" &
  server=$!
  pids+=($server)
  content=""
  for _ in $(seq 100); do content=$(sed -n 's|^Content origin: http://[^:]*:\([0-9]*\).*|\1|p' "$work/$1.out"); [ -n "$content" ] && break; sleep 0.1; done
  [ -n "$content" ] || { echo "$1: the service did not start"; cat "$work/$1.err"; exit 1; }
}

one_run() { # NAME DATABASE_URL LABEL [RATE]
  local name=$1 url=$2 label=$3 paced=${4:-}
  "$load" seed "$url" "$learners" "$work/$name.learners"
  start_service "$name" "$url"
  "$load" run "http://127.0.0.1:$content" "$work/$name.learners" "$secs" $paced > "$work/$name.run"
  kill "$server"; wait "$server" 2>/dev/null || true
  echo "$name, $label: $(head -1 "$work/$name.run")"
  echo "$name, $label: $("$load" check "$url" "$work/$name.learners" "$work/$name.run")"
  got=$(head -1 "$work/$name.run" | sed -n 's|.*: \([0-9]*\)/s.*|\1|p')
}

run_backend() { # NAME DATABASE_URL FRESH_DATABASE_COMMAND
  local name=$1 url=$2
  $3; one_run "$name" "$url" "as fast as answered"
  local most=$got
  $3; one_run "$name" "$url" "paced at $rate/s" "$rate"
  local base want
  base=$("$load" inserts "$url" "$work/$name.learners" "$secs")
  want=$(echo "$base" | sed -n 's|.*: \([0-9]*\)/s.*|\1|p')
  echo "$name: baseline $base"
  echo "$name: the most commits through HTTP, checked and stored, are $(awk -v a="$most" -v b="$want" 'BEGIN {printf "%.2f", a/b}')x the plain inserts"
}

fresh_sqlite() { rm -f "$work"/bench.db*; }
run_backend sqlite "sqlite://$work/bench.db" fresh_sqlite
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  db="mkt_tracking_$$"
  fresh_postgres() {
    psql -q "$TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
    psql -q "$TEST_DATABASE_URL" -c "CREATE DATABASE $db"
  }
  run_backend postgres "${TEST_DATABASE_URL%/*}/$db" fresh_postgres
  psql -q "$TEST_DATABASE_URL" -c "DROP DATABASE $db WITH (FORCE)"
fi
