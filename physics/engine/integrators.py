"""Adaptive Dormand-Prince RK5(4) integration of dm/dt, entirely inside jitted JAX loops.

``adaptive_steps(rhs, state, t_stop, tol, ...) -> (state, attempts)``
    The one adaptive loop: a ``lax.while_loop`` of step attempts from ``state``
    (:class:`RKState`) until t_stop (the last step ends exactly on it), or until an optional
    ``converged(m)`` holds after an accepted step (the relaxation driver's stopping test).
``integrate_rk45(rhs, m0, t0, stage_times, h0, tol, observe) -> (m_end, observations, stats)``
    rhs(m, t) -> dm/dt (1/s); m0 unit vectors (nx, ny, nz, 3); stage_times (n,) output times
    (s, increasing, > t0). Between outputs :func:`adaptive_steps` runs; the outer ``lax.scan``
    records ``observe(m, t)`` (a pytree) at every output time, so there is no Python in the
    time loop.

Error control: the embedded 4th-order solution gives err = max over cells |m5 - m4|; a step is
accepted when err <= tol (dimensionless, default 1e-5 per step), else retried with a smaller h.
The new step is h * clip(0.9 (tol/err)^(1/5), 0.2, 5). m is renormalised after every accepted
step (|m| = 1 to round-off; cells outside the magnet stay zero). A step whose result is not
finite is rejected; the loop gives up when h falls below h_min.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .vectors import norm as vector_norm

Rhs = Callable[[jax.Array, jax.Array], jax.Array]
"""rhs(m, t) -> dm/dt (1/s)."""

# Dormand-Prince 5(4) tableau.
_C = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
_B5 = (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0)
_B4 = (5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40)
_E = tuple(b5 - b4 for b5, b4 in zip(_B5, _B4, strict=True))


def normalise(m: jax.Array) -> jax.Array:
    """m / |m|, leaving zero vectors (non-magnetic cells) at zero."""
    norm = vector_norm(m)[..., None]
    return jnp.where(norm > 0, m / jnp.where(norm > 0, norm, 1.0), 0.0)


_A_MATRIX = np.zeros((7, 7))
for _i, _row in enumerate(_A):
    _A_MATRIX[_i, : len(_row)] = _row


def dopri_step(
    rhs: Rhs, m: jax.Array, t: jax.Array, h: jax.Array, k1: jax.Array
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """One Dormand-Prince step from (m, t) with k1 = rhs(m, t) (FSAL).

    Returns (m5, k7 = rhs(m5, t + h), err = max |m5 - m4|). The six new stages run in a
    ``lax.fori_loop``, so rhs is traced (and compiled) once, not six times.
    """
    dtype = m.dtype
    a_matrix = jnp.asarray(_A_MATRIX, dtype)
    c = jnp.asarray(_C, dtype)
    ks = jnp.zeros((7, *m.shape), dtype).at[0].set(k1)

    def stage_input(i, ks):
        return m + h * jnp.tensordot(a_matrix[i], ks, axes=1)

    # The input of stage i is formed at the end of iteration i - 1 and carried: a loop-carried
    # buffer, which XLA cannot fuse into (and recompute, 7 terms each time, in) every consumer
    # inside rhs (the neighbour reads of exchange/DMI, the FFT input, the torques).
    def stage(i, state):
        ks, y = state
        ks = ks.at[i].set(rhs(y, t + c[i] * h))
        return ks, stage_input(jnp.minimum(i + 1, 6), ks)

    ks, _ = jax.lax.fori_loop(1, 7, stage, (ks, stage_input(1, ks)))
    m5 = m + h * jnp.tensordot(jnp.asarray(_B5, dtype), ks, axes=1)
    err_vec = h * jnp.tensordot(jnp.asarray(_E, dtype), ks, axes=1)
    err = jnp.sqrt(jnp.max(err_vec[..., 0] ** 2 + err_vec[..., 1] ** 2 + err_vec[..., 2] ** 2))
    return m5, ks[6], err


class RKState(NamedTuple):
    """State of the adaptive loop between step attempts."""

    m: jax.Array
    """Unit magnetisation (nx, ny, nz, 3)."""
    t: jax.Array
    """Time (s)."""
    h: jax.Array
    """Next step size to try (s)."""
    k1: jax.Array
    """rhs(m, t) (1/s), re-used as the first stage of the next step (FSAL)."""
    accepted: jax.Array
    """Accepted steps so far."""
    rejected: jax.Array
    """Rejected steps so far."""

    @classmethod
    def start(cls, rhs: Rhs, m: jax.Array, t: Any, h: Any) -> RKState:
        """The state at (m, t) with first step size h (s)."""
        t = jnp.asarray(t, m.dtype)
        zero = jnp.asarray(0)
        return cls(m, t, jnp.asarray(h, m.dtype), rhs(m, t), zero, zero)


def _attempt(rhs: Rhs, state: RKState, t_stop: jax.Array, tol: jax.Array) -> RKState:
    """One step attempt, clipped to end on t_stop: accepted (m, t advance) or rejected."""
    m, t, h, k1, acc, rej = state
    h_try = jnp.minimum(h, t_stop - t)
    last = h_try >= t_stop - t
    m5, k7, err = dopri_step(rhs, m, t, h_try, k1)
    ok = (err <= tol) & jnp.all(jnp.isfinite(m5))
    factor = jnp.clip(0.9 * (tol / jnp.maximum(err, 1e-300)) ** 0.2, 0.2, 5.0)
    factor = jnp.where(jnp.isfinite(factor), factor, 0.2)
    # FSAL: k7 was evaluated at the unnormalised m5; re-use it (|m5| - 1 ~ err).
    m_new = jnp.where(ok, normalise(m5), m)
    t_new = jnp.where(ok, jnp.where(last, t_stop, t + h_try), t)
    k_new = jnp.where(ok, k7, k1)
    # Keep the proposed step size when the stage end clipped this one.
    h_next = jnp.where(ok & last, jnp.maximum(h, h_try * factor), h_try * factor)
    return RKState(m_new, t_new, h_next, k_new, acc + ok, rej + (~ok))


def adaptive_steps(
    rhs: Rhs,
    state: RKState,
    t_stop: jax.Array | float,
    tol: jax.Array | float,
    max_steps: int | jax.Array = 10_000_000,
    h_min: float = 1e-20,
    converged: Callable[[jax.Array], jax.Array] | None = None,
) -> tuple[RKState, jax.Array]:
    """Adaptive steps from ``state`` up to t_stop (s); returns (state, step attempts).

    Stops at t_stop, after max_steps attempts, when the step falls below h_min (s) (a
    diverging or non-finite solution: then state.t < t_stop), or, when given, once
    ``converged(m)`` (a boolean scalar) holds for the state (checked initially and after each
    accepted step).
    """
    t_stop = jnp.asarray(t_stop, state.m.dtype)
    tol = jnp.asarray(tol, state.m.dtype)
    done = jnp.asarray(False) if converged is None else converged(state.m)

    def cond(carry):
        state, steps, done = carry
        return (state.t < t_stop) & (steps < max_steps) & (state.h > h_min) & ~done

    def body(carry):
        state, steps, done = carry
        new = _attempt(rhs, state, t_stop, tol)
        if converged is not None:
            done = jax.lax.cond(new.accepted > state.accepted, converged, lambda m: done, new.m)
        return new, steps + 1, done

    state, steps, _ = jax.lax.while_loop(cond, body, (state, jnp.asarray(0), done))
    return state, steps


def integrate_rk45(
    rhs: Rhs,
    m0: jax.Array,
    t0: float | jax.Array,
    stage_times: jax.Array,
    h0: float | jax.Array = 1e-14,
    tol: float | jax.Array = 1e-5,
    observe: Callable[[jax.Array, jax.Array], Any] | None = None,
    max_steps_per_stage: int = 10_000_000,
    h_min: float = 1e-20,
) -> tuple[jax.Array, Any, dict[str, jax.Array]]:
    """Integrate from t0 through every time in stage_times; see the module docstring.

    Returns (m_end, observations stacked along axis 0, stats dict with 'accepted', 'rejected'
    step counts, the last step size 'h' and the time 't' reached). A stage gives up when the step
    falls below h_min (s) (a diverging or non-finite solution): then 't' < stage_times[-1].
    """
    watch = observe if observe is not None else (lambda m, t: ())

    def stage(state, t_stop):
        state, _ = adaptive_steps(rhs, state, t_stop, tol, max_steps_per_stage, h_min)
        return state, watch(state.m, state.t)

    state = RKState.start(rhs, m0, t0, h0)
    state, obs = jax.lax.scan(stage, state, jnp.asarray(stage_times, m0.dtype))
    stats = {"accepted": state.accepted, "rejected": state.rejected, "h": state.h, "t": state.t}
    return state.m, obs, stats
