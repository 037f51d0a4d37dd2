"""Gradient-based inverse design: multi-start Adam (optax) through the surrogate and the
escape-time model, an outer loop over the notch count, checks before any work.

:func:`check_feasible` refuses, with one line naming the field, what cannot work whatever the
optimiser does (K notches that do not fit in the length at the minimum spacing; neighbouring
levels closer than the model's spread allows). :func:`run_design` then optimises each start
(``jax.jit`` of ``lax.scan`` over Adam steps), keeps the best, and reports the spread of the
designs over the starts; a best design that misses the target tolerance or a margin is
returned with ``feasible = False`` and the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np
import optax
from tqdm.auto import tqdm

from design.depinning import v50_and_spread
from design.objective import (
    Problem,
    loss,
    resolved,
    roughness_samples,
    targets,
    terms,
    yield_estimate,
)
from design.params import Raw, as_numpy, random_raw, slack, to_profile
from design.surrogate import Calibration, Profile, load_calibration
from design.target import DesignSpec


class InfeasibleTarget(ValueError):
    """A target that no design within the constraints can meet (one line naming the field)."""


@dataclass
class DesignResult:
    """The best design of one notch count and what is known about it."""

    K: int
    profile: Profile
    v50: np.ndarray
    sigma: np.ndarray
    target: np.ndarray
    loss: float
    feasible: bool
    reasons: list[str]
    starts: list[dict] = field(default_factory=list)
    yield_: dict = field(default_factory=dict)
    v_qs: np.ndarray | None = None
    tau_back: float | None = None
    """Mean time (s) for the wall at notch 0 to escape backwards at V = 0 (the model's)."""


def counts_of(spec: DesignSpec) -> list[int]:
    """Notch counts of the outer loop."""
    t = spec.target
    return [len(t.levels_V)] if t.kind == "levels" else sorted(set(t.notch_counts))


def reference_spread(problem: Problem, K: int) -> float:
    """The smallest sigma_V / V50 (dimensionless) over the notches of three reference designs
    with K notches (all unconstrained parameters 0, notch depths at sigmoid(-2), sigmoid(+2)):
    the spread estimate of the pre-check, the most favourable the model offers there."""
    best = math.inf
    for zd in (-2.0, 0.0, 2.0):
        z = Raw(jnp.zeros(2), jnp.zeros(()), jnp.zeros(K + 1), jnp.full((K,), zd))
        v50, sig = v50_and_spread(
            to_profile(z, problem.spec.constraints), problem.material, problem.cal, problem.pulse
        )
        rel = np.asarray(sig / v50)
        rel = rel[np.isfinite(rel) & (np.asarray(v50) > 0)]
        if rel.size:
            best = min(best, float(rel.min()))
    return best


def check_feasible(spec: DesignSpec, cal: Calibration | None = None) -> None:
    """InfeasibleTarget (one line naming the field) for targets no design can meet."""
    c = spec.constraints
    for K in counts_of(spec):
        if slack(c, K) < 0:
            need = 2 * c.end_margin_m + (K - 1) * c.min_notch_spacing_m
            field_name = (
                "target.levels_V" if spec.target.kind == "levels" else "target.notch_counts"
            )
            raise InfeasibleTarget(
                f"{field_name}: {K} notches at >= {c.min_notch_spacing_m:g} m spacing with "
                f"{c.end_margin_m:g} m end margins need {need:g} m, the track is "
                f"{c.length_m:g} m (constraints.length_m)"
            )
    t = spec.target
    if t.kind == "levels" and t.min_margin > 0:
        with jax.enable_x64(True):
            problem = Problem.of(spec, cal or load_calibration())
            s_rel = reference_spread(problem, len(t.levels_V))
        v = np.asarray(t.levels_V)
        need = t.min_margin * s_rel * np.sqrt(v[1:] ** 2 + v[:-1] ** 2)
        bad = np.flatnonzero(np.diff(v) < need)
        if bad.size:
            k = int(bad[0])
            raise InfeasibleTarget(
                f"target.levels_V: levels {k} and {k + 1} ({v[k]:g} V, {v[k + 1]:g} V) are "
                f"{v[k + 1] - v[k]:.3g} V apart, less than min_margin x the model's spread "
                f"({need[k]:.3g} V at sigma/V50 = {s_rel:.3f}): the notches cannot be resolved"
            )


def _optimiser(problem: Problem, steps: int, lr: float):
    """One jitted function (z0, eps) -> (z, loss history, final loss) for all starts."""
    c = problem.spec.constraints
    opt = optax.adam(lr)

    def f(z, eps, rough):
        return loss(problem, to_profile(z, c), eps, rough)

    value_and_grad = jax.value_and_grad(f)

    @jax.jit
    def run(z, eps, rough):
        def step(carry, _):
            z, state = carry
            v, g = value_and_grad(z, eps, rough)
            g = jax.tree_util.tree_map(jnp.nan_to_num, g)
            updates, state = opt.update(g, state, z)
            return (optax.apply_updates(z, updates), state), v

        (z, _), history = jax.lax.scan(step, (z, opt.init(z)), None, length=steps)
        return z, history, f(z, eps, rough)

    return run


def design_count(problem: Problem, K: int, progress: bool = True) -> DesignResult:
    """Multi-start optimisation with K notches: the best design, with the others summarised."""
    spec = problem.spec
    o, c = spec.optimiser, spec.constraints
    key = jax.random.key(o.seed)
    results = []
    run = _optimiser(problem, o.steps, o.learning_rate)
    for s in tqdm(range(o.starts), desc=f"{K} notches: starts", disable=not progress):
        k_start, k_eps = jax.random.split(jax.random.fold_in(key, 1000 * K + s))
        z0 = random_raw(k_start, K)
        eps = None
        if c.depth_sigma_m > 0:
            eps = c.depth_sigma_m * jax.random.normal(k_eps, (o.robust_samples, K))
        rough = roughness_samples(problem, o.robust_samples, o.robust_samples * s)
        z, history, final = run(z0, eps, rough)
        prof = to_profile(z, c)
        nominal = terms(problem, prof)
        results.append(
            {
                "start": s,
                "loss": float(final),
                "loss_first": float(history[0]),
                "profile": prof,
                "v50": np.asarray(nominal["v50"]),
                "sigma": np.asarray(nominal["sigma"]),
                "target": np.asarray(nominal["target"]),
                "tau_back": float(np.exp(nominal["log_tau_back"])),
            }
        )
    finite = [r for r in results if math.isfinite(r["loss"])]
    best = min(finite or results, key=lambda r: r["loss"] if math.isfinite(r["loss"]) else 1e300)
    prof = best["profile"]
    reasons = []
    err = best["v50"] / best["target"] - 1
    if np.any(np.abs(err) > spec.target.tolerance):
        k = int(np.argmax(np.abs(err)))
        reasons.append(
            f"notch {k}: V50 {best['v50'][k]:.4g} V misses its target {best['target'][k]:.4g} V "
            f"by {100 * err[k]:+.1f} % (tolerance {100 * spec.target.tolerance:.0f} %)"
        )
    ok = resolved(problem, best["v50"], best["sigma"])
    for k in np.flatnonzero(~ok):
        reasons.append(f"notches {k} and {k + 1}: not resolved (gap below min_margin spreads)")
    t = spec.target
    if t.max_spread is not None:
        for k in np.flatnonzero(best["sigma"] / best["v50"] > t.max_spread):
            reasons.append(f"notch {k}: sigma/V50 above max_spread")
    if t.hold_time_s is not None:
        p_back = -math.expm1(-t.hold_time_s / best["tau_back"])
        if p_back > t.max_backward_escape:
            reasons.append(
                f"notch 0: the wall leaves it backwards within hold_time_s with probability "
                f"{p_back:.3g} (max_backward_escape {t.max_backward_escape:g})"
            )
    from design.depinning import quasi_static_thresholds

    v_qs = np.asarray(quasi_static_thresholds(prof, problem.material, problem.cal, problem.pulse))
    res = DesignResult(
        K=K,
        profile=prof,
        v50=best["v50"],
        sigma=best["sigma"],
        target=best["target"],
        loss=best["loss"],
        feasible=not reasons,
        reasons=reasons,
        starts=[
            {
                "start": r["start"],
                "loss": r["loss"],
                "loss_at_start": r["loss_first"],
                "v50_V": r["v50"].tolist(),
                "sigma_V": r["sigma"].tolist(),
                **as_numpy(r["profile"]),
            }
            for r in results
        ],
        v_qs=v_qs,
        tau_back=best["tau_back"],
    )
    res.yield_ = yield_estimate(
        problem, prof, o.yield_samples, max(c.depth_sigma_m, 0.0), seed=o.seed
    )
    return res


def run_design(
    spec: DesignSpec, cal: Calibration | None = None, progress: bool = True
) -> tuple[DesignResult, list[DesignResult]]:
    """The design of ``spec``: (chosen result, results of every notch count). Checks first
    (:func:`check_feasible`); the outer loop tries each notch count and keeps the largest
    count whose best design is feasible (else the one with the lowest objective)."""
    cal = cal or load_calibration()
    check_feasible(spec, cal)
    with jax.enable_x64(True):
        problem = Problem.of(spec, cal)
        results = [design_count(problem, K, progress) for K in counts_of(spec)]
    feasible = [r for r in results if r.feasible]
    chosen = max(feasible, key=lambda r: r.K) if feasible else min(results, key=lambda r: r.loss)
    return chosen, results


__all__ = [
    "DesignResult",
    "InfeasibleTarget",
    "check_feasible",
    "design_count",
    "run_design",
    "targets",
]
