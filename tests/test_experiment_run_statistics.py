"""Threshold fits and likelihood-ratio tests of physics.experiment.run_statistics on synthetic
Bernoulli trials with known thresholds (no simulation): they recover what generated them."""

from __future__ import annotations

import numpy as np
import pytest

from physics.experiment.run_statistics import (
    PinnedTrials,
    equal_threshold_test,
    fit_thresholds,
    same_thresholds_test,
    width_trend_test,
)

WIDTHS = {k: (40 + 11.25 * k) * 1e-9 for k in range(5)}


def _trials(mu: np.ndarray, sigma: float, n_per_v: int, seed: int) -> PinnedTrials:
    """n_per_v trials per notch at each voltage of a 0.1 ... 0.8 V grid (0.025 V steps)."""
    rng = np.random.default_rng(seed)
    v_grid = np.arange(0.1, 0.8001, 0.025)
    notch, v = np.meshgrid(np.arange(len(mu)), np.repeat(v_grid, n_per_v), indexing="ij")
    notch, v = notch.ravel(), v.ravel()
    y = (v > rng.normal(mu[notch], sigma)).astype(np.int64)
    return PinnedTrials(notch=notch, voltage=v, depinned=y)


def test_free_fit_recovers_thresholds():
    mu = np.array([0.3, 0.35, 0.42, 0.5, 0.55])
    fit = fit_thresholds(_trials(mu, 0.04, 6, seed=1), "free")
    # 6 trials x 29 voltages per notch: the ML mean threshold has a standard error of about
    # sigma * sqrt(2 pi) / sqrt(n_transition) ~ 0.02 V; 0.03 V is 1.5 of them.
    np.testing.assert_allclose(fit.mu, mu, atol=0.03)
    assert fit.sigma == pytest.approx(0.04, rel=0.35)


def test_width_trend_detected_and_not_invented():
    rising = np.array([0.3, 0.35, 0.42, 0.5, 0.55])
    lrt = width_trend_test(_trials(rising, 0.04, 2, seed=2), WIDTHS)
    assert lrt.p_value < 1e-3 and lrt.alternative.coef[1] > 0
    # Equal thresholds: the trend test rejects at the 1 % level in about 1 % of data sets;
    # over 20 seeds more than 2 rejections would happen with probability ~2e-3 (binomial).
    flat = np.full(5, 0.4)
    rejections = sum(
        width_trend_test(_trials(flat, 0.04, 2, seed=s), WIDTHS).p_value < 0.01 for s in range(20)
    )
    assert rejections <= 2


def test_equal_threshold_test():
    flat = np.full(5, 0.4)
    p_flat = [equal_threshold_test(_trials(flat, 0.04, 2, seed=s)).p_value for s in range(20)]
    # Under the null the p-values are ~uniform: at most 3 of 20 below 0.05 (P(>3) ~ 1.6 %).
    assert sum(p < 0.05 for p in p_flat) <= 3
    steps = np.array([0.3, 0.3, 0.45, 0.45, 0.6])
    assert equal_threshold_test(_trials(steps, 0.04, 2, seed=3)).p_value < 1e-3


def test_same_thresholds_test_between_two_runs():
    mu = np.array([0.2, 0.27, 0.35, 0.4])
    # Two runs of the same thresholds: ~uniform p-values (at most 3 of 20 below 0.05).
    p_same = [
        same_thresholds_test(
            _trials(mu, 0.03, 1, seed=s), _trials(mu, 0.03, 1, seed=100 + s)
        ).p_value
        for s in range(20)
    ]
    assert sum(p < 0.05 for p in p_same) <= 3
    # Power: thresholds 10 % higher in the second run are rejected (4 trials per voltage).
    lrt = same_thresholds_test(_trials(mu, 0.03, 4, seed=1), _trials(1.1 * mu, 0.03, 4, seed=2))
    assert lrt.p_value < 1e-3 and lrt.dof == len(mu) + 1
    # Only the notches both runs visited are compared.
    lrt = same_thresholds_test(_trials(mu, 0.03, 1, seed=1), _trials(mu[:2], 0.03, 1, seed=2))
    assert lrt.dof == 3
    none = _trials(mu[:1], 0.03, 1, seed=3)
    with pytest.raises(ValueError, match="share no notch"):
        same_thresholds_test(none, PinnedTrials(none.notch + 1, none.voltage, none.depinned))


def test_fit_rejects_bad_input():
    empty = PinnedTrials(np.zeros(0, int), np.zeros(0), np.zeros(0, int))
    with pytest.raises(ValueError, match="trials"):
        fit_thresholds(empty)
    some = _trials(np.array([0.3, 0.4]), 0.04, 1, seed=0)
    with pytest.raises(ValueError, match="model"):
        fit_thresholds(some, "quadratic")
    with pytest.raises(ValueError, match="widths"):
        fit_thresholds(some, "linear_width")


def test_nested_fits_never_lose_likelihood():
    """The fit is convex in its natural parameters, so a model that contains another reaches at
    least the smaller model's maximum (to optimiser tolerance) on every data set."""
    for seed in range(10):
        t = _trials(np.array([0.3, 0.33, 0.42, 0.45, 0.55]), 0.04, 1, seed=seed)
        equal = fit_thresholds(t, "equal")
        assert fit_thresholds(t, "linear_width", WIDTHS).loglik >= equal.loglik - 1e-6
        assert fit_thresholds(t, "free").loglik >= equal.loglik - 1e-6


def test_unconverged_fit_raises_naming_the_fit(monkeypatch):
    import physics.experiment.run_statistics as rs

    real = rs.minimize

    def one_iteration(*args, **kwargs):
        kwargs["options"] = {**kwargs.get("options", {}), "maxiter": 1}
        return real(*args, **kwargs)

    monkeypatch.setattr(rs, "minimize", one_iteration)
    with pytest.raises(rs.FitNotConvergedError, match="linear_width"):
        fit_thresholds(
            _trials(np.array([0.3, 0.4, 0.5, 0.5, 0.6]), 0.04, 2, seed=1), "linear_width", WIDTHS
        )
