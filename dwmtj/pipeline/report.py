"""``report.json`` and ``report.html``: the demo's numbers and figures, from this run's files.

Every number is read from the stage outputs (the compact-model artifacts, ``stream.h5``,
``inference_sweep.json``, ``devices/summary.json``) and every figure is one this run wrote
(linked relative to the output folder, so the folder can be moved or zipped as a whole).
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

from physics.pipeline.config import DEVICES, DemoConfig


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


def fit_numbers(artifact: Path) -> dict[str, Any]:
    """Per-notch thresholds (V50 at the reference pulse width and temperature, its standard
    error and the 16-84 % spread) and the conductance levels of a model artifact."""
    from compact.artifact import load_model
    from compact.metaplasticity import threshold_with_se

    model = load_model(artifact)
    w = model.reference_conditions["pulse_width_s"]
    T = model.reference_conditions["temperature_K"]
    thresholds = []
    for direction, laws in (("write", model.forward), ("reset", model.reverse)):
        for k, law in enumerate(laws):
            if law is None:
                continue
            v50, se = threshold_with_se(law, w, T)
            thresholds.append({"direction": direction, "state": k, "V50_V": _finite(v50),
                               "V50_se_V": _finite(se),
                               "spread_V": _finite(law.threshold_spread_V(w, T)),
                               "trials": int(law.n_trials), "identified": bool(law.identified)})
    c = model.conductance
    meta = model.metaplasticity or {}
    return {"law": model.law, "n_states": model.n_states, "pulse_width_s": w,
            "temperature_K": T, "thresholds": thresholds,
            "conductance_mean_S": list(c["mean_S"]), "conductance_sigma_S": list(c["sigma_S"]),
            "resistance_mean_ohm": list(c["resistance_mean_ohm"]),
            "write_sigma_S": c["write_sigma_S"],
            "w1_over_w2": meta.get("w1_over_w2"), "delta": meta.get("delta"),
            "network": {k: model.network[k] for k in ("w1_over_w2", "delta", "write_sigma_S")},
            "notes": list(model.notes)}


def stream_numbers(h5: Path) -> dict[str, Any]:
    """Final accuracy (%, mean and std over seeds, after the last subset) of each device."""
    import numpy as np

    from nn.stream import load_result

    result = load_result(h5)
    acc = 100 * np.asarray(result.stream_accuracy, float)
    out = {}
    for d, label in enumerate(result.labels):
        final = acc[d, :, -1]
        out[label] = {"final_pct": float(final.mean()), "final_std_pct": float(final.std()),
                      "curve_pct": acc[d].mean(axis=0).tolist()}
    cfg = result.config
    return {"devices": out, "subsets": cfg.n_subsets, "epochs": cfg.epochs,
            "subset_size": cfg.subset_size, "seeds": cfg.n_seeds}


def inference_numbers(sweep_json: Path) -> dict[str, Any]:
    """Software accuracy and the accuracy (%) of every sweep point."""
    data = json.loads(Path(sweep_json).read_text())
    points = [{"mode": p["level_mode"], "bits": p["bits"], "notches": p["notches"],
               "noise_factor": p["noise_factor"], "mean_pct": 100 * p["mean"],
               "std_pct": 100 * p["std"], "draws": len(p["accuracies"])}
              for p in data["points"]]
    return {"digital_pct": 100 * data["digital_accuracy"], "test_images": data["test_images"],
            "dataset": data["dataset"], "write_sigma_S": data["write_sigma_S"],
            "points": points}


def collect(cfg: DemoConfig, out: Path, details: dict[str, dict], timings: dict) -> dict:
    """All the report's numbers (what ``report.json`` holds)."""
    report: dict[str, Any] = {"preset": cfg.preset, "stages_run": list(cfg.stages()),
                              "timings": timings}
    if "devices" in details:
        records = json.loads((out / details["devices"]["summary"]).read_text())
        report["devices"] = {
            d: {k: r[k] for k in ("preset", "voltage_V", "resistance_ohm", "current_A",
                                  "J_median_A_m2", "J_max_A_m2", "mtj_R_P_ohm",
                                  "mtj_R_AP_ohm")}
            for d, r in zip(DEVICES, records, strict=True)}
    if "simulate" in details:
        report["simulate"] = details["simulate"]["runs"]
    if "fit" in details:
        fit = {d: {"artifact": p, **fit_numbers(out / p)}
               for d, p in details["fit"]["artifacts"].items()}
        for d, why in details["fit"]["failed"].items():
            fit[d] = {"error": why}
        report["fit"] = fit
    if "stream" in details:
        report["stream"] = {"result": details["stream"]["result"],
                            "test_images": details["stream"]["test_images"],
                            **stream_numbers(out / details["stream"]["result"])}
    if "inference" in details:
        report["inference"] = {d: {"result": p, **inference_numbers(out / p)}
                               for d, p in details["inference"]["results"].items()}
    return report


# ------------------------------------------------------------------------------------ html
def _fmt(x: Any, spec: str = ".4g") -> str:
    return "-" if x is None else format(x, spec)


def _scaled(x: float | None, factor: float) -> float | None:
    """x * factor, None kept (a state the wall never stopped at has no level)."""
    return None if x is None else x * factor


def _img(path: str, caption: str) -> str:
    return (f'<figure><a href="{html.escape(path)}"><img src="{html.escape(path)}" '
            f'alt="{html.escape(caption)}"></a><figcaption>{html.escape(caption)}'
            "</figcaption></figure>")


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


_STYLE = """body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em;color:#222}
figure{display:inline-block;margin:.4em;vertical-align:top;max-width:48%}
figure img{max-width:100%;border:1px solid #ddd}figcaption{font-size:.8em;color:#555}
table{border-collapse:collapse;margin:.6em 0;font-size:.85em}
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}th{background:#f3f3f3}
.warn{color:#a00}code{background:#f5f5f5}"""


def render_html(report: dict, details: dict[str, dict]) -> str:
    """The HTML page: devices -> R-V cycles -> fitted laws -> stream -> inference -> times."""
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>dwmtj demo report"
             f"</title><style>{_STYLE}</style></head><body>",
             f"<h1>dwmtj demo: geometry to network accuracy ({report['preset']} preset)</h1>",
             "<p>Every figure and number on this page was made by this run (files in this "
             "folder; numbers also in <code>report.json</code>).</p>"]
    if "devices" in details:
        parts.append("<h2>1. Devices and write current</h2>")
        rows = [[d, r["preset"], _fmt(r["voltage_V"], "g"), _fmt(r["resistance_ohm"]),
                 _fmt(1e3 * r["current_A"]), _fmt(r["J_median_A_m2"], ".3g"),
                 _fmt(r["J_max_A_m2"], ".3g")] for d, r in report["devices"].items()]
        parts.append(_table(["device", "preset", "V (V)", "R (ohm)", "I (mA)",
                             "median |J| (A/m^2)", "max |J| (A/m^2)"], rows))
        for d, figs in details["devices"]["figures"].items():
            parts += [_img(figs["geometry"], f"{d}: geometry"),
                      _img(figs["current"], f"{d}: |J| of the write pulse")]
    if "simulate" in details:
        parts.append("<h2>2. 300 K voltage ramps: R-V cycles and state map</h2>")
        rows = [[d, r["run_id"][:12], str(r["n_realisations"]), str(r["n_pulses"]),
                 r["spec_file"].split("/")[-1]] for d, r in report["simulate"].items()]
        parts.append(_table(["device", "run id", "realisations", "pulses", "spec"], rows))
        for d, figs in details["simulate"]["figures"].items():
            parts += [_img(p, f"{d}: {kind}") for kind, p in sorted(figs.items())]
    if "fit" in details:
        parts.append("<h2>3. Compact model: depinning laws, f_meta (Eq. 1), levels</h2>")
        for d, f in report["fit"].items():
            if "error" in f:
                parts.append(f"<p class='warn'><b>{d}: not fitted</b>: "
                             f"{html.escape(f['error'])}</p>")
                continue
            parts.append(f"<h3>{d} (<a href='{f['artifact']}'>{f['artifact']}</a>): law "
                         f"{html.escape(f['law'])}, {f['n_states']} states, thresholds at "
                         f"{f['pulse_width_s'] * 1e9:g} ns, {f['temperature_K']:g} K</h3>")
            rows = [[t["direction"], str(t["state"]), _fmt(t["V50_V"]), _fmt(t["V50_se_V"]),
                     _fmt(t["spread_V"]), str(t["trials"]), "yes" if t["identified"] else "no"]
                    for t in f["thresholds"]]
            parts.append(_table(["direction", "from state", "V50 (V)", "+- (V)", "spread (V)",
                                 "trials", "identified"], rows))
            rows = [[str(k), _fmt(_scaled(g, 1e3)), _fmt(_scaled(s, 1e6)), _fmt(r, ".6g")]
                    for k, (g, s, r) in enumerate(zip(f["conductance_mean_S"],
                                                      f["conductance_sigma_S"],
                                                      f["resistance_mean_ohm"], strict=True))]
            parts.append(_table(["state", "G (mS)", "sigma_G (uS)", "R (ohm)"], rows))
            parts.append(f"<p>w1/w2 = {_fmt(f['w1_over_w2'])}, delta = {_fmt(f['delta'])}, "
                         f"write sigma_G = {_fmt(1e6 * f['write_sigma_S'])} uS"
                         + "".join(f"<br><i>{html.escape(n)}</i>" for n in f["notes"])
                         + "</p>")
            kept = details["fit"].get("states", {}).get(d)
            if kept and kept["states"] < kept["track_states"]:
                first = kept["first_state"]
                parts.append(f"<p>States 0..{kept['states'] - 1} here are track states "
                             f"{first}..{first + kept['states'] - 1} of 0.."
                             f"{kept['track_states'] - 1} (0 = IN end, 1 = notch 0, last = CLK "
                             "end): the edge states the wall never reached are dropped.</p>")
            figs = details["fit"]["figures"][d]
            parts += [_img(figs[k], f"{d}: {k}") for k in ("depinning", "f_meta", "levels",
                                                           "predictive") if k in figs]
    if "stream" in details:
        s = report["stream"]
        parts.append(f"<h2>4. Stream learning on Fashion-MNIST ({s['subsets']} subsets x "
                     f"{s['subset_size']} images, {s['epochs']} epochs, {s['seeds']} seed(s), "
                     f"{s['test_images']} test images)</h2>")
        rows = [[lab, f"{v['final_pct']:.2f} +- {v['final_std_pct']:.2f}"]
                for lab, v in s["devices"].items()]
        parts.append(_table(["synapse", "final accuracy (%)"], rows))
        parts.append(_img(details["stream"]["figure"], "validation accuracy after each subset"))
    if "inference" in details:
        parts.append("<h2>5. Analog inference of the pretrained ResNet</h2>")
        for d, inf in report["inference"].items():
            parts.append(f"<h3>fitted {d}: software accuracy {inf['digital_pct']:.2f} % on "
                         f"{inf['test_images']} random {inf['dataset']} test images, "
                         f"sigma_G = {1e6 * inf['write_sigma_S']:.3g} uS</h3>")
            rows = [[p["mode"], str(p["notches"]), _fmt(p["noise_factor"], "g"),
                     f"{p['mean_pct']:.2f} +- {p['std_pct']:.2f}", str(p["draws"])]
                    for p in inf["points"]]
            parts.append(_table(["levels", "notches", "noise x sigma_G", "accuracy (%)",
                                 "draws"], rows))
            figs = details["inference"]["figures"][d]
            parts += [_img(figs["accuracy"], f"{d}: accuracy vs notches"),
                      _img(figs["histogram"], f"{d}: programmed conductances")]
    parts.append("<h2>Stage timings</h2>")
    rows = [[name, _fmt(t["seconds"], ".1f"), _fmt(t["cpu_seconds"], ".1f"),
             "reused" if t["reused"] else "ran"] for name, t in report["timings"].items()]
    parts.append(_table(["stage", "wall s", "CPU s", "this run"], rows))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(cfg: DemoConfig, out: Path, details: dict[str, dict],
                 timings: dict) -> tuple[Path, Path]:
    """Write ``report.json`` and ``report.html`` into ``out``."""
    report = collect(cfg, out, details, timings)
    json_path = out / "report.json"
    json_path.write_text(json.dumps(report, indent=1))
    html_path = out / "report.html"
    html_path.write_text(render_html(report, details))
    return json_path, html_path
