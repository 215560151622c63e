#!/usr/bin/env bash
# Whole-program comparison: `flowbot mine stats` (release build) against pm4py doing the same
# work (pm4py_stats.py), each in a fresh process; wall time and peak RSS from /usr/bin/time.
# pm4py's own in-process time (import + analyses, without `import pm4py`) is shown too.
# Usage: xtask/bench/compare.sh PM4PY_PYTHON LOG... (from the repository root, after
# `cargo build --release -p flowbot`; CARGO_TARGET_DIR is honoured).
set -euo pipefail
python=$1
shift
flowbot=${CARGO_TARGET_DIR:-target}/release/flowbot
here=$(dirname "$0")
out=$(mktemp)
measure() { # runs "$@", prints "wall_seconds peak_rss_mb"; stdout goes to $out
  /usr/bin/time -f "%e %M" -o "$out.time" "$@" > "$out" 2>/dev/null
  awk '{ printf "%s %.1f\n", $1, $2 / 1024 }' "$out.time"
}
# Warm Python's bytecode cache so no run pays for compiling pm4py.
env -u PYTHONDONTWRITEBYTECODE "$python" -c "import pm4py" > /dev/null 2>&1
printf "| log | events | flowbot s | pm4py process s | pm4py in-process s | speed-up (process) | speed-up (in-process) | flowbot RSS MB | pm4py RSS MB | RSS ratio |\n"
printf "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
for log in "$@"; do
  read -r fb_s fb_mb < <(measure "$flowbot" mine stats "$log" --format json --quiet)
  events=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' "$out")
  read -r py_s py_mb < <(measure env -u PYTHONDONTWRITEBYTECODE "$python" "$here/pm4py_stats.py" "$log")
  py_inner=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["import_s"] + d["analysis_s"])' "$out")
  awk -v name="$(basename "$log")" -v ev="$events" -v a="$fb_s" -v b="$py_s" -v i="$py_inner" -v c="$fb_mb" -v d="$py_mb" \
    'BEGIN { printf "| %s | %d | %.2f | %.2f | %.2f | %.0f× | %.0f× | %.0f | %.0f | 1/%.1f |\n", name, ev, a, b, i, b / a, i / a, c, d, d / c }'
done
rm -f "$out" "$out.time"
