"""The multiscale model against direct 300 K micromagnetics with adiabatic pulse edges (issue 17;
README "Adiabatic edges").

The direct runs of ``*-direct.toml`` (1 ns rise and fall, 1.5 ns FWHM) against the multiscale
calculator on the same protocol, seed and cells, with ``--realisations`` model walls per case
(default 64) for each ``--m`` (thermal_m) and ``--segments`` (1: the rigid wall; S > 1: the
elastic line). Per-notch probit thresholds with one common spread,
the spread, the multi-notch jumps and notch 0 fitted alone (``elastic_line.summary`` /
``compare`` / ``notch0_fit``). Writes ``compare.json`` and prints one line per configuration.

    PYTHONPATH=. nice -n 5 .venv/bin/python results/paper-scale/adiabatic/compare.py \\
        --m 1.0 0.97 0.95
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import tomllib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from elastic_line import model_against_direct, summary  # noqa: E402

from physics.experiment.run_statistics import (  # noqa: E402
    fit_thresholds,
    pinned_trials,
    pulse_transitions,
)
from physics.experiment.spec import RunSpec  # noqa: E402
from physics.experiment.store import open_run, run_path, run_status  # noqa: E402

CASES = ("trapezoid-ramp", "straight-ramp")
DT = 3e-13
"""Model time step (s), as elastic_line.py."""


def direct_run(case: str) -> str | None:
    """The stored direct run file of ``case`` (None if it has not been run)."""
    spec = RunSpec.from_dict(tomllib.loads((HERE / f"{case}-direct.toml").read_text()))
    path = run_path(HERE / "runs", spec.run_id)
    return str(path) if path.exists() and run_status(path) == "complete" else None


def bootstrap_mu(path: str, n_boot: int = 200, seed: int = 0) -> dict:
    """Standard errors (V) of the per-notch probit thresholds and of the common spread of a
    run: the ramps (one realisation's cycle each, independent trajectories) resampled with
    replacement ``n_boot`` times and refitted; a notch not identified in a resample is left
    out of that notch's spread. The spread of the resampled values is taken robustly (IQR /
    1.349): a resample of a small run can separate the outcomes perfectly and fit a huge
    sigma."""
    tr = pulse_transitions(open_run(path))
    keys = sorted(set(zip(tr.realisation.tolist(), tr.cycle.tolist(), strict=True)))
    ramps = []
    for r, c in keys:
        keep = (tr.realisation == r) & (tr.cycle == c)
        ramps.append(
            dataclasses.replace(
                tr,
                **{
                    f.name: getattr(tr, f.name)[keep]
                    for f in dataclasses.fields(tr)
                    if f.name != "n_notches"
                },
            )
        )
    rng = np.random.default_rng(seed)
    mus: dict[int, list[float]] = {}
    sigmas = []
    for _ in range(n_boot):
        pick = rng.integers(0, len(ramps), len(ramps))
        fit = fit_thresholds(pinned_trials([ramps[i] for i in pick]), "free")
        sigmas.append(float(fit.sigma))
        for k, m, ok in zip(fit.notches, fit.mu, fit.identified, strict=True):
            if ok:
                mus.setdefault(int(k), []).append(float(m))

    def se(v: list[float]) -> float:
        q75, q25 = np.percentile(v, [75, 25])
        return float((q75 - q25) / 1.349)

    return {
        "n_ramps": len(ramps),
        "mu_se_V": {k: se(v) for k, v in sorted(mus.items()) if len(v) > 1},
        "sigma_se_V": se(sigmas),
    }


def run_case(case: str, m: float, realisations: int, out: str, segments: int = 1) -> dict | None:
    direct_path = direct_run(case)
    if direct_path is None:
        print(f"{case}: no direct run yet", flush=True)
        return None
    direct = summary([direct_path])
    direct["bootstrap"] = bootstrap_mu(direct_path)
    data = tomllib.loads((HERE / f"{case}-direct.toml").read_text())
    data["n_realisations"] = realisations
    data["calculator"] = {
        "name": "multiscale",
        "thermal_m": m,
        "segments": segments,
        "dt": DT,
        "relax_time": data["calculator"]["relax_time"],
    }
    row = {
        "case": case,
        "thermal_m": m,
        "segments": segments,
        "realisations": realisations,
        **model_against_direct(data, direct_path, out, direct),
    }
    n0 = row["notch0"]
    print(
        f"{case:15s} S={segments} m={m:.3f} mu ratio "
        + " ".join("-" if v is None else f"{v:.2f}" for v in row["mu_ratio"].values())
        + f"  sigma {row['sigma_ratio']:.2f}  multi-notch {row['multi_notch']}"
        + f"  notch 0 alone: mu {n0['mu_ratio']:.2f} sigma {n0['sigma_ratio']:.2f}",
        flush=True,
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--m", type=float, nargs="+", default=[1.0, 0.97, 0.95])
    parser.add_argument("--realisations", type=int, default=64)
    parser.add_argument("--segments", type=int, nargs="+", default=[1], help="1: rigid wall")
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    parser.add_argument("--json", default=str(HERE / "compare.json"))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as out:
        for segments in args.segments:
            for m in args.m:
                for case in args.cases:
                    row = run_case(case, m, args.realisations, out, segments)
                    if row is not None:
                        rows.append(row)
                        Path(args.json).write_text(json.dumps({"rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
