"""Readout on synthetic magnetisation arrays with tanh walls at known positions."""

from __future__ import annotations

import numpy as np
import pytest

from physics.experiment.readout import (
    BETWEEN_NOTCHES,
    MTJ,
    ReadoutGeometry,
    notch_index,
    parallel_fraction,
    wall_position,
    wall_position_zero_crossing,
)

DX = DY = 2e-9  # cell (m)
NX, NY = 200, 25  # 400 nm x 50 nm track
DELTA = 5e-9  # wall width parameter (m), 2.5 cells, typical of CoFeB sqrt(A/K_eff)


def tanh_wall(x_wall, *, tilt_deg=0.0, curvature=0.0, nx=NX, ny=NY, written_sign=1):
    """m (..., nx, ny, 1, 3) of a Neel-like wall centred at x_wall(y) = x_wall + tan(tilt) *
    (y - yc) + curvature * (y - yc)^2; written domain (x < wall) has m_z = written_sign."""
    x_wall = np.asarray(x_wall, dtype=float)
    x = (np.arange(nx) + 0.5) * DX
    y = (np.arange(ny) + 0.5) * DY
    yc = 0.5 * ny * DY
    xw = x_wall[..., None] + np.tan(np.radians(tilt_deg)) * (y - yc) + curvature * (y - yc) ** 2
    u = (x[:, None] - xw[..., None, :]) / DELTA  # (..., nx, ny)
    mz = -written_sign * np.tanh(u)
    mx = 1.0 / np.cosh(u)
    m = np.stack([mx, np.zeros_like(mx), mz], axis=-1)
    return m[..., None, :]  # nz = 1


def straight_mask():
    return np.ones((NX, NY), dtype=bool)


def trapezoid_mask():
    """Width grows linearly from 10 to 50 nm (5 -> 25 cells), centred in y."""
    x = (np.arange(NX) + 0.5) * DX
    y = (np.arange(NY) + 0.5) * DY
    half = 0.5 * (10e-9 + 40e-9 * x / (NX * DX))
    return np.abs(y[None, :] - 0.5 * NY * DY) <= half[:, None]


# A quarter of a cell: the equal-area method has no discretisation bias for straight walls
# (midpoint sum of a tanh over many cells is exact to ~exp(-pi^2 * DELTA/DX)), so a tolerance
# well below one cell still leaves room for the finite track ends.
TOL = 0.25 * DX


@pytest.mark.parametrize("mask_fn", [straight_mask, trapezoid_mask])
def test_wall_position_straight_walls_vectorised(mask_fn):
    truth = np.array([[60e-9, 123.4e-9, 200e-9], [257.1e-9, 301e-9, 333.3e-9]])
    m = tanh_wall(truth)  # leading (2, 3) ensemble axes
    pos = wall_position(m, mask_fn(), DX, DY)
    assert pos.shape == truth.shape
    np.testing.assert_allclose(pos, truth, atol=TOL)


def test_wall_position_tilted_and_curved_walls():
    truth = np.array([100e-9, 180e-9, 290e-9])
    # straight track, 30 degree tilt: the tilt averages out exactly over the width
    pos = wall_position(tanh_wall(truth, tilt_deg=30.0), straight_mask(), DX, DY)
    np.testing.assert_allclose(pos, truth, atol=TOL)
    # the zero crossing of the column average agrees for this symmetric tilt
    zc = wall_position_zero_crossing(tanh_wall(truth, tilt_deg=30.0), straight_mask(), DX)
    np.testing.assert_allclose(zc, truth, atol=0.5 * DX)
    # trapezoid, 20 degree tilt: second-order bias (width slope x tilt^2 x width^2) < a cell
    pos = wall_position(tanh_wall(truth, tilt_deg=20.0), trapezoid_mask(), DX, DY)
    np.testing.assert_allclose(pos, truth, atol=0.5 * DX)
    # curved wall on a straight track: the mean of x_wall(y) over the width
    kappa = 2e7  # 1/m: the wall bows 6 nm at the edges of the 50 nm track
    y = (np.arange(NY) + 0.5) * DY - 0.5 * NY * DY
    pos = wall_position(tanh_wall(truth, curvature=kappa), straight_mask(), DX, DY)
    np.testing.assert_allclose(pos, truth + kappa * np.mean(y**2), atol=TOL)


def test_wall_position_limits_and_sign_convention():
    mask = straight_mask()
    up = np.zeros((NX, NY, 1, 3))
    up[..., 2] = 1.0
    # written_sign = +1 (default): an all-down track has no written domain, all-up is written
    assert wall_position(-up, mask, DX, DY) == pytest.approx(0.0)
    assert wall_position(up, mask, DX, DY) == pytest.approx(NX * DX)
    assert wall_position(up, mask, DX, DY, written_sign=-1) == pytest.approx(0.0)
    m = tanh_wall(150e-9, written_sign=-1)
    assert wall_position(m, mask, DX, DY, written_sign=-1) == pytest.approx(150e-9, abs=TOL)
    assert wall_position(m, mask, DX, DY) == pytest.approx(NX * DX - 150e-9, abs=TOL)
    # M in A/m (not normalised) gives the same answer: only directions matter
    assert wall_position(8e5 * m, mask, DX, DY, written_sign=-1) == pytest.approx(150e-9, abs=TOL)
    with pytest.raises(ValueError, match="written_sign"):
        wall_position(m, mask, DX, DY, written_sign=0)
    with pytest.raises(ValueError, match="mask"):
        wall_position(m, np.ones((NX, NY + 1), bool), DX, DY)


def test_notch_index_capture():
    centres = np.array([100e-9, 200e-9, 300e-9])
    pos = np.array([[98e-9, 205e-9, 150e-9], [300e-9, 10e-9, 390e-9]])
    idx = notch_index(pos, centres, capture_distance=10e-9)
    np.testing.assert_array_equal(idx, [[0, 1, BETWEEN_NOTCHES], [2, -1, -1]])
    # the capture edge is inclusive
    assert notch_index(np.array(110e-9), centres, 10e-9 + 1e-15) == 0


def test_mtj_limits_and_linear_conductance():
    # paper trapezoid: RA = 60 ohm um^2, TMR = 54 %; an MTJ of 0.64 um^2 gives R_P = 93.75 ohm
    mtj = MTJ(area=0.64e-12, resistance_area=60e-12, tmr=0.54)
    assert mtj.r_parallel == pytest.approx(93.75)
    assert mtj.r_antiparallel == pytest.approx(93.75 * 1.54)
    assert mtj.resistance(1.0) == pytest.approx(mtj.r_parallel)
    assert mtj.resistance(0.0) == pytest.approx(mtj.r_antiparallel)
    f = np.linspace(0.0, 1.0, 11)
    g = mtj.conductance(f)
    np.testing.assert_allclose(np.diff(g, 2), 0.0, atol=1e-15)  # linear in f
    assert g[5] == pytest.approx(0.5 * (1 / mtj.r_parallel + 1 / mtj.r_antiparallel))
    with pytest.raises(ValueError, match="mtj.area"):
        MTJ(area=0.0, resistance_area=60e-12, tmr=0.5)


def test_parallel_fraction_and_readout_geometry():
    mask = straight_mask()
    mtj_mask = np.zeros_like(mask)
    mtj_mask[50:150] = True  # MTJ over x in [100, 300] nm
    mtj = MTJ(area=200e-9 * 50e-9, resistance_area=60e-12, tmr=0.54)
    truth = np.array([50e-9, 100e-9, 200e-9, 300e-9, 350e-9])
    m = tanh_wall(truth)
    # the written (up) domain is parallel: f = (x_w - 100 nm) / 200 nm clipped to [0, 1]
    expected_f = np.clip((truth - 100e-9) / 200e-9, 0, 1)
    f = parallel_fraction(m, mtj_mask)
    # wall at an MTJ edge: half the wall profile lies outside -> tolerance of the wall's
    # half-integral over a cell-size grid; 0.02 is 4 nm out of 200 nm
    np.testing.assert_allclose(f, expected_f, atol=0.02)
    geo = ReadoutGeometry(
        mask, mtj_mask, DX, DY, np.array([100e-9, 200e-9, 300e-9]), capture_distance=8e-9, mtj=mtj
    )
    r = geo(m)
    np.testing.assert_array_equal(r.notch, [-1, 0, 1, 2, -1])
    np.testing.assert_allclose(r.resistance, mtj.resistance(r.parallel_fraction))
    assert r.resistance[0] == pytest.approx(mtj.r_antiparallel, rel=1e-6)
    assert r.resistance[-1] == pytest.approx(mtj.r_parallel, rel=1e-6)
    assert np.all(np.diff(r.resistance) < 0)  # R falls as the wall advances


def test_thermally_reduced_domains_do_not_shift_the_wall():
    """At 300 K the cell m_z inside the domains averages well below 1 (|<m_z>| ~ 0.7 for
    2 nm cells in a 1 nm weak-PMA film); the readout must divide that out."""
    rng = np.random.default_rng(3)
    truth = np.array([60e-9, 150e-9, 240e-9])
    ideal = tanh_wall(truth)[..., 2]  # (3, nx, ny, 1)
    mz = np.clip(0.7 * ideal + rng.normal(0.0, 0.2, ideal.shape), -1.0, 1.0)
    m = np.stack([np.sqrt(1 - mz**2), np.zeros_like(mz), mz], axis=-1)
    mask = trapezoid_mask()
    pos = wall_position(m, mask, DX, DY)
    # 1 cell: the noise (0.2 per cell, ~1500 cells per side) moves the area by < 0.1 cell;
    # the rest is the median estimate of the domain m_z (bias ~ 1 % of the domain lengths)
    np.testing.assert_allclose(pos, truth, atol=DX)
    # without the normalisation the 30 % reduction shifts walls by tens of nm
    plain = wall_position(m, mask, DX, DY, domain_mz=1.0)
    assert np.max(np.abs(plain - truth)) > 10e-9
    mtj_mask = np.zeros_like(mask)
    mtj_mask[:20] = True  # x in [0, 40] nm: fully written for every wall above
    geo = ReadoutGeometry(
        mask, mtj_mask & mask, DX, DY, truth, capture_distance=4e-9, mtj=MTJ(1e-15, 60e-12, 0.54)
    )
    r = geo(m)
    np.testing.assert_allclose(r.domain_mz, 0.7, atol=0.05)
    np.testing.assert_allclose(r.parallel_fraction, 1.0, atol=0.03)
    np.testing.assert_array_equal(r.notch, [0, 1, 2])
