"""Fit a complete compact model (laws, transport, Eq. 1, levels) from observations."""

from __future__ import annotations

import dataclasses

import numpy as np

from compact.artifact import CompactModel, provenance
from compact.conductance import conductance_levels
from compact.depinning import DEFAULT_TAU0_S, DeviceLaws, fit_device_laws
from compact.metaplasticity import (
    assess_eq1,
    asymmetry_delta,
    eq1_residuals,
    eq1_states,
    fit_eq1,
    metaplastic_points,
)
from compact.observations import Transitions
from compact.transport import ReachFit, fit_reach

W1_OVER_W2_DEFINITION = (
    "V_0 / V_last: forward median threshold of the first over that of the last state with a "
    "threshold estimate (Eq. 1 through f = 1 at W = 0 and f = w1/w2 at W = 1)"
)
DELTA_DEFINITION = (
    "mean notches moved per switching reset pulse (V<0, from the last notch at its median "
    "reset threshold) / mean notches moved per switching write pulse (V>0, each notch at its "
    "median write threshold), from the fitted transport model"
)


def fit_laws_and_reach(
    tr: Transitions,
    law: str = "auto",
    beta: float | str | None = None,
    tau0_s: float = DEFAULT_TAU0_S,
    bootstrap: int = 0,
    rng: np.random.Generator | None = None,
    max_rounds: int = 8,
) -> tuple[DeviceLaws, ReachFit]:
    """Threshold laws and transport reach rate, by alternating maximisation of the joint
    likelihood: laws given the reach (:func:`compact.depinning.fit_device_laws`), reach given
    the laws (:func:`compact.transport.fit_reach`), until the reach changes by < 0.1 %.
    Each step cannot lower the likelihood, so this converges to a (local) joint optimum;
    the reported uncertainties are conditional (each given the other's estimate)."""
    laws = fit_device_laws(tr, law=law, beta=beta, tau0_s=tau0_s, rng=rng)
    reach = fit_reach(laws, tr)
    for _ in range(max_rounds):
        if reach.reach_rate_per_s is None:
            break
        laws = fit_device_laws(
            tr, law=law, beta=beta, tau0_s=tau0_s, rng=rng, reach_rate_per_s=reach.reach_rate_per_s
        )
        new = fit_reach(laws, tr)
        done = (
            new.reach_rate_per_s is not None
            and abs(new.reach_rate_per_s - reach.reach_rate_per_s) < 1e-3 * reach.reach_rate_per_s
        )
        reach = new
        if done:
            break
    if bootstrap > 0:
        laws = fit_device_laws(
            tr,
            law=law,
            beta=beta,
            tau0_s=tau0_s,
            bootstrap=bootstrap,
            rng=rng,
            reach_rate_per_s=reach.reach_rate_per_s,
        )
    return dataclasses.replace(laws, reach_rate_per_s=reach.reach_rate_per_s), reach


def fit_model(
    tr: Transitions,
    law: str = "auto",
    beta: float | str | None = None,
    tau0_s: float = DEFAULT_TAU0_S,
    bootstrap: int = 0,
    name: str = "fitted",
    rng: np.random.Generator | None = None,
    extra_readings: tuple[np.ndarray, np.ndarray] | None = None,
    missing_levels: str = "error",
) -> CompactModel:
    """Fit the compact model to a transition table (see :mod:`compact.depinning`).

    ``extra_readings`` = (resistance_ohm, notch state) of readings that follow no pulse (the
    wall before each cycle of a run): they enter the conductance levels only, so that the
    initial state has a level even when every first pulse moves the wall.
    ``missing_levels``: a state with no readings at all (the wall always jumped over it)
    raises ValueError (``"error"``) or gets no conductance level (``"omit"``: listed in
    ``conductance["missing_states"]`` and in the notes; the networks then see the observed
    levels only, see :meth:`CompactModel.to_device_model`).
    """
    if missing_levels not in ("error", "omit"):
        raise ValueError(f"missing_levels: choose 'error' or 'omit', got {missing_levels!r}")
    laws, reach = fit_laws_and_reach(
        tr, law=law, beta=beta, tau0_s=tau0_s, bootstrap=bootstrap, rng=rng
    )
    width = float(np.median(tr.pulse_width_s))
    temp = float(np.median(tr.temperature_K))
    notes: list[str] = []
    meta = None
    try:
        W, f, f_se = metaplastic_points(laws, width, temp, tr.notch_positions_m)
        r, r_se, rms = fit_eq1(W, f, f_se)
        states = eq1_states(laws)
        delta = asymmetry_delta(laws, width, temp)
        meta = {
            "states": states,
            "W": W.tolist(),
            "f": f.tolist(),
            "f_se": f_se.tolist(),
            "w1_over_w2": r,
            "w1_over_w2_se": r_se if np.isfinite(r_se) else None,
            "w1_over_w2_definition": W1_OVER_W2_DEFINITION,
            "rms_residual": rms,
            "max_residual": eq1_residuals(W, f, r)[1],
            **assess_eq1(r, rms),
            "delta": delta,
            "delta_definition": DELTA_DEFINITION,
        }
        left_out = [k for k, lw in enumerate(laws.forward) if lw is not None and k not in states]
        if left_out:
            notes.append(
                "Eq. 1 points leave out states whose forward trials all had one outcome "
                f"(threshold only bounded): {left_out}"
            )
        if not meta["eq1_describes_data"]:
            notes.append(meta["eq1_verdict"])
    except ValueError as exc:
        notes.append(f"metaplasticity not fitted: {exc}")
    r_all, s_all = np.asarray(tr.resistance_ohm, float), np.asarray(tr.end_notch)
    if extra_readings is not None:
        r_all = np.concatenate([r_all, np.ravel(np.asarray(extra_readings[0], float))])
        s_all = np.concatenate([s_all, np.ravel(np.asarray(extra_readings[1]))])
    cond = conductance_levels(r_all, s_all, tr.n_states, allow_missing=missing_levels == "omit")
    if cond.get("missing_states"):
        notes.append(
            "no readings (the wall always jumped over them), so no conductance "
            f"level: states {cond['missing_states']}"
        )
    w_ratio = 1.0 if meta is None else float(meta["network_w1_over_w2"])
    delta = 1.0 if meta is None or meta["delta"] is None else float(meta["delta"])
    network = {
        "weight_levels": np.linspace(-1.0, 1.0, tr.n_states).tolist(),
        "w1_over_w2": w_ratio,
        "delta": delta,
        "write_sigma_S": cond["write_sigma_S"],
    }
    unidentified = [
        f"{'forward' if d > 0 else 'reverse'} notch {k}"
        for d, laws_d in ((1, laws.forward), (-1, laws.reverse))
        for k, lw in enumerate(laws_d)
        if lw is not None and not lw.identified
    ]
    if unidentified:
        notes.append(
            "no finite MLE (step law at the separating voltage): " + ", ".join(unidentified)
        )
    return CompactModel(
        name=name,
        n_states=tr.n_states,
        law=laws.law,
        forward=laws.forward,
        reverse=laws.reverse,
        conductance=cond,
        network=network,
        reference_conditions={"pulse_width_s": width, "temperature_K": temp},
        aic_by_law=laws.aic_by_law,
        transition_model={
            "type": "sequential-capture",
            "description": "from notch k a pulse depins with p_k(V); the moving "
            "wall passes notch i = k + n with p_i(V) clip(u t_p - n, 0, 1) (reach "
            "rate u in notch spacings per second of pulse, null = no limit) and "
            "is captured by the first notch it does not pass (compact.transport)",
            "reach_rate_per_s": reach.reach_rate_per_s,
            "reach_rate_se_per_s": reach.stderr_per_s,
            "reach_n_moves": reach.n_moves,
            "reach_n_passes": reach.n_passes,
            "reach_log_likelihood_gain": reach.log_likelihood_gain,
        },
        metaplasticity=meta,
        provenance=provenance("fit", tr.sources),
        notes=notes,
    )
