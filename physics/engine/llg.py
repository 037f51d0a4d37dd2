"""Landau-Lifshitz-Gilbert dynamics with Slonczewski / spin-orbit torque.

Public, stable signature:

``llg_rhs(m, H, params, t) -> dm/dt``  (1/s), shape (nx, ny, nz, 3).
    m: unit magnetisation (zero where Ms = 0); H: effective field in A/m (any extra field, e.g.
    a thermal field, is simply added to H by the caller); params: the pytree of
    :mod:`physics.engine.system`; t: time in s (scalar, for the current pulse J(t)).

Equation (OOMMF's Gilbert form, as Oxs_RungeKuttaEvolve and Oxs_SpinXferEvolve use it):

    dm/dt = -gamma0 p m x H + alpha m x dm/dt + gamma0 beta eps m x (mp x m)
            - gamma0 beta eps' m x mp

with p = 1 (0 when the system has no Precession term: damping only, as OOMMF's do_precess 0),
gamma0 = mu0 |gamma| (m/(A s)); solved for dm/dt in Landau-Lifshitz form:
``dm/dt = (T + alpha m x T) / (1 + alpha^2)`` with T the sum of the torques above. The
spin-transfer strength is ``beta = hbar J / (mu0 e t Ms)`` with t the thickness along the
current's polarisation direction (OOMMF's J_direction -z: the cell size dz), and
``eps = P Lambda^2 / ((Lambda^2 + 1) + (Lambda^2 - 1) m.mp)`` (micromagneticmodel.Slonczewski).
With P = theta_SH and Lambda = 1 this is the spin-Hall damping-like torque
``gamma0 H_SH m x (sigma x m)``, H_SH = hbar theta_SH J / (2 e mu0 Ms t), sigma = mp.
J(t) = J(x, y, z) * f(t); torques vanish where Ms = 0.
"""

from __future__ import annotations

import jax.numpy as jnp

from .constants import E_CHARGE, HBAR, MU0
from .zeeman import time_factor


def _slonczewski_strength(m: tuple, params: dict, t: jnp.ndarray):
    """(g, eps, eps', m.mp, mp components): g = gamma0 beta (1/s) per cell, eps of the
    module docstring, for m given as its three components."""
    s = params["slonczewski"]
    Ms = params["Ms"]
    safe_ms = jnp.where(Ms > 0, Ms, 1.0)
    J = s["J"] * time_factor(s, t)
    beta = jnp.where(Ms > 0, HBAR * J / (MU0 * E_CHARGE * s["thickness"] * safe_ms), 0.0)
    lam2 = s["Lambda"] ** 2
    mp = s["mp"]
    p = (mp[..., 0], mp[..., 1], mp[..., 2])
    m_dot_mp = m[0] * p[0] + m[1] * p[1] + m[2] * p[2]
    eps = s["P"] * lam2 / ((lam2 + 1.0) + (lam2 - 1.0) * m_dot_mp)
    return params["gamma0"] * beta, eps, s["eps_prime"], m_dot_mp, p


def _cross(a: tuple, b: tuple) -> tuple:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def slonczewski_torque(m: jnp.ndarray, params: dict, t: jnp.ndarray) -> jnp.ndarray:
    """Spin-transfer torque term of the Gilbert equation, gamma0 beta (eps m x (mp x m)
    - eps' m x mp), in 1/s; zero when the system has no Slonczewski term."""
    if "slonczewski" not in params:
        return jnp.zeros_like(m)
    mc = (m[..., 0], m[..., 1], m[..., 2])
    g, eps, eps_prime, m_dot_mp, p = _slonczewski_strength(mc, params, t)
    m_dot_m = mc[0] * mc[0] + mc[1] * mc[1] + mc[2] * mc[2]
    m_x_mp = _cross(mc, p)
    # m x (mp x m) = mp (m.m) - m (m.mp)
    return jnp.stack(
        [g * (eps * (p[i] * m_dot_m - mc[i] * m_dot_mp) - eps_prime * m_x_mp[i])
         for i in range(3)], axis=-1,
    )


def llg_rhs(m: jnp.ndarray, H: jnp.ndarray, params: dict, t: jnp.ndarray) -> jnp.ndarray:
    """dm/dt (1/s) of the LLG equation with spin-transfer torque; see the module docstring.

    Written per component with the double cross products expanded (a x (b x c) =
    b (a.c) - c (a.b)), so that every output component is a short expression in the
    components of m, H and a few per-cell dot products: XLA fuses the field terms into this
    function, and nested stacked cross products made it recompute them many times over
    (~3x the CPU time of the expanded form on the case-C mesh).
    """
    gamma0, alpha, precess = params["gamma0"], params["alpha"], params["precess"]
    mc = (m[..., 0], m[..., 1], m[..., 2])
    hc = (H[..., 0], H[..., 1], H[..., 2])
    m_dot_h = mc[0] * hc[0] + mc[1] * hc[1] + mc[2] * hc[2]
    m_dot_m = mc[0] * mc[0] + mc[1] * mc[1] + mc[2] * mc[2]
    m_x_h = _cross(mc, hc)
    m_x_m_x_h = [mc[i] * m_dot_h - hc[i] * m_dot_m for i in range(3)]  # m x (m x H)
    torque = [-gamma0 * precess * m_x_h[i] for i in range(3)]  # T (precession part)
    m_x_torque = [-gamma0 * precess * m_x_m_x_h[i] for i in range(3)]  # m x T
    if "slonczewski" in params:
        g, eps, eps_prime, m_dot_mp, p = _slonczewski_strength(mc, params, t)
        m_x_mp = _cross(mc, p)
        for i in range(3):
            # T += g (eps m x (mp x m) - eps' m x mp), m x (mp x m) = mp (m.m) - m (m.mp);
            # m x T += g (eps (m.m) m x mp - eps' m x (m x mp)), m x (m x mp) = m (m.mp) - mp (m.m)
            torque[i] = torque[i] + g * (
                eps * (p[i] * m_dot_m - mc[i] * m_dot_mp) - eps_prime * m_x_mp[i]
            )
            m_x_torque[i] = m_x_torque[i] + g * (
                eps * m_dot_m * m_x_mp[i] - eps_prime * (mc[i] * m_dot_mp - p[i] * m_dot_m)
            )
    # alpha m x T contains the damping term -alpha gamma0 m x (m x H) only when precession is
    # on; without precession (OOMMF's do_precess 0) it is added explicitly.
    scale = params["mask"] / (1.0 + alpha**2)
    return jnp.stack(
        [(torque[i] + alpha * m_x_torque[i]
          - alpha * gamma0 * m_x_m_x_h[i] * (1.0 - precess)) * scale for i in range(3)],
        axis=-1,
    )
