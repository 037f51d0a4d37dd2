"""What a fitted compact model says, as numbers and as a text table.

:func:`thresholds` lists the per-notch thresholds with the rule that decides whether the data
identify them; :func:`summary_table` is the table ``dwmtj fit`` prints and the demo's fit
stage stores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from compact.artifact import CompactModel
from compact.metaplasticity import threshold_with_se
from compact.statistics import PredictiveCheck

#: A threshold whose standard error exceeds this fraction of its value is not identified.
MAX_RELATIVE_SE = 1.0


@dataclass(frozen=True)
class Threshold:
    """One notch's depinning threshold at the model's reference pulse width and temperature.

    ``v50_V``: the median threshold (V, the model's value); ``se_V``: its standard error (V,
    delta method), None when not identified; ``spread_V``: the threshold spread (V);
    ``identified``: the law was fitted (not a step at the separating voltage) and its standard
    error is finite and below :data:`MAX_RELATIVE_SE` times the threshold, i.e. the data pin
    the threshold down.
    """

    direction: str  # "write" (forward) or "reset" (reverse)
    state: int
    v50_V: float
    se_V: float | None
    spread_V: float
    trials: int
    aic: float
    gof_p: float | None
    identified: bool
    assumed: bool


def thresholds(model: CompactModel) -> list[Threshold]:
    """Every fitted threshold of ``model``: write (forward) laws, then reset (reverse) laws."""
    w = model.reference_conditions["pulse_width_s"]
    T = model.reference_conditions["temperature_K"]
    out = []
    for direction, laws in (("write", model.forward), ("reset", model.reverse)):
        for k, law in enumerate(laws):
            if law is None:
                continue
            v, se = threshold_with_se(law, w, T)
            identified = law.identified and math.isfinite(se) and se <= MAX_RELATIVE_SE * abs(v)
            out.append(
                Threshold(
                    direction=direction,
                    state=k,
                    v50_V=float(v),
                    se_V=float(se) if identified else None,
                    spread_V=float(law.threshold_spread_V(w, T)),
                    trials=int(law.n_trials),
                    aic=float(law.aic),
                    gof_p=law.gof_p,
                    identified=identified,
                    assumed=bool(law.assumed),
                )
            )
    return out


def summary_table(model: CompactModel, check: PredictiveCheck | None = None) -> str:
    """Text table: per-notch thresholds, spreads, trials, AIC and goodness of fit; levels,
    transport, Eq. 1 and (with ``check``) the posterior-predictive comparison."""
    w = model.reference_conditions["pulse_width_s"]
    T = model.reference_conditions["temperature_K"]
    lines = [
        f"model {model.name!r}: {model.n_states} states, law {model.law} "
        f"(thresholds at {w * 1e9:g} ns, {T:g} K)"
    ]
    if model.aic_by_law:
        lines.append(
            "AIC by law: "
            + ", ".join(
                f"{k} {v:.1f}" for k, v in sorted(model.aic_by_law.items(), key=lambda kv: kv[1])
            )
        )
    head = (
        f"{'dir':>5} {'notch':>5} {'V50 (V)':>9} {'+-':>7} {'spread (V)':>10} "
        f"{'trials':>6} {'AIC':>8} {'GoF p':>7}  note"
    )
    lines += [head, "-" * len(head)]
    for t in thresholds(model):
        note = "assumed" if t.assumed else ("" if t.identified else "not identified")
        se = "-" if t.se_V is None else f"{t.se_V:.4f}"
        gof = "" if t.gof_p is None else f"{t.gof_p:.3f}"
        lines.append(
            f"{t.direction:>5} {t.state:>5} {t.v50_V:>9.4f} {se:>7} "
            f"{t.spread_V:>10.4f} {t.trials:>6} {t.aic:>8.1f} {gof:>7}  {note}"
        )
    c = model.conductance
    lines.append(
        "levels: "
        + ", ".join(
            "never read" if r is None else f"{r:.2f}+-{s:.2f} ohm ({e:.2f}%)"
            for r, s, e in zip(
                c["resistance_mean_ohm"],
                c["resistance_sigma_ohm"],
                c["relative_error_pct"],
                strict=True,
            )
        )
    )
    lines.append(
        f"conductance {c['min_S'] * 1e3:.4g}-{c['max_S'] * 1e3:.4g} mS, "
        f"sigma_G (RMS) {c['write_sigma_S'] * 1e6:.3g} uS"
    )
    tm = model.transition_model
    if "reach_rate_per_s" in tm:
        u, se = tm["reach_rate_per_s"], tm.get("reach_rate_se_per_s")
        src = (
            f"ML from {tm.get('reach_n_moves', 0)} moves, "
            f"{tm.get('reach_n_passes', 0)} notches passed"
        )
        if u is None:
            lines.append(f"transport: no reach limit ({src})")
        else:
            se_txt = "" if se is None else f" +- {se * w:.3f}"
            lines.append(
                f"transport: reach {u * w:.3f}{se_txt} notch spacings per {w * 1e9:g} ns "
                f"pulse (u = {u * 1e-9:.3f} per ns; {src})"
            )
    m = model.metaplasticity
    if m is not None:
        delta = "n/a" if m["delta"] is None else f"{m['delta']:.2f}"
        se = m.get("w1_over_w2_se")
        if se is None or not math.isfinite(se):
            se_txt = ""
        elif se > MAX_RELATIVE_SE * abs(m["w1_over_w2"]):  # an end threshold not identified
            se_txt = " (SE not defined)"
        else:
            se_txt = f" +- {se:.3f}"
        max_txt = "" if m.get("max_residual") is None else f", max {m['max_residual']:.3f}"
        lines.append(
            f"Eq. 1: w1/w2 = V_0/V_last = {m['w1_over_w2']:.3f}{se_txt}, "
            f"RMS residual {m['rms_residual']:.3f}{max_txt}; delta = {delta}"
        )
        if m.get("eq1_verdict"):
            lines.append(m["eq1_verdict"])
    if check is not None:
        for d, name in ((1, "write"), (-1, "reset")):
            data = check.jumps_data[d]
            if data.sum() == 0:
                continue
            model_mean = check.jumps_model[d].mean(axis=0)
            lines.append(
                f"{name} jump sizes 1..{data.size} notches: data "
                + " / ".join(f"{x:.2f}" for x in data)
                + ", model "
                + " / ".join(f"{x:.2f}" for x in model_mean)
            )
        q = check.quantile_of_data("var")
        lines.append(
            f"posterior predictive: state-map p = {check.state_map_pvalue():.3f}; "
            "var quantile of data per switch: " + ", ".join(f"{x:.2f}" for x in q)
        )
    return "\n".join(lines)
