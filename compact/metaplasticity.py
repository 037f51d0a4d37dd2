"""Metaplasticity from the notch thresholds: Eq. 1 of the paper and the asymmetry delta.

The trapezoid's threshold grows with the track width under the wall, so the voltage a
pulse needs grows with the wall position. With V_k the median depinning voltage of notch
k (forward direction, at the reference pulse width and temperature) and W_k in [0, 1]
the normalised wall position (from the notch positions if known, else evenly spaced over
the notches that have a forward threshold),

    f(W_k) = V_0 / V_k,

which Eq. 1 models as ``f_meta(W) = (1 - |W|)(w2 - w1)/w2 + w1/w2``. A weighted
least-squares fit gives the effective w1/w2 and the RMS residual.

Asymmetry delta (definition used here): the ratio of the mean number of notches one
switching pulse moves the wall in the reset direction (V < 0, from the last notch, at its
median reset threshold) to the mean number moved by a switching write pulse (V > 0,
averaged over the notches, each at its own median write threshold), both computed with the
fitted sequential-capture transport model. A single-shot reset over K-1 notches with
one-notch writes gives delta = K-1 (3 for the paper's trapezoid, the paper's delta = 3);
a symmetric track gives 1.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import approx_fprime, curve_fit

from compact.depinning import DeviceLaws, NotchLaw
from compact.transport import transition_matrices
from physics.experiment.run_statistics import FitNotConvergedError


def f_meta(W: np.ndarray, w1_over_w2: float) -> np.ndarray:
    """Eq. 1: metaplastic update factor at normalised wall position W (dimensionless)."""
    r = w1_over_w2
    return (1.0 - np.abs(W)) * (1.0 - r) + r


def threshold_with_se(law: NotchLaw, width_s: float, temp_K: float) -> tuple[float, float]:
    """Median threshold (V) and its standard error (delta method on the law's covariance)."""
    v = law.median_threshold_V(width_s, temp_K)
    if law.covariance is None:
        return v, float("nan")
    names = list(law.params)[: len(law.covariance)]
    x0 = np.array([law.params[n] for n in names])

    def g(x: np.ndarray) -> float:
        p = {**law.params, **dict(zip(names, x, strict=True))}
        return NotchLaw(**{**law.__dict__, "params": p}).median_threshold_V(width_s, temp_K)

    grad = np.asarray(approx_fprime(x0, g, 1e-6 * np.maximum(np.abs(x0), 1e-3)), dtype=float)
    cov = np.asarray(law.covariance, dtype=float)
    return v, float(np.sqrt(max(grad @ cov @ grad, 0.0)))


def metaplastic_points(
    laws: DeviceLaws, width_s: float, temp_K: float, positions_m: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(W, f = V_0/V_k, standard error of f) for every notch with a forward threshold."""
    ks = [k for k, law in enumerate(laws.forward) if law is not None]
    if len(ks) < 2:
        raise ValueError("metaplasticity: need forward thresholds of at least 2 notches")
    vt = np.array([threshold_with_se(laws.forward[k], width_s, temp_K) for k in ks])
    if positions_m is not None:
        x = np.asarray(positions_m, dtype=float)[ks]
        W = (x - x[0]) / (x[-1] - x[0])
    else:
        W = np.linspace(0.0, 1.0, len(ks))
    v, se = vt[:, 0], vt[:, 1]
    f = v[0] / v
    f_se = f * np.sqrt((se[0] / v[0]) ** 2 + (se / v) ** 2)
    f_se[0] = 0.0
    return W, f, f_se


def fit_eq1(
    W: np.ndarray, f: np.ndarray, f_se: np.ndarray | None = None
) -> tuple[float, float, float]:
    """Fit Eq. 1 to points (W, f): returns (w1/w2, its standard error, RMS residual)."""
    W, f = np.asarray(W, dtype=float), np.asarray(f, dtype=float)
    use = W > 0  # f(0) = 1 by construction carries no information
    if use.sum() < 1:
        raise ValueError("metaplasticity: need at least one point with W > 0")
    sig = None
    if f_se is not None and np.all(np.isfinite(f_se[use])) and np.all(f_se[use] > 0):
        sig = np.asarray(f_se)[use]
    try:
        popt, pcov = curve_fit(
            f_meta, W[use], f[use], p0=[0.5], sigma=sig, absolute_sigma=sig is not None
        )
    except RuntimeError as exc:  # scipy's "optimal parameters not found"
        raise FitNotConvergedError(f"Eq. 1 fit (w1/w2): did not converge ({exc})") from exc
    r = float(popt[0])
    rms = float(np.sqrt(np.mean((f - f_meta(W, r)) ** 2)))
    se = float(np.sqrt(pcov[0, 0])) if np.isfinite(pcov[0, 0]) else float("nan")
    return r, se, rms


def mean_jump_given_switch(
    laws: DeviceLaws, start: int, voltage_V: float, width_s: float, temp_K: float
) -> float:
    """Expected number of notches moved by a pulse from ``start``, given that it moves."""
    m = transition_matrices(laws, np.array(voltage_V), np.array(width_s), np.array(temp_K))
    row = m[start].copy()
    row[start] = 0.0
    if row.sum() <= 0:
        return float("nan")
    return float(np.sum(np.abs(np.arange(laws.n_states) - start) * row) / row.sum())


def asymmetry_delta(laws: DeviceLaws, width_s: float, temp_K: float) -> float | None:
    """delta as defined in the module docstring; None without reset-direction data."""
    K = laws.n_states
    reset = laws.reverse[K - 1]
    if reset is None:
        return None
    v_reset = -reset.median_threshold_V(width_s, temp_K)
    jump_reset = mean_jump_given_switch(laws, K - 1, v_reset, width_s, temp_K)
    writes = [
        mean_jump_given_switch(laws, k, law.median_threshold_V(width_s, temp_K), width_s, temp_K)
        for k, law in enumerate(laws.forward)
        if law is not None
    ]
    writes = [w for w in writes if np.isfinite(w)]
    if not writes or not np.isfinite(jump_reset):
        return None
    return float(jump_reset / np.mean(writes))
