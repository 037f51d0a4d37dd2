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

from dataclasses import dataclass

import numpy as np

from geometries._checks import (
    choice,
    integer,
    positive_length,
    real_number,
    reject_unknown_keys,
)

NOTCH_SHAPES: tuple[str, ...] = ("triangular", "rectangular", "rounded")
NOTCH_SIDES: tuple[str, ...] = ("both", "top", "bottom")
_KEYS = ("depth", "width", "shape", "sides", "count", "span", "positions")


@dataclass(frozen=True)
class NotchSpec:
    """Shape and placement of the pinning notches (all lengths in metres).

    ``depth`` is one depth for all notches or a tuple with one depth per notch (the paper's
    SEM shows notches of varying depth).
    """

    depth: float | tuple[float, ...]
    width: float
    shape: str = "triangular"
    sides: str = "both"
    count: int | None = None
    span: tuple[float, float] | None = None
    positions: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "width", positive_length("notches.width", self.width))
        set_(self, "shape", choice("notches.shape", self.shape, NOTCH_SHAPES))
        set_(self, "sides", choice("notches.sides", self.sides, NOTCH_SIDES))
        if (self.count is None) == (self.positions is None):
            raise ValueError(
                "notches.count: give exactly one of 'count' (evenly spaced) or 'positions'"
            )
        if self.positions is not None:
            if self.span is not None:
                raise ValueError("notches.span: only used with 'count', not with 'positions'")
            positions = _float_tuple("notches.positions", self.positions)
            if not positions:
                raise ValueError("notches.positions: must hold at least one notch centre")
            if any(b <= a for a, b in zip(positions, positions[1:], strict=False)):
                raise ValueError(
                    f"notches.positions: centres must be strictly ascending, got {positions}"
                )
            set_(self, "positions", positions)
        else:
            set_(self, "count", integer("notches.count", self.count, 1))
            if self.span is not None:
                span = _float_tuple("notches.span", self.span)
                if len(span) != 2:
                    raise ValueError(
                        f"notches.span: must be (first centre, last centre), got {self.span!r}"
                    )
                if self.count > 1 and not span[1] > span[0]:
                    raise ValueError(
                        f"notches.span: last centre must exceed the first, got {span}"
                    )
                if self.count == 1 and span[1] < span[0]:
                    raise ValueError(f"notches.span: must be ascending, got {span}")
                set_(self, "span", span)
        if isinstance(self.depth, list | tuple | np.ndarray):
            depths = tuple(
                positive_length(f"notches.depth[{k}]", d) for k, d in enumerate(self.depth)
            )
            if len(depths) != self.n:
                raise ValueError(
                    f"notches.depth: {len(depths)} depths given for {self.n} notches"
                )
            set_(self, "depth", depths)
        else:
            set_(self, "depth", positive_length("notches.depth", self.depth))

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
        """Plain-data form (JSON/TOML-friendly); inverse of :meth:`from_dict`."""
        out: dict = {
            "depth": list(self.depth) if isinstance(self.depth, tuple) else self.depth,
            "width": self.width,
            "shape": self.shape,
            "sides": self.sides,
        }
        if self.positions is not None:
            out["positions"] = list(self.positions)
        else:
            out["count"] = self.count
            if self.span is not None:
                out["span"] = list(self.span)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> NotchSpec:
        """Build from the form written by :meth:`to_dict` (or a TOML ``[notches]`` table)."""
        if not isinstance(data, dict):
            raise ValueError(f"notches: must be a table/dict, got {type(data).__name__}")
        reject_unknown_keys("notches", data, _KEYS)
        for key in ("depth", "width"):
            if key not in data:
                raise ValueError(f"notches.{key}: missing")
        kwargs = dict(data)
        if isinstance(kwargs["depth"], list):
            kwargs["depth"] = tuple(kwargs["depth"])
        return cls(**kwargs)


def _float_tuple(field: str, values: object) -> tuple[float, ...]:
    if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        raise ValueError(f"{field}: must be a list of numbers (m), got {values!r}")
    return tuple(real_number(f"{field}[{k}]", v) for k, v in enumerate(values))
