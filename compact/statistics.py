"""Cycle statistics of the paper and the posterior-predictive check of a fitted model.

* switching voltages V_C of each switch (the pulse at which the wall leaves notch k) and
  the paper's cycle-to-cycle variation ``var = 1/2 (V_C,max - V_C,min) / V_C,avg``;
* the state-distribution map (probability of each notch after a pulse of amplitude V,
  Fig. 3c);
* multi-notch jump frequencies (how many notches one switching pulse moves the wall).

:func:`posterior_predictive` simulates the fitted model on the observed protocols
(same voltages, widths, temperatures, initial states, same number of cycles) many
times and reports where the observed statistics fall among the replicates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import quad
from scipy.stats import norm

from compact.depinning import DeviceLaws
from compact.observations import Transitions
from compact.transport import simulate_cycles


def percent_variation(vc: np.ndarray) -> float:
    """The paper's ``var = 1/2 (V_max - V_min) / V_avg`` (a fraction, not %)."""
    vc = np.abs(np.asarray(vc, dtype=float))
    if vc.size == 0:
        return float("nan")
    return float(0.5 * (vc.max() - vc.min()) / vc.mean())


def expected_range_factor(n: int) -> float:
    """E[max - min] / sigma of ``n`` normal samples (the d2 constant of control charts)."""
    if n < 2:
        raise ValueError(f"n: need at least 2 samples, got {n}")
    return float(quad(lambda x: 1 - norm.cdf(x) ** n - norm.sf(x) ** n, -np.inf, np.inf)[0])


def sigma_from_variation(var: float, v_avg: float, n_cycles: int) -> float:
    """Threshold spread sigma (V) whose expected ``var`` over ``n_cycles`` cycles is ``var``."""
    return 2.0 * var * abs(v_avg) / expected_range_factor(n_cycles)


def switching_voltages(
    voltage_V: np.ndarray, states: np.ndarray, initial_state: np.ndarray, n_states: int
) -> dict[tuple[int, int], np.ndarray]:
    """V_C samples per switch ``(direction, notch)``: |V| of every pulse that moved the wall
    out of ``notch`` in ``direction`` (+1 towards CLK, -1 towards IN).

    Inputs are ``[..., cycle, pulse]`` arrays; leading axes (replicates) are pooled.
    """
    v = np.asarray(voltage_V, dtype=float)
    s = np.asarray(states)
    v = np.broadcast_to(v, s.shape)
    init = np.broadcast_to(np.asarray(initial_state), s.shape[:-1])
    prev = np.concatenate([init[..., None], s[..., :-1]], axis=-1)
    moved = (s != prev) & (s >= 0) & (prev >= 0)
    out = {}
    for d in (1, -1):
        for k in range(n_states):
            sel = moved & (prev == k) & (np.sign(v) == d)
            if sel.any():
                out[(d, k)] = np.abs(v[sel])
    return out


def state_map(
    voltage_V: np.ndarray, states: np.ndarray, n_states: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probability of each notch state after a pulse of each distinct amplitude V.

    Returns ``(V values, probability[n_V, n_states], number of pulses[n_V])``.
    """
    v = np.broadcast_to(np.asarray(voltage_V, dtype=float), np.shape(states)).ravel()
    s = np.asarray(states).ravel()
    ok = np.isfinite(v) & (s >= 0)
    vals, inv = np.unique(np.round(v[ok], 9), return_inverse=True)
    counts = np.zeros((vals.size, n_states))
    np.add.at(counts, (inv.ravel(), s[ok]), 1.0)
    n = counts.sum(axis=1)
    return vals, counts / n[:, None], n


def jump_frequencies(
    voltage_V: np.ndarray, states: np.ndarray, initial_state: np.ndarray, n_states: int
) -> dict[int, np.ndarray]:
    """Fraction of switching pulses that move the wall by 1, 2, ..., K-1 notches, per direction."""
    s = np.asarray(states)
    v = np.broadcast_to(np.asarray(voltage_V, dtype=float), s.shape)
    init = np.broadcast_to(np.asarray(initial_state), s.shape[:-1])
    prev = np.concatenate([init[..., None], s[..., :-1]], axis=-1)
    ok = (s >= 0) & (prev >= 0) & (s != prev)
    out = {}
    for d in (1, -1):
        jumps = ((s - prev) * d)[ok & (np.sign(v) == d)]
        jumps = jumps[jumps > 0]
        h = np.bincount(jumps, minlength=n_states)[1:n_states].astype(float)
        out[d] = h / h.sum() if h.sum() else h
    return out


@dataclass
class PredictiveCheck:
    """Observed statistics and their posterior-predictive distribution."""

    state_map_V: np.ndarray
    state_map_data: np.ndarray  # (n_V, K)
    state_map_model: np.ndarray  # (n_V, K), mean over replicates
    state_map_model_sd: np.ndarray  # (n_V, K), sd over replicate datasets
    state_map_counts: np.ndarray
    state_map_replicates: np.ndarray  # (n_rep, n_V, K)
    switches: list[tuple[int, int]]
    vc_mean_data: np.ndarray
    vc_mean_model: np.ndarray  # (n_rep, n_switch)
    var_data: np.ndarray
    var_model: np.ndarray  # (n_rep, n_switch)
    jumps_data: dict[int, np.ndarray]
    jumps_model: dict[int, np.ndarray]  # per direction (n_rep, K-1)
    simulated_states: np.ndarray  # (n_rep, n_cycles, n_pulses)
    protocol_V: np.ndarray
    data_states: np.ndarray
    initial_state: np.ndarray

    def quantile_of_data(self, stat: str) -> np.ndarray:
        """Fraction of replicates below the observed value (``"var"`` or ``"vc_mean"``)."""
        d, m = getattr(self, f"{stat}_data"), getattr(self, f"{stat}_model")
        return np.nanmean(m < d[None, :], axis=0)

    def state_map_pvalue(self) -> float:
        """Posterior-predictive p-value of the state map: fraction of replicate datasets whose
        discrepancy sum((map - model)^2 / (binomial variance + 1/n^2)) is at least the data's.
        Small values (< 0.01) mean the model does not reproduce the observed map."""
        n = self.state_map_counts[:, None]
        m = self.state_map_model
        denom = m * (1 - m) / n + 1.0 / n**2
        d_data = np.sum((self.state_map_data - m) ** 2 / denom)
        d_rep = np.sum((self.state_map_replicates - m) ** 2 / denom, axis=(1, 2))
        return float(np.mean(d_rep >= d_data))

    def state_map_z(self) -> np.ndarray:
        """(data - model) / replicate sd per state-map cell (0 where the sd vanishes)."""
        diff = self.state_map_data - self.state_map_model
        sd = self.state_map_model_sd
        return np.where(sd > 0, diff / np.where(sd > 0, sd, 1.0), 0.0)


def posterior_predictive(
    laws: DeviceLaws, tr: Transitions, n_rep: int = 200, rng: np.random.Generator | None = None
) -> PredictiveCheck:
    """Simulate the fitted model on the observed protocols ``n_rep`` times and compare."""
    rng = rng if rng is not None else np.random.default_rng(0)
    c = tr.cycles()
    K = tr.n_states
    sim = simulate_cycles(
        laws, c["voltage_V"], c["pulse_width_s"], c["temperature_K"], c["initial_state"], n_rep, rng
    )
    sim = np.where(c["state"][None] >= 0, sim, -1)
    v_vals, map_d, n_v = state_map(c["voltage_V"], c["state"], K)
    maps = np.array([state_map(c["voltage_V"], sim[r], K)[1] for r in range(n_rep)])
    sw_d = switching_voltages(c["voltage_V"], c["state"], c["initial_state"], K)
    switches = sorted(sw_d, key=lambda x: (-x[0], x[1]))
    vc_mean_m = np.full((n_rep, len(switches)), np.nan)
    var_m = np.full((n_rep, len(switches)), np.nan)
    jumps_m: dict[int, list[np.ndarray]] = {1: [], -1: []}
    for r in range(n_rep):
        sw = switching_voltages(c["voltage_V"], sim[r], c["initial_state"], K)
        for i, key in enumerate(switches):
            if key in sw:
                vc_mean_m[r, i] = sw[key].mean()
                var_m[r, i] = percent_variation(sw[key])
        jf = jump_frequencies(c["voltage_V"], sim[r], c["initial_state"], K)
        for d in (1, -1):
            jumps_m[d].append(jf[d])
    return PredictiveCheck(
        state_map_V=v_vals,
        state_map_data=map_d,
        state_map_model=maps.mean(axis=0),
        state_map_model_sd=maps.std(axis=0),
        state_map_counts=n_v,
        state_map_replicates=maps,
        switches=switches,
        vc_mean_data=np.array([sw_d[k].mean() for k in switches]),
        vc_mean_model=vc_mean_m,
        var_data=np.array([percent_variation(sw_d[k]) for k in switches]),
        var_model=var_m,
        jumps_data=jump_frequencies(c["voltage_V"], c["state"], c["initial_state"], K),
        jumps_model={d: np.array(v) for d, v in jumps_m.items()},
        simulated_states=sim,
        protocol_V=c["voltage_V"],
        data_states=c["state"],
        initial_state=c["initial_state"],
    )
