"""pm4py's Heuristics Miner, Alpha Miner and ETConformance precision on one log, as a small JSON
fixture for `miner/tests/models_reference.rs`. Never edit the outputs by hand: rerun

    PYTHONHASHSEED=0 /work/pm4py-venv/bin/python miner/tests/oracle/pm4py_models.py \
        ../shared/data/logs/LOG miner/tests/fixtures/pm4py_models/LOG.json

A `start_timestamp` column is dropped, then the log goes through pm4py.format_dataframe (as shared/data/oracle/oracle.py does); every call
uses pm4py's defaults (Heuristics: dependency 0.5, and 0.65, loops of length two 0.5,
min_act_count 1, min_dfg_occurrences 1, DFG pre-cleaning noise 0.05).
pm4py's nets are stored beside the JSON as `<log>.<model>.pnml`; replay and precision are pm4py's
numbers on those files (see `evaluate`). Alpha places are written as [sorted input labels, sorted output labels], sorted, because pm4py
names them from Python sets (whose order is not stable across runs).
"""
import json
import signal
import sys
import tempfile
import time
import warnings

warnings.filterwarnings("ignore")
import pm4py  # noqa: E402

path, out_path = sys.argv[1], sys.argv[2]
PRECISION_TIMEOUT_S = 300


def num(x):
    return round(float(x), 9)


def net_stats(net):
    visible = sum(1 for t in net.transitions if t.label is not None)
    return {"places": len(net.places), "transitions": len(net.transitions),
            "visible_transitions": visible, "invisible_transitions": len(net.transitions) - visible,
            "arcs": len(net.arcs)}


def replay(df, net, im, fm):
    r = pm4py.fitness_token_based_replay(df, net, im, fm)
    return {"log_fitness": num(r["log_fitness"]), "average_trace_fitness": num(r["average_trace_fitness"]),
            "percentage_of_fitting_traces": num(r["percentage_of_fitting_traces"])}


class Timeout(Exception):
    pass


def precision(df, net, im, fm):
    def handler(signum, frame):
        raise Timeout()
    signal.signal(signal.SIGALRM, handler)
    signal.alarm(PRECISION_TIMEOUT_S)
    started = time.perf_counter()
    try:
        value = pm4py.precision_token_based_replay(df, net, im, fm)
    except Timeout:
        return {"skipped": f"pm4py took over {PRECISION_TIMEOUT_S} s"}
    finally:
        signal.alarm(0)
    return {"value": num(value), "seconds": round(time.perf_counter() - started, 3)}


df = pm4py.read_xes(path)
# Atomic events, as the reference oracle's `--ignore-start-timestamp` runs: with the column,
# pm4py orders the DFG by start time but triples and variants by completion time
# (shared/data/README.md, problem 3), a mix Flowbot does not copy.
df = df.drop(columns=["start_timestamp"], errors="ignore")
df = pm4py.format_dataframe(df, case_id="case:concept:name",
                            activity_key="concept:name", timestamp_key="time:timestamp")
out = {"pm4py_version": pm4py.__version__, "log": path.rsplit("/", 1)[-1],
       "command": "PYTHONHASHSEED=0 /work/pm4py-venv/bin/python miner/tests/oracle/pm4py_models.py LOG OUT"}

heu = pm4py.discover_heuristics_net(df)
out["heuristics_net"] = {
    "nodes": sorted(heu.nodes),
    "edges": sorted([a, b.node_name, num(e.dependency_value), int(e.dfg_value)]
                    for a, node in heu.nodes.items()
                    for b, edges in node.output_connections.items() for e in edges),
    "and_measures_out": sorted([a, n1, n2, num(v)] for a, node in heu.nodes.items()
                               for n1, rel in node.and_measures_out.items() for n2, v in rel.items()),
    "and_measures_in": sorted([a, n1, n2, num(v)] for a, node in heu.nodes.items()
                              for n1, rel in node.and_measures_in.items() for n2, v in rel.items()),
    "loops_length_two": sorted([a, b] for a, node in heu.nodes.items() for b in node.loop_length_two),
}

def evaluate(key, net, im, fm):
    """Writes pm4py's net to `<out>.<key>.pnml` and measures replay and precision on the net read
    back from that file. pm4py's token replay walks Python sets of places and arcs, whose order
    on a freshly built net follows object ids (sepsis heuristics: log fitness 0.8972 in one
    process, 0.8943 with another PYTHONHASHSEED); read from PNML the order is the file's and the
    numbers are reproducible, so the Rust tests replay the same file."""
    pnml = out_path[:-len(".json")] + f".{key}.pnml"
    pm4py.write_pnml(net, im, fm, pnml)
    net, im, fm = pm4py.read_pnml(pnml)
    return {"pnml": pnml.rsplit("/", 1)[-1], "petri_net": net_stats(net),
            "token_based_replay": replay(df, net, im, fm), "precision": precision(df, net, im, fm)}


def canonical_net(net):
    """Every transition as [label ("" if silent), sorted input place names, sorted output place names]:
    the heuristics conversion names places after activities, so this is the net up to the
    numbering of hidden transitions."""
    return sorted([t.label or "", sorted(a.source.name for a in t.in_arcs), sorted(a.target.name for a in t.out_arcs)]
                  for t in net.transitions)


net, im, fm = pm4py.discover_petri_net_heuristics(df)
out["heuristics_petri_net_canonical"] = canonical_net(net)
out["heuristics"] = evaluate("heuristics", net, im, fm)

net, im, fm = pm4py.discover_petri_net_alpha(df)
places = []
for p in net.places:
    if p in im or p in fm:
        continue
    places.append([sorted(a.source.label for a in p.in_arcs), sorted(a.target.label for a in p.out_arcs)])
out["alpha_places"] = sorted(places)
out["alpha_start"] = sorted(a.target.label for p in im for a in p.out_arcs)
out["alpha_end"] = sorted(a.source.label for p in fm for a in p.in_arcs)
out["alpha"] = evaluate("alpha", net, im, fm)

for noise, key in ((0.0, "inductive"), (0.2, "inductive_noise_0.2")):
    tree = pm4py.discover_process_tree_inductive(df, noise_threshold=noise)
    net, im, fm = pm4py.convert_to_petri_net(tree)
    out[key] = evaluate(key, net, im, fm)

with open(out_path, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
