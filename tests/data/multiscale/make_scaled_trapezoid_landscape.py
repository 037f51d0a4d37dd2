"""Reference numbers of tests/test_multiscale_landscape.py: the T = 0 pinning landscape of
`scaled-trapezoid` at 4 nm cells from the whole track (window=False) and from one window per
notch, and their quasi-static depinning voltages at the paper's -4 mT bias.

Run from the repository root (about 2 minutes on 2 shared cores):

    nice -n 15 .venv/bin/python tests/data/multiscale/make_scaled_trapezoid_landscape.py

Writes scaled-trapezoid-4nm-whole.npz (the whole-track WallLandscape, dq = 1 nm) and
scaled-trapezoid-4nm.json (V_dep per notch: whole track at dq = 1 nm and 0.5 nm, windows at
dq = 1 nm; wall times) next to this script.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from geometries import load_preset  # noqa: E402
from physics.materials import MU0, load_material  # noqa: E402
from physics.multiscale.window import track_landscape  # noqa: E402

BIAS = -4e-3 / MU0  # the paper's -4 mT write bias (A/m along z)


def main() -> None:
    track = load_preset("scaled-trapezoid")
    material = load_material()
    cell = (4e-9, 4e-9)
    out: dict = {"geometry": "scaled-trapezoid", "cell": list(cell), "bias_field_z": BIAS}
    for name, window, dq in (
        ("whole", False, 1e-9),
        ("whole_0.5nm", False, 0.5e-9),
        ("windows", True, 1e-9),
    ):
        start = time.perf_counter()
        land = track_landscape(track, material, cell, window=window, dq=dq, progress=False)
        seconds = time.perf_counter() - start
        out[name] = {
            "dq": dq,
            "seconds": seconds,
            "v_dep_V": land.depinning_voltages(BIAS).tolist(),
            "stable_points_m": land.stable_points(BIAS).tolist(),
            "q_range_m": [float(land.q[0]), float(land.q[-1])],
        }
        print(name, out[name], flush=True)
        if name == "whole":
            land.save(HERE / "scaled-trapezoid-4nm-whole.npz")
    (HERE / "scaled-trapezoid-4nm.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
