"""physics.device: the ubermag System of a DW-MTJ track and the SOT mapping."""

from __future__ import annotations

import discretisedfield as df
import micromagneticmodel as mm
import numpy as np
import pytest

import geometries
from geometries import Track
from physics.current import solve_current
from physics.device import (
    DEFAULT_BIAS_FIELD,
    build_system,
    film_thickness,
    polarisation_from_current,
    pulse_of,
    sot_slonczewski_parameters,
    sot_term,
    spin_hall_field,
    track_mask,
)
from physics.materials import MU0, load_material
from physics.pulses import default_pulse

MAT = load_material()
CELL = (2e-9, 2e-9)


@pytest.fixture(scope="module")
def scaled_straight() -> tuple:
    track = geometries.load_preset("scaled-straight")
    system = build_system(track, MAT, CELL, pulse=default_pulse(0.8), wall_at_notch=2)
    return track, system


def test_energy_and_dynamics_terms_and_values(scaled_straight: tuple) -> None:
    _, system = scaled_straight
    assert {type(t) for t in system.energy} == {
        mm.Exchange,
        mm.UniaxialAnisotropy,
        mm.DMI,
        mm.Demag,
        mm.Zeeman,
    }
    assert system.energy.exchange.A == MAT.A
    assert system.energy.uniaxialanisotropy.K == MAT.Ku
    assert tuple(system.energy.uniaxialanisotropy.u) == (0, 0, 1)
    assert system.energy.dmi.D == MAT.D and system.energy.dmi.crystalclass == "Cnv_z"
    # 4 mT along -z: mu0 H_z = -4e-3 T
    assert MU0 * np.asarray(system.energy.zeeman.H)[2] == pytest.approx(-4e-3)
    assert tuple(system.energy.zeeman.H) == DEFAULT_BIAS_FIELD
    assert {type(t) for t in system.dynamics} == {mm.Precession, mm.Damping, mm.Slonczewski}
    assert system.dynamics.damping.alpha == MAT.alpha
    assert system.dynamics.precession.gamma0 == pytest.approx(2.211e5, rel=1e-3)
    assert system.T == 0


def test_mesh_mask_and_ms(scaled_straight: tuple) -> None:
    track, system = scaled_straight
    mesh = system.m.mesh
    assert tuple(mesh.n) == (*track.grid_shape(*CELL), 1)
    assert film_thickness(system) == MAT.t_fm == pytest.approx(mesh.cell[2])
    mask = np.asarray(track.mask(*CELL))
    assert np.array_equal(track_mask(system), mask)
    norm = system.m.norm.array[..., 0, 0]
    assert np.allclose(norm[mask], MAT.Ms) and np.all(norm[~mask] == 0)
    # magnetic area = cell count x cell area, within one cell row of the nominal area
    area = mask.sum() * CELL[0] * CELL[1]
    assert abs(area - track.area) < track.length * CELL[1]


def test_initial_wall_sits_at_the_chosen_notch(scaled_straight: tuple) -> None:
    track, system = scaled_straight
    x = track.grid(*CELL)[0]
    mz = system.m.orientation.array[:, track.grid_shape(*CELL)[1] // 2, 0, 2]
    assert mz[0] > 0.99 and mz[-1] < -0.99  # up (+z) left of the wall, down right
    crossing = x[np.nonzero(np.diff(np.sign(mz)))[0][0]] + CELL[0] / 2
    assert crossing == pytest.approx(track.notch_centres[2], abs=CELL[0])
    # Neel wall (m_x > 0 at the centre) as in the OOMMF reference case B
    assert system.m.orientation.array[..., 0].max() > 0.99


def test_sot_mapping_reproduces_the_spin_hall_torque() -> None:
    # OOMMF's Slonczewski term (micromagneticmodel's docstring, LL form) with our mapping
    # must equal the LLG spin Hall torque  dm/dt = -g m x H_FL sigma + g H_DL m x (sigma x m)
    # + alpha m x dm/dt, solved for dm/dt. Random m, sigma; field-like ratio 1.7.
    mat = MAT.replace(field_like_ratio=1.7, theta_sh=0.1)
    p = sot_slonczewski_parameters(mat)
    assert (p["P"], p["Lambda"]) == (0.1, 1.0)
    rng = np.random.default_rng(1)
    g, alpha, J = 2.211e5, mat.alpha, 3e11
    beta = 1.0545717e-34 * J / (MU0 * 1.6021765e-19 * mat.t_fm * mat.Ms)  # OOMMF's beta
    h_dl = spin_hall_field(J, mat)
    assert h_dl == pytest.approx(beta * 0.1 / 2, rel=1e-6)  # hbar th J / (2 e mu0 Ms t)
    for _ in range(5):
        m = rng.normal(size=3)
        m /= np.linalg.norm(m)
        mp = rng.normal(size=3)
        mp /= np.linalg.norm(mp)
        lam = p["Lambda"]
        eps = p["P"] * lam**2 / ((lam**2 + 1) + (lam**2 - 1) * (m @ mp))
        ep = p["eps_prime"]
        oommf = g * beta * (eps + alpha * ep) / (1 + alpha**2) * np.cross(
            m, np.cross(mp, m)
        ) - g * beta * (ep - alpha * eps) / (1 + alpha**2) * np.cross(m, mp)
        t0 = -g * 1.7 * h_dl * np.cross(m, mp) + g * h_dl * np.cross(m, np.cross(mp, m))
        llg = (t0 + alpha * np.cross(m, t0)) / (1 + alpha**2)
        # 1e-6: beta uses the README's rounded hbar and e, spin_hall_field CODATA 2018 (3e-8 apart)
        assert np.allclose(oommf, llg, rtol=1e-6, atol=1e-6 * np.abs(llg).max())


def test_current_along_plus_x_is_case_c() -> None:
    # the OOMMF reference case C: strip 512 x 64 nm, J along +x, mp = +y, P = theta_SH,
    # Lambda = 1, eps' = 0, D > 0 (Cnv_z), up/down wall -> the wall moves toward +x.
    track = Track.straight(width=64e-9, length=512e-9)
    mat = MAT.replace(theta_sh=0.1)
    cur = solve_current(track, CELL, 1.0, mat)
    system = build_system(track, mat, CELL, current=cur, bias_field=(0, 0, 0))
    term = sot_term(system)
    mp = term.mp.array[..., 0, :]
    assert np.allclose(mp, (0, 1, 0), atol=1e-12)
    assert np.allclose(term.J.array[..., 0, 0], cur.current / (64e-9 * mat.t_hm), rtol=1e-9)
    assert (term.P, term.Lambda, term.eps_prime) == (0.1, 1.0, 0.0)
    assert system.energy.dmi.D > 0
    assert pulse_of(system) is None  # DC: no time function recorded
    # reversing the voltage reverses sigma, J stays a magnitude (OOMMF takes |J|)
    back = build_system(track, mat, CELL, current=cur.scaled(-1.0))
    assert np.allclose(sot_term(back).mp.array[..., 0, :], (0, -1, 0), atol=1e-12)
    assert sot_term(back).J.array.min() >= 0


def test_trapezoid_current_and_pulse_in_the_system() -> None:
    track = geometries.load_preset("scaled-trapezoid")
    cell = geometries.preset_cell("scaled-trapezoid")
    cur = solve_current(track, cell, 1.0, MAT)
    pulse = default_pulse(2.0)
    system = build_system(track, MAT, cell, current=cur, pulse=pulse, temperature=300)
    term = sot_term(system)
    # J rescaled from 1 V to the pulse amplitude 2 V
    assert np.allclose(term.J.array[..., 0, 0], 2 * cur.J_magnitude, rtol=1e-12)
    mp = term.mp.array[..., 0, :]
    inside = cur.mask
    assert np.allclose(np.linalg.norm(mp[inside], axis=-1), 1)
    assert np.allclose(mp[inside], polarisation_from_current(cur.J)[inside])
    assert np.abs(mp[inside][:, 0]).max() > 0.05  # current fans out along the tapered edges
    assert np.allclose(mp[..., 2], 0)
    assert pulse_of(system) is pulse and term.dt == pytest.approx(1e-10)
    assert system.T == 300


def test_anisotropy_dispersion_grains() -> None:
    track = Track.straight(width=200e-9, length=800e-9)
    mat = MAT.replace(ku_dispersion=0.1, grain_size=20e-9)
    a = build_system(track, mat, (4e-9, 4e-9), grain_seed=3)
    b = build_system(track, mat, (4e-9, 4e-9), grain_seed=3)
    c = build_system(track, mat, (4e-9, 4e-9), grain_seed=4)
    ka = a.energy.uniaxialanisotropy.K
    assert isinstance(ka, df.Field)
    assert np.array_equal(ka.array, b.energy.uniaxialanisotropy.K.array)
    assert not np.array_equal(ka.array, c.energy.uniaxialanisotropy.K.array)
    # ~400 grains: the grain-to-grain spread of Ku is 10 % to within sampling (~+-1 %)
    values = np.unique(ka.array)
    assert values.std() / MAT.Ku == pytest.approx(0.1, abs=0.015)
    assert values.mean() == pytest.approx(MAT.Ku, rel=0.02)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cell": (2e-9, 2e-9, 2e-9)}, "cell"),
        ({"cell": (2e-9,)}, "cell"),
        ({"wall_at_notch": 9}, "wall_at_notch"),
        ({"wall_at_notch": 0, "wall_position": 1e-7}, "wall_position"),
        ({"wall_position": 1e-6}, "wall_position"),
        ({"temperature": -1.0}, "temperature"),
        ({"bias_field": (0, 0)}, "bias_field"),
        ({"material": "ta"}, "material"),
    ],
)
def test_bad_arguments_name_the_field(kwargs: dict, field: str) -> None:
    track = geometries.load_preset("scaled-straight")
    args = {"material": MAT, "cell": CELL} | kwargs
    with pytest.raises(ValueError, match=field):
        build_system(track, args.pop("material"), args.pop("cell"), **args)


def test_current_on_another_grid_is_rejected() -> None:
    track = geometries.load_preset("scaled-straight")
    cur = solve_current(track, (1e-9, 1e-9), 1.0, MAT)
    with pytest.raises(ValueError, match="current"):
        build_system(track, MAT, CELL, current=cur)
