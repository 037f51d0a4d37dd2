"""Notch specification: where the pinning notches sit and what they look like.

A notch is an indentation of the track edge, measured perpendicular to the track axis (in y)
from the local edge. With centre ``xc``, width ``b`` (extent along x, m) and depth ``d`` (m),
the edge indentation at ``u = 2 (x - xc) / b`` (|u| <= 1 inside the notch) is

* ``rectangular``: ``d``                      (removed area per side ``d b``)
* ``triangular``:  ``d (1 - |u|)``            (a V notch, removed area ``d b / 2``)
* ``rounded``:     ``d sqrt(1 - u^2)``        (half ellipse; a half disc when ``d = b/2``;
  removed area ``pi d b / 4``)

``sides`` selects the edges that carry the notches: ``"both"`` (two-sided, the width drops by
``2 d`` at the centre), ``"top"`` (+y edge) or ``"bottom"`` (-y edge), each one-sided (the
width drops by ``d``).

Positions are given either explicitly (``positions``, strictly ascending notch centres in m
from the IN end) or as a ``count`` evenly spaced over ``span = (first centre, last centre)``;
without a span the ``count`` notches sit at ``L k / (count + 1)``, k = 1..count, i.e. evenly
spaced intermediate notches that leave equal track at both ends.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from geometries.validation import Int, Real, TypedConfig, config_dataclass, dump, quantity

NOTCH_SHAPES: tuple[str, ...] = ("triangular", "rectangular", "rounded")
NOTCH_SIDES: tuple[str, ...] = ("both", "top", "bottom")


def _as_tuple(value: object) -> object:
    """numpy arrays and lists of numbers -> tuples (TOML gives lists)."""
    if isinstance(value, np.ndarray):
        return tuple(value.tolist()) if value.ndim else value.item()
    return tuple(value) if isinstance(value, list) else value


_Length = Annotated[Real, Field(gt=0)]
_Depth = Annotated[_Length | tuple[_Length, ...], BeforeValidator(_as_tuple)]
_Centres = Annotated[tuple[Real, ...], BeforeValidator(_as_tuple)]


@config_dataclass(label="notches")
class NotchSpec(TypedConfig):
    """Shape and placement of the pinning notches (all lengths in metres).

    ``depth`` is one depth for all notches or a tuple with one depth per notch (the paper's
    SEM shows notches of varying depth).
    """

    depth: _Depth = quantity(
        unit="m",
        description="indentation of the edge (> 0), one value or one per notch",
        typical=(1e-10, 1e-4),
    )
    width: Real = quantity(
        unit="m", description="extent of a notch along x", gt=0, typical=(1e-10, 1e-4)
    )
    shape: Literal["triangular", "rectangular", "rounded"] = Field(
        "triangular", description="indentation profile"
    )
    sides: Literal["both", "top", "bottom"] = Field(
        "both", description="notched edges: both (two-sided), top (+y) or bottom (-y)"
    )
    count: Int | None = quantity(
        None,
        unit="",
        description="number of evenly spaced notches (or give positions)",
        ge=1,
        typical=(1, 1000),
    )
    span: tuple[Real, Real] | None = quantity(
        None,
        unit="m",
        description="(first centre, last centre) of the counted notches",
        typical=(0, 1e-3),
    )
    positions: _Centres | None = quantity(
        None,
        unit="m",
        description="notch centres from the IN end, ascending",
        min_length=1,
        typical=(0, 1e-3),
    )

    @model_validator(mode="after")
    def _placement(self) -> NotchSpec:
        if (self.count is None) == (self.positions is None):
            raise ValueError("count: give exactly one of 'count' (evenly spaced) or 'positions'")
        if self.positions is not None:
            if self.span is not None:
                raise ValueError("span: only used with 'count', not with 'positions'")
            centres = self.positions
            if any(b <= a for a, b in zip(centres, centres[1:], strict=False)):
                raise ValueError(f"positions: centres must be strictly ascending, got {centres}")
        elif self.span is not None:
            if self.count > 1 and not self.span[1] > self.span[0]:
                raise ValueError(f"span: last centre must exceed the first, got {self.span}")
            if self.count == 1 and self.span[1] < self.span[0]:
                raise ValueError(f"span: must be ascending, got {self.span}")
        if isinstance(self.depth, tuple) and len(self.depth) != self.n:
            raise ValueError(f"depth: {len(self.depth)} depths given for {self.n} notches")
        return self

    @property
    def n(self) -> int:
        """Number of notches."""
        return len(self.positions) if self.positions is not None else int(self.count)

    @property
    def depths(self) -> np.ndarray:
        """Depth of every notch (m), shape ``(n,)``."""
        return np.broadcast_to(np.asarray(self.depth, dtype=float), (self.n,)).copy()

    @property
    def position_field(self) -> str:
        """Name of the field that places the notches (for error messages)."""
        return "notches.positions" if self.positions is not None else "notches.span"

    def centres(self, length: float) -> np.ndarray:
        """Notch centres (m, ascending) on a track of ``length`` (m)."""
        if self.positions is not None:
            return np.asarray(self.positions, dtype=float)
        if self.span is None:
            k = np.arange(1, self.count + 1)
            return length * k / (self.count + 1)
        if self.count == 1:
            return np.array([0.5 * (self.span[0] + self.span[1])])
        return np.linspace(self.span[0], self.span[1], self.count)

    def unit_profile(self, u: np.ndarray) -> np.ndarray:
        """Indentation / depth at normalised offset ``u = 2 (x - xc) / width`` (0 outside)."""
        a = np.abs(u)
        if self.shape == "rectangular":
            return (a <= 1.0).astype(float)
        if self.shape == "triangular":
            return np.clip(1.0 - a, 0.0, None)
        return np.sqrt(np.clip(1.0 - u * u, 0.0, None))

    def indentation(self, x: np.ndarray, length: float) -> np.ndarray:
        """Edge indentation (m) of one notched edge at positions ``x`` (m), any shape."""
        x = np.asarray(x, dtype=float)
        centres = self.centres(length)
        u = (x[..., None] - centres) / (0.5 * self.width)
        return (self.unit_profile(u) * self.depths).sum(axis=-1)

    @property
    def area_factor(self) -> float:
        """Removed area per notch per side divided by ``depth * width``."""
        return {"rectangular": 1.0, "triangular": 0.5, "rounded": np.pi / 4.0}[self.shape]

    @property
    def n_sides(self) -> int:
        """Number of notched edges (2 for two-sided notches)."""
        return 2 if self.sides == "both" else 1

    def removed_area(self) -> float:
        """Total area (m^2) the notches remove from the track (exact, all notches, all sides)."""
        return float(self.area_factor * self.width * self.depths.sum() * self.n_sides)

    def to_dict(self) -> dict:
        """Plain-data form (JSON/TOML-friendly; unset placement fields left out); inverse of
        :meth:`from_dict`."""
        return dump(self, exclude_none=True)
