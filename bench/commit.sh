#!/usr/bin/env bash
# Commit-size benchmark: what an LMS receives from the benchmark's course (200 lessons,
# 500 knowledge checks, a 20-question assessment) when a learner answers every check of
# PAGES pages and closes the tab. Browsers send at most 64 KiB as a page closes; a
# larger final commit is dropped with everything since the commit before.
# Usage: bench/commit.sh [PAGES] [OTHER_COURSE_BINARY]   (default 120 pages)
# Given a second `course` binary (for example a release build of an older commit), its
# package of the same course is played in the same run, beside this one's.
# Needs what the SCORM runtime tests need: Node.js, `npm ci`, Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-120}
other=${2:-}
cargo build --release -q -p authoring --bin course --example generate_bench_course
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/examples/generate_bench_course "$work/course" --images 0 --assessment 20 >/dev/null
names=()
pack() { # NAME BINARY
  "$2" package "$work/course" --format scorm2004 -o "$work/zips-$1" >/dev/null
  mkdir -p "$work/pkgs/$1"
  unzip -q "$work/zips-$1"/*.zip -d "$work/pkgs/$1"
  names+=("$1")
}
pack this "$PWD/target/release/course"
if [ -n "$other" ]; then pack other "$other"; fi
node bench/commit.mjs "$work/pkgs" "$pages" "${names[@]}"
