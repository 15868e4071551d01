#!/usr/bin/env bash
# Packaging benchmark: `course package --format all` on each sample course (release
# binary, cold: no cache), median of RUNS runs; the size of each package, and of what is
# left without media. Compared with the issue's reference figures for the best-known
# Markdown-to-SCORM exporter on a three-lesson course: about 3 s and 7.5 MB.
# Usage: bench/package.sh [RUNS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release -q -p authoring --bin course
course=$PWD/target/release/course
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now_ms() { date +%s%N | awk '{printf "%d", $1/1000000}'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-16s %10s   %-10s %10s %14s %12s %10s\n' "sample" "all 3 (ms)" "format" "zip (KB)" "without media" "vs 7.5 MB" "vs 3 s"
for sample in sample-courses/*/; do
  name=$(basename "$sample")
  cp -r "$sample" "$work/$name"
  ms=$(for _ in $(seq "$runs"); do
    rm -rf "$work/$name/.course-cache" "$work/$name/_packages"
    s=$(now_ms); "$course" package "$work/$name" -o "$work/$name/_packages" >/dev/null; e=$(now_ms); echo $((e - s))
  done | median)
  for zip in "$work/$name"/_packages/*.zip; do
    format=$(basename "$zip" .zip); format=${format##*-}
    kb=$(( $(stat -c %s "$zip") / 1024 ))
    code_kb=$(unzip -l "$zip" | awk 'NF >= 4 && $2 ~ /-/ && $4 !~ /^(media|files)\// {s+=$1} END {printf "%d", s/1024}')
    awk -v n="$name" -v ms="$ms" -v f="$format" -v kb="$kb" -v c="$code_kb" \
      'BEGIN { printf "%-16s %10s   %-10s %10d %11d KB %11.0fx %9.0fx\n", n, ms, f, kb, c, 7.5*1024/kb, 3000/(ms>0?ms:1) }'
  done
done
echo "'without media' is the uncompressed size of everything but media/ and files/: pages, CSS, the runtime, the manifest."
echo "'vs' columns: how many times smaller / faster than the reference exporter's figures (quoted in the issue, not measured here)."
