"""Conductance levels of the notch states: what the inference application needs.

Per notch state: mean conductance G = <1/R> (S), cycle-to-cycle spread sigma_G (S, the
standard deviation over all readings of that state) and the relative error sigma_G / G
in %, plus the conductance range and the number of levels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def conductance_levels(
    resistance_ohm: np.ndarray, state: np.ndarray, n_states: int, allow_missing: bool = False
) -> dict:
    """Levels from resistance readings (ohm) labelled with their notch state.

    A state without readings (a notch the wall always jumped over) raises ValueError, or with
    ``allow_missing`` gets no level: None for its mean and spread, 0 readings, listed in
    ``missing_states``; the range and the write noise use the observed states only.
    """
    r = np.asarray(resistance_ohm, dtype=float)
    s = np.asarray(state)
    ok = np.isfinite(r) & (r > 0)
    mean_r, sig_r, mean_g, sig_g, n = [], [], [], [], []
    for k in range(n_states):
        rk = r[ok & (s == k)]
        if rk.size == 0 and allow_missing:
            for lst in (mean_r, sig_r, mean_g, sig_g):
                lst.append(None)
            n.append(0)
            continue
        if rk.size == 0:
            raise ValueError(f"resistance_ohm: no readings of notch state {k}")
        g = 1.0 / rk
        mean_r.append(float(rk.mean()))
        sig_r.append(float(rk.std(ddof=1)) if rk.size > 1 else 0.0)
        mean_g.append(float(g.mean()))
        sig_g.append(float(g.std(ddof=1)) if g.size > 1 else 0.0)
        n.append(int(rk.size))
    return _summary(mean_r, sig_r, mean_g, sig_g, n)


def levels_from_resistance(mean_ohm: list[float], sigma_ohm: list[float]) -> dict:
    """Levels from reported R +- sigma_R (ohm): G = 1/R, sigma_G = sigma_R / R^2."""
    mean_g = [1.0 / r for r in mean_ohm]
    sig_g = [s / r**2 for r, s in zip(mean_ohm, sigma_ohm, strict=True)]
    return _summary(list(mean_ohm), list(sigma_ohm), mean_g, sig_g, None)


def _summary(
    mean_r: Sequence[float | None],
    sig_r: Sequence[float | None],
    mean_g: Sequence[float | None],
    sig_g: Sequence[float | None],
    n: list[int] | None,
) -> dict:
    def num(xs: Sequence[float | None]) -> list[float | None]:
        return [None if x is None else float(x) for x in xs]

    seen = [k for k, g in enumerate(mean_g) if g is not None]
    seen_g = [float(g) for g in mean_g if g is not None]
    seen_sig = [
        float(s) if s is not None else 0.0
        for s, g in zip(sig_g, mean_g, strict=True)
        if g is not None
    ]
    if len(seen) < 2:
        raise ValueError("resistance_ohm: fewer than two notch states have readings")
    d = {
        "resistance_mean_ohm": num(mean_r),
        "resistance_sigma_ohm": num(sig_r),
        "mean_S": num(mean_g),
        "sigma_S": num(sig_g),
        "relative_error_pct": [
            None if g is None or s is None else float(100 * s / g)
            for s, g in zip(sig_g, mean_g, strict=True)
        ],
        "n_readings": n,
        "min_S": min(seen_g),
        "max_S": max(seen_g),
        "n_levels": len(mean_g),
        # write noise for inference: RMS of the per-level spreads
        "write_sigma_S": float(np.sqrt(np.mean(np.square(seen_sig)))),
    }
    if len(seen) < len(mean_g):
        d["missing_states"] = [k for k in range(len(mean_g)) if k not in seen]
    return d
