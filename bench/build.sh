#!/usr/bin/env bash
# Build benchmark: a generated course of 200 lessons, 100 images and 500 questions.
# Measures the release `course` binary, whole process included:
#   1. cold build, no images (the same course without its images)
#   2. cold build, with images (empty cache)
#   3. rebuild after editing one lesson (warm cache, output folder in place)
#   4. peak memory of the cold build with images
#   5. cold build of the three-lesson-plus-assessment sample, for the comparison the issue names
# Usage: bench/build.sh [RUNS]   (default 3 runs per figure; the median is reported)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
cargo build --release -q -p authoring --bin course --example generate_bench_course
course=target/release/course
gen=target/release/examples/generate_bench_course
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

$gen "$work/with-images" >/dev/null
$gen "$work/no-images" --images 0 >/dev/null

now_ms() { date +%s%N | awk '{printf "%d", $1/1000000}'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() { local s e; s=$(now_ms); "$@" >/dev/null 2>&1; e=$(now_ms); echo $((e - s)); }

cold() { rm -rf "$1/_site" "$1/.course-cache"; time_ms "$course" build "$1"; }

cold_plain=$(for _ in $(seq "$runs"); do cold "$work/no-images"; done | median)
cold_images=$(for _ in $(seq "$runs"); do cold "$work/with-images"; done | median)
"$course" build "$work/with-images" >/dev/null
lesson="$work/with-images/lessons/lesson-100.md"
rebuild=$(for i in $(seq "$runs"); do
  printf '\nEdited paragraph %s.\n' "$i" >> "$lesson"
  time_ms "$course" build "$work/with-images"
done | median)
rm -rf "$work/with-images/_site" "$work/with-images/.course-cache"
/usr/bin/time -f '%M' -o "$work/peak" "$course" build "$work/with-images" >/dev/null 2>&1
peak_kb=$(tail -1 "$work/peak")
cp -r sample-courses/hand-hygiene "$work/sample"
sample=$(for _ in $(seq "$runs"); do cold "$work/sample"; done | median)
site_kb=$(du -sk "$work/sample/_site" | cut -f1)

echo "course build benchmark ($(nproc) cores, median of $runs runs)"
printf '%-52s %8s %10s\n' "measure" "result" "target"
printf '%-52s %6s ms %10s\n' "cold build, 200 lessons + 500 questions, no images" "$cold_plain" "< 1000 ms"
printf '%-52s %6s ms %10s\n' "cold build, with 100 images to scale" "$cold_images" "< 5000 ms"
printf '%-52s %6s ms %10s\n' "rebuild after editing one lesson" "$rebuild" "< 100 ms"
printf '%-52s %6s MB\n' "peak memory, cold build with images" "$((peak_kb / 1024))"
printf '%-52s %6s ms %10s\n' "cold build of the hand hygiene sample (4 pages)" "$sample" "3000 ms*"
printf '%-52s %6s KB\n' "size of the built hand hygiene sample" "$site_kb"
echo "* the issue's quoted figure for the best-known Markdown course exporter on a three-lesson course"
awk -v s="$sample" 'BEGIN { if (s < 1) s = 1; printf "ratio to that figure: %.0fx faster\n", 3000 / s }'
