"""The design surrogate's edge roughness against micromagnetics (issue 19, step 3): windowed
T = 0 landscapes (physics.multiscale.window, constrained minimisation along the wall position)
of the scaled trapezoid with smooth edges and with geometries' seeded rough edges, against the
closed-form surrogate on the same tracks and material. Nothing in the surrogate was fitted to
rough tracks (its calibration, design/calibration.json, used smooth ones only).

Compared per notch: the quasi-static T = 0 threshold V_qs (V) of each track, and the change
the rough edges make, V_qs(rough) / V_qs(smooth) - 1, which cancels the surrogate's own
calibration error on the smooth track. Cells: 2 nm (a 2 nm RMS roughness moves the edges by
less than one 4 nm cell almost everywhere, so 4 nm cells would mostly not see it).
Material: the preset's, renormalised with thermal_m = 0.95, as the calibration landscapes
(results/design/calibration_landscapes.py).

    DWMTJ_LANDSCAPES=/tmp/landscapes PYTHONPATH=. .venv/bin/python \\
        results/design/roughness/roughness_check.py [--seeds 1 2] [--cell 2e-9]

writes roughness-check.json beside this file and the landscapes as .npz.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import jax
import numpy as np

from design.depinning import Pulse, quasi_static_thresholds
from design.surrogate import load_calibration, profile_of
from geometries import Track
from physics.experiment.simulate_multiscale import spec_landscape
from physics.experiment.spec import RunSpec
from physics.materials import MU0, Material
from physics.multiscale.landscape import WallLandscape

HERE = Path(__file__).resolve().parent
AMPLITUDE = 2e-9
"""RMS displacement per edge (m): e-beam lithography's line-edge roughness scale."""
CORRELATION = 20e-9
"""Correlation length along x (m)."""
BIAS = -4e-3 / MU0
"""The scaled presets' bias field (A/m along z)."""


def geometry(seed: int | None) -> dict:
    g: dict = {"preset": "scaled-trapezoid"}
    if seed is not None:
        g["roughness"] = {"amplitude": AMPLITUDE, "correlation_length": CORRELATION, "seed": seed}
    return g


def landscape(seed: int | None, cell: float) -> tuple[WallLandscape, float]:
    spec = RunSpec.from_dict(
        {
            "geometry": geometry(seed),
            "cell": [cell, cell],
            "calculator": {"name": "multiscale", "thermal_m": 0.95},
            "protocol": {"kind": "voltage_ramp", "v_start": 0.1, "v_stop": 0.2, "n_steps": 2},
        }
    )
    start = time.perf_counter()
    land = spec_landscape(spec, thermal_m=0.95, progress=False)
    return land, time.perf_counter() - start


def surrogate_vqs(land: WallLandscape) -> np.ndarray:
    """The surrogate's T = 0 thresholds (V) for the landscape's own track and material."""
    track = Track.from_dict(land.meta["geometry"])
    material = Material(**land.meta["material"])
    with jax.enable_x64(True):
        v = quasi_static_thresholds(
            profile_of(track), material, load_calibration(), Pulse(1.5e-9, 300.0, BIAS)
        )
    return np.asarray(v)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--cell", type=float, default=2e-9)
    parser.add_argument("--json", default=str(HERE / "roughness-check.json"))
    args = parser.parse_args()
    rows = []
    smooth_mm = smooth_sur = None
    for seed in [None, *args.seeds]:
        land, seconds = landscape(seed, args.cell)
        name = "smooth" if seed is None else f"rough-seed{seed}"
        land.save(HERE / f"landscape-{name}-{args.cell * 1e9:.0f}nm.npz")
        mm = np.asarray(land.depinning_voltages(BIAS), dtype=float)
        sur = surrogate_vqs(land)
        row = {
            "track": name,
            "seed": seed,
            "seconds": seconds,
            "micromagnetic_vqs_V": mm.tolist(),
            "surrogate_vqs_V": sur.tolist(),
            "surrogate_over_micromagnetic": (sur / mm).tolist(),
        }
        if seed is None:
            smooth_mm, smooth_sur = mm, sur
        else:
            row["micromagnetic_change"] = (mm / smooth_mm - 1).tolist()
            row["surrogate_change"] = (sur / smooth_sur - 1).tolist()
        rows.append(row)
        print(
            f"{name:12s} {seconds:5.0f} s  mm "
            + " ".join(f"{v:.3f}" for v in mm)
            + "  surrogate "
            + " ".join(f"{v:.3f}" for v in sur)
            + (
                "  change mm/sur "
                + " ".join(
                    f"{a:+.2f}/{b:+.2f}"
                    for a, b in zip(
                        row["micromagnetic_change"], row["surrogate_change"], strict=True
                    )
                )
                if seed is not None
                else ""
            ),
            flush=True,
        )
        out = {
            "amplitude_m": AMPLITUDE,
            "correlation_length_m": CORRELATION,
            "cell_m": args.cell,
            "thermal_m": 0.95,
            "bias_A_per_m": BIAS,
            "rows": rows,
        }
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
