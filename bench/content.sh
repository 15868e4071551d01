#!/usr/bin/env bash
# Content files: the content origin serving a real package's files (a golf package of the
# conformance kit: its HTML, scripts, styles and images) beside nginx (Debian's package)
# serving the very same files from the same folder, in the same run, with wrk: requests
# a second and throughput, each file in turn, CONNECTIONS at once (default "1 32"),
# SECONDS each (default 10). Neither is asked to compress. The goal: at least half of
# nginx's throughput.
# Usage: bench/content.sh [SECONDS]   (needs wrk and nginx, and ../shared beside the workspace)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns_list=${CONNECTIONS:-1 32}
command -v wrk >/dev/null || { echo "bench/content.sh needs wrk (apt-get install wrk)"; exit 2; }
command -v nginx >/dev/null || { echo "bench/content.sh needs nginx (apt-get install nginx)"; exit 2; }
[ -d ../shared/conformance/packages/golf ] || { echo "bench/content.sh needs ../shared/conformance"; exit 2; }
cargo build --release -q -p marketplace --bin marketplace
work=$(mktemp -d)
# nginx's workers run as another user: they must be able to read the files.
chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

MARKETPLACE_LOG=warn target/release/marketplace demo --port 0 --data "$work/demo" > "$work/demo.out" 2>"$work/demo.err" &
pids+=($!)
base=""
for _ in $(seq 300); do base=$(sed -n 's|.*running at \(http://[0-9.:]*\)/.*|\1|p' "$work/demo.out"); [ -n "$base" ] && grep -q "Press Ctrl+C" "$work/demo.out" && break; sleep 0.1; done
[ -n "$base" ] || { echo "the demo did not start"; cat "$work/demo.err"; exit 1; }
# A golf package's untracked preview: its files on the content origin, by a grant.
course=$(curl -s "$base/catalogue?q=RuntimeBasicCalls" | grep -o 'href="/catalogue/[0-9]*"' | head -1 | grep -o '[0-9]*')
player=$(curl -s -o /dev/null -w '%{redirect_url}' "$base/catalogue/$course/preview")
player=${player/localhost/127.0.0.1}
# The package's files, as unpacked in storage: its ETag is the start of its hash.
etag=$(curl -sI "${player}files/shared/launchpage.html" | tr -d '\r"' | awk 'tolower($1) == "etag:" {print $2}')
sha=$(cd "$work/demo/storage/content" && ls -d "$etag"*)
root="$work/demo/storage/content/$sha"
curl -sf -o /dev/null "${player}files/shared/launchpage.html" || { echo "the content origin does not serve the package"; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx/logs"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
error_log $work/nginx/logs/error.log warn;
pid $work/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on;
  tcp_nopush on;
  server {
    listen 127.0.0.1:$port;
    root $root;
    etag on;
  }
}
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -g "daemon off;" 2>"$work/nginx.err" &
pids+=($!)
sleep 0.5
curl -sf -o /dev/null "http://127.0.0.1:$port/shared/launchpage.html" || { echo "nginx does not serve the package"; cat "$work/nginx.err" "$work/nginx/logs/error.log"; exit 1; }

cat > "$work/files.lua" <<'LUA'
local files = { "shared/launchpage.html", "shared/scormfunctions.js", "shared/style.css",
  "Playing/Playing.html", "Handicapping/overview.jpg", "Etiquette/course.jpg", "shared/background.jpg" }
local prefix = os.getenv("PREFIX") or "/"
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", prefix .. files[(i % #files) + 1])
end
LUA
for f in Handicapping/overview.jpg Etiquette/course.jpg shared/background.jpg; do [ -f "$root/$f" ] || { echo "missing $f in the package"; exit 1; }; done
rps() { awk '/Requests\/sec/ {print $2}'; }
mbs() { awk '/Transfer\/sec/ {print $2}'; }
path=${player#http://127.0.0.1:*/}
printf '%-22s %11s %12s %12s\n' server connections "req/s" "transfer/s"
for c in $conns_list; do
  ours=$(PREFIX="/${path}files/" wrk -t1 -c"$c" -d"${secs}s" -s "$work/files.lua" "${player%%/preview*}")
  theirs=$(PREFIX="/" wrk -t1 -c"$c" -d"${secs}s" -s "$work/files.lua" "http://127.0.0.1:$port")
  printf '%-22s %11s %12s %12s\n' "content origin" "$c" "$(echo "$ours" | rps)" "$(echo "$ours" | mbs)"
  printf '%-22s %11s %12s %12s\n' "nginx" "$c" "$(echo "$theirs" | rps)" "$(echo "$theirs" | mbs)"
  echo "  ratio: $(awk -v a="$(echo "$ours" | rps)" -v b="$(echo "$theirs" | rps)" 'BEGIN {printf "%.2f", a/b}') of nginx's requests a second"
  if echo "$ours$theirs" | grep -q "Non-2xx"; then echo "errors:"; echo "$ours$theirs" | grep "Non-2xx"; exit 1; fi
done
