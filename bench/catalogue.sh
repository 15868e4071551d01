#!/usr/bin/env bash
# Catalogue benchmark: latency of catalogue searches over 10,000 listed courses, with one
# client (each search's own latency) and with several at once (CLIENTS, default "1 8"),
# a different search or filter on each request (words, a topic, free or paid, a length,
# a later page), beside the unfiltered first page and /healthz (the ceiling). On SQLite, and on PostgreSQL when TEST_DATABASE_URL names a server (a fresh
# database is made and dropped). The goal: p95 under 50 ms.
# Usage: bench/catalogue.sh [SECONDS] [COURSES]   (defaults 15 and 10000; needs wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
clients_list=${CLIENTS:-1 8}
courses=${2:-10000}
command -v wrk >/dev/null || { echo "bench/catalogue.sh needs wrk (apt-get install wrk)"; exit 2; }
cargo build --release -q -p marketplace --bin marketplace --example seed_catalogue
bin=$PWD/target/release/marketplace
seed=$PWD/target/release/examples/seed_catalogue
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

cat > "$work/search.lua" <<'LUA'
local paths = {
  "/catalogue?q=fire+safety", "/catalogue?q=safeguarding+children", "/catalogue?q=sepsis&price=paid",
  "/catalogue?q=hand+hygiene&duration=short", "/catalogue?q=dementia&sort=price", "/catalogue?topic=mandatory",
  "/catalogue?q=patients+escalate", "/catalogue?q=insulin&page=2", "/catalogue?price=free&duration=long",
  "/catalogue?q=level+2+nurses", "/catalogue?q=wound&format=2004", "/catalogue?sort=newest&page=5",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("P95 %.2f\n", latency:percentile(95) / 1000))
end
LUA
cat > "$work/p95.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("P95 %.2f\n", latency:percentile(95) / 1000))
end
LUA

rps() { awk '/Requests\/sec/ {print $2}'; }
p95() { awk '$1 == "P95" {print $2 "ms"}'; }

run_backend() { # NAME DATABASE_URL
  local name=$1 url=$2
  local started=$SECONDS
  "$seed" "$url" "$courses" >/dev/null
  echo "$name: seeded $courses courses in $((SECONDS - started)) s" >&2
  export MARKETPLACE_DATABASE_URL=$url MARKETPLACE_PORT=0 MARKETPLACE_CONTENT_PORT=0 MARKETPLACE_LOG=warn MARKETPLACE_DATA_DIR=$work/data-$name
  "$bin" serve > "$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  local base=""
  for _ in $(seq 100); do base=$(sed -n 's|^Serving on \(http://[0-9.:]*\).*|\1|p' "$work/$name.out"); [ -n "$base" ] && break; sleep 0.1; done
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/catalogue?q=sepsis")" = 200 ] || { echo "$name: the catalogue is not 200"; exit 1; }
  local h a s clients
  for clients in $clients_list; do
    h=$(wrk -t1 -c"$clients" -d"${secs}s" -s "$work/p95.lua" "$base/healthz")
    a=$(wrk -t1 -c"$clients" -d"${secs}s" -s "$work/p95.lua" "$base/catalogue")
    s=$(wrk -t1 -c"$clients" -d"${secs}s" -s "$work/search.lua" "$base/catalogue")
    printf '%-9s %-34s %7s %10s %10s\n' "$name" "/healthz (ceiling)" "$clients" "$(echo "$h" | rps)" "$(echo "$h" | p95)"
    printf '%-9s %-34s %7s %10s %10s\n' "$name" "catalogue, first page" "$clients" "$(echo "$a" | rps)" "$(echo "$a" | p95)"
    printf '%-9s %-34s %7s %10s %10s   %s of the ceiling\n' "$name" "catalogue, searches and filters" "$clients" "$(echo "$s" | rps)" "$(echo "$s" | p95)" \
      "$(awk -v a="$(echo "$s" | rps)" -v b="$(echo "$h" | rps)" 'BEGIN {printf "%.1f%%", 100*a/b}')"
    if echo "$a$s" | grep -q "Non-2xx"; then echo "$name: some responses were errors:"; echo "$a$s" | grep "Non-2xx"; fi
  done
}

printf '%-9s %-34s %7s %10s %10s\n' backend request clients "req/s" "p95"
run_backend sqlite "sqlite://$work/bench.db"
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  db="mkt_catalogue_$$"
  psql -q "$TEST_DATABASE_URL" -c "CREATE DATABASE $db"
  run_backend postgres "${TEST_DATABASE_URL%/*}/$db"
  kill "${pids[-1]}" 2>/dev/null || true; sleep 1
  psql -q "$TEST_DATABASE_URL" -c "DROP DATABASE $db WITH (FORCE)"
fi
