"""The MTJ footprint: the rectangle of the tunnel junction above the track (shape only).

The tunnelling area is the part of this rectangle that lies over the track
(``Track.mtj_mask`` / ``Track.mtj_area``); the physics reads it for the conductance.
"""

from __future__ import annotations

import numpy as np
from pydantic import model_validator

from geometries.validation import Real, TypedConfig, config_dataclass, quantity


@config_dataclass(label="mtj")
class MTJFootprint(TypedConfig):
    """Axis-aligned rectangle ``x0 <= x <= x1``, ``y0 <= y <= y1`` (m)."""

    x0: Real = quantity(unit="m", description="left edge (towards IN)", typical=(-1e-3, 1e-3))
    x1: Real = quantity(
        unit="m", description="right edge (towards CLK); > x0", typical=(-1e-3, 1e-3)
    )
    y0: Real = quantity(
        unit="m", description="bottom edge; the track centre line is y = 0", typical=(-1e-3, 1e-3)
    )
    y1: Real = quantity(unit="m", description="top edge; > y0", typical=(-1e-3, 1e-3))

    @model_validator(mode="after")
    def _ordered(self) -> MTJFootprint:
        if not self.x1 > self.x0:
            raise ValueError(f"x1: must exceed mtj.x0 ({self.x1!r} <= {self.x0!r})")
        if not self.y1 > self.y0:
            raise ValueError(f"y1: must exceed mtj.y0 ({self.y1!r} <= {self.y0!r})")
        return self

    @property
    def rectangle_area(self) -> float:
        """Area of the rectangle itself (m^2), regardless of the track under it."""
        return (self.x1 - self.x0) * (self.y1 - self.y0)

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether points (m) lie in the rectangle (broadcasting, edges included)."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        return (x >= self.x0) & (x <= self.x1) & (y >= self.y0) & (y <= self.y1)
