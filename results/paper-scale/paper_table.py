"""The paper's device metrics from run files (issue 17, step 4), for the table in README.md.

For every forward switch out of a notch state, each (realisation, cycle) gives its switching
voltage V_C: the amplitude of the pulse that first moved the wall out of that state in the
ramp. Per state: V_C,avg, the paper's variation var = (V_C,max - V_C,min) / (2 V_C,avg), the
number of (realisation, cycle) samples, and the fraction of those switches that jumped more
than one state; plus the states visited (resolved levels), the conductance levels and the
ratio of the last to the first notch's V_C,avg (the paper's 1:4 claim for the trapezoid).

    .venv/bin/python results/paper-scale/paper_table.py RUN.h5 [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from physics.experiment.run_statistics import pulse_transitions
from physics.experiment.store import open_run


def switch_table(path: str | Path) -> dict:
    """Per-state switching statistics of one run (see the module docstring)."""
    record = open_run(path)
    tr = pulse_transitions(record)
    forward = (tr.voltage > 0) & (tr.end > tr.start)
    states: dict[int, list[tuple[float, int]]] = {}
    seen: set[tuple[int, int, int]] = set()
    for i in np.flatnonzero(forward):
        key = (int(tr.realisation[i]), int(tr.cycle[i]), int(tr.start[i]))
        if key in seen:
            continue
        seen.add(key)
        states.setdefault(int(tr.start[i]), []).append(
            (float(tr.voltage[i]), int(tr.end[i] - tr.start[i]))
        )
    rows = {}
    for s in sorted(states):
        v = np.array([x[0] for x in states[s]])
        jumps = np.array([x[1] for x in states[s]])
        rows[s] = {
            "n": int(v.size),
            "v_c_avg_V": float(v.mean()),
            "var_percent": float(100 * (v.max() - v.min()) / (2 * v.mean())),
            "multi_state_fraction": float(np.mean(jumps > 1)),
        }
    visited = sorted({int(x) for x in np.concatenate([tr.start, tr.end])})
    g = np.asarray(record.readouts["conductance"]).ravel()
    st = tr.end
    levels = {int(k): float(np.median(g[st == k])) for k in visited if np.any(st == k)}
    notch_rows = [rows[k] for k in sorted(rows) if 1 <= k <= tr.n_notches]
    ratio = (
        notch_rows[-1]["v_c_avg_V"] / notch_rows[0]["v_c_avg_V"] if len(notch_rows) >= 2 else None
    )
    return {
        "run": record.run_id,
        "geometry": record.spec.geometry.get("description"),
        "n_notches": tr.n_notches,
        "states_visited": visited,
        "conductance_levels_S": levels,
        "switches": rows,
        "last_over_first_notch_v_c": ratio,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    table = switch_table(args.run)
    print(table["geometry"])
    print("| from state | switches | V_C,avg (V) | var (%) | multi-state jumps |")
    print("|---|---|---|---|---|")
    for s, row in table["switches"].items():
        print(
            f"| {s} | {row['n']} | {row['v_c_avg_V']:.3f} | {row['var_percent']:.1f} | "
            f"{100 * row['multi_state_fraction']:.0f} % |"
        )
    print("states visited:", table["states_visited"])
    print("last / first notch V_C,avg:", table["last_over_first_notch_v_c"])
    if args.json:
        args.json.write_text(json.dumps(table, indent=2) + "\n")


if __name__ == "__main__":
    main()
