"""Field-driven wall motion far above the Walker field on smooth strips: the 2-D micromagnetic
wall against the rigid (q, phi) wall on the same timeline (issue 17;
results/paper-scale/README.md, "Reset").

Two smooth straight strips without notches, 1 um long, 50 and 100 nm wide, 4 nm cells, the
scaled trapezoid's material. The wall starts at x = 900 nm (a tanh profile, phi = 0) and a
uniform field H_z < 0 (-4 mT, the write bias; -42 mT, the reset field) pushes it towards x = 0
for 8 ns:

- micromagnetics as the direct runs (float32, dt = 1e-13 s, demag at both Heun stages): 4 walls
  at 300 K (the unrenormalised material), and one at T = 0 for -4 mT;
- the rigid (q, phi) wall of ``physics.multiscale.wall_model`` on a flat landscape (no
  pinning) of the same width, same start and field: 16 walls at 300 K with the material
  renormalised by thermal_m = 0.95 (as the multiscale calculator runs the fast-edge scaled
  cases), and one at T = 0 with the unrenormalised material.

The wall's position is sampled every 0.4 ns (micromagnetics: the equal-area position with
domains at |m_z| = 0.927 at 300 K, 1 at T = 0). Two speeds per wall: early, the slope of a
line fitted to the samples of 0.4-2 ns; and the mean over the run, (start - position at 8 ns)
/ 8 ns, both only while the wall is more than 40 nm from either end. A rigid wall above
Walker breakdown moves fast for the first half of its precession period (2 pi / (gamma0 H),
8.9 ns at -4 mT) and then back, so the two speeds tell a sustained motion from a transient
one. Writes ``walker-plateau.json`` (resuming: rows already there are kept).

    PYTHONPATH=. .venv/bin/python results/paper-scale/reset/walker_plateau.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
THERMAL_M = 0.95
WIDTHS = (50e-9, 100e-9)
LENGTH = 1e-6
CELL = (4e-9, 4e-9)
START = 900e-9
T_RUN, N_SAMPLES = 8e-9, 20
EARLY = (0.4e-9, 2e-9)
WALLS, MODEL_WALLS, SEED, DT = 4, 16, 5, 1e-13
MODEL_DT = 2e-13
DOMAIN_MZ = 0.927
"""|m_z| of the domains at 300 K and 4 nm cells (the direct runs' ``domain_mz``)."""
MU0 = 4e-7 * math.pi
CASES = [(w, h, 300.0) for w in WIDTHS for h in (-4e-3, -42e-3)] + [(w, -4e-3, 0.0) for w in WIDTHS]
"""(width (m), field (T), temperature (K))."""


def material():
    """The scaled trapezoid's material (that of ``reset-field-direct.toml``), unrenormalised
    (the thermal micromagnetics renormalise it themselves)."""
    import tomllib

    from physics.experiment.spec import RunSpec

    spec = RunSpec.from_dict(tomllib.loads((HERE / "reset-field-direct.toml").read_text()))
    return spec.material_object()


def speeds(t: np.ndarray, x: np.ndarray) -> dict:
    """Early and whole-run speeds (m/s, towards x = 0) of each wall (rows of x, m) sampled at
    t (s); NaN where the wall came within 40 nm of an end before the window closed."""
    inside = (x > 40e-9) & (x < LENGTH - 40e-9)
    early, mean = [], []
    window = (t >= EARLY[0] - 1e-12) & (t <= EARLY[1] + 1e-12)
    for xi, ok in zip(x, inside, strict=True):
        k = window & ok
        early.append(float(-np.polyfit(t[k], xi[k], 1)[0]) if k.sum() >= 3 else float("nan"))
        mean.append(float((START - xi[-1]) / t[-1]) if ok.all() else float("nan"))
    return {"early_m_per_s": early, "mean_m_per_s": mean}


def micromagnetic(width: float, field_T: float, temperature: float) -> dict:
    import jax.numpy as jnp

    from geometries.track import Track
    from physics.device import build_system
    from physics.engine.ensemble import ensemble_keys, run_ensemble
    from physics.engine.system import build_params
    from physics.multiscale.path import position_from_area

    track = Track.straight(width, LENGTH)
    system = build_system(
        track,
        material(),
        CELL,
        temperature=temperature,
        bias_field=(0.0, 0.0, field_T / MU0),
        wall_position=START,
    )
    m0, params, _ = build_params(system, dtype=jnp.float32)
    domain = DOMAIN_MZ if temperature > 0 else 1.0
    dxdy = CELL[0] * CELL[1]

    def up_area(m, params, t):
        up = jnp.clip(0.5 * (1 + m[..., 2] / domain), 0.0, 1.0)
        return jnp.sum(up * params.mask) * dxdy

    run = run_ensemble(
        m0,
        params,
        ensemble_keys(SEED, WALLS if temperature > 0 else 1),
        dt=DT,
        steps_per_output=int(round(T_RUN / N_SAMPLES / DT)),
        n_outputs=N_SAMPLES,
        demag_update="stage",
        observe=up_area,
    )
    area = np.asarray(run.observed)  # (walls, samples), m^2
    t = np.asarray(run.t)[0] if np.ndim(run.t) > 1 else np.asarray(run.t)
    widths = np.full(int(round(LENGTH / CELL[0])), width)
    x = position_from_area(area, widths, 0.0, CELL[0])
    return {"t_s": t.astype(float).tolist(), "position_m": x.tolist(), **speeds(t, x)}


def flat_model(mat, width: float, length: float = LENGTH, h_sot: float = 0.0):
    """The rigid (q, phi) wall of ``mat`` on a flat landscape (no pinning) over [0, length] (m)
    of a strip ``width`` (m) wide, with ``h_sot`` (A/m per V) everywhere."""
    from physics.multiscale.landscape import neel_bloch_field
    from physics.multiscale.wall_model import WallModel

    delta = mat.wall_width
    q = np.linspace(0.0, length, 1001)
    return WallModel(
        q_grid=q,
        h_pin=np.zeros_like(q),
        h_sot=np.full_like(q, h_sot),
        width=np.full_like(q, width),
        Ms=mat.Ms,
        thickness=mat.t_fm,
        alpha=mat.alpha,
        delta=delta,
        h_dmi=mat.D / (MU0 * mat.Ms * delta),
        h_k=neel_bloch_field(mat.Ms, mat.t_fm, delta),
    )


def rigid(width: float, field_T: float, temperature: float) -> dict:
    from physics.engine.ensemble import ensemble_keys
    from physics.multiscale.renormalise import renormalised
    from physics.multiscale.wall_model import run_pulses

    mat = renormalised(material(), THERMAL_M) if temperature > 0 else material()
    delta = mat.wall_width
    model = flat_model(mat, width)
    n = MODEL_WALLS if temperature > 0 else 1
    every = int(round(T_RUN / N_SAMPLES / MODEL_DT))
    r = run_pulses(
        model,
        np.full(n, START),
        0.0,
        0.0,
        field_T / MU0,
        temperature,
        ensemble_keys(SEED, n),
        rise=0.0,
        plateau=T_RUN,
        fall=0.0,
        settle=0.0,
        dt=MODEL_DT,
        record_every=every,
    )
    x = np.asarray(r.q_record, dtype=float)
    t = T_RUN / N_SAMPLES * np.arange(1, x.shape[1] + 1)
    h_w = model.alpha * math.pi / 2 * model.h_dmi
    return {
        "thermal_m": THERMAL_M if temperature > 0 else 1.0,
        "walker_velocity_m_per_s": 2.211e5 * delta * math.pi / 2 * model.h_dmi,
        "walker_field_A_per_m": h_w,
        "precession_period_s": 2 * math.pi / (2.211e5 * abs(field_T) / MU0),
        **speeds(t, x),
    }


def main() -> None:
    out = HERE / "walker-plateau.json"
    old = json.loads(out.read_text())["rows"] if out.exists() else []
    done = {(r["width_m"], r["field_T"], r["temperature_K"]): r for r in old if "rigid" in r}
    rows = []
    for width, field, temperature in CASES:
        row = done.get((width, field, temperature))
        if row is None:
            row = {
                "width_m": width,
                "field_T": field,
                "temperature_K": temperature,
                "micromagnetics": micromagnetic(width, field, temperature),
                "rigid": rigid(width, field, temperature),
            }
        rows.append(row)
        mm, rw = row["micromagnetics"], row["rigid"]
        print(
            f"{width * 1e9:.0f} nm, {field * 1e3:.0f} mT, {temperature:.0f} K: micromagnetics "
            f"{np.nanmean(mm['early_m_per_s']):.0f} m/s early, "
            f"{np.nanmean(mm['mean_m_per_s']):.0f} m/s over 8 ns; rigid wall "
            f"{np.nanmean(rw['early_m_per_s']):.0f} / {np.nanmean(rw['mean_m_per_s']):.0f} m/s "
            f"(v_W {rw['walker_velocity_m_per_s']:.0f} m/s)",
            flush=True,
        )
        out.write_text(json.dumps({"rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
