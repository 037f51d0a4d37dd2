"""The one-file recipe for a new energy term (README, Architecture): a FieldTerm with its
builder, registered with one line in ``physics.engine.system.ENERGY_TERMS``, is summed into
the effective field with no other change. The toy term is a uniform bias field, so the engine's
own Zeeman term gives the exact answer to compare with."""

from __future__ import annotations

import discretisedfield as df
import jax
import jax.numpy as jnp
import micromagneticmodel as mm
import numpy as np
import pytest

import physics.engine.system as engine_system
from physics.engine.constants import MU0
from physics.engine.field import effective_field, term_fields
from physics.engine.term import FieldTerm
from physics.engine.values import BuildContext, attr


class Bias(mm.EnergyTerm):
    """A ubermag energy term that micromagneticmodel does not have: a uniform bias H (A/m)."""

    _allowed_attributes = ["H"]
    _reprlatex = r"-\mu_0 M_s \mathbf{m} \cdot \mathbf{H}_b"

    def effective_field(self, m):
        raise NotImplementedError

    def energy(self, m):
        raise NotImplementedError

    def density(self, m):
        raise NotImplementedError


class BiasTerm(FieldTerm):
    """The engine term of :class:`Bias` (the whole 'new file' of the recipe)."""

    H: jax.Array
    Ms: jax.Array

    @property
    def key(self) -> str:
        return f"bias:{self.name}"

    def field(self, m: jax.Array, t: jax.Array) -> jax.Array:
        return self.H

    def energy_density(self, m: jax.Array, t: jax.Array) -> jax.Array:
        return -MU0 * self.Ms * jnp.sum(m * self.H, axis=-1)


def build_bias(term: Bias, ctx: BuildContext) -> BiasTerm:
    H = ctx.values(attr(term, "H"), 3, "Bias.H")
    return BiasTerm(
        name=term.name,
        H=ctx.array(np.where(ctx.magnetic[..., None], H, 0.0)),
        Ms=ctx.Ms,
    )


def _system(bias_term: mm.EnergyTerm) -> mm.System:
    mesh = df.Mesh(p1=(0, 0, 0), p2=(20e-9, 10e-9, 2e-9), cell=(5e-9, 5e-9, 2e-9))
    system = mm.System(name="recipe")
    system.energy = mm.Exchange(A=1e-11) + bias_term
    system.m = df.Field(mesh, nvdim=3, value=(0.6, 0.0, 0.8), norm=8e5)
    return system


def test_a_registered_term_is_summed_into_the_effective_field(monkeypatch) -> None:
    H = (1e4, -2e4, 3e4)
    monkeypatch.setitem(engine_system.ENERGY_TERMS, Bias, build_bias)  # the one line
    m0, params, _ = engine_system.build_params(_system(Bias(H=H)))
    m_ref, params_ref, _ = engine_system.build_params(_system(mm.Zeeman(H=H)))
    assert "bias:bias" in term_fields(m0, params, 0.0)
    np.testing.assert_allclose(
        effective_field(m0, params, 0.0), effective_field(m_ref, params_ref, 0.0), rtol=1e-12
    )


def test_an_unregistered_term_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="Bias"):
        engine_system.build_params(_system(Bias(H=(0, 0, 1e4))))
