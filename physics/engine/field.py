"""Effective field and energies of the engine's parameter pytree.

Public, stable signature (other modules, e.g. ``thermal.py``, build on it):

``effective_field(m, params, t) -> H``
    m: (nx, ny, nz, 3) unit magnetisation, zero where Ms = 0; params: the pytree built by
    :func:`physics.engine.system.build_params`; t: time in s (scalar). Returns the total
    effective field H (nx, ny, nz, 3) in A/m (exchange + anisotropy + DMI + Zeeman + demag,
    whichever the system has), zero outside the magnet. Pure and jittable.

``term_fields(m, params, t) -> dict[str, H]``   fields per energy term (A/m).
``demag_term(m, params) -> H``   the demagnetising field alone (A/m), zero outside the magnet.
``energy_densities(m, params, t) -> dict[str, w]``   energy density per term (J/m^3).
``energies(m, params, t) -> dict[str, E]``   total energy per term (J), keys as in params.

The params pytree (a dict; the presence of a key switches a term on):
    "cell" (3,) m; "Ms" (nx,ny,nz) A/m; "inv_mu0_ms" 1/(mu0 Ms) or 0; "mask" 1.0/0.0;
    "alpha", "gamma0" (nx,ny,nz); "precess" 1.0 or 0.0;
    "exchange": {"links"}; "anisotropy": {"K1", "K2", "u"}; "dmi": {"links"};
    "zeeman": {name: {"H", [time keys or "matrix_profile"]}}; "demag": {"kernel": DemagKernel};
    "slonczewski": {"J", "mp", "P", "Lambda", "eps_prime", "thickness", [time keys]};
    "temperature": K (only when T > 0).
"""

from __future__ import annotations

import jax.numpy as jnp

from .anisotropy import anisotropy_energy_density, anisotropy_field
from .constants import MU0
from .demag import demag_field
from .dmi import dmi_field
from .exchange import exchange_field
from .zeeman import applied_field, zeeman_energy_density


def term_fields(m: jnp.ndarray, params: dict, t: jnp.ndarray) -> dict[str, jnp.ndarray]:
    """Effective field of each energy term (A/m); keys 'exchange', 'anisotropy', 'dmi',
    'demag' and 'zeeman:<name>'."""
    inv = params["inv_mu0_ms"]
    out: dict[str, jnp.ndarray] = {}
    if "exchange" in params:
        out["exchange"] = exchange_field(m, inv, params["exchange"]["links"])
    if "anisotropy" in params:
        a = params["anisotropy"]
        out["anisotropy"] = anisotropy_field(m, inv, a["K1"], a["K2"], a["u"])
    if "dmi" in params:
        out["dmi"] = dmi_field(m, inv, params["dmi"]["links"], params["cell"])
    if "demag" in params:
        out["demag"] = demag_term(m, params)
    for name, spec in params.get("zeeman", {}).items():
        out[f"zeeman:{name}"] = applied_field(spec, t) * params["mask"][..., None]
    return out


def demag_term(m: jnp.ndarray, params: dict) -> jnp.ndarray:
    """Demagnetising field (A/m) of params' kernel, zero outside the magnet."""
    H = demag_field(m, params["Ms"], params["demag"]["kernel"])
    return H * params["mask"][..., None].astype(m.dtype)


def effective_field(m: jnp.ndarray, params: dict, t: jnp.ndarray) -> jnp.ndarray:
    """Total effective field H (A/m), shape (nx, ny, nz, 3); see the module docstring."""
    fields = term_fields(m, params, t)
    total = jnp.zeros_like(m)
    for H in fields.values():
        total = total + H
    return total


def energy_densities(m: jnp.ndarray, params: dict, t: jnp.ndarray) -> dict[str, jnp.ndarray]:
    """Energy density of each term (J/m^3), zero outside the magnet; keys as term_fields."""
    fields = term_fields(m, params, t)
    Ms = params["Ms"]
    out: dict[str, jnp.ndarray] = {}
    for key, H in fields.items():
        if key.startswith("zeeman:"):
            out[key] = zeeman_energy_density(m, H, Ms)
        elif key == "anisotropy":
            a = params["anisotropy"]
            out[key] = anisotropy_energy_density(m, params["mask"] > 0, a["K1"], a["K2"], a["u"])
        else:  # exchange, DMI, demag: bilinear discrete energies
            out[key] = -0.5 * MU0 * Ms * jnp.sum(m * H, axis=-1)
    return out


def energies(m: jnp.ndarray, params: dict, t: jnp.ndarray) -> dict[str, jnp.ndarray]:
    """Total energy of each term (J): sum of the energy density times the cell volume."""
    volume = jnp.prod(params["cell"])
    return {k: jnp.sum(w) * volume for k, w in energy_densities(m, params, t).items()}
