"""The reset half of write/reset runs (issue 17, Figs. 2c-d): what the -V pulses at -42 mT do.

Two uses:

* one run (the full-size trapezoid): per reset pulse amplitude, how many cycles moved the wall
  back and by how many states; the reset voltage of each cycle (the amplitude of the first
  pulse that left the wall at notch 0 or IN) with its mean and the paper's
  var = (max - min) / (2 mean); and the fraction of cycles whose reset was a single step
  (the paper: the last notch resets to the start in one pulse, at 3.7 V, var 1.35 %);
* a direct micromagnetic run against a model run of the same protocol (the scaled trapezoid):
  per reset pulse of the ramp, the fraction of walls (pinned at a notch before the pulse) that
  moved back, with a two-sided Fisher exact test, and the mean backward jump.

    .venv/bin/python results/paper-scale/reset_table.py RUN.h5 [--json OUT]
    .venv/bin/python results/paper-scale/reset_table.py DIRECT.h5 --model MODEL.h5 [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.stats import fisher_exact

from physics.experiment.run_statistics import PulseTransitions, pulse_transitions
from physics.experiment.store import open_run


def _reset_pulses(tr: PulseTransitions) -> np.ndarray:
    """Reset pulses (V < 0) that start with the wall in the track past notch 0 (state >= 2)
    and not gone at CLK."""
    return (tr.voltage < 0) & (tr.start >= 2) & (tr.start <= tr.n_notches)


def per_amplitude(tr: PulseTransitions) -> dict[str, dict]:
    """Per reset amplitude (V, as a string key): pulses, fraction that moved the wall back,
    and the mean number of states it moved back when it did."""
    sel = _reset_pulses(tr)
    rows: dict[str, dict] = {}
    for v in sorted(set(np.round(tr.voltage[sel], 4)), reverse=True):
        m = sel & np.isclose(tr.voltage, v)
        back = tr.end[m] < tr.start[m]
        rows[f"{v:g}"] = {
            "pulses": int(m.sum()),
            "moved_back": int(back.sum()),
            "fraction_moved_back": float(back.mean()),
            "mean_states_back": float((tr.start[m] - tr.end[m])[back].mean())
            if back.any()
            else 0.0,
        }
    return rows


def reset_cycles(tr: PulseTransitions) -> dict:
    """Per (realisation, cycle) with a wall in the track at the start of its reset ramp: the
    reset voltage (first pulse that left the wall at state <= 1) and whether it took one
    pulse."""
    voltages, single, unreset, started = [], 0, 0, 0
    for r in np.unique(tr.realisation):
        for c in np.unique(tr.cycle):
            m = (tr.realisation == r) & (tr.cycle == c) & (tr.voltage < 0)
            idx = np.flatnonzero(m)
            if idx.size == 0:
                continue
            idx = idx[np.argsort(tr.pulse[idx])]
            first = idx[0]
            if not 2 <= tr.start[first] <= tr.n_notches:
                continue  # the wall is home already, or gone at CLK: nothing to reset
            started += 1
            home = idx[tr.end[idx] <= 1]
            if home.size == 0:
                unreset += 1
                continue
            voltages.append(float(abs(tr.voltage[home[0]])))
            moved = idx[(tr.end[idx] < tr.start[idx]) & (tr.pulse[idx] <= tr.pulse[home[0]])]
            single += int(moved.size == 1)
    v = np.array(voltages)
    return {
        "cycles_with_a_wall_to_reset": started,
        "reset_home": int(v.size),
        "not_reset": unreset,
        "v_reset_avg_V": float(v.mean()) if v.size else None,
        "var_percent": float(100 * (v.max() - v.min()) / (2 * v.mean())) if v.size else None,
        "single_step_fraction": float(single / v.size) if v.size else None,
    }


def one_run(path: str | Path) -> dict:
    record = open_run(path)
    tr = pulse_transitions(record)
    return {
        "run": record.run_id,
        "calculator": record.spec.calculator["name"],
        "per_amplitude": per_amplitude(tr),
        "cycles": reset_cycles(tr),
    }


def compare(direct: str | Path, model: str | Path) -> dict:
    """Per reset amplitude: direct vs model fraction moved back, Fisher exact p (two-sided)."""
    a, b = one_run(direct), one_run(model)
    rows = {}
    for v in a["per_amplitude"]:
        ra, rb = a["per_amplitude"][v], b["per_amplitude"].get(v)
        if rb is None:
            continue
        table = [
            [ra["moved_back"], ra["pulses"] - ra["moved_back"]],
            [rb["moved_back"], rb["pulses"] - rb["moved_back"]],
        ]
        rows[v] = {"direct": ra, "model": rb, "fisher_p": float(fisher_exact(table).pvalue)}
    ca, cb = a["cycles"], b["cycles"]
    home = [
        [ca["reset_home"], ca["cycles_with_a_wall_to_reset"] - ca["reset_home"]],
        [cb["reset_home"], cb["cycles_with_a_wall_to_reset"] - cb["reset_home"]],
    ]
    return {
        "direct_run": a["run"],
        "model_run": b["run"],
        "per_amplitude": rows,
        "cycles": {"direct": ca, "model": cb, "home_fisher_p": float(fisher_exact(home).pvalue)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--model", help="a model run of the same protocol to compare with")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.model:
        out = compare(args.run, args.model)
        print("| reset pulse (V) | direct: moved back | model: moved back | Fisher p |")
        print("|---|---|---|---|")
        for v, row in out["per_amplitude"].items():
            d, m = row["direct"], row["model"]
            print(
                f"| {v} | {d['moved_back']} of {d['pulses']} "
                f"({100 * d['fraction_moved_back']:.0f} %)"
                f" | {m['moved_back']} of {m['pulses']} ({100 * m['fraction_moved_back']:.0f} %)"
                f" | {row['fisher_p']:.2g} |"
            )
        c = out["cycles"]
        print(
            f"reset home by the end of the ramp: direct {c['direct']['reset_home']} of "
            f"{c['direct']['cycles_with_a_wall_to_reset']}, model {c['model']['reset_home']} of "
            f"{c['model']['cycles_with_a_wall_to_reset']} (Fisher p = {c['home_fisher_p']:.2g})"
        )
    else:
        out = one_run(args.run)
        print("| reset pulse (V) | pulses | moved back | mean states back |")
        print("|---|---|---|---|")
        for v, row in out["per_amplitude"].items():
            print(
                f"| {v} | {row['pulses']} | {100 * row['fraction_moved_back']:.0f} % | "
                f"{row['mean_states_back']:.2f} |"
            )
        print(out["cycles"])
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
