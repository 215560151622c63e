#!/bin/sh
# The browser benchmark of docs/benchmarks.md: one sample back office, then Flowbot and
# Playwright alternately, RUNS times each, on the same pages.
#
#   xtask/bench/browser/run.sh [FLOWBOT_BINARY] [RUNS]
# FLOWBOT_BINARY defaults to $CARGO_TARGET_DIR/release/flowbot; build it first with
# `cargo build --release --bin flowbot`. Playwright: `npm ci` in xtask/bench/playwright.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
flowbot=${1:-${CARGO_TARGET_DIR:-$root/target}/release/flowbot}
runs=${2:-3}
work=$(mktemp -d)
trap 'kill "$app_pid" 2>/dev/null; rm -rf "$work"' EXIT
"$flowbot" samples backoffice --port 0 --db "$work/bo.db" > "$work/app.txt" 2>/dev/null &
app_pid=$!
while ! grep -q http "$work/app.txt" 2>/dev/null; do
    kill -0 "$app_pid" 2>/dev/null || { echo "the back office did not start ($flowbot samples backoffice)" >&2; exit 1; }
    sleep 0.1
done
app=$(grep -o 'http://[^ ]*' "$work/app.txt")
echo "back office at $app; $(chromium --version 2>/dev/null)"
i=0
while [ "$i" -lt "$runs" ]; do
    i=$((i + 1))
    "$here/peak_rss.py" "$flowbot" run "$here/contact.rhai" --data-dir "$work/data" \
        --input "app=$app" --format json 2> "$work/flowbot.err" > "$work/flowbot.json"
    echo "flowbot    run $i: $(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["outputs"]))' "$work/flowbot.json") $(grep peak_rss "$work/flowbot.err")"
    "$here/peak_rss.py" node "$here/../playwright/bench.mjs" "$app" 10 2> "$work/pw.err" > "$work/pw.json"
    echo "playwright run $i: $(cat "$work/pw.json") $(grep peak_rss "$work/pw.err")"
done
