"""Statistics of stored runs: per-pulse notch transitions, depinning-threshold fits and tests.

The acceptance of the depinning experiments is asserted from the stored readouts
with these functions (``tests/test_experiment_acceptance.py``):

* :func:`pulse_transitions` turns a run's readouts into one row per (realisation, pulse):
  voltage (V), notch state before and after (states of :func:`physics.experiment.store.
  notch_states`: 0 = IN end, k + 1 = notch k, n + 1 = CLK end), conductance after (S).
* :func:`pinned_trials` keeps the pulses of one polarity that *started with the wall pinned at
  a notch*: a Bernoulli trial per pulse (did the wall leave notch k in the pulse's direction?).
  Walls merely swept past a notch are not trials of that notch, so a wall arriving at a notch
  with momentum does not count as the notch's pinning.
* :func:`fit_thresholds` fits a probit threshold law ``P(depin | V, notch k) = Phi((V - mu_k) /
  sigma)`` by maximum likelihood with one common thermal spread sigma (V) and the per-notch
  mean thresholds ``mu_k`` (V) either free, equal, or linear in the local track width
  (``mu_k = a + b w_k``).
* :func:`width_trend_test` and :func:`equal_threshold_test` are likelihood-ratio tests between
  those nested models (Wilks: 2 dLL ~ chi^2 with the difference in parameters as degrees of
  freedom). :func:`same_thresholds_test` asks the same of two runs of one device (e.g. two
  numerical settings): one pooled fit against a fit per run. The conditional likelihood of
  the pulse outcomes given the voltages is valid for a ramp, although which voltages a notch
  sees depends on earlier outcomes (a sequential design: the likelihood does not depend on the
  design rule), so the ramp's ordering alone cannot produce a width trend here.

A ramp by itself makes the depinning voltages of successive notches non-decreasing for each
realisation; that is why the tests compare *outcomes at given voltages*, not first-depinning
voltages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_ndtr
from scipy.stats import chi2

from physics.experiment.store import RunRecord
from physics.experiment.transitions import notch_states

#: Lower bound on the fitted thermal spread sigma (V): keeps the likelihood finite when the
#: outcomes are perfectly separated in V (a 1 mV spread is far below any ramp step used).
SIGMA_FLOOR_V = 1e-3


@dataclass(frozen=True)
class PulseTransitions:
    """One row per (realisation, pulse), flattened realisation-major.

    ``voltage`` (V, signed), ``start``/``end`` notch states (0 = IN, k + 1 = notch k,
    ``n_notches + 1`` = CLK), ``conductance`` (S) after the pulse, ``initial_conductance`` (S)
    of the cycle's initial wall, ``realisation``, ``pulse``, ``cycle``, ``ramp`` indices.
    """

    realisation: np.ndarray
    pulse: np.ndarray
    cycle: np.ndarray
    ramp: np.ndarray
    voltage: np.ndarray
    start: np.ndarray
    end: np.ndarray
    conductance: np.ndarray
    initial_conductance: np.ndarray
    start_captured: np.ndarray
    end_captured: np.ndarray
    n_notches: int

    @property
    def jump(self) -> np.ndarray:
        """Signed number of states the wall moved in each pulse (+ towards CLK)."""
        return self.end - self.start


def pulse_transitions(record: RunRecord) -> PulseTransitions:
    """Per-pulse transitions of a stored run (see the class docstring).

    The start state of the first pulse of a cycle is the cycle's initial readout (the
    (re-)initialised wall) when the run re-initialises before that cycle; otherwise the
    previous pulse's end state.
    """
    spec = record.spec
    proto = spec.protocol
    r = record.readouts
    n_r, n_p = np.shape(r["position"])
    states = notch_states(spec, r["position"], r["notch"])
    cycle = np.asarray(record.pulses["cycle"], dtype=np.int64)
    ramp = np.asarray(record.pulses["ramp"], dtype=np.int64)
    voltage = np.asarray(record.pulses["voltage"], dtype=float)
    if record.initial is None:
        raise ValueError(f"{record.path}: run has no initial readouts (cycle start states)")
    init_states = notch_states(spec, record.initial["position"], record.initial["notch"])
    init_g = np.asarray(record.initial["conductance"], dtype=float)
    captured = np.asarray(r["notch"]) >= 0
    init_captured = np.asarray(record.initial["notch"]) >= 0
    start = np.empty_like(states)
    start[:, 1:] = states[:, :-1]
    start[:, 0] = init_states[:, 0]
    start_captured = np.empty_like(captured)
    start_captured[:, 1:] = captured[:, :-1]
    start_captured[:, 0] = init_captured[:, 0]
    first = np.flatnonzero(np.diff(cycle, prepend=-1) != 0)
    for p in first:
        if proto.reinitialise_before(int(cycle[p])):
            start[:, p] = init_states[:, cycle[p]]
            start_captured[:, p] = init_captured[:, cycle[p]]
    n_notches = len(spec.track().notch_centres)
    rows = np.repeat(np.arange(n_r), n_p)
    cols = np.tile(np.arange(n_p), n_r)
    return PulseTransitions(
        realisation=rows,
        pulse=cols,
        cycle=cycle[cols],
        ramp=ramp[cols],
        voltage=voltage[cols],
        start=start.ravel(),
        end=states.ravel(),
        conductance=np.asarray(r["conductance"], dtype=float).ravel(),
        initial_conductance=init_g[rows, cycle[cols]],
        start_captured=start_captured.ravel(),
        end_captured=captured.ravel(),
        n_notches=n_notches,
    )


@dataclass(frozen=True)
class PinnedTrials:
    """Bernoulli trials of pulses that started with the wall pinned at a notch: ``notch``
    (0-based notch index), ``voltage`` (|V|, V), ``depinned`` (1 if the wall left the notch in
    the pulse's direction, else 0)."""

    notch: np.ndarray
    voltage: np.ndarray
    depinned: np.ndarray


def pinned_trials(
    tr: PulseTransitions | list[PulseTransitions], direction: int = 1
) -> PinnedTrials:
    """The trials of :class:`PinnedTrials` for pulses of sign ``direction`` (+1 or -1) that
    start with the wall captured at a notch; a list of runs of one device is pooled."""
    if direction not in (1, -1):
        raise ValueError(f"direction: must be +1 or -1, got {direction!r}")
    if isinstance(tr, list | tuple):
        parts = [pinned_trials(t, direction) for t in tr]
        return PinnedTrials(
            *(
                np.concatenate([getattr(p, k) for p in parts])
                for k in ("notch", "voltage", "depinned")
            )
        )
    at_notch = (tr.start >= 1) & (tr.start <= tr.n_notches) & tr.start_captured
    sel = at_notch & (np.sign(tr.voltage) == direction)
    moved = (tr.jump * direction) > 0
    return PinnedTrials(
        notch=tr.start[sel] - 1,
        voltage=np.abs(tr.voltage[sel]),
        depinned=moved[sel].astype(np.int64),
    )


@dataclass(frozen=True)
class ThresholdFit:
    """Maximum-likelihood probit threshold law. ``model``: ``"free"`` (one mu per notch),
    ``"equal"`` (one mu) or ``"linear_width"`` (mu = a + b w); ``mu`` (V) per notch in
    ``notches``; ``sigma`` (V); ``coef`` the fitted mean-threshold parameters (V, and V/m for
    the width slope); ``loglik``; ``n_params``; ``n_trials``; ``identified`` per notch: False
    where its trials are all depinned or all held (its own mu has no finite ML estimate; only
    the pooled models constrain it)."""

    model: str
    notches: np.ndarray
    mu: np.ndarray
    sigma: float
    coef: np.ndarray
    loglik: float
    n_params: int
    n_trials: int
    identified: np.ndarray


def _design(model: str, notch_ids: np.ndarray, widths: np.ndarray | None) -> np.ndarray:
    """Matrix X with mu_k = X[k] @ coef, rows per notch in ``notch_ids``."""
    k = len(notch_ids)
    if model == "free":
        return np.eye(k)
    if model == "equal":
        return np.ones((k, 1))
    if model == "linear_width":
        if widths is None:
            raise ValueError("widths: the linear_width model needs the local width per notch")
        w = np.asarray(widths, dtype=float)
        if k < 2 or np.ptp(w) == 0:
            raise ValueError(
                "widths: a width trend needs trials at >= 2 notches of different width"
            )
        return np.column_stack([np.ones(k), (w - w.mean()) / w.std()])
    raise ValueError(f"model: unknown threshold model {model!r} (free, equal, linear_width)")


class FitNotConvergedError(ValueError):
    """A maximum-likelihood fit whose optimiser did not reach a stationary point; the message
    names the fit. Never returned as a silent non-fit."""


def _probit_nll_and_grad(
    theta: np.ndarray, x: np.ndarray, sign: np.ndarray, X: np.ndarray, idx: np.ndarray
) -> tuple[float, np.ndarray]:
    """Negative log-likelihood of ``P(y) = Phi(sign * (gamma x - (X beta)[idx]))`` and its
    gradient in ``theta = (beta..., gamma)``; convex in theta (probit GLM)."""
    beta, gamma = theta[:-1], theta[-1]
    z = gamma * x - (X @ beta)[idx]
    sz = sign * z
    log_cdf = log_ndtr(sz)
    # d/dz of -log Phi(s z) = -s phi(z) / Phi(s z), evaluated in logs (no 0/0 in the tails)
    dz = -sign * np.exp(-0.5 * z * z - 0.5 * np.log(2.0 * np.pi) - log_cdf)
    grad = np.empty_like(theta)
    grad[-1] = float(np.dot(dz, x))
    grad[:-1] = -X.T @ np.bincount(idx, weights=dz, minlength=X.shape[0])
    return -float(np.sum(log_cdf)), grad


def fit_thresholds(
    trials: PinnedTrials, model: str = "free", widths: dict[int, float] | None = None
) -> ThresholdFit:
    """Fit ``P(depin) = Phi((V - mu_k) / sigma)`` to ``trials`` (see the module docstring).

    ``widths``: local track width (m) per notch index, for ``model = "linear_width"``.

    The fit is done in the probit GLM's natural parameters, which make the likelihood convex:
    voltages standardised (``x = (V - mean V) / sd V``, dimensionless), ``gamma = sd V /
    sigma`` and ``beta = gamma (mu - mean V) / sd V`` on the design's columns (widths enter
    standardised too), with the floor ``sigma >= SIGMA_FLOOR_V`` as a bound on gamma. Raises
    :class:`FitNotConvergedError` when L-BFGS-B stops away from a stationary point.
    """
    notch_ids = np.unique(trials.notch)
    if notch_ids.size == 0:
        raise ValueError("trials: no pulse started with the wall pinned at a notch")
    idx = np.searchsorted(notch_ids, trials.notch)
    w = None if widths is None else np.array([widths[int(k)] for k in notch_ids])
    X = _design(model, notch_ids, w)
    v = np.asarray(trials.voltage, dtype=float)
    if not np.all(np.isfinite(v)):
        raise ValueError("trials.voltage: must be finite (V)")
    y = trials.depinned.astype(bool)
    v_mean = float(v.mean())
    v_sd = float(v.std()) if v.std() > 0 else max(abs(v_mean), 1.0)
    x = (v - v_mean) / v_sd
    sign = np.where(y, 1.0, -1.0)
    gamma_max = v_sd / SIGMA_FLOOR_V
    # box bounds keep the unidentified directions (a notch whose trials all depinned or all
    # held) finite: |mu - mean V| <= 1e3 sd V at the floor spread, far outside any data
    b_max = 1e3 * gamma_max
    bounds = [(-b_max, b_max)] * X.shape[1] + [(1e-9, gamma_max)]
    mu0 = np.array([np.median(x[idx == i]) for i in range(len(notch_ids))])
    gamma0 = min(2.0, gamma_max)
    theta0 = np.append(np.linalg.lstsq(X, gamma0 * mu0, rcond=None)[0], gamma0)
    res = minimize(
        _probit_nll_and_grad,
        theta0,
        args=(x, sign, X, idx),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 10000, "ftol": 1e-15, "gtol": 1e-9},
    )
    theta = res.x
    _, grad = _probit_nll_and_grad(theta, x, sign, X, idx)
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    # projected gradient: components pushing against an active bound do not count
    free_dir = ~(((theta <= lo) & (grad > 0)) | ((theta >= hi) & (grad < 0)))
    g_proj = float(np.max(np.abs(grad[free_dir]), initial=0.0))
    if not np.all(np.isfinite(theta)) or g_proj > 1e-4 * max(1.0, abs(float(res.fun))):
        raise FitNotConvergedError(
            f"fit_thresholds(model={model!r}): the likelihood maximisation did not converge "
            f"({res.message}; projected gradient {g_proj:.2e} after {res.nit} iterations)"
        )
    beta, gamma = theta[:-1], theta[-1]
    e = np.linalg.lstsq(X, np.ones(X.shape[0]), rcond=None)[0]  # the constant in X-space
    coef = v_mean * e + v_sd * beta / gamma
    if model == "linear_width":  # back to physical units: mu = a + b (w - mean w)
        coef = np.array([coef[0], coef[1] / w.std()])
    return ThresholdFit(
        model=model,
        notches=notch_ids,
        mu=v_mean + v_sd * (X @ beta) / gamma,
        sigma=float(v_sd / gamma),
        coef=coef,
        loglik=-float(res.fun),
        n_params=X.shape[1] + 1,
        n_trials=int(v.size),
        identified=np.array(
            [0 < y[idx == i].sum() < (idx == i).sum() for i in range(len(notch_ids))]
        ),
    )


@dataclass(frozen=True)
class LikelihoodRatioTest:
    """``statistic`` = 2 (LL_alt - LL_null), ``dof``, ``p_value`` (chi^2 survival)."""

    null: ThresholdFit
    alternative: ThresholdFit
    statistic: float
    dof: int
    p_value: float


def _lrt(null: ThresholdFit, alt: ThresholdFit) -> LikelihoodRatioTest:
    stat = max(0.0, 2.0 * (alt.loglik - null.loglik))
    dof = alt.n_params - null.n_params
    return LikelihoodRatioTest(null, alt, stat, dof, float(chi2.sf(stat, dof)))


def width_trend_test(trials: PinnedTrials, widths: dict[int, float]) -> LikelihoodRatioTest:
    """Equal thresholds (null) vs thresholds linear in the local width (1 extra parameter).
    The fitted slope is ``alternative.coef[1]`` (V/m)."""
    return _lrt(fit_thresholds(trials, "equal"), fit_thresholds(trials, "linear_width", widths))


def equal_threshold_test(trials: PinnedTrials) -> LikelihoodRatioTest:
    """Equal thresholds (null) vs one threshold per notch (K - 1 extra parameters)."""
    return _lrt(fit_thresholds(trials, "equal"), fit_thresholds(trials, "free"))


def same_thresholds_test(a: PinnedTrials, b: PinnedTrials) -> LikelihoodRatioTest:
    """Do two runs of one device (e.g. two numerical settings) have the same per-notch
    thresholds and thermal spread? Null: one free fit of the pooled trials; alternative: a free
    fit of each run (K + 1 extra parameters). Only notches with trials in both runs are used.
    ``alternative`` is the fit of ``a`` with its loglik replaced by the sum of both runs'."""
    common = np.intersect1d(np.unique(a.notch), np.unique(b.notch))
    if common.size == 0:
        raise ValueError("trials: the two runs share no notch with pinned trials")

    def keep(t: PinnedTrials) -> PinnedTrials:
        sel = np.isin(t.notch, common)
        return PinnedTrials(t.notch[sel], t.voltage[sel], t.depinned[sel])

    a, b = keep(a), keep(b)
    pooled = PinnedTrials(
        *(np.concatenate([getattr(a, k), getattr(b, k)]) for k in ("notch", "voltage", "depinned"))
    )
    null = fit_thresholds(pooled, "free")
    fit_a, fit_b = fit_thresholds(a, "free"), fit_thresholds(b, "free")
    alt = ThresholdFit(
        **{
            **fit_a.__dict__,
            "loglik": fit_a.loglik + fit_b.loglik,
            "n_params": fit_a.n_params + fit_b.n_params,
            "n_trials": fit_a.n_trials + fit_b.n_trials,
        }
    )
    return _lrt(null, alt)
