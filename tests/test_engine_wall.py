"""Static domain wall in a 1-D PMA chain, demag off: profile, energy and DMI chirality.

A chain of 0.5 nm cells along x (one cell across), A = 1.5e-11 J/m, K = 4e5 J/m^3, so
Delta = sqrt(A/K) = 6.1 nm spans 12 cells (discretisation error in Delta and in the wall
energy ~ (dx/Delta)^2 / 12 < 0.1 %). The wall is relaxed with MinDriver.
"""

from __future__ import annotations

import discretisedfield as df
import micromagneticmodel as mm
import numpy as np
import pytest
from scipy.optimize import curve_fit

import physics.engine as pe

A, K, MS = 1.5e-11, 4e5, 1.1e6
DX, N = 0.5e-9, 400
L = N * DX
DELTA = np.sqrt(A / K)


def relaxed_chain(D: float, wall: bool) -> tuple[np.ndarray, float]:
    """Relaxed m (N, 3) and total energy (J) of the chain with or without an up/down wall."""
    mesh = df.Mesh(p1=(0, 0, 0), p2=(L, DX, DX), cell=(DX, DX, DX))
    system = mm.System(name="chain_wall")
    system.energy = mm.Exchange(A=A) + mm.UniaxialAnisotropy(K=K, u=(0, 0, 1))
    if D != 0:
        system.energy += mm.DMI(D=D, crystalclass="Cnv_z")

    def initial(p):
        if not wall:
            return (0.01, 0.01, 1.0)
        return (0.1, 0.1, 1.0) if p[0] < L / 2 else (0.1, 0.1, -1.0)

    system.m = df.Field(mesh, nvdim=3, value=initial, norm=MS)
    pe.MinDriver(stopping_mxHxm=1e-3).drive(system)
    return system.m.array[:, 0, 0, :] / MS, float(system.table.data["E"].iloc[-1])


def fit_wall(m: np.ndarray) -> tuple[float, float]:
    x = (np.arange(N) + 0.5) * DX

    def profile(x, x0, delta):
        return -np.tanh((x - x0) / delta)

    (x0, delta), _ = curve_fit(profile, x, m[:, 2], p0=(L / 2, 5e-9))
    return x0, delta


def test_wall_profile_is_tanh_with_width_sqrt_a_over_k():
    # Delta within 2 % (the tolerance; discretisation alone is < 0.1 %).
    m, _ = relaxed_chain(D=0.0, wall=True)
    _, delta = fit_wall(m)
    assert abs(delta / DELTA - 1) < 0.02
    # The profile itself follows the tanh to 1 % of the magnetisation everywhere.
    x0, _ = fit_wall(m)
    x = (np.arange(N) + 0.5) * DX
    assert np.abs(m[:, 2] + np.tanh((x - x0) / delta)).max() < 0.01
    assert np.abs(np.linalg.norm(m, axis=-1) - 1).max() < 1e-12


@pytest.mark.parametrize("D", [0.0, 1.5e-3])
def test_wall_energy_is_4_sqrt_ak_minus_pi_d(D):
    # sigma = 4 sqrt(A K) - pi |D| per unit wall area; E(wall) - E(uniform) removes the DMI
    # edge-canting energy at the chain ends (the same in both states by symmetry).
    # Tolerance 1 %: discretisation (~0.1 %) plus the finite chain (wall tails ~ exp(-L/2Delta)).
    m_wall, e_wall = relaxed_chain(D=D, wall=True)
    _, e_uniform = relaxed_chain(D=D, wall=False)
    sigma = (e_wall - e_uniform) / DX**2
    expected = 4 * np.sqrt(A * K) - np.pi * abs(D)
    assert abs(sigma / expected - 1) < 0.01


@pytest.mark.parametrize("D", [1.5e-3, -1.5e-3])
def test_neel_wall_chirality_flips_with_the_sign_of_d(D):
    # ubermag's Cnv_z convention: D > 0 gives m = +x at the centre of an up(-x)/down(+x) wall
    # (OOMMF reference case B); D < 0 the opposite. A fully Néel wall: |mx| > 0.99, my ~ 0.
    m, _ = relaxed_chain(D=D, wall=True)
    centre = np.argmin(np.abs(m[:, 2]))
    assert np.sign(m[centre, 0]) == np.sign(D)
    assert abs(m[centre, 0]) > 0.99
    assert abs(m[centre, 1]) < 1e-3
