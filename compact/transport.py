"""Transport after depinning: a Markov chain over notch states driven by voltage pulses.

Sequential-capture model. A pulse of amplitude V > 0 (IN -> CLK) acting on a wall at
notch k:

* the wall stays with probability ``1 - p_k(V)``;
* otherwise it depins and runs towards CLK; it passes the notch at distance n >= 1 from k
  (notch i = k + n) only if it also overcomes i's barrier within the pulse (probability
  ``p_i(V)``, the same law that depins a wall sitting at i) *and* the pulse lasts long
  enough to carry it past i (probability ``s_n``), and it stops at the first notch it does
  not pass:

  ``P(k -> j) = p_k * prod_{k<i<j} p_i s_{i-k} * (1 - p_j s_{j-k})``,  with the last state
  (the end of the track) capturing every wall that reaches it.

Reach. The distance a wall covers in one pulse is bounded by wall speed x pulse time: a
short pulse that lowers every barrier still ends after a notch or two (straight track,
1.5 ns pulses: the pure threshold model predicts 3-4 notch jumps that never happen). One
per-device parameter, the reach rate ``u`` (notch spacings per second of pulse), gives the
reach ``r = u t_p`` (notch spacings) of a pulse of width ``t_p`` and
``s_n = clip(r - n, 0, 1)``: notches closer than ``r - 1`` are within reach, the one at
``ceil(r) - 1`` with probability equal to the fractional part (the range varies from pulse
to pulse between the two neighbouring integers), farther ones are not (the first notch
after k is always reached: a depinned wall moves at least one notch). ``u = None`` (or
infinite) is the pure threshold model, ``s_n = 1``. :func:`fit_reach` estimates ``u`` by
maximum likelihood from the moves, given the fitted threshold laws. Not modelled: the
dependence of the wall speed on V (one mean speed per device).

Negative pulses do the same towards IN with the reverse laws. Thresholds are redrawn
for every pulse (independent trials), which is exactly the likelihood that
:mod:`compact.depinning` fits, so the Monte Carlo here is the fitted model's
posterior-predictive simulator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeResult, minimize_scalar

from compact.depinning import DeviceLaws
from compact.observations import Transitions


def _directed_matrix(p: np.ndarray, reach: np.ndarray | None = None) -> np.ndarray:
    """Forward transition matrices (..., K, K) from per-notch depinning probabilities (..., K)
    and the reach ``r`` (notch spacings, shape (...) or None = unlimited) of each pulse."""
    K = p.shape[-1]
    p = p.copy()
    p[..., K - 1] = 0.0  # the end state holds the wall
    q = 1.0 - p
    m = np.zeros(p.shape + (K,))
    for k in range(K):
        m[..., k, k] = q[..., k]
        if k == K - 1:
            continue
        n = np.arange(1, K - k)  # distances of notches k+1 .. K-1
        if reach is None:
            within = np.ones(p.shape[:-1] + (n.size,))
        else:
            within = np.clip(np.asarray(reach, float)[..., None] - n, 0.0, 1.0)
        passing = p[..., k + 1 :] * within  # a moving wall passes notch k + n
        # probability of having passed k+1 .. j-1 after depinning from k
        reach_j = p[..., k : k + 1] * np.concatenate(
            [np.ones(p.shape[:-1] + (1,)), np.cumprod(passing[..., :-1], axis=-1)], axis=-1
        )
        m[..., k, k + 1 :] = reach_j * (1.0 - passing)
    return m


def pulse_reach(laws: DeviceLaws, pulse_width_s: np.ndarray) -> np.ndarray | None:
    """Reach ``r = u t_p`` (notch spacings) of pulses of width ``pulse_width_s`` (s); None
    when the laws have no reach limit."""
    if laws.reach_rate_per_s is None:
        return None
    u = float(laws.reach_rate_per_s)
    if not u > 0:
        raise ValueError(f"reach_rate_per_s: must be positive or None, got {u}")
    return u * np.asarray(pulse_width_s, dtype=float)


def transition_matrices(
    laws: DeviceLaws, voltage_V: np.ndarray, pulse_width_s: np.ndarray, temperature_K: np.ndarray
) -> np.ndarray:
    """Row-stochastic matrices ``M[..., k, j] = P(k -> j | pulse)`` for pulses of shape (...),
    with the reach limit ``laws.reach_rate_per_s`` (see the module docstring)."""
    v = np.asarray(voltage_V, dtype=float)
    pf, pr = laws.depinning_probabilities(v, pulse_width_s, temperature_K)
    r = pulse_reach(laws, np.broadcast_to(pulse_width_s, v.shape))
    fwd = _directed_matrix(pf, r)
    rev = _directed_matrix(pr[..., ::-1], r)[..., ::-1, ::-1]
    eye = np.broadcast_to(np.eye(laws.n_states), fwd.shape)
    sign = np.sign(v)[..., None, None]
    return np.where(sign > 0, fwd, np.where(sign < 0, rev, eye))


def simulate_cycles(
    laws: DeviceLaws,
    voltage_V: np.ndarray,
    pulse_width_s: np.ndarray,
    temperature_K: np.ndarray,
    initial_state: np.ndarray,
    n_rep: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Monte Carlo of pulse protocols, vectorised over cycles and replicates.

    ``voltage_V``, ``pulse_width_s``, ``temperature_K``: (n_cycles, n_pulses) protocols
    (NaN voltage = no pulse, the state is kept); ``initial_state``: (n_cycles,).
    Returns the states after each pulse, shape (n_rep, n_cycles, n_pulses).
    """
    v = np.asarray(voltage_V, dtype=float)
    if v.ndim != 2:
        raise ValueError("voltage_V: expected shape (n_cycles, n_pulses)")
    if n_rep < 1:
        raise ValueError("n_rep: need at least one replicate")
    width = np.where(np.isnan(v), 1.0, np.broadcast_to(pulse_width_s, v.shape))
    temp = np.where(np.isnan(v), 1.0, np.broadcast_to(temperature_K, v.shape))
    m = transition_matrices(laws, np.nan_to_num(v), width, temp)  # (C, P, K, K)
    cum = np.cumsum(m, axis=-1)
    n_c, n_p = v.shape
    state = np.broadcast_to(np.asarray(initial_state, dtype=np.int64), (n_rep, n_c)).copy()
    out = np.empty((n_rep, n_c, n_p), dtype=np.int64)
    cyc = np.arange(n_c)[None, :]
    for t in range(n_p):
        rows = cum[cyc, t, state]  # (R, C, K)
        u = rng.random((n_rep, n_c, 1))
        new = np.minimum((u > rows).sum(axis=-1), laws.n_states - 1)
        state = np.where(np.isnan(v[:, t])[None, :], state, new)
        out[:, :, t] = state
    return out


@dataclass(frozen=True)
class ReachFit:
    """Maximum-likelihood reach rate and what it was estimated from."""

    reach_rate_per_s: float | None  # u (notch spacings per second of pulse); None = unlimited
    stderr_per_s: float | None  # from the observed information at the optimum
    n_moves: int  # pulses that depinned the wall and moved it in their direction
    n_passes: int  # notches passed by moving walls
    log_likelihood_gain: float  # log L(u) - log L(unlimited) of the moves (>= 0)


def _moves(
    laws: DeviceLaws, tr: Transitions
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The notches passed by moving walls as (distance n, p_i, pulse width) and the stopping
    notches as (distance n, p_j, pulse width); stops at the end of the track (which capture
    regardless of the reach) are left out."""
    K = tr.n_states
    v = np.asarray(tr.voltage_V, float)
    w = np.broadcast_to(np.asarray(tr.pulse_width_s, float), v.shape)
    pf, pr = laws.depinning_probabilities(v, tr.pulse_width_s, tr.temperature_K)
    passed: list[tuple[int, float, float]] = []
    stopped: list[tuple[int, float, float]] = []
    for i, (s, e) in enumerate(zip(tr.start_notch, tr.end_notch, strict=True)):
        d = int(np.sign(v[i]))
        if d == 0 or (e - s) * d <= 0:
            continue
        p = pf[i] if d > 0 else pr[i]
        passed.extend((abs(j - s), p[j], w[i]) for j in range(s + d, e, d))
        if e != (K - 1 if d > 0 else 0):
            stopped.append((abs(e - s), p[e], w[i]))
    a = np.array(passed, float).reshape(-1, 3)
    b = np.array(stopped, float).reshape(-1, 3)
    eps = 1e-12
    return (
        a[:, 0],
        np.clip(a[:, 1], eps, 1.0),
        a[:, 2],
        b[:, 0],
        np.clip(b[:, 1], eps, 1.0 - eps),
        b[:, 2],
    )


def reach_log_likelihood(u_per_s: float, moves: tuple) -> float:
    """log L(u) of the moves up to terms without u (see :func:`fit_reach`)."""
    n_pass, _, w_pass, n_stop, p_stop, w_stop = moves
    with np.errstate(divide="ignore"):
        s_pass = np.clip(u_per_s * w_pass - n_pass, 0.0, 1.0)
        s_stop = np.clip(u_per_s * w_stop - n_stop, 0.0, 1.0)
        return float(np.sum(np.log(s_pass)) + np.sum(np.log1p(-p_stop * s_stop)))


def fit_reach(laws: DeviceLaws, tr: Transitions) -> ReachFit:
    """Maximum-likelihood reach rate ``u`` (notch spacings per second of pulse) of the moves
    in ``tr`` given the fitted threshold laws (a two-stage estimate: the laws' own
    uncertainty is not propagated).

    The likelihood of a move k -> j is ``p_k prod_{k<i<j} p_i s_{i-k} (1 - p_j s_{j-k})``
    with ``s_n = clip(u t_p - n, 0, 1)``; the p factors of passes do not depend on u, so
    ``log L(u) = sum_passes log s_n + sum_stops log(1 - p_j s_n)``. It is piecewise smooth
    in u, so the optimum is found on a fine grid of reaches and refined inside its segment;
    the standard error comes from the observed information
    ``sum_passes t^2 / s^2 + sum_stops t^2 p^2 / (1 - p s)^2`` over the terms with
    0 < s < 1 (None when no term is inside: the optimum sits on a segment edge). When no
    stop argues for a limit (every move ended at the end of the track, or the threshold
    laws alone explain the stops as well) the result is unlimited (u = None).
    """
    moves = _moves(laws, tr)
    n_pass, _, w_pass, n_stop, p_stop, w_stop = moves
    d = np.sign(np.asarray(tr.voltage_V, float))
    n_moves = int(np.sum((np.asarray(tr.end_notch) - np.asarray(tr.start_notch)) * d > 0))
    base = float(np.sum(np.log1p(-p_stop)))  # unlimited: s = 1 everywhere
    if n_stop.size == 0:
        return ReachFit(None, None, n_moves, int(n_pass.size), 0.0)
    w_ref = float(np.median(np.concatenate([w_pass, w_stop])))
    r_max = float(max(np.max(n_pass, initial=0), np.max(n_stop)) + 1)
    # every reach beyond r_max (at the reference width) behaves like an unlimited one
    grid = np.linspace(0.0, r_max + 1.0, 4001)[1:] / w_ref
    ll = np.array([reach_log_likelihood(u, moves) for u in grid])
    i = int(np.argmax(ll))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res: OptimizeResult = minimize_scalar(  # type: ignore[assignment]
        lambda u: -reach_log_likelihood(u, moves),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-6 / w_ref},
    )
    u_hat = float(res.x) if -res.fun >= ll[i] else float(grid[i])
    gain = reach_log_likelihood(u_hat, moves) - base
    if gain <= 1e-9:
        return ReachFit(None, None, n_moves, int(n_pass.size), 0.0)
    s_pass = u_hat * w_pass - n_pass
    s_stop = u_hat * w_stop - n_stop
    inp = (s_pass > 0) & (s_pass < 1)
    ins = (s_stop > 0) & (s_stop < 1)
    info = float(
        np.sum(w_pass[inp] ** 2 / s_pass[inp] ** 2)
        + np.sum(w_stop[ins] ** 2 * p_stop[ins] ** 2 / (1 - p_stop[ins] * s_stop[ins]) ** 2)
    )
    se = float(1.0 / np.sqrt(info)) if info > 0 else None
    return ReachFit(u_hat, se, n_moves, int(n_pass.size), gain)


def sample_resistance(
    states: np.ndarray, mean_ohm: np.ndarray, sigma_ohm: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """MTJ resistance (ohm) of each state, with the level's cycle-to-cycle spread."""
    mean_ohm, sigma_ohm = np.asarray(mean_ohm), np.asarray(sigma_ohm)
    return mean_ohm[states] + sigma_ohm[states] * rng.standard_normal(states.shape)
