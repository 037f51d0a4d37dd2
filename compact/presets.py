"""Device models built from the numbers the paper reports (Leonard et al.).

These let the networks run before any simulation or fit exists. Sources: the paper's
main text (Figs. 2-3, 6, Methods) in ../shared/paper/. Each preset is a full compact-model
artifact (:class:`~compact.artifact.CompactModel`); :func:`load_preset` returns the
networks' :class:`~compact.device_model.DeviceModel`.

:func:`load_preset` and :func:`load_device` also accept the path of a JSON artifact
written by ``dwmtj fit``, so a fitted device plugs into the networks with no code change.

Trapezoid thresholds: the paper reports V_C,avg and ``var = 1/2 (V_max - V_min)/V_avg``
over n cycles; the per-pulse threshold spread is taken as sigma = 2 var V_avg / d2(n), with
d2(n) the expected range of n standard normal samples (13 write cycles, 3 reset cycles).
Values the text does not report are marked ``assumed`` in the artifact.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from compact.artifact import CompactModel, load_model, provenance
from compact.conductance import levels_from_resistance
from compact.depinning import DeviceLaws, NotchLaw
from compact.device_model import DeviceModel
from compact.metaplasticity import asymmetry_delta, fit_eq1, metaplastic_points
from compact.statistics import sigma_from_variation

#: Write noise used for inference in the paper: sigma_G = 2.53 uS (measured range 0.68-2.73 uS).
PAPER_WRITE_SIGMA_S = 2.53e-6
PAPER = "Leonard et al., Shape-dependent multi-weight magnetic artificial synapses"
PULSE_WIDTH_S = 50e-9  # paper: 50 ns pulses
TEMPERATURE_K = 300.0  # room temperature


def _normal(mu: float, sigma: float, assumed: bool = False) -> NotchLaw:
    return NotchLaw(
        kind="normal",
        params={"mu_V": float(mu), "sigma_V": float(sigma)},
        stderr={"mu_V": None, "sigma_V": None},
        assumed=assumed,
    )


def paper_trapezoid_model() -> CompactModel:
    """Trapezoid 1:4 track (Fig. 2): states AP (reset, 100 ohm) and notches at 93.3 +- 1.1,
    76.1 +- 0.4, 67.1 +- 0.3 ohm. Write thresholds: first notch reached by 1.5 V in all 13
    cycles; 3.0 V (var 2.5 %, 13 cycles); 3.5 V (var 5.7 %, 13 cycles); reset from the last
    notch 3.7 V (var 1.35 %, 3 cycles). Network: 4 levels, w1/w2 = 1/4, delta = 3 (paper).
    """
    s1 = sigma_from_variation(0.025, 3.0, 13)
    s2 = sigma_from_variation(0.057, 3.5, 13)
    s_reset = sigma_from_variation(0.0135, 3.7, 3)
    forward = [_normal(1.2, 0.1, assumed=True), _normal(3.0, s1), _normal(3.5, s2), None]
    # reset direction: only the last notch's threshold is reported; the wall runs through
    # the others (single-shot reset), modelled with their write thresholds (assumed)
    reverse = [
        None,
        _normal(3.0, s1, assumed=True),
        _normal(3.5, s2, assumed=True),
        _normal(3.7, s_reset),
    ]
    laws = DeviceLaws(n_states=4, law="normal", forward=forward, reverse=reverse)
    W, f, f_se = metaplastic_points(laws, PULSE_WIDTH_S, TEMPERATURE_K)
    r, r_se, rms = fit_eq1(W, f, None)
    delta = asymmetry_delta(laws, PULSE_WIDTH_S, TEMPERATURE_K)
    cond = levels_from_resistance([100.0, 93.3, 76.1, 67.1], [1.1, 1.1, 0.4, 0.3])
    cond["write_sigma_S"] = PAPER_WRITE_SIGMA_S
    return CompactModel(
        name="paper-trapezoid",
        n_states=4,
        law="normal",
        forward=forward,
        reverse=reverse,
        conductance=cond,
        network={
            "weight_levels": np.linspace(-1.0, 1.0, 4).tolist(),
            "w1_over_w2": 0.25,
            "delta": 3.0,
            "write_sigma_S": PAPER_WRITE_SIGMA_S,
        },
        reference_conditions={"pulse_width_s": PULSE_WIDTH_S, "temperature_K": TEMPERATURE_K},
        metaplasticity={
            "W": W.tolist(),
            "f": f.tolist(),
            "f_se": None,
            "w1_over_w2": r,
            "w1_over_w2_se": r_se if np.isfinite(r_se) else None,
            "rms_residual": rms,
            "delta": delta,
            "delta_definition": "see compact.metaplasticity",
        },
        provenance=provenance("paper", [{"path": PAPER, "sha256": None}]),
        notes=[
            "AP (reset) level spread not reported: 1.1 ohm (first notch's) used",
            "first-notch threshold assumed N(1.2 V, 0.1 V): text says only 'reached by 1.5 V'",
            "network uses the paper's w1/w2 = 1/4 and delta = 3; metaplasticity holds the "
            "values implied by the thresholds",
            "write_sigma_S: the paper's inference value 2.53 uS",
        ],
    )


def paper_straight_model(delta: float = 1.0) -> CompactModel:
    """Straight 350 nm track (Fig. 3): five levels 1061.0 +- 1.1 ... 913.1 +- 0.4 ohm,
    w1/w2 = 1, sigma_G for inference 2.53 uS. The text reports no per-notch thresholds,
    so this preset has no depinning laws (refit from cycles with ``dwmtj fit``).
    """
    cond = levels_from_resistance([1061.0, 1043.3, 989.0, 929.5, 913.1], [1.1, 2.6, 2.1, 0.8, 0.4])
    cond["write_sigma_S"] = PAPER_WRITE_SIGMA_S
    return CompactModel(
        name="paper-straight" if delta == 1.0 else f"paper-straight-delta{delta:g}",
        n_states=5,
        law="none",
        forward=[None] * 5,
        reverse=[None] * 5,
        conductance=cond,
        network={
            "weight_levels": np.linspace(-1.0, 1.0, 4).tolist(),
            "w1_over_w2": 1.0,
            "delta": float(delta),
            "write_sigma_S": PAPER_WRITE_SIGMA_S,
        },
        reference_conditions={"pulse_width_s": PULSE_WIDTH_S, "temperature_K": TEMPERATURE_K},
        provenance=provenance("paper", [{"path": PAPER, "sha256": None}]),
        notes=[
            "per-notch thresholds not reported numerically: no depinning laws",
            "sigma_G measured 0.68-2.73 uS; 2.53 uS used for inference (paper)",
            "stream learning uses 4 evenly spaced weight levels (as the paper's baselines)",
        ],
    )


def paper_trapezoid() -> DeviceModel:
    """Trapezoid 1:4 track: levels 100 (reset, AP), 93.3 +- 1.1, 76.1 +- 0.4, 67.1 +- 0.3 ohm.

    The AP (reset) level's spread is not reported; the first measured spread (1.1 ohm) is
    used for it. Stream learning uses 4 evenly spaced weight levels, w1/w2 = 1/4, delta = 3.
    """
    return paper_trapezoid_model().to_device_model()


def paper_straight(delta: float = 1.0) -> DeviceModel:
    """Straight 350 nm track: five levels 1061.0 +- 1.1 ... 913.1 +- 0.4 ohm, w1/w2 = 1."""
    return paper_straight_model(delta).to_device_model()


PRESETS = {
    "trapezoid": paper_trapezoid,
    "paper-trapezoid": paper_trapezoid,
    "straight": paper_straight,
    "paper-straight": paper_straight,
}

PRESET_MODELS = {
    "trapezoid": paper_trapezoid_model,
    "paper-trapezoid": paper_trapezoid_model,
    "straight": paper_straight_model,
    "paper-straight": paper_straight_model,
}


def _is_artifact_path(name: str | Path) -> bool:
    return isinstance(name, Path) or str(name).lower().endswith(".json") or Path(name).is_file()


def load_compact_model(name_or_path: str | Path) -> CompactModel:
    """The full compact model: a preset name or the path of a JSON artifact."""
    if _is_artifact_path(name_or_path):
        return load_model(name_or_path)
    try:
        return PRESET_MODELS[str(name_or_path)]()
    except KeyError:
        raise ValueError(
            f"device: unknown preset {name_or_path!r}; choose one of {sorted(PRESETS)} "
            "or give the path of a model.json artifact"
        ) from None


def load_device(name_or_path: str | Path) -> DeviceModel:
    """The networks' :class:`DeviceModel` from a preset name or a JSON artifact path."""
    if _is_artifact_path(name_or_path):
        return load_model(name_or_path).to_device_model()
    return load_preset(str(name_or_path))


def load_preset(name: str | Path) -> DeviceModel:
    """Return the paper-derived device model called ``name`` (or load a JSON artifact)."""
    if _is_artifact_path(name):
        return load_model(name).to_device_model()
    try:
        return PRESETS[str(name)]()
    except KeyError:
        raise ValueError(
            f"device: unknown preset {name!r}; choose one of {sorted(PRESETS)} "
            "or give the path of a model.json artifact"
        ) from None
