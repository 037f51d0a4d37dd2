"""Per-notch depinning thresholds of two runs of the same protocol, side by side (issue 17).

For each run: the pulses that start with the wall pinned at a notch are Bernoulli trials,
P(depin) = Phi((V - mu_k) / sigma), fitted by maximum likelihood with one mu per notch and a
common spread sigma (physics.experiment.run_statistics.fit_thresholds); jump lengths of the
forward moves. Prints a Markdown table and writes JSON with --json.

    .venv/bin/python results/paper-scale/compare_runs.py DIRECT.h5 MODEL.h5 [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from physics.experiment.run_statistics import fit_thresholds, pinned_trials, pulse_transitions
from physics.experiment.store import open_run


def summary(paths: list[str]) -> dict:
    """mu per notch (V, None where not identified), sigma (V), jump-length counts."""
    records = [open_run(p) for p in paths]
    trs = [pulse_transitions(r) for r in records]
    fit = fit_thresholds(pinned_trials(trs), "free")
    mu = {
        int(k): (float(m) if ok else None)
        for k, m, ok in zip(fit.notches, fit.mu, fit.identified, strict=True)
    }
    jumps = np.concatenate([(t.end - t.start)[(t.end > t.start) & (t.voltage > 0)] for t in trs])
    counts = {int(j): int((jumps == j).sum()) for j in np.unique(jumps)}
    return {
        "runs": [r.run_id for r in records],
        "calculator": records[0].spec.calculator["name"],
        "mu_V": mu,
        "sigma_V": float(fit.sigma),
        "n_trials": int(fit.n_trials),
        "forward_jumps": counts,
        "multi_notch_fraction": float(np.mean(jumps >= 2)) if jumps.size else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "direct", nargs="+", help="run files of the reference (comma-joined groups ok)"
    )
    parser.add_argument("--model", nargs="+", required=True, help="run files of the model")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    a, b = summary(args.direct), summary(args.model)
    notches = sorted(set(a["mu_V"]) | set(b["mu_V"]))
    print("| notch | direct mu (V) | model mu (V) | model / direct |")
    print("|---|---|---|---|")
    for k in notches:
        ma, mb = a["mu_V"].get(k), b["mu_V"].get(k)
        ratio = f"{mb / ma:.3f}" if ma and mb else "-"
        fa = f"{ma:.3f}" if ma is not None else "-"
        fb = f"{mb:.3f}" if mb is not None else "-"
        print(f"| {k} | {fa} | {fb} | {ratio} |")
    print(
        f"| sigma | {a['sigma_V']:.4f} | {b['sigma_V']:.4f} | {b['sigma_V'] / a['sigma_V']:.3f} |"
    )
    print(f"forward jumps: direct {a['forward_jumps']}, model {b['forward_jumps']}")
    fa, fb = a["multi_notch_fraction"], b["multi_notch_fraction"]
    print(f"multi-notch fraction: direct {fa}, model {fb}")
    if args.json:
        args.json.write_text(json.dumps({"direct": a, "model": b}, indent=2) + "\n")


if __name__ == "__main__":
    main()
