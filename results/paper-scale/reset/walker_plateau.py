"""Field-driven wall speed far above the Walker field at 300 K on smooth tracks: is the fast
reverse motion of the reset a property of the 2-D wall, or of the notched taper? (issue 17;
results/paper-scale/README.md, "Reset").

Three smooth tracks without notches, 300 nm long (straight 50 nm, straight 100 nm, and the
scaled trapezoid's 25 -> 100 nm taper), 4 nm cells, the scaled trapezoid's material, 300 K
thermal micromagnetics as the direct runs (float32, dt = 1e-13 s, 4 walls). The wall starts
at x = 250 nm and a uniform field H_z < 0 (-4 mT, the write bias; -42 mT, the reset field)
pushes it towards the IN end. Its equal-area position (domains at |m_z| = 0.927) is sampled
every 0.2 ns over 2 ns; the speed is the slope of a line fitted to the samples from 0.4 ns on
while the wall is more than 40 nm from either end. For scale: the rigid wall's Walker
velocity v_W = (pi/2) gamma0 delta h_dmi and its time-averaged 1-D speed
gamma0 delta / (1 + alpha^2) (alpha H + (H - sqrt(H^2 - H_W^2)) / alpha), H_W = alpha (pi/2)
h_dmi (h_k = 0), both for the material renormalised with thermal_m = 0.95. Writes
``walker-plateau.json``.

    PYTHONPATH=. .venv/bin/python results/paper-scale/reset/walker_plateau.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
THERMAL_M = 0.95
FIELDS_T = (-4e-3, -42e-3)
TRACKS = ("straight-50nm", "straight-100nm", "trapezoid-smooth")
CELL = (4e-9, 4e-9)
START = 250e-9
T_RUN, N_SAMPLES = 2e-9, 10
TEMPERATURE = 300.0
WALLS, SEED, DT = 4, 5, 1e-13
DOMAIN_MZ = 0.927
"""|m_z| of the domains at 300 K and 4 nm cells (the direct runs' ``domain_mz``)."""
MU0 = 4e-7 * math.pi
GAMMA0 = 2.211e5


def tracks() -> dict:
    """The smooth tracks (no notches), 300 nm long: two straight strips and the scaled
    trapezoid's taper (25 -> 100 nm)."""
    from geometries.track import Track

    return {
        "straight-50nm": Track.straight(50e-9, 300e-9),
        "straight-100nm": Track.straight(100e-9, 300e-9),
        "trapezoid-smooth": Track.trapezoid(25e-9, 100e-9, 300e-9),
    }


def material():
    """The scaled trapezoid's material (that of ``reset-field-direct.toml``), unrenormalised
    (the thermal micromagnetics renormalise it themselves)."""
    import tomllib

    from physics.experiment.spec import RunSpec

    spec = RunSpec.from_dict(tomllib.loads((HERE / "reset-field-direct.toml").read_text()))
    return spec.material_object()


def wall_speed(name: str, field_T: float, temperature: float = TEMPERATURE) -> dict:
    """One case (module docstring): ``WALLS`` walls at ``temperature`` (K), one at T = 0."""
    import jax.numpy as jnp

    from physics.device import build_system
    from physics.engine.ensemble import ensemble_keys, run_ensemble
    from physics.engine.system import build_params
    from physics.multiscale.path import column_widths, position_from_area
    from physics.multiscale.renormalise import renormalised

    track, bare = tracks()[name], material()
    system = build_system(
        track,
        bare,
        CELL,
        temperature=temperature,
        bias_field=(0.0, 0.0, field_T / MU0),
        wall_position=START,
    )
    m0, params, _ = build_params(system, dtype=jnp.float32)
    dxdy = CELL[0] * CELL[1]

    def up_area(m, params, t):
        up = jnp.clip(0.5 * (1 + m[..., 2] / DOMAIN_MZ), 0.0, 1.0)
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
    x0, _, x1, _ = (float(b) for b in track.bounds)
    widths = column_widths(np.asarray(track.mask(*CELL)), CELL[1])
    x = np.array([[position_from_area(a, widths, x0, CELL[0]) for a in row] for row in area])
    # the samples from 0.4 ns on (the first, at 0.2 ns, is the start-up)
    keep = (np.arange(t.size) >= 1)[None, :] & (x > x0 + 40e-9) & (x < x1 - 40e-9)
    speeds = [
        float(-np.polyfit(t[k], xi[k], 1)[0]) if k.sum() >= 3 else float("nan")
        for xi, k in zip(x, keep, strict=True)
    ]
    ren = renormalised(bare, THERMAL_M)
    delta = ren.wall_width
    h_dmi = ren.D / (MU0 * ren.Ms * delta)
    a = ren.alpha
    h = abs(field_T) / MU0
    h_w = a * math.pi / 2 * h_dmi
    scale = GAMMA0 * delta / (1 + a**2)
    rigid = scale * (a * h + (h - math.sqrt(max(h**2 - h_w**2, 0.0))) / a)
    return {
        "track": name,
        "field_T": field_T,
        "temperature_K": temperature,
        "t_s": t.tolist(),
        "position_m": x.tolist(),
        "speed_m_per_s": speeds,
        "mean_speed_m_per_s": float(np.nanmean(speeds)),
        "walker_velocity_m_per_s": GAMMA0 * delta * math.pi / 2 * h_dmi,
        "walker_field_A_per_m": h_w,
        "rigid_wall_speed_m_per_s": rigid,
    }


CASES = [(name, field, TEMPERATURE) for name in TRACKS for field in FIELDS_T] + [
    (name, -4e-3, 0.0) for name in TRACKS
]
"""(track, field (T), temperature (K)): every track and field at 300 K, and the write bias at
T = 0 (is the plateau thermal?)."""


def main() -> None:
    out = HERE / "walker-plateau.json"
    old = json.loads(out.read_text())["rows"] if out.exists() else []
    done = {(r["track"], r["field_T"], r.get("temperature_K", TEMPERATURE)): r for r in old}
    rows = []
    for name, field, temperature in CASES:
        row = done.get((name, field, temperature))
        if row is None:
            row = wall_speed(name, field, temperature)
        row["temperature_K"] = temperature
        rows.append(row)
        print(
            f"{name}, H = {field * 1e3:.0f} mT, {temperature:.0f} K: "
            f"{row['mean_speed_m_per_s']:.1f} m/s "
            f"(v_W {row['walker_velocity_m_per_s']:.1f}, rigid wall "
            f"{row['rigid_wall_speed_m_per_s']:.1f}; walls "
            + " ".join(f"{v:.0f}" for v in row["speed_m_per_s"])
            + ")",
            flush=True,
        )
        out.write_text(
            json.dumps({"thermal_m": THERMAL_M, "cell_m": list(CELL), "rows": rows}, indent=1)
            + "\n"
        )


if __name__ == "__main__":
    main()
