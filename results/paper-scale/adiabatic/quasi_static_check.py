"""The landscape's quasi-static thresholds of every scaled-trapezoid notch against slowly driven
T = 0 LLG (issue 17; README "Adiabatic edges at 300 K").

For each notch k: the wall relaxed at notch k (-4 mT, 4 nm, float64 RKF54), then a DC voltage
reached over a 3 ns ramp and held for 6 ns (straight_adiabatic_check.wall_track), at 0.9 and
1.1 of the landscape's quasi-static V_dep(k) (thermal_m = 1, the windows). The landscape link
holds for notch k when the wall stays in notch k's well at 0.9 V_dep and leaves it at 1.1 V_dep.
``--notches`` and ``--factors`` bracket one notch more finely; rows are merged into
``quasi-static-check.json`` (a rerun of the same notch and factor replaces its row).

    PYTHONPATH=. nice -n 5 .venv/bin/python results/paper-scale/adiabatic/quasi_static_check.py
    PYTHONPATH=. nice -n 5 .venv/bin/python results/paper-scale/adiabatic/quasi_static_check.py \\
        --notches 2 --factors 0.8 0.85
"""

from __future__ import annotations

import argparse
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notches", type=int, nargs="+", default=None, help="default: all")
    parser.add_argument("--factors", type=float, nargs="+", default=[0.9, 1.1])
    args = parser.parse_args()
    out_path = HERE / "quasi-static-check.json"
    old = json.loads(out_path.read_text())["rows"] if out_path.exists() else []
    spec = RunSpec.from_dict(tomllib.loads(SPEC.read_text()))
    land = spec_landscape(spec, thermal_m=1.0)
    v_dep = np.asarray(land.depinning_voltages(float(spec.protocol.ramps[0].bias_h)))
    c = np.asarray(land.notch_centres)
    rows = []
    for k in range(c.size) if args.notches is None else args.notches:
        exit_x = 0.5 * (c[k] + c[k + 1]) if k + 1 < c.size else c[k] + 0.5 * (c[k] - c[k - 1])
        for f in args.factors:
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
    new = {(r["notch"], r["v_over_v_dep"]) for r in rows}
    rows = [r for r in old if (r["notch"], r["v_over_v_dep"]) not in new] + rows
    rows.sort(key=lambda r: (r["notch"], r["v_over_v_dep"]))
    out = {"v_dep_landscape_V": v_dep.tolist(), "rise_s": RISE_S, "t_s": T_S, "rows": rows}
    out_path.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
