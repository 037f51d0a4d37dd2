"""The JAX micromagnetic engine: an ubermag calculator (like ``oommfc``) in pure JAX.

``physics.engine.TimeDriver().drive(system, t=..., n=...)``, ``MinDriver().drive(system)``,
``RelaxDriver().drive(system)`` and ``HysteresisDriver().drive(system, Hmin=, Hmax=, n=)`` take
a ``micromagneticmodel.System`` and update ``system.m`` and ``system.table`` in place.

The physics lives in small pure modules. ``system`` turns a System into ``params.Params``, a
typed pytree that holds the mesh, the material, the LLG coefficients and a list of terms. Each
energy term is one module with one small ``equinox.Module`` (``field(m, t)`` in A/m,
``energy_density(m, t)`` in J/m^3) and its builder: ``exchange``, ``anisotropy``, ``dmi``,
``zeeman``, ``demag``; the spin torque is ``slonczewski``. ``field`` sums the terms
(``effective_field(m, params, t)``), ``llg`` gives ``llg_rhs(m, H, params, t)``;
``integrators`` (adaptive RK45), ``minimise`` (L-BFGS on the unit sphere), ``thermal``
(stochastic Heun) and ``ensemble`` (vmapped, sharded thermal runs) integrate it.

Adding an energy term: a new module with a ``term.FieldTerm`` subclass and a
``build(ubermag_term, ctx) -> term`` function, and one line in ``system.ENERGY_TERMS``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded lazily at run time (see __getattr__)
    from .drivers import HysteresisDriver, MinDriver, RelaxDriver, TimeDriver, compute, delete
    from .minimise import MinimisationNotConvergedError


def __getattr__(name: str):
    # Drivers import jax and ubermag: load them lazily so `import physics.engine` stays cheap.
    if name in ("TimeDriver", "MinDriver", "RelaxDriver", "HysteresisDriver", "delete", "compute"):
        from . import drivers

        return getattr(drivers, name)
    if name == "MinimisationNotConvergedError":
        from . import minimise

        return minimise.MinimisationNotConvergedError
    raise AttributeError(f"module 'physics.engine' has no attribute {name!r}")


__all__ = [
    "TimeDriver",
    "MinDriver",
    "RelaxDriver",
    "HysteresisDriver",
    "MinimisationNotConvergedError",
    "delete",
    "compute",
]
