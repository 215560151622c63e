#!/usr/bin/env python3
"""The same work as `flowbot mine stats LOG --format json`, done with pm4py 2.7.23.11, for the
whole-program comparison in docs/benchmarks.md (run by xtask/bench/compare.sh).

Import (read_xes / read_csv), format_dataframe, activity counts, start/end activities, DFG,
performance DFG, variants, case durations; prints a small JSON summary so the run can be
checked against flowbot's numbers."""
import json
import os
import sys
import time

os.environ.setdefault("PM4PY_ENABLE_MULTIPROCESSING_DEFAULT", "False")
real_stdout = sys.stdout
sys.stdout = sys.stderr
import pm4py  # noqa: E402
import pandas as pd  # noqa: E402
sys.stdout = real_stdout


def main():
    path = sys.argv[1]
    started = time.perf_counter()
    if path.endswith((".csv", ".csv.gz")):
        df = pd.read_csv(path, dtype={"case:concept:name": str})
    else:
        df = pm4py.read_xes(path)
    imported = time.perf_counter()
    df = pm4py.format_dataframe(df, case_id="case:concept:name", activity_key="concept:name", timestamp_key="time:timestamp")
    activities = df["concept:name"].value_counts()
    starts = pm4py.get_start_activities(df)
    ends = pm4py.get_end_activities(df)
    dfg, _, _ = pm4py.discover_dfg(df)
    performance, _, _ = pm4py.discover_performance_dfg(df)
    variants = pm4py.get_variants(df)
    try:
        durations = pm4py.get_all_case_durations(df)
    except KeyError:
        durations = []
    done = time.perf_counter()
    print(json.dumps({
        "cases": int(df["case:concept:name"].nunique()),
        "events": int(len(df)),
        "activities": int(len(activities)),
        "start_activities": len(starts),
        "end_activities": len(ends),
        "dfg_edges": len(dfg),
        "performance_edges": len(performance),
        "variants": len(variants),
        "cases_with_duration": len(durations),
        "import_s": round(imported - started, 3),
        "analysis_s": round(done - imported, 3),
    }))


if __name__ == "__main__":
    main()
