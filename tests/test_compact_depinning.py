"""Depinning-law fits: parameter recovery with coverage, AIC model choice, and the
pulse-width extrapolation that lets short simulated pulses inform 50 ns experiments."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ndtr
from scipy.stats import binom

from compact.depinning import DeviceLaws, NotchLaw, Trials, fit_device_laws, fit_notch
from compact.observations import from_run_arrays
from compact.transport import simulate_cycles
from physics.experiment.transitions import TransitionArrays

ARR_TRUE = NotchLaw("arrhenius", {"V0_V": 4.0, "E_eV": 1.0, "beta": 1.5})


def _normal_trials(rng, n=400, mu=3.0, sigma=0.2):
    v = rng.uniform(mu - 3 * sigma, mu + 3 * sigma, n)
    y = (rng.random(n) < ndtr((v - mu) / sigma)).astype(int)
    return Trials(v, np.full(n, 50e-9), np.full(n, 300.0), y)


def _arrhenius_trials(rng, widths, n=600, law=ARR_TRUE, temp=300.0):
    w = rng.choice(np.asarray(widths), n)
    v = rng.uniform(2.6, 3.8, n)
    y = (rng.random(n) < law.probability(v, w, temp)).astype(int)
    return Trials(v, w, np.full(n, temp), y)


def _min_covered(n_rep: int, level: float = 0.95, alpha: float = 1e-3) -> int:
    """Smallest coverage count that a correct 95% interval reaches with prob. 1 - alpha."""
    return int(binom.ppf(alpha, n_rep, level))


def test_normal_law_recovery_and_coverage():
    # 40 synthetic notches, 400 trials each; the 95% Wald intervals from the observed
    # information must cover the true (mu, sigma) as often as a correct interval would
    # (binomial(40, 0.95) lower 0.1% quantile = 33).
    rng = np.random.default_rng(11)
    n_rep, cover_mu, cover_sig = 40, 0, 0
    for _ in range(n_rep):
        f = fit_notch(_normal_trials(rng), "normal")
        cover_mu += abs(f.params["mu_V"] - 3.0) < 1.96 * f.stderr["mu_V"]
        cover_sig += abs(f.params["sigma_V"] - 0.2) < 1.96 * f.stderr["sigma_V"]
        assert f.stderr["mu_V"] < 0.05  # 400 trials pin mu to a few 10 mV
    assert cover_mu >= _min_covered(n_rep)
    assert cover_sig >= _min_covered(n_rep)


def test_arrhenius_law_recovery_and_coverage():
    # Activation law, beta fixed at its true 1.5, pulses of 5 and 20 ns: V0 and E covered by
    # their 95% intervals at least binom.ppf(1e-3, 20, 0.95) = 16 of 20 times.
    rng = np.random.default_rng(5)
    n_rep, cov_v, cov_e = 20, 0, 0
    for _ in range(n_rep):
        f = fit_notch(_arrhenius_trials(rng, (5e-9, 20e-9)), "arrhenius", beta=1.5)
        cov_v += abs(f.params["V0_V"] - 4.0) < 1.96 * f.stderr["V0_V"]
        cov_e += abs(f.params["E_eV"] - 1.0) < 1.96 * f.stderr["E_eV"]
    assert cov_v >= _min_covered(n_rep)
    assert cov_e >= _min_covered(n_rep)


def test_bootstrap_errors_agree_with_observed_information():
    # Both estimate the same sampling spread; 200 resamples estimate an SE to ~5%, the
    # Hessian SE is asymptotic: agreement within 25% is expected at 600 trials.
    rng = np.random.default_rng(2)
    t = _normal_trials(rng, n=600)
    hess = fit_notch(t, "normal")
    boot = fit_notch(t, "normal", bootstrap=200, rng=np.random.default_rng(3))
    for p in ("mu_V", "sigma_V"):
        assert boot.stderr[p] == pytest.approx(hess.stderr[p], rel=0.25)
    assert boot.params == hess.params


def test_two_pulse_widths_predict_the_third():
    # Fit the activation law on 5 ns and 20 ns pulses; predict the 50 ns threshold. The
    # prediction must match the truth within 3 standard errors, the shift from 20 to 50 ns
    # must be resolved (> 3 SE), and held-out 50 ns data must fit (chi^2 p > 1e-3), while a
    # width-blind normal law fitted to the same data fails on them (p < 1e-3).
    rng = np.random.default_rng(7)
    train = _arrhenius_trials(rng, (5e-9, 20e-9), n=1500)
    fit = fit_notch(train, "arrhenius", beta=1.5)
    from compact.metaplasticity import threshold_with_se

    v50, se = threshold_with_se(fit, 50e-9, 300.0)
    truth50 = ARR_TRUE.median_threshold_V(50e-9, 300.0)
    truth20 = ARR_TRUE.median_threshold_V(20e-9, 300.0)
    assert abs(v50 - truth50) < 3 * se
    assert abs(truth20 - truth50) > 3 * se
    held = _arrhenius_trials(rng, (50e-9,), n=800)
    from compact.depinning import _gof

    assert _gof(fit, held)[2] > 1e-3
    normal = fit_notch(train, "normal")
    assert _gof(normal, held)[2] < 1e-3


def _ramp_table(laws, widths, rng, cycles=60):
    v = np.arange(0.2, 4.21, 0.05)
    tables = []
    for w in widths:
        s = simulate_cycles(laws, np.tile(v, (cycles, 1)), w, 300.0, np.zeros(cycles, int), 1, rng)[
            0
        ]
        r = np.array([100.0, 90.0, 80.0])[s] + 0.1 * rng.standard_normal(s.shape)
        tables.append(from_run_arrays(TransitionArrays(v, s, r, w, 300.0, n_states=3)))
    from compact.observations import Transitions

    return Transitions.concatenate(tables)


@pytest.mark.parametrize("generating", ["normal", "arrhenius"])
def test_aic_picks_the_generating_law(generating):
    # Two-notch ramps at 5 and 50 ns. A width-dependent (activation) truth cannot be fitted
    # by one normal threshold, and a width-independent truth needs E -> large in the
    # activation law; AIC must prefer the generating family.
    rng = np.random.default_rng(3)
    if generating == "normal":
        fwd = [
            NotchLaw("normal", {"mu_V": 2.0, "sigma_V": 0.15}),
            NotchLaw("normal", {"mu_V": 3.0, "sigma_V": 0.15}),
            None,
        ]
    else:
        fwd = [
            NotchLaw("arrhenius", {"V0_V": 2.8, "E_eV": 0.7, "beta": 1.5}),
            NotchLaw("arrhenius", {"V0_V": 4.0, "E_eV": 1.0, "beta": 1.5}),
            None,
        ]
    laws = DeviceLaws(3, generating, fwd, [None] * 3)
    tr = _ramp_table(laws, (5e-9, 50e-9), rng)
    fitted = fit_device_laws(tr, law="auto")
    assert fitted.law.startswith(generating), fitted.aic_by_law


def test_separated_trials_give_an_unidentified_step_law():
    t = Trials(
        np.array([1.0, 1.1, 1.2, 1.3]), np.full(4, 5e-8), np.full(4, 300.0), np.array([0, 0, 1, 1])
    )
    law = fit_notch(t, "normal")
    assert law.kind == "step" and not law.identified
    assert law.params["threshold_V"] == pytest.approx(1.15)
    with pytest.raises(ValueError, match="law"):
        fit_notch(_normal_trials(np.random.default_rng(0)), "weibull")


def test_voltage_independent_outcomes_give_a_not_identified_law():
    """Outcomes that do not depend on V (p = 0.6 at every voltage): the likelihood's maximum
    is at infinity (mu -> -inf, sigma -> inf). The fit keeps the law, which predicts the
    constant probability, and reports it as not identified instead of failing."""
    rng = np.random.default_rng(4)
    v = np.repeat(np.linspace(1.0, 3.0, 9), 40)
    y = (rng.random(v.size) < 0.6).astype(np.int64)
    law = fit_notch(Trials(v, np.full(v.size, 50e-9), np.full(v.size, 300.0), y), "normal")
    assert not law.identified
    p = law.probability(np.array([1.0, 3.0]))
    # flat in V, and within 3 standard errors (0.026 each for 360 trials) of the sample
    # fraction: the simplex stops somewhere on the ridge to infinity, not at its top
    assert abs(p[1] - p[0]) < 0.02
    np.testing.assert_allclose(p, y.mean(), atol=0.08)


def test_a_stopped_optimiser_raises_naming_the_law(monkeypatch):
    import compact.depinning as dep

    real = dep.minimize

    def capped(*args, **kwargs):
        kwargs["options"] = {**kwargs.get("options", {}), "maxiter": 2}
        return real(*args, **kwargs)

    monkeypatch.setattr(dep, "minimize", capped)
    with pytest.raises(dep.FitNotConvergedError, match="'normal'"):
        fit_notch(_normal_trials(np.random.default_rng(1)), "normal")


def test_auto_law_falls_back_to_normal_on_pulses_shorter_than_tau0():
    # Pulses of 0.5 ns against the default attempt time tau0 = 1 ns: the activation law
    # cannot describe them (t_p / tau0 < ln 2), so "auto" keeps the normal law (with a
    # warning naming tau0_s) instead of failing; asking for "arrhenius" is a one-line error.
    from compact.depinning import AttemptTimeError

    rng = np.random.default_rng(5)
    fwd = [NotchLaw("normal", {"mu_V": 2.0, "sigma_V": 0.15}), None, None]
    tr = _ramp_table(DeviceLaws(3, "normal", fwd, [None] * 3), (0.5e-9,), rng)
    with pytest.warns(UserWarning, match="tau0_s"):
        fitted = fit_device_laws(tr, law="auto")
    assert fitted.law == "normal"
    assert list(fitted.aic_by_law) == ["normal"]
    assert fitted.forward[0].params["mu_V"] == pytest.approx(2.0, abs=0.1)
    with pytest.raises(AttemptTimeError, match="tau0_s: attempt time"):
        fit_device_laws(tr, law="arrhenius")
