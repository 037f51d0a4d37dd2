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
from .vectors import cross, dot
from .zeeman import time_factor


def slonczewski_torque(m: jnp.ndarray, params: dict, t: jnp.ndarray) -> jnp.ndarray:
    """Spin-transfer torque term of the Gilbert equation, gamma0 beta (eps m x (mp x m)
    - eps' m x mp), in 1/s; zero when the system has no Slonczewski term."""
    if "slonczewski" not in params:
        return jnp.zeros_like(m)
    s = params["slonczewski"]
    Ms = params["Ms"]
    safe_ms = jnp.where(Ms > 0, Ms, 1.0)
    J = s["J"] * time_factor(s, t)
    beta = jnp.where(Ms > 0, HBAR * J / (MU0 * E_CHARGE * s["thickness"] * safe_ms), 0.0)
    lam2 = s["Lambda"] ** 2
    mp = s["mp"]
    m_dot_mp = dot(m, mp)
    eps = s["P"] * lam2 / ((lam2 + 1.0) + (lam2 - 1.0) * m_dot_mp)
    m_x_mp = cross(m, mp)
    m_x_mp_x_m = -cross(m, m_x_mp)  # m x (mp x m)
    g = (params["gamma0"] * beta)[..., None]
    return g * (eps[..., None] * m_x_mp_x_m - s["eps_prime"][..., None] * m_x_mp)


def llg_rhs(m: jnp.ndarray, H: jnp.ndarray, params: dict, t: jnp.ndarray) -> jnp.ndarray:
    """dm/dt (1/s) of the LLG equation with spin-transfer torque; see the module docstring."""
    gamma0 = params["gamma0"][..., None]
    alpha = params["alpha"][..., None]
    torque = -gamma0 * params["precess"] * cross(m, H)
    damping_only = -gamma0 * cross(m, cross(m, H))  # the alpha part of -g m x (m x H)
    stt = slonczewski_torque(m, params, t)
    total = torque + stt
    # alpha m x T contains the damping term alpha * damping_only only when precession is on;
    # without precession (OOMMF's do_precess 0) it is added explicitly.
    rhs = total + alpha * cross(m, total) + alpha * damping_only * (1.0 - params["precess"])
    return rhs / (1.0 + alpha**2) * params["mask"][..., None]
