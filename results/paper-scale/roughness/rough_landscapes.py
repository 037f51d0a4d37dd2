"""Edge roughness on the paper's full-size devices (issue 17, step 4): the T = 0 windowed
pinning landscapes (physics.multiscale.window, 4 nm cells, room-temperature parameters, the
same dq and q_range as the smooth devices' specs) of ``paper-trapezoid`` and ``paper-straight``
with geometries' seeded rough edges (:class:`geometries.EdgeRoughness`), and their
quasi-static depinning voltages at -4 mT beside the smooth tracks' (``landscapes.json`` one
folder up).

Roughness: ``AMPLITUDE`` RMS per edge with a Gaussian correlation length ``CORRELATION``, the
scale of e-beam lithography's line-edge roughness. At 4 nm cells this moves the edge by about
one cell: a smaller amplitude mostly does not change which cells are magnetic
(results/design/README.md, "Edge roughness").

    DWMTJ_LANDSCAPES=/tmp/rough-landscapes PYTHONPATH=. nice -n 5 .venv/bin/python \\
        results/paper-scale/roughness/rough_landscapes.py --device straight --seeds 1

writes ``rough-landscapes-<device>.json`` beside this file (merged with what is there) and
each landscape as ``landscape-<device>-rough-s<seed>.npz``; the window files go to the
landscape cache (copied into results/paper-scale/landscapes/ for the committed runs).
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
SMOOTH_SPECS = {
    "trapezoid": HERE.parent / "specs" / "trapezoid-ramp-16x13.toml",
    "straight": HERE.parent / "specs" / "straight-ramp-16x10.toml",
}
AMPLITUDE = 4e-9
"""RMS edge displacement per edge (m)."""
CORRELATION = 20e-9
"""Gaussian correlation length along x (m)."""
BIAS = -4e-3 / MU0
"""The write bias (A/m along z)."""


def rough_spec_dict(device: str, seed: int) -> dict:
    """The smooth device's run spec (a dict) with rough edges of the given seed."""
    spec = tomllib.loads(SMOOTH_SPECS[device].read_text())
    spec["geometry"] = {
        "preset": spec["geometry"],
        "roughness": {"amplitude": AMPLITUDE, "correlation_length": CORRELATION, "seed": seed},
    }
    return spec


def landscape(device: str, seed: int | None, progress: bool = True):  # noqa: ANN201
    """The device's landscape (smooth for ``seed=None``), from the cache where it is there."""
    raw = (
        tomllib.loads(SMOOTH_SPECS[device].read_text())
        if seed is None
        else rough_spec_dict(device, seed)
    )
    spec = RunSpec.from_dict(raw)
    return spec_landscape(
        spec, dq=spec.calculator["dq"], q_range=spec.calculator["q_range"], progress=progress
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=sorted(SMOOTH_SPECS), required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    args = parser.parse_args()
    path = HERE / f"rough-landscapes-{args.device}.json"
    out = json.loads(path.read_text()) if path.exists() else {}
    out["amplitude_m"], out["correlation_length_m"], out["cell_m"] = AMPLITUDE, CORRELATION, 4e-9
    for seed in args.seeds:
        start = time.perf_counter()
        land = landscape(args.device, seed)
        seconds = time.perf_counter() - start
        v = land.depinning_voltages(BIAS)
        land.save(HERE / f"landscape-{args.device}-rough-s{seed}.npz")
        out[f"seed {seed}"] = {
            "seconds": seconds,
            "v_dep_quasi_static_V": [float(x) for x in v],
            "stable_points_m": land.stable_points(BIAS).tolist(),
        }
        print(args.device, seed, f"{seconds:.0f} s", np.round(v, 3), flush=True)
        path.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
