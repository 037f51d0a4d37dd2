"""Landau-Lifshitz-Gilbert dynamics with spin torques.

Public, stable signature:

``llg_rhs(m, H, params, t) -> dm/dt``  (1/s), shape (nx, ny, nz, 3).
    m: unit magnetisation (zero where Ms = 0); H: effective field in A/m (any extra field, e.g.
    a thermal field, is simply added to H by the caller); params:
    :class:`physics.engine.params.Params`; t: time in s (scalar, for time-dependent torques).

Equation (OOMMF's Gilbert form, as Oxs_RungeKuttaEvolve and Oxs_SpinXferEvolve use it):

    dm/dt = -gamma0 p m x H + alpha m x dm/dt + sum of the torques T_k of params.torques

with p = 1 (0 when the system has no Precession term: damping only, as OOMMF's do_precess 0),
gamma0 = mu0 |gamma| (m/(A s)); solved for dm/dt in Landau-Lifshitz form:
``dm/dt = (T + alpha m x T) / (1 + alpha^2)`` with T the sum of all torques, precession
included (e.g. the Slonczewski torque, :mod:`physics.engine.slonczewski`). The right-hand side
vanishes outside the magnet.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .params import Params
from .vectors import components, cross, dot


def llg_rhs(m: jax.Array, H: jax.Array, params: Params, t: jax.Array | float) -> jax.Array:
    """dm/dt (1/s) of the LLG equation with spin torques; see the module docstring.

    Written per component with the double cross products expanded (a x (b x c) =
    b (a.c) - c (a.b)), so that every output component is a short expression in the
    components of m, H and a few per-cell dot products, which XLA fuses with the field terms
    (nested, stacked cross products made it recompute the fused fields).
    """
    t = jnp.asarray(t)
    gamma0, alpha, precess = params.gamma0, params.alpha, params.precess
    mc = components(m)
    hc = components(H)
    m_dot_h = dot(mc, hc)
    m_dot_m = dot(mc, mc)
    m_x_h = cross(mc, hc)
    m_x_m_x_h = [mc[i] * m_dot_h - hc[i] * m_dot_m for i in range(3)]  # m x (m x H)
    torque = [-gamma0 * precess * m_x_h[i] for i in range(3)]  # T (precession part)
    m_x_torque = [-gamma0 * precess * m_x_m_x_h[i] for i in range(3)]  # m x T
    for term in params.torques:
        extra, m_x_extra = term.torque(mc, m_dot_m, gamma0, t)
        for i in range(3):
            torque[i] = torque[i] + extra[i]
            m_x_torque[i] = m_x_torque[i] + m_x_extra[i]
    # alpha m x T contains the damping term -alpha gamma0 m x (m x H) only when precession is
    # on; without precession (OOMMF's do_precess 0) it is added explicitly.
    scale = params.mask / (1.0 + alpha**2)
    return jnp.stack(
        [
            (torque[i] + alpha * m_x_torque[i] - alpha * gamma0 * m_x_m_x_h[i] * (1.0 - precess))
            * scale
            for i in range(3)
        ],
        axis=-1,
    )
