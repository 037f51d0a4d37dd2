"""Slonczewski spin-transfer / spin-orbit torque (micromagneticmodel.Slonczewski).

Torque term of the Gilbert equation (OOMMF's Oxs_SpinXferEvolve form):

    T = gamma0 beta (eps m x (mp x m) - eps' m x mp)    (1/s)

with the strength ``beta = hbar J / (mu0 e t Ms)`` (A/m) for the current density J (A/m^2) and
t the thickness along the current's polarisation direction (OOMMF's J_direction -z: the cell
size dz), and ``eps = P Lambda^2 / ((Lambda^2 + 1) + (Lambda^2 - 1) m.mp)``. With P = theta_SH
and Lambda = 1 this is the spin-Hall damping-like torque ``gamma0 H_SH m x (sigma x m)``,
H_SH = hbar theta_SH J / (2 e mu0 Ms t), sigma = mp. J(t) = J(x, y, z) f(t); the torque
vanishes where Ms = 0.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import micromagneticmodel as mm
import numpy as np

from .constants import E_CHARGE, HBAR, MU0
from .term import TorqueTerm
from .timefunctions import ScalarProfile, time_profile
from .values import BuildContext, attr
from .vectors import Vec3, components, cross, dot


class Slonczewski(TorqueTerm):
    """Slonczewski / spin-orbit torque (see the module docstring)."""

    J: jax.Array
    """Current density (A/m^2) per cell at full strength."""
    mp: jax.Array
    """Unit polarisation per cell, shape (nx, ny, nz, 3)."""
    P: jax.Array
    """Spin polarisation (dimensionless) per cell."""
    Lambda: jax.Array
    """Slonczewski Lambda (dimensionless) per cell."""
    eps_prime: jax.Array
    """Secondary (field-like) spin-transfer term eps' (dimensionless) per cell."""
    thickness: jax.Array
    """Free-layer thickness t (m)."""
    Ms: jax.Array
    """Saturation magnetisation (A/m)."""
    profile: ScalarProfile
    """Time dependence of J."""

    @property
    def key(self) -> str:
        return "slonczewski"

    def torque(
        self, m: Vec3, m_dot_m: jax.Array, gamma0: jax.Array, t: jax.Array
    ) -> tuple[Vec3, Vec3]:
        Ms = self.Ms
        safe_ms = jnp.where(Ms > 0, Ms, 1.0)
        J = self.profile.apply(self.J, t)
        beta = jnp.where(Ms > 0, HBAR * J / (MU0 * E_CHARGE * self.thickness * safe_ms), 0.0)
        g = gamma0 * beta
        lam2 = self.Lambda**2
        p = components(self.mp)
        m_dot_mp = dot(m, p)
        eps = self.P * lam2 / ((lam2 + 1.0) + (lam2 - 1.0) * m_dot_mp)
        eps_prime = self.eps_prime
        m_x_mp = cross(m, p)
        # T = g (eps m x (mp x m) - eps' m x mp), with m x (mp x m) = mp (m.m) - m (m.mp);
        # m x T = g (eps (m.m) m x mp - eps' m x (m x mp)), m x (m x mp) = m (m.mp) - mp (m.m)

        def along(i: int) -> jax.Array:  # T_i
            return g * (eps * (p[i] * m_dot_m - m[i] * m_dot_mp) - eps_prime * m_x_mp[i])

        def across(i: int) -> jax.Array:  # (m x T)_i
            return g * (eps * m_dot_m * m_x_mp[i] - eps_prime * (m[i] * m_dot_mp - p[i] * m_dot_m))

        return (along(0), along(1), along(2)), (across(0), across(1), across(2))

    def scaled(self, factor: jax.Array) -> Slonczewski:
        """The same torque with the current density J multiplied by factor."""
        return dataclasses.replace(self, J=self.J * factor)


def build(term: mm.Slonczewski, ctx: BuildContext) -> Slonczewski:
    """The torque of ``term`` (J, mp, P, Lambda, eps_prime; func + dt: a scalar factor only)."""
    mp = ctx.values(attr(term, "mp"), 3, "Slonczewski.mp")
    J = ctx.values(attr(term, "J"), 1, "Slonczewski.J")
    norm = np.linalg.norm(mp, axis=-1)
    if np.any((norm == 0) & ctx.magnetic & (J != 0)):
        raise ValueError(
            "Slonczewski.mp: zero polarisation where the current J is non-zero "
            "(the torque would be dropped there)"
        )
    profile = time_profile(term, ctx.t_end, "Slonczewski", ctx.array)
    assert isinstance(profile, ScalarProfile)  # allow_matrix=False
    return Slonczewski(
        J=ctx.array(J),
        mp=ctx.array(mp / np.where(norm > 0, norm, 1.0)[..., None]),
        P=ctx.array(ctx.values(attr(term, "P"), 1, "Slonczewski.P")),
        Lambda=ctx.array(ctx.values(attr(term, "Lambda"), 1, "Slonczewski.Lambda")),
        eps_prime=ctx.array(ctx.values(attr(term, "eps_prime") or 0.0, 1, "Slonczewski.eps_prime")),
        thickness=ctx.array(ctx.cell[2]),
        Ms=ctx.Ms,
        profile=profile,
    )
