"""Why the uneven trapezoid's shallow notch 3 still holds a state (issue 17, step 4): one wall
at T = 0 on that track's landscape (the wall model of the multiscale runs, the IN side holding,
thermal_m = 1), from notch 3's stable point through one of the runs' pulses (10 ns edges, 40 ns
plateau, i.e. 50 ns FWHM, then 20 ns at V = 0, -4 mT), for voltages around notch 3's T = 0
threshold (0.589 V). Records the farthest point and where the wall ends.

    PYTHONPATH=. .venv/bin/python results/paper-scale/roughness/shallow_notch.py

writes shallow-notch.json beside this file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
VOLTAGES = (0.60, 0.65, 0.70, 0.75)
DT = 1e-12
"""Wall-model step (s)."""


def trajectory(v: float) -> dict:
    """Farthest and final position (m) of the wall started at notch 3, and q every 1 ns."""
    import rough_table

    from physics.engine.ensemble import ensemble_keys
    from physics.experiment.simulate_multiscale import spec_landscape, wall_model_of
    from physics.multiscale.wall_model import run_pulses

    spec = rough_table.load_spec(rough_table.CASES["trapezoid, uneven depths"][1])
    land = spec_landscape(spec, dq=spec.calculator["dq"], q_range=spec.calculator["q_range"])
    model = wall_model_of(land, hold_low_end=True)
    start = float(land.stable_points(rough_table.BIAS)[3])
    res = run_pulses(
        model,
        np.array([start]),
        0.0,
        v,
        rough_table.BIAS,
        0.0,
        ensemble_keys(0, 1),
        rise=10e-9,
        plateau=40e-9,
        fall=10e-9,
        settle=20e-9,
        dt=DT,
        record_every=1000,
    )
    q = np.asarray(res.q_record)[0]
    return {
        "voltage_V": v,
        "start_m": start,
        "farthest_m": float(q.max()),
        "end_m": float(np.asarray(res.q)[0]),
        "q_every_ns_m": q.tolist(),
    }


def main() -> None:
    import sys

    sys.path.insert(0, str(HERE))
    rows = [trajectory(v) for v in VOLTAGES]
    for r in rows:
        print(
            f"{r['voltage_V']:.2f} V: farthest {r['farthest_m'] * 1e9:.0f} nm, "
            f"end {r['end_m'] * 1e9:.0f} nm"
        )
    (HERE / "shallow-notch.json").write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
