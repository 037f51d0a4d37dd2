"""Multiscale bridge from micromagnetics to the compact model (issue 17).

``landscape``  :class:`~physics.multiscale.landscape.WallLandscape`, the T = 0 pinning
               landscape of a domain wall along a track (pure data, save/load, depinning
               voltages).
``path``       constrained energy minimisation along the wall position (the landscape of one
               ubermag System).
``window``     windows around notches of a long track (cost independent of the track length)
               and :func:`~physics.multiscale.window.track_landscape`.
``wall_model`` the rigid (q, phi) collective-coordinate wall on a tabulated pinning
               landscape, with thermal noise: thousands of pulses in one jitted, vmapped call.

It sits between ``physics.experiment`` and ``physics.calculators`` in the import-linter
contract: it uses the engine, the device, the current solve and the materials, never the
experiment layer, compact, nn or dwmtj.
"""

from .landscape import WallLandscape
from .path import PathResult, constrained_path, position_from_area, written_area

__all__ = [
    "PathResult",
    "WallLandscape",
    "constrained_path",
    "position_from_area",
    "written_area",
]
