"""Readout after a pulse: wall position, notch index, MTJ parallel fraction, conductance.

Operates on magnetisation arrays ``m`` of shape ``(..., nx, ny, nz, 3)`` (unit vectors, or M in
A/m: only directions are used) on a regular grid with cell ``(dx, dy)`` (m), x along the track
from the IN end (x = x0) to the CLK end; the leading axes (``...``) are ensemble/pulse axes and
everything is vectorised over them.

Conventions. The *written* domain is the one between the IN end and the wall: it grows as
positive pulses push the wall towards CLK. Its magnetisation is ``written_sign`` (+1 or -1,
along z; default +1, the initial state of :func:`physics.device.build_system`: +z left of the
wall). The MTJ reference layer points along ``reference_sign``; by default the written domain
is parallel to it, so the resistance falls as the wall advances (the paper's Fig. 2b: AP after
saturation, R decreasing with V).

Wall position. The written area ``A = sum over track cells of (1 + s m_z) / 2 dx dy`` is
converted into the position ``x_w`` at which a straight wall would enclose the same area,
``integral_0^{x_w} w(x) dx = A``, with ``w(x)`` the local track width from the mask; at T > 0
m_z is divided by the domain magnetisation (:func:`domain_magnetisation`) first. This is exact
for straight walls on any width profile, unbiased for tilted walls on straight tracks (the
tilt averages out) and reports the mean position of curved walls; it does not depend on where
along the wall the profile is taken, unlike a zero crossing of one line. The zero crossing of
the column-averaged m_z is provided as a cross-check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from geometries.validation import (
    ARRAY_CONFIG,
    Real,
    TypedConfig,
    check,
    config_dataclass,
    quantity,
)

#: Notch index reported while the wall is not within the capture distance of any notch.
BETWEEN_NOTCHES = -1
_CaptureDistance = Annotated[
    Real, quantity(unit="m", description="distance within which a wall is at a notch", ge=0)
]


def in_end_wall_position(track: object) -> float:
    """Where a wall "at the IN end" is initialised (m): half-way from the IN end to the first
    notch (a quarter of the track without notches), clear of the IN edge and of notch 0."""
    centres = np.asarray(getattr(track, "notch_centres", ()), dtype=float)
    x_in = float(track.bounds[0])
    if centres.size:
        return x_in + 0.5 * (float(centres[0]) - x_in)
    return x_in + 0.25 * float(track.length)


def _unit_mz(m: np.ndarray) -> np.ndarray:
    """z-component of the unit vector of ``m`` (..., 3); 0 where |m| = 0 (outside the track)."""
    m = np.asarray(m, dtype=float)
    if m.shape[-1] != 3:
        raise ValueError(f"m: last axis must hold the 3 components, got shape {m.shape}")
    norm = np.linalg.norm(m, axis=-1)
    return np.divide(m[..., 2], norm, out=np.zeros_like(norm), where=norm > 0)


def _mask_2d(mask: np.ndarray, shape_xyz: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Return the (nx, ny) column mask and the (nx, ny, nz) cell mask."""
    mask = np.asarray(mask, dtype=bool)
    nx, ny, nz = shape_xyz
    if mask.shape == (nx, ny):
        mask3 = np.broadcast_to(mask[..., None], (nx, ny, nz))
    elif mask.shape == (nx, ny, nz):
        mask3 = mask
    else:
        raise ValueError(
            f"mask: shape {mask.shape} matches neither (nx, ny) = {(nx, ny)} nor "
            f"(nx, ny, nz) = {(nx, ny, nz)}"
        )
    return mask3.any(axis=-1), mask3


def layer_averaged_mz(m: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """m_z averaged over the track cells of each (x, y) column, shape (..., nx, ny), and the
    (nx, ny) column mask."""
    m = np.asarray(m)
    if m.ndim < 4:
        raise ValueError(f"m: must have shape (..., nx, ny, nz, 3), got {m.shape}")
    mask2, mask3 = _mask_2d(mask, m.shape[-4:-1])
    mz = _unit_mz(m) * mask3
    count = mask3.sum(axis=-1)
    avg = np.divide(mz.sum(axis=-1), count, out=np.zeros(mz.shape[:-1]), where=count > 0)
    return avg, mask2


def local_width(mask: np.ndarray, dy: float) -> np.ndarray:
    """Track width per x column (m), shape (nx,), from an (nx, ny[, nz]) mask."""
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim == 3:
        mask = mask.any(axis=-1)
    return mask.sum(axis=1) * float(dy)


def domain_magnetisation(m: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """|m_z| inside the domains (away from the wall), shape ``m.shape[:-4]``.

    At T > 0 the cell magnetisation fluctuates and its thermal average |<m_z>| inside a
    domain is below 1 (strongly so for 2 nm cells in a 1 nm film with weak K_eff). The
    estimate is the median of |column-averaged m_z| over the columns whose value is at least
    half the 90th percentile: domain columns dominate; the wall core is left out. 1 for a
    saturated T = 0 state.
    """
    mz, mask2 = layer_averaged_mz(m, mask)
    count = mask2.sum(axis=-1)
    valid = count > 0
    col = np.abs(mz.sum(axis=-1)[..., valid] / count[valid])
    q90 = np.quantile(col, 0.9, axis=-1, keepdims=True)
    domain = np.where(col >= 0.5 * q90, col, np.nan)
    return np.clip(np.nanmedian(domain, axis=-1), 0.05, 1.0)


def wall_position(
    m: np.ndarray,
    mask: np.ndarray,
    dx: float,
    dy: float,
    *,
    written_sign: int = 1,
    x0: float = 0.0,
    domain_mz: np.ndarray | float | None = None,
) -> np.ndarray:
    """Wall position (m from the IN end), shape ``m.shape[:-4]``, by the equal-area method
    (see the module docstring). 0 with no written domain, the track length when fully
    written.

    The written fraction of a cell is ``(1 + s m_z / M) / 2`` with ``M`` the domain
    magnetisation (``domain_mz``; default :func:`domain_magnetisation`), so that the thermal
    reduction of |m_z| inside the domains does not shift the position. ``domain_mz = 1``
    gives the plain area of the up domain.
    """
    if written_sign not in (-1, 1):
        raise ValueError(f"written_sign: must be +1 or -1, got {written_sign!r}")
    mz, mask2 = layer_averaged_mz(m, mask)
    if domain_mz is None:
        domain_mz = domain_magnetisation(m, mask)
    scale = np.asarray(domain_mz, dtype=float)[..., None, None]
    written = 0.5 * (1.0 + written_sign * mz / scale) * mask2
    area = written.sum(axis=(-2, -1)) * dx * dy  # (...)
    width = local_width(mask2, dy)
    cumulative = np.concatenate([[0.0], np.cumsum(width) * dx])  # at column edges
    edges = x0 + dx * np.arange(width.size + 1)
    # np.interp needs increasing abscissae: drop empty columns' repeated cumulative values
    keep = np.concatenate([[True], np.diff(cumulative) > 0])
    return np.interp(area, cumulative[keep], edges[keep])


def wall_position_zero_crossing(
    m: np.ndarray,
    mask: np.ndarray,
    dx: float,
    *,
    written_sign: int = 1,
    x0: float = 0.0,
) -> np.ndarray:
    """Wall position (m) where the column-averaged m_z first changes from the written to the
    unwritten sign, going from IN to CLK, linearly interpolated between cell centres.

    ``x0`` (0) with no written domain; the track end when no crossing exists and all is
    written. Sensitive to noise and to multiple domains; use :func:`wall_position` for
    results.
    """
    mz, mask2 = layer_averaged_mz(m, mask)
    count = mask2.sum(axis=-1)
    profile = np.divide(mz.sum(axis=-1), count, out=np.full(mz.shape[:-1], np.nan), where=count > 0)
    cols = np.flatnonzero(count > 0)
    p = written_sign * profile[..., cols]  # > 0 in the written domain
    xc = x0 + dx * (cols + 0.5)
    lead = p.shape[:-1]
    p = p.reshape(-1, cols.size)
    out = np.empty(p.shape[0])
    for i, row in enumerate(p):  # one short scan per realisation (nx cells)
        if row[0] <= 0:
            out[i] = x0
            continue
        neg = np.flatnonzero(row <= 0)
        if neg.size == 0:
            out[i] = x0 + dx * mask2.shape[0]
            continue
        j = neg[0]
        out[i] = xc[j - 1] + (xc[j] - xc[j - 1]) * row[j - 1] / (row[j - 1] - row[j])
    return out.reshape(lead)


def notch_index(
    position: np.ndarray, notch_centres: np.ndarray, capture_distance: float
) -> np.ndarray:
    """Index of the nearest notch (0 = nearest the IN end) within ``capture_distance`` (m) of
    ``position`` (m), else ``BETWEEN_NOTCHES`` (-1: between notches, or still moving)."""
    capture_distance = check(_CaptureDistance, capture_distance, "capture_distance")
    centres = np.asarray(notch_centres, dtype=float)
    position = np.asarray(position, dtype=float)
    if centres.size == 0:
        return np.full(position.shape, BETWEEN_NOTCHES, dtype=np.int64)
    distance = np.abs(position[..., None] - centres)
    nearest = distance.argmin(axis=-1)
    captured = np.take_along_axis(distance, nearest[..., None], axis=-1)[..., 0]
    return np.where(captured <= capture_distance, nearest, BETWEEN_NOTCHES).astype(np.int64)


def parallel_fraction(
    m: np.ndarray,
    mtj_mask: np.ndarray,
    *,
    reference_sign: int = 1,
    domain_mz: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Fraction of the MTJ area whose free layer is parallel to the reference layer
    (``reference_sign`` along z), shape ``m.shape[:-4]``; ``mtj_mask`` (nx, ny[, nz]) marks the
    track cells under the junction.

    Each cell counts ``(1 + s m_z / M) / 2`` with ``M = domain_mz`` (the domain magnetisation,
    :func:`domain_magnetisation`): f is the parallel *area* fraction, the quantity the
    room-temperature TMR multiplies (the measured TMR already holds the thermal average).
    The result is clipped to [0, 1].
    """
    if reference_sign not in (-1, 1):
        raise ValueError(f"reference_sign: must be +1 or -1, got {reference_sign!r}")
    mz, mask2 = layer_averaged_mz(m, mtj_mask)
    n = mask2.sum()
    if n == 0:
        raise ValueError("mtj_mask: no track cell lies under the MTJ footprint")
    scale = np.asarray(domain_mz, dtype=float)[..., None, None]
    f = (0.5 * (1.0 + reference_sign * mz / scale) * mask2).sum(axis=(-2, -1)) / n
    return np.clip(f, 0.0, 1.0)


@config_dataclass(label="mtj")
class MTJ(TypedConfig):
    """Electrical model of the junction: tunnelling ``area`` (m^2), resistance-area product
    ``resistance_area`` (ohm m^2; the paper: 60 ohm um^2 = 6e-11 ohm m^2 for the trapezoid) and
    ``tmr`` = (R_AP - R_P) / R_P (0.54 for the trapezoid)."""

    area: Real = quantity(unit="m^2", description="tunnelling area", gt=0)
    resistance_area: Real = quantity(unit="ohm m^2", description="resistance-area product", gt=0)
    tmr: Real = quantity(unit="", description="(R_AP - R_P) / R_P; > -1 (R_AP > 0)", gt=-1)

    @property
    def r_parallel(self) -> float:
        """R_P = RA / A (ohm)."""
        return self.resistance_area / self.area

    @property
    def r_antiparallel(self) -> float:
        """R_AP = R_P (1 + TMR) (ohm)."""
        return self.r_parallel * (1.0 + self.tmr)

    def conductance(self, f: np.ndarray) -> np.ndarray:
        """G = f G_P + (1 - f) G_AP (S): the parallel and antiparallel areas conduct in
        parallel."""
        f = np.asarray(f, dtype=float)
        return f / self.r_parallel + (1.0 - f) / self.r_antiparallel

    def resistance(self, f: np.ndarray) -> np.ndarray:
        """R = 1 / G (ohm)."""
        return 1.0 / self.conductance(f)


@dataclass(frozen=True)
class Readout:
    """One readout per entry of the leading axes: ``position`` (m), ``notch`` (index or -1),
    ``parallel_fraction``, ``conductance`` (S), ``resistance`` (ohm), ``mz`` (track average,
    not normalised), ``domain_mz`` (:func:`domain_magnetisation`)."""

    position: np.ndarray
    notch: np.ndarray
    parallel_fraction: np.ndarray
    conductance: np.ndarray
    resistance: np.ndarray
    mz: np.ndarray
    domain_mz: np.ndarray

    FIELDS = (
        "position",
        "notch",
        "parallel_fraction",
        "conductance",
        "resistance",
        "mz",
        "domain_mz",
    )

    def as_dict(self) -> dict[str, np.ndarray]:
        """The fields as a dict of arrays."""
        return {k: getattr(self, k) for k in self.FIELDS}


def _bool_array(value: Any) -> np.ndarray:
    return np.asarray(value, dtype=bool)


def _float_array(value: Any) -> np.ndarray:
    return np.asarray(value, dtype=float)


_Mask = Annotated[np.ndarray, BeforeValidator(_bool_array)]
_Sign = Literal[-1, 1]


@config_dataclass(label="readout", config=ARRAY_CONFIG)
class ReadoutGeometry:
    """Everything the readout needs about the device, fixed for a run.

    ``mask`` and ``mtj_mask``: (nx, ny[, nz]) booleans (track cells; track cells under the
    MTJ); ``dx``, ``dy`` cell size (m); ``x0`` the x of the IN end (m); ``notch_centres`` (m);
    ``capture_distance`` (m) for the notch index; ``mtj`` the electrical model.
    """

    mask: _Mask = Field(description="(nx, ny[, nz]) track cells")
    mtj_mask: _Mask = Field(description="(nx, ny[, nz]) track cells under the MTJ")
    dx: Real = quantity(unit="m", description="cell size along x", gt=0)
    dy: Real = quantity(unit="m", description="cell size along y", gt=0)
    notch_centres: Annotated[np.ndarray, BeforeValidator(_float_array)] = quantity(
        unit="m", description="notch centres from the IN end"
    )
    capture_distance: Real = quantity(
        unit="m", description="distance within which a wall is at a notch", ge=0
    )
    mtj: MTJ = Field(description="electrical model of the junction")
    x0: Real = quantity(0.0, unit="m", description="x of the IN end")
    written_sign: _Sign = Field(1, description="m_z sign of the written domain")
    reference_sign: _Sign = Field(1, description="m_z sign of the MTJ reference layer")

    @model_validator(mode="after")
    def _masks(self) -> ReadoutGeometry:
        if self.mtj_mask.shape[:2] != self.mask.shape[:2]:
            raise ValueError(
                f"mtj_mask: shape {self.mtj_mask.shape} differs from the mask's {self.mask.shape}"
            )
        if not self.mtj_mask.any():
            raise ValueError("mtj_mask: no track cell lies under the MTJ footprint")
        object.__setattr__(
            self, "mtj_mask", self.mtj_mask & _broadcast_like(self.mask, self.mtj_mask)
        )
        return self

    def __call__(self, m: np.ndarray) -> Readout:
        """Read out ``m`` (..., nx, ny, nz, 3)."""
        domain = domain_magnetisation(m, self.mask)
        position = wall_position(
            m,
            self.mask,
            self.dx,
            self.dy,
            written_sign=self.written_sign,
            x0=self.x0,
            domain_mz=domain,
        )
        f = parallel_fraction(
            m, self.mtj_mask, reference_sign=self.reference_sign, domain_mz=domain
        )
        mz, mask2 = layer_averaged_mz(m, self.mask)
        return Readout(
            position=position,
            notch=notch_index(position, self.notch_centres, self.capture_distance),
            parallel_fraction=f,
            conductance=self.mtj.conductance(f),
            resistance=self.mtj.resistance(f),
            mz=(mz * mask2).sum(axis=(-2, -1)) / mask2.sum(),
            domain_mz=domain,
        )

    def at_position(self, position: np.ndarray) -> Readout:
        """Read out a straight wall at ``position`` (m, track x; any shape): what a reduced
        (collective-coordinate) model reports instead of a magnetisation array.

        The cells left of the wall are the written domain, each column counting by the
        fraction of its width ``dx`` that lies left of ``position``; the domains are
        saturated (``domain_mz`` = 1, as the TMR multiplies area fractions). Consistent with
        :meth:`__call__` on a sharp straight wall (:func:`wall_position` is the inverse of the
        written area used here).
        """
        position = np.asarray(position, dtype=float)
        mask2 = self.mask.any(axis=-1) if self.mask.ndim == 3 else self.mask
        mtj2 = self.mtj_mask.any(axis=-1) if self.mtj_mask.ndim == 3 else self.mtj_mask
        track_cols = mask2.sum(axis=1).astype(float)  # (nx,)
        mtj_cols = mtj2.sum(axis=1).astype(float)
        left_edges = self.x0 + self.dx * np.arange(track_cols.size)
        frac = np.clip((position[..., None] - left_edges) / self.dx, 0.0, 1.0)  # (..., nx)
        area = (frac * track_cols).sum(axis=-1)
        total = track_cols.sum()
        f_written = (frac * mtj_cols).sum(axis=-1) / mtj_cols.sum()
        f = f_written if self.written_sign == self.reference_sign else 1.0 - f_written
        mz = self.written_sign * (2.0 * area - total) / total
        return Readout(
            position=position,
            notch=notch_index(position, self.notch_centres, self.capture_distance),
            parallel_fraction=np.clip(f, 0.0, 1.0),
            conductance=self.mtj.conductance(f),
            resistance=self.mtj.resistance(f),
            mz=mz,
            domain_mz=np.ones_like(position),
        )


#: The readout fields, in storage order.
READOUT_ORDER = Readout.FIELDS


def _broadcast_like(mask: np.ndarray, other: np.ndarray) -> np.ndarray:
    """``mask`` reduced/broadcast to ``other``'s shape ((nx, ny) or (nx, ny, nz))."""
    if mask.shape == other.shape:
        return mask
    if mask.ndim == 3 and other.ndim == 2:
        return mask.any(axis=-1)
    return np.broadcast_to(mask[..., None], other.shape)


def readout_for_track(
    track: object,
    cell: tuple[float, float],
    resistance_area: float,
    tmr: float,
    *,
    capture_distance: float | None = None,
    written_sign: int = 1,
    reference_sign: int = 1,
) -> ReadoutGeometry:
    """The :class:`ReadoutGeometry` of a :class:`geometries.Track` on cells ``(dx, dy)`` (m).

    The MTJ area is the exact footprint-over-track area (``track.mtj_area``, m^2);
    ``resistance_area`` (ohm m^2) and ``tmr`` come from the material preset. The capture
    distance defaults to one notch width (a wall within one notch width of a notch centre is
    pinned there; the scaled presets space notches 3.75-4 widths apart).
    """
    dx, dy = float(cell[0]), float(cell[1])
    if capture_distance is None:
        notches = getattr(track, "notches", None)
        capture_distance = float(notches.width) if notches is not None else 0.0
    return ReadoutGeometry(
        mask=track.mask(dx, dy),
        mtj_mask=track.mtj_mask(dx, dy),
        dx=dx,
        dy=dy,
        notch_centres=np.asarray(track.notch_centres, dtype=float),
        capture_distance=capture_distance,
        mtj=MTJ(area=float(track.mtj_area), resistance_area=resistance_area, tmr=tmr),
        x0=float(track.bounds[0]),
        written_sign=written_sign,
        reference_sign=reference_sign,
    )
