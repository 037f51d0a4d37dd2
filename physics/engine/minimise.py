"""Energy minimisation on the unit sphere: steepest descent with Barzilai-Borwein steps.

``minimise_bb(field_fn, m0, mask, stopping_mxHxm, max_iterations) -> (m, iterations, mxHxm)``
    field_fn(m) -> effective field (A/m). Each iteration moves every cell along the projected
    energy gradient g = m x (m x H) (the damping direction, preconditioned by 1/(mu0 Ms V)):
    m <- normalise(m - tau g), with tau (m/A) from the two alternating Barzilai-Borwein formulas
    s.s / s.y and s.y / y.y (s, y: the last change in m and in g). It stops when
    max |m x H| < stopping_mxHxm (A/m, OOMMF's MinDriver criterion) or after max_iterations.
    The criterion is floored at the round-off level of the torque, ``ROUNDOFF_FLOOR * eps *
    max |H(m0)|`` (eps of m's dtype), so float32 runs stop where their precision ends instead of
    running to max_iterations. The whole loop is one ``lax.while_loop``.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from .integrators import normalise
from .vectors import components, cross, dot, norm, stack

ROUNDOFF_FLOOR = 100.0
"""Multiple of eps * max|H| below which max|m x H| is round-off (stopping criterion floor)."""


def max_torque(m: jax.Array, H: jax.Array) -> jax.Array:
    """max over cells of |m x H| (A/m)."""
    m_x_h = cross(components(m), components(H))
    return jnp.sqrt(jnp.max(dot(m_x_h, m_x_h)))


def minimise_bb(
    field_fn: Callable[[jax.Array], jax.Array],
    m0: jax.Array,
    mask: jax.Array,
    stopping_mxHxm: float | jax.Array,
    max_iterations: int | jax.Array,
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Barzilai-Borwein minimisation; see the module docstring.

    mask: 1 for cells free to move (0 outside the magnet and in fixed subregions).
    """
    free = mask[..., None]

    def gradient(m):
        H = field_fn(m)
        mc = components(m)
        return stack(cross(mc, cross(mc, components(H)))) * free, max_torque(m * free, H)

    g0, torque0 = gradient(m0)
    h_scale = jnp.max(norm(field_fn(m0) * free))
    floor = ROUNDOFF_FLOOR * jnp.finfo(m0.dtype).eps * h_scale
    stopping_mxHxm = jnp.maximum(stopping_mxHxm, floor)
    gmax = jnp.max(norm(g0))
    tau0 = 1e-2 / jnp.maximum(gmax, 1e-30)

    def cond(state):
        _, _, _, _, it, torque = state
        return (torque >= stopping_mxHxm) & (it < max_iterations)

    def body(state):
        m, g, m_prev, g_prev, it, _ = state
        s = m - m_prev
        y = g - g_prev
        sy = jnp.sum(s * y)
        tau_a = jnp.sum(s * s) / sy
        tau_b = sy / jnp.sum(y * y)
        tau = jnp.where(it % 2 == 0, tau_a, tau_b)
        tau = jnp.where((it == 0) | ~(sy > 0) | ~jnp.isfinite(tau), tau0, tau)
        m_new = normalise(m - tau * g)
        g_new, torque = gradient(m_new)
        return (m_new, g_new, m, g, it + 1, torque)

    state = (m0, g0, m0, g0, jnp.asarray(0), torque0)
    m, _, _, _, it, torque = jax.lax.while_loop(cond, body, state)
    return m, it, torque
