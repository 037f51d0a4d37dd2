"""T = 0 pinning landscapes from constrained micromagnetics (physics.multiscale, issue 17).

Reference numbers of scaled-trapezoid at 4 nm cells (whole track, windows) are stored in
tests/data/multiscale/ with the script that made them (make_scaled_trapezoid_landscape.py).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from geometries import NotchSpec, Track, load_preset
from physics.current import solve_current_on_mask
from physics.device import build_system, polarisation_from_current, spin_hall_field
from physics.materials import MU0, load_material
from physics.multiscale import WallLandscape, constrained_path
from physics.multiscale.path import pi_over_two_check
from physics.multiscale.window import track_landscape

DATA = Path(__file__).parent / "data" / "multiscale"
CELL = (4e-9, 4e-9)
BIAS = -4e-3 / MU0  # the paper's -4 mT (A/m along z)
MT = 1e-3 / MU0  # 1 mT in A/m


@pytest.fixture(scope="module")
def material():
    return load_material()


def _strip(notch: bool = False) -> Track:
    notches = (
        NotchSpec(positions=(100e-9,), depth=8e-9, width=12e-9, shape="triangular")
        if notch
        else None
    )
    return Track.straight(50e-9, 200e-9, notches=notches)


def _sot(track, material):
    mask = track.mask(*CELL)
    cur = solve_current_on_mask(
        mask,
        CELL,
        voltage=1.0,
        resistivity=material.rho_hm,
        thickness=material.t_hm,
        origin=track.bounds[:2],
    )
    return cur, (spin_hall_field(cur.J_magnitude, material), polarisation_from_current(cur.J))


@pytest.fixture(scope="module")
def strip_path(material):
    """A 50 nm x 200 nm straight strip without notches, wall swept over 70-130 nm."""
    track = _strip()
    cur, sot = _sot(track, material)
    system = build_system(track, material, CELL, bias_field=(0, 0, 0), wall_position=70e-9)
    q = np.arange(70e-9, 130.5e-9, 2e-9)
    return track, cur, sot, constrained_path(system, q, sot=sot, keep_states=True)


def test_straight_strip_has_a_flat_landscape(strip_path) -> None:
    _, _, _, r = strip_path
    assert r.converged.all() and r.max_gap < 1.5
    # The notch fields of the scaled trapezoid at 4 nm are 40-60 mT (stored landscape below);
    # "flat" = within 1 mT (< 2.5 % of them). What remains is the 4 nm grid's Peierls
    # ripple (period = one cell) of a wall of width 13 nm.
    assert np.max(np.abs(r.h_hold)) < 1.0 * MT, np.max(np.abs(r.h_hold)) / MT
    # the achieved positions follow the targets (the spring holds the wall to 0.1 nm)
    assert np.max(np.abs(r.q - np.arange(70e-9, 130.5e-9, 2e-9))) < 0.1e-9


def test_straight_strip_sot_is_pi_over_two_h_dl(strip_path, material) -> None:
    track, cur, sot, r = strip_path
    # uniform J = V / (rho L) in a straight strip (closed form, tests/test_current.py)
    J = 1.0 / (material.rho_hm * track.length)
    h_dl = spin_hall_field(J, material)
    inner = slice(2, -2)
    # A rigid 1-D tanh Neel wall gives exactly (pi/2) H_DL. Tolerance 5 %: the 2-D wall is
    # not rigid (DMI edge canting tilts m at the edges, so m x sigma . dm/dU differs from the
    # 1-D profile by a few %), and the tangent is a central difference over 4 nm.
    np.testing.assert_allclose(r.h_sot[inner], math.pi / 2 * h_dl, rtol=0.05)
    # the same against the wall-profile-weighted (pi/2) <H_DL> of each state (H_DL uniform
    # here up to the current solve's contacts, so the same 5 %)
    np.testing.assert_allclose(r.h_sot[inner], pi_over_two_check(r, sot[0])[inner], rtol=0.05)


def test_a_uniform_bias_shifts_the_holding_field_by_itself(material) -> None:
    """The multiplier relation: with a uniform field H0 z in the System the constrained states
    are those of the unbiased System and h_hold = h_pin - H0 (exactly, up to convergence)."""
    track = _strip(notch=True)
    q = np.arange(84e-9, 116.5e-9, 1e-9)
    H0 = 5 * MT
    out = []
    for bias in (0.0, H0):
        system = build_system(
            track, material, CELL, bias_field=(0, 0, bias), wall_position=float(q[0])
        )
        out.append(constrained_path(system, q, stopping_mxHxm=0.1))
    r0, r1 = out
    assert r0.converged.all() and r1.converged.all()
    # the notch is a real landscape (tens of mT), so the check is not trivial
    assert np.ptp(r0.h_hold) > 20 * MT
    shifted = np.interp(r0.q, r1.q, r1.h_hold) + H0
    # 20 A/m (0.025 mT): the multipliers are exact to the stopping torque (0.1 A/m) times the
    # conditioning of the wall's translation mode; the interpolation over the 2 pm shift of
    # the achieved q between the two runs adds < 1 A/m on the steepest flank (~1e13 A/m^2)
    np.testing.assert_allclose(shifted, r0.h_hold, atol=20.0)
    # and the multiplier is the slope of the energy: E(U) - E(U_0) = integral 2 mu0 Ms t h dU
    # (trapezoid rule on the 1 nm path; its error, h'' dU^2 / 12 per step, stays below 2 % of
    # the energy scale of the notch)
    f = 2 * MU0 * material.Ms * material.t_fm * r0.h_hold
    integral = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(r0.U))])
    scale = np.ptp(r0.energy)
    assert np.max(np.abs(r0.energy - r0.energy[0] - integral)) < 0.02 * scale


def _landscape(n: int = 11) -> WallLandscape:
    q = 1e-9 * np.arange(n)
    h = 1e4 * np.sin(q / 3e-9)
    w = np.full(n, 40e-9)
    return WallLandscape(
        q=q,
        h_pin=h,
        h_sot=np.full(n, 8e4),
        width=w,
        energy=WallLandscape.energy_from(q, h, w, 1.1e6, 1e-9),
        Ms=1.1e6,
        thickness=1e-9,
        alpha=0.02,
        delta=12.9e-9,
        h_dmi=2e4,
        h_k=1e4,
        field_like_ratio=0.0,
        notch_centres=np.array([3e-9]),
        meta={"geometry": {"kind": "straight"}, "cell": [4e-9, 4e-9]},
    )


def test_landscape_save_load_round_trip(tmp_path: Path) -> None:
    land = _landscape()
    path = land.save(tmp_path / "l.npz")
    back = WallLandscape.load(path)
    for name in ("q", "h_pin", "h_sot", "width", "energy", "notch_centres"):
        np.testing.assert_array_equal(getattr(back, name), getattr(land, name))
    assert back.Ms == land.Ms and back.delta == land.delta and back.meta == land.meta


def _rewrite(src: Path, dst: Path, **changes) -> Path:
    with np.load(src) as data:
        arrays = {k: data[k] for k in data.files}
    for k, v in changes.items():
        if v is None:
            arrays.pop(k)
        else:
            arrays[k] = v
    np.savez(dst, **arrays)
    return dst


@pytest.mark.parametrize(
    "change, field",
    [
        ({"h_pin": np.full(11, np.nan)}, "h_pin"),
        ({"h_sot": np.zeros(10)}, "h_sot"),
        ({"width": None}, "width"),
        ({"q": 1e-9 * np.arange(11) ** 2}, "q"),
    ],
)
def test_bad_landscape_files_fail_in_one_line(tmp_path: Path, change, field) -> None:
    good = _landscape().save(tmp_path / "good.npz")
    bad = _rewrite(good, tmp_path / "bad.npz", **change)
    with pytest.raises(ValueError) as err:
        WallLandscape.load(bad)
    message = str(err.value)
    assert "\n" not in message and f" {field}:" in message, message


def test_bad_units_and_scalars_fail_naming_the_field(tmp_path: Path) -> None:
    good = _landscape().save(tmp_path / "good.npz")
    with np.load(good) as data:
        header = json.loads(str(data["meta_json"]))
    header["units"]["h_pin"] = "mT"
    bad = _rewrite(good, tmp_path / "u.npz", meta_json=np.asarray(json.dumps(header)))
    with pytest.raises(ValueError, match=r"h_pin: unit must be 'A/m'"):
        WallLandscape.load(bad)
    header["units"]["h_pin"] = "A/m"
    del header["scalars"]["delta"]
    bad = _rewrite(good, tmp_path / "s.npz", meta_json=np.asarray(json.dumps(header)))
    with pytest.raises(ValueError, match=r"delta: missing"):
        WallLandscape.load(bad)


def test_depinning_voltage_of_a_synthetic_landscape() -> None:
    land = _landscape(31)
    # one notch at 3 nm, h_pin = 1e4 sin(q / 3 nm) on 0..30 nm, H = -2e3 A/m: the stable point
    # is the upward crossing of h_pin - H (the only one: sin = -0.2 rising, q_c = 3 nm
    # (2 pi - asin 0.2)); the range runs to the end: V = max over grid q >= q_c of
    # (h_pin - H) / h_sot
    v = land.depinning_voltages(-2e3)
    q_c = 3e-9 * (2 * np.pi - np.arcsin(0.2))
    np.testing.assert_allclose(land.stable_points(-2e3), [q_c], rtol=1e-2)
    expected = np.max((land.h_pin[land.q >= q_c] + 2e3) / 8e4)
    assert v.shape == (1,)
    np.testing.assert_allclose(v[0], expected, rtol=1e-12)


@pytest.fixture(scope="module")
def stored():
    land = WallLandscape.load(DATA / "scaled-trapezoid-4nm-whole.npz")
    numbers = json.loads((DATA / "scaled-trapezoid-4nm.json").read_text())
    return land, numbers


def test_stored_whole_track_landscape_is_consistent(stored) -> None:
    land, numbers = stored
    np.testing.assert_allclose(
        land.depinning_voltages(BIAS), numbers["whole"]["v_dep_V"], rtol=1e-12
    )
    # V_dep rises with the local width over notches 0-2 and the widest notches need about
    # 1.6 x the narrowest one's voltage (measured: 0.45, 0.60, 0.79, 0.72, 0.76 V; notch 3 is
    # weaker than notch 2 at this cell: its 11.1 nm depth falls on the 4 nm staircase less
    # favourably)
    v = np.asarray(numbers["whole"]["v_dep_V"])
    assert np.all(np.diff(v[:3]) > 0) and np.all(v[2:] > 1.5 * v[0])
    # q grid: 0.5 nm instead of 1 nm moves V_dep by at most 2.2 % (measured 0.1, 1.4, 0.4,
    # 2.2, 1.3 %): the barrier maxima are resolved to 3 %
    np.testing.assert_allclose(v, numbers["whole_0.5nm"]["v_dep_V"], rtol=0.03)
    # the stored windows agree with the whole track within the 3 %
    np.testing.assert_allclose(numbers["windows"]["v_dep_V"], v, rtol=0.03)


def test_one_window_matches_the_whole_track(stored, material, tmp_path: Path) -> None:
    """Notch 2 of scaled-trapezoid at 4 nm from its own window (both sides cut: frozen
    columns and the outside stray field) against the stored whole-track V_dep: within 3 %
    (the issue's acceptance)."""
    land, numbers = stored
    track = load_preset("scaled-trapezoid")
    win = track_landscape(
        track, material, CELL, window=True, notches=[2], cache_dir=tmp_path, progress=False
    )
    v = win.depinning_voltages(BIAS)
    whole = numbers["whole"]["v_dep_V"][2]
    assert abs(v[2] / whole - 1) < 0.03, (v[2], whole)
    # the cache makes a rerun free (same inputs -> same SHA-256 file)
    assert len(list(tmp_path.glob("*.npz"))) == 1
    again = track_landscape(
        track, material, CELL, window=True, notches=[2], cache_dir=tmp_path, progress=False
    )
    np.testing.assert_array_equal(again.h_pin, win.h_pin)


@pytest.mark.slow
def test_windows_match_the_whole_track(material) -> None:
    """All notches, computed afresh (about 1 minute): per-notch V_dep at -4 mT from the windows
    within 3 % of the whole track's."""
    track = load_preset("scaled-trapezoid")
    whole = track_landscape(track, material, CELL, window=False, progress=False)
    win = track_landscape(track, material, CELL, window=True, progress=False)
    np.testing.assert_allclose(
        win.depinning_voltages(BIAS), whole.depinning_voltages(BIAS), rtol=0.03
    )


def _drive_from_notch(track, material, k: int, volts: float, rise: float, t: float) -> np.ndarray:
    """Relax the wall at notch k (-4 mT, V = 0), then T = 0 LLG with a flat SOT drive at
    ``volts`` reached by a linear ramp of ``rise`` s, for t seconds; returns the wall position
    (m) at 8 equally spaced times."""
    import physics.engine as pe
    from physics.multiscale.path import column_widths, position_from_area, written_area
    from physics.pulses import TrapezoidalPulse

    pulse = TrapezoidalPulse(amplitude=volts, rise=rise, plateau=20e-9, fall=1e-9)
    system = build_system(track, material, CELL, wall_at_notch=k, pulse=pulse)
    pe.MinDriver(stopping_mxHxm=0.1).drive(system)
    driver = pe.TimeDriver(save_m=True)
    driver.drive(system, t=t, n=8)
    mask = track.mask(*CELL)
    widths = column_widths(mask, CELL[1])
    assert driver.m_snapshots is not None
    return np.array(
        [
            position_from_area(written_area(m, mask, CELL), widths, 0.0, CELL[0])
            for m in driver.m_snapshots
        ]
    )


@pytest.mark.slow
@pytest.mark.parametrize("notch", [0, 3])
def test_quasi_static_threshold_against_t0_dynamics(stored, material, notch: int) -> None:
    """Scaled-trapezoid at 4 nm, T = 0 LLG (float64 RKF54; ~1 min per notch): driven from its
    relaxed state at notch k by a DC voltage reached over a 3 ns ramp (slow against the wall's
    ~1 ns response at alpha = 0.02), the wall stays in notch k's well for 6 ns at 0.9 V_dep and
    leaves it at 1.1 V_dep (V_dep: the stored whole-track landscape, -4 mT).

    Measured (2026-12-06): the relaxed wall sits at the landscape's stable point (notch 0:
    57.34 nm both). Notch 0 (V_dep 0.453 V), 1 ns ramp: held at 61-66 nm over 4 ns at 0.408 V;
    at 0.498 V 74 nm at 1 ns and 115 nm at 2 ns. Notch 3 (V_dep 0.720 V), 3 ns ramp: held at
    0.60 V (max 204 nm) and 0.66 V (max 208 nm; the h_pin crest is at 206.5 nm), gone at
    0.72 V (285 nm at 6 ns): the dynamic threshold is in (0.66, 0.72] V. With a 1 ns ramp the
    wall left notch 3 already at 0.69 V, during the ramp (wall inertia at alpha = 0.02).

    The dynamic ladder (results/experiments/ladder-trapezoid-selfsimilar-4nm-0.1V.json: 1.5 ns
    pulses with 50 ps edges, float32, 0.1 V grid) brackets notch 0 at 0.30-0.40 V and notches
    2 and 4 at 0.50-0.60 V, 20-30 % below these quasi-static 0.45, 0.79, 0.76 V. The fast
    edges explain it: notch 0 driven by the ladder's pulse shape (50 ps edges, 1.45 ns plateau,
    float64 here) is held at 0.35 V but depinned at 0.40 V (125 nm at 1.5 ns), where the 3 ns
    ramp holds it at 0.408 V: the edge kicks the wall (wall inertia at alpha = 0.02) past the
    crest below the adiabatic threshold. The landscape gives the adiabatic threshold."""
    land, numbers = stored
    track = load_preset("scaled-trapezoid")
    v_dep = numbers["whole"]["v_dep_V"][notch]
    centres = track.notch_centres
    exit_x = 0.5 * (centres[notch] + centres[notch + 1])
    below = _drive_from_notch(track, material, notch, 0.9 * v_dep, 3e-9, 6e-9)
    assert np.all(below < exit_x), below
    above = _drive_from_notch(track, material, notch, 1.1 * v_dep, 3e-9, 6e-9)
    assert above[-1] > exit_x, above


def test_a_sweep_back_towards_in_gives_the_same_landscape(material) -> None:
    """constrained_path with decreasing targets (the sweep that takes a landscape back towards
    the IN end, ``track_landscape(in_margin=...)``) against the increasing sweep over the same
    notch: the holding field and the SOT field per volt agree point by point."""
    track = _strip(notch=True)
    cur, sot = _sot(track, material)
    q = np.arange(84e-9, 116.5e-9, 1e-9)
    out = []
    for targets in (q, q[::-1]):
        system = build_system(
            track, material, CELL, bias_field=(0, 0, 0), wall_position=float(targets[0])
        )
        out.append(constrained_path(system, targets, sot=sot, stopping_mxHxm=0.1))
    up, down = out
    assert up.converged.all() and down.converged.all()
    assert not up.snap.any() and not down.snap.any()
    assert down.max_gap < 1.5
    # the notch is tens of mT deep, so agreement is not trivial
    assert np.ptp(up.h_hold) > 20 * MT
    np.testing.assert_allclose(down.q[::-1], up.q, atol=0.1e-9)
    # 20 A/m as for the bias shift above (the stopping torque times the translation mode's
    # conditioning; measured 0.05 A/m); h_sot to 1 % (measured 3e-6): the path has no snap,
    # so the two sweeps pass through the same states
    np.testing.assert_allclose(down.h_hold[::-1], up.h_hold, atol=20.0)
    np.testing.assert_allclose(down.h_sot[::-1], up.h_sot, rtol=0.01)
    with pytest.raises(ValueError, match="q_targets"):
        constrained_path(build_system(track, material, CELL), np.array([1e-7, 9e-8, 9.5e-8]))
