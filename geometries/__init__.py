"""geometries: parametrised 2-D notched DW tracks (pure shape, no physics, SI metres).

The track runs along x from x = 0 (IN terminal) to x = L (CLK terminal), symmetric about
y = 0. See :class:`geometries.Track` for the API and ``geometries/presets/*.toml`` for the
paper's devices and their 50 nm-class scaled versions.
"""

from geometries.mtj import MTJFootprint
from geometries.notches import NOTCH_SHAPES, NOTCH_SIDES, NotchSpec
from geometries.presets import list_presets, load_preset, preset_cell, read_geometry_file
from geometries.roughness import EdgeRoughness
from geometries.track import TRACK_KINDS, Track, cell_count

__all__ = [
    "NOTCH_SHAPES",
    "NOTCH_SIDES",
    "TRACK_KINDS",
    "EdgeRoughness",
    "MTJFootprint",
    "NotchSpec",
    "Track",
    "cell_count",
    "list_presets",
    "load_preset",
    "preset_cell",
    "read_geometry_file",
]
