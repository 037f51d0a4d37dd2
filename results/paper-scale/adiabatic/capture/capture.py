"""Does the next notch capture a wall when the pulse falls? The 2-D micromagnetic wall against
the (q, phi) model at T = 0 (issue 17; results/paper-scale/README.md, "Capture at T = 0").

At 300 K the model loses walls behind notch 0 after strong pulses (107 of 201 against 3 of 90
direct, ``../backward_moves.py``), and on the straight track it makes fewer multi-notch jumps
than the direct runs. This takes both questions to T = 0, where there is nothing to average
and nothing calibrated: both sides use the material as it is (thermal_m = 1).

- Direct: one relaxed wall at notch 0 (4 nm cells), one pulse of each of the case's
  amplitudes (``CASES``; 1 ns edges, 1.5 ns FWHM) at -4 mT, then 3 ns at V = 0; <m_z> every
  85 ps (``pulse-*V-0K.toml`` on the calibration trapezoid, ``straight-pulse-*V-0K.toml`` on
  the straight track; runs in ``runs/``). The wall's position is the equal-area position of
  <m_z> over the track's columns (domains at |m_z| = 1 at T = 0).
- Model: the same pulse on the window landscape of the same track and cells (thermal_m = 1,
  landscape to 8 nm before the CLK end), the rigid wall, q every 0.1 ns, dt = 2e-13 s; once
  with the default landscape, which starts half a notch spacing before notch 0 (a wall that
  runs back past it is gone), and once with ``in_margin`` = 8 nm, the landscape taken to 8 nm
  from the IN end. (At T = 0 the elastic line stays straight and is the rigid wall.)

Each wall's end state is read as the notch whose stable point under the bias is nearest, or
"behind 0" when it ended more than 10 nm behind notch 0's stable point. Writes
``capture.json`` / ``capture.png`` (trapezoid) or ``capture-straight.*``.

    PYTHONPATH=. nice -n 5 .venv/bin/python results/paper-scale/adiabatic/capture/capture.py
    PYTHONPATH=. nice -n 5 .venv/bin/python results/paper-scale/adiabatic/capture/capture.py \
        --case straight
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
sys.path.insert(0, str(HERE.parent.parent / "heldout" / "adiabatic"))

CASES = {
    "trapezoid": ("pulse-", (0.30, 0.46, 0.50, 0.56), "trapezoid-ramp", "capture"),
    "straight": ("straight-pulse-", (0.26, 0.30, 0.34), "straight-ramp", "capture-straight"),
}
"""case: (spec file prefix, pulse amplitudes (V), compare.py case whose geometry and
material the model takes, output name). Trapezoid: 0.30 V is below the direct T = 0 threshold
of notch 0 (0.44 V on the ramp of run e0fd23e5), the others above it and below notch 1's
(0.54 V) but the last. Straight: from its direct T = 0 threshold with 1 ns edges (0.26 V)
up."""
THERMAL_M = 1.0
END_MARGIN = 8e-9
IN_MARGIN = 8e-9
VARIANTS = {"model": None, "model_in_end": IN_MARGIN}
"""Model rows: the landscape's in_margin (None: the default start)."""
SETTLE = 3e-9
MODEL_DT = 2e-13
RECORD = 1e-10
BEHIND = 10e-9
"""A wall that ends this far (m) behind notch 0's stable point is 'behind 0'."""


def spec_path(v: float, case: str = "trapezoid") -> Path:
    return HERE / f"{CASES[case][0]}{v:.2f}V-0K.toml"


def direct_trace(v: float, case: str = "trapezoid") -> dict:
    """t (s from the pulse's start) and q (m) of the direct run of pulse ``v``."""
    import h5py

    from physics.experiment.spec import RunSpec
    from physics.experiment.store import run_path
    from physics.multiscale.path import position_from_area

    spec = RunSpec.from_dict(tomllib.loads(spec_path(v, case).read_text()))
    path = run_path(HERE / "runs", spec.run_id)
    if not Path(path).exists():
        raise SystemExit(
            f"{spec_path(v, case).name}: no direct run in runs/ (run the command in it)"
        )
    with h5py.File(path, "r") as f:
        t = np.asarray(f["time_table/t"], dtype=float)
        mz = np.asarray(f["time_table/mz"][0], dtype=float)
        t0 = float(f["pulses/t_start"][0])
    track = spec.track()
    dx, dy = spec.cell[:2]
    widths = track.mask(dx, dy).sum(axis=1) * dy
    (x0, _), _ = track.mesh_corners(dx, dy)
    area = widths.sum() * dx
    q = position_from_area((1.0 + mz) / 2.0 * area, widths, x0, dx)
    relax = float(spec.calculator["relax_time"])
    keep = t > relax + t0 - 1e-15  # the pulse's rows (the first ones are the relaxation)
    return {"t_s": (t[keep] - relax).tolist(), "q_m": q[keep].tolist()}


def model_setup(in_margin: float | None, case: str = "trapezoid"):
    """(landscape, bias (A/m), spec) of the case's track at THERMAL_M."""
    from compare import model_spec

    import physics.experiment.simulate_multiscale as sm
    from physics.experiment.spec import RunSpec

    spec = RunSpec.from_dict(model_spec(CASES[case][2], THERMAL_M, 1, 1, END_MARGIN))
    land = sm.spec_landscape(spec, thermal_m=THERMAL_M, end_margin=END_MARGIN, in_margin=in_margin)
    return land, float(spec.protocol.ramps[0].bias_h), spec


def model_trace(land, bias: float, spec, v: float) -> dict:
    from backward_moves import notch0_point, one_pulse

    import physics.experiment.simulate_multiscale as sm
    from physics.multiscale.renormalise import renormalised

    model = sm.wall_model_of(land, material=renormalised(spec.material_object(), THERMAL_M))
    every = int(round(RECORD / MODEL_DT))
    r = one_pulse(model, notch0_point(land, bias), v, bias, SETTLE, MODEL_DT, every)
    q = np.asarray(r.q_record, dtype=float)[0]
    t = RECORD * np.arange(1, q.size + 1)
    return {"t_s": t.tolist(), "q_m": q.tolist(), "escaped": bool(np.asarray(r.escaped)[0])}


def end_state(q_end: float, stable: np.ndarray) -> str:
    """The notch (its index as a string) whose stable point is nearest, or 'behind 0'."""
    if q_end < stable[0] - BEHIND:
        return "behind 0"
    return str(int(np.argmin(np.abs(stable - q_end))))


def plot(result: dict, name: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stable = np.asarray(result["notch_stable_m"]) * 1e9
    n = len(result["rows"])
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 3.0), sharey=True)
    for ax, row in zip(axes, result["rows"], strict=True):
        for s in stable:
            ax.axhline(s, color="0.85", lw=0.8, zorder=0)
        d = row["direct"]
        ax.plot(np.array(d["t_s"]) * 1e9, np.array(d["q_m"]) * 1e9, "k-", label="micromagnetics")
        for key, style, label in (
            ("model", "C3--", "rigid wall, landscape from 37.5 nm"),
            ("model_in_end", "C0-", "rigid wall, landscape to the IN end"),
        ):
            mrow = row[key]
            ax.plot(np.array(mrow["t_s"]) * 1e9, np.array(mrow["q_m"]) * 1e9, style, label=label)
        ax.axvspan(0, 2.5, color="C1", alpha=0.08, lw=0)
        ax.set_title(f"{row['voltage_V']:.2f} V")
        ax.set_xlabel("t (ns)")
    axes[0].set_ylabel("wall position q (nm)")
    axes[0].legend(fontsize=7, loc="upper left")
    fig.suptitle(
        f"{result['case']}: one pulse from notch 0 at T = 0, -4 mT (shaded: the pulse); "
        "grey: notches"
    )
    fig.tight_layout()
    fig.savefig(HERE / f"{name}.png", dpi=130)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=list(CASES), default="trapezoid")
    case = parser.parse_args().case
    _, volts, _, name = CASES[case]
    setups = {key: model_setup(margin, case) for key, margin in VARIANTS.items()}
    land, bias, spec = setups["model"]
    stable = np.asarray(land.stable_points(bias), dtype=float)
    from backward_moves import notch0_point

    stable = stable[stable >= notch0_point(land, bias) - 1e-12]
    rows = []
    for v in volts:
        row: dict = {"voltage_V": v, "direct": direct_trace(v, case)}
        for key, (land_k, bias_k, spec_k) in setups.items():
            row[key] = model_trace(land_k, bias_k, spec_k, v)
        for key in ("direct", *VARIANTS):
            q = np.asarray(row[key]["q_m"])
            row[key]["end_state"] = end_state(float(q[-1]), stable)
            row[key]["q_max_m"] = float(q.max())
        rows.append(row)
        print(
            f"{v:.2f} V: direct ends at notch {row['direct']['end_state']} "
            f"(max {row['direct']['q_max_m'] * 1e9:.0f} nm); "
            + "; ".join(
                f"{key} at {row[key]['end_state']} (max {row[key]['q_max_m'] * 1e9:.0f} nm)"
                for key in VARIANTS
            ),
            flush=True,
        )
    result = {
        "case": case,
        "thermal_m": THERMAL_M,
        "end_margin_m": END_MARGIN,
        "in_margin_m": IN_MARGIN,
        "bias_T": -4e-3,
        "notch_stable_m": stable.tolist(),
        "rows": rows,
    }
    (HERE / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
    plot(result, name)


if __name__ == "__main__":
    main()
