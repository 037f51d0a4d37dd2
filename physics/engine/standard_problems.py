"""muMAG standard problem 4 as an ubermag System (used by the SP4 test and the benchmark).

Permalloy 500 x 125 x 3 nm, cell 5 x 5 x 3 nm, Ms = 8e5 A/m, A = 1.3e-11 J/m, alpha = 0.02,
exchange + demag, starting from the uniform direction (1, 0.25, 0.1); field 1 is
mu0 H = (-24.6, 4.3, 0) mT. The same set-up as ../shared/oommf-reference case A.
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
