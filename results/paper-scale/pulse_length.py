"""Depinning thresholds of the full-size notches against pulse length (issue 17, step 1: "its
dependence on pulse length where it matters for 50 ns"), on the multiscale path's wall model.

For every notch of the committed full-size landscapes (``landscape-trapezoid-4nm.npz``,
``landscape-straight-4nm.npz``: 4 nm windows, thermal_m = 1, the room-temperature parameters of
the paper-scale specs), under the specs' -4 mT bias, with the IN side holding the wall
(``in_end = "reservoir"``), ONE trapezoidal pulse of FWHM t_p = 5, 10, 20, 50, 100, 200 ns:

- **edges**: min(10 ns, t_p / 5) rise and fall: the paper's 10 ns edges for t_p >= 50 ns (a
  property of the pulse generator), scaled with the width below 50 ns, where 10 ns edges would
  not fit (t_p = 5 ns) or would dominate the pulse; plateau = t_p - edge.
- **start**: the wall at the notch's stable point at -4 mT, phi = 0 (Néel); where the bias and
  the width gradient leave no stable point (trapezoid notches 2-6: the wall creeps back at
  V = 0), at the notch centre, as ``WallLandscape.depinning_voltages`` does.
- **depinned**: at the end of the pulse's fall, the wall is past the barrier top q*_k of notch k,
  the position of the largest (h_pin - H) / h_sot between notch k's start and notch k+1's
  (the point that sets the quasi-static threshold; for the last notch, up to the landscape's
  CLK end), or has left the landscape forward. No settle time: at -4 mT the walls that are
  not held creep back at V = 0, which would mix the bias's slow return into the threshold.
- **T = 0 quasi-static threshold** ``v_qs``: ``WallLandscape.depinning_voltages`` at -4 mT (the
  values of landscapes.json).
- **T = 0 pulse threshold** ``v_t0``: the smallest amplitude that depins with this pulse at
  T = 0 (deterministic wall model; grid refinement, 16 voltages x 3 rounds from 0 to 5 v_qs,
  resolution 1.5e-3 v_qs, ~1 mV). It differs from v_qs both ways: above it where the wall
  cannot reach q*_k within the pulse (short pulses, long travel), below it where the lightly
  damped (alpha = 0.02) (q, phi) wall, set ringing by the pulse's rise, overshoots its static
  equilibrium (the dynamic threshold of an underdamped wall).
- **V50 at 300 K** ``v50``: a probit law P = Phi((V - v50) / sigma) fitted by maximum likelihood
  (``physics.experiment.run_statistics.fit_thresholds``) to two rounds of Bernoulli trials:
  6 voltages x 16 realisations over [0.8, 1.1] x v_t0, then 8 voltages x 24 realisations
  over v50 +- 2.5 sigma of the first fit: 288 trials per notch and pulse width (the wall
  model costs ~0.3 us per member and step on the shared CPU; 200 ns is 2e5 steps). ``v50_se``:
  its standard error from the Fisher information of the probit likelihood.

Columns: device, notch, notch_centre_nm, start_nm, barrier_top_nm (q*_k), track_width_nm (the
landscape's width at the notch centre, i.e. the constriction), fwhm_ns, edge_ns, plateau_ns,
v_qs_V, v_t0_V, v50_V, v50_se_V, sigma_V (V), n_trials, seconds (per width and device).

Outputs: ``pulse-length.csv`` and ``pulse-length.json`` next to this file and
``figures/pulse-length.png``. Wall model: dt = 1e-12 s, float32 (the specs' settings).

    nice -n 15 .venv/bin/python results/paper-scale/pulse_length.py   (~10 min, shared CPU)
    nice -n 15 .venv/bin/python results/paper-scale/pulse_length.py --quick   (a check)
    .venv/bin/python results/paper-scale/pulse_length.py --replot  (the figure from the json)
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import jax
import numpy as np
from scipy.stats import norm
from tqdm.auto import tqdm

from physics.experiment.run_statistics import PinnedTrials, fit_thresholds
from physics.experiment.simulate_multiscale import wall_model_of
from physics.materials import MU0
from physics.multiscale.landscape import WallLandscape
from physics.multiscale.wall_model import run_pulses

HERE = Path(__file__).resolve().parent
DEVICES = ("trapezoid", "straight")
WIDTHS_NS = (5.0, 10.0, 20.0, 50.0, 100.0, 200.0)
BIAS_H = -4e-3 / MU0
TEMPERATURE = 300.0
DT = 1e-12
#: Trials per notch and pulse width: (voltages, realisations) of the two 300 K rounds.
ROUNDS = ((6, 16), (8, 24))
QUICK_ROUNDS = ((4, 8), (6, 16))
SIGMA_MIN_V = 0.002


def pulse_shape(fwhm: float) -> tuple[float, float, float]:
    """(rise, plateau, fall) in s of a pulse of FWHM ``fwhm`` (s): edges min(10 ns, fwhm / 5)."""
    edge = min(10e-9, fwhm / 5)
    return edge, fwhm - edge, edge


def barrier_tops(land: WallLandscape, bias_h: float) -> np.ndarray:
    """q*_k (m): where (h_pin - H) / h_sot is largest between notch k's stable point and notch
    k+1's (the landscape's end for the last notch), the range of ``depinning_voltages``."""
    stable = land.stable_points(bias_h)
    ends = np.append(stable[1:], land.q[-1])
    out = []
    for a, b in zip(stable, ends, strict=True):
        sel = (land.q >= a) & (land.q <= b)
        ratio = (land.h_pin[sel] - bias_h) / land.h_sot[sel]
        out.append(float(land.q[sel][int(np.argmax(ratio))]))
    return np.asarray(out)


def depinned(
    model: Any,
    q0: np.ndarray,
    q_star: np.ndarray,
    voltages: np.ndarray,
    temperature: float,
    fwhm: float,
    seed: int,
) -> np.ndarray:
    """(N,) bool: member i (start q0[i] in m, amplitude voltages[i] in V) past q_star[i] (m) or
    out of the landscape forward at the end of one pulse of FWHM ``fwhm`` (s)."""
    rise, plateau, fall = pulse_shape(fwhm)
    keys = jax.random.split(jax.random.PRNGKey(seed), len(voltages))
    res = run_pulses(
        model,
        q0,
        0.0,
        voltages,
        BIAS_H,
        temperature,
        keys,
        rise=rise,
        plateau=plateau,
        fall=fall,
        settle=0.0,
        dt=DT,
    )
    q = np.asarray(res.q, dtype=float)
    forward = np.asarray(res.escaped) & (q > 0.5 * (model.q_grid[0] + model.q_grid[-1]))
    return (q > q_star) | forward


def t0_thresholds(
    model: Any, q0: np.ndarray, q_star: np.ndarray, v_qs: np.ndarray, fwhm: float
) -> np.ndarray:
    """T = 0 pulse threshold per notch (V): grid refinement (16 voltages, 3 rounds) from 0 to
    5 v_qs; NaN where nothing in that range depins."""
    n = len(q0)
    lo, hi = np.zeros(n), 5 * v_qs
    found = np.zeros(n, dtype=bool)
    for _ in range(3):
        grid = np.linspace(lo, hi, 16, axis=1)  # (n, 16)
        idx = np.repeat(np.arange(n), 16)
        moved = depinned(model, q0[idx], q_star[idx], grid.ravel(), 0.0, fwhm, 0).reshape(n, 16)
        for i in range(n):
            if not moved[i].any():
                lo[i] = grid[i, -1]
                continue
            first = int(np.argmax(moved[i]))
            found[i] = True
            hi[i] = grid[i, first]
            lo[i] = grid[i, first - 1] if first else 0.0
    return np.where(found, hi, np.nan)


def probit(voltages: np.ndarray, outcome: np.ndarray) -> tuple[float, float, float]:
    """(v50, sigma, standard error of v50) in V of P = Phi((V - v50) / sigma), maximum
    likelihood; the error from the inverse Fisher information."""
    fit = fit_thresholds(
        PinnedTrials(
            notch=np.zeros(len(voltages), dtype=np.int64),
            voltage=np.asarray(voltages, dtype=float),
            depinned=np.asarray(outcome, dtype=np.int64),
        ),
        "free",
    )
    mu, sigma = float(fit.mu[0]), float(fit.sigma)
    z = (np.asarray(voltages) - mu) / sigma
    p = np.clip(norm.cdf(z), 1e-12, 1 - 1e-12)
    w = norm.pdf(z) ** 2 / (p * (1 - p)) / sigma**2
    info = np.array([[w.sum(), (w * z).sum()], [(w * z).sum(), (w * z * z).sum()]])
    try:
        se = float(math.sqrt(np.linalg.inv(info)[0, 0]))
    except (np.linalg.LinAlgError, ValueError):
        se = float("nan")
    return mu, sigma, se


def v50_300k(
    model: Any,
    q0: np.ndarray,
    q_star: np.ndarray,
    v_t0: np.ndarray,
    fwhm: float,
    rounds: tuple[tuple[int, int], ...],
) -> list[dict[str, float]]:
    """Per notch: v50, sigma, v50_se (V) and the number of trials (module docstring)."""
    n = len(q0)
    lo, hi = 0.8 * v_t0, 1.1 * v_t0
    volts: list[list[np.ndarray]] = [[] for _ in range(n)]
    outs: list[list[np.ndarray]] = [[] for _ in range(n)]
    fits: list[tuple[float, float, float]] = [(math.nan,) * 3] * n
    for r, (n_v, n_r) in enumerate(rounds):
        grid = np.linspace(lo, hi, n_v, axis=1)  # (n, n_v)
        v = np.repeat(grid, n_r, axis=1)  # (n, n_v * n_r)
        idx = np.repeat(np.arange(n), n_v * n_r)
        seed = 1000 + r + int(fwhm * 1e10)
        hit = depinned(model, q0[idx], q_star[idx], v.ravel(), TEMPERATURE, fwhm, seed)
        hit = hit.reshape(n, -1)
        for i in range(n):
            volts[i].append(v[i])
            outs[i].append(hit[i])
            fits[i] = probit(np.concatenate(volts[i]), np.concatenate(outs[i]))
        mu = np.array([f[0] for f in fits])
        sig = np.maximum(np.array([f[1] for f in fits]), SIGMA_MIN_V)
        lo, hi = np.maximum(mu - 2.5 * sig, 0.0), mu + 2.5 * sig
    return [
        {
            "v50_V": f[0],
            "sigma_V": f[1],
            "v50_se_V": f[2],
            "n_trials": int(sum(len(x) for x in volts[i])),
        }
        for i, f in enumerate(fits)
    ]


def run_device(
    device: str, widths_ns: tuple[float, ...], rounds: tuple[tuple[int, int], ...]
) -> list[dict[str, Any]]:
    """The table rows of one device (one per notch and pulse width)."""
    land = WallLandscape.load(HERE / f"landscape-{device}-4nm.npz")
    model = wall_model_of(land, hold_low_end=True)
    q0 = land.stable_points(BIAS_H)
    q_star = barrier_tops(land, BIAS_H)
    v_qs = land.depinning_voltages(BIAS_H)
    widths = np.interp(land.notch_centres, land.q, land.width)
    rows = []
    for t_ns in tqdm(widths_ns, desc=device, unit="width"):
        fwhm = t_ns * 1e-9
        tic = time.perf_counter()
        v_t0 = t0_thresholds(model, q0, q_star, v_qs, fwhm)
        stats = v50_300k(
            model, q0, q_star, np.where(np.isfinite(v_t0), v_t0, 5 * v_qs), fwhm, rounds
        )
        rise, plateau, _ = pulse_shape(fwhm)
        for k in range(len(q0)):
            rows.append(
                {
                    "device": device,
                    "notch": k,
                    "notch_centre_nm": round(float(land.notch_centres[k]) * 1e9, 3),
                    "start_nm": round(float(q0[k]) * 1e9, 3),
                    "barrier_top_nm": round(float(q_star[k]) * 1e9, 3),
                    "track_width_nm": round(float(widths[k]) * 1e9, 3),
                    "fwhm_ns": t_ns,
                    "edge_ns": round(rise * 1e9, 6),
                    "plateau_ns": round(plateau * 1e9, 6),
                    "v_qs_V": float(v_qs[k]),
                    "v_t0_V": float(v_t0[k]),
                    "v50_V": stats[k]["v50_V"],
                    "v50_se_V": stats[k]["v50_se_V"],
                    "sigma_V": stats[k]["sigma_V"],
                    "n_trials": stats[k]["n_trials"],
                    "seconds": round(time.perf_counter() - tic, 2),
                }
            )
    return rows


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """V50 (300 K) against pulse width, log x, one line per notch, one panel per device; the
    T = 0 quasi-static thresholds as short dashes at the right edge."""
    from matplotlib.figure import Figure

    from paperstyle import COLORS, paper_style

    with paper_style():
        fig = Figure(figsize=(6.8, 3.0))
        axes = fig.subplots(1, 2)
        for ax, device in zip(axes, DEVICES, strict=True):
            sel = [r for r in rows if r["device"] == device]
            notches = sorted({r["notch"] for r in sel})
            for k in notches:
                rk = sorted((r for r in sel if r["notch"] == k), key=lambda r: r["fwhm_ns"])
                t = np.array([r["fwhm_ns"] for r in rk])
                v = np.array([r["v50_V"] for r in rk])
                e = np.array([r["v50_se_V"] for r in rk])
                color = COLORS[k % len(COLORS)]
                ax.errorbar(t, v, yerr=e, marker="o", color=color, label=f"notch {k}", capsize=2)
                ax.plot(t, [r["v_t0_V"] for r in rk], ls=":", color=color, lw=0.8)
                ax.plot([230, 300], [rk[0]["v_qs_V"]] * 2, color=color, lw=1.5)
            ax.set_xscale("log")
            ax.set_xlim(4, 300)
            ax.axvline(50, color="0.6", lw=0.6, ls="--")
            ax.set_xlabel("pulse width (FWHM, ns)")
            ax.set_ylabel("V50 at 300 K (V)")
            ax.set_title(f"paper {device}", fontsize=9)
            ax.legend(ncol=2, loc="upper right")
        fig.text(
            0.5,
            0.01,
            "points: V50 at 300 K (probit fit, +- 1 s.e.); dotted: T = 0 pulse threshold;\n"
            "bars at the right: T = 0 quasi-static threshold; -4 mT; dashed: the paper's 50 ns",
            ha="center",
            fontsize=6.5,
        )
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer trials and widths (check)")
    parser.add_argument("--out", type=Path, default=HERE, help="folder of the csv/json/figure")
    parser.add_argument(
        "--replot", action="store_true", help="redraw the figure from pulse-length.json only"
    )
    args = parser.parse_args()
    if args.replot:
        rows = json.loads((args.out / "pulse-length.json").read_text())["rows"]
        plot(rows, args.out / "figures" / "pulse-length.png")
        return
    start = time.perf_counter()
    rounds = QUICK_ROUNDS if args.quick else ROUNDS
    widths = (10.0, 50.0) if args.quick else WIDTHS_NS
    rows = []
    for device in DEVICES:
        rows += run_device(device, widths, rounds)
    seconds = time.perf_counter() - start
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "pulse-length.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    meta = {
        "issue": 17,
        "what": "per-notch depinning thresholds against pulse width, wall model on the committed "
        "full-size landscapes (module docstring of pulse_length.py)",
        "landscapes": [f"landscape-{d}-4nm.npz" for d in DEVICES],
        "bias_T": -4e-3,
        "temperature_K": TEMPERATURE,
        "dt_s": DT,
        "rounds_voltages_x_realisations": rounds,
        "edges": "min(10 ns, FWHM / 5)",
        "seconds": seconds,
        "load_average_1min": os.getloadavg()[0],
        "jax": jax.__version__,
        "rows": rows,
    }
    (out / "pulse-length.json").write_text(json.dumps(meta, indent=1) + "\n")
    plot(rows, out / "figures" / "pulse-length.png")
    print(f"{seconds:.0f} s")
    for device in DEVICES:
        print(f"\n{device}: V50 (V) at 300 K by FWHM; T = 0 quasi-static")
        sel = [r for r in rows if r["device"] == device]
        print("| notch | " + " | ".join(f"{t:g} ns" for t in widths) + " | v_qs |")
        print("|---" * (len(widths) + 2) + "|")
        for k in sorted({r["notch"] for r in sel}):
            rk = sorted((r for r in sel if r["notch"] == k), key=lambda r: r["fwhm_ns"])
            cells = " | ".join(f"{r['v50_V']:.3f}" for r in rk)
            print(f"| {k} | {cells} | {rk[0]['v_qs_V']:.3f} |")


if __name__ == "__main__":
    main()
