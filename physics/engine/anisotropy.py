"""Uniaxial anisotropy: energy density w = -K1 (m.u)^2 - K2 (m.u)^4 (J/m^3).

Field ``H = (2 K1 (m.u) + 4 K2 (m.u)^3) u / (mu0 Ms)`` (A/m); K1 > 0 is an easy axis.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import micromagneticmodel as mm
import numpy as np

from .term import FieldTerm
from .values import BuildContext, attr, unit_vectors
from .vectors import components, dot


def anisotropy_field(
    m: jax.Array, inv_mu0_ms: jax.Array, K1: jax.Array, K2: jax.Array, u: jax.Array
) -> jax.Array:
    """Uniaxial anisotropy field (A/m); K1, K2 in J/m^3 per cell, u unit axis (nx, ny, nz, 3),
    inv_mu0_ms = 1/(mu0 Ms) (1/T), zero outside the magnet."""
    mu = dot(components(m), components(u))
    return (inv_mu0_ms * (2.0 * K1 * mu + 4.0 * K2 * mu**3))[..., None] * u


class UniaxialAnisotropy(FieldTerm):
    """Uniaxial anisotropy energy term (see the module docstring)."""

    K1: jax.Array
    """First-order constant (J/m^3) per cell."""
    K2: jax.Array
    """Second-order constant (J/m^3) per cell."""
    u: jax.Array
    """Unit axis per cell, shape (nx, ny, nz, 3)."""
    inv_mu0_ms: jax.Array
    """1/(mu0 Ms) (1/T), zero outside the magnet."""
    mask: jax.Array
    """1.0 in the magnet, 0.0 outside."""

    @property
    def key(self) -> str:
        return "anisotropy"

    def field(self, m: jax.Array, t: jax.Array) -> jax.Array:
        return anisotropy_field(m, self.inv_mu0_ms, self.K1, self.K2, self.u)

    def energy_density(self, m: jax.Array, t: jax.Array) -> jax.Array:
        mu = dot(components(m), components(self.u))
        return jnp.where(self.mask > 0, -self.K1 * mu**2 - self.K2 * mu**4, 0.0)


def build(term: mm.UniaxialAnisotropy, ctx: BuildContext) -> UniaxialAnisotropy:
    """The anisotropy term of ``term`` (K or K1, optional K2, u)."""
    K1 = attr(term, "K1")
    K1 = attr(term, "K") if K1 is None else K1
    K2 = attr(term, "K2")
    u = ctx.values(attr(term, "u"), 3, "UniaxialAnisotropy.u")
    return UniaxialAnisotropy(
        name=term.name,
        K1=ctx.array(ctx.values(K1, 1, "UniaxialAnisotropy.K")),
        K2=ctx.array(np.zeros(ctx.mesh.n) if K2 is None else ctx.values(K2, 1, "K2")),
        u=ctx.array(unit_vectors(u, ctx.magnetic, "UniaxialAnisotropy.u")),
        inv_mu0_ms=ctx.inv_mu0_ms,
        mask=ctx.mask,
    )
