"""The device model that the networks consume: a JAX pytree (an ``equinox.Module``).

A :class:`DeviceModel` is what the compact stage produces (``dwmtj fit``) and what the
paper-derived presets provide before any fit exists. Everything the two network
applications need from a DW-MTJ synapse lives here:

* the conductance levels of the notch states and their cycle-to-cycle spread (inference),
* the normalised hidden-weight levels in [-1, 1] and the metaplastic parameters
  ``w1_over_w2`` (Eq. 1 of the paper) and ``delta`` (asymmetry) (stream learning).

Units: resistances in ohm, conductances in siemens.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jax import Array


class DeviceModel(eqx.Module):
    """Compact model of one DW-MTJ synapse geometry.

    Attributes
    ----------
    name:
        Identifier, e.g. ``"paper-trapezoid"``.
    resistance_levels_ohm:
        Mean MTJ resistance of each stable notch state (ohm), ordered from the IN end.
    resistance_sigma_ohm:
        Cycle-to-cycle standard deviation of each level (ohm).
    weight_levels:
        Normalised hidden-weight levels in [-1, 1], sorted ascending, onto which the
        metaplastic network rounds its weights.
    w1_over_w2:
        Effective width ratio of Eq. 1 (1 for a straight track, 0.25 for 1:4).
    delta:
        Asymmetry factor applied to weight updates that grow |W| (dimensionless).
    write_sigma_S:
        Programming (write) noise of a conductance, standard deviation in siemens.
    """

    name: str = eqx.field(static=True)
    resistance_levels_ohm: Array
    resistance_sigma_ohm: Array
    weight_levels: Array
    w1_over_w2: Array
    delta: Array
    write_sigma_S: Array

    def __check_init__(self) -> None:
        r = np.asarray(self.resistance_levels_ohm)
        if r.ndim != 1 or r.size < 2:
            raise ValueError("resistance_levels_ohm: need a 1-D array of at least 2 levels")
        if np.any(r <= 0):
            raise ValueError("resistance_levels_ohm: resistances must be positive")
        if np.asarray(self.resistance_sigma_ohm).shape != r.shape:
            raise ValueError("resistance_sigma_ohm: must have one entry per level")
        w = np.asarray(self.weight_levels)
        if w.ndim != 1 or w.size < 2 or np.any(np.diff(w) <= 0):
            raise ValueError("weight_levels: need >= 2 strictly increasing levels")
        if w.min() < -1 - 1e-12 or w.max() > 1 + 1e-12:
            raise ValueError("weight_levels: levels must lie in [-1, 1]")
        if not 0 < float(self.w1_over_w2) <= 1:
            raise ValueError("w1_over_w2: must be in (0, 1]")
        if float(self.delta) <= 0:
            raise ValueError("delta: must be positive")
        if float(self.write_sigma_S) < 0:
            raise ValueError("write_sigma_S: must be non-negative")

    @property
    def conductance_levels_S(self) -> Array:
        """Mean conductance of each notch state (S)."""
        return 1.0 / jnp.asarray(self.resistance_levels_ohm)

    @property
    def conductance_sigma_S(self) -> Array:
        """Cycle-to-cycle conductance spread of each state, sigma_R / R^2 (S)."""
        r = jnp.asarray(self.resistance_levels_ohm)
        return jnp.asarray(self.resistance_sigma_ohm) / r**2

    @property
    def n_levels(self) -> int:
        """Number of weight levels used by the metaplastic network."""
        return int(np.asarray(self.weight_levels).size)

    def with_uniform_levels(self, n: int) -> DeviceModel:
        """A copy whose hidden-weight levels are ``n`` evenly spaced values in [-1, 1].

        Computed in float64 and rounded once to float32, so that every level is the float32
        nearest to -1 + 2k/(n - 1) (a float32 ``jnp.linspace`` misses some by an ulp or two)
        and the grid is the same as the stream control's ``levels=n``."""
        if n < 2:
            raise ValueError(f"n: need at least 2 levels, got {n}")
        levels = jnp.asarray(np.linspace(-1.0, 1.0, n), jnp.float32)
        return eqx.tree_at(lambda d: d.weight_levels, self, levels)
