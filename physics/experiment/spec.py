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
    calculator = {name = "jax"}              # "jax" (default), "oommf" or "multiscale", + options
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
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator, with_config
from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12

from geometries.validation import (
    Flag,
    Int,
    Real,
    TypedConfig,
    check,
    config_dataclass,
    dump,
    load,
    prefixed,
    quantity,
)
from physics.experiment.protocols import Protocol

CALCULATORS = ("jax", "oommf", "multiscale")
#: The calculator names (``calculator.name``).
CalculatorName = Literal["jax", "oommf", "multiscale"]
_CellSize = Annotated[
    Real, quantity(unit="m", description="cell size", gt=0, typical=(1e-11, 1e-6))
]


_CaptureDistance = Annotated[
    Real, quantity(unit="m", description="notch capture distance", ge=0, typical=(0, 1e-4))
]


@with_config(ConfigDict(extra="forbid", allow_inf_nan=False))
class ReadoutOptions(TypedDict, total=False):
    """The ``readout`` table of a run (all optional)."""

    #: a wall within this distance (m, >= 0) of a notch centre is at that notch;
    #: default one notch width
    capture_distance: _CaptureDistance


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


def _table(field: str, value: Any) -> dict:
    if not isinstance(value, Mapping):
        raise ValueError(f"{field}: must be a table/dict, got {type(value).__name__}")
    return dict(value)


def _resolve_geometry(value: Any) -> tuple[dict, str | None, tuple[float, float] | None]:
    """Geometry input -> (full track dict, preset name or None, preset cell or None)."""
    from geometries.presets import load_preset, preset_cell
    from geometries.track import Track

    if isinstance(value, str):
        value = {"preset": value}
    value = _table("geometry", value)
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
    track = prefixed("geometry", lambda: Track.from_dict(value))
    return track.to_dict(), preset, cell


def _resolve_material(value: Any, geometry_preset: str | None) -> dict:
    """Material input -> the full material dict (validated)."""
    from physics.materials import Material, load_material, material_for_geometry

    if value is None:
        base = material_for_geometry(geometry_preset or "")
        return base.to_dict()
    if isinstance(value, str):
        value = {"preset": value}
    value = _table("material", value)
    preset = value.pop("preset", None)
    if preset is not None:
        try:
            base = load_material(preset).to_dict()
        except ValueError as exc:
            raise ValueError(f"material.preset: {str(exc).removeprefix('name: ')}") from None
        value = deep_merge(base, value)
    return load(Material, value, "material").to_dict()


@config_dataclass
class RunSpec(TypedConfig):
    """Everything that determines one run (see the module docstring); validated.

    ``geometry`` and ``material`` are full plain dicts (resolved from presets); ``cell`` is
    (dx, dy, dz) in m; ``calculator`` is ``{"name": "jax" | "oommf" | "multiscale", ...options}``;
    ``readout`` holds ``capture_distance`` (m) or is empty (default: one notch width).
    """

    geometry: dict[str, Any] = Field(
        description="the full geometries.Track.to_dict() (lengths in m)"
    )
    material: dict[str, Any] = Field(
        description="all fields of physics.materials.Material (SI units)"
    )
    cell: tuple[_CellSize, ...] = quantity(
        unit="m",
        description="(dx, dy, dz); (dx, dy) takes dz = the film thickness",
        min_length=2,
        max_length=3,
        typical=(1e-11, 1e-6),
    )
    protocol: Protocol = Field(description="the pulse protocol")
    calculator: dict[str, Any] = Field(
        default_factory=lambda: {"name": "jax"},
        description="{'name': 'jax' | 'oommf' | 'multiscale', ...options of that calculator}",
    )
    seed: Int = quantity(0, unit="", description="random seed", ge=0)
    n_realisations: Int = quantity(1, unit="", description="thermal realisations", ge=1)
    snapshots: Flag = Field(False, description="store m after every pulse")
    readout: ReadoutOptions = Field(default_factory=dict, description="readout options")

    @field_validator("calculator")
    @classmethod
    def _calculator_name(cls, value: dict[str, Any]) -> dict[str, Any]:
        check(CalculatorName, value.get("name"), "name")
        return dict(value)

    @model_validator(mode="after")
    def _consistent(self) -> RunSpec:
        distance = self.readout.get("capture_distance")
        if distance is not None:  # a TypedDict field: its plausible range is checked here
            check(_CaptureDistance, distance, "readout.capture_distance")
        track = self.track()  # validates the geometry
        material = self.material_object()
        if len(self.cell) == 2:
            object.__setattr__(self, "cell", (*self.cell, material.t_fm))
        try:
            track.check_cell(self.cell[0], self.cell[1])
        except ValueError as exc:  # "cell.dx: ..." -> the run's "cell[0]: ..."
            text = str(exc).replace("cell.dx:", "cell[0]:").replace("cell.dy:", "cell[1]:")
            raise ValueError(text) from None
        notch = self.protocol.initial_wall.notch
        n_notches = len(track.notch_centres)
        if notch is not None and notch >= n_notches:
            raise ValueError(
                f"protocol.initial_wall.at: notch {notch} does not exist "
                f"(the track has {n_notches} notches, indices 0..{n_notches - 1})"
            )
        if self.calculator["name"] == "jax":  # the engine's options fail here, before any run
            from physics.experiment.simulate import _options

            _options(self)
        elif self.calculator["name"] == "multiscale":  # the multiscale path's options
            from physics.experiment.simulate_multiscale import multiscale_options

            multiscale_options(self)
        else:  # so do OOMMF's
            from physics.experiment.simulate_oommf import oommf_options

            oommf_options(self)
        try:
            canonical_json(self.to_dict())
        except (TypeError, ValueError) as exc:
            raise ValueError(f"calculator: options must be plain JSON data ({exc})") from None
        return self

    # --------------------------------------------------------------- derived objects
    def track(self) -> Any:
        """The :class:`geometries.Track`."""
        from geometries.track import Track

        return prefixed("geometry", lambda: Track.from_dict(self.geometry))

    def material_object(self) -> Any:
        """The :class:`physics.materials.Material`."""
        from physics.materials import Material

        return load(Material, self.material, "material")

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
        return dump(self)

    @property
    def run_id(self) -> str:
        """SHA-256 (hex) of the canonical JSON of :meth:`to_dict`: the run's name."""
        return hashlib.sha256(canonical_json(self.to_dict()).encode()).hexdigest()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSpec:
        """Build from the canonical form or the input form (presets, see module docstring)."""
        data = _table("run", data)
        for key in ("geometry", "protocol"):
            if key not in data:
                raise ValueError(f"{key}: missing")
        geometry, preset, preset_cell = _resolve_geometry(data["geometry"])
        body = dict(data, geometry=geometry)
        body["material"] = _resolve_material(data.get("material"), preset)
        if data.get("cell", preset_cell) is None:
            raise ValueError("cell: missing (the geometry gives no recommended cell)")
        body["cell"] = data.get("cell", preset_cell)
        body["protocol"] = Protocol.from_dict(data["protocol"])
        if isinstance(body.get("calculator"), str):
            body["calculator"] = {"name": body["calculator"]}
        return load(cls, body)
