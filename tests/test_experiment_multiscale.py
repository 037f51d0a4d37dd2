"""The multiscale calculator (physics.experiment.simulate_multiscale, issue 17): options, the
readout of a straight wall, run files that `dwmtj fit` reads, reproducibility, and the T = 0
dynamic thresholds of the scaled trapezoid against direct micromagnetics.

The landscape is the stored whole-track landscape of scaled-trapezoid at 4 nm cells
(tests/data/multiscale/, made by make_scaled_trapezoid_landscape.py), so no minimisation runs
here.
"""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np
import pytest

from physics.experiment import simulate_multiscale as sm
from physics.experiment.commands import simulate_run
from physics.experiment.spec import RunSpec
from physics.experiment.store import open_run
from physics.materials import MU0
from physics.multiscale import wall_model
from physics.multiscale.landscape import WallLandscape

DATA = Path(__file__).parent / "data" / "multiscale"
BIAS = -4e-3 / MU0


@pytest.fixture(scope="module")
def landscape():
    return WallLandscape.load(DATA / "scaled-trapezoid-4nm-whole.npz")


@pytest.fixture
def stored_landscape(monkeypatch, landscape):
    """simulate_multiscale with the stored landscape instead of a new minimisation."""
    monkeypatch.setattr(sm, "spec_landscape", lambda spec, **kw: landscape)
    return landscape


def _spec(**calculator) -> dict:
    return {
        "geometry": "scaled-trapezoid",
        "cell": [4e-9, 4e-9],
        "n_realisations": 4,
        "seed": 3,
        "calculator": {"name": "multiscale", **calculator},
        "protocol": {
            "kind": "voltage_ramp",
            "v_start": 0.2,
            "v_stop": 0.5,
            "n_steps": 4,
            "n_cycles": 2,
            "temperature": 300.0,
            "bias_field": -4e-3,
            "settle_time": 0.2e-9,
            "pulse": {"width": 1.5e-9, "rise": 0.05e-9, "fall": 0.05e-9},
            "reinitialise": "every_cycle",
            "initial_wall": {"at": 0},
        },
    }


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("thermal_m", 1.2, "calculator.thermal_m"),
        ("thermal_m", float("nan"), "calculator.thermal_m"),
        ("dq", 1.0, "calculator.dq"),
        ("dt", 1e-9, "calculator.dt"),
        ("dt", -1e-12, "calculator.dt"),
        ("window", "yes", "calculator.window"),
        ("demag_update", "step", "calculator.demag_update"),
        ("segments", 0, "calculator.segments"),
        ("segments", 2.0, "calculator.segments"),
        ("segments", True, "calculator.segments"),
        ("end_margin", -1e-9, "calculator.end_margin"),
        ("end_margin", float("inf"), "calculator.end_margin"),
        ("end_margin", 200e-9, "calculator.end_margin"),
        ("end_margin", "8 nm", "calculator.end_margin"),
        ("in_margin", -1e-9, "calculator.in_margin"),
        ("in_margin", 1e-9, "calculator.in_margin"),  # under two landscape steps
        ("in_margin", float("nan"), "calculator.in_margin"),
        ("in_margin", 40e-9, "calculator.in_margin"),  # past the first window's start
        ("in_margin", "8 nm", "calculator.in_margin"),
        ("in_margin", True, "calculator.in_margin"),
    ],
)
def test_bad_options_fail_in_one_line_naming_the_option(option, value, message):
    with pytest.raises(ValueError) as err:
        RunSpec.from_dict(_spec(**{option: value}))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_in_margin_needs_the_windows():
    for extra in ({"window": False}, {"q_range": [40e-9, 250e-9]}):
        with pytest.raises(ValueError) as err:
            RunSpec.from_dict(_spec(in_margin=8e-9, **extra))
        assert "calculator.in_margin" in str(err.value) and "\n" not in str(err.value)
    RunSpec.from_dict(_spec(in_margin=8e-9))  # accepted


def test_position_readout_matches_the_magnetisation_readout():
    """A sharp straight wall read from m and from its position agree to within one cell
    column (the m readout quantises the wall to cell edges)."""
    spec = RunSpec.from_dict(_spec())
    geo = spec.readout_geometry()
    nx, ny = geo.mask.shape[:2]
    xc = geo.x0 + (np.arange(nx) + 0.5) * geo.dx
    for q in (100e-9, 173e-9, 250e-9):
        m = np.zeros((nx, ny, 1, 3))
        m[..., 2] = np.where(xc < q, 1.0, -1.0)[:, None, None]
        m *= geo.mask.reshape(nx, ny, -1)[..., None]
        a, b = geo(m), geo.at_position(np.array(q))
        assert abs(a.position - b.position) <= geo.dx
        assert abs(a.parallel_fraction - b.parallel_fraction) < 0.02
        assert a.notch == b.notch


def test_run_file_is_read_by_fit_and_is_reproducible(stored_landscape, tmp_path):
    spec = RunSpec.from_dict(_spec())
    path, _ = simulate_run(spec, tmp_path / "a", figures=False, progress=False)
    record = open_run(path)  # checksum, spec hash and invariants verified
    assert record.spec.calculator["name"] == "multiscale"
    assert record.readouts["position"].shape == (4, 8)
    assert np.all(np.diff(record.time_table["t"]) > 0)
    # the same spec again: the same numbers (seeded noise)
    again, _ = simulate_run(spec, tmp_path / "b", figures=False, progress=False)
    np.testing.assert_array_equal(open_run(again).readouts["position"], record.readouts["position"])
    # a realisation does not depend on how many realisations the run has
    two = RunSpec.from_dict({**_spec(), "n_realisations": 2})
    p2, _ = simulate_run(two, tmp_path / "c", figures=False, progress=False)
    np.testing.assert_allclose(
        open_run(p2).readouts["position"], record.readouts["position"][:2], rtol=1e-6
    )
    # the compact model is fitted on it through the CLI
    from dwmtj.cli import main

    out = tmp_path / "model.json"
    assert main(["fit", str(path), "-o", str(out), "--law", "normal"]) == 0
    assert out.stat().st_size > 0


def test_an_elastic_line_run_is_stored_reproducible_and_not_the_rigid_wall(
    stored_landscape, tmp_path
):
    """calculator.segments = 2: the line's state is carried from pulse to pulse (its shape
    survives the readout), the run is seeded, and at 300 K it differs from the rigid wall
    (which it equals at T = 0: tests/test_multiscale_elastic_line.py)."""
    line = RunSpec.from_dict(_spec(segments=2))
    path, _ = simulate_run(line, tmp_path / "a", figures=False, progress=False)
    record = open_run(path)
    assert record.spec.calculator["segments"] == 2
    again, _ = simulate_run(line, tmp_path / "b", figures=False, progress=False)
    np.testing.assert_array_equal(open_run(again).readouts["position"], record.readouts["position"])
    rigid, _ = simulate_run(
        RunSpec.from_dict(_spec()), tmp_path / "c", figures=False, progress=False
    )
    assert not np.array_equal(open_run(rigid).readouts["position"], record.readouts["position"])
    # sigma from the material: 4 A / delta - pi |D| > 0 (a stable Néel wall)
    from physics.experiment.simulate_multiscale import wall_model_of

    model = wall_model_of(stored_landscape, segments=2, material=line.material_object())
    assert 0 < model.sigma_wall < 4 * line.material_object().A / stored_landscape.delta


def test_walls_that_leave_the_track_stay_gone(stored_landscape, tmp_path):
    """Above every threshold the wall runs out at CLK and stays there (read as the CLK end,
    the track fully written), like the micromagnetic runs."""
    data = _spec()
    # 6 ns pulses: the wall's speed (<= ~75 m/s, the DMI-limited saturation) must carry it
    # over the remaining ~200 nm within one pulse
    data["protocol"].update(v_start=1.2, v_stop=1.5, n_steps=2, n_cycles=1)
    data["protocol"]["pulse"] = {"width": 6e-9, "rise": 0.05e-9, "fall": 0.05e-9}
    path, _ = simulate_run(RunSpec.from_dict(data), tmp_path, figures=False, progress=False)
    rec = open_run(path)
    track_end = float(rec.spec.track().bounds[2])
    np.testing.assert_allclose(rec.readouts["position"], track_end)
    assert np.all(rec.readouts["parallel_fraction"] == 1.0)


def test_t0_dynamic_thresholds_match_direct_micromagnetics(landscape):
    """T = 0, 1.5 ns pulses with 50 ps edges at -4 mT from each notch's stable point: the
    smallest voltage (0.01 V grid) that carries the wall on lies in the bracket that direct
    micromagnetics on the whole scaled trapezoid found (JAX engine, 4 nm cells, same pulse):
    notch 0 held at 0.35 V and depinned at 0.40 V (tests/test_multiscale_landscape.py's
    dynamics test), notch 1 in (0.40, 0.55], notches 2-4 in (0.55, 0.70] V
    (results/experiments/ladder-trapezoid-selfsimilar.json). Tolerance: one model grid step
    (0.01 V) plus 0.015 V for the rigid-wall approximation (measured: 0.41, 0.50, 0.68, 0.63,
    0.62 V). The quasi-static thresholds (0.45-0.79 V) lie above these: the wall's precession
    (its Döring mass) lets a fast pulse depin below the adiabatic value in both."""
    brackets = [(0.35, 0.40), (0.40, 0.55), (0.55, 0.70), (0.55, 0.70), (0.55, 0.70)]
    model = sm.wall_model_of(landscape)
    volts = np.arange(0.25, 0.80, 0.01)
    n = volts.size
    with jax.enable_x64(True):
        for k, q0 in enumerate(landscape.stable_points(BIAS)):
            result = wall_model.run_pulses(
                model,
                np.full(n, q0),
                np.zeros(n),
                volts,
                np.full(n, BIAS),
                np.zeros(n),
                jax.random.split(jax.random.PRNGKey(0), n),
                rise=0.05e-9,
                plateau=1.45e-9,
                fall=0.05e-9,
                settle=0.2e-9,
                dt=2e-13,
            )
            moved = np.asarray(result.q) - q0 > 20e-9
            assert moved.any(), f"notch {k} never depins below 0.8 V"
            v_dep = volts[np.argmax(moved)]
            lo, hi = brackets[k]
            assert lo - 0.025 < v_dep <= hi + 0.025, (k, v_dep)


def test_a_reservoir_in_end_holds_the_wall_and_lets_it_re_enter(stored_landscape, tmp_path):
    """Started at the IN end of the scaled trapezoid, the width gradient and the -4 mT bias
    push a free wall out: with the default absorbing end it is gone for good (read at the IN
    end, no forward pulse brings it back); with in_end = "reservoir" (the nucleation side) it
    waits there and a 0.6 V pulse carries it to the notches (above notch 0's 0.41 V T = 0
    dynamic threshold)."""
    data = _spec()
    data["protocol"].update(v_start=0.0, v_stop=0.6, n_steps=2, n_cycles=1)
    data["protocol"]["initial_wall"] = {"at": "IN"}
    data["protocol"]["pulse"] = {"width": 3e-9, "rise": 0.05e-9, "fall": 0.05e-9}
    absorbing, _ = simulate_run(
        RunSpec.from_dict(data), tmp_path / "a", progress=False, figures=False
    )
    data["calculator"]["in_end"] = "reservoir"
    reservoir, _ = simulate_run(
        RunSpec.from_dict(data), tmp_path / "b", progress=False, figures=False
    )
    a, b = open_run(absorbing).readouts, open_run(reservoir).readouts
    x_in = float(open_run(absorbing).spec.track().bounds[0])
    np.testing.assert_allclose(a["position"], x_in)  # gone at IN, both pulses
    assert np.all(b["notch"][:, 1] >= 0)  # re-entered and captured at a notch
