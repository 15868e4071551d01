#!/usr/bin/env bash
# Tracking benchmark: commits per second from LEARNERS simulated learners (default 500),
# each committing a realistic 2 KB CMI update over HTTP to the content origin as fast as
# it is answered, for SECONDS (default 20); latency percentiles; then a check that every
# acknowledged commit is stored; and beside it the baseline, plain inserts of the same
# rows straight into the database from as many tasks, measured in the same run. On
# SQLite, and on PostgreSQL when TEST_DATABASE_URL names a server (a fresh database is
# made and dropped). The goal: at least 3,000 commits a second with p99 under 50 ms.
# Usage: bench/tracking.sh [SECONDS] [LEARNERS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
learners=${2:-500}
cargo build --release -q -p marketplace --bin marketplace --example commit_load
bin=$PWD/target/release/marketplace
load=$PWD/target/release/examples/commit_load
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true

run_backend() { # NAME DATABASE_URL
  local name=$1 url=$2
  "$load" seed "$url" "$learners" "$work/$name.learners"
  export MARKETPLACE_DATABASE_URL=$url MARKETPLACE_PORT=0 MARKETPLACE_CONTENT_PORT=0 MARKETPLACE_LOG=warn MARKETPLACE_DATA_DIR=$work/data-$name
  "$bin" serve > "$work/$name.out" 2>"$work/$name.err" &
  local server=$!
  pids+=($server)
  local content=""
  for _ in $(seq 100); do content=$(sed -n 's|^Content origin: http://[^:]*:\([0-9]*\).*|\1|p' "$work/$name.out"); [ -n "$content" ] && break; sleep 0.1; done
  [ -n "$content" ] || { echo "$name: the service did not start"; cat "$work/$name.err"; exit 1; }
  "$load" run "http://127.0.0.1:$content" "$work/$name.learners" "$secs" > "$work/$name.run"
  kill "$server"; wait "$server" 2>/dev/null || true
  local verdict
  verdict=$("$load" check "$url" "$work/$name.learners" "$work/$name.run")
  local base
  base=$("$load" inserts "$url" "$work/$name.learners" "$secs")
  local got want
  got=$(head -1 "$work/$name.run" | sed -n 's|.*: \([0-9]*\)/s.*|\1|p')
  want=$(echo "$base" | sed -n 's|.*: \([0-9]*\)/s.*|\1|p')
  echo "$name: $(head -1 "$work/$name.run")"
  echo "$name: $verdict"
  echo "$name: baseline $base"
  echo "$name: commits through HTTP, checked and stored, are $(awk -v a="$got" -v b="$want" 'BEGIN {printf "%.2f", a/b}')x the plain inserts"
}

run_backend sqlite "sqlite://$work/bench.db"
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  db="mkt_tracking_$$"
  psql -q "$TEST_DATABASE_URL" -c "CREATE DATABASE $db"
  run_backend postgres "${TEST_DATABASE_URL%/*}/$db"
  psql -q "$TEST_DATABASE_URL" -c "DROP DATABASE $db WITH (FORCE)"
fi
