"""Field-driven depinning of the scaled straight track at T = 0: the landscape against an
unconstrained minimisation (issue 17; README "The straight track at T = 0, and what the 50 ps
edges do").

The straight track's landscape threshold (0.26 V) is 1.6-1.9x the direct T = 0 runs' with
50 ps pulse edges (0.14-0.16 V). This separates the two parts of the landscape's threshold
V_dep = (h_pin - H_bias) / h_sot: the pinning field h_pin alone is checked against the engine's
own minimiser (HysteresisDriver: the wall at notch 0, no bias, +z field in 1 mT steps, each
step minimised from the previous state) at 4 nm cells and bare parameters. (It is right; the
SOT drive is right too when the pulse edges are slow: straight_adiabatic_check.py.) Writes
``straight-field-check.json``.

    PYTHONPATH=. nice -n 5 .venv/bin/python results/paper-scale/straight_field_check.py
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np

from physics.device import build_system
from physics.engine.drivers import HysteresisDriver
from physics.experiment.simulate_multiscale import spec_landscape
from physics.experiment.spec import RunSpec
from physics.materials import MU0

HERE = Path(__file__).resolve().parent
SPEC = HERE / "validation" / "straight-ramp-T0-multiscale.toml"


def main() -> None:
    spec = RunSpec.from_dict(tomllib.loads(SPEC.read_text()))
    land = spec_landscape(spec, thermal_m=1.0)
    q, h, c = (np.asarray(a) for a in (land.q, land.h_pin, land.notch_centres))
    exit_ = (q >= c[0]) & (q <= 0.5 * (c[0] + c[1]))
    h_max = float(h[exit_].max())
    i_max = int(np.flatnonzero(exit_)[np.argmax(h[exit_])])
    system = build_system(
        spec.track(), spec.material_object(), spec.cell, bias_field=(0, 0, 0), wall_at_notch=0
    )
    fields_mT = np.arange(0.0, 30.5, 1.0)
    HysteresisDriver().drive(
        system, Hsteps=[[(0, 0, 0), (0, 0, fields_mT[-1] * 1e-3 / MU0), fields_mT.size]], verbose=0
    )
    mz = np.asarray(system.table.data["mz"], dtype=float)
    jump = int(np.flatnonzero(np.diff(mz) > 0.1)[0])  # the first step that moves the wall on
    bias = float(spec.protocol.ramps[0].bias_h)
    v_qs = float(land.depinning_voltages(bias)[0])
    out = {
        "landscape_h_pin_max_A_per_m": h_max,
        "landscape_h_pin_max_mT": MU0 * h_max * 1e3,
        "landscape_h_sot_at_that_q_A_per_m_per_V": float(np.asarray(land.h_sot)[i_max]),
        "landscape_quasi_static_v_dep_V": v_qs,
        "minimiser_held_at_mT": float(fields_mT[jump]),
        "minimiser_depinned_at_mT": float(fields_mT[jump + 1]),
        "minimiser_mean_mz": mz.tolist(),
        "fields_mT": fields_mT.tolist(),
    }
    (HERE / "straight-field-check.json").write_text(json.dumps(out, indent=1) + "\n")
    print({k: v for k, v in out.items() if not isinstance(v, list)})


if __name__ == "__main__":
    main()
