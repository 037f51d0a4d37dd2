"""Physical constants used by the engine (SI units, same values as OOMMF/ubermag)."""

from __future__ import annotations

import math

MU0: float = 4e-7 * math.pi
"""Vacuum permeability mu0 (T m / A), OOMMF's value."""
HBAR: float = 1.0545717e-34
"""Reduced Planck constant (J s)."""
E_CHARGE: float = 1.6021765e-19
"""Elementary charge (C)."""
KB: float = 1.380649e-23
"""Boltzmann constant (J / K)."""
GAMMA0_DEFAULT: float = 2.211e5
"""Gyromagnetic ratio gamma0 = mu0 |gamma| (m / (A s)), ubermag's Precession default."""
