"""The two kinds of engine term: energy terms (a field) and spin torques (an extra torque).

An energy term (:class:`FieldTerm`) is a small pytree holding its per-cell parameters; it gives
its effective field ``field(m, t)`` (A/m) and energy density ``energy_density(m, t)`` (J/m^3),
both zero outside the magnet. The total effective field is the sum over the system's terms
(:func:`physics.engine.field.effective_field`). A torque term (:class:`TorqueTerm`) adds to the
right-hand side of the LLG equation (:func:`physics.engine.llg.llg_rhs`).

m is the unit magnetisation, shape (nx, ny, nz, 3), zero where Ms = 0; t is the time in s.
"""

from __future__ import annotations

import abc
from typing import Any

import equinox as eqx
import jax

from .constants import MU0
from .vectors import Vec3, components, dot


class Record(eqx.Module):
    """A pytree whose fields can also be read as items: ``x["name"] == x.name``."""

    def __getitem__(self, name: str) -> Any:
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None


class FieldTerm(Record):
    """An energy term: its effective field and its energy density."""

    name: str = eqx.field(static=True)
    """The ubermag term's name (the time table's ``E_<name>`` column)."""

    @property
    @abc.abstractmethod
    def key(self) -> str:
        """The term's key in :func:`physics.engine.field.term_fields` (e.g. 'exchange')."""

    @abc.abstractmethod
    def field(self, m: jax.Array, t: jax.Array) -> jax.Array:
        """Effective field (A/m), shape (nx, ny, nz, 3)."""

    @abc.abstractmethod
    def energy_density(self, m: jax.Array, t: jax.Array) -> jax.Array:
        """Energy density (J/m^3), shape (nx, ny, nz)."""


class TorqueTerm(Record):
    """A torque T (1/s) added to the Gilbert equation dm/dt = -gamma0 p m x H + alpha m x dm/dt
    + T (see :mod:`physics.engine.llg`)."""

    @property
    @abc.abstractmethod
    def key(self) -> str:
        """The term's key (e.g. 'slonczewski')."""

    @abc.abstractmethod
    def torque(
        self, m: Vec3, m_dot_m: jax.Array, gamma0: jax.Array, t: jax.Array
    ) -> tuple[Vec3, Vec3]:
        """(T, m x T) per component (1/s) for m given as its components; m_dot_m = m . m;
        gamma0 (m/(A s)) per cell."""

    @abc.abstractmethod
    def scaled(self, factor: jax.Array) -> TorqueTerm:
        """The same torque with its drive (e.g. the current density) multiplied by factor."""


def bilinear_energy_density(m: jax.Array, H: jax.Array, Ms: jax.Array) -> jax.Array:
    """-(mu0/2) Ms m.H (J/m^3): the energy density of a term whose discrete energy is a
    quadratic form in m (exchange, DMI, demag), for its field H (A/m) and Ms (A/m)."""
    return -0.5 * MU0 * Ms * dot(components(m), components(H))
