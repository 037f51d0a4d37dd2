"""Single-pulse V50 and spread per notch from the stochastic (q, phi) wall model of
physics.multiscale.wall_model on micromagnetic landscapes: the reference the design model's
escape time is calibrated to (its one rate constant, design.depinning). Writes
results/design/wall-model-v50.json. Run from the repository root:

    PYTHONPATH=. nice -n 19 .venv/bin/python results/design/wall_model_v50.py

Per notch: 128 walls start at the notch's stable point (relaxed 0.5 ns at V = 0), one pulse of
amplitude V (scaled: 1.5 ns with 50 ps edges; full size: 50 ns with 10 ns edges; 300 K,
-4 mT), 0.5 ns settle; "depinned" = the wall ended past the notch's exit (centre + half the
spacing to the next notch). A probit fit over a grid of V around the T = 0 threshold gives
V50 and sigma.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.stats import norm

from physics.engine.ensemble import ensemble_keys
from physics.experiment.simulate_multiscale import wall_model_of
from physics.materials import MU0
from physics.multiscale.landscape import WallLandscape
from physics.multiscale.wall_model import run_pulses

CASES = {
    "scaled-trapezoid": ("results/design/calibration/scaled-trapezoid.npz", 1.5e-9, 0.05e-9),
    "scaled-trapezoid-deep": (
        "results/design/calibration/scaled-trapezoid-deep.npz",
        1.5e-9,
        0.05e-9,
    ),
    "paper-trapezoid": ("results/paper-scale/landscape-trapezoid-4nm.npz", 50e-9, 10e-9),
}
N = 128
BIAS = -4e-3 / MU0


def probit(v, k, n):
    def nll(x):
        p = norm.cdf((v - x[0]) / np.exp(x[1])).clip(1e-9, 1 - 1e-9)
        return -np.sum(k * np.log(p) + (n - k) * np.log(1 - p))

    i = np.argmin(np.abs(k / n - 0.5))
    r = minimize(nll, [v[i], np.log(0.05 * v[i] + 1e-3)], method="Nelder-Mead")
    return float(r.x[0]), float(np.exp(r.x[1]))


def main() -> None:
    out = {}
    for name, (path, width, edge) in CASES.items():
        land = WallLandscape.load(path)
        model = wall_model_of(land)
        stable = land.stable_points(BIAS)
        qs = land.depinning_voltages(BIAS)
        c = land.notch_centres
        gaps = np.diff(c)
        exits = np.concatenate([c[:-1] + 0.5 * gaps, [min(c[-1] + 0.5 * gaps[-1], land.q[-1])]])
        res = []
        for k in range(len(c)):
            volts = np.linspace(0.3, 1.15, 10) * qs[k]
            n_m = N * len(volts)
            amp = np.repeat(volts, N)
            keys = ensemble_keys(100 + k, n_m)
            # relax at V = 0, then the pulse: one call with zero amplitude first
            r0 = run_pulses(
                model,
                stable[k],
                0.0,
                0.0,
                BIAS,
                300.0,
                keys,
                rise=0.0,
                plateau=0.5e-9,
                fall=0.0,
                settle=0.0,
            )
            r = run_pulses(
                model,
                np.asarray(r0.q),
                np.asarray(r0.phi),
                amp,
                BIAS,
                300.0,
                ensemble_keys(200 + k, n_m),
                rise=edge,
                plateau=width - edge,
                fall=edge,
                settle=0.5e-9,
            )
            dep = (np.asarray(r.q) > exits[k]) | np.asarray(r.escaped)
            kk = dep.reshape(len(volts), N).sum(1)
            v50, sig = probit(volts, kk, N)
            res.append(
                {
                    "notch": k,
                    "volts": volts.tolist(),
                    "depinned": kk.tolist(),
                    "v50_V": v50,
                    "sigma_V": sig,
                    "v_qs_V": float(qs[k]),
                }
            )
            print(
                name, k, f"Vqs {qs[k]:.3f} V50 {v50:.3f} sigma {sig:.4f}", kk.tolist(), flush=True
            )
        out[name] = {
            "landscape": path,
            "pulse_s": width,
            "edge_s": edge,
            "n_walls": N,
            "notches": res,
        }
    Path("results/design/wall-model-v50.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
