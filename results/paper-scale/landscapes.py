"""The T = 0 pinning landscapes of the paper's full-size devices (issue 17, step 1): one window
per notch at 4 nm cells (physics.multiscale.window.track_landscape, cached per window in
results/paper-scale/landscapes/), their quasi-static depinning voltages at -4 mT (written to
landscape-<device>-4nm.npz and landscapes.json).

    nice -n 5 .venv/bin/python results/paper-scale/landscapes.py [--device trapezoid|straight]
"""

from __future__ import annotations

import argparse
import json
import time
import tomllib
from pathlib import Path

import numpy as np

from physics.experiment.simulate_multiscale import spec_landscape
from physics.experiment.spec import RunSpec
from physics.materials import MU0

HERE = Path(__file__).resolve().parent
SPECS = {
    "trapezoid": HERE / "specs" / "trapezoid-ramp-16x13.toml",
    "straight": HERE / "specs" / "straight-ramp-16x10.toml",
}
BIAS = -4e-3 / MU0


def device_spec(device: str) -> RunSpec:
    """The run spec of a full-size device ("trapezoid" or "straight"), whose geometry,
    material, cell and calculator options (dq, q_range) the landscapes use."""
    return RunSpec.from_dict(tomllib.loads(SPECS[device].read_text()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=sorted(SPECS), action="append")
    args = parser.parse_args()
    import os

    os.environ.setdefault("DWMTJ_LANDSCAPES", str(HERE / "landscapes"))
    out = {}
    for device in args.device or sorted(SPECS):
        spec = device_spec(device)
        start = time.perf_counter()
        land = spec_landscape(
            spec, dq=spec.calculator["dq"], q_range=spec.calculator["q_range"], progress=True
        )
        seconds = time.perf_counter() - start
        v = land.depinning_voltages(BIAS)
        land.save(HERE / f"landscape-{device}-4nm.npz")
        out[device] = {
            "cell_m": 4e-9,
            "seconds": seconds,
            "v_dep_quasi_static_V": [float(x) for x in v],
            "notch_centres_m": land.notch_centres.tolist(),
            "stable_points_m": land.stable_points(BIAS).tolist(),
        }
        print(device, f"{seconds:.0f} s", np.round(v, 3))
    (HERE / "landscapes.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
