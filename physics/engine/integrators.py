"""Adaptive Dormand-Prince RK5(4) integration of dm/dt, entirely inside jitted JAX loops.

``integrate_rk45(rhs, m0, t0, stage_times, h0, tol, observe) -> (m_end, observations, stats)``
    rhs(m, t) -> dm/dt (1/s); m0 unit vectors (nx, ny, nz, 3); stage_times (n,) output times
    (s, increasing, > t0). Between outputs a ``lax.while_loop`` takes adaptive steps that end
    exactly on each output time; the outer ``lax.scan`` records ``observe(m, t)`` (a pytree) at
    every output time, so there is no Python in the time loop.

Error control: the embedded 4th-order solution gives err = max over cells |m5 - m4|; a step is
accepted when err <= tol (dimensionless, default 1e-5 per step), else retried with a smaller h.
The new step is h * clip(0.9 (tol/err)^(1/5), 0.2, 5). m is renormalised after every accepted
step (|m| = 1 to round-off; cells outside the magnet stay zero).
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from .vectors import norm as vector_norm

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


def normalise(m: jnp.ndarray) -> jnp.ndarray:
    """m / |m|, leaving zero vectors (non-magnetic cells) at zero."""
    norm = vector_norm(m)[..., None]
    return jnp.where(norm > 0, m / jnp.where(norm > 0, norm, 1.0), 0.0)


_A_MATRIX = np.zeros((7, 7))
for _i, _row in enumerate(_A):
    _A_MATRIX[_i, : len(_row)] = _row


def dopri_step(rhs: Callable, m: jnp.ndarray, t: jnp.ndarray, h: jnp.ndarray, k1: jnp.ndarray):
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


def integrate_rk45(
    rhs: Callable,
    m0: jnp.ndarray,
    t0: float,
    stage_times: jnp.ndarray,
    h0: float = 1e-14,
    tol: float = 1e-5,
    observe: Callable | None = None,
    max_steps_per_stage: int = 10_000_000,
    h_min: float = 1e-20,
):
    """Integrate from t0 through every time in stage_times; see the module docstring.

    Returns (m_end, observations stacked along axis 0, stats dict with 'accepted', 'rejected'
    step counts, the last step size 'h' and the time 't' reached). A stage gives up when the step
    falls below h_min (s) (a diverging or non-finite solution): then 't' < stage_times[-1].
    """
    dtype = m0.dtype
    observe = observe if observe is not None else (lambda m, t: ())

    def stage(carry, t_stop):
        def cond(state):
            m, t, h, k1, acc, rej, steps = state
            return (t < t_stop) & (steps < max_steps_per_stage) & (h > h_min)

        def body(state):
            m, t, h, k1, acc, rej, steps = state
            h_try = jnp.minimum(h, t_stop - t)
            last = h_try >= t_stop - t
            m5, k7, err = dopri_step(rhs, m, t, h_try, k1)
            ok = (err <= tol) & jnp.all(jnp.isfinite(m5))
            factor = jnp.clip(0.9 * (tol / jnp.maximum(err, 1e-300)) ** 0.2, 0.2, 5.0)
            factor = jnp.where(jnp.isfinite(factor), factor, 0.2)
            m5n = normalise(m5)
            # FSAL: k7 was evaluated at the unnormalised m5; re-use it (|m5| - 1 ~ err).
            m_new = jnp.where(ok, m5n, m)
            t_new = jnp.where(ok, jnp.where(last, t_stop, t + h_try), t)
            k_new = jnp.where(ok, k7, k1)
            # Keep the proposed step size when the stage end clipped this one.
            h_next = jnp.where(ok & last, jnp.maximum(h, h_try * factor), h_try * factor)
            return (m_new, t_new, h_next, k_new, acc + ok, rej + (~ok), steps + 1)

        m, t, h, k1, acc, rej = carry
        state = (m, t, h, k1, acc, rej, jnp.asarray(0))
        m, t, h, k1, acc, rej, _ = jax.lax.while_loop(cond, body, state)
        return (m, t, h, k1, acc, rej), observe(m, t)

    t0 = jnp.asarray(t0, dtype)
    k1 = rhs(m0, t0)
    carry0 = (m0, t0, jnp.asarray(h0, dtype), k1, jnp.asarray(0), jnp.asarray(0))
    (m, t, h, _, acc, rej), obs = jax.lax.scan(stage, carry0, jnp.asarray(stage_times, dtype))
    return m, obs, {"accepted": acc, "rejected": rej, "h": h, "t": t}
