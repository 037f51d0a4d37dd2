"""Is trapezoid notch 2's over-pinning a branch of the constrained path? Its window swept
forward (the landscape's own direction) and backward over the same core (issue 17;
results/paper-scale/README.md, "What is missing").

The calibration trapezoid (4 nm cells, thermal_m = 1, the default windows): notch 2's window
core, the constrained path over it with increasing and with decreasing wall positions
(``physics.multiscale.window.window_path``), the largest differences of h_pin and h_sot, and
notch 2's quasi-static V_dep at -4 mT from each (the rest of the landscape as committed).
Writes ``notch2-sweep-back.json``.

    PYTHONPATH=. .venv/bin/python results/paper-scale/adiabatic/notch2_sweep_back.py
"""

from __future__ import annotations

import dataclasses
import json
import math
import tomllib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
NOTCH = 2
MU0 = 4e-7 * math.pi


def main() -> None:
    import physics.experiment.simulate_multiscale as sm
    from physics.experiment.spec import RunSpec
    from physics.multiscale.renormalise import renormalised
    from physics.multiscale.window import default_windows, whole_track_current, window_path

    spec = RunSpec.from_dict(tomllib.loads((HERE / "trapezoid-ramp-direct.toml").read_text()))
    land = sm.spec_landscape(spec, thermal_m=1.0)
    material = renormalised(spec.material_object(), 1.0)
    track, cell = spec.track(), spec.cell[:2]
    bias = -4e-3 / MU0
    window = default_windows(track, material.wall_width, cell)[NOTCH]
    core = (land.q >= window.q_a - 1e-12) & (land.q <= window.q_b + 1e-12)
    qs = land.q[core]
    current = whole_track_current(track, material, cell)
    out: dict = {"notch": NOTCH, "q_range_m": [float(qs[0]), float(qs[-1])]}
    fields = {}
    for name, targets in (("forward", qs), ("backward", qs[::-1])):
        r = window_path(track, material, cell, window, targets, current=current)
        order = np.argsort(r.q)
        h = np.interp(qs, r.q[order], r.h_hold[order])
        s = np.interp(qs, r.q[order], np.asarray(r.h_sot)[order])
        fields[name] = (h, s)
        h_pin, h_sot = np.array(land.h_pin), np.array(land.h_sot)
        h_pin[core], h_sot[core] = h, s
        v = dataclasses.replace(land, h_pin=h_pin, h_sot=h_sot).depinning_voltages(bias)
        out[name] = {
            "converged": bool(r.converged.all()),
            "snaps": int(r.snap.sum()),
            "v_dep_V": float(v[NOTCH]),
        }
    (hf, sf), (hb, sb) = fields["forward"], fields["backward"]
    out["max_abs_h_pin_difference_A_per_m"] = float(np.max(np.abs(hf - hb)))
    out["max_rel_h_sot_difference"] = float(np.max(np.abs(sb / sf - 1)))
    out["h_pin_range_mT"] = [float(hf.min() * MU0 * 1e3), float(hf.max() * MU0 * 1e3)]
    print(json.dumps(out, indent=1))
    (HERE / "notch2-sweep-back.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
