"""Adiabatic SOT depinning of the scaled straight track at T = 0: the landscape's quasi-static
threshold against T = 0 LLG driven by a slow ramp (issue 17; README "Where the straight-track
miss starts").

The direct T = 0 ladders (1.5 ns and 10 ns pulses) depin the straight track's wall from notch 0
between 0.14 and 0.16 V, where the landscape's quasi-static threshold is 0.262 V. Both ladders
used 50 ps edges. On the trapezoid, a 3 ns ramp holds the wall at 0.9 V_dep and moves it at
1.1 V_dep, while 50 ps edges depin it 20-30 % lower (tests/test_multiscale_landscape.py): the
edge kicks the wall. This runs the same check on the straight track: the wall relaxed at notch
0 (-4 mT, 4 nm, float64 RKF54), then a DC voltage reached over a ``rise`` ramp and held, for
0.9 and 1.1 V_dep and the ladders' 0.16 V; then 0.9 V_dep reached over shorter ramps (1, 0.5,
0.2 ns and the ladders' 50 ps), to find how slow an edge must be for the wall to see only the
landscape. Writes ``straight-adiabatic-check.json``.

    PYTHONPATH=. nice -n 5 .venv/bin/python results/paper-scale/straight_adiabatic_check.py
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np

import physics.engine as pe
from physics.device import build_system
from physics.experiment.simulate_multiscale import spec_landscape
from physics.experiment.spec import RunSpec
from physics.multiscale.path import column_widths, position_from_area, written_area
from physics.pulses import TrapezoidalPulse

HERE = Path(__file__).resolve().parent
SPEC = HERE / "validation" / "straight-ramp-T0-multiscale.toml"
RISE_S = 3e-9
T_S = 8e-9


def wall_track(spec: RunSpec, volts: float, rise: float, t: float, notch: int = 0) -> list[float]:
    """Wall position (m) at 8 equally spaced times of a T = 0 run from notch ``notch``: the
    wall relaxed there at the spec's bias, then ``volts`` reached over a linear ramp of
    ``rise`` s and held."""
    track, cell = spec.track(), spec.cell
    pulse = TrapezoidalPulse(amplitude=volts, rise=rise, plateau=50e-9, fall=1e-9)
    bias = float(spec.protocol.ramps[0].bias_h)
    system = build_system(
        track,
        spec.material_object(),
        cell,
        bias_field=(0, 0, bias),
        wall_at_notch=notch,
        pulse=pulse,
    )
    pe.MinDriver(stopping_mxHxm=0.1).drive(system)
    driver = pe.TimeDriver(save_m=True)
    driver.drive(system, t=t, n=8)
    mask = track.mask(*cell[:2])
    widths = column_widths(mask, cell[1])
    assert driver.m_snapshots is not None
    return [
        float(position_from_area(written_area(m, mask, cell), widths, 0.0, cell[0]))
        for m in driver.m_snapshots
    ]


def main() -> None:
    spec = RunSpec.from_dict(tomllib.loads(SPEC.read_text()))
    land = spec_landscape(spec, thermal_m=1.0)
    bias = float(spec.protocol.ramps[0].bias_h)
    v_dep = float(land.depinning_voltages(bias)[0])
    c = np.asarray(land.notch_centres)
    exit_x = float(0.5 * (c[0] + c[1]))
    cases = [(0.16, RISE_S), (0.9 * v_dep, RISE_S), (1.1 * v_dep, RISE_S)]
    cases += [(0.9 * v_dep, r) for r in (1e-9, 0.5e-9, 0.2e-9, 0.05e-9)]
    rows = []
    for volts, rise in cases:
        x = wall_track(spec, volts, rise, T_S)
        rows.append(
            {
                "volts": volts,
                "v_over_v_dep": volts / v_dep,
                "rise_s": rise,
                "x_nm": [1e9 * v for v in x],
                "left_notch_0": bool(max(x) > exit_x),
            }
        )
        print(
            f"{volts:.3f} V ({volts / v_dep:.2f} V_dep), rise {rise * 1e9:.2f} ns:",
            "left" if rows[-1]["left_notch_0"] else "held",
            [round(1e9 * v, 1) for v in x],
            flush=True,
        )
    out = {
        "v_dep_landscape_V": v_dep,
        "exit_x_nm": 1e9 * exit_x,
        "t_s": T_S,
        "bias_A_per_m": bias,
        "rows": rows,
    }
    (HERE / "straight-adiabatic-check.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
