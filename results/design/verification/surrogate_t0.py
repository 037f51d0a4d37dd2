"""The design model's T = 0 thresholds of the designed scaled tracks, for the material of the
micromagnetic T = 0 ladder (bare ta-cofeb-mgo-trapezoid, thermal_m = 1) and for the design's own
(thermal_m = 0.95), written next to the ladder for the comparison in results/design/README.md.

    PYTHONPATH=. .venv/bin/python results/design/verification/surrogate_t0.py
"""

from __future__ import annotations

import json
from pathlib import Path

import jax
import numpy as np

import geometries
from design.depinning import Pulse, quasi_static_thresholds
from design.surrogate import load_calibration, profile_of
from physics.materials import MU0, load_material
from physics.multiscale.renormalise import renormalised

HERE = Path(__file__).resolve().parent
DESIGNS = ("scaled-4-levels", "scaled-fmeta-half", "scaled-3-levels-calibrated")


def main() -> None:
    out = {}
    base = load_material("ta-cofeb-mgo-trapezoid")
    with jax.enable_x64(True):
        for name in DESIGNS:
            track = geometries.load_preset(HERE.parent / name / f"{name}.toml")
            row = {}
            for m in (1.0, 0.95):
                v = quasi_static_thresholds(
                    profile_of(track),
                    renormalised(base, m),
                    load_calibration(),
                    Pulse(duration=1.5e-9, temperature=0.0, bias=-4e-3 / MU0),
                )
                row[f"thermal_m={m:g}"] = np.round(np.asarray(v), 4).tolist()
            out[name] = row
    (HERE / "surrogate-t0.json").write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
