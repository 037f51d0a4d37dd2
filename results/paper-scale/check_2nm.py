"""The 2 nm check of the full-size thresholds (issue 17, step 1: "4 nm cells, with a 2 nm check
on at least one notch per device").

One notch per device, its window (physics.multiscale.window.track_landscape, notches=[k]) over
the notch's own well and exit barrier (q_range below: from just before its stable point at
-4 mT to just past the next notch's stable point, which is what
WallLandscape.depinning_voltages needs for notch k), at 4 nm and at 2 nm cells with everything
else as in landscapes.py (same spec, material, window margins, dq = 4 nm, stiffness,
stopping). The 4 nm landscape is recomputed with these settings so that the two differ only
in the cell; the committed full-track 4 nm value (landscapes.json) is reported next to it.

- trapezoid: notch 0 (the narrowest, 250-300 nm wide; its window is the smallest of the
  track's, and notch 0 is the one the runs start from);
- straight: notch 2 (the middle one; all five are equal within 5 % at 4 nm).

Then, for the trapezoid notch, the wall model at 300 K (thermal_m = 1, as the paper-scale
runs) with 50 ns pulses (10 ns edges) on both landscapes: the voltage at which half the walls
leave the notch (V50), from a voltage scan of independent walls started at the notch's stable
point.

    PYTHONPATH=. nice -n 19 .venv/bin/python results/paper-scale/check_2nm.py \
        compute --device trapezoid --cell 2     # and straight, and --cell 4
    PYTHONPATH=. nice -n 19 .venv/bin/python results/paper-scale/check_2nm.py summarise

``compute`` caches each window in $DWMTJ_CHECK_2NM_CACHE (default ~/.cache/dwmtj/check-2nm;
an interrupted run resumes only when the whole window's q list is unchanged) and writes the
assembled landscape to landscape-<device>-notch<k>-<cell>nm.npz; ``summarise`` writes
check-2nm.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from landscapes import BIAS, device_spec  # noqa: E402

from physics.multiscale.landscape import WallLandscape  # noqa: E402

#: Per device: the notch checked and the q range (m) of its well and exit barrier.
CHECKS = {
    "trapezoid": {"notch": 0, "q_range": (164e-9, 420e-9)},
    "straight": {"notch": 2, "q_range": (1768e-9, 2048e-9)},
}
#: Cells (nm) compared.
CELLS = (4, 2)
CACHE_ENV = "DWMTJ_CHECK_2NM_CACHE"
#: The wall-model comparison: 50 ns pulses with 10 ns edges, 300 K, -4 mT, thermal_m = 1.
PULSE = {"rise": 10e-9, "plateau": 50e-9, "fall": 10e-9, "settle": 20e-9}
TEMPERATURE = 300.0
N_WALLS = 256


def cache_dir() -> Path:
    """Where the check's windows are cached."""
    default = Path.home() / ".cache" / "dwmtj" / "check-2nm"
    return Path(os.environ.get(CACHE_ENV) or default)


def landscape_file(device: str, cell_nm: int) -> Path:
    """The assembled landscape of the checked notch at that cell."""
    return HERE / f"landscape-{device}-notch{CHECKS[device]['notch']}-{cell_nm}nm.npz"


def notch_landscape(device: str, cell_nm: int, progress: bool = True) -> WallLandscape:
    """The window landscape of the device's checked notch (CHECKS) at a square cell of
    ``cell_nm`` nm, otherwise with the settings of landscapes.py (the device's spec)."""
    from physics.multiscale.renormalise import renormalised
    from physics.multiscale.window import track_landscape

    spec = device_spec(device)
    check = CHECKS[device]
    cell = cell_nm * 1e-9
    return track_landscape(
        spec.track(),
        renormalised(spec.material_object(), 1.0),
        (cell, cell),
        dq=float(spec.calculator["dq"]),
        q_range=check["q_range"],
        notches=[check["notch"]],
        cache_dir=cache_dir(),
        progress=progress,
    )


def notch_v_dep(land: WallLandscape, device: str) -> float:
    """Quasi-static T = 0 depinning voltage (V) of the checked notch at -4 mT (the function of
    the 4 nm table, WallLandscape.depinning_voltages)."""
    return float(land.depinning_voltages(BIAS)[CHECKS[device]["notch"]])


def compute(device: str, cell_nm: int) -> Path:
    """Compute (or read from the cache) and save one landscape, with the wall-clock time and
    the load average of this computation in its meta."""
    load_start = os.getloadavg()
    start = time.perf_counter()
    land = notch_landscape(device, cell_nm)
    seconds = time.perf_counter() - start
    meta = land.meta | {
        "check_2nm": {
            "device": device,
            "notch": CHECKS[device]["notch"],
            "wall_clock_s": seconds,
            "loadavg_start": list(load_start),
            "loadavg_end": list(os.getloadavg()),
            "nice": os.nice(0),
            "cpus": os.cpu_count(),
        }
    }
    land = dataclasses.replace(land, meta=meta)
    path = land.save(landscape_file(device, cell_nm))
    print(device, f"{cell_nm} nm", f"{seconds:.0f} s", f"V_dep {notch_v_dep(land, device):.4f} V")
    return path


def barrier(land: WallLandscape, device: str) -> dict:
    """Where the notch's threshold is set: its stable point at -4 mT, the q of the maximum of
    (h_pin - H) / h_sot up to the next stable point, the maximum of h_pin there, and the
    curvature of the wall energy at the stable point (dE/dq = 2 mu0 Ms t w h_pin; the slope
    of 2 mu0 Ms t w h_pin across the stable point, one grid step each side)."""
    from physics.materials import MU0

    k = CHECKS[device]["notch"]
    stable = land.stable_points(BIAS)
    a, b = stable[k], stable[k + 1]
    sel = (land.q >= a) & (land.q <= b)
    ratio = (land.h_pin[sel] - BIAS) / land.h_sot[sel]
    j = int(np.argmax(ratio))
    force = 2 * MU0 * land.Ms * land.thickness * land.width * (land.h_pin - BIAS)
    i = int(np.searchsorted(land.q, a))
    curvature = (force[i] - force[i - 1]) / (land.q[i] - land.q[i - 1])
    return {
        "stable_point_m": float(a),
        "next_stable_point_m": float(b),
        "threshold_at_q_m": float(land.q[sel][j]),
        "h_pin_max_A_per_m": float(np.max(land.h_pin[sel])),
        "h_pin_max_at_q_m": float(land.q[sel][int(np.argmax(land.h_pin[sel]))]),
        "h_sot_at_threshold_A_per_m_per_V": float(land.h_sot[sel][j]),
        "energy_curvature_at_stable_point_J_per_m2": float(curvature),
    }


def v50(land: WallLandscape, device: str, volts: np.ndarray, n: int = N_WALLS) -> dict:
    """Fraction of ``n`` walls (300 K, started at the notch's stable point) that end past the
    barrier after one 50 ns pulse, per voltage, and V50 by linear interpolation of that
    fraction (the same keys on both landscapes)."""
    from physics.engine.ensemble import ensemble_keys
    from physics.experiment.simulate_multiscale import wall_model_of
    from physics.multiscale.wall_model import run_pulses

    info = barrier(land, device)
    model = wall_model_of(land, hold_low_end=True)
    fractions = []
    for v in volts:
        r = run_pulses(
            model,
            np.full(n, info["stable_point_m"]),
            0.0,
            float(v),
            BIAS,
            TEMPERATURE,
            ensemble_keys(0, n),
            **PULSE,
        )
        q = np.asarray(r.q)
        past = (q > info["threshold_at_q_m"]) | np.asarray(r.escaped)
        fractions.append(float(np.mean(past)))
    f = np.asarray(fractions)
    above = np.flatnonzero(f >= 0.5)
    if not above.size or above[0] == 0:
        v_half = float("nan")
    else:
        i = int(above[0])
        v_half = float(np.interp(0.5, [f[i - 1], f[i]], [volts[i - 1], volts[i]]))
    return {"volts_V": [float(v) for v in volts], "fraction_depinned": fractions, "v50_V": v_half}


def summarise() -> dict:
    """check-2nm.json from the saved landscapes."""
    committed = json.loads((HERE / "landscapes.json").read_text())
    out: dict = {
        "bias_T": -4e-3,
        "dq_m": 4e-9,
        "method": "physics.multiscale.window.track_landscape, notches=[notch], q_range below; "
        "quasi-static V_dep = WallLandscape.depinning_voltages(-4 mT)[notch]",
        "devices": {},
    }
    for device, check in CHECKS.items():
        entry: dict = {"notch": check["notch"], "q_range_m": list(check["q_range"])}
        lands = {}
        for cell_nm in CELLS:
            path = landscape_file(device, cell_nm)
            if not path.exists():
                continue
            land = WallLandscape.load(path)
            lands[cell_nm] = land
            timing = land.meta.get("check_2nm", {})
            entry[f"{cell_nm}nm"] = {
                "v_dep_quasi_static_V": notch_v_dep(land, device),
                **barrier(land, device),
                "window_compute_s": land.meta.get("seconds"),
                "wall_clock_s": timing.get("wall_clock_s"),
                "loadavg_start": timing.get("loadavg_start"),
                "loadavg_end": timing.get("loadavg_end"),
                "all_converged": land.meta.get("all_converged"),
                "max_gap": land.meta.get("max_gap"),
                "landscape_file": path.name,
            }
        entry["committed_full_track_4nm_V"] = committed[device]["v_dep_quasi_static_V"][
            check["notch"]
        ]
        if 2 in lands and 4 in lands:
            v2, v4 = entry["2nm"]["v_dep_quasi_static_V"], entry["4nm"]["v_dep_quasi_static_V"]
            entry["ratio_4nm_over_2nm"] = v4 / v2
            entry["ratio_committed_4nm_over_2nm"] = entry["committed_full_track_4nm_V"] / v2
            entry["h_pin_max_ratio_4nm_over_2nm"] = (
                entry["4nm"]["h_pin_max_A_per_m"] / entry["2nm"]["h_pin_max_A_per_m"]
            )
            if device == "trapezoid":
                v_hi = 1.3 * max(v2, v4)
                volts = np.round(np.arange(0.05, v_hi + 1e-9, 0.01), 4)
                w2, w4 = v50(lands[2], device, volts), v50(lands[4], device, volts)
                entry["wall_model_300K_50ns"] = {
                    "n_walls": N_WALLS,
                    "thermal_m": 1.0,
                    "pulse_s": PULSE,
                    "start": "the notch's stable point at -4 mT; depinned = past the "
                    "threshold's q (or escaped) after the pulse and settle",
                    "2nm": w2,
                    "4nm": w4,
                    "v50_difference_4nm_minus_2nm_V": w4["v50_V"] - w2["v50_V"],
                    "v50_ratio_4nm_over_2nm": w4["v50_V"] / w2["v50_V"],
                }
        out["devices"][device] = entry
    (HERE / "check-2nm.json").write_text(json.dumps(out, indent=2) + "\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compute", help="one landscape (cached per window)")
    c.add_argument("--device", choices=sorted(CHECKS), required=True)
    c.add_argument("--cell", type=int, choices=CELLS, required=True, help="nm")
    sub.add_parser("summarise", help="check-2nm.json from the saved landscapes")
    args = parser.parse_args()
    if args.command == "compute":
        compute(args.device, args.cell)
    else:
        print(json.dumps(summarise(), indent=2))


if __name__ == "__main__":
    main()
