"""Eq. 1 from notch thresholds: which states give points, the end-to-end ratio, the verdict.

Issue 17: on ramp runs whose wall starts at the IN end, the IN end's forward "law" is a step
at the ramp's first voltage (every first pulse moves the wall), and taking it as V_0 gave
w1/w2 < 0 on the full-size runs. Thresholds exactly proportional to the width of a linear
1:4 trapezoid must give the paper's w1/w2 = 1/4.
"""

from __future__ import annotations

import numpy as np
import pytest

from compact.depinning import DeviceLaws, NotchLaw
from compact.fit import fit_model
from compact.metaplasticity import (
    EQ1_RMS_TOLERANCE,
    assess_eq1,
    eq1_states,
    f_meta,
    fit_eq1,
    metaplastic_points,
)
from compact.observations import from_run_arrays
from compact.summary import summary_table
from compact.transport import simulate_cycles
from physics.experiment.transitions import TransitionArrays

N_NOTCH = 5
X = np.linspace(0.0, 1.0, N_NOTCH)  # notch positions along the trapezoid, normalised
V_NOTCH = 0.5 * (1.0 + 3.0 * X)  # threshold proportional to the width w1 (1 + 3 x): 1:4


def _in_end_step(n: int = 200) -> NotchLaw:
    # what fit_device_laws gives the IN end of a ramp run: every trial depinned
    return NotchLaw("step", {"threshold_V": 0.05}, n_trials=n, n_depinned=n, identified=False)


def _trapezoid_laws() -> DeviceLaws:
    forward = [
        _in_end_step(),
        *(NotchLaw("normal", {"mu_V": float(v), "sigma_V": 0.01}) for v in V_NOTCH),
        None,
    ]
    return DeviceLaws(N_NOTCH + 2, "normal", forward, [None] * (N_NOTCH + 2))


def test_thresholds_proportional_to_width_of_a_1_to_4_trapezoid_give_one_quarter():
    laws = _trapezoid_laws()
    # IN end (state 0) half a spacing before notch 0, CLK end after the last notch
    spacing = 100e-9
    pos = np.concatenate([[-0.5 * spacing], spacing * np.arange(N_NOTCH), [N_NOTCH * spacing]])
    W, f, _ = metaplastic_points(laws, 50e-9, 300.0, pos)
    assert eq1_states(laws) == list(range(1, N_NOTCH + 1))
    assert W == pytest.approx(X)
    assert f == pytest.approx(1.0 / (1.0 + 3.0 * X))
    r, _, rms = fit_eq1(W, f)
    assert r == pytest.approx(0.25, abs=1e-9)
    # f = 1/(1 + 3W) is convex: the straight Eq. 1 line misses the interior points
    assert rms > EQ1_RMS_TOLERANCE


def test_eq1_generated_points_are_recovered_exactly():
    W = np.linspace(0, 1, 6)
    r, _, rms = fit_eq1(W, f_meta(W, 0.4))
    assert r == pytest.approx(0.4, abs=1e-12) and rms < 1e-12


def test_a_step_law_at_a_separating_voltage_still_counts_as_a_threshold():
    laws = _trapezoid_laws()
    sep = NotchLaw("step", {"threshold_V": 2.0}, n_trials=30, n_depinned=10, identified=False)
    laws.forward[N_NOTCH] = sep  # the last notch: deterministic, failures below 2 V
    W, f, _ = metaplastic_points(laws, 50e-9, 300.0)
    assert len(W) == N_NOTCH and f[-1] == pytest.approx(0.25)


def test_verdict_and_what_the_networks_use():
    ok = assess_eq1(0.6, 0.01)
    assert ok["eq1_describes_data"] and ok["network_w1_over_w2"] == 0.6
    curved = assess_eq1(0.25, 0.15)
    assert not curved["eq1_describes_data"] and curved["network_w1_over_w2"] == 0.25
    assert "RMS residual" in curved["eq1_verdict"]
    falling = assess_eq1(1.3, 0.01)
    assert not falling["eq1_describes_data"] and falling["network_w1_over_w2"] == 1.0
    assert "> 1" in falling["eq1_verdict"]
    bad = assess_eq1(float("nan"), 0.0)
    assert not bad["eq1_describes_data"] and bad["network_w1_over_w2"] == 1.0


def test_fit_of_a_ramp_run_starting_at_the_in_end():
    # ramp cycles of the 1:4 trapezoid whose wall starts at the IN end (state 0): the fit
    # must leave the IN end out, find w1/w2 ~ 1/4 (the thresholds are resolved to the
    # 0.05 V ramp step, i.e. f_end = 0.5/2.0 within ~0.03), say that the straight line
    # does not follow the points, and give the networks the end-to-end ratio
    rng = np.random.default_rng(3)
    laws = _trapezoid_laws()
    laws.forward[0] = NotchLaw("normal", {"mu_V": 0.01, "sigma_V": 0.001})
    v = np.round(np.arange(0.05, 2.51, 0.05), 10)
    n_c = 12
    width, temp = np.asarray(50e-9), np.asarray(300.0)
    s = simulate_cycles(laws, np.tile(v, (n_c, 1)), width, temp, np.zeros(n_c, int), 1, rng)[0]
    r_ohm = 100.0 - 5.0 * s + 0.1 * rng.standard_normal(s.shape)
    tr = from_run_arrays(TransitionArrays(v, s, r_ohm, 50e-9, 300.0))
    model = fit_model(tr, law="normal", missing_levels="omit")
    m = model.metaplasticity
    assert m["states"] == list(range(1, N_NOTCH + 1))
    assert m["w1_over_w2"] == pytest.approx(0.25, abs=0.03)
    assert m["eq1_describes_data"] is False
    assert model.network["w1_over_w2"] == pytest.approx(m["w1_over_w2"])
    assert any("Eq. 1 does not describe the data" in n for n in model.notes)
    assert any("leave out states" in n and "[0]" in n for n in model.notes)
    assert m["eq1_verdict"] in summary_table(model)
