#!/usr/bin/env bash
# Image benchmark: cold builds (empty cache, no output folder) of the generated course of
# 200 lessons and 100 images, and a cold `course check` of it (which decodes every image
# too), alternating between this tree's release `course` and, optionally, another binary
# (an older build, to measure before and after in the same run on the same machine).
# Also a check that parallel cold builds of one course all succeed.
# Usage: bench/images.sh [RUNS] [OTHER_COURSE_BINARY]   (default 5 runs; median, min-max)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
other=${2:-}
cargo build --release -q -p authoring --bin course --example generate_bench_course
course=target/release/course
gen=target/release/examples/generate_bench_course
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$gen "$work/c" >/dev/null

now_ms() { date +%s%N | awk '{printf "%d", $1/1000000}'; }
stats() { sort -n | awk '{a[NR]=$1} END {printf "%6d ms (%d-%d)", a[int((NR+1)/2)], a[1], a[NR]}'; }
cold() {
  local bin=$1 cmd=$2 s e
  rm -rf "$work/c/_site" "$work/c/.course-cache"
  s=$(now_ms)
  "$bin" "$cmd" "$work/c" >/dev/null 2>&1 || echo "exit $? from $bin $cmd" >&2
  e=$(now_ms)
  echo $((e - s))
}

: >"$work/new-build"; : >"$work/new-check"; : >"$work/old-build"; : >"$work/old-check"
for _ in $(seq "$runs"); do
  cold "$course" build >>"$work/new-build"
  cold "$course" check >>"$work/new-check"
  if [ -n "$other" ]; then
    cold "$other" build >>"$work/old-build"
    cold "$other" check >>"$work/old-check"
  fi
done

echo "image benchmark ($(nproc) cores, $runs runs alternating; median (min-max))"
printf '%-44s %s\n' "cold build, 100 images, this tree" "$(stats <"$work/new-build")"
printf '%-44s %s\n' "cold check, 100 images, this tree" "$(stats <"$work/new-check")"
if [ -n "$other" ]; then
  printf '%-44s %s\n' "cold build, 100 images, $other" "$(stats <"$work/old-build")"
  printf '%-44s %s\n' "cold check, 100 images, $other" "$(stats <"$work/old-check")"
fi

# Parallel cold builds of one course share its image cache: all must succeed.
rm -rf "$work/c/.course-cache"
pids=()
for i in 1 2 3 4; do
  "$course" build "$work/c" -o "$work/c/_par$i" >"$work/par$i.log" 2>&1 &
  pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
echo "parallel cold builds: 4 started, $failed failed"
