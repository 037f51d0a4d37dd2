"""The engine's parameters: one typed pytree per system (:class:`Params`).

Built from a ``micromagneticmodel.System`` by :func:`physics.engine.system.build_params`. All
array fields are JAX arrays of the run's float type; it is passed into jitted functions as an
argument. Terms are present or absent as list entries: ``terms`` holds the energy terms
(:class:`physics.engine.term.FieldTerm`), ``torques`` the spin torques
(:class:`physics.engine.term.TorqueTerm`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import jax

from .term import FieldTerm, Record, TorqueTerm

T = TypeVar("T", bound=FieldTerm)


class Params(Record):
    """Mesh, material, LLG coefficients and the terms of one system.

    Fields are read as attributes (``params.Ms``) or items (``params["Ms"]``); an item lookup
    with a term's key (``params["exchange"]``, ``params["slonczewski"]``) returns that term.
    """

    cell: jax.Array
    """(dx, dy, dz) in m, shape (3,)."""
    Ms: jax.Array
    """Saturation magnetisation (A/m) per cell, zero outside the magnet."""
    inv_mu0_ms: jax.Array
    """1/(mu0 Ms) (1/T) per cell, zero outside the magnet."""
    mask: jax.Array
    """1.0 in the magnet, 0.0 outside."""
    alpha: jax.Array
    """Gilbert damping (dimensionless) per cell."""
    gamma0: jax.Array
    """Gyromagnetic ratio mu0 |gamma| (m/(A s)) per cell."""
    precess: jax.Array
    """1.0 with the precession term, 0.0 without (damping only), scalar."""
    temperature: jax.Array
    """Temperature (K), scalar; 0 for deterministic dynamics."""
    terms: tuple[FieldTerm, ...]
    """The energy terms; the effective field is the sum of their fields."""
    torques: tuple[TorqueTerm, ...] = ()
    """The spin torques added to the LLG equation."""

    def __getitem__(self, name: str) -> Any:
        for term in (*self.terms, *self.torques):
            if term.key == name:
                return term
        return super().__getitem__(name)

    def find(self, kind: type[T]) -> T | None:
        """The first energy term of type ``kind``, or None."""
        return next((term for term in self.terms if isinstance(term, kind)), None)

    def replace(self, **changes: Any) -> Params:
        """A copy with the given fields replaced."""
        return dataclasses.replace(self, **changes)

    def map_terms(self, change: Callable[[FieldTerm], FieldTerm | None]) -> Params:
        """A copy whose terms are ``change(term)`` (terms mapped to None are dropped)."""
        return self.replace(terms=_kept(change(term) for term in self.terms))

    def without(self, kind: type[FieldTerm]) -> Params:
        """A copy without the energy terms of type ``kind``."""
        return self.map_terms(lambda term: None if isinstance(term, kind) else term)

    def names(self) -> dict[str, str]:
        """Term key -> ubermag term name, for the time table's ``E_<name>`` columns."""
        return {term.key: term.name for term in self.terms}


def _kept(terms: Iterable[FieldTerm | None]) -> tuple[FieldTerm, ...]:
    return tuple(term for term in terms if term is not None)
