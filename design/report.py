"""Outputs of a design: the track as a geometries TOML preset and a PNG, the predicted ladder
(JSON report and CSV), and the compact-model artifact the design implies.

The artifact: one forward normal law N(V50_k, sigma_k) per notch at the design's pulse and
temperature (the model's prediction, marked ``assumed`` = False but with the provenance
"design"), no reset laws (the reset direction is not designed), conductance levels from the
MTJ area left parallel with the wall at each notch (RA and TMR of the material), and the
network section with the w1/w2 fitted to the predicted V50s (Eq. 1) and the target's delta.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from compact.artifact import CompactModel, provenance, save_model
from compact.conductance import levels_from_resistance
from compact.depinning import NotchLaw
from compact.metaplasticity import fit_eq1
from design.objective import Problem
from design.optimise import DesignResult
from design.params import as_numpy
from design.surrogate import track_of
from geometries import MTJFootprint, Track


def design_track(result: DesignResult, name: str, description: str) -> Track:
    """The designed track with an MTJ over the notched region (from half-way before the
    first notch to half a spacing past the last, full width)."""
    p = result.profile
    x = np.asarray(p.positions)
    gap = float(np.min(np.diff(x))) if x.size > 1 else float(p.notch_width) * 2
    L = float(p.length)
    half = 0.5 * max(float(p.w1), float(p.w2))
    mtj = MTJFootprint(
        x0=max(float(x[0]) - 0.5 * gap, 0.0) + 0.5 * float(p.notch_width) + 0.5 * gap * 0.2,
        x1=min(float(x[-1]) + 0.5 * gap, L),
        y0=-half,
        y1=half,
    )
    return track_of(p, name=name, description=description, mtj=mtj)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(float(v)) if isinstance(v, float) else str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(type(v))


def write_preset(track: Track, path: Path, cell: float | None, header: list[str]) -> Path:
    """A geometries TOML file (loadable by :func:`geometries.load_preset`)."""
    d = track.to_dict()
    lines = [f"# {h}" for h in header]
    tables = {}
    for k, v in d.items():
        if isinstance(v, dict):
            tables[k] = v
        elif v is not None and k != "name":
            lines.append(f"{k} = {_toml_value(v)}")
    for k, t in tables.items():
        lines.append(f"\n[{k}]")
        lines += [f"{kk} = {_toml_value(vv)}" for kk, vv in t.items() if vv is not None]
    if cell is not None:
        lines += ["\n[mesh]", f"cell = [{cell!r}, {cell!r}]"]
    path.write_text("\n".join(lines) + "\n")
    return path


def implied_model(problem: Problem, result: DesignResult, track: Track, name: str) -> CompactModel:
    """The compact artifact the design implies (module docstring)."""
    from physics.materials import Material

    mat: Material = problem.material
    K = result.K
    forward = [
        NotchLaw(
            kind="normal",
            params={"mu_V": float(v), "sigma_V": float(s)},
            stderr={"mu_V": None, "sigma_V": None},
        )
        for v, s in zip(result.v50, result.sigma, strict=True)
    ]
    # state k: wall at notch k; parallel area = MTJ area left of the wall
    mtj = track.mtj
    xs = np.linspace(mtj.x0, mtj.x1, 2001)
    w = track.width_at(xs)
    total = float(np.trapezoid(w, xs))
    r_p = mat.ra_product / track.mtj_area
    r_ap = r_p * (1 + mat.tmr)
    resist = []
    for x in np.asarray(result.profile.positions):
        sel = xs <= x
        frac = float(np.trapezoid(w[sel], xs[sel])) / total if sel.sum() > 1 else 0.0
        g = frac / r_p + (1 - frac) / r_ap
        resist.append(1.0 / g)
    cond = levels_from_resistance(resist, [0.0] * K)
    cond["write_sigma_S"] = 0.0
    x = np.asarray(result.profile.positions)
    W = (x - x[0]) / (x[-1] - x[0])
    f = result.v50[0] / result.v50
    r, r_se, rms = fit_eq1(W, f, None)
    t = problem.spec.target
    # the network gets the metaplasticity the design predicts (Eq. 1 fitted to V50_0 / V50_k),
    # not the target's: the artifact is what the track would do, so that a network run
    # measures the design, not the wish (an f_meta target's ratio is in the report)
    ratio = float(np.clip(r, 1e-6, 1.0))
    return CompactModel(
        name=name,
        n_states=K,
        law="normal",
        forward=forward,
        reverse=[None] * K,
        conductance=cond,
        network={
            "weight_levels": np.linspace(-1.0, 1.0, K).tolist(),
            "w1_over_w2": ratio,
            "delta": float(t.delta),
            "write_sigma_S": 0.0,
        },
        reference_conditions={
            "pulse_width_s": float(problem.pulse.duration),
            "temperature_K": float(problem.pulse.temperature),
        },
        metaplasticity={
            "W": W.tolist(),
            "f": f.tolist(),
            "f_se": None,
            "w1_over_w2": float(r),
            "w1_over_w2_se": None,
            "rms_residual": float(rms),
            "delta": float(t.delta),
            "delta_definition": "the design target's delta (the reset direction is not designed)",
        },
        provenance=provenance("design", [{"path": f"dwmtj design {name}", "sha256": None}]),
        notes=[
            "thresholds predicted by the design model (design.surrogate + design.depinning), "
            "not measured or simulated",
            "reset direction not designed: no reverse laws; delta is the target's",
            "conductance from the MTJ area left of the wall at each notch centre (RA, TMR of "
            "the material); no write noise (sigma_G = 0)",
        ],
    )


def write_outputs(
    problem: Problem, result: DesignResult, all_results: list[DesignResult], out: Path
) -> dict[str, Path]:
    """Write the preset, picture, report, CSV and artifact into ``out``; returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from paperstyle import paper_style

    out.mkdir(parents=True, exist_ok=True)
    spec = problem.spec
    name = spec.name
    track = design_track(result, name, f"designed by dwmtj design for target {spec.target.kind}")
    paths = {}
    paths["preset"] = write_preset(
        track,
        out / f"{name}.toml",
        spec.constraints.cell_m,
        [
            f"Designed track {name!r} (dwmtj design, issue 19); predicted V50 per notch "
            + ", ".join(f"{v:.3f}" for v in result.v50)
            + " V"
        ],
    )
    # picture: outline and predicted ladder
    with paper_style():
        fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 3.2), gridspec_kw={"width_ratios": [2, 1]})
        track.plot(ax=ax)
        ax.set_title(f"{name}: {result.K} notches")
        k = np.arange(result.K)
        bx.errorbar(k, result.v50, yerr=result.sigma, fmt="o", label="predicted V50 +- sigma")
        bx.plot(k, result.target, "k_", markersize=14, label="target")
        if result.v_qs is not None:
            bx.plot(k, result.v_qs, "s", mfc="none", label="T = 0 threshold")
        bx.set_xlabel("notch")
        bx.set_ylabel("V")
        bx.legend(fontsize=7)
        fig.tight_layout()
        paths["picture"] = out / f"{name}.png"
        fig.savefig(paths["picture"], dpi=130)
        plt.close(fig)
    # ladder CSV
    paths["csv"] = out / f"{name}-ladder.csv"
    with paths["csv"].open("w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["notch", "position_m", "depth_m", "target_V", "v50_V", "sigma_V", "v_qs_V"])
        for i in range(result.K):
            wr.writerow(
                [
                    i,
                    float(result.profile.positions[i]),
                    float(result.profile.depths[i]),
                    float(result.target[i]),
                    float(result.v50[i]),
                    float(result.sigma[i]),
                    float(result.v_qs[i]) if result.v_qs is not None else "",
                ]
            )
    # artifact
    paths["artifact"] = save_model(
        implied_model(problem, result, track, name), out / f"{name}-model.json"
    )
    report = {
        "name": name,
        "spec": spec.to_dict(),
        "calibration": problem.cal.to_dict(),
        "chosen_notch_count": result.K,
        "feasible": result.feasible,
        "reasons": result.reasons,
        "design": as_numpy(result.profile),
        "predicted": {
            "v50_V": result.v50.tolist(),
            "sigma_V": result.sigma.tolist(),
            "v_qs_T0_V": None if result.v_qs is None else result.v_qs.tolist(),
            "backward_escape_time_s": result.tau_back,
            "target_V": result.target.tolist(),
        },
        "yield": result.yield_,
        "starts": {
            "loss": [s["loss"] for s in result.starts],
            "loss_spread": float(np.std([s["loss"] for s in result.starts])),
            "v50_spread_over_starts_V": np.std([s["v50_V"] for s in result.starts], 0).tolist(),
            "designs": result.starts,
        },
        "outer_loop": [
            {
                "K": r.K,
                "loss": r.loss,
                "feasible": r.feasible,
                "reasons": r.reasons,
                "yield_resolved": r.yield_.get("yield_resolved"),
            }
            for r in all_results
        ],
        "files": {k: str(v) for k, v in paths.items()},
    }
    paths["report"] = out / f"{name}-report.json"
    paths["report"].write_text(json.dumps(report, indent=1, default=float) + "\n")
    return paths
