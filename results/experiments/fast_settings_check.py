"""Depinning statistics of the fast-settings runs -> fast-settings-check.json.

Reads the stored runs of ``acceptance/trapezoid-ramp-16x10.toml`` (fast settings: dt = 1.6e-13 s,
one demag convolution per Heun step; 16 realisations x 10 cycles) and
``acceptance/trapezoid-ramp-reference-16x3.toml`` (dt = 8e-14 s, demag at both stages; 16 x 3)
and prints, per run, the per-notch probit thresholds (V) with their bootstrap standard errors
(cycles resampled), the thermal spread, the single-notch fraction of forward moves, the
width-trend test, and the likelihood-ratio test of equal thresholds in both runs
(:func:`physics.experiment.run_statistics.same_thresholds_test`).

    .venv/bin/python results/experiments/fast_settings_check.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from physics.experiment.commands import load_run_spec  # noqa: E402
from physics.experiment.run_statistics import (  # noqa: E402
    PinnedTrials,
    fit_thresholds,
    pinned_trials,
    pulse_transitions,
    same_thresholds_test,
    width_trend_test,
)
from physics.experiment.store import read_run, run_path  # noqa: E402

HERE = Path(__file__).resolve().parent
RUNS = {"fast": "trapezoid-ramp-16x10", "reference": "trapezoid-ramp-reference-16x3"}
N_BOOTSTRAP = 200


def record(name: str):
    spec = load_run_spec(HERE / "acceptance" / f"{name}.toml")
    return read_run(run_path(HERE / "runs", spec.run_id))


def trials_by_unit(tr) -> tuple[PinnedTrials, np.ndarray]:
    """Pinned trials and the (realisation, cycle) unit each came from (bootstrap units)."""
    trials = pinned_trials(tr, direction=1)
    at_notch = (tr.start >= 1) & (tr.start <= tr.n_notches) & tr.start_captured
    sel = at_notch & (tr.voltage > 0)
    unit = tr.realisation[sel] * (tr.cycle.max() + 1) + tr.cycle[sel]
    return trials, unit


def bootstrap_se(
    trials: PinnedTrials, unit: np.ndarray, notches: np.ndarray, seed: int = 0
) -> np.ndarray:
    """Standard error of the free-fit thresholds of ``notches``, resampling whole cycles."""
    rng = np.random.default_rng(seed)
    units = np.unique(unit)
    draws = []
    for _ in range(N_BOOTSTRAP):
        pick = rng.choice(units, units.size)
        idx = np.concatenate([np.flatnonzero(unit == u) for u in pick])
        fit = fit_thresholds(
            PinnedTrials(trials.notch[idx], trials.voltage[idx], trials.depinned[idx]), "free"
        )
        mu = {int(k): m for k, m, ok in zip(fit.notches, fit.mu, fit.identified, strict=True) if ok}
        draws.append([mu.get(int(k), np.nan) for k in notches])
    return np.nanstd(np.array(draws), axis=0, ddof=1)


def main() -> int:
    out: dict = {"runs": {}}
    trials = {}
    for key, name in RUNS.items():
        rec = record(name)
        tr = pulse_transitions(rec)
        t, unit = trials_by_unit(tr)
        trials[key] = t
        track = rec.spec.track()
        widths = {k: float(w) for k, w in enumerate(track.nominal_width_at(track.notch_centres))}
        free = fit_thresholds(t, "free")
        ok = free.identified
        se = bootstrap_se(t, unit, free.notches[ok])
        forward = tr.jump[(tr.voltage > 0) & (tr.jump > 0)]
        trend = width_trend_test(t, widths)
        out["runs"][key] = {
            "spec": name,
            "run_id": rec.spec.run_id[:8],
            "calculator": rec.spec.calculator,
            "realisations_x_cycles_x_pulses": [
                rec.spec.n_realisations,
                rec.spec.protocol.n_cycles,
                rec.spec.protocol.n_pulses // rec.spec.protocol.n_cycles,
            ],
            "wall_time_s": rec.provenance.get("wall_time_s"),
            "notches": free.notches[ok].tolist(),
            "threshold_V": free.mu[ok].tolist(),
            "threshold_se_V": se.tolist(),
            "sigma_V": free.sigma,
            "n_trials": free.n_trials,
            "single_notch_fraction": float(np.mean(forward == 1)),
            "width_trend_p": trend.p_value,
            "width_slope_mV_per_nm": trend.alternative.coef[1] * 1e-6,
        }
    lrt = same_thresholds_test(trials["fast"], trials["reference"])
    f, r = out["runs"]["fast"], out["runs"]["reference"]
    common = sorted(set(f["notches"]) & set(r["notches"]))
    rel = {
        k: f["threshold_V"][f["notches"].index(k)] / r["threshold_V"][r["notches"].index(k)] - 1
        for k in common
    }
    out["same_thresholds"] = {
        "statistic": lrt.statistic,
        "dof": lrt.dof,
        "p_value": lrt.p_value,
        "relative_change_fast_vs_reference": rel,
    }
    (HERE / "fast-settings-check.json").write_text(json.dumps(out, indent=1, default=float))
    print(json.dumps(out, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
