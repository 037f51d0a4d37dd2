"""Interfacial DMI (crystal class Cnv_z), ubermag/OOMMF convention and sign.

Energy density ``w = D (m.grad(mz) - mz div(m))`` (J/m^3) (micromagneticmodel's Cnv_z), so a
positive D favours the Néel wall with m along +x at the centre of an up(-x)/down(+x) wall.

Discretisation: the energy is a sum over links between neighbouring magnetic cells,
``E = V sum_links (D_ij / d) (m_i,a mz_j - mz_i m_j,a)`` (a = x for x-links, y for y-links),
i.e. central differences in which a missing or non-magnetic neighbour contributes nothing. The
field is the exact gradient of that discrete energy, which is OOMMF's Oxs_DMI_Cnv_z scheme and
builds the DMI free-edge boundary condition into the discrete energy (edge canting comes out of
the minimisation instead of an imposed ghost-cell condition):

    H_a = -(1/(mu0 Ms)) (D+ mz_{i+1} - D- mz_{i-1}) / d
    H_z += (1/(mu0 Ms)) (D+ m_a,{i+1} - D- m_a,{i-1}) / d

with D+ = D_{i,i+1}, D- = D_{i-1,i} (mean of the two cells' D, zero across the mask edge).
"""

from __future__ import annotations

from collections.abc import Sequence

import jax.numpy as jnp
import numpy as np

from .constants import MU0
from .links import neighbour_links


def dmi_links(D: np.ndarray, Ms: np.ndarray, pairs: Sequence = ()) -> np.ndarray:
    """Link DMI constants D_ij (J/m^2) along x and y, shape (2, nx, ny, nz).

    pairs: (in_r1, in_r2, D12) boolean cell masks of two regions and the DMI constant (J/m^2)
    of every link between a cell of one and a cell of the other (default: the mean).
    """
    return neighbour_links(D, Ms, 2, lambda d1, d2: 0.5 * (d1 + d2), pairs)


def dmi_field(
    m: jnp.ndarray, inv_mu0_ms: jnp.ndarray, links: jnp.ndarray, cell: jnp.ndarray
) -> jnp.ndarray:
    """Interfacial (Cnv_z) DMI field (A/m), shape (nx, ny, nz, 3); cell = (dx, dy, dz) in m."""
    components = [jnp.zeros(m.shape[:-1], m.dtype) for _ in range(3)]
    mz = m[..., 2]
    for axis in range(2):
        if m.shape[axis] < 2:
            continue
        d_plus = links[axis]
        d_minus = jnp.roll(d_plus, 1, axis=axis)
        ma = m[..., axis]
        dz_term = d_plus * jnp.roll(mz, -1, axis=axis) - d_minus * jnp.roll(mz, 1, axis=axis)
        da_term = d_plus * jnp.roll(ma, -1, axis=axis) - d_minus * jnp.roll(ma, 1, axis=axis)
        components[axis] = components[axis] - dz_term / cell[axis]
        components[2] = components[2] + da_term / cell[axis]
    return inv_mu0_ms[..., None] * jnp.stack(components, axis=-1)


def dmi_energy_density(m: jnp.ndarray, H: jnp.ndarray, Ms: jnp.ndarray) -> jnp.ndarray:
    """DMI energy density (J/m^3): -(mu0/2) Ms m.H (exact: the discrete energy is bilinear)."""
    return -0.5 * MU0 * Ms * jnp.sum(m * H, axis=-1)
