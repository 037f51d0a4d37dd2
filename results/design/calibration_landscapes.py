"""Micromagnetic (windowed, T = 0, 4 nm cells) landscapes of scaled tracks for the surrogate's
calibration and its held-out check (issue 19). Each is saved as a WallLandscape .npz in
results/design/calibration/. Run from the repository root:

    DWMTJ_LANDSCAPES=results/design/landscape-cache PYTHONPATH=. nice -n 19 \
        .venv/bin/python results/design/calibration_landscapes.py

Material: the preset's, renormalised with thermal_m = 0.95 (the 300 K calibration of the scaled
tracks, results/paper-scale/README.md), so these landscapes are those the multiscale runs use.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from physics.experiment.simulate_multiscale import spec_landscape
from physics.experiment.spec import RunSpec

OUT = Path("results/design/calibration")
CASES = {
    # the preset and the deep-notch held-out geometry of results/paper-scale
    "scaled-trapezoid": {"preset": "scaled-trapezoid"},
    "scaled-trapezoid-deep": {
        "preset": "scaled-trapezoid",
        "notches": {"depth": [8.8e-9, 11.3e-9, 13.8e-9, 16.2e-9, 18.7e-9]},
    },
    "scaled-straight": {"preset": "scaled-straight"},
    # notch length and depth variations (not in any earlier run)
    "scaled-trapezoid-wide-notches": {
        "preset": "scaled-trapezoid",
        "notches": {"width": 20e-9, "depth": [5e-9, 6e-9, 8e-9, 10e-9, 12e-9]},
    },
    "scaled-trapezoid-shallow": {
        "preset": "scaled-trapezoid",
        "notches": {"depth": [4e-9, 4.5e-9, 5e-9, 6e-9, 7e-9]},
    },
    "scaled-trapezoid-uniform-depth": {
        "preset": "scaled-trapezoid",
        "notches": {"depth": 8e-9, "width": 16e-9},
    },
}


def main(names: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in names or list(CASES):
        spec = RunSpec.from_dict(
            {
                "geometry": CASES[name],
                "cell": [4e-9, 4e-9],
                "calculator": {"name": "multiscale", "thermal_m": 0.95},
                "protocol": {
                    "kind": "voltage_ramp",
                    "v_start": 0.1,
                    "v_stop": 0.2,
                    "n_steps": 2,
                    "temperature": 300.0,
                },
            }
        )
        start = time.perf_counter()
        land = spec_landscape(spec, thermal_m=0.95, progress=False)
        land.save(OUT / f"{name}.npz")
        print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
