#!/usr/bin/env python3
"""pm4py doing what `flowbot mine stats` does, for `cargo xtask bench`.

Usage: pm4py_stats.py LOG.xes[.gz]

Reads the log, formats it (pm4py's default case/activity/timestamp keys), computes activity
counts, start/end activities, the frequency and performance DFG, variants and case durations,
and prints the counts (to check the tools agree) with the in-process seconds spent after the
interpreter and `import pm4py` were ready.
"""
import json
import os
import sys
import time
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("PM4PY_ENABLE_MULTIPROCESSING_DEFAULT", "False")
real_stdout, sys.stdout = sys.stdout, sys.stderr  # pm4py prints a banner on import
import pm4py  # noqa: E402

sys.stdout = real_stdout


def main():
    path = sys.argv[1]
    started = time.perf_counter()
    df = pm4py.read_xes(path)
    df = pm4py.format_dataframe(df)
    activities = df["concept:name"].value_counts()
    start = pm4py.get_start_activities(df)
    end = pm4py.get_end_activities(df)
    dfg, _, _ = pm4py.discover_dfg(df)
    performance, _, _ = pm4py.discover_performance_dfg(df)
    variants = pm4py.get_variants(df)
    try:
        durations = pm4py.get_all_case_durations(df)
    except KeyError:  # pm4py 2.7.23.11 fails on logs with a start_timestamp column
        durations = []
    seconds = time.perf_counter() - started
    print(json.dumps({
        "cases": int(df["case:concept:name"].nunique()),
        "events": int(len(df)),
        "activities": int(len(activities)),
        "start_activities": len(start),
        "end_activities": len(end),
        "dfg_edges": len(dfg),
        "perf_edges": len(performance),
        "variants": len(variants),
        "case_durations": len(durations),
        "in_process_s": round(seconds, 4),
    }))


if __name__ == "__main__":
    main()
