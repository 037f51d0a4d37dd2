"""Per-notch T = 0 SOT depinning thresholds, direct micromagnetics against the multiscale model,
on a 0.01 V grid (issue 17; README "The trapezoid at T = 0 on a fine grid").

For each notch k of a scaled track: one deterministic realisation relaxed 1 ns at notch k, then
1.5 ns pulses (50 ps edges, 0.2 ns settle, -4 mT) rising in 0.01 V (0.02 V) steps over a range that
brackets the notch; the threshold is the first pulse after which the wall has left notch k
forward. The same protocol runs on the JAX engine (4 nm cells, float32, dt 1e-13 s, bare
material) and on the multiscale rigid-wall model (thermal_m = 1, its landscape's h_sot), and
the landscape's quasi-static threshold is listed beside them. The run files go to
validation/runs (direct) and a temporary folder (model); writes ``t0-ladder-<track>.json``.

``scaled-trapezoid-1ns-edges`` is the scaled trapezoid again with adiabatic pulses: 1 ns rise and
fall (1.5 ns FWHM, 1 ns settle), 0.02 V steps around the landscape's quasi-static thresholds
(README "Adiabatic edges"); its direct runs go to adiabatic/runs.

    PYTHONPATH=. nice -n 5 .venv/bin/python results/paper-scale/t0_ladder.py scaled-trapezoid
    PYTHONPATH=. nice -n 5 .venv/bin/python results/paper-scale/t0_ladder.py heldout-deep-notches
    PYTHONPATH=. nice -n 5 .venv/bin/python results/paper-scale/t0_ladder.py \\
        scaled-trapezoid-1ns-edges
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from physics.experiment.commands import simulate_run
from physics.experiment.run_statistics import pulse_transitions
from physics.experiment.simulate_multiscale import spec_landscape
from physics.experiment.spec import RunSpec
from physics.experiment.store import open_run
from physics.materials import MU0

HERE = Path(__file__).resolve().parent
#: per case: the geometry (a preset name or a spec's geometry table), the voltage step (V),
#: the voltage range (V) per notch (from the coarse T = 0 brackets / the 300 K thresholds / the
#: landscape's quasi-static thresholds) and the pulse edges (s)
CASES = {
    "scaled-trapezoid": (
        "scaled-trapezoid",
        0.01,
        [(0.30, 0.46), (0.38, 0.58), (0.52, 0.74), (0.52, 0.74), (0.52, 0.74)],
        0.05e-9,
    ),
    "scaled-trapezoid-1ns-edges": (
        "scaled-trapezoid",
        0.02,
        [(0.36, 0.52), (0.48, 0.68), (0.62, 0.86), (0.56, 0.80), (0.60, 0.84)],
        1e-9,
    ),
    # the held-out deep-notch trapezoid (heldout/trapezoid-deep-notches-ramp.toml), notches 0-3
    "heldout-deep-notches": (
        {
            "preset": "scaled-trapezoid",
            "notches": {"depth": [8.8e-9, 11.3e-9, 13.8e-9, 16.2e-9, 18.7e-9]},
        },
        0.02,
        [(0.30, 0.56), (0.34, 0.64), (0.56, 1.0), (0.56, 1.0)],
        0.05e-9,
    ),
}


def spec_of(
    geometry, notch: int, v: tuple[float, float], step: float, calculator: dict, edges: float
) -> RunSpec:
    n = int(round((v[1] - v[0]) / step)) + 1
    return RunSpec.from_dict(
        {
            "geometry": geometry,
            "cell": [4e-9, 4e-9],
            "n_realisations": 1,
            "seed": 0,
            "calculator": calculator,
            "protocol": {
                "kind": "voltage_ramp",
                "v_start": v[0],
                "v_stop": v[1],
                "n_steps": n,
                "n_cycles": 1,
                "temperature": 0.0,
                "bias_field": -4e-3,
                "settle_time": max(0.2e-9, edges),
                "pulse": {"width": 1.5e-9, "rise": edges, "fall": edges},
                "initial_wall": {"at": notch},
            },
        }
    )


def threshold(path: Path, notch: int) -> tuple[float | None, str]:
    """(first voltage after which the wall has left notch ``notch`` forward, run id); None if
    it never left. A departure on the first pulse means the threshold is at or below the
    range: that is an error of the range, not a result."""
    record = open_run(path)
    tr = pulse_transitions(record)
    volts = np.asarray(record.pulses["voltage"], dtype=float)
    moved = np.flatnonzero(tr.end.ravel() > notch + 1)
    if moved.size and moved[0] == 0:
        raise SystemExit(
            f"{record.run_id[:8]}: notch {notch} left on the first pulse; lower the range"
        )
    return (float(volts[moved[0]]) if moved.size else None), record.run_id


def main() -> None:
    track = sys.argv[1]
    geometry, step, ranges, edges = CASES[track]
    runs = HERE / ("adiabatic" if edges > 0.1e-9 else "validation") / "runs"
    direct_cal = {"name": "jax", "dt": 1e-13, "dtype": "float32", "relax_time": 1e-9}
    model_cal = {"name": "multiscale", "thermal_m": 1.0, "relax_time": 1e-9}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, v in enumerate(ranges):
            direct_spec = spec_of(geometry, k, v, step, direct_cal, edges)
            direct_path, _ = simulate_run(direct_spec, runs, figures=False, progress=False)
            direct, direct_id = threshold(direct_path, k)
            model_spec = spec_of(geometry, k, v, step, model_cal, edges)
            model_path, _ = simulate_run(model_spec, tmp, figures=False, progress=False)
            model, _ = threshold(model_path, k)
            rows.append(
                {
                    "notch": k,
                    "range_V": v,
                    "step_V": step,
                    "edges_s": edges,
                    "direct_V": direct,
                    "model_V": model,
                    "direct_run": direct_id,
                }
            )
            print(rows[-1], flush=True)
    land = spec_landscape(spec_of(geometry, 0, ranges[0], step, model_cal, edges), thermal_m=1.0)
    qs = land.depinning_voltages(-4e-3 / MU0)
    for row, v in zip(rows, qs, strict=False):
        row["landscape_quasi_static_V"] = float(v)
    (HERE / f"t0-ladder-{track}.json").write_text(json.dumps({"rows": rows}, indent=1) + "\n")
    for r in rows:
        print(r)


if __name__ == "__main__":
    main()
