"""Exchange: 6-neighbour finite differences with free boundaries at the mask edge.

The field of cell i is ``H_i = 2 / (mu0 Ms_i) sum_j A_ij (m_j - m_i) / d_ij^2`` over the
(up to) six face neighbours j that exist and are magnetic (Ms_j > 0); missing neighbours
simply do not couple, which is the discrete free (Neumann) boundary condition, as in OOMMF.
``A_ij`` is the harmonic mean of the two cells' exchange stiffness (= A for uniform A).
The energy density is ``-(mu0/2) Ms m.H`` (J/m^3), exact for this quadratic form.

Link arrays (``links[axis]``, shape (nx, ny, nz)) hold ``A_{i,i+1} / d^2`` (J/m^5) for the
link between cell i and its +axis neighbour, zero at the last layer and where either cell is
non-magnetic; they are computed once by :func:`exchange_links`.
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


def _harmonic_mean(a1: np.ndarray, a2: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((a1 + a2) != 0, 2 * a1 * a2 / (a1 + a2), 0.0)


def exchange_links(
    A: np.ndarray,
    Ms: np.ndarray,
    cell: tuple[float, float, float],
    pairs: Sequence[RegionPair] = (),
) -> np.ndarray:
    """Link couplings A_ij / d^2 (J/m^5) along x, y, z, shape (3, nx, ny, nz).

    A: exchange stiffness (J/m) per cell; Ms: saturation magnetisation (A/m) per cell;
    cell: (dx, dy, dz) in m; pairs: (in_r1, in_r2, A12) boolean cell masks of two regions and
    the stiffness (J/m) of every link between a cell of one and a cell of the other.
    """
    links = neighbour_links(A, Ms, 3, _harmonic_mean, pairs)
    return links / np.asarray(cell, dtype=float).reshape(3, 1, 1, 1) ** 2


def exchange_field(m: jax.Array, inv_mu0_ms: jax.Array, links: jax.Array) -> jax.Array:
    """Exchange field (A/m), shape (nx, ny, nz, 3).

    m: unit magnetisation (zero where Ms = 0), (nx, ny, nz, 3); inv_mu0_ms: 1/(mu0 Ms) (1/T)
    with 0 outside the magnet, (nx, ny, nz); links: from :func:`exchange_links`.
    """
    total = jnp.zeros_like(m)
    for axis in range(3):
        if m.shape[axis] < 2:
            continue
        c_plus = links[axis][..., None]
        c_minus = jnp.roll(c_plus, 1, axis=axis)
        total = total + c_plus * (jnp.roll(m, -1, axis=axis) - m)
        total = total + c_minus * (jnp.roll(m, 1, axis=axis) - m)
    return 2.0 * inv_mu0_ms[..., None] * total


class Exchange(FieldTerm):
    """Exchange energy term (see the module docstring)."""

    links: jax.Array
    """A_ij / d^2 (J/m^5) per link, shape (3, nx, ny, nz)."""
    inv_mu0_ms: jax.Array
    """1/(mu0 Ms) (1/T), zero outside the magnet."""
    Ms: jax.Array
    """Saturation magnetisation (A/m)."""

    @property
    def key(self) -> str:
        return "exchange"

    def field(self, m: jax.Array, t: jax.Array) -> jax.Array:
        return exchange_field(m, self.inv_mu0_ms, self.links)

    def energy_density(self, m: jax.Array, t: jax.Array) -> jax.Array:
        return bilinear_energy_density(m, self.field(m, t), self.Ms)


def build(term: mm.Exchange, ctx: BuildContext) -> Exchange:
    """The Exchange term of ``term`` (A: number, dict with 'r1:r2' link values, or Field)."""
    A, pairs = ctx.pairs(attr(term, "A"), "Exchange.A")
    A = ctx.values(A, 1, "Exchange.A")
    links = exchange_links(A, ctx.Ms_np, ctx.cell, pairs)
    return Exchange(name=term.name, links=ctx.array(links), inv_mu0_ms=ctx.inv_mu0_ms, Ms=ctx.Ms)
