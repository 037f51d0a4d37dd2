"""Conversion of a ``micromagneticmodel.System`` into the engine's :class:`Params`.

``build_params(system, dtype, t_end=None) -> (m0, params, names)``
    m0: (nx, ny, nz, 3) unit magnetisation (zero where Ms = 0); params: :class:`Params` (mesh,
    material, LLG coefficients, the energy terms and the torques); names: term key -> ubermag
    term name, used for the time table's ``E_<name>`` columns.

Every supported ubermag term type maps to the builder of its engine term in :data:`ENERGY_TERMS`
or :data:`TORQUE_TERMS` (one line each; the builder lives with the term, e.g.
``exchange.build``). Energy terms supported: Exchange, UniaxialAnisotropy (K or K1/K2, u), DMI
(crystalclass Cnv_z, or its alias 'Cnv' as oommfc reads it), Zeeman (constant, func='sin'|'sinc'
with f, t0, or a Python func sampled every dt returning a scale factor or the nine elements of a
3x3 matrix applied to H, as oommfc's TransformZeeman), Demag. Dynamics terms: Precession,
Damping (the LLG coefficients), Slonczewski (J, mp, P, Lambda, eps_prime, func + dt, scalar
factor only).

Anything the engine cannot honour raises ValueError naming it (never silently ignored):
unsupported terms and options, periodic boundary conditions (``mesh.bc``), inter-region values
(``'r1:r2'`` dict keys) anywhere but Exchange.A and DMI.D, and dict keys that name no subregion
of the mesh. Exchange.A / DMI.D pair keys set the coupling of links between the two regions
(OOMMF's Exchange6Ngbr semantics); other inter-region links take the harmonic mean (A) or the
mean (D) of the two cells' values.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import discretisedfield as df
import jax
import jax.numpy as jnp
import micromagneticmodel as mm
import numpy as np

from . import anisotropy, demag, dmi, exchange, slonczewski, zeeman
from .constants import GAMMA0_DEFAULT
from .params import Params
from .term import FieldTerm, TorqueTerm
from .values import BuildContext, attr, check_mesh

ENERGY_TERMS: dict[type, Callable[[Any, BuildContext], FieldTerm]] = {
    mm.Exchange: exchange.build,
    mm.UniaxialAnisotropy: anisotropy.build,
    mm.DMI: dmi.build,
    mm.Demag: demag.build,
    mm.Zeeman: zeeman.build,
}
"""ubermag energy term type -> builder of the engine term. The effective field is summed in
this order (then in the system's order within a type)."""

TORQUE_TERMS: dict[type, Callable[[Any, BuildContext], TorqueTerm]] = {
    mm.Slonczewski: slonczewski.build,
}
"""ubermag dynamics term type -> builder of the engine torque term."""

LLG_TERMS = (mm.Precession, mm.Damping)
"""Dynamics terms that set the LLG coefficients (gamma0, alpha) rather than add a torque."""


def _type_names(types: Any) -> str:
    return ", ".join(t.__name__ for t in types)


def _magnetisation(system: mm.System) -> tuple[df.Mesh, np.ndarray, np.ndarray]:
    """(mesh, unit m (zero where Ms = 0), Ms in A/m) of system.m, float64."""
    if system.m is None or not isinstance(system.m, df.Field):
        raise ValueError("system.m: must be a discretisedfield.Field")
    mesh = system.m.mesh
    check_mesh(mesh)
    if system.m.nvdim != 3:
        raise ValueError("system.m: must be a 3-vector field")
    M = np.asarray(system.m.array, dtype=np.float64)
    Ms = np.linalg.norm(M, axis=-1)
    if not np.any(Ms > 0):
        raise ValueError("system.m: the norm (Ms) is zero everywhere")
    magnetic = Ms > 0
    m0 = np.where(magnetic[..., None], M / np.where(magnetic, Ms, 1.0)[..., None], 0.0)
    return mesh, m0, Ms


def _check_term_types(system: mm.System) -> None:
    """ValueError naming the first energy or dynamics term the engine does not implement."""
    for term in system.energy:
        if not isinstance(term, tuple(ENERGY_TERMS)):
            raise ValueError(
                f"system.energy: term {type(term).__name__} ({term.name}) is not supported by "
                f"the JAX engine (supported: {_type_names(ENERGY_TERMS)})"
            )
    for term in system.dynamics:
        if not isinstance(term, (*LLG_TERMS, *TORQUE_TERMS)):
            raise ValueError(
                f"system.dynamics: term {type(term).__name__} is not supported by the JAX engine "
                f"(supported: {_type_names((*LLG_TERMS, *TORQUE_TERMS))})"
            )


def _build(table: dict[type, Callable[[Any, BuildContext], Any]], terms: Any, ctx: BuildContext):
    """Engine terms of the ubermag terms, built in the table's order."""
    return tuple(
        build(term, ctx)
        for kind, build in table.items()
        for term in terms
        if isinstance(term, kind)
    )


def _check_unique(terms: tuple[FieldTerm, ...]) -> None:
    keys = [term.key for term in terms]
    for term in terms:
        if keys.count(term.key) > 1:
            raise ValueError(f"system.energy: more than one {type(term).__name__} term")


def _llg_coefficients(dynamics: Any) -> tuple[Any, Any, float]:
    """(gamma0 (m/(A s)), alpha, precess = 1.0 with a Precession term, else 0.0)."""
    gamma0, alpha, precess = GAMMA0_DEFAULT, 0.0, 0.0
    for term in dynamics:
        if isinstance(term, mm.Precession):
            gamma0, precess = attr(term, "gamma0"), 1.0
        elif isinstance(term, mm.Damping):
            alpha = attr(term, "alpha")
    return gamma0, alpha, precess


def _temperature(system: mm.System) -> float:
    T = float(system.T) if isinstance(system.T, numbers.Real) else None
    if T is None or T < 0:
        raise ValueError(f"system.T: must be a non-negative number (K), got {system.T!r}")
    return T


def build_params(
    system: mm.System, dtype: Any = jnp.float64, t_end: float | None = None
) -> tuple[jax.Array, Params, dict[str, str]]:
    """m0, :class:`Params` and term names of ``system`` (see the module docstring).

    dtype: float type of the arrays (call inside ``jax.enable_x64(True)`` for float64);
    t_end: end time (s) of the drive, up to which Python time functions are sampled
    (default: t = 0 only, for static drivers; the thermal integrators and ensembles refuse
    to run past it, naming the term, rather than hold the drive at its last sample).
    """
    mesh, m0, Ms = _magnetisation(system)
    _check_term_types(system)
    ctx = BuildContext(mesh=mesh, Ms_np=Ms, dtype=dtype, t_end=t_end)
    torques = _build(TORQUE_TERMS, system.dynamics, ctx)
    terms = _build(ENERGY_TERMS, system.energy, ctx)
    _check_unique(terms)
    gamma0, alpha, precess = _llg_coefficients(system.dynamics)
    params = Params(
        cell=ctx.cell_array,
        Ms=ctx.Ms,
        inv_mu0_ms=ctx.inv_mu0_ms,
        mask=ctx.mask,
        alpha=ctx.array(ctx.values(alpha, 1, "Damping.alpha")),
        gamma0=ctx.array(ctx.values(gamma0, 1, "Precession.gamma0")),
        precess=ctx.array(precess),
        temperature=ctx.array(_temperature(system)),
        terms=terms,
        torques=torques,
    )
    return ctx.array(m0), params, params.names()
