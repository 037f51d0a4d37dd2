"""The 2 nm check of the full-size thresholds (issue 17, step 1: "4 nm cells, with a 2 nm check
on at least one notch per device").

One notch per device, its window (physics.multiscale.window.track_landscape, notches=[k]) over
the notch's own well and exit barrier only (CHECKS: from just before its stable point at -4 mT
to past the maximum of (h_pin - H) / h_sot of the committed 4 nm landscape; a full window at
2 nm would have taken ~2 h per notch on the loaded CPU), at 4 nm and at 2 nm cells with
everything else as in landscapes.py (same spec, material, window margins, dq = 4 nm,
stiffness, stopping). The threshold is WallLandscape.depinning_voltages at -4 mT with the
checked notch as the landscape's only notch (:func:`notch_only`: the maximum from its stable
point to the end of the range); on the committed 4 nm landscapes that equals the full-track
value. The 4 nm landscape is recomputed with these settings so that the two differ only in
the cell; the committed full-track 4 nm value (landscapes.json) is reported next to it.

- trapezoid: notch 0 (the narrowest, 250-300 nm wide: the smallest window, so the cheapest at
  2 nm; notch 0 is the one the runs start from). Swept in two chunks run side by side; at
  4 nm one sweep of the whole range gives the same threshold (``single-sweep``);
- straight: notch 2 (the middle one; all five are equal within 5 % at 4 nm).

Then, for the trapezoid notch, the wall model at 300 K (thermal_m = 1, as the paper-scale
runs) with 50 ns pulses (10 ns edges) on both landscapes: the voltage at which half the walls
leave the notch (V50), from voltage scans of walls started at the notch's stable point.

    PYTHONPATH=. nice -n 19 .venv/bin/python results/paper-scale/check_2nm.py \
        compute --device trapezoid --cell 2 [--chunk 0|1]   # and straight, and --cell 4
    PYTHONPATH=. nice -n 19 .venv/bin/python results/paper-scale/check_2nm.py \
        single-sweep --device trapezoid --cell 4
    PYTHONPATH=. nice -n 19 .venv/bin/python results/paper-scale/check_2nm.py summarise

``compute`` caches each chunk's window in $DWMTJ_CHECK_2NM_CACHE (default
~/.cache/dwmtj/check-2nm; a chunk is stored when its sweep is complete) and writes the
assembled landscape to landscape-<device>-notch<k>-<cell>nm.npz; ``summarise`` copies the
windows used into landscapes/ (a few kB each) and writes check-2nm.json. With
DWMTJ_CHECK_2NM_CACHE=results/paper-scale/landscapes, ``compute`` rebuilds a landscape from
the committed windows (seconds plus the current solve; it then writes its timing-*.json there).
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

#: Per device: the notch checked and the q range (m) of its well and exit barrier, swept in
#: one or more chunks (each a warm-started sweep from a straight wall at its first q, cached
#: as its own window file; the trapezoid's two chunks ran side by side on the two cores).
CHECKS = {
    "trapezoid": {"notch": 0, "chunks": [(180e-9, 236e-9), (240e-9, 300e-9)]},
    "straight": {"notch": 2, "chunks": [(1779e-9, 1895e-9)]},
}
#: Cells (nm) compared.
CELLS = (4, 2)
CACHE_ENV = "DWMTJ_CHECK_2NM_CACHE"
#: The wall-model comparison: 50 ns pulses with 10 ns edges, 300 K, -4 mT, thermal_m = 1.
PULSE = {"rise": 10e-9, "plateau": 50e-9, "fall": 10e-9, "settle": 20e-9}
TEMPERATURE = 300.0
#: Walls per voltage in the fine scan of V50 and in the coarse one (2176 walls x 50 ns took
#: 350 s here at load ~16).
N_WALLS = 128
N_COARSE = 16


def cache_dir() -> Path:
    """Where the check's windows are cached."""
    default = Path.home() / ".cache" / "dwmtj" / "check-2nm"
    return Path(os.environ.get(CACHE_ENV) or default)


def landscape_file(device: str, cell_nm: int) -> Path:
    """The assembled landscape of the checked notch at that cell."""
    return HERE / f"landscape-{device}-notch{CHECKS[device]['notch']}-{cell_nm}nm.npz"


def sweep_landscape(
    device: str, cell_nm: int, q_range: tuple[float, float], progress: bool = True
) -> WallLandscape:
    """The window landscape of the device's checked notch (CHECKS) over ``q_range`` in one
    sweep, at a square cell of ``cell_nm`` nm, otherwise with the settings of landscapes.py
    (the device's spec: material at thermal_m = 1, dq, window margins; default stiffness and
    stopping torque)."""
    from physics.multiscale.renormalise import renormalised
    from physics.multiscale.window import track_landscape

    spec = device_spec(device)
    cell = cell_nm * 1e-9
    return track_landscape(
        spec.track(),
        renormalised(spec.material_object(), 1.0),
        (cell, cell),
        dq=float(spec.calculator["dq"]),
        q_range=q_range,
        notches=[CHECKS[device]["notch"]],
        cache_dir=cache_dir(),
        progress=progress,
    )


def notch_landscape(device: str, cell_nm: int, progress: bool = True) -> WallLandscape:
    """The checked notch's landscape at ``cell_nm``: its chunks (:func:`sweep_landscape`)
    joined on their common uniform q grid (the energy re-integrated over the whole range)."""
    parts = [sweep_landscape(device, cell_nm, c, progress) for c in CHECKS[device]["chunks"]]
    if len(parts) == 1:
        return parts[0]
    arrays = {k: np.concatenate([getattr(p, k) for p in parts]) for k in ("q", "h_pin", "h_sot")}
    arrays["width"] = np.concatenate([p.width for p in parts])
    first = parts[0]
    arrays["energy"] = WallLandscape.energy_from(
        arrays["q"], arrays["h_pin"], arrays["width"], first.Ms, first.thickness
    )
    meta = first.meta | {
        "seconds": float(sum(p.meta["seconds"] for p in parts)),
        "snap_q": [q for p in parts for q in p.meta["snap_q"]],
        "max_gap": max(p.meta["max_gap"] for p in parts),
        "all_converged": all(p.meta["all_converged"] for p in parts),
        "chunks": [list(c) for c in CHECKS[device]["chunks"]],
    }
    return dataclasses.replace(first, **arrays, meta=meta)


def notch_only(land: WallLandscape, device: str) -> WallLandscape:
    """The landscape with the checked notch as its only (so last) notch: its quasi-static
    threshold is then the maximum of (h_pin - H) / h_sot from its stable point to the end of
    the q range (the exit barrier), which is all the reduced q range covers."""
    k = CHECKS[device]["notch"]
    centre = np.sort(np.asarray(device_spec(device).track().notch_centres, dtype=float))[k]
    return dataclasses.replace(land, notch_centres=np.array([centre]))


def notch_v_dep(land: WallLandscape, device: str) -> float:
    """Quasi-static T = 0 depinning voltage (V) of the checked notch at -4 mT (the function of
    the 4 nm table, WallLandscape.depinning_voltages, on :func:`notch_only`)."""
    return float(notch_only(land, device).depinning_voltages(BIAS)[0])


def compute(device: str, cell_nm: int, chunk: int | None = None) -> Path | None:
    """Compute (or read from the cache) one chunk, or all chunks and save the assembled
    landscape, with each chunk's wall-clock time and load average (recorded in the cache the
    first time the chunk is computed) in its meta."""
    n_chunks = len(CHECKS[device]["chunks"])
    for i in range(n_chunks) if chunk is None else [chunk]:
        timing = cache_dir() / f"timing-{device}-{cell_nm}nm-chunk{i}.json"
        load_start = os.getloadavg()
        start = time.perf_counter()
        part = sweep_landscape(device, cell_nm, CHECKS[device]["chunks"][i])
        seconds = time.perf_counter() - start
        if not timing.exists():
            record = {
                "chunk": list(CHECKS[device]["chunks"][i]),
                "wall_clock_s": seconds,
                "window_compute_s": part.meta["seconds"],
                "loadavg_start": list(load_start),
                "loadavg_end": list(os.getloadavg()),
                "nice": os.nice(0),
                "cpus": os.cpu_count(),
            }
            timing.write_text(json.dumps(record, indent=2) + "\n")
        print(device, f"{cell_nm} nm, chunk {i}: {seconds:.0f} s")
    if chunk is not None:
        return None
    land = notch_landscape(device, cell_nm, progress=False)
    records = [
        json.loads((cache_dir() / f"timing-{device}-{cell_nm}nm-chunk{i}.json").read_text())
        for i in range(n_chunks)
    ]
    meta = land.meta | {"check_2nm": {"device": device, "notch": CHECKS[device]["notch"]}}
    meta["check_2nm"]["chunks"] = records
    land = dataclasses.replace(land, meta=meta)
    path = land.save(landscape_file(device, cell_nm))
    print(device, f"{cell_nm} nm: V_dep {notch_v_dep(land, device):.4f} V")
    return path


def barrier(land: WallLandscape, device: str) -> dict:
    """Where the notch's threshold is set (on :func:`notch_only`): its stable point at -4 mT,
    the q of the maximum of (h_pin - H) / h_sot from there to the end of the range (and
    whether that is the range's last point, where the barrier could continue), the maximum of
    h_pin there, and the curvature of the wall energy at the stable point (dE/dq = 2 mu0 Ms t
    w (h_pin - H); its slope between the grid points either side of the stable point)."""
    from physics.materials import MU0

    stable = float(notch_only(land, device).stable_points(BIAS)[0])
    sel = land.q >= stable
    ratio = (land.h_pin[sel] - BIAS) / land.h_sot[sel]
    j = int(np.argmax(ratio))
    force = 2 * MU0 * land.Ms * land.thickness * land.width * (land.h_pin - BIAS)
    i = int(np.searchsorted(land.q, stable))
    curvature = (force[i] - force[i - 1]) / (land.q[i] - land.q[i - 1])
    return {
        "stable_point_m": stable,
        "threshold_at_q_m": float(land.q[sel][j]),
        "threshold_at_range_end": bool(j == int(sel.sum()) - 1),
        "h_pin_max_A_per_m": float(np.max(land.h_pin[sel])),
        "h_pin_max_at_q_m": float(land.q[sel][int(np.argmax(land.h_pin[sel]))]),
        "h_sot_at_threshold_A_per_m_per_V": float(land.h_sot[sel][j]),
        "energy_curvature_at_stable_point_J_per_m2": float(curvature),
    }


def depinned_fraction(land: WallLandscape, device: str, volts: np.ndarray, n: int) -> np.ndarray:
    """Per voltage, the fraction of ``n`` walls (300 K, started at the notch's stable point)
    past the barrier (beyond the threshold's q, or out of the range's CLK end) after one 50 ns
    pulse and the settle (one vmapped call; the same n keys at every voltage and on every
    landscape)."""
    from physics.engine.ensemble import ensemble_keys
    from physics.experiment.simulate_multiscale import wall_model_of
    from physics.multiscale.wall_model import run_pulses

    info = barrier(land, device)
    model = wall_model_of(land, hold_low_end=True)
    volts = np.asarray(volts, dtype=float)
    keys = np.tile(np.asarray(ensemble_keys(0, n)), (volts.size, 1))
    r = run_pulses(
        model,
        np.full(keys.shape[0], info["stable_point_m"]),
        0.0,
        np.repeat(volts, n),
        BIAS,
        TEMPERATURE,
        keys,
        **PULSE,
    )
    past = (np.asarray(r.q) > info["threshold_at_q_m"]) | np.asarray(r.escaped)
    return past.reshape(volts.size, n).mean(axis=1)


def _v_half(volts: np.ndarray, f: np.ndarray) -> float:
    above = np.flatnonzero(f >= 0.5)
    if not above.size or above[0] == 0:
        return float("nan")
    i = int(above[0])
    return float(np.interp(0.5, [f[i - 1], f[i]], [volts[i - 1], volts[i]]))


def v50(land: WallLandscape, device: str) -> dict:
    """V50 of the notch at 300 K, 50 ns: a coarse scan (N_COARSE walls, 0.02 V steps from half
    to 1.05 x the quasi-static threshold) brackets it, a fine one (N_WALLS walls, 0.01 V steps,
    +-0.03 V around the coarse V50) gives it, by linear interpolation of the fraction. Cached
    in the check's cache under the landscape file's SHA-256 (the scan costs minutes here)."""
    import hashlib

    path = landscape_file(device, int(round(land.meta["cell"][0] * 1e9)))
    key = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    cached = cache_dir() / f"v50-{key}-{N_COARSE}-{N_WALLS}.json"
    if cached.exists():
        return json.loads(cached.read_text())
    v_dep = notch_v_dep(land, device)
    coarse = np.round(np.arange(np.floor(50 * v_dep) / 100, 1.05 * v_dep, 0.02), 4)
    v_c = _v_half(coarse, depinned_fraction(land, device, coarse, N_COARSE))
    fine = np.round(np.arange(round(v_c, 2) - 0.03, round(v_c, 2) + 0.035, 0.01), 4)
    f = depinned_fraction(land, device, fine, N_WALLS)
    out = {
        "coarse_v50_V": v_c,
        "volts_V": [float(v) for v in fine],
        "fraction_depinned": [float(x) for x in f],
        "v50_V": _v_half(fine, f),
    }
    cache_dir().mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(out, indent=2) + "\n")
    return out


def window_files(
    land: WallLandscape, device: str, chunks: list[tuple[float, float]] | None = None
) -> list[str]:
    """The cached windows (physics.multiscale.window's .npz, one per chunk) that ``land`` was
    assembled from: for each chunk, the file in landscapes/ or the check's cache with one
    more point each side of the chunk's q whose h_hold, interpolated on them, is the chunk's
    h_pin (so the 4 and 2 nm windows, which sweep the same targets, are told apart); copied
    into landscapes/ (the committed cache, a few kB each) if only in the check's cache.
    Paths relative to this folder."""
    import shutil

    committed = HERE / "landscapes"
    found = []
    for lo, hi in CHECKS[device]["chunks"] if chunks is None else chunks:
        sel = (land.q >= lo - 1e-12) & (land.q <= hi + 1e-12)
        q_c, h_c = land.q[sel], land.h_pin[sel]
        for folder in (committed, cache_dir()):
            match = None
            for path in sorted(folder.glob("*.npz")):
                with np.load(path) as data:
                    if "h_hold" not in data.files:
                        continue
                    order = np.argsort(data["q"])
                    q, h = np.asarray(data["q"])[order], np.asarray(data["h_hold"])[order]
                if q.size == q_c.size + 2 and np.array_equal(np.interp(q_c, q, h), h_c):
                    match = path
                    break
            if match is not None:
                if folder != committed:
                    shutil.copy2(match, committed / match.name)
                found.append(f"landscapes/{match.name}")
                break
    return found


def single_sweep_file(device: str, cell_nm: int) -> Path:
    """The landscape of the whole q range in one sweep (the check that chunking does not
    matter; the trapezoid at 4 nm)."""
    return landscape_file(device, cell_nm).with_name(
        landscape_file(device, cell_nm).stem + "-single-sweep.npz"
    )


def summarise() -> dict:
    """check-2nm.json from the saved landscapes."""
    committed = json.loads((HERE / "landscapes.json").read_text())
    out: dict = {
        "bias_T": -4e-3,
        "dq_m": 4e-9,
        "method": "physics.multiscale.window.track_landscape(notches=[notch]) over the notch's "
        "well and exit barrier (chunks below); quasi-static V_dep = "
        "WallLandscape.depinning_voltages(-4 mT) with the notch as the landscape's only notch",
        "devices": {},
    }
    for device, check in CHECKS.items():
        chunks = check["chunks"]
        entry: dict = {
            "notch": check["notch"],
            "q_range_m": [chunks[0][0], chunks[-1][1]],
            "chunks_m": [list(c) for c in chunks],
        }
        lands = {}
        for cell_nm in CELLS:
            path = landscape_file(device, cell_nm)
            if not path.exists():
                continue
            land = WallLandscape.load(path)
            lands[cell_nm] = land
            timing = land.meta.get("check_2nm", {}).get("chunks", [])
            entry[f"{cell_nm}nm"] = {
                "v_dep_quasi_static_V": notch_v_dep(land, device),
                **barrier(land, device),
                "window_compute_s": land.meta.get("seconds"),
                "wall_clock_s": float(sum(t["wall_clock_s"] for t in timing)),
                "chunks_timing": timing,
                "all_converged": land.meta.get("all_converged"),
                "max_gap": land.meta.get("max_gap"),
                "landscape_file": path.name,
                "window_files": window_files(land, device),
            }
            single = single_sweep_file(device, cell_nm)
            if single.exists():
                one = WallLandscape.load(single)
                entry[f"{cell_nm}nm"]["single_sweep"] = {
                    "v_dep_quasi_static_V": notch_v_dep(one, device),
                    "threshold_at_q_m": barrier(one, device)["threshold_at_q_m"],
                    "landscape_file": single.name,
                    "window_files": window_files(one, device, [(one.q[0], one.q[-1])]),
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
                w2, w4 = v50(lands[2], device), v50(lands[4], device)
                entry["wall_model_300K_50ns"] = {
                    "n_walls": {"coarse": N_COARSE, "fine": N_WALLS},
                    "thermal_m": 1.0,
                    "pulse_s": PULSE,
                    "start": "the notch's stable point at -4 mT; depinned = past the "
                    "threshold's q (or out of the range's CLK end) after the pulse and settle",
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
    c.add_argument("--chunk", type=int, help="only this chunk of the q range (to the cache)")
    o = sub.add_parser("single-sweep", help="the whole q range in one sweep (chunking check)")
    o.add_argument("--device", choices=sorted(CHECKS), required=True)
    o.add_argument("--cell", type=int, choices=CELLS, required=True, help="nm")
    sub.add_parser("summarise", help="check-2nm.json from the saved landscapes")
    args = parser.parse_args()
    if args.command == "compute":
        compute(args.device, args.cell, args.chunk)
    elif args.command == "single-sweep":
        land = sweep_landscape(
            args.device,
            args.cell,
            (CHECKS[args.device]["chunks"][0][0], CHECKS[args.device]["chunks"][-1][1]),
        )
        land.save(single_sweep_file(args.device, args.cell))
        print(
            args.device, f"{args.cell} nm, one sweep: V_dep {notch_v_dep(land, args.device):.4f} V"
        )
    else:
        print(json.dumps(summarise(), indent=2))


if __name__ == "__main__":
    main()
