#!/usr/bin/env bash
# Import benchmark: the time to upload and import each golf package of the conformance
# kit through the API (inspect, unpack into storage, record), and the server's peak
# memory while a package of SIZE_MB (default 1024) uploads and imports: its video file
# is stored uncompressed, so the upload, the inspection and the unpacking each stream
# the whole size. Needs ../shared beside the workspace for the golf packages.
# Usage: bench/import.sh [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1024}
cargo build --release -q -p marketplace --bin marketplace
bin=$PWD/target/release/marketplace
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export MARKETPLACE_DATA_DIR=$work/data MARKETPLACE_DATABASE_URL="sqlite://$work/data/marketplace.db" MARKETPLACE_PORT=0 MARKETPLACE_CONTENT_PORT=0 MARKETPLACE_LOG=warn
"$bin" org create --slug bench-vendor --name "Bench Learning" --kind vendor >/dev/null
"$bin" user create --email bench@vendor.example --name "Bench Publisher" >/dev/null
"$bin" member add --org bench-vendor --user bench@vendor.example --role vendor-publisher >/dev/null
token=$("$bin" token create --org bench-vendor --user bench@vendor.example --scope courses:write | tail -1)
"$bin" serve > "$work/out" 2>"$work/err" &
pid=$!
base=""
for _ in $(seq 100); do base=$(sed -n 's|^Serving on \(http://[0-9.:]*\).*|\1|p' "$work/out"); [ -n "$base" ] && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
echo "idle server: $(( $(rss) / 1024 )) MiB resident"
printf '%-58s %10s %8s\n' package size seconds
for zip in ../shared/conformance/packages/golf/*.zip; do
  [ -e "$zip" ] || { echo "no golf packages: put ../shared beside the workspace"; break; }
  t=$(curl -s -o "$work/r.json" -w '%{time_total}' -H "Authorization: Bearer $token" --data-binary @"$zip" "$base/api/v1/orgs/bench-vendor/packages")
  grep -q '"course"' "$work/r.json" || { echo "$zip was not imported:"; cat "$work/r.json"; exit 1; }
  printf '%-58s %8s KB %8s\n' "$(basename "$zip")" "$(( $(stat -c %s "$zip") / 1024 ))" "$t"
done
# A large package: a manifest, a page, and SIZE_MB of video stored as it is.
python3 - "$work/big.zip" "$size_mb" <<'PY'
import sys, zipfile, os
path, mb = sys.argv[1], int(sys.argv[2])
manifest = b'''<?xml version="1.0"?><manifest identifier="big" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"><metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata><organizations default="o"><organization identifier="o"><title>Big</title><item identifier="i" identifierref="r"><title>Big</title></item></organization></organizations><resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html"><file href="index.html"/><file href="video.mp4"/></resource></resources></manifest>'''
with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
    z.writestr("imsmanifest.xml", manifest)
    z.writestr("index.html", b"<video src='video.mp4'></video>")
    with z.open(zipfile.ZipInfo("video.mp4"), "w", force_zip64=True) as f:
        chunk = os.urandom(1 << 20)
        for _ in range(mb):
            f.write(chunk)
PY
peak=0
( while kill -0 "$pid" 2>/dev/null; do r=$(rss); echo "$r"; sleep 0.05; done ) > "$work/rss" &
watcher=$!
start=$SECONDS
code=$(curl -s -o "$work/r.json" -w '%{http_code}' -H "Authorization: Bearer $token" -X POST -T "$work/big.zip" "$base/api/v1/orgs/bench-vendor/packages")
took=$((SECONDS - start))
kill "$watcher" 2>/dev/null || true
peak=$(sort -n "$work/rss" | tail -1)
echo "$size_mb MB package: HTTP $code in ${took} s; peak resident memory $(( peak / 1024 )) MiB (goal: under 100 MiB)"
