"""The MTJ footprint: the rectangle of the tunnel junction above the track (shape only).

The tunnelling area is the part of this rectangle that lies over the track
(``Track.mtj_mask`` / ``Track.mtj_area``); the physics reads it for the conductance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geometries._checks import real_number, reject_unknown_keys

_KEYS = ("x0", "x1", "y0", "y1")


@dataclass(frozen=True)
class MTJFootprint:
    """Axis-aligned rectangle ``x0 <= x <= x1``, ``y0 <= y <= y1`` (m)."""

    x0: float
    x1: float
    y0: float
    y1: float

    def __post_init__(self) -> None:
        for key in _KEYS:
            object.__setattr__(self, key, real_number(f"mtj.{key}", getattr(self, key)))
        if not self.x1 > self.x0:
            raise ValueError(f"mtj.x1: must exceed mtj.x0 ({self.x1!r} <= {self.x0!r})")
        if not self.y1 > self.y0:
            raise ValueError(f"mtj.y1: must exceed mtj.y0 ({self.y1!r} <= {self.y0!r})")

    @property
    def rectangle_area(self) -> float:
        """Area of the rectangle itself (m^2), regardless of the track under it."""
        return (self.x1 - self.x0) * (self.y1 - self.y0)

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether points (m) lie in the rectangle (broadcasting, edges included)."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        return (x >= self.x0) & (x <= self.x1) & (y >= self.y0) & (y <= self.y1)

    def to_dict(self) -> dict:
        """Plain-data form; inverse of :meth:`from_dict`."""
        return {key: getattr(self, key) for key in _KEYS}

    @classmethod
    def from_dict(cls, data: dict) -> MTJFootprint:
        """Build from a dict / TOML ``[mtj]`` table."""
        if not isinstance(data, dict):
            raise ValueError(f"mtj: must be a table/dict, got {type(data).__name__}")
        reject_unknown_keys("mtj", data, _KEYS)
        for key in _KEYS:
            if key not in data:
                raise ValueError(f"mtj.{key}: missing")
        return cls(**data)
