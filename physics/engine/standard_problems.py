"""Standard problems as ubermag Systems: muMAG standard problem 4 and the notched strip.

SP4 (:func:`stdprob4_system`, used by the SP4 test and the benchmark): Permalloy
500 x 125 x 3 nm, cell 5 x 5 x 3 nm, Ms = 8e5 A/m, A = 1.3e-11 J/m, alpha = 0.02, exchange +
demag, starting from the uniform direction (1, 0.25, 0.1); field 1 is mu0 H = (-24.6, 4.3, 0) mT.
The same set-up as ../shared/oommf-reference case A.

The notched strip (:func:`notched_strip_system`, the relaxation benchmark of issue #15): case B
of ../shared/oommf-reference (256 x 32 x 1 cells of 2 x 2 x 1 nm) with two facing triangular
notches at its centre (84 empty cells) and an abrupt wall between them.
"""

from __future__ import annotations

import discretisedfield as df
import micromagneticmodel as mm
import numpy as np

from .values import mesh_field

#: Field 1 of standard problem 4 (A/m).
STDPROB4_FIELD1 = np.array([-24.6e-3, 4.3e-3, 0.0]) / mm.consts.mu0


def stdprob4_system(name: str = "sp4") -> mm.System:
    """The unrelaxed SP4 System: relax it (MinDriver), then add ``mm.Zeeman(H=STDPROB4_FIELD1)``."""
    mesh = df.Mesh(p1=(0, 0, 0), p2=(500e-9, 125e-9, 3e-9), cell=(5e-9, 5e-9, 3e-9))
    system = mm.System(name=name)
    system.energy = mm.Exchange(A=1.3e-11) + mm.Demag()
    system.dynamics = mm.Precession(gamma0=2.211e5) + mm.Damping(alpha=0.02)
    system.m = mesh_field(mesh, 3, (1, 0.25, 0.1), norm=8e5)
    return system


#: Material of the notched strip: case B of ../shared/oommf-reference (Ms in A/m, A in J/m,
#: Ku in J/m^3 along z, interfacial DMI D in J/m^2, Cnv_z).
NOTCHED_STRIP_MATERIAL = {"Ms": 1.1e6, "A": 1.5e-11, "Ku": 8.5e5, "D": 0.3e-3}


def notch_mask(nx: int, ny: int, depth: int, centre: int) -> np.ndarray:
    """(nx, ny) boolean, True in the magnet: a strip with two triangular notches facing each
    other, one cut into each long edge (y = 0 and y = ny - 1).

    Each notch is ``depth`` cells deep; row k (k = 0 at the edge, k < depth) of a notch is
    ``2 (depth - k)`` cells wide: cells centre - (depth - k) to centre + (depth - k) - 1 along x.
    A notch has depth (depth + 1) empty cells, so depth 6 (the default of
    :func:`notched_strip_system`) empties 84 cells and depth 3 empties 24.
    """
    if depth < 1 or 2 * depth > ny or not depth <= centre <= nx - depth:
        raise ValueError(
            f"notch_mask: need 1 <= depth <= ny / 2 and the notch inside the strip, got depth "
            f"{depth}, centre {centre}"
        )
    magnetic = np.ones((nx, ny), dtype=bool)
    for k in range(depth):
        half = depth - k
        xs = slice(centre - half, centre + half)
        magnetic[xs, k] = False
        magnetic[xs, ny - 1 - k] = False
    return magnetic


def notched_strip_system(
    nx: int = 256,
    ny: int = 32,
    notch_depth: int = 6,
    notch_cell: int | None = None,
    wall_cell: int | None = None,
    name: str = "notched_strip",
) -> mm.System:
    """The notched-strip relaxation problem (issue #15's benchmark): case B's PMA strip with
    DMI and demag, and a wall at the notches.

    Mesh nx x ny x 1 cells of 2 x 2 x 1 nm (default 256 x 32: 512 x 64 x 1 nm); two facing
    triangular notches (:func:`notch_mask`, default depth 6 cells = 12 nm, 84 empty cells)
    centred on cell ``notch_cell`` (default 5 nx / 8: x = 320 nm); material
    :data:`NOTCHED_STRIP_MATERIAL` with exchange, uniaxial anisotropy along z, DMI (Cnv_z) and
    demag. Initial m = +z for x < L/2 and -z otherwise (an abrupt wall in the middle, 64 nm
    from the notches at the default size; ``wall_cell``: the first -z cell, default nx / 2),
    Ms = 0 in the notches. Relax it with MinDriver(stopping_mxHxm=0.01): the wall's position
    is a soft mode, which makes this a hard problem for steepest descent.
    """
    mat = NOTCHED_STRIP_MATERIAL
    cell = (2e-9, 2e-9, 1e-9)
    mesh = df.Mesh(p1=(0, 0, 0), p2=(nx * cell[0], ny * cell[1], cell[2]), cell=cell)
    centre = 5 * nx // 8 if notch_cell is None else notch_cell
    magnetic = notch_mask(nx, ny, notch_depth, centre)
    wall = nx // 2 if wall_cell is None else wall_cell
    m = np.zeros((nx, ny, 1, 3))
    m[:wall, :, 0, 2], m[wall:, :, 0, 2] = 1.0, -1.0
    M = m * np.where(magnetic, mat["Ms"], 0.0)[:, :, None, None]
    system = mm.System(name=name)
    system.energy = (
        mm.Exchange(A=mat["A"])
        + mm.UniaxialAnisotropy(K=mat["Ku"], u=(0, 0, 1))
        + mm.DMI(D=mat["D"], crystalclass="Cnv_z")
        + mm.Demag()
    )
    system.m = mesh_field(mesh, 3, M, valid=magnetic[:, :, None])
    return system
