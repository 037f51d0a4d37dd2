"""The landscape's quasi-static thresholds of every scaled-trapezoid notch against slowly driven
T = 0 LLG (issue 17; README "Adiabatic edges at 300 K").

For each notch k: the wall relaxed at notch k (-4 mT, 4 nm, float64 RKF54), then a DC voltage
reached over a 3 ns ramp and held for 6 ns (straight_adiabatic_check.wall_track), at 0.9 and
1.1 of the landscape's quasi-static V_dep(k) (thermal_m = 1, the windows). The landscape link
holds for notch k when the wall stays in notch k's well at 0.9 V_dep and leaves it at 1.1 V_dep.
Writes ``quasi-static-check.json``.

    PYTHONPATH=. nice -n 5 .venv/bin/python results/paper-scale/adiabatic/quasi_static_check.py
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from straight_adiabatic_check import wall_track  # noqa: E402

from physics.experiment.simulate_multiscale import spec_landscape  # noqa: E402
from physics.experiment.spec import RunSpec  # noqa: E402

SPEC = HERE / "trapezoid-ramp-multiscale.toml"
RISE_S, T_S = 3e-9, 6e-9


def main() -> None:
    spec = RunSpec.from_dict(tomllib.loads(SPEC.read_text()))
    land = spec_landscape(spec, thermal_m=1.0)
    v_dep = np.asarray(land.depinning_voltages(float(spec.protocol.ramps[0].bias_h)))
    c = np.asarray(land.notch_centres)
    rows = []
    for k in range(c.size):
        exit_x = 0.5 * (c[k] + c[k + 1]) if k + 1 < c.size else c[k] + 0.5 * (c[k] - c[k - 1])
        for f in (0.9, 1.1):
            x = wall_track(spec, f * float(v_dep[k]), RISE_S, T_S, notch=k)
            rows.append(
                {
                    "notch": k,
                    "v_over_v_dep": f,
                    "volts": f * float(v_dep[k]),
                    "exit_x_nm": 1e9 * exit_x,
                    "x_nm": [1e9 * v for v in x],
                    "left": bool(max(x) > exit_x),
                }
            )
            print(k, f, "left" if rows[-1]["left"] else "held", flush=True)
    out = {"v_dep_landscape_V": v_dep.tolist(), "rise_s": RISE_S, "t_s": T_S, "rows": rows}
    (HERE / "quasi-static-check.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
