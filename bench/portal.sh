#!/usr/bin/env bash
# Portal benchmark: requests per second and latency of a signed-in page (an
# organisation's members list: session lookup, role check, a query, a template) with 200
# concurrent clients, beside /healthz (no database, no template) as the ceiling; then
# sign-ins per second, which argon2id bounds. On SQLite, and on PostgreSQL when
# TEST_DATABASE_URL names a server (a fresh database is made and dropped).
# Usage: bench/portal.sh [SECONDS]   (default 15; needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
command -v wrk >/dev/null || { echo "bench/portal.sh needs wrk (apt-get install wrk)"; exit 2; }
cargo build --release -q -p marketplace
bin=$PWD/target/release/marketplace
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

cat > "$work/signin.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "portal_csrf=" .. os.getenv("CSRF")
wrk.body = "csrf=" .. os.getenv("CSRF") .. "&email=bench%40nhs.example&password=plum+kettle+orbit"
LUA

rps() { awk '/Requests\/sec/ {print $2}'; }
p99() { awk '$1 == "99%" {print $2}'; }

run_backend() { # NAME DATABASE_URL
  local name=$1 url=$2
  export MARKETPLACE_DATABASE_URL=$url MARKETPLACE_PORT=0 MARKETPLACE_CONTENT_PORT=0 MARKETPLACE_LOG=warn
  "$bin" org create --slug bench-trust --name "Bench Trust" --kind trust >/dev/null
  echo "plum kettle orbit" | "$bin" user create --email bench@nhs.example --name "Bench Admin" --password-stdin >/dev/null
  "$bin" member add --org bench-trust --user bench@nhs.example --role org-admin >/dev/null
  for i in $(seq 200); do "$bin" user create --email "staff$i@nhs.example" --name "Staff $i" >/dev/null; done
  for i in $(seq 200); do "$bin" member add --org bench-trust --user "staff$i@nhs.example" --role learner >/dev/null; done
  "$bin" serve > "$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  local base=""
  for _ in $(seq 100); do base=$(sed -n 's|^Serving on \(http://[0-9.:]*\).*|\1|p' "$work/$name.out"); [ -n "$base" ] && break; sleep 0.1; done
  curl -s -c "$work/$name.jar" "$base/sign-in" >/dev/null
  local csrf
  csrf=$(awk '$6 == "portal_csrf" {print $7}' "$work/$name.jar")
  curl -s -b "$work/$name.jar" -c "$work/$name.jar" -o /dev/null \
    --data-urlencode "csrf=$csrf" --data-urlencode "email=bench@nhs.example" --data-urlencode "password=plum kettle orbit" "$base/sign-in"
  local session
  session=$(awk '$6 == "portal_session" {print $7}' "$work/$name.jar")
  [ -n "$session" ] || { echo "$name: could not sign in"; cat "$work/$name.err"; exit 1; }
  local page="$base/o/bench-trust/admin/members"
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: portal_session=$session" "$page")" = 200 ] || { echo "$name: the page is not 200"; exit 1; }
  local h p s
  h=$(wrk -t2 -c200 -d"${secs}s" --latency "$base/healthz")
  p=$(wrk -t2 -c200 -d"${secs}s" --latency -H "Cookie: portal_session=$session" "$page")
  s=$(CSRF=$csrf wrk -t2 -c16 -d"${secs}s" --latency -s "$work/signin.lua" "$base/sign-in")
  printf '%-9s %-34s %10s %10s\n' "$name" "/healthz (ceiling)" "$(echo "$h" | rps)" "$(echo "$h" | p99)"
  printf '%-9s %-34s %10s %10s   %s of the ceiling\n' "$name" "members page, signed in" "$(echo "$p" | rps)" "$(echo "$p" | p99)" \
    "$(awk -v a="$(echo "$p" | rps)" -v b="$(echo "$h" | rps)" 'BEGIN {printf "%.0f%%", 100*a/b}')"
  printf '%-9s %-34s %10s %10s\n' "$name" "sign-in (argon2id, 19 MiB, t=2)" "$(echo "$s" | rps)" "$(echo "$s" | p99)"
  if echo "$p$s" | grep -q "Non-2xx"; then echo "$name: some responses were errors:"; echo "$p$s" | grep "Non-2xx"; fi
}

printf '%-9s %-34s %10s %10s\n' backend request "req/s" "p99"
run_backend sqlite "sqlite://$work/bench.db"
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  db="mkt_bench_$$"
  psql -q "$TEST_DATABASE_URL" -c "CREATE DATABASE $db"
  run_backend postgres "${TEST_DATABASE_URL%/*}/$db"
  kill "${pids[-1]}" 2>/dev/null || true; sleep 1
  psql -q "$TEST_DATABASE_URL" -c "DROP DATABASE $db WITH (FORCE)"
fi
