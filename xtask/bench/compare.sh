#!/usr/bin/env bash
# Whole-program comparison: `flowbot mine stats` (release build) against pm4py doing the same
# work (pm4py_stats.py), each in a fresh process, wall time and peak RSS from /usr/bin/time.
# Usage: xtask/bench/compare.sh PM4PY_PYTHON LOG... (run from the repository root after
# `cargo build --release -p flowbot`; CARGO_TARGET_DIR is honoured).
set -euo pipefail
python=$1
shift
flowbot=${CARGO_TARGET_DIR:-target}/release/flowbot
here=$(dirname "$0")
measure() { # prints "wall_seconds peak_rss_mb"
  /usr/bin/time -f "%e %M" -o /tmp/flowbot-bench-time "$@" > /dev/null
  awk '{ printf "%s %.1f\n", $1, $2 / 1024 }' /tmp/flowbot-bench-time
}
printf "| log | events | flowbot s | pm4py s | speed-up | flowbot RSS MB | pm4py RSS MB | RSS ratio |\n|---|---:|---:|---:|---:|---:|---:|---:|\n"
for log in "$@"; do
  events=$("$flowbot" mine stats "$log" --format json --quiet --top 0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')
  read -r fb_s fb_mb < <(measure "$flowbot" mine stats "$log" --format json --quiet)
  read -r py_s py_mb < <(measure "$python" "$here/pm4py_stats.py" "$log")
  awk -v log="$(basename "$log")" -v ev="$events" -v a="$fb_s" -v b="$py_s" -v c="$fb_mb" -v d="$py_mb" \
    'BEGIN { printf "| %s | %d | %.2f | %.2f | %.1f× | %.0f | %.0f | 1/%.1f |\n", log, ev, a, b, (a > 0 ? b / a : 0), c, d, (c > 0 ? d / c : 0) }'
done
