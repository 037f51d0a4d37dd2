"""Thermal renormalisation of the micromagnetic parameters (Callen-Callen scaling).

A finite-temperature micromagnetic simulation on cells of a few nm reduces the length of the
cell-averaged magnetisation to m(T) < 1 (the ``domain_mz`` readout of a 300 K run: 0.927 at
4 nm cells in the 1 nm CoFeB film), and with it the effective parameters that a T = 0
calculation with the bare values would use. The rigid-wall model takes its pinning landscape
from T = 0 minimisation, so to stand in for such a simulation the landscape is computed with
renormalised parameters (Callen and Callen, J. Phys. Chem. Solids 27, 1271 (1966); for
micromagnetics: Kazantseva et al., Phys. Rev. B 77, 184428 (2008)):

    Ms -> m Ms,   A -> m^2 A,   D -> m^2 D,   Ku -> m^3 Ku   (uniaxial: l(l+1)/2 = 3).

Measured room-temperature parameters (the material presets) already contain the real film's
renormalisation: the paper-scale runs use m = 1. The m used to compare with the 4 nm thermal
micromagnetics is an effective value calibrated on the scaled trapezoid
(results/paper-scale/README.md, "Calibration"): the bare Callen-Callen value m = 0.927
over-softens the walls, because K_eff = Ku - mu0 Ms^2 / 2 is a small difference of two large
terms that the simulation does not renormalise with exactly these exponents.
"""

from __future__ import annotations

from physics.materials import Material


def renormalised(material: Material, m: float) -> Material:
    """``material`` with Ms, A, D, Ku scaled by m, m^2, m^2, m^3 (0 < m <= 1)."""
    if not (isinstance(m, int | float) and 0 < m <= 1):
        raise ValueError(f"thermal_m: must be in (0, 1], got {m!r}")
    if m == 1:
        return material
    return material.replace(
        Ms=material.Ms * m, A=material.A * m**2, D=material.D * m**2, Ku=material.Ku * m**3
    )
