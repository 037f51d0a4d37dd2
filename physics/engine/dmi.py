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
The discrete energy is bilinear in m, so its density is exactly ``-(mu0/2) Ms m.H``.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import micromagneticmodel as mm
import numpy as np

from .links import neighbour_links
from .term import FieldTerm, bilinear_energy_density
from .values import BuildContext, RegionPair, attr

CRYSTAL_CLASSES = ("Cnv_z", "Cnv")
"""Accepted ``DMI.crystalclass`` values ('Cnv' is oommfc's alias of Cnv_z)."""


def dmi_links(D: np.ndarray, Ms: np.ndarray, pairs: Sequence[RegionPair] = ()) -> np.ndarray:
    """Link DMI constants D_ij (J/m^2) along x and y, shape (2, nx, ny, nz).

    pairs: (in_r1, in_r2, D12) boolean cell masks of two regions and the DMI constant (J/m^2)
    of every link between a cell of one and a cell of the other (default: the mean).
    """
    return neighbour_links(D, Ms, 2, lambda d1, d2: 0.5 * (d1 + d2), pairs)


def dmi_field(m: jax.Array, inv_mu0_ms: jax.Array, links: jax.Array, cell: jax.Array) -> jax.Array:
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


class InterfacialDMI(FieldTerm):
    """Interfacial (Cnv_z) DMI energy term (see the module docstring)."""

    links: jax.Array
    """D_ij (J/m^2) per link along x and y, shape (2, nx, ny, nz)."""
    cell: jax.Array
    """(dx, dy, dz) in m."""
    inv_mu0_ms: jax.Array
    """1/(mu0 Ms) (1/T), zero outside the magnet."""
    Ms: jax.Array
    """Saturation magnetisation (A/m)."""

    @property
    def key(self) -> str:
        return "dmi"

    def field(self, m: jax.Array, t: jax.Array) -> jax.Array:
        return dmi_field(m, self.inv_mu0_ms, self.links, self.cell)

    def energy_density(self, m: jax.Array, t: jax.Array) -> jax.Array:
        return bilinear_energy_density(m, self.field(m, t), self.Ms)


def build(term: mm.DMI, ctx: BuildContext) -> InterfacialDMI:
    """The DMI term of ``term`` (crystal class Cnv_z only; D: number, dict with 'r1:r2' link
    values, or Field)."""
    crystalclass = attr(term, "crystalclass")
    if crystalclass not in CRYSTAL_CLASSES:
        raise ValueError(
            f"DMI.crystalclass: {crystalclass!r} is not supported by the JAX engine "
            "(only interfacial Cnv_z / 'Cnv')"
        )
    D, pairs = ctx.pairs(attr(term, "D"), "DMI.D")
    D = ctx.values(D, 1, "DMI.D")
    return InterfacialDMI(
        name=term.name,
        links=ctx.array(dmi_links(D, ctx.Ms_np, pairs)),
        cell=ctx.cell_array,
        inv_mu0_ms=ctx.inv_mu0_ms,
        Ms=ctx.Ms,
    )
