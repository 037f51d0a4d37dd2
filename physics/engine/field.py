"""Effective field and energies of a system's :class:`~physics.engine.params.Params`.

``effective_field(m, params, t) -> H``
    m: (nx, ny, nz, 3) unit magnetisation, zero where Ms = 0; params: built by
    :func:`physics.engine.system.build_params`; t: time in s (scalar). Returns the total
    effective field H (nx, ny, nz, 3) in A/m, the sum of the fields of ``params.terms``, zero
    outside the magnet. Pure and jittable.

``term_fields(m, params, t) -> dict[str, H]``   field per term (A/m), keyed by ``term.key``
    ('exchange', 'anisotropy', 'dmi', 'demag', 'zeeman:<name>').
``energy_densities(m, params, t) -> dict[str, w]``   energy density per term (J/m^3).
``energies(m, params, t) -> dict[str, E]``   total energy per term (J), keys as above.
``field_and_energy(m, params, t) -> (H, E)``
    the total effective field (A/m) and the total energy (J) from one evaluation of each
    term's field (the minimisers' objective): the energy of exchange, DMI and demag is the
    bilinear form -(mu0/2) Ms m.H_term, of Zeeman -mu0 Ms m.H_term; other terms use their
    ``energy_density``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .constants import MU0
from .demag import Demag
from .dmi import InterfacialDMI
from .exchange import Exchange
from .params import Params
from .term import bilinear_energy_density
from .vectors import components, dot
from .zeeman import Zeeman

_BILINEAR = (Exchange, InterfacialDMI, Demag)
"""Terms whose energy density is -(mu0/2) Ms m.H of their own field."""


def term_fields(m: jax.Array, params: Params, t: jax.Array | float) -> dict[str, jax.Array]:
    """Effective field of each energy term (A/m), keyed by the term's key."""
    t = jnp.asarray(t)
    return {term.key: term.field(m, t) for term in params.terms}


def effective_field(m: jax.Array, params: Params, t: jax.Array | float) -> jax.Array:
    """Total effective field H (A/m), shape (nx, ny, nz, 3); see the module docstring."""
    t = jnp.asarray(t)
    total = jnp.zeros_like(m)
    for term in params.terms:
        total = total + term.field(m, t)
    return total


def energy_densities(m: jax.Array, params: Params, t: jax.Array | float) -> dict[str, jax.Array]:
    """Energy density of each term (J/m^3), zero outside the magnet; keys as term_fields."""
    t = jnp.asarray(t)
    return {term.key: term.energy_density(m, t) for term in params.terms}


def energies(m: jax.Array, params: Params, t: jax.Array | float) -> dict[str, jax.Array]:
    """Total energy of each term (J): sum of the energy density times the cell volume."""
    volume = jnp.prod(params.cell)
    return {k: jnp.sum(w) * volume for k, w in energy_densities(m, params, t).items()}


def field_and_energy(
    m: jax.Array, params: Params, t: jax.Array | float
) -> tuple[jax.Array, jax.Array]:
    """(H (A/m), E (J)): total effective field and total energy, each term's field evaluated
    once: E is -(mu0/2) Ms m.H summed over the cells, corrected by each term that is not
    bilinear (Zeeman, anisotropy)."""
    t = jnp.asarray(t)
    H = jnp.zeros_like(m)
    # density = -(mu0/2) Ms m.H + the corrections of the terms that are not bilinear
    correction = jnp.zeros(m.shape[:-1], m.dtype)
    for term in params.terms:
        h = term.field(m, t)
        H = H + h
        if isinstance(term, Zeeman):
            correction = correction - 0.5 * MU0 * params.Ms * dot(components(m), components(h))
        elif not isinstance(term, _BILINEAR):
            correction = (
                correction + term.energy_density(m, t) - bilinear_energy_density(m, h, params.Ms)
            )
    density = bilinear_energy_density(m, H, params.Ms) + correction
    return H, jnp.sum(density) * jnp.prod(params.cell)
