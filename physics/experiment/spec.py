"""The full specification of one run, and its name: the hash of that specification.

A :class:`RunSpec` holds everything that determines a run's result: the geometry (the full
:meth:`geometries.Track.to_dict`, not only a preset name, so that editing a preset file makes a
new run), the material (all fields of :class:`physics.materials.Material`), the cell (dx, dy,
dz) in m, the protocol, the calculator (name and options), the seed, the number of thermal
realisations and the readout options. Its run id is the SHA-256 of its canonical JSON
(sorted keys, no whitespace; floats in Python's shortest round-trip repr).

Input forms accepted by :meth:`RunSpec.from_dict` (a TOML table, for instance)::

    geometry = "scaled-trapezoid"            # a preset name or a TOML path, or a table:
    geometry = {preset = "scaled-trapezoid", notches = {depth = 4e-9}}   # preset + overrides
    material = "ta-cofeb-mgo-trapezoid"      # optional: default matches the geometry preset
    material = {preset = "ta-cofeb-mgo", alpha = 0.03}
    cell = [2e-9, 2e-9]                      # optional: the preset's cell; dz = film thickness
    calculator = {name = "jax"}              # "jax" (default) or "oommf", plus options
    seed = 0
    n_realisations = 16
    snapshots = false                        # store m after every pulse
    readout = {capture_distance = 12e-9}     # optional
    [protocol]                               # see physics.experiment.protocols
    kind = "voltage_ramp"  ...

Versions of the software are *not* part of the hash (upgrading numpy must not orphan every
stored run); they are recorded in each run file's provenance.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from physics.experiment._checks import integer, known_keys, non_negative, positive, table
from physics.experiment.protocols import Protocol, _prefixed

CALCULATORS = ("jax", "oommf")
_KEYS = (
    "geometry",
    "material",
    "cell",
    "protocol",
    "calculator",
    "seed",
    "n_realisations",
    "snapshots",
    "readout",
)
_READOUT_KEYS = ("capture_distance",)


def canonical_json(data: Any) -> str:
    """Deterministic JSON text: sorted keys, compact separators, no NaN."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)


def deep_merge(base: dict, overrides: dict) -> dict:
    """``base`` updated by ``overrides`` recursively (tables merge, other values replace)."""
    out = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _resolve_geometry(value: Any) -> tuple[dict, str | None, tuple[float, float] | None]:
    """Geometry input -> (full track dict, preset name or None, preset cell or None)."""
    from geometries.presets import load_preset, preset_cell
    from geometries.track import Track

    if isinstance(value, str):
        value = {"preset": value}
    table("geometry", value)
    value = dict(value)
    preset = value.pop("preset", None)
    cell = None
    if preset is not None:
        if not isinstance(preset, str):
            raise ValueError(f"geometry.preset: must be a preset name or path, got {preset!r}")
        try:
            base = load_preset(preset).to_dict()
            cell = preset_cell(preset)
        except (ValueError, FileNotFoundError) as exc:
            raise ValueError(f"geometry.{exc}") from None
        value = deep_merge(base, value)
    track = _prefixed("geometry", lambda: Track.from_dict(value))
    return track.to_dict(), preset, cell


def _resolve_material(value: Any, geometry_preset: str | None) -> dict:
    """Material input -> the full material dict (validated)."""
    from physics.materials import Material, load_material, material_for_geometry

    if value is None:
        base = material_for_geometry(geometry_preset or "")
        return base.to_dict()
    if isinstance(value, str):
        value = {"preset": value}
    table("material", value)
    value = dict(value)
    preset = value.pop("preset", None)
    if preset is not None:
        try:
            base = load_material(preset).to_dict()
        except ValueError as exc:
            raise ValueError(f"material.preset: {exc}") from None
        value = deep_merge(base, value)
    known = tuple(Material.__dataclass_fields__)
    known_keys("material", value, known)
    return _prefixed("material", lambda: Material(**value)).to_dict()


@dataclass(frozen=True)
class RunSpec:
    """Everything that determines one run (see the module docstring); validated.

    ``geometry`` and ``material`` are full plain dicts (resolved from presets); ``cell`` is
    (dx, dy, dz) in m; ``calculator`` is ``{"name": "jax" | "oommf", ...options}``;
    ``readout`` holds ``capture_distance`` (m) or is empty (default: one notch width).
    """

    geometry: dict
    material: dict
    cell: tuple[float, float, float]
    protocol: Protocol
    calculator: dict = field(default_factory=lambda: {"name": "jax"})
    seed: int = 0
    n_realisations: int = 1
    snapshots: bool = False
    readout: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        track = self.track()  # validates the geometry
        material = self.material_object()
        cell = tuple(self.cell) if isinstance(self.cell, list | tuple) else None
        if cell is None or len(cell) not in (2, 3):
            raise ValueError(f"cell: must be [dx, dy] or [dx, dy, dz] in m, got {self.cell!r}")
        cell = tuple(positive(f"cell[{k}]", c, "m") for k, c in enumerate(cell))
        if len(cell) == 2:
            cell = (*cell, material.t_fm)
        set_(self, "cell", cell)
        _prefixed("cell", lambda: track.check_cell(cell[0], cell[1]))
        if not isinstance(self.protocol, Protocol):
            raise ValueError(f"protocol: must be a Protocol, got {type(self.protocol).__name__}")
        notch = self.protocol.initial_wall.notch
        n_notches = len(track.notch_centres)
        if notch is not None and notch >= n_notches:
            raise ValueError(
                f"protocol.initial_wall.at: notch {notch} does not exist "
                f"(the track has {n_notches} notches, indices 0..{n_notches - 1})"
            )
        calc = dict(table("calculator", self.calculator))
        if calc.get("name") not in CALCULATORS:
            raise ValueError(
                f"calculator.name: must be one of {list(CALCULATORS)}, got {calc.get('name')!r}"
            )
        set_(self, "calculator", calc)
        if calc["name"] == "jax":  # the engine's options fail here, before any run starts
            from physics.experiment.simulate import _options

            _options(self)
        elif calc["name"] == "oommf":  # so do OOMMF's
            from physics.experiment.simulate_oommf import oommf_options

            oommf_options(self)
        set_(self, "seed", integer("seed", self.seed, 0))
        set_(self, "n_realisations", integer("n_realisations", self.n_realisations, 1))
        if not isinstance(self.snapshots, bool):
            raise ValueError(f"snapshots: must be true or false, got {self.snapshots!r}")
        readout = dict(table("readout", self.readout))
        known_keys("readout", readout, _READOUT_KEYS)
        if "capture_distance" in readout:
            readout["capture_distance"] = non_negative(
                "readout.capture_distance", readout["capture_distance"], "m"
            )
        set_(self, "readout", readout)
        canonical_json(self.to_dict())  # everything must be JSON-serialisable

    # --------------------------------------------------------------- derived objects
    def track(self) -> Any:
        """The :class:`geometries.Track`."""
        from geometries.track import Track

        return _prefixed("geometry", lambda: Track.from_dict(table("geometry", self.geometry)))

    def material_object(self) -> Any:
        """The :class:`physics.materials.Material`."""
        from physics.materials import Material

        data = table("material", self.material)
        known_keys("material", data, tuple(Material.__dataclass_fields__))
        return _prefixed("material", lambda: Material(**data))

    def readout_geometry(self) -> Any:
        """The :class:`~physics.experiment.readout.ReadoutGeometry` of this run."""
        from physics.experiment.readout import readout_for_track

        material = self.material_object()
        return readout_for_track(
            self.track(),
            self.cell[:2],
            material.ra_product,
            material.tmr,
            capture_distance=self.readout.get("capture_distance"),
        )

    # ----------------------------------------------------------------- identity / io
    def to_dict(self) -> dict:
        """Canonical plain-data form (what is hashed and stored)."""
        return {
            "geometry": self.geometry,
            "material": self.material,
            "cell": list(self.cell),
            "protocol": self.protocol.to_dict(),
            "calculator": self.calculator,
            "seed": self.seed,
            "n_realisations": self.n_realisations,
            "snapshots": self.snapshots,
            "readout": self.readout,
        }

    @property
    def run_id(self) -> str:
        """SHA-256 (hex) of the canonical JSON of :meth:`to_dict`: the run's name."""
        return hashlib.sha256(canonical_json(self.to_dict()).encode()).hexdigest()

    @classmethod
    def from_dict(cls, data: dict) -> RunSpec:
        """Build from the canonical form or the input form (presets, see module docstring)."""
        table("run", data)
        known_keys("", data, _KEYS)
        for key in ("geometry", "protocol"):
            if key not in data:
                raise ValueError(f"{key}: missing")
        geometry, preset, preset_cell = _resolve_geometry(data["geometry"])
        material = _resolve_material(data.get("material"), preset)
        cell = data.get("cell", preset_cell)
        if cell is None:
            raise ValueError("cell: missing (the geometry gives no recommended cell)")
        protocol = Protocol.from_dict(table("protocol", data["protocol"]))
        calculator = data.get("calculator", {"name": "jax"})
        if isinstance(calculator, str):
            calculator = {"name": calculator}
        return cls(
            geometry=geometry,
            material=material,
            cell=tuple(cell),
            protocol=protocol,
            calculator=calculator,
            seed=data.get("seed", 0),
            n_realisations=data.get("n_realisations", 1),
            snapshots=data.get("snapshots", False),
            readout=data.get("readout", {}),
        )
