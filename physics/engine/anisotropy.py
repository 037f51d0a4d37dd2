"""Uniaxial anisotropy: energy density w = -K1 (m.u)^2 - K2 (m.u)^4 (J/m^3).

Field ``H = (2 K1 (m.u) + 4 K2 (m.u)^3) u / (mu0 Ms)`` (A/m); K1 > 0 is an easy axis.
"""

from __future__ import annotations

import jax.numpy as jnp

from .vectors import dot


def anisotropy_field(
    m: jnp.ndarray, inv_mu0_ms: jnp.ndarray, K1: jnp.ndarray, K2: jnp.ndarray, u: jnp.ndarray
) -> jnp.ndarray:
    """Uniaxial anisotropy field (A/m); K1, K2 in J/m^3 per cell, u unit axis (nx, ny, nz, 3)."""
    mu = dot(m, u)
    return (inv_mu0_ms * (2.0 * K1 * mu + 4.0 * K2 * mu**3))[..., None] * u


def anisotropy_energy_density(
    m: jnp.ndarray, magnetic: jnp.ndarray, K1: jnp.ndarray, K2: jnp.ndarray, u: jnp.ndarray
) -> jnp.ndarray:
    """Anisotropy energy density (J/m^3), zero outside the magnet."""
    mu = jnp.sum(m * u, axis=-1)
    return jnp.where(magnetic, -K1 * mu**2 - K2 * mu**4, 0.0)
