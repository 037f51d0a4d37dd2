"""Zeeman: an applied field H(t) (A/m), energy density -mu0 Ms m.H(t) (J/m^3).

H(t) is the term's field H (per cell, zero outside the magnet) with its time profile applied
(:mod:`physics.engine.timefunctions`: constant, sin/sinc, a sampled factor or a sampled 3x3
matrix).
"""

from __future__ import annotations

import dataclasses

import jax
import micromagneticmodel as mm
import numpy as np

from .constants import MU0
from .term import FieldTerm
from .timefunctions import TimeProfile, time_profile
from .values import BuildContext, attr
from .vectors import components, dot


class Zeeman(FieldTerm):
    """Zeeman energy term (see the module docstring)."""

    H: jax.Array
    """Applied field at full strength (A/m), shape (nx, ny, nz, 3), zero outside the magnet."""
    profile: TimeProfile
    """Time dependence of H."""
    Ms: jax.Array
    """Saturation magnetisation (A/m)."""

    @property
    def key(self) -> str:
        return f"zeeman:{self.name}"

    def field(self, m: jax.Array, t: jax.Array) -> jax.Array:
        return self.profile.apply(self.H, t)

    def energy_density(self, m: jax.Array, t: jax.Array) -> jax.Array:
        return -MU0 * self.Ms * dot(components(m), components(self.field(m, t)))

    def scaled(self, factor: jax.Array) -> Zeeman:
        """The same term with H multiplied by factor."""
        return dataclasses.replace(self, H=self.H * factor)


def build(term: mm.Zeeman, ctx: BuildContext) -> Zeeman:
    """The Zeeman term of ``term`` (H; func='sin'|'sinc' with f, t0, or a Python func sampled
    every dt returning a factor or the nine elements of a 3x3 matrix applied to H)."""
    what = f"Zeeman({term.name})"
    H = ctx.values(attr(term, "H"), 3, f"{what}.H")
    profile = time_profile(term, ctx.t_end, what, ctx.array, allow_matrix=True)
    return Zeeman(
        name=term.name,
        H=ctx.array(np.where(ctx.magnetic[..., None], H, 0.0)),
        profile=profile,
        Ms=ctx.Ms,
    )
