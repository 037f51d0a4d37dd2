"""Calculators: what turns a device ``System`` + protocol into results.

``get_calculator("oommf")`` gives :class:`physics.calculators.oommf.OOMMFCalculator` (real OOMMF
through oommfc); ``get_calculator("jax")`` gives the built-in JAX engine (:mod:`physics.engine`).
Both offer ubermag-style ``TimeDriver`` and ``MinDriver`` that take the same System.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import physics.engine
from physics.calculators.oommf import OOMMFCalculator

CALCULATORS: tuple[str, ...] = ("oommf", "jax")


def get_calculator(name: str, **kwargs: Any) -> OOMMFCalculator | ModuleType:
    """Return the calculator called ``name`` ("oommf" or "jax")."""
    key = str(name).strip().lower()
    if key == "oommf":
        return OOMMFCalculator(**kwargs)
    if key == "jax":
        if kwargs:
            raise ValueError(f"name: the jax calculator takes no options, got {sorted(kwargs)}")
        return physics.engine
    raise ValueError(f"name: unknown calculator {name!r}; choose from {list(CALCULATORS)}")
