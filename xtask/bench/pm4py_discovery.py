"""pm4py's in-process time for the steps `miner/benches/discovery.rs` measures: IM, IMf (0.2),
tree -> Petri net, token replay and alignments of the log on its IM model; the median of N
runs per step (the log is imported and formatted once, outside the timings).
With --models instead: Heuristics Miner (net and Petri net), Alpha Miner and ETConformance
precision of the log on its IM net, as `miner/benches/discovery.rs`'s `models` group.
Usage: PM4PY_PYTHON xtask/bench/pm4py_discovery.py N LOG [--align | --models [--no-precision]]
-> JSON on stdout."""
import json
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import pm4py  # noqa: E402

runs, path = int(sys.argv[1]), sys.argv[2]
align = "--align" in sys.argv[3:]
models = "--models" in sys.argv[3:]
df = pm4py.format_dataframe(pm4py.read_xes(path), case_id="case:concept:name",
                            activity_key="concept:name", timestamp_key="time:timestamp")


def median(fn, *args, **kwargs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn(*args, **kwargs)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


out = {"log": path, "runs": runs}
if models:
    out["heuristics_s"], _ = median(pm4py.discover_petri_net_heuristics, df)
    out["alpha_s"], _ = median(pm4py.discover_petri_net_alpha, df)
    if "--no-precision" not in sys.argv[3:]:
        net, im, fm = pm4py.convert_to_petri_net(pm4py.discover_process_tree_inductive(df))
        out["precision_s"], _ = median(pm4py.precision_token_based_replay, df, net, im, fm)
    print(json.dumps(out))
    sys.exit(0)
out["im_s"], tree = median(pm4py.discover_process_tree_inductive, df, noise_threshold=0.0)
out["imf_s"], _ = median(pm4py.discover_process_tree_inductive, df, noise_threshold=0.2)
out["to_petri_s"], (net, im, fm) = median(pm4py.convert_to_petri_net, tree)
out["token_replay_s"], _ = median(pm4py.fitness_token_based_replay, df, net, im, fm)
if align:
    out["alignments_s"], _ = median(pm4py.fitness_alignments, df, net, im, fm)
print(json.dumps(out))
