"""Geometry presets and user geometry files in TOML.

A geometry file holds the fields of :meth:`geometries.Track.to_dict` at top level (``kind``,
``length``, ``w1``/``w2`` or ``width``, ``description``) and the optional tables
``[notches]``, ``[roughness]``, ``[mtj]`` plus ``[mesh] cell = [dx, dy]`` (m), the cell the
preset recommends. Lengths are metres. The presets live in ``geometries/presets/*.toml``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from geometries.track import CellSize, Track
from geometries.validation import TypedConfig, config_dataclass, load

PRESET_DIR = Path(__file__).resolve().parent / "presets"


def list_presets() -> list[str]:
    """Names of the bundled presets, sorted."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def _resolve(name_or_path: str | Path) -> Path:
    """Preset name -> its file; an existing path or a ``*.toml`` name -> that file."""
    text = str(name_or_path)
    path = Path(text)
    if text.endswith(".toml") or path.is_file():
        if not path.is_file():
            raise FileNotFoundError(f"geometry file not found: {path}")
        return path
    preset = PRESET_DIR / f"{text}.toml"
    if not preset.is_file():
        raise ValueError(
            f"preset: unknown geometry preset {text!r}; choose one of {list_presets()}"
        )
    return preset


def read_geometry_file(path: str | Path) -> tuple[Track, tuple[float, float] | None]:
    """Read a geometry TOML file: (track, recommended cell (dx, dy) in m or None)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from None
    mesh = data.pop("mesh", None)
    data.setdefault("name", path.stem)
    try:
        track = Track.from_dict(data)
        cell = _parse_cell(mesh)
        if cell is not None:
            track.check_cell(*cell)
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from None
    return track, cell


@config_dataclass(label="mesh")
class MeshTable(TypedConfig):
    """The ``[mesh]`` table of a geometry file: the cell the geometry recommends."""

    cell: tuple[CellSize, CellSize]  # (dx, dy) in m


def _parse_cell(mesh: object) -> tuple[float, float] | None:
    return None if mesh is None else load(MeshTable, mesh).cell


def load_preset(name: str | Path) -> Track:
    """The track of preset ``name`` (see :func:`list_presets`) or of a TOML file path."""
    return read_geometry_file(_resolve(name))[0]


def preset_cell(name: str | Path) -> tuple[float, float] | None:
    """Recommended cell (dx, dy) in m of a preset or TOML file, or None if it gives none."""
    return read_geometry_file(_resolve(name))[1]
