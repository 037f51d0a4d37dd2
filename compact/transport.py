"""Transport after depinning: a Markov chain over notch states driven by voltage pulses.

Sequential-capture model. A pulse of amplitude V > 0 (IN -> CLK) acting on a wall at
notch k:

* the wall stays with probability ``1 - p_k(V)``;
* otherwise it depins and runs towards CLK; it passes each later notch i only if it also
  overcomes i's barrier within the pulse (probability ``p_i(V)``, the same law that
  depins a wall sitting at i), and is captured by the first notch it does not pass:

  ``P(k -> j) = p_k * prod_{k<i<j} p_i * (1 - p_j)``,  with ``1 - p_{K-1} = 1``
  (the last state, the end of the track, captures every wall that reaches it).

Negative pulses do the same towards IN with the reverse laws. Thresholds are redrawn
for every pulse (independent trials), which is exactly the likelihood that
:mod:`compact.depinning` fits, so the Monte Carlo here is the fitted model's
posterior-predictive simulator.
"""

from __future__ import annotations

import numpy as np

from compact.depinning import DeviceLaws


def _directed_matrix(p: np.ndarray) -> np.ndarray:
    """Forward transition matrices (..., K, K) from per-notch pass probabilities (..., K)."""
    K = p.shape[-1]
    p = p.copy()
    p[..., K - 1] = 0.0  # the end state holds the wall
    q = 1.0 - p
    m = np.zeros(p.shape + (K,))
    for k in range(K):
        m[..., k, k] = q[..., k]
        if k == K - 1:
            continue
        # probability of having passed k+1 .. j-1 after depinning from k
        reach = p[..., k : k + 1] * np.concatenate(
            [np.ones(p.shape[:-1] + (1,)), np.cumprod(p[..., k + 1 : K - 1], axis=-1)], axis=-1
        )
        m[..., k, k + 1 :] = reach * q[..., k + 1 :]
    return m


def transition_matrices(laws: DeviceLaws, voltage_V: np.ndarray, pulse_width_s: np.ndarray,
                        temperature_K: np.ndarray) -> np.ndarray:
    """Row-stochastic matrices ``M[..., k, j] = P(k -> j | pulse)`` for pulses of shape (...)."""
    v = np.asarray(voltage_V, dtype=float)
    pf, pr = laws.depinning_probabilities(v, pulse_width_s, temperature_K)
    fwd = _directed_matrix(pf)
    rev = _directed_matrix(pr[..., ::-1])[..., ::-1, ::-1]
    eye = np.broadcast_to(np.eye(laws.n_states), fwd.shape)
    sign = np.sign(v)[..., None, None]
    return np.where(sign > 0, fwd, np.where(sign < 0, rev, eye))


def simulate_cycles(laws: DeviceLaws, voltage_V: np.ndarray, pulse_width_s: np.ndarray,
                    temperature_K: np.ndarray, initial_state: np.ndarray, n_rep: int,
                    rng: np.random.Generator) -> np.ndarray:
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


def sample_resistance(states: np.ndarray, mean_ohm: np.ndarray, sigma_ohm: np.ndarray,
                      rng: np.random.Generator) -> np.ndarray:
    """MTJ resistance (ohm) of each state, with the level's cycle-to-cycle spread."""
    mean_ohm, sigma_ohm = np.asarray(mean_ohm), np.asarray(sigma_ohm)
    return mean_ohm[states] + sigma_ohm[states] * rng.standard_normal(states.shape)
