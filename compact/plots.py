"""Figures of the compact fit: depinning curves, posterior-predictive comparison (R-V cycles,
Fig. 3c state map, V_C and var, jump lengths), Eq. 1 (Fig. 4b) and the conductance levels.

Every figure is drawn in the project's style (:func:`paperstyle.paper_style`) on a
``matplotlib.figure.Figure`` (no pyplot: no backend or global figure state involved).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
from matplotlib.figure import Figure

from compact.artifact import CompactModel
from compact.depinning import depinning_trials
from compact.metaplasticity import f_meta
from compact.observations import Transitions
from compact.statistics import PredictiveCheck
from compact.workflow import FitResult
from paperstyle import COLORS, paper_style

#: Figure kind -> file name of :func:`fit_figures`.
FIT_FIGURE_FILES: dict[str, str] = {
    "depinning": "depinning.png",
    "predictive": "posterior_predictive.png",
    "f_meta": "metaplasticity_eq1.png",
    "levels": "levels.png",
}


def _subplots(
    *grid: int,
    figsize: tuple[float, float],
    layout: Literal["constrained", "compressed", "tight"] | None = None,
    **kwargs: Any,
) -> tuple[Figure, Any]:
    """A new Figure (``figsize`` in inches, ``layout`` engine) and its subplot grid
    (``Figure.subplots``)."""
    fig = Figure(figsize=figsize, layout=layout)
    return fig, fig.subplots(*grid, **kwargs)


@paper_style()
def plot_depinning(model: CompactModel, tr: Transitions, path: str | Path) -> Path:
    """P_dep vs |V| per notch and direction: observed frequencies (binomial 1-sigma bars)
    and the fitted law for each pulse width present."""
    trials, _ = depinning_trials(tr)
    keys = sorted(trials, key=lambda k: (-k[0], k[1]))
    n = max(len(keys), 1)
    fig, axes = _subplots(1, n, figsize=(3.0 * n, 2.8), squeeze=False, sharey=True)
    T = model.reference_conditions["temperature_K"]
    for ax, (d, k) in zip(axes[0], keys, strict=False):
        t = trials[(d, k)]
        law = (model.forward if d > 0 else model.reverse)[k]
        for i, w in enumerate(np.unique(t.pulse_width_s)):
            sel = t.pulse_width_s == w
            v_u, inv = np.unique(np.round(t.voltage_V[sel], 9), return_inverse=True)
            cnt = np.bincount(inv.ravel())
            frac = np.bincount(inv.ravel(), weights=t.depinned[sel]) / cnt
            err = np.sqrt(frac * (1 - frac) / cnt)
            c = COLORS[i % len(COLORS)]
            ax.errorbar(v_u, frac, err, fmt="o", ms=3, color=c, label=f"{w * 1e9:g} ns")
            if law is not None:
                vv = np.linspace(t.voltage_V.min() * 0.9, t.voltage_V.max() * 1.05, 200)
                ax.plot(vv, law.probability(vv, w, T), "-", color=c)
        ax.set_title(f"notch {k} ({'write' if d > 0 else 'reset'})", fontsize=9)
        ax.set_xlabel("|V| (V)")
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("P(depin or pass) per pulse")
    fig.suptitle(f"Depinning law: {model.law}", fontsize=10)
    return _save(fig, path)


@paper_style()
def plot_predictive(
    check: PredictiveCheck,
    model: CompactModel,
    path: str | Path,
    rng: np.random.Generator | None = None,
) -> Path:
    """Posterior-predictive comparison: data vs Monte Carlo from the fitted model."""
    rng = rng if rng is not None else np.random.default_rng(0)
    # float: a state without readings (None) becomes NaN and is not drawn
    r_mean = np.asarray(model.conductance["resistance_mean_ohm"], dtype=float)
    r_sig = np.asarray(model.conductance["resistance_sigma_ohm"], dtype=float)
    K = model.n_states
    fig, ax = _subplots(2, 3, figsize=(12, 6.5))
    # (a, b) R-V cycles: data and one replicate
    for a, states, title in (
        (ax[0, 0], check.data_states, "measured / input cycles"),
        (ax[0, 1], check.simulated_states[0], "model (Monte Carlo)"),
    ):
        for c in range(min(states.shape[0], 13)):
            ok = states[c] >= 0
            r = r_mean[states[c, ok]] + r_sig[states[c, ok]] * rng.standard_normal(ok.sum())
            a.plot(check.protocol_V[c, ok], r, ".-", ms=2, lw=0.6)
        a.set_xlabel("V (V)")
        a.set_ylabel("R_MTJ (ohm)")
        a.set_title(title, fontsize=9)
    # (c) state map (Fig. 3c): data as stacked areas, model as lines
    a = ax[0, 2]
    v = check.state_map_V
    cum_d = np.cumsum(check.state_map_data, axis=1)
    cum_m = np.cumsum(check.state_map_model, axis=1)
    lower = np.zeros_like(v)
    for k in range(K):
        a.fill_between(
            v,
            lower,
            cum_d[:, k],
            color=COLORS[k % len(COLORS)],
            alpha=0.45,
            step="mid",
            label=f"notch {k}",
        )
        a.plot(v, cum_m[:, k], "-", color=COLORS[k % len(COLORS)], lw=1.2)
        lower = cum_d[:, k]
    a.set_xlabel("V (V)")
    a.set_ylabel("cumulative P(state)")
    a.set_title("state map: data (areas), model (lines)", fontsize=9)
    a.legend(fontsize=6, loc="lower left")
    # (d) V_C per switch; (e) var per switch
    labels = [f"{'w' if d > 0 else 'r'}{k}" for d, k in check.switches]
    x = np.arange(len(labels))
    for a, model_stat, data_stat, ylabel in (
        (ax[1, 0], check.vc_mean_model, check.vc_mean_data, "V_C,avg (V)"),
        (ax[1, 1], 100 * check.var_model, 100 * check.var_data, "var (%)"),
    ):
        parts = [m[np.isfinite(m)] for m in model_stat.T]
        keep = [i for i, p in enumerate(parts) if p.size]
        if keep:
            a.violinplot([parts[i] for i in keep], positions=x[keep], showextrema=False)
        a.plot(x, data_stat, "kD", ms=5, label="data")
        a.set_xticks(x, labels)
        a.set_xlabel("switch (w = write, r = reset; notch left)")
        a.set_ylabel(ylabel)
        a.legend(fontsize=7)
    # (f) jump lengths
    a = ax[1, 2]
    jd = check.jumps_data[1]
    jm = check.jumps_model[1]
    n = np.arange(1, jd.size + 1)
    a.bar(n - 0.2, jd, 0.4, label="data")
    a.errorbar(
        n + 0.2,
        np.nanmean(jm, axis=0),
        np.nanstd(jm, axis=0),
        fmt="s",
        ms=4,
        label="model (mean +- sd)",
    )
    a.set_xlabel("notches moved per write switch")
    a.set_ylabel("frequency")
    a.legend(fontsize=7)
    fig.suptitle("Posterior-predictive check", fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


@paper_style()
def plot_metaplasticity(model: CompactModel, path: str | Path) -> Path:
    """Fig. 4b style: f = V_0/V_k vs wall position W with the Eq. 1 line through the ends."""
    m = model.metaplasticity
    if m is None:
        raise ValueError("metaplasticity: the model has no Eq. 1 fit")
    fig, ax = _subplots(figsize=(3.6, 3.0))
    W = np.asarray(m["W"])
    f = np.asarray(m["f"])
    err = None if m.get("f_se") is None else np.asarray(m["f_se"], dtype=float)
    if err is not None:  # an SE larger than f is not defined (near-step laws): no bar
        err = np.where(err > f, np.nan, err)
    ax.errorbar(W, f, err, fmt="o", color=COLORS[2], label="V_C(0) / V_C(W)")
    ww = np.linspace(0, 1, 100)
    ax.plot(
        ww,
        f_meta(ww, m["w1_over_w2"]),
        "-",
        color="k",
        label=f"Eq. 1, w1/w2 = V_0/V_last = {m['w1_over_w2']:.3f}",
    )
    if m.get("eq1_describes_data") is False:
        ax.set_title(
            f"Eq. 1 does not describe the points (RMS {m['rms_residual']:.3f})", fontsize=7
        )
    ax.set_xlabel("normalised wall position W")
    ax.set_ylabel("f_meta")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=7)
    return _save(fig, path)


@paper_style()
def plot_conductance_levels(model: CompactModel, path: str | Path) -> Path:
    """Mean conductance of each notch state (mS) with its cycle-to-cycle spread sigma_G
    (error bars) and the number of readings; a state never read has no level."""
    c = model.conductance

    def in_ms(values: list) -> np.ndarray:  # None (a state never read: no level) -> NaN
        return 1e3 * np.array([np.nan if v is None else v for v in values], dtype=float)

    g, s = in_ms(c["mean_S"]), in_ms(c["sigma_S"])
    states = np.arange(len(g))
    fig, ax = _subplots(figsize=(4.2, 3.0), layout="constrained")
    ax.errorbar(states, g, s, fmt="o", capsize=3, color=COLORS[3])
    for k, n in enumerate(c.get("n_readings") or []):
        if np.isnan(g[k]):
            ax.axvline(states[k], color="0.8", ls=":", lw=1)
            ax.annotate(
                "never read",
                (states[k], np.nanmin(g)),
                fontsize=7,
                rotation=90,
                color="0.4",
                textcoords="offset points",
                xytext=(3, 0),
            )
            continue
        ax.annotate(
            f"n={n}", (states[k], g[k]), textcoords="offset points", xytext=(4, 4), fontsize=7
        )
    ax.set_xlabel("state (0 = the first state the wall reached)")
    ax.set_ylabel("conductance G (mS)")
    ax.set_xticks(states)
    ax.set_title(
        f"{model.name}: {int(np.isfinite(g).sum())} levels of {len(g)} states, "
        "sigma_G (RMS) "
        f"{c['write_sigma_S'] * 1e6:.3g} uS",
        fontsize=8,
    )
    ax.grid(alpha=0.3)
    return _save(fig, path)


def fit_figures(result: FitResult, folder: str | Path, prefix: str = "") -> dict[str, Path]:
    """The figures of a fit in ``folder``: kind -> file ``<prefix><FIT_FIGURE_FILES[kind]>``
    (depinning laws, posterior-predictive check, conductance levels, and Eq. 1 when the
    model has it)."""
    folder = Path(folder)

    def path(kind: str) -> Path:
        return folder / f"{prefix}{FIT_FIGURE_FILES[kind]}"

    model = result.model
    figures = {
        "depinning": plot_depinning(model, result.transitions, path("depinning")),
        "predictive": plot_predictive(result.check, model, path("predictive")),
        "levels": plot_conductance_levels(model, path("levels")),
    }
    if model.metaplasticity is not None:
        figures["f_meta"] = plot_metaplasticity(model, path("f_meta"))
    return figures


def _save(fig: Figure, path: str | Path, dpi: int = 130) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p, dpi=dpi, bbox_inches="tight")
    return p
