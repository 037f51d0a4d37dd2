"""The JAX micromagnetic engine: an ubermag calculator (like ``oommfc``) in pure JAX.

``physics.engine.TimeDriver().drive(system, t=..., n=...)``, ``MinDriver().drive(system)``,
``RelaxDriver().drive(system)`` and ``HysteresisDriver().drive(system, Hmin=, Hmax=, n=)`` take
a ``micromagneticmodel.System`` and update ``system.m`` and ``system.table`` in place. The
physics lives in small pure modules: ``system`` (System -> params pytree), ``exchange``,
``anisotropy``, ``dmi``, ``zeeman``, ``demag``, ``field`` (``effective_field(m, params, t)``),
``llg`` (``llg_rhs(m, H, params, t)``), ``integrators``, ``thermal``, ``ensemble``.
"""

from __future__ import annotations


def __getattr__(name: str):
    # Drivers import jax and ubermag: load them lazily so `import physics.engine` stays cheap.
    if name in ("TimeDriver", "MinDriver", "RelaxDriver", "HysteresisDriver", "delete", "compute"):
        from . import drivers

        return getattr(drivers, name)
    raise AttributeError(f"module 'physics.engine' has no attribute {name!r}")


__all__ = ["TimeDriver", "MinDriver", "RelaxDriver", "HysteresisDriver", "delete", "compute"]
