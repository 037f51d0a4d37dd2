"""Quasi-static depinning-threshold estimate of the scaled trapezoid for notch-depth choices.

Wall energy sigma t W(x), with W the mask column width (m) smoothed over the wall profile
(sech^2, Delta = 12.9 nm). With J ~ 1/W the force balance gives V_th ~ max over the notch exit
(x_k - 4 nm ... x_k + 22 nm) of sigma W'(x) + 2 Ms mu0 H W(x) (mu0 H = 4 mT bias). Printed:
that maximum (J/m^2 x 1e3, arbitrary scale) per notch for fixed 6 nm notches and for depths
r x the local nominal width, at 4, 2 and 1 nm cells. Used to choose the self-similar preset
(results/experiments/README.md). Run: .venv/bin/python results/experiments/threshold_estimate.py
"""

from __future__ import annotations

import numpy as np

from geometries.presets import load_preset
from geometries.track import Track

SIGMA = 4.65e-3  # wall energy 4 sqrt(A K_eff) (J/m^2), A = 1.5e-11 J/m, K_eff = 9.0e4 J/m^3
MS = 1.1e6  # A/m
BIAS_T = 4e-3  # |mu0 H| (T)
DELTA = 12.9e-9  # wall width sqrt(A / K_eff) (m)


def threshold_estimate(track: Track, cell: float) -> np.ndarray:
    """max of sigma W' + 2 Ms mu0 H W over each notch's exit, x 1e3 (J/m^2)."""
    mask = track.mask(cell, cell)
    width = mask.sum(axis=1) * cell
    xc = (np.arange(mask.shape[0]) + 0.5) * cell
    k = np.arange(-40, 41) * cell
    kernel = 1.0 / np.cosh(k / DELTA) ** 2
    kernel /= kernel.sum()
    smooth = np.convolve(np.pad(width, 40, mode="edge"), kernel, mode="valid")
    force = SIGMA * np.gradient(smooth, cell) + 2 * MS * BIAS_T * smooth
    return np.array(
        [force[(xc >= x - 4e-9) & (xc <= x + 22e-9)].max() * 1e3 for x in track.notch_centres]
    )


def main() -> None:
    base = load_preset("scaled-trapezoid")
    data = base.to_dict()
    w_notch = base.nominal_width_at(base.notch_centres)
    variants = [("fixed 6 nm", 6e-9)]
    variants += [
        (f"r = {r}", [round(r * w * 1e10) / 1e10 for w in w_notch]) for r in (0.1, 0.15, 0.2, 0.25)
    ]
    for label, depth in variants:
        track = Track.from_dict({**data, "notches": {**data["notches"], "depth": depth}})
        cells = {c: np.round(threshold_estimate(track, c * 1e-9), 2) for c in (4, 2, 1)}
        print(label, "  ".join(f"{c} nm: {v}" for c, v in cells.items()))


if __name__ == "__main__":
    main()
