"""Notched 2-D tracks: trapezoid (w1 at IN -> w2 at CLK) and straight (width w).

Convention (other packages rely on it): the track runs along x from x = 0 (the IN terminal)
to x = L (the CLK terminal) and is symmetric about the centre line y = 0, so the smooth edges
are y = +-w(x)/2 with w(x) = w1 + (w2 - w1) x / L. All lengths are SI metres.

w1 > w2 (a track that narrows toward CLK) is allowed: it is the same shape driven the other
way. Notches indent the (possibly rough) edges; see :mod:`geometries.notches` and
:mod:`geometries.roughness`.

Masks use the cell-centre rule: a cell is inside the track if its centre is inside
(:meth:`Track.contains`, edges included). The grid of :meth:`Track.grid` / :meth:`Track.mask`
starts at (xmin, ymin) of :attr:`Track.bounds` with nx = ceil((xmax - xmin)/dx),
ny = ceil((ymax - ymin)/dy) cells, i.e. it matches
``discretisedfield.Mesh(p1=(xmin, ymin, 0), p2=(xmin + nx dx, ymin + ny dy, t), cell=(dx, dy, t))``
(use :meth:`Track.mesh_corners`).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

import numpy as np
from pydantic import Field, model_validator

from geometries.mtj import MTJFootprint
from geometries.notches import NotchSpec
from geometries.roughness import EdgeRoughness
from geometries.validation import (
    Real,
    TypedConfig,
    check,
    config_dataclass,
    dump,
    load,
    quantity,
    require_memory,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

TRACK_KINDS: tuple[str, ...] = ("trapezoid", "straight")
TrackKind = Literal["trapezoid", "straight"]
#: Relative tolerance below which extent/cell counts as an integer number of cells.
_CELL_COUNT_RTOL = 1e-9
#: Masks of more cells than this are checked against the available memory first.
_MASK_CHECK_CELLS = 50_000_000
#: A cell size (m): finite and > 0.
CellSize = Annotated[Real, quantity(unit="m", description="cell size", gt=0, typical=(1e-11, 1e-6))]
_T = TypeVar("_T")


def nm(value_m: float) -> str:
    """Format a length in metres as nanometres for error messages."""
    return f"{value_m * 1e9:.4g} nm"


def _cell(value: object, path: str) -> float:
    """A cell size (m) > 0, or a one-line ValueError naming ``path``."""
    return check(CellSize, value, path)


def cell_count(extent: float, step: float) -> int:
    """ceil(extent / step), robust to round-off (300e-9 / 2e-9 gives 150, not 151)."""
    ratio = extent / step
    nearest = round(ratio)
    if abs(ratio - nearest) <= _CELL_COUNT_RTOL * max(1.0, ratio):
        return max(int(nearest), 1)
    return max(int(math.ceil(ratio)), 1)


def _straight_width(build: Callable[[], _T]) -> _T:
    """Run ``build`` (a straight track); errors about w1/w2 name the one ``width``."""
    try:
        return build()
    except ValueError as exc:
        text = str(exc)
        if text.startswith(("w1: ", "w2: ")):  # w1 and w2 are the one width: one problem
            more = re.search(r" \(\+(\d+) more errors?\)$", text)
            if more:
                n = int(more.group(1)) - 1
                tail = f" (+{n} more error{'s' if n > 1 else ''})" if n else ""
                text = text[: more.start()] + tail
            for end in ("width at the IN end (x = 0)", "width at the CLK end (x = L)"):
                text = text.replace(end, "track width")
            raise ValueError("width: " + text[4:]) from None
        raise


@config_dataclass
class Track(TypedConfig):
    """A notched DW track (frozen, validated on construction; lengths in metres).

    Build one with :meth:`trapezoid`, :meth:`straight`, :meth:`from_dict` or
    :func:`geometries.load_preset`. ``name`` and ``description`` are labels only.
    """

    kind: TrackKind = Field(
        description="'trapezoid' (w1 at IN -> w2 at CLK) or 'straight' (one width)"
    )
    length: Real = quantity(
        unit="m", description="track length L along x", gt=0, typical=(1e-8, 1e-3)
    )
    w1: Real = quantity(
        unit="m",
        description="width at the IN end (x = 0)",
        gt=0,
        typical=(1e-9, 1e-4),
        widen_as="track.width",
    )
    w2: Real = quantity(
        unit="m",
        description="width at the CLK end (x = L)",
        gt=0,
        typical=(1e-9, 1e-4),
        widen_as="track.width",
    )
    notches: NotchSpec | None = Field(None, description="pinning notches (none: smooth)")
    roughness: EdgeRoughness | None = Field(None, description="edge roughness (none: smooth)")
    mtj: MTJFootprint | None = Field(None, description="MTJ footprint above the track")
    name: str = Field("", description="label only")
    description: str = Field("", description="label only")

    # ----------------------------------------------------------------- construction
    @classmethod
    def trapezoid(cls, w1: float, w2: float, length: float, **kwargs: Any) -> Track:
        """Trapezoid of width ``w1`` at IN (x = 0) and ``w2`` at CLK (x = length), in m."""
        return cls(kind="trapezoid", length=length, w1=w1, w2=w2, **kwargs)

    @classmethod
    def straight(cls, width: float, length: float, **kwargs: Any) -> Track:
        """Straight track of constant ``width`` and ``length`` (m)."""
        return _straight_width(
            lambda: cls(kind="straight", length=length, w1=width, w2=width, **kwargs)
        )

    @model_validator(mode="after")
    def _shape(self) -> Track:
        if self.kind == "straight" and self.w1 != self.w2:
            raise ValueError(
                f"width: a straight track has one width, got w1 = {nm(self.w1)} and "
                f"w2 = {nm(self.w2)} (use kind 'trapezoid')"
            )
        self._check_notches()
        self._check_edges()
        self._check_mtj()
        return self

    def _check_notches(self) -> None:
        spec = self.notches
        if spec is None:
            return
        centres = spec.centres(self.length)
        half = 0.5 * spec.width
        for k, c in enumerate(centres):
            if c - half < 0.0 or c + half > self.length:
                raise ValueError(
                    f"{spec.position_field}: notch {k} (centre {nm(c)}, width "
                    f"{nm(spec.width)}) lies outside the track [0, {nm(self.length)}]"
                )
        gaps = np.diff(centres)
        for k, gap in enumerate(gaps):
            if gap < spec.width:
                raise ValueError(
                    f"notches.width: notches {k} and {k + 1} overlap (centres {nm(gap)} "
                    f"apart, less than the notch width {nm(spec.width)}); "
                    f"check {spec.position_field} too"
                )
        # The nominal width is linear, so its minimum over a notch is at one of its ends.
        w_lo = np.minimum(
            self.nominal_width_at(centres - half), self.nominal_width_at(centres + half)
        )
        for k, (d, w) in enumerate(zip(spec.depths, w_lo, strict=True)):
            if d >= 0.5 * w:
                raise ValueError(
                    f"notches.depth: notch {k} depth {nm(d)} is not less than half the "
                    f"local track width ({nm(w)} / 2)"
                )

    def _check_edges(self) -> None:
        x = self._outline_x
        w = self.width_at(x)
        if np.any(w[(x > 0) & (x < self.length)] <= 0.0):
            k = int(np.argmin(w))
            raise ValueError(
                f"roughness.amplitude: the rough edges cross near x = {nm(x[k])} "
                "(the track pinches off); reduce the amplitude"
            )

    def _check_mtj(self) -> None:
        if self.mtj is None:
            return
        if self.mtj.x0 < 0.0 or self.mtj.x1 > self.length:
            raise ValueError(
                f"mtj.x0: the footprint [{nm(self.mtj.x0)}, {nm(self.mtj.x1)}] must lie "
                f"within the track [0, {nm(self.length)}]"
            )
        if not self.mtj_area > 0.0:
            raise ValueError("mtj.y0: the footprint does not overlap the track")

    # ------------------------------------------------------------------- shape
    @property
    def notch_centres(self) -> np.ndarray:
        """Notch centres (m, ascending); empty without notches."""
        if self.notches is None:
            return np.zeros(0)
        return self.notches.centres(self.length)

    @cached_property
    def _roughness_samples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        if self.roughness is None or self.roughness.amplitude == 0.0:
            return None
        return self.roughness.sample(self.length)

    def nominal_width_at(self, x: np.ndarray | float) -> np.ndarray:
        """Smooth width w(x) = w1 + (w2 - w1) x / L (m), without notches or roughness.

        Zero outside 0 <= x <= L.
        """
        x = np.asarray(x, dtype=float)
        w = self.w1 + (self.w2 - self.w1) * x / self.length
        return np.where((x >= 0.0) & (x <= self.length), w, 0.0)

    def edges(self, x: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """(bottom, top) edge y-coordinates (m) at ``x`` (m), notches and roughness included.

        Outside 0 <= x <= L both edges are 0.
        """
        x = np.asarray(x, dtype=float)
        inside = (x >= 0.0) & (x <= self.length)
        half = 0.5 * (self.w1 + (self.w2 - self.w1) * x / self.length)
        top = half.copy()
        bottom = -half
        samples = self._roughness_samples
        if samples is not None:
            xs, r_top, r_bottom = samples
            top = top + np.interp(x, xs, r_top)
            bottom = bottom - np.interp(x, xs, r_bottom)
        if self.notches is not None:
            dent = self.notches.indentation(x, self.length)
            if self.notches.sides in ("both", "top"):
                top = top - dent
            if self.notches.sides in ("both", "bottom"):
                bottom = bottom + dent
        return np.where(inside, bottom, 0.0), np.where(inside, top, 0.0)

    def width_at(self, x: np.ndarray | float) -> np.ndarray:
        """Local width (m) at ``x`` (m) including notches and roughness; 0 outside [0, L]."""
        bottom, top = self.edges(x)
        return top - bottom

    def contains(self, x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
        """Boolean array: is the point (x, y) (m) in the track? Broadcasts; edges count in."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        bottom, top = self.edges(x)
        return (x >= 0.0) & (x <= self.length) & (y >= bottom) & (y <= top)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of the track (m): xmin = 0, xmax = L.

        For a smooth track ymax = -ymin = max(w1, w2)/2; roughness adds its largest outward
        excursion.
        """
        half = 0.5 * max(self.w1, self.w2)
        top_extra = bottom_extra = 0.0
        samples = self._roughness_samples
        if samples is not None:
            top_extra = max(0.0, float(samples[1].max()))
            bottom_extra = max(0.0, float(samples[2].max()))
        return (0.0, -(half + bottom_extra), self.length, half + top_extra)

    @property
    def area(self) -> float:
        """Track area (m^2): L (w1 + w2)/2 minus the notches plus the roughness.

        Exact for the shape as represented (closed forms for the notches, the roughness is
        piecewise linear between its samples).
        """
        area = self.length * 0.5 * (self.w1 + self.w2)
        if self.notches is not None:
            area -= self.notches.removed_area()
        samples = self._roughness_samples
        if samples is not None:
            xs, r_top, r_bottom = samples
            area += float(np.trapezoid(r_top + r_bottom, xs))
        return float(area)

    @cached_property
    def _outline_x(self) -> np.ndarray:
        """Dense x samples (m) that include every notch vertex and roughness sample."""
        parts = [np.linspace(0.0, self.length, 2001)]
        if self._roughness_samples is not None:
            parts.append(self._roughness_samples[0])
        if self.notches is not None:
            half = 0.5 * self.notches.width
            for c in self.notch_centres:
                parts.append(np.linspace(c - half, c + half, 129))
        return np.unique(np.concatenate(parts))

    def outline(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, bottom, top) sampled densely enough to draw or measure the outline (m)."""
        x = self._outline_x
        bottom, top = self.edges(x)
        return x, bottom, top

    @property
    def perimeter(self) -> float:
        """Length of the outline (m), from the dense polyline of :meth:`outline`."""
        x, bottom, top = self.outline()
        sides = (
            np.hypot(np.diff(x), np.diff(top)).sum() + np.hypot(np.diff(x), np.diff(bottom)).sum()
        )
        return float(sides + (top[0] - bottom[0]) + (top[-1] - bottom[-1]))

    @cached_property
    def mtj_area(self) -> float:
        """Area (m^2) of the MTJ footprint that lies over the track (0 without an MTJ).

        Numerical: trapezoid rule on the dense outline samples inside [x0, x1].
        """
        if self.mtj is None:
            return 0.0
        m = self.mtj
        x = self._outline_x
        x = np.unique(np.concatenate([x[(x > m.x0) & (x < m.x1)], [m.x0, m.x1]]))
        bottom, top = self.edges(x)
        overlap = np.clip(np.minimum(top, m.y1) - np.maximum(bottom, m.y0), 0.0, None)
        return float(np.trapezoid(overlap, x))

    def smallest_features(self) -> dict[str, tuple[float, str]]:
        """The smallest feature (m, what it is) along x and along y, for cell checks.

        Along x: track length, notch width, roughness correlation length (if amplitude > 0).
        Along y: narrowest local width (notches included), notch depth.
        """
        along_x = [(self.length, "track length")]
        along_y = [(float(self.width_at(self._outline_x).min()), "narrowest track width")]
        if self.notches is not None:
            along_x.append((self.notches.width, "notch width"))
            along_y.append((float(self.notches.depths.min()), "notch depth"))
        if self._roughness_samples is not None:
            along_x.append((self.roughness.correlation_length, "roughness correlation length"))
        return {"x": min(along_x), "y": min(along_y)}

    # -------------------------------------------------------------------- grids
    def grid_shape(self, dx: float, dy: float) -> tuple[int, int]:
        """(nx, ny) = (ceil((xmax - xmin)/dx), ceil((ymax - ymin)/dy)) for cell (dx, dy) in m."""
        dx = _cell(dx, "cell.dx")
        dy = _cell(dy, "cell.dy")
        xmin, ymin, xmax, ymax = self.bounds
        return cell_count(xmax - xmin, dx), cell_count(ymax - ymin, dy)

    def mesh_corners(self, dx: float, dy: float) -> tuple[tuple[float, float], tuple[float, float]]:
        """((xmin, ymin), (xmin + nx dx, ymin + ny dy)) in m: the corners of the mask grid.

        Pass them (with a thickness) as p1/p2 of ``discretisedfield.Mesh``.
        """
        nx, ny = self.grid_shape(dx, dy)
        xmin, ymin, _, _ = self.bounds
        return (xmin, ymin), (xmin + nx * dx, ymin + ny * dy)

    def grid(self, dx: float, dy: float) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre coordinates (xc of shape (nx,), yc of shape (ny,)) in m."""
        nx, ny = self.grid_shape(dx, dy)
        xmin, ymin, _, _ = self.bounds
        return xmin + (np.arange(nx) + 0.5) * dx, ymin + (np.arange(ny) + 0.5) * dy

    def check_cell(self, dx: float, dy: float) -> None:
        """Raise ValueError if a cell (m) is larger than the smallest feature it must resolve."""
        dx = _cell(dx, "cell.dx")
        dy = _cell(dy, "cell.dy")
        features = self.smallest_features()
        for axis, step in (("x", dx), ("y", dy)):
            size, what = features[axis]
            if step > size:
                raise ValueError(
                    f"cell.d{axis}: {nm(step)} is larger than the smallest feature along "
                    f"{axis} ({what} {nm(size)})"
                )

    def mask(self, dx: float, dy: float, check: bool = True) -> np.ndarray:
        """Boolean (nx, ny) array: True where the cell centre lies in the track.

        The grid is :meth:`grid`. Raises ValueError if the cell is larger than the smallest
        feature (:meth:`smallest_features`) unless ``check=False`` (coarse previews).
        """
        if check:
            self.check_cell(dx, dy)
        nx, ny = self.grid_shape(dx, dy)
        if nx * ny > _MASK_CHECK_CELLS:  # ~3 bytes per cell while the mask is made
            require_memory(3.0 * nx * ny, f"the {nx} x {ny} cell mask of the track")
        xc, yc = self.grid(dx, dy)
        bottom, top = self.edges(xc)
        inside_x = (xc >= 0.0) & (xc <= self.length)
        return inside_x[:, None] & (yc[None, :] >= bottom[:, None]) & (yc[None, :] <= top[:, None])

    def mtj_mask(self, dx: float, dy: float, check: bool = True) -> np.ndarray:
        """Boolean (nx, ny) array of track cells whose centre lies under the MTJ footprint."""
        if self.mtj is None:
            raise ValueError("mtj: this track has no MTJ footprint")
        xc, yc = self.grid(dx, dy)
        return self.mask(dx, dy, check=check) & self.mtj.contains(xc[:, None], yc[None, :])

    # ----------------------------------------------------------------- plotting
    def plot(self, ax: Axes | None = None, cell: tuple[float, float] | None = None) -> Axes:
        """Draw the track in nm (outline, notches, MTJ footprint; the mask if ``cell`` given)."""
        from geometries.plotting import plot_track

        return plot_track(self, ax=ax, cell=cell)

    # ------------------------------------------------------------ serialisation
    def to_dict(self) -> dict:
        """Plain JSON/TOML-friendly dict; ``Track.from_dict(t.to_dict()) == t``.

        A straight track gives its one ``width`` instead of ``w1``/``w2``; absent parts
        (notches, roughness, mtj) are left out.
        """
        data = dump(self, exclude_none=True)
        out: dict = {"name": data.pop("name"), "description": data.pop("description")}
        out["kind"] = data.pop("kind")
        out["length"] = data.pop("length")
        if self.kind == "straight":
            out["width"] = data.pop("w1")
            del data["w2"]
        return out | data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Track:
        """Build a track from :meth:`to_dict`'s form (the body of a geometry TOML file)."""
        if not isinstance(data, Mapping):
            raise ValueError(f"track: must be a table/dict, got {type(data).__name__}")
        data = dict(data)
        if "kind" not in data:
            raise ValueError("kind: missing (one of 'trapezoid', 'straight')")
        if check(TrackKind, data["kind"], "kind") == "straight":
            for key in ("w1", "w2"):
                if key in data:
                    raise ValueError(f"{key}: a straight track takes 'width', not w1/w2")
            if "width" not in data:
                raise ValueError("width: missing")
            data["w1"] = data["w2"] = data.pop("width")
            return _straight_width(lambda: load(cls, data))
        if "width" in data:
            raise ValueError("width: a trapezoid takes 'w1' and 'w2', not 'width'")
        return load(cls, data)

    def fingerprint(self) -> str:
        """SHA-256 (hex) of the shape alone (``to_dict`` without name and description)."""
        shape = {k: v for k, v in self.to_dict().items() if k not in ("name", "description")}
        text = json.dumps(shape, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()
