"""One window of paper-trapezoid at 4 nm cells around notch 3: its landscape and wall time.

Run from the repository root (41 min on the shared 2-core CPU):

    PYTHONPATH=. nice -n 15 .venv/bin/python results/multiscale/time_paper_window.py
"""

import json
import time

from geometries import load_preset
from physics.materials import MU0, load_material
from physics.multiscale.window import default_windows, track_landscape

track = load_preset("paper-trapezoid")
material = load_material()
cell = (4e-9, 4e-9)
window = default_windows(track, material.wall_width, cell)[3]
print("window", window, "mask", track.mask(*cell).shape, flush=True)
start = time.perf_counter()
land = track_landscape(track, material, cell, window=True, notches=[3], progress=True)
seconds = time.perf_counter() - start
land.save("results/multiscale/paper-trapezoid-4nm-notch3.npz")
summary = {
    "seconds_total": seconds,
    "seconds_path": land.meta["seconds"],
    "n_q": len(land.q),
    "q_range": [land.q[0], land.q[-1]],
    "v_dep": land.depinning_voltages(-4e-3 / MU0).tolist(),
    "max_h_pin_mT": float(land.h_pin.max() * MU0 * 1e3),
    "all_converged": land.meta["all_converged"],
    "max_gap": land.meta["max_gap"],
    "n_snap": len(land.meta["snap_q"]),
}
print(json.dumps(summary), flush=True)
