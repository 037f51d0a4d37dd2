"""The design objective: target misfit plus margin and spread penalties, its expectation under
fabrication variance of the notch depths, and the yield.

For a profile with per-notch (V50_k, sigma_k) (V, :func:`design.depinning.v50_and_spread`):

- targets T_k (V): the given levels, or for an f_meta target the Eq. 1 voltages
  T_k = v_first / f(W_k), f(W) = (1 - W)(1 - r) + r, W_k = (x_k - x_0)/(x_{K-1} - x_0);
- misfit: mean_k log(V50_k / T_k)^2;
- margin (a notch is *resolved* when the next one does not go with it):
  V50_{k+1} - V50_k >= z sqrt(sigma_k^2 + sigma_{k+1}^2), penalty mean relu(need - gap)^2 / T^2;
- spread: sigma_k / V50_k <= s_max, penalty mean relu(sigma/V50 - s_max)^2;
- hold (with ``hold_time_s``): notch 0 keeps the wall against the bias and the taper at V = 0,
  P_back = 1 - exp(-hold_time / tau_back) <= max_backward_escape, i.e.
  log tau_back >= log(hold_time / -log(1 - max_backward_escape)), penalty relu of the shortfall
  in e-folds, squared (:func:`design.depinning.log_backward_escape_time`).

The robust objective is the mean over ``robust_samples`` fabricated tracks: depth
perturbations d_k + eps_k, eps ~ N(0, depth_sigma), and, where the constraints give an edge
roughness, rough edges of geometries' seeded model (:func:`design.surrogate.roughness_ensemble`),
as common random numbers fixed per start. The yield is the Monte Carlo probability, over
fresh samples of both, that every neighbouring pair is resolved.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from design.depinning import Pulse, log_backward_escape_time, v50_and_spread
from design.params import perturb_depths
from design.surrogate import Calibration, Profile, roughness_ensemble
from design.target import DesignSpec
from physics.materials import MU0, Material

#: Weights of the margin and spread penalties against the misfit.
PENALTY_WEIGHT = 10.0


@dataclass(frozen=True)
class Problem:
    """Everything the objective needs besides the parameters (static under jit)."""

    spec: DesignSpec
    material: Material
    cal: Calibration
    pulse: Pulse

    @classmethod
    def of(cls, spec: DesignSpec, cal: Calibration) -> Problem:
        """The problem of a validated design spec."""
        p = spec.pulse
        pulse = Pulse(float(p.duration_s), float(p.temperature_K), float(p.bias_T) / MU0)
        return cls(spec, spec.material.material(), cal, pulse)

    def __hash__(self) -> int:
        return id(self)


def targets(problem: Problem, p: Profile) -> jax.Array:
    """Target V50 of each notch (V), shape (K,)."""
    t = problem.spec.target
    if t.kind == "levels":
        return jnp.asarray(t.levels_V, dtype=p.positions.dtype)
    x = p.positions
    W = (x - x[0]) / (x[-1] - x[0])
    r = t.w1_over_w2
    return t.v_first_V / ((1.0 - W) * (1.0 - r) + r)


def hold_penalty(problem: Problem, p: Profile) -> tuple[jax.Array, jax.Array]:
    """(hold penalty, log tau_back) of ``p``: the squared shortfall, in e-folds, of notch 0's
    backward escape time at V = 0 against what ``hold_time_s`` and ``max_backward_escape`` need
    (0 without ``hold_time_s``), and log tau_back (tau_back in s)."""
    t = problem.spec.target
    log_tau_back = log_backward_escape_time(p, 0.0, problem.material, problem.cal, problem.pulse)
    if t.hold_time_s is None:
        return jnp.zeros(()), log_tau_back
    need = jnp.log(t.hold_time_s / -jnp.log1p(-t.max_backward_escape))
    return jax.nn.relu(need - log_tau_back) ** 2, log_tau_back


def terms(problem: Problem, p: Profile) -> dict[str, jax.Array]:
    """Misfit, margin and spread penalties (dimensionless) and the predictions of ``p``."""
    v50, sig = v50_and_spread(p, problem.material, problem.cal, problem.pulse)
    T = targets(problem, p)
    t = problem.spec.target
    misfit = jnp.mean(jnp.log(v50 / T) ** 2)
    need = t.min_margin * jnp.sqrt(sig[1:] ** 2 + sig[:-1] ** 2)
    margin = jnp.mean((jax.nn.relu(need - jnp.diff(v50)) / jnp.mean(T)) ** 2)
    spread = (
        jnp.mean(jax.nn.relu(sig / v50 - t.max_spread) ** 2)
        if t.max_spread is not None
        else jnp.zeros(())
    )
    hold, log_tau_back = hold_penalty(problem, p)
    return {
        "misfit": misfit,
        "margin": margin,
        "spread": spread,
        "hold": hold,
        "log_tau_back": log_tau_back,
        "v50": v50,
        "sigma": sig,
        "target": T,
    }


def fabricated(p: Profile, eps: jax.Array, rough: jax.Array | None) -> Profile:
    """The profile as fabricated: depths d + eps (m), and the rough edges' width change
    ``rough`` (m, on geometries' grid; None: smooth)."""
    q = perturb_depths(p, eps)
    return q if rough is None else q._replace(rough=rough)


def roughness_samples(problem: Problem, n: int, seed: int) -> jax.Array | None:
    """(n, N) rough-edge width changes (m) of the constraints' edge roughness, or None if the
    edges are smooth."""
    c = problem.spec.constraints
    if c.edge_roughness_m <= 0:
        return None
    return jnp.asarray(
        roughness_ensemble(
            c.edge_roughness_m, float(c.roughness_correlation_m), c.length_m, n, seed
        )
    )


def loss(
    problem: Problem, p: Profile, eps: jax.Array | None = None, rough: jax.Array | None = None
) -> jax.Array:
    """The (robust) objective of profile ``p``; ``eps`` (S, K) depth perturbations (m) and
    ``rough`` (S, N) rough-edge width changes (m), or None for the nominal objective."""

    def one(prof):
        d = terms(problem, prof)
        return d["misfit"] + PENALTY_WEIGHT * (d["margin"] + d["spread"] + d["hold"])

    if eps is None and rough is None:
        return one(p)
    if eps is None:
        assert rough is not None
        eps = jnp.zeros((rough.shape[0], p.positions.shape[0]), dtype=p.depths.dtype)
    # a None ``rough`` has no leaves: vmap passes it through to every sample
    return jnp.mean(jax.vmap(lambda e, r: one(fabricated(p, e, r)))(eps, rough))


def resolved(problem: Problem, v50: np.ndarray, sig: np.ndarray) -> np.ndarray:
    """Per neighbouring pair (K - 1,): V50 gap >= min_margin * combined spread."""
    z = problem.spec.target.min_margin
    return np.diff(v50) >= z * np.sqrt(sig[1:] ** 2 + sig[:-1] ** 2)


@functools.lru_cache(maxsize=16)
def _batched_v50(material: Material, cal: Calibration, pulse: Pulse):
    """One jitted program (profile, eps (n, K), rough (n, N) or None) -> (V50, sigma) (n, K)
    per material, calibration and pulse: compiled once per shape, reused for every design
    and roughness amplitude."""
    return jax.jit(
        jax.vmap(
            lambda p, e, r: v50_and_spread(fabricated(p, e, r), material, cal, pulse),
            in_axes=(None, 0, 0),
        )
    )


#: Seed offset of the yield's rough edges (the robust objective's use seeds below it).
YIELD_ROUGHNESS_SEED = 1_000_000


def yield_estimate(problem: Problem, p: Profile, n: int, sigma_depth: float, seed: int = 0) -> dict:
    """Monte Carlo over depth errors eps ~ N(0, sigma_depth) (m) per notch and, where the
    constraints give an edge roughness, over n rough-edge realisations (seeds
    YIELD_ROUGHNESS_SEED + seed + i): the probability that all K levels are resolved, that
    all V50 are within the target tolerance, and the per-notch V50 spread (V) over the
    samples."""
    K = p.positions.shape[0]
    eps = sigma_depth * jax.random.normal(jax.random.key(seed), (n, K), dtype=p.depths.dtype)
    c = problem.spec.constraints
    edges = roughness_samples(problem, n, YIELD_ROUGHNESS_SEED + seed)
    v50, sig = _batched_v50(problem.material, problem.cal, problem.pulse)(p, eps, edges)
    v50, sig = np.asarray(v50), np.asarray(sig)
    T = np.asarray(targets(problem, p))
    ok = np.array([resolved(problem, a, b).all() for a, b in zip(v50, sig, strict=True)])
    within = np.all(np.abs(v50 / T - 1) <= problem.spec.target.tolerance, axis=1)
    return {
        "samples": int(n),
        "depth_sigma_m": float(sigma_depth),
        "edge_roughness_m": float(c.edge_roughness_m) if edges is not None else 0.0,
        "roughness_correlation_m": (
            float(c.roughness_correlation_m) if edges is not None else None
        ),
        "yield_resolved": float(ok.mean()),
        "yield_within_tolerance": float((ok & within).mean()),
        "v50_std_over_samples_V": v50.std(axis=0).tolist(),
    }
