"""``report.json`` and ``report.html``: the demo's numbers and figures, from this run's files.

Every number is read from the stage outputs (the compact-model artifacts, ``stream.h5``,
``inference_sweep.json``, ``devices/summary.json``) and every figure is one this run wrote
(linked relative to the output folder, so the folder can be moved or zipped as a whole).
The page is the Jinja2 template ``templates/report.html.j2`` (package data of
:mod:`dwmtj.pipeline`) filled with :func:`collect`'s numbers; a threshold the data do not
identify (:func:`compact.summary.thresholds`) is shown as "not identified", never as a number.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import jinja2
import numpy as np

from compact.artifact import load_model
from compact.summary import thresholds
from dwmtj.pipeline.config import DEVICES, DemoConfig
from nn.stream import StreamResult, load_result

#: The template of ``report.html`` (in ``dwmtj/pipeline/templates``).
TEMPLATE = "report.html.j2"


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


def fit_numbers(artifact: Path) -> dict[str, Any]:
    """Per-notch thresholds (V50 at the reference pulse width and temperature, its standard
    error -- None when the data do not identify the threshold -- and the 16-84 % spread) and
    the conductance levels of a model artifact."""
    model = load_model(artifact)
    w = model.reference_conditions["pulse_width_s"]
    T = model.reference_conditions["temperature_K"]
    rows = [
        {
            "direction": t.direction,
            "state": t.state,
            # a threshold the data do not identify is no number here (the artifact has the
            # model's value)
            "V50_V": _finite(t.v50_V) if t.identified else None,
            "V50_se_V": _finite(t.se_V),
            "spread_V": _finite(t.spread_V) if t.identified else None,
            "trials": t.trials,
            "identified": t.identified,
        }
        for t in thresholds(model)
    ]
    c = model.conductance
    meta = model.metaplasticity or {}
    return {
        "law": model.law,
        "n_states": model.n_states,
        "pulse_width_s": w,
        "temperature_K": T,
        "thresholds": rows,
        "conductance_mean_S": list(c["mean_S"]),
        "conductance_sigma_S": list(c["sigma_S"]),
        "resistance_mean_ohm": list(c["resistance_mean_ohm"]),
        "write_sigma_S": c["write_sigma_S"],
        "w1_over_w2": meta.get("w1_over_w2"),
        "delta": meta.get("delta"),
        "network": {k: model.network[k] for k in ("w1_over_w2", "delta", "write_sigma_S")},
        "notes": list(model.notes),
    }


#: False-alarm rate of the trapezoid-vs-straight statement (two-sided paired t-test).
CONTRAST_ALPHA = 0.05


def paired_contrast(
    a_pct: np.ndarray, b_pct: np.ndarray, resolution_pct: float = 0.01
) -> dict[str, Any]:
    """Final accuracy of device a minus device b (percentage points), paired by seed.

    Seed s gives both devices the same image order and initial weights (:mod:`nn.stream`),
    so the per-seed differences are the samples: their mean, its standard error and a
    two-sided paired t-test. ``resolved`` is True when the difference is positive and the
    test rejects "no difference" at :data:`CONTRAST_ALPHA` (needs at least 2 seeds).

    resolution_pct: the step of one accuracy (100 / test images; 0.01 points for the 10 000
    test images). Each per-seed difference carries the rounding of two such counts, so the
    standard deviation used by the test is never below resolution / sqrt(6) (two independent
    uniform roundings): seeds whose differences agree to the last image do not give an
    infinitely certain result (p = 0) but the one that rounding allows.
    """
    if not (math.isfinite(resolution_pct) and resolution_pct > 0):
        raise ValueError(f"resolution_pct: must be a positive number, got {resolution_pct!r}")
    diff = np.asarray(a_pct, float) - np.asarray(b_pct, float)
    n = int(diff.size)
    out: dict[str, Any] = {"n_seeds": n, "delta_pct": float(diff.mean()) if n else None}
    if n < 2:
        return {**out, "se_pct": None, "p_value": None, "resolved": False}
    from scipy.stats import t as student_t

    sd = max(float(diff.std(ddof=1)), resolution_pct / math.sqrt(6.0))
    se = sd / math.sqrt(n)
    p = float(2.0 * student_t.sf(abs(float(diff.mean())) / se, df=n - 1))
    return {
        **out,
        "se_pct": se,
        "p_value": p,
        "resolved": bool(diff.mean() > 0 and p < CONTRAST_ALPHA),
    }


def contrast_statement(a: str, b: str, c: dict[str, Any]) -> str:
    """One sentence for the report: the effect with its uncertainty, or that it is not
    resolved."""
    if c["n_seeds"] < 2:
        return f"{a} - {b}: {c['delta_pct']:+.2f} points with one seed: not resolved (no spread)"
    verdict = (
        "resolved"
        if c["resolved"]
        else f"NOT resolved at {100 * CONTRAST_ALPHA:.0f} % false alarms"
    )
    return (
        f"{a} - {b}: {c['delta_pct']:+.2f} +- {c['se_pct']:.2f} points (paired over "
        f"{c['n_seeds']} seeds, p = {c['p_value']:.2g}): {verdict}"
    )


def stream_contrasts(result: StreamResult) -> list[dict[str, Any]]:
    """Trapezoid minus straight (final accuracy, points) for each pair (fitted, paper) that
    ran, with its statement (:func:`paired_contrast`, :func:`contrast_statement`). The stream
    validates on Fashion-MNIST's 10 000 test images: a resolution of 0.01 points."""
    acc = 100 * np.asarray(result.stream_accuracy, float)
    contrasts = []
    for prefix in ("fitted", "paper"):
        a, b = f"{prefix} trapezoid", f"{prefix} straight"
        if a in result.labels and b in result.labels:
            ia, ib = result.labels.index(a), result.labels.index(b)
            c = paired_contrast(acc[ia, :, -1], acc[ib, :, -1])
            contrasts.append({"a": a, "b": b, **c, "statement": contrast_statement(a, b, c)})
    return contrasts


def stream_numbers(h5: Path) -> dict[str, Any]:
    """Final accuracy (%, mean and std over seeds, after the last subset) of each device, and
    the trapezoid-minus-straight contrast of each pair (fitted, paper) that ran."""
    result = load_result(h5)
    acc = 100 * np.asarray(result.stream_accuracy, float)
    out = {}
    for d, label in enumerate(result.labels):
        final = acc[d, :, -1]
        out[label] = {
            "final_pct": float(final.mean()),
            "final_std_pct": float(final.std()),
            "curve_pct": acc[d].mean(axis=0).tolist(),
        }
    cfg = result.config
    return {
        "devices": out,
        "contrasts": stream_contrasts(result),
        "subsets": cfg.n_subsets,
        "epochs": cfg.epochs,
        "subset_size": cfg.subset_size,
        "seeds": cfg.n_seeds,
    }


def inference_numbers(sweep_json: Path) -> dict[str, Any]:
    """Software accuracy and the accuracy (%) of every sweep point."""
    data = json.loads(Path(sweep_json).read_text())
    points = [
        {
            "mode": p["level_mode"],
            "bits": p["bits"],
            "notches": p["notches"],
            "noise_factor": p["noise_factor"],
            "mean_pct": 100 * p["mean"],
            "std_pct": 100 * p["std"],
            "draws": len(p["accuracies"]),
        }
        for p in data["points"]
    ]
    return {
        "digital_pct": 100 * data["digital_accuracy"],
        "test_images": data["test_images"],
        "dataset": data["dataset"],
        "write_sigma_S": data["write_sigma_S"],
        "points": points,
    }


def collect(cfg: DemoConfig, out: Path, details: dict[str, dict], timings: dict) -> dict:
    """All the report's numbers (what ``report.json`` holds)."""
    report: dict[str, Any] = {
        "preset": cfg.preset,
        "stages_run": list(cfg.stages()),
        "timings": timings,
    }
    if "devices" in details:
        records = json.loads((out / details["devices"]["summary"]).read_text())
        report["devices"] = {
            d: {
                k: r[k]
                for k in (
                    "preset",
                    "voltage_V",
                    "resistance_ohm",
                    "current_A",
                    "J_median_A_m2",
                    "J_max_A_m2",
                    "mtj_R_P_ohm",
                    "mtj_R_AP_ohm",
                )
            }
            for d, r in zip(DEVICES, records, strict=True)
        }
    if "simulate" in details:
        report["simulate"] = details["simulate"]["runs"]
    if "fit" in details:
        fit = {
            d: {"artifact": p, **fit_numbers(out / p)}
            for d, p in details["fit"]["artifacts"].items()
        }
        for d, why in details["fit"]["failed"].items():
            fit[d] = {"error": why}
        report["fit"] = fit
    if "stream" in details:
        report["stream"] = {
            "result": details["stream"]["result"],
            "test_images": details["stream"]["test_images"],
            **stream_numbers(out / details["stream"]["result"]),
        }
    if "inference" in details:
        report["inference"] = {
            d: {"result": p, **inference_numbers(out / p)}
            for d, p in details["inference"]["results"].items()
        }
    return report


# ------------------------------------------------------------------------------------ html
def _fmt(x: Any, spec: str = ".4g") -> str:
    """``x`` formatted with ``spec``; "-" for None (a value that does not exist)."""
    return "-" if x is None else format(x, spec)


def _scaled(x: float | None, factor: float) -> float | None:
    """x * factor, None kept (a state the wall never stopped at has no level)."""
    return None if x is None else x * factor


def _environment() -> jinja2.Environment:
    """The template environment: HTML autoescaping, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dwmtj.pipeline", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = _fmt
    env.filters["scaled"] = _scaled
    return env


def render_html(report: dict, details: dict[str, dict]) -> str:
    """The HTML page: devices -> R-V cycles -> fitted laws -> stream -> inference -> times."""
    return _environment().get_template(TEMPLATE).render(report=report, details=details)


def write_report(
    cfg: DemoConfig, out: Path, details: dict[str, dict], timings: dict
) -> tuple[Path, Path]:
    """Write ``report.json`` and ``report.html`` into ``out``."""
    report = collect(cfg, out, details, timings)
    json_path = out / "report.json"
    json_path.write_text(json.dumps(report, indent=1))
    html_path = out / "report.html"
    html_path.write_text(render_html(report, details))
    return json_path, html_path
