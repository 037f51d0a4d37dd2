"""The multiscale model against direct 300 K micromagnetics with adiabatic pulse edges (issue 17;
README "Adiabatic edges").

The direct runs of ``*-direct.toml`` (1 ns rise and fall, 1.5 ns FWHM) against the multiscale
calculator on the same protocol, seed and cells, with ``--realisations`` model walls per case
(default 64) for each ``--m`` (thermal_m) and ``--segments`` (1: the rigid wall; S > 1: the
elastic line). Per-notch probit thresholds with one common spread, the spread, the
multi-notch jumps and notch 0 fitted alone (``elastic_line.summary`` / ``compare`` /
``notch0_fit``). Writes ``compare.json`` and prints one line per configuration. ``--predict``
runs the model alone, reading no direct run: the held-out case's prediction
(``heldout/adiabatic/prediction.json``), stored before its direct run was started.

    PYTHONPATH=. nice -n 5 .venv/bin/python results/paper-scale/adiabatic/compare.py \\
        --m 1.0 0.97 0.95
    PYTHONPATH=. .venv/bin/python results/paper-scale/adiabatic/compare.py --predict \
        --cases heldout-ramp --m 0.94 --json results/paper-scale/heldout/adiabatic/prediction.json

The stored comparisons of this session's README sections were made with
``--realisations 256 --end-margin 8e-9`` and: ``--cases trapezoid-ramp-2seeds straight-ramp
--m 0.935 0.94 0.945 0.95 --json .../compare-2seeds.json``; ``--cases straight-ramp-2seeds
--m 0.94 --json .../compare-straight-2seeds.json``; ``--cases trapezoid-ramp-2seeds
straight-ramp-2seeds heldout-ramp --m 0.94 0.935 0.945 --in-margin 8e-9 --json
.../compare-in-end.json`` (windows from ``results/paper-scale/landscapes``).
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

from elastic_line import model_against_direct, notch0_fit, summary  # noqa: E402

from physics.experiment.commands import simulate_run  # noqa: E402
from physics.experiment.run_statistics import (  # noqa: E402
    fit_thresholds,
    pinned_trials,
    pulse_transitions,
)
from physics.experiment.spec import RunSpec  # noqa: E402
from physics.experiment.store import open_run, run_path, run_status  # noqa: E402

CASES = {
    "trapezoid-ramp": HERE / "trapezoid-ramp-direct.toml",
    "straight-ramp": HERE / "straight-ramp-direct.toml",
    "heldout-ramp": HERE.parent / "heldout/adiabatic/trapezoid-deep-notches-ramp-direct.toml",
}
"""Direct spec of each case; its runs are stored in ``runs/`` beside the spec."""
CASES["trapezoid-ramp-2seeds"] = CASES["trapezoid-ramp"]
CASES["straight-ramp-2seeds"] = CASES["straight-ramp"]
POOLED = {
    "trapezoid-ramp-2seeds": [
        HERE / "trapezoid-ramp-direct.toml",
        HERE / "trapezoid-ramp-direct-seed2.toml",
    ],
    "straight-ramp-2seeds": [
        HERE / "straight-ramp-direct.toml",
        HERE / "straight-ramp-direct-seed2.toml",
    ],
}
"""Cases whose direct side pools several runs of one protocol (seeds); the model side runs
the first spec's protocol and seed."""
DT = 3e-13
"""Model time step (s), as elastic_line.py."""


def _complete_run(spec_path: Path) -> str | None:
    spec = RunSpec.from_dict(tomllib.loads(spec_path.read_text()))
    path = run_path(spec_path.parent / "runs", spec.run_id)
    return str(path) if path.exists() and run_status(path) == "complete" else None


def direct_run(case: str) -> str | None:
    """The stored direct run file of ``case`` (None if it has not been run)."""
    return _complete_run(CASES[case])


def direct_runs(case: str) -> list[str] | None:
    """The stored direct run files of ``case`` (:data:`POOLED` or the one of
    :func:`direct_run`); None unless all have run."""
    paths = [_complete_run(p) for p in POOLED.get(case, [CASES[case]])]
    return None if any(p is None for p in paths) else [p for p in paths if p is not None]


def _ramps(tr) -> list:
    """The ramps of a run's transitions: one (realisation, cycle) each."""
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
    return ramps


def bootstrap_mu(path: str | list[str], n_boot: int = 200, seed: int = 0) -> dict:
    """Standard errors (V) of the per-notch probit thresholds and of the common spread of a
    run (or of several runs of one protocol, pooled): the ramps (one realisation's cycle
    each, independent trajectories) resampled with replacement ``n_boot`` times and
    refitted; a notch not identified in a resample is left out of that notch's spread. The
    spread of the resampled values is taken robustly (IQR / 1.349): a resample of a small run
    can separate the outcomes perfectly and fit a huge sigma."""
    paths = [path] if isinstance(path, str) else list(path)
    ramps = []
    for p in paths:
        ramps += _ramps(pulse_transitions(open_run(p)))
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


def model_spec(
    case: str,
    m: float,
    realisations: int,
    segments: int = 1,
    end_margin: float | None = None,
    in_margin: float | None = None,
) -> dict:
    """The multiscale spec of ``case``: the direct spec with the model's calculator and
    ``realisations`` walls; protocol, seed, geometry and cells unchanged. ``end_margin`` and
    ``in_margin`` (m): the calculator's (None: its defaults, the landscape from half a notch
    spacing before notch 0 to 2 delta before the CLK end)."""
    data = tomllib.loads(CASES[case].read_text())
    data["n_realisations"] = realisations
    data["calculator"] = {
        "name": "multiscale",
        "thermal_m": m,
        "segments": segments,
        "dt": DT,
        "relax_time": data["calculator"]["relax_time"],
    }
    if end_margin is not None:
        data["calculator"]["end_margin"] = end_margin
    if in_margin is not None:
        data["calculator"]["in_margin"] = in_margin
    return data


def predict(case: str, m: float, realisations: int, out: str, segments: int = 1) -> dict:
    """The model's thresholds for ``case`` without reading any direct run: a prediction to
    store before the direct run is started or read."""
    data = model_spec(case, m, realisations, segments)
    path, _ = simulate_run(RunSpec.from_dict(data), out, figures=False, progress=False)
    row = {
        "case": case,
        "thermal_m": m,
        "segments": segments,
        "realisations": realisations,
        "model": summary([str(path)]),
        "notch0": notch0_fit(str(path)),
    }
    mu = row["model"]["mu_V"]
    print(
        f"{case:15s} S={segments} m={m:.3f} PREDICTION mu "
        + " ".join("-" if v is None else f"{v:.3f}" for v in mu.values())
        + f" V  sigma {row['model']['sigma_V']:.3f} V",
        flush=True,
    )
    return row


def run_case(
    case: str,
    m: float,
    realisations: int,
    out: str,
    segments: int = 1,
    end_margin: float | None = None,
    in_margin: float | None = None,
) -> dict | None:
    direct_paths = direct_runs(case)
    if direct_paths is None:
        print(f"{case}: no direct run yet", flush=True)
        return None
    direct = summary(direct_paths)
    direct["bootstrap"] = bootstrap_mu(direct_paths)
    data = model_spec(case, m, realisations, segments, end_margin, in_margin)
    row = {
        "case": case,
        "thermal_m": m,
        "segments": segments,
        "realisations": realisations,
        **({} if end_margin is None else {"end_margin_m": end_margin}),
        **({} if in_margin is None else {"in_margin_m": in_margin}),
        **model_against_direct(data, direct_paths, out, direct),
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
    parser.add_argument(
        "--cases", nargs="+", default=["trapezoid-ramp", "straight-ramp"], choices=list(CASES)
    )
    parser.add_argument("--json", default=str(HERE / "compare.json"))
    parser.add_argument(
        "--end-margin",
        type=float,
        default=None,
        help="the model landscape's end margin (m; default: the calculator's, 2 delta)",
    )
    parser.add_argument(
        "--in-margin",
        type=float,
        default=None,
        help="the model landscape's start after the IN end (m; default: the calculator's, "
        "half a notch spacing before notch 0)",
    )
    parser.add_argument(
        "--predict",
        action="store_true",
        help="model only, no direct run read (a prediction to commit before the direct run)",
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as out:
        for segments in args.segments:
            for m in args.m:
                for case in args.cases:
                    if args.predict:
                        row = predict(case, m, args.realisations, out, segments)
                    else:
                        row = run_case(
                            case,
                            m,
                            args.realisations,
                            out,
                            segments,
                            args.end_margin,
                            args.in_margin,
                        )
                    if row is not None:
                        rows.append(row)
                        Path(args.json).write_text(json.dumps({"rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
