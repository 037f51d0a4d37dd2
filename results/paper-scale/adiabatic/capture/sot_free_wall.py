"""SOT-driven wall on a smooth strip at T = 0: the 2-D micromagnetic wall against the rigid
(q, phi) wall (issue 17; results/paper-scale/README.md, "Straight track, two seeds").

On the straight track the 2-D wall gets 11-47 nm further per pulse than the rigid wall
(``capture.py --case straight``). This asks whether that is the wall itself, without notches:
a 50 nm x 1 um strip of the straight track's material (unrenormalised, 4 nm cells), the wall
written at x = 150 nm and relaxed for 1 ns under the -4 mT bias, then one pulse (1 ns edges,
3 ns plateau, then 2 ns at V = 0) whose current density equals that of the 300 nm straight
track at ``VOLTS`` (the strip's voltage scaled by its length, uniform J = V / (rho L)).
Micromagnetics: the JAX engine, float32, dt = 1e-13 s, demag at both Heun stages, the wall's
equal-area position every 0.1 ns (the pulse sampled up to the run's end: ``build_params(...,
t_end=...)``). Rigid wall: a flat landscape of the same width with h_sot = (pi/2) H_DL(J) per
volt (the straight-strip value the landscape reproduces to 5 %,
tests/test_multiscale_landscape.py), the same material, start, relaxation, bias and pulse,
dt = 2e-13 s. Reports each wall's speed on the plateau (a line through 2-4 ns after the pulse
starts), its farthest point and its position at the end. Writes ``sot-free-wall.json``.

    PYTHONPATH=. nice -n 5 .venv/bin/python results/paper-scale/adiabatic/capture/sot_free_wall.py
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
VOLTS = (0.26, 0.34)
"""Voltages on the 300 nm straight track whose current density the strip gets."""
TRACK_LENGTH = 300e-9
WIDTH, LENGTH, START = 50e-9, 1e-6, 150e-9
CELL = (4e-9, 4e-9)
RELAX, RISE, PLATEAU, FALL, SETTLE = 1e-9, 1e-9, 3e-9, 1e-9, 2e-9
DT, MODEL_DT, SAMPLE = 1e-13, 2e-13, 1e-10
BIAS_T = -4e-3
MU0 = 4e-7 * math.pi
FIT = (2e-9, 4e-9)
"""Window of the plateau speed (s, from the pulse's start)."""


def material():
    from physics.experiment.spec import RunSpec

    text = (HERE.parent / "straight-ramp-direct.toml").read_text()
    return RunSpec.from_dict(tomllib.loads(text)).material_object()


def strip_voltage(v: float) -> float:
    """The strip's voltage for the current density of the straight track at v (V)."""
    return v * LENGTH / TRACK_LENGTH


def micromagnetic(v: float) -> tuple[np.ndarray, np.ndarray]:
    import jax.numpy as jnp

    from geometries.track import Track
    from physics.device import build_system
    from physics.engine.ensemble import ensemble_keys, run_ensemble
    from physics.engine.system import build_params
    from physics.multiscale.path import position_from_area
    from physics.pulses import TrapezoidalPulse

    track = Track.straight(WIDTH, LENGTH)
    pulse = TrapezoidalPulse(
        amplitude=strip_voltage(v), rise=RISE, plateau=PLATEAU, fall=FALL, delay=RELAX
    )
    system = build_system(
        track,
        material(),
        CELL,
        bias_field=(0.0, 0.0, BIAS_T / MU0),
        wall_position=START,
        pulse=pulse,
    )
    total = RELAX + RISE + PLATEAU + FALL + SETTLE
    # t_end: the pulse is sampled up to it (without it, only its value at t = 0)
    m0, params, _ = build_params(system, dtype=jnp.float32, t_end=total)
    dxdy = CELL[0] * CELL[1]

    def up_area(m, params, t):
        return jnp.sum(jnp.clip(0.5 * (1 + m[..., 2]), 0.0, 1.0) * params.mask) * dxdy

    n = int(round(total / SAMPLE))
    run = run_ensemble(
        m0,
        params,
        ensemble_keys(0, 1),
        dt=DT,
        steps_per_output=int(round(SAMPLE / DT)),
        n_outputs=n,
        demag_update="stage",
        observe=up_area,
    )
    area = np.asarray(run.observed, dtype=float).reshape(-1)
    t = np.asarray(run.t, dtype=float).reshape(-1)[-n:] - RELAX
    widths = np.full(int(round(LENGTH / CELL[0])), WIDTH)
    keep = t > 1e-13
    return t[keep], position_from_area(area, widths, 0.0, CELL[0])[keep]


def rigid(v: float) -> tuple[np.ndarray, np.ndarray]:
    import sys

    from physics.device import spin_hall_field
    from physics.engine.ensemble import ensemble_keys
    from physics.multiscale.wall_model import run_pulses

    sys.path.insert(0, str(HERE.parents[1] / "reset"))
    from walker_plateau import flat_model

    mat = material()
    h_sot = math.pi / 2 * float(spin_hall_field(1.0 / (mat.rho_hm * LENGTH), mat))
    model = flat_model(mat, WIDTH, LENGTH, h_sot)
    relaxed = run_pulses(  # 1 ns under the bias alone, as the micromagnetic wall
        model,
        np.array([START]),
        0.0,
        0.0,
        BIAS_T / MU0,
        0.0,
        ensemble_keys(1, 1),
        rise=0.0,
        plateau=RELAX,
        fall=0.0,
        settle=0.0,
        dt=MODEL_DT,
    )
    r = run_pulses(
        model,
        np.asarray(relaxed.q),
        np.asarray(relaxed.phi),
        strip_voltage(v),
        BIAS_T / MU0,
        0.0,
        ensemble_keys(0, 1),
        rise=RISE,
        plateau=PLATEAU,
        fall=FALL,
        settle=SETTLE,
        dt=MODEL_DT,
        record_every=int(round(SAMPLE / MODEL_DT)),
    )
    x = np.asarray(r.q_record, dtype=float)[0]
    return SAMPLE * np.arange(1, x.size + 1), x


def summary(t: np.ndarray, x: np.ndarray) -> dict:
    k = (t >= FIT[0] - 1e-12) & (t <= FIT[1] + 1e-12)
    return {
        "t_s": t.tolist(),
        "position_m": x.tolist(),
        "plateau_speed_m_per_s": float(np.polyfit(t[k], x[k], 1)[0]),
        "end_m": float(x[-1]),
        "farthest_m": float(x.max()),
    }


def main() -> None:
    rows = []
    for v in VOLTS:
        row = {
            "track_voltage_V": v,
            "strip_voltage_V": strip_voltage(v),
            "micromagnetics": summary(*micromagnetic(v)),
            "rigid": summary(*rigid(v)),
        }
        rows.append(row)
        a, b = row["micromagnetics"], row["rigid"]
        print(
            f"{v:.2f} V: plateau speed {a['plateau_speed_m_per_s']:.1f} m/s (2-D) against "
            f"{b['plateau_speed_m_per_s']:.1f} m/s (rigid); farthest {a['farthest_m'] * 1e9:.0f}"
            f" / {b['farthest_m'] * 1e9:.0f} nm",
            flush=True,
        )
    (HERE / "sot-free-wall.json").write_text(json.dumps({"rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
