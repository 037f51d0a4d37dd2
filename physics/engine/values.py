"""ubermag parameter values on the mesh, and the context the term builders receive.

Parameters may be numbers, vectors, ``{subregion: value}`` dicts or ``discretisedfield.Field``s
(anything ``discretisedfield.Field(mesh, value=...)`` accepts). Anything that cannot be honoured
raises ValueError naming the parameter: dict keys that name no subregion of the mesh,
inter-region keys (``'r1:r2'``) where the term has no use for them, non-finite values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import discretisedfield as df
import jax
import jax.numpy as jnp
import numpy as np
import ubermagutil.typesystem as ts

from .constants import MU0

RegionPair = tuple[np.ndarray, np.ndarray, float]
"""(in_r1, in_r2, value): boolean cell masks of two subregions and the value of every link
between a cell of one and a cell of the other."""


def mesh_field(mesh: df.Mesh, nvdim: int, value: Any, **kwargs: Any) -> df.Field:
    """``discretisedfield.Field(mesh, nvdim=nvdim, value=value, **kwargs)``; value: anything
    Field accepts (number, vector, array, callable, ``{subregion: value}`` dict)."""
    return df.Field(mesh, nvdim=nvdim, value=value, **kwargs)


def region_mask(mesh: df.Mesh, name: str) -> np.ndarray:
    """Boolean (nx, ny, nz): the cells of the mesh's subregion ``name``."""
    return mesh_field(mesh, 1, {name: 1.0, "default": 0.0}).array[..., 0] > 0.5


def attr(term: Any, name: str) -> Any:
    """A term's attribute, or None when unset (ubermag returns the descriptor then)."""
    value = getattr(term, name, None)
    if isinstance(value, ts.Descriptor):
        return None
    return value


def check_mesh(mesh: df.Mesh) -> None:
    """ValueError for mesh features the engine does not implement (periodic boundaries)."""
    bc = getattr(mesh, "bc", "")
    if bc:
        raise ValueError(
            f"mesh.bc: periodic boundary conditions ({bc!r}) are not supported by the JAX engine "
            "(exchange, DMI and demag use free boundaries); use a mesh without bc"
        )


def _check_region_keys(value: dict, mesh: df.Mesh, what: str, allow_pairs: bool = False) -> None:
    """Dict parameters: every key must be a subregion of the mesh, 'default' or (allow_pairs)
    an inter-region pair 'r1:r2'."""
    for key in value:
        if not isinstance(key, str):
            raise ValueError(f"{what}: dict keys must be subregion names, got {key!r}")
        if ":" in key:
            if not allow_pairs:
                raise ValueError(
                    f"{what}: inter-region values ({key!r}) are only supported for Exchange.A "
                    "and DMI.D"
                )
            regions = key.split(":")
            unknown = [r for r in regions if r not in mesh.subregions]
            if len(regions) != 2 or unknown:
                raise ValueError(
                    f"{what}: inter-region key {key!r} must be 'r1:r2' with two subregions of "
                    f"the mesh (subregions: {sorted(mesh.subregions)})"
                )
            continue
        if key != "default" and key not in mesh.subregions:
            raise ValueError(
                f"{what}: key {key!r} is not a subregion of the mesh "
                f"(subregions: {sorted(mesh.subregions)})"
            )


def region_pairs(value: Any, mesh: df.Mesh, what: str) -> tuple[Any, list[RegionPair]]:
    """Split an Exchange.A / DMI.D value into the per-cell part and the inter-region links.

    Returns (value without 'r1:r2' keys, [(in_r1, in_r2, v), ...]) with in_r boolean cell masks
    of the subregions: a link between a cell of r1 and a cell of r2 takes the value v (OOMMF's
    Exchange6Ngbr / DMI pair values); links between regions without a pair key use the
    harmonic mean (exchange) or mean (DMI) of the two cells' values.
    """
    if not isinstance(value, dict):
        return value, []
    _check_region_keys(value, mesh, what, allow_pairs=True)
    pairs = []
    for key, v in value.items():
        if ":" in key:
            masks = [region_mask(mesh, r) for r in key.split(":")]
            if not np.isfinite(float(v)):
                raise ValueError(f"{what}: value of {key!r} is not finite")
            pairs.append((masks[0], masks[1], float(v)))
    return {k: v for k, v in value.items() if ":" not in k}, pairs


def cell_values(value: Any, mesh: df.Mesh, nvdim: int, what: str) -> np.ndarray:
    """A parameter on the cells as float64 numpy, shape mesh.n (+ (nvdim,) if nvdim > 1)."""
    if value is None:
        raise ValueError(f"{what}: missing value")
    if isinstance(value, dict):
        _check_region_keys(value, mesh, what)
    if isinstance(value, df.Field):
        if value.nvdim != nvdim:
            raise ValueError(f"{what}: expected a field with nvdim={nvdim}, got {value.nvdim}")
        if tuple(value.mesh.n) != tuple(mesh.n):
            value = value.resample(tuple(mesh.n))
        arr = np.asarray(value.array, dtype=np.float64)
    else:
        try:
            arr = np.asarray(mesh_field(mesh, nvdim, value).array, dtype=np.float64)
        except Exception as err:  # noqa: BLE001 - re-raised with the parameter's name
            raise ValueError(f"{what}: cannot be put on the mesh ({err})") from err
    if nvdim == 1 and arr.ndim == 4:
        arr = arr[..., 0]
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what}: contains non-finite values")
    return arr


def unit_vectors(value: np.ndarray, magnetic: np.ndarray, what: str) -> np.ndarray:
    """value (nx, ny, nz, 3) normalised per cell; ValueError for a zero vector in the magnet."""
    norm = np.linalg.norm(value, axis=-1, keepdims=True)
    if np.any(norm[magnetic] == 0):
        raise ValueError(f"{what}: zero axis inside the magnet")
    return value / np.where(norm > 0, norm, 1.0)


@dataclass(frozen=True)
class BuildContext:
    """What a term builder needs besides its ubermag term: the mesh and the magnet.

    Arrays handed to a term go through :meth:`array` (cast to the run's float type); the shared
    per-cell arrays (``Ms``, ``inv_mu0_ms``, ``mask``) are converted once and shared by the terms.
    """

    mesh: df.Mesh
    Ms_np: np.ndarray
    """Saturation magnetisation (A/m) per cell, float64, zero outside the magnet."""
    dtype: Any
    """The float type of the run's arrays (jnp.float32 or jnp.float64)."""
    t_end: float | None = None
    """End time (s) up to which time functions are sampled (None: t = 0 only)."""
    _shared: dict[str, jax.Array] = field(default_factory=dict, repr=False, compare=False)

    @property
    def cell(self) -> tuple[float, float, float]:
        """(dx, dy, dz) in m."""
        dx, dy, dz = (float(c) for c in self.mesh.cell)
        return dx, dy, dz

    @property
    def magnetic(self) -> np.ndarray:
        """Boolean (nx, ny, nz): Ms > 0."""
        return self.Ms_np > 0

    def array(self, value: Any) -> jax.Array:
        """value as a JAX array of the run's float type."""
        return jnp.asarray(value, dtype=self.dtype)

    def _cached(self, name: str, make: Any) -> jax.Array:
        if name not in self._shared:
            self._shared[name] = self.array(make())
        return self._shared[name]

    @property
    def Ms(self) -> jax.Array:
        """Ms (A/m) per cell."""
        return self._cached("Ms", lambda: self.Ms_np)

    @property
    def inv_mu0_ms(self) -> jax.Array:
        """1 / (mu0 Ms) (1/T) per cell, zero outside the magnet: turns J/m^3 into A/m."""
        magnetic = self.magnetic
        return self._cached(
            "inv_mu0_ms",
            lambda: np.where(magnetic, 1.0 / (MU0 * np.where(magnetic, self.Ms_np, 1.0)), 0.0),
        )

    @property
    def mask(self) -> jax.Array:
        """1.0 in the magnet, 0.0 outside, per cell."""
        return self._cached("mask", lambda: self.magnetic.astype(np.float64))

    @property
    def cell_array(self) -> jax.Array:
        """(dx, dy, dz) in m as a (3,) array."""
        return self._cached("cell", lambda: np.asarray(self.cell))

    def values(self, value: Any, nvdim: int, what: str) -> np.ndarray:
        """:func:`cell_values` on this mesh (float64 numpy)."""
        return cell_values(value, self.mesh, nvdim, what)

    def pairs(self, value: Any, what: str) -> tuple[Any, Sequence[RegionPair]]:
        """:func:`region_pairs` on this mesh."""
        return region_pairs(value, self.mesh, what)
