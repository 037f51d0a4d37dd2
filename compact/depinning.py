"""Per-notch depinning laws fitted by maximum likelihood.

Every pulse that starts at notch k (or sweeps past it) is a Bernoulli trial for notch k:
did the wall get past notch k's pinning barrier during the pulse? Two laws for the
probability of that per pulse of amplitude |V| (V), duration t_p (s) at temperature T (K):

* ``"arrhenius"``: thermally activated escape over a barrier that the drive lowers,
  ``P = 1 - exp(-(t_p / tau0) exp(-E_k (1 - |V|/V_k)^beta / (k_B T)))`` with E_k in eV,
  V_k (V) the zero-barrier voltage, beta fitted or fixed (1, 1.5, 2), tau0 (s) fixed
  (attempt time, 1 ns by default);
* ``"normal"``: a threshold drawn afresh for each pulse, ``V_c ~ N(mu_k, sigma_k)``, so
  ``P = Phi((|V| - mu_k) / sigma_k)``; it has no pulse-width or temperature dependence.

Why the activation law matters: its explicit t_p and T dependence is what lets short
simulated pulses (a few ns, what micromagnetics affords) inform the 50 ns pulses of the
experiments. Fitted on two pulse widths, it predicts the threshold at a third width
(tested in ``tests/test_compact_depinning.py``); the normal law cannot.

Uncertainties come from the observed information (numerical Hessian of the negative
log-likelihood at the optimum, ``scipy.differentiate.hessian``) or from a bootstrap over
trials. Model choice between laws is by AIC summed over notches.

A notch whose trials are all successes, all failures, or perfectly separated in V has no
finite maximum-likelihood estimate; it gets a ``"step"`` law at the separating voltage and
``identified = False``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import Field, model_validator
from scipy.differentiate import hessian
from scipy.optimize import minimize
from scipy.special import log_ndtr, ndtr
from scipy.stats import chi2

from compact.observations import Transitions
from geometries.validation import Flag, Int, Real, TypedConfig, config_dataclass, quantity
from physics.experiment.run_statistics import FitNotConvergedError

K_B_EV = 8.617333262e-5  # Boltzmann constant (eV/K)
DEFAULT_TAU0_S = 1e-9
FIXED_BETAS = (1.0, 1.5, 2.0)
LAW_KINDS = ("normal", "arrhenius", "step")


class AttemptTimeError(ValueError):
    """The activation law cannot describe pulses shorter than tau0 ln 2 (its rate
    t_p / tau0 is then below ln 2 even with no barrier)."""


PARAM_NAMES = {
    "normal": ("mu_V", "sigma_V"),
    "arrhenius": ("V0_V", "E_eV", "beta"),
    "step": ("threshold_V",),
}


@dataclass(frozen=True)
class Trials:
    """Bernoulli depinning trials of one notch in one direction."""

    voltage_V: np.ndarray  # |V| (V)
    pulse_width_s: np.ndarray
    temperature_K: np.ndarray
    depinned: np.ndarray  # 0/1
    # probability that the notch was within the moving wall's reach (compact.transport):
    # the trial succeeds with within_reach * P_dep; None = 1 (pinned walls, no reach limit)
    within_reach: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.depinned.size)


@config_dataclass
class NotchLaw(TypedConfig):
    """A fitted depinning law of one notch in one direction (JSON-serialisable)."""

    kind: Literal["normal", "arrhenius", "step"] = Field(description="the law (module doc)")
    params: dict[str, Real] = Field(
        description="normal: mu_V, sigma_V (V); arrhenius: V0_V (V), E_eV (eV), beta; "
        "step: threshold_V (V)"
    )
    stderr: dict[str, Real | None] = Field(
        default_factory=dict, description="standard errors of params (None: not defined)"
    )
    covariance: list[list[Real]] | None = Field(
        None, description="covariance of the fitted params (natural units)"
    )
    tau0_s: Real = quantity(DEFAULT_TAU0_S, unit="s", description="attempt time", gt=0)
    beta_fixed: Flag = Field(True, description="arrhenius beta fixed (not fitted)")
    n_trials: Int = quantity(0, unit="", description="Bernoulli trials fitted", ge=0)
    n_depinned: Int = quantity(0, unit="", description="trials that depinned", ge=0)
    log_likelihood: Real = quantity(0.0, unit="", description="maximum log-likelihood")
    aic: Real = quantity(0.0, unit="", description="Akaike information criterion")
    gof_chi2: Real | None = quantity(None, unit="", description="goodness-of-fit chi^2", ge=0)
    gof_dof: Int | None = quantity(None, unit="", description="its degrees of freedom", ge=1)
    gof_p: Real | None = quantity(None, unit="", description="its p-value", ge=0, le=1)
    identified: Flag = Field(True, description="a finite maximum-likelihood estimate exists")
    assumed: Flag = Field(False, description="not measured: an assumed law (presets)")

    @model_validator(mode="after")
    def _has_params(self) -> NotchLaw:
        missing = [p for p in PARAM_NAMES[self.kind] if p not in self.params]
        if missing:
            raise ValueError(f"params: law {self.kind!r} needs {missing}")
        return self

    @property
    def n_params(self) -> int:
        if self.kind == "arrhenius":
            return 2 if self.beta_fixed else 3
        return len(PARAM_NAMES[self.kind])

    def probability(
        self,
        voltage_V: np.ndarray,
        pulse_width_s: np.ndarray | float = 50e-9,
        temperature_K: np.ndarray | float = 300.0,
    ) -> np.ndarray:
        """Depinning probability per pulse of amplitude |V| (V), width (s), temperature (K)."""
        v = np.abs(np.asarray(voltage_V, dtype=float))
        p = self.params
        if self.kind == "normal":
            return ndtr((v - p["mu_V"]) / p["sigma_V"])
        if self.kind == "step":
            return (v >= p["threshold_V"]).astype(float) * np.ones_like(
                np.asarray(pulse_width_s, dtype=float) * np.asarray(temperature_K, dtype=float)
            )
        lr = _log_rate(
            v, pulse_width_s, temperature_K, p["V0_V"], p["E_eV"], p["beta"], self.tau0_s
        )
        return -np.expm1(-np.exp(lr))

    def median_threshold_V(
        self, pulse_width_s: float = 50e-9, temperature_K: float = 300.0
    ) -> float:
        """Amplitude |V| (V) at which a pulse depins with probability 1/2."""
        p = self.params
        if self.kind == "normal":
            return float(p["mu_V"])
        if self.kind == "step":
            return float(p["threshold_V"])
        L = np.log(pulse_width_s / self.tau0_s) - np.log(np.log(2.0))
        if L <= 0:
            return float(p["V0_V"])
        x = (L * K_B_EV * temperature_K / p["E_eV"]) ** (1.0 / p["beta"])
        return float(p["V0_V"] * (1.0 - min(x, 1.0)))

    def threshold_spread_V(
        self, pulse_width_s: float = 50e-9, temperature_K: float = 300.0
    ) -> float:
        """Spread of the threshold (V): sigma for the normal law, (V_84 - V_16)/2 otherwise."""
        if self.kind == "normal":
            return float(self.params["sigma_V"])
        if self.kind == "step":
            return 0.0
        vq = _quantile_voltages(self, (ndtr(-1.0), ndtr(1.0)), pulse_width_s, temperature_K)
        return float(0.5 * (vq[1] - vq[0]))


def _quantile_voltages(
    law: NotchLaw, q: tuple[float, ...], width: float, temp: float
) -> np.ndarray:
    """|V| at which the activation law reaches depinning probabilities ``q``."""
    p = law.params
    L = np.log(width / law.tau0_s) - np.log(-np.log1p(-np.asarray(q)))
    x = np.clip(L * K_B_EV * temp / p["E_eV"], 0.0, 1.0) ** (1.0 / p["beta"])
    return p["V0_V"] * (1.0 - x)


def _log_rate(
    v: np.ndarray,
    width: np.ndarray | float,
    temp: np.ndarray | float,
    v0: np.ndarray | float,
    e_ev: np.ndarray | float,
    beta: np.ndarray | float,
    tau0: float,
) -> np.ndarray:
    x = np.clip(1.0 - v / v0, 0.0, None)
    return np.log(np.asarray(width) / tau0) - e_ev * x**beta / (K_B_EV * np.asarray(temp))


def _nll(kind: str, theta: np.ndarray, t: Trials, beta: float | None, tau0: float) -> np.ndarray:
    """Negative log-likelihood for natural parameters ``theta`` (shape (m, *batch)).

    A trial with ``within_reach`` s < 1 succeeds with probability s P_dep (a passing wall
    must both overcome the barrier and still be moving); s = 1 is the plain Bernoulli trial.
    """
    th = [np.asarray(c)[..., None] for c in theta]
    y = t.depinned
    s = None if t.within_reach is None else np.clip(t.within_reach, 1e-12, 1.0)
    if kind == "normal":
        mu, sig = th
        with np.errstate(invalid="ignore", divide="ignore"):
            z = (t.voltage_V - mu) / sig
            ll = y * log_ndtr(z) + (1 - y) * log_ndtr(-z)
            if s is not None:
                ll = np.where(
                    s < 1, y * (np.log(s) + log_ndtr(z)) + (1 - y) * np.log1p(-s * ndtr(z)), ll
                )
        ll = np.where(sig > 0, ll, -np.inf)
    else:
        v0, e_ev = th[0], th[1]
        b = th[2] if beta is None else beta
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            rate = np.exp(
                np.clip(
                    _log_rate(t.voltage_V, t.pulse_width_s, t.temperature_K, v0, e_ev, b, tau0),
                    -700,
                    700,
                )
            )
            p_dep = -np.expm1(-rate)
            ll = y * np.log(p_dep) + (1 - y) * (-rate)
            if s is not None:
                ll = np.where(
                    s < 1, y * (np.log(s) + np.log(p_dep)) + (1 - y) * np.log1p(-s * p_dep), ll
                )
        ll = np.where((v0 > 0) & (e_ev > 0) & (np.asarray(b) > 0), ll, -np.inf)
    return -np.sum(ll, axis=-1)


def _to_natural(kind: str, u: np.ndarray) -> np.ndarray:
    return np.array([u[0], np.exp(u[1])]) if kind == "normal" else np.exp(u)


def _gof(law: NotchLaw, t: Trials) -> tuple[float, int, float]:
    """Pearson chi^2 of depinned counts grouped by (|V|, width, T) against the law."""
    key = np.stack([np.round(t.voltage_V, 9), t.pulse_width_s, t.temperature_K], axis=1)
    groups, inv = np.unique(key, axis=0, return_inverse=True)
    inv = inv.ravel()
    n = np.bincount(inv).astype(float)
    k = np.bincount(inv, weights=t.depinned.astype(float))
    p = np.clip(law.probability(groups[:, 0], groups[:, 1], groups[:, 2]), 1e-9, 1 - 1e-9)
    stat = float(np.sum((k - n * p) ** 2 / (n * p * (1 - p))))
    dof = max(int(groups.shape[0]) - law.n_params, 1)
    return stat, dof, float(chi2.sf(stat, dof))


def _step_law(t: Trials, tau0: float) -> NotchLaw:
    v, y = t.voltage_V, t.depinned.astype(bool)
    if y.all():
        thr = float(v.min())
    elif not y.any():
        thr = float(np.nextafter(v.max(), np.inf))
    else:
        thr = 0.5 * float(v[~y].max() + v[y].min())
    return NotchLaw(
        kind="step",
        params={"threshold_V": thr},
        stderr={"threshold_V": None},
        tau0_s=tau0,
        n_trials=t.n,
        n_depinned=int(y.sum()),
        log_likelihood=0.0,
        aic=0.0,
        identified=False,
    )


def is_separable(t: Trials) -> bool:
    """True if no finite MLE exists: all one outcome, or failures all below successes."""
    y = t.depinned.astype(bool)
    if y.all() or not y.any():
        return True
    return bool(t.voltage_V[~y].max() < t.voltage_V[y].min())


def fit_notch(
    t: Trials,
    kind: str,
    beta: float | None = 1.5,
    tau0_s: float = DEFAULT_TAU0_S,
    bootstrap: int = 0,
    rng: np.random.Generator | None = None,
) -> NotchLaw:
    """Maximum-likelihood fit of one law to one notch's trials.

    ``beta=None`` fits the activation exponent (arrhenius only). ``bootstrap > 0`` replaces
    the Hessian standard errors by the spread of that many bootstrap refits.
    """
    if t.n == 0:
        raise ValueError("trials: no depinning trials for this notch")
    if kind not in ("normal", "arrhenius"):
        raise ValueError(f"law: unknown law {kind!r}; choose 'normal' or 'arrhenius'")
    if is_separable(t):
        return _step_law(t, tau0_s)
    u_best, finite = _optimise(kind, t, beta, tau0_s)
    theta = _to_natural(kind, u_best)
    nll = float(_nll(kind, theta, t, beta, tau0_s))
    names = list(PARAM_NAMES[kind])
    if kind == "arrhenius" and beta is not None:
        names = names[:2]
    cov = _covariance(kind, theta, t, beta, tau0_s) if finite else None
    if bootstrap > 0 and finite:
        cov = _bootstrap_covariance(kind, t, beta, tau0_s, bootstrap, rng, u_best)
    se = {
        n: (float(np.sqrt(cov[i, i])) if cov is not None and cov[i, i] >= 0 else None)
        for i, n in enumerate(names)
    }
    params = dict(zip(names, (float(x) for x in theta), strict=True))
    if kind == "arrhenius" and beta is not None:
        params["beta"] = float(beta)
        se["beta"] = 0.0
    k = len(names)
    law = NotchLaw(
        kind=kind,
        params=params,
        stderr=se,
        covariance=None if cov is None else cov.tolist(),
        tau0_s=tau0_s,
        beta_fixed=(kind != "arrhenius" or beta is not None),
        n_trials=t.n,
        n_depinned=int(t.depinned.sum()),
        log_likelihood=-nll,
        aic=2 * k + 2 * nll,
        identified=finite,
    )
    c2, dof, pval = _gof(law, t)
    return NotchLaw(**{**law.__dict__, "gof_chi2": c2, "gof_dof": dof, "gof_p": pval})


def _starts(kind: str, t: Trials, beta: float | None, tau0: float) -> list[np.ndarray]:
    v, y = t.voltage_V, t.depinned
    # normal start: midpoint of the overlap region, spread from its width
    lo, hi = v[y == 1].min(), v[y == 0].max()
    mu0 = 0.5 * (lo + hi)
    s0 = max(abs(hi - lo) / 4, 1e-3 * max(abs(mu0), 1e-3))
    if kind == "normal":
        return [np.array([mu0, np.log(s0)])]
    width, temp = float(np.median(t.pulse_width_s)), float(np.median(t.temperature_K))
    L = np.log(width / tau0) - np.log(np.log(2.0))
    if L <= 0:
        raise AttemptTimeError(
            f"tau0_s: attempt time {tau0} s must be shorter than the pulses "
            f"(median width {width:g} s; the activation law needs width > tau0 ln 2)"
        )
    starts = []
    for b in [beta] if beta is not None else list(FIXED_BETAS):
        for e_kt in (5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 640.0):
            if L / e_kt >= 1:
                continue
            v0 = mu0 / (1.0 - (L / e_kt) ** (1.0 / b))
            u = [np.log(v0), np.log(e_kt * K_B_EV * temp)]
            if beta is None:
                u.append(np.log(b))
            starts.append(np.array(u))
    nll = [float(_nll(kind, _to_natural(kind, u), t, beta, tau0)) for u in starts]
    order = np.argsort(nll)
    return [starts[i] for i in order[:3]]


def _optimise(
    kind: str, t: Trials, beta: float | None, tau0: float, starts: list[np.ndarray] | None = None
) -> tuple[np.ndarray, bool]:
    """Maximise the likelihood from several starts: (best u, finite).

    ``finite`` is False when the maximum lies at infinity: the parameters run far outside what
    the trials' voltages resolve while the likelihood stays flat to round-off (a notch whose
    outcomes do not depend on V: the normal law's mu -> -inf or sigma -> inf).
    That law is kept (it predicts the constant probability) and reported as not identified.
    Any other stop before convergence raises :class:`FitNotConvergedError`.
    """

    def f(u: np.ndarray) -> float:
        val = float(_nll(kind, _to_natural(kind, u), t, beta, tau0))
        return val if np.isfinite(val) else 1e300

    best = None
    for u0 in starts or _starts(kind, t, beta, tau0):
        res = minimize(
            f, u0, method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-10, "maxiter": 5000}
        )
        res = minimize(
            f,
            res.x,
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000},
        )
        if best is None or res.fun < best.fun:
            best = res
    if best is not None and best.fun < 1e300:
        away = _runs_away(kind, _to_natural(kind, best.x), t)
        if best.success:
            return best.x, not away
        values = np.asarray(best.final_simplex[1])
        if away and float(np.ptp(values)) <= 1e-9 * max(1.0, abs(float(best.fun))):
            return best.x, False
    message = "no start" if best is None else best.message
    raise FitNotConvergedError(
        f"depinning law {kind!r} fit: the likelihood maximisation did not converge ({message})"
    )


def _runs_away(kind: str, theta: np.ndarray, t: Trials) -> bool:
    """Parameters far outside anything the trials' voltages can resolve (V, eV)."""
    scale = float(np.max(np.abs(t.voltage_V)))
    if kind == "normal":
        return abs(float(theta[0])) > 1e3 * scale or float(theta[1]) > 1e3 * scale
    return float(theta[0]) > 1e3 * scale or float(theta[1]) > 1e3


def _covariance(
    kind: str, theta: np.ndarray, t: Trials, beta: float | None, tau0: float
) -> np.ndarray | None:
    """Inverse observed information at the optimum, in natural parameters."""
    scale = np.abs(theta) * 0.02
    if kind == "normal":
        scale = np.array([theta[1], theta[1]]) * 0.2

    def f(u: np.ndarray) -> np.ndarray:
        x = (
            theta.reshape((-1,) + (1,) * (u.ndim - 1))
            + scale.reshape((-1,) + (1,) * (u.ndim - 1)) * u
        )
        return _nll(kind, x, t, beta, tau0)

    res = hessian(f, np.zeros(theta.size), initial_step=0.5, maxiter=8)
    h = np.asarray(res.ddf) / np.outer(scale, scale)
    if not np.all(np.isfinite(h)):
        return None
    try:
        cov = np.linalg.inv(h)
    except np.linalg.LinAlgError:
        return None
    if np.any(np.diag(cov) < 0):
        return None
    return 0.5 * (cov + cov.T)


def _bootstrap_covariance(
    kind: str,
    t: Trials,
    beta: float | None,
    tau0: float,
    n: int,
    rng: np.random.Generator | None,
    u_best: np.ndarray,
) -> np.ndarray:
    rng = rng if rng is not None else np.random.default_rng(0)
    thetas = []
    for _ in range(n):
        i = rng.integers(0, t.n, t.n)
        tb = Trials(
            t.voltage_V[i],
            t.pulse_width_s[i],
            t.temperature_K[i],
            t.depinned[i],
            None if t.within_reach is None else t.within_reach[i],
        )
        if is_separable(tb):
            continue
        thetas.append(_to_natural(kind, _optimise(kind, tb, beta, tau0, [u_best])[0]))
    if len(thetas) < 2:
        raise ValueError("bootstrap: too few resamples with a finite maximum-likelihood fit")
    return np.atleast_2d(np.cov(np.array(thetas).T))


# --------------------------------------------------------------------------- trials


def depinning_trials(
    tr: Transitions, reach_rate_per_s: float | None = None
) -> tuple[dict[tuple[int, int], Trials], int]:
    """Split transitions into Bernoulli trials per (direction, notch).

    direction +1 (V > 0, IN -> CLK) or -1. A pulse from k that ends at j counts as
    "depinned" for k, "passed" (also a success) for every notch strictly between, and
    "held" (a failure) for j unless j is the end of the track. Pulses that move the wall
    against their polarity (and V = 0 pulses) contribute no trials; their count is returned.
    With a reach rate u (notch spacings per second of pulse, :mod:`compact.transport`) the
    passed and held trials at distance n from k carry ``within_reach = clip(u t_p - n, 0, 1)``.
    """
    K = tr.n_states
    acc: dict[tuple[int, int], list[list[float]]] = {}
    n_ignored = 0
    u = None if reach_rate_per_s is None else float(reach_rate_per_s)
    start = 0

    def add(d: int, k: int, v: float, w: float, T: float, y: int) -> None:
        reach = 1.0 if u is None or k == start else min(max(u * w - abs(k - start), 0.0), 1.0)
        acc.setdefault((d, k), []).append([abs(v), w, T, y, reach])

    for v, w, T, s, e in zip(
        tr.voltage_V, tr.pulse_width_s, tr.temperature_K, tr.start_notch, tr.end_notch, strict=True
    ):
        d = 1 if v > 0 else (-1 if v < 0 else 0)
        end_state = K - 1 if d > 0 else 0
        if d == 0 or (e - s) * d < 0:
            n_ignored += int(e != s or d != 0)
            continue
        if s == end_state:
            continue
        start = s
        if e == s:
            add(d, s, v, w, T, 0)
            continue
        add(d, s, v, w, T, 1)
        for i in range(s + d, e, d):
            add(d, i, v, w, T, 1)
        if e != end_state:
            add(d, e, v, w, T, 0)
    out = {}
    for key, rows in acc.items():
        a = np.array(rows)
        out[key] = Trials(
            a[:, 0], a[:, 1], a[:, 2], a[:, 3].astype(np.int64), None if u is None else a[:, 4]
        )
    return out, n_ignored


# --------------------------------------------------------------------------- device level


@dataclass(frozen=True)
class DeviceLaws:
    """Depinning laws of every notch: ``forward[k]`` (V > 0) and ``reverse[k]`` (V < 0).

    ``forward[K-1]`` and ``reverse[0]`` are ``None`` (ends of the track); a notch never
    observed in a direction is ``None`` and holds the wall in that direction.
    ``reach_rate_per_s`` is the transport model's reach rate u (notch spacings a moving wall
    can cover per second of pulse, :mod:`compact.transport`; None = no limit).
    """

    n_states: int
    law: str
    forward: list[NotchLaw | None]
    reverse: list[NotchLaw | None]
    aic_by_law: dict[str, float] = field(default_factory=dict)
    reach_rate_per_s: float | None = None

    def depinning_probabilities(
        self, voltage_V: np.ndarray, pulse_width_s: np.ndarray, temperature_K: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per-notch P_dep for forward and reverse pulses; arrays of shape (*V.shape, K)."""
        v = np.asarray(voltage_V, dtype=float)
        shape = v.shape + (self.n_states,)
        out = []
        for laws in (self.forward, self.reverse):
            p = np.zeros(shape)
            for k, law in enumerate(laws):
                if law is not None:
                    p[..., k] = law.probability(v, pulse_width_s, temperature_K)
            out.append(p)
        return out[0], out[1]


def _candidates(law: str, beta: float | str | None) -> list[tuple[str, float | None]]:
    if law == "normal":
        return [("normal", None)]
    if law == "arrhenius":
        if beta == "free":
            return [("arrhenius", None)]
        if beta is not None:
            return [("arrhenius", float(beta))]
        return [("arrhenius", b) for b in FIXED_BETAS]
    if law == "auto":
        return [("normal", None)] + _candidates("arrhenius", beta)
    raise ValueError(f"law: unknown law {law!r}; choose auto, arrhenius or normal")


def candidate_name(kind: str, beta: float | None) -> str:
    if kind == "normal":
        return "normal"
    return "arrhenius(beta=free)" if beta is None else f"arrhenius(beta={beta:g})"


def fit_device_laws(
    tr: Transitions,
    law: str = "auto",
    beta: float | str | None = None,
    tau0_s: float = DEFAULT_TAU0_S,
    bootstrap: int = 0,
    rng: np.random.Generator | None = None,
    reach_rate_per_s: float | None = None,
) -> DeviceLaws:
    """Fit every notch with each candidate law and keep the law with the lowest total AIC.

    ``law``: ``"auto"``, ``"arrhenius"`` or ``"normal"``; ``beta``: a fixed exponent,
    ``"free"`` to fit it, or ``None`` to try 1, 1.5 and 2 (chosen by AIC). With ``"auto"``,
    the activation law is skipped (with a warning) where the pulses are shorter than
    ``tau0_s`` ln 2, which it cannot describe; ``"arrhenius"`` then raises
    :class:`AttemptTimeError` (a ValueError naming ``tau0_s``).
    ``reach_rate_per_s``: the transport model's reach rate (None = no limit), which makes
    passing and holding trials of moving walls depend on the reach (see
    :func:`depinning_trials`); it is stored in the returned laws.
    """
    trials, _ = depinning_trials(tr, reach_rate_per_s)
    if not trials:
        raise ValueError("observations: no pulse moved or tried to move the wall (all V = 0?)")
    skipped: list[str] = []
    fits: dict[str, dict[tuple[int, int], NotchLaw]] = {}
    aic: dict[str, float] = {}
    for kind, b in _candidates(law, beta):
        name = candidate_name(kind, b)
        try:
            fits[name] = {key: fit_notch(t, kind, b, tau0_s) for key, t in trials.items()}
        except AttemptTimeError as exc:
            if law != "auto":
                raise
            # "auto" chooses among the laws that can describe the data: pulses shorter than
            # the attempt time leave the normal law (said once, not as an error).
            if kind == "arrhenius" and not any(n.startswith("arrhenius") for n in skipped):
                warnings.warn(f"law auto: {name} skipped: {exc}", stacklevel=2)
            skipped.append(name)
            continue
        aic[name] = float(sum(f.aic for f in fits[name].values() if f.identified))
    best = min(aic, key=lambda name: aic[name])
    chosen = fits[best]
    if bootstrap > 0:
        kind, b = next((k, bb) for k, bb in _candidates(law, beta) if candidate_name(k, bb) == best)
        chosen = {
            key: (fit_notch(trials[key], kind, b, tau0_s, bootstrap, rng) if f.identified else f)
            for key, f in chosen.items()
        }
    K = tr.n_states
    fwd: list[NotchLaw | None] = [chosen.get((1, k)) for k in range(K)]
    rev: list[NotchLaw | None] = [chosen.get((-1, k)) for k in range(K)]
    return DeviceLaws(
        n_states=K,
        law=best,
        forward=fwd,
        reverse=rev,
        aic_by_law=aic,
        reach_rate_per_s=reach_rate_per_s,
    )
