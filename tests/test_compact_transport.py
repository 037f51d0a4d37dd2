"""Sequential-capture transport and the posterior-predictive check of a fitted model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.special import ndtr

from compact.depinning import DeviceLaws, NotchLaw
from compact.fit import fit_model
from compact.observations import from_run_arrays
from compact.statistics import (
    expected_range_factor,
    percent_variation,
    posterior_predictive,
    sigma_from_variation,
)
from compact.transport import simulate_cycles, transition_matrices
from physics.experiment.transitions import TransitionArrays


def _normal(mu, sigma=0.2):
    return NotchLaw("normal", {"mu_V": mu, "sigma_V": sigma})


def test_transition_matrix_is_sequential_capture():
    # 4 states; at V the per-notch pass probabilities are p_k = Phi((V - mu_k)/sigma).
    mus = (1.0, 1.2, 1.4)
    laws = DeviceLaws(
        4,
        "normal",
        [_normal(m) for m in mus] + [None],
        [None, _normal(1.5), _normal(1.5), _normal(2.0)],
    )
    V = 1.3
    p = ndtr((V - np.array(mus)) / 0.2)
    m = transition_matrices(laws, np.array([V, -2.0, 0.0]), np.full(3, 5e-8), np.full(3, 300.0))
    assert np.allclose(m.sum(axis=-1), 1.0)
    assert m[0, 0, 1] == pytest.approx(p[0] * (1 - p[1]))
    assert m[0, 0, 2] == pytest.approx(p[0] * p[1] * (1 - p[2]))
    assert m[0, 0, 3] == pytest.approx(p[0] * p[1] * p[2])  # the end state captures
    assert np.allclose(np.tril(m[0], -1), 0.0)  # V > 0 never moves the wall towards IN
    pr = ndtr((2.0 - np.array([1.5, 1.5, 2.0])) / 0.2)
    assert m[1, 3, 0] == pytest.approx(pr[2] * pr[1] * pr[0])
    assert np.allclose(np.triu(m[1], 1), 0.0)
    assert np.allclose(m[2], np.eye(4))  # V = 0: nothing moves


def test_expected_range_factor_matches_known_constants():
    # d2(2) = 2/sqrt(pi) exactly; d2(10) = 3.078 (control-chart tables).
    assert expected_range_factor(2) == pytest.approx(2 / np.sqrt(np.pi), rel=1e-8)
    assert expected_range_factor(10) == pytest.approx(3.0775, abs=1e-3)
    # Monte Carlo of the paper's var over 13 normal draws recovers the var we invert
    rng = np.random.default_rng(0)
    sig = sigma_from_variation(0.025, 3.0, 13)
    vars_ = [percent_variation(rng.normal(3.0, sig, 13)) for _ in range(4000)]
    assert np.mean(vars_) == pytest.approx(0.025, rel=0.02)  # SE of the mean ~ 0.5 %


STRAIGHT_TRUE = DeviceLaws(
    5, "normal", [_normal(1.0, 0.15)] + [_normal(2.6, 0.3)] * 3 + [None], [None] * 5
)
LEVELS = np.array([1061.0, 1043.3, 989.0, 929.5, 913.1])
SIGMAS = np.array([1.1, 2.6, 2.1, 0.8, 0.4])


@pytest.fixture(scope="module")
def straight_fit():
    # A straight-like device: nominally identical notches, so multi-notch jumps are common
    # (Fig. 3). 150 ramp cycles 0.1 .. 5.5 V as in Fig. 3b.
    rng = np.random.default_rng(42)
    v = np.round(np.arange(0.1, 5.51, 0.1), 10)
    s = simulate_cycles(
        STRAIGHT_TRUE, np.tile(v, (150, 1)), 50e-9, 300.0, np.zeros(150, int), 1, rng
    )[0]
    r = LEVELS[s] + SIGMAS[s] * rng.standard_normal(s.shape)
    tr = from_run_arrays(TransitionArrays(v, s, r, 50e-9, 300.0))
    return tr, fit_model(tr, law="normal")


def test_monte_carlo_reproduces_input_statistics(straight_fit):
    # Posterior-predictive check with 200 replicates of the 150 observed cycles:
    # * the state map's discrepancy is typical of replicate datasets (p > 0.01);
    # * each switch's V_C,avg and var fall inside the central 99% of the replicates;
    # * the 1-, 2-, 3-notch jump frequencies lie within 3 replicate sd of the data.
    tr, model = straight_fit
    check = posterior_predictive(model.laws(), tr, n_rep=200, rng=np.random.default_rng(1))
    assert check.state_map_pvalue() > 0.01
    for stat in ("vc_mean", "var"):
        q = check.quantile_of_data(stat)
        assert np.all((q > 0.005) & (q < 0.995)), (stat, q)
    jd, jm = check.jumps_data[1], check.jumps_model[1]
    assert jd[1] > 0.05  # multi-notch jumps are present in this device
    assert np.all(np.abs(jd - jm.mean(axis=0)) <= 3 * jm.std(axis=0) + 1e-12)


def test_predictive_check_rejects_a_wrong_model(straight_fit):
    # Negative control: the same check must fail for thresholds shifted by +0.2 V
    # (about 10 standard errors of a fitted threshold here).
    tr, model = straight_fit
    shifted = [
        None
        if law is None
        else dataclasses.replace(law, params={**law.params, "mu_V": law.params["mu_V"] + 0.2})
        for law in model.forward
    ]
    wrong = dataclasses.replace(model.laws(), forward=shifted)
    check = posterior_predictive(wrong, tr, n_rep=100, rng=np.random.default_rng(1))
    assert check.state_map_pvalue() < 0.01
    assert np.any(check.quantile_of_data("vc_mean") < 0.005)


def test_fitted_thresholds_recover_the_generating_ones(straight_fit):
    # Parameter recovery through the whole pipeline (clustering-free run arrays, trials
    # pooled from depinning and passing): within 3 reported standard errors.
    _, model = straight_fit
    for k in range(4):
        law, true = model.forward[k], STRAIGHT_TRUE.forward[k]
        for p in ("mu_V", "sigma_V"):
            assert abs(law.params[p] - true.params[p]) < 3 * law.stderr[p], (k, p)


def test_simulate_rejects_bad_shapes():
    with pytest.raises(ValueError, match="voltage_V"):
        simulate_cycles(
            STRAIGHT_TRUE, np.ones(3), 5e-8, 300.0, np.zeros(1, int), 1, np.random.default_rng(0)
        )


def test_transition_matrix_limits_the_reach():
    # Reach r = u t_p = 1.6 notch spacings: the notch at distance 1 is passed with p_1 * 0.6,
    # the one at distance 2 never (s_2 = clip(1.6 - 2, 0, 1) = 0).
    mus = (1.0, 1.2, 1.4)
    laws = DeviceLaws(
        4, "normal", [_normal(m) for m in mus] + [None], [None] * 4, reach_rate_per_s=1.6 / 5e-8
    )
    V = 1.3
    p = ndtr((V - np.array(mus)) / 0.2)
    m = transition_matrices(laws, np.array([V]), np.full(1, 5e-8), np.full(1, 300.0))[0]
    assert np.allclose(m.sum(axis=-1), 1.0)
    assert m[0, 1] == pytest.approx(p[0] * (1 - 0.6 * p[1]))
    assert m[0, 2] == pytest.approx(p[0] * 0.6 * p[1])
    assert m[0, 3] == 0.0
    assert m[2, 3] == pytest.approx(p[2])  # the first notch after k is always reached


REACH_NOTCHES = 1.6  # reach per 50 ns pulse used to generate the data below


def _reach_data(seed: int, n_cycles: int = 150):
    true = dataclasses.replace(STRAIGHT_TRUE, reach_rate_per_s=REACH_NOTCHES / 50e-9)
    rng = np.random.default_rng(seed)
    v = np.round(np.arange(0.1, 5.51, 0.1), 10)
    s = simulate_cycles(
        true, np.tile(v, (n_cycles, 1)), 50e-9, 300.0, np.zeros(n_cycles, int), 1, rng
    )[0]
    r = LEVELS[s] + SIGMAS[s] * rng.standard_normal(s.shape)
    return from_run_arrays(TransitionArrays(v, s, r, 50e-9, 300.0))


def test_reach_rate_is_recovered_within_its_uncertainty():
    # Synthetic straight-like device (equal thresholds, so the threshold laws alone would give
    # long jumps) with a reach of 1.6 notch spacings per pulse. Over 4 independent data sets
    # of 150 cycles the fitted reach lies within 2 reported standard errors of the truth in
    # at least 3 (a 2-sigma interval covers ~95 %; P(<= 2 of 4) = 0.014 at 0.95), and within
    # 3 standard errors in every one. Without the limit the model could not produce the
    # absence of >= 3 notch jumps, so the fit must find one.
    z = []
    for seed in range(4):
        tr = _reach_data(seed)
        model = fit_model(tr, law="normal")
        tm = model.transition_model
        assert tm["reach_rate_per_s"] is not None and tm["reach_rate_se_per_s"] is not None
        z.append(
            (tm["reach_rate_per_s"] * 50e-9 - REACH_NOTCHES) / (tm["reach_rate_se_per_s"] * 50e-9)
        )
    z = np.abs(np.array(z))
    assert np.all(z < 3), z
    assert np.sum(z < 2) >= 3, z


def test_unlimited_device_gets_no_binding_reach(straight_fit):
    # The generating device of straight_fit has no reach limit: the fitted reach, if any, must
    # be consistent with one that does not bind, i.e. within 3 standard errors of a reach
    # that lets every observed jump happen with certainty (r >= longest jump), and the jump
    # frequencies it predicts match the data (test_monte_carlo_reproduces_input_statistics).
    tr, model = straight_fit
    tm = model.transition_model
    u, se = tm["reach_rate_per_s"], tm["reach_rate_se_per_s"]
    longest = int(np.max(np.abs(tr.end_notch - tr.start_notch)))
    assert u is None or (u + 3 * se) * 50e-9 >= longest, (u, se)
