"""``dwmtj demo``: the README's first command, from track shapes to network accuracy.

The command runs the stages of :mod:`physics.pipeline` (devices -> simulate -> fit -> stream,
inference -> report). This module holds the command line and the *device stage*: for each
device it draws the geometry, solves the current a write pulse drives through the Ta layer,
draws the |J| map, builds the micromagnetic ``System`` (with the pulse and the spatial SOT),
writes the OOMMF input (a dry run: no OOMMF needed) and summarises everything in
``summary.md`` and ``summary.json``. Cells are the presets' own: 10 nm for the paper devices
(coarse: enough for the current, not for micromagnetics) and 2 nm for the scaled ones.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

#: preset -> pulse amplitude (V). Paper devices: 3.0 V, the trapezoid's average switching
#: voltage V_C,avg of the paper (Fig. 2b). Scaled devices: 0.3 V, which drives
#: 4e11-1.3e12 A/m^2 (median to notch-tip peak): the OOMMF reference's SOT range (case C).
DEMO_DEVICES: dict[str, float] = {
    "paper-trapezoid": 3.0,
    "paper-straight": 3.0,
    "scaled-trapezoid": 0.3,
    "scaled-straight": 0.3,
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` subcommand to the ``dwmtj`` parser."""
    from physics.pipeline.config import STAGES

    p = subparsers.add_parser(
        "demo",
        help="the whole chain: devices -> 300 K ramps -> compact fit -> stream, inference",
        description=(
            "Stages: devices (geometry, |J| map, System, OOMMF input of the scaled trapezoid "
            "and straight), simulate (300 K voltage ramps, specs in physics/experiment/"
            "examples/demo-<scale>-<device>.toml), fit (compact-model artifacts), stream "
            "(Fashion-MNIST with the fitted devices and the paper presets), inference (the "
            "pretrained ResNet with the fitted levels and noise), then report.html and "
            "report.json. Finished stages are reused (OUT/stages.json); changing an option "
            "reruns only the stages that depend on it."),
    )
    p.add_argument("--out", type=Path, default=Path("demo-output"),
                   help="output folder (default: demo-output)")
    p.add_argument("--preset", default="small", choices=("small", "paper"),
                   help="small: 2 CPU cores, < 20 min (default); paper: the paper's scale "
                        "(GPU/cluster)")
    p.add_argument("--dry-run", action="store_true",
                   help="validate the options and list the stages (run or reuse); run nothing")
    p.add_argument("--until", choices=STAGES, help="stop after this stage")
    p.add_argument("--realisations", type=int, help="thermal realisations per device "
                   "(default: the spec file's n_realisations)")
    p.add_argument("--pulses", type=int, help="pulses per ramp (default: the spec file's)")
    p.add_argument("--workers", type=int, help="simulation processes (default 2)")
    p.add_argument("--trapezoid-spec", type=Path, help="run TOML of the trapezoid")
    p.add_argument("--straight-spec", type=Path, help="run TOML of the straight track")
    p.add_argument("--fit-n-rep", type=int, help="posterior-predictive replicates (200)")
    p.add_argument("--stream-subsets", type=int, help="stream subsets (small: 10)")
    p.add_argument("--stream-epochs", type=int, help="epochs per subset (small: 5)")
    p.add_argument("--stream-subset-size", type=int, help="images per subset (1000)")
    p.add_argument("--stream-seeds", type=int, help="seeds (small: 1)")
    p.add_argument("--stream-test-images", type=int,
                   help="random test images for the stream's validation (default: all 10000)")
    p.add_argument("--infer-bits", help="weight bits of the inference sweep, e.g. 2-6")
    p.add_argument("--infer-noise-factors", help="multiples of sigma_G, e.g. 0,1,10")
    p.add_argument("--infer-draws", type=int, help="write-noise draws per point (small: 3)")
    p.add_argument("--infer-test-images", type=int,
                   help="random CIFAR test images for inference (small: 1000)")
    p.add_argument("--checkpoint", type=Path, help="trained ResNet folder for inference")
    p.add_argument("--data", type=Path, help="data directory (else $DWMTJ_DATA, ...)")
    p.set_defaults(func=run_demo)


def _terms(container: Any) -> list[str]:
    return [type(term).__name__ for term in container]


def demo_device(name: str, voltage: float, out: Path, log: Any, track: Any = None,
                cell: tuple[float, float] | None = None, material: Any = None) -> dict[str, Any]:
    """Draw, solve and build one device at pulse amplitude ``voltage`` (V); returns its
    summary record. ``track``, ``cell`` (dx, dy in m) and ``material`` default to those of the
    preset ``name``; give them to show the device exactly as a run spec defines it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    import geometries
    from physics.calculators.oommf import OOMMFCalculator
    from physics.cli import notch_current_densities, save_current_map
    from physics.current import solve_current
    from physics.device import build_system
    from physics.materials import material_for_geometry
    from physics.pulses import default_pulse

    t0 = time.perf_counter()
    track = track if track is not None else geometries.load_preset(name)
    cell = tuple(cell) if cell is not None else geometries.preset_cell(name)
    material = material if material is not None else material_for_geometry(name)
    fig, ax = plt.subplots(figsize=(7, 3.2), constrained_layout=True)
    track.plot(ax=ax)
    ax.set_title(f"{name}: {track.description}", fontsize=8)
    fig.savefig(out / f"{name}-geometry.png", dpi=150)
    plt.close(fig)
    t1 = time.perf_counter()
    log(f"{name}: geometry figure {t1 - t0:.2f} s")

    pulse = default_pulse(voltage)
    sol = solve_current(track, cell, voltage, material)
    t2 = time.perf_counter()
    log(f"{name}: current solve ({int(sol.mask.sum())} cells) {t2 - t1:.2f} s")
    save_current_map(sol, track, out / f"{name}-current.png",
                     title=f"{name}: |J| at {voltage:g} V")
    t3 = time.perf_counter()
    log(f"{name}: |J| map {t3 - t2:.2f} s")

    system = build_system(track, material, cell, current=sol, pulse=pulse, wall_at_notch=0,
                          name=name.replace("-", "_"))
    t4 = time.perf_counter()
    log(f"{name}: micromagnetic System {t4 - t3:.2f} s")
    mif = OOMMFCalculator().run(system, t=pulse.duration + 10e-9, n=70, dry_run=True,
                                workdir=out / "oommf")
    t5 = time.perf_counter()
    log(f"{name}: OOMMF input (dry run) {t5 - t4:.2f} s")

    mtj_area = float(track.mtj_area) if track.mtj is not None else None
    r_p = material.ra_product / mtj_area if mtj_area else None
    mask = sol.mask
    plain = sol.J_magnitude[mask]
    return {
        "preset": name,
        "description": track.description,
        "voltage_V": voltage,
        "pulse": pulse.to_dict() | {"fwhm": pulse.fwhm, "duration": pulse.duration},
        "cell_m": list(cell),
        "grid": list(mask.shape),
        "track_cells": int(np.asarray(track.mask(*cell)).sum()),
        "conducting_cells": int(mask.sum()),
        "resistance_ohm": sol.resistance,
        "current_A": sol.current,
        "J_median_A_m2": float(np.median(plain)),
        "J_max_A_m2": float(plain.max()),
        "notches": notch_current_densities(sol, track),
        "mtj_area_m2": mtj_area,
        "mtj_R_P_ohm": r_p,
        "mtj_R_AP_ohm": r_p * (1 + material.tmr) if r_p else None,
        "material": material.to_dict(),
        "system": {"name": system.name, "energy": _terms(system.energy),
                   "dynamics": _terms(system.dynamics), "T_K": system.T,
                   "cells": [int(n) for n in system.m.mesh.n]},
        "oommf_mif": str(mif.mif.relative_to(out)),
        "seconds": {"geometry": t1 - t0, "current": t2 - t1, "current_map": t3 - t2,
                    "system": t4 - t3, "oommf_mif": t5 - t4},
    }


def write_summary(records: list[dict[str, Any]], out: Path) -> None:
    """Write summary.json and summary.md for the demo records."""
    (out / "summary.json").write_text(json.dumps(records, indent=2))
    lines = ["# dwmtj demo", "",
             "Write pulse: FWHM 50 ns, 10 ns linear rise and fall (40 ns plateau). Current from "
             "the 2-D conduction solve in 5 nm of Ta (rho = 190 uOhm cm), IN at V, CLK at 0.", "",
             "| device | V (V) | cell (nm) | cells | R (Ohm) | I (mA) | median J (A/m^2) | "
             "max J (A/m^2) | MTJ R_P / R_AP (Ohm) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in records:
        mtj = (f"{r['mtj_R_P_ohm']:.4g} / {r['mtj_R_AP_ohm']:.4g}" if r["mtj_R_P_ohm"]
               else "-")
        lines.append(
            f"| {r['preset']} | {r['voltage_V']:g} | {r['cell_m'][0] * 1e9:g} | "
            f"{r['conducting_cells']} | {r['resistance_ohm']:.5g} | {r['current_A'] * 1e3:.4g} | "
            f"{r['J_median_A_m2']:.3g} | {r['J_max_A_m2']:.3g} | {mtj} |")
    lines += ["", "## |J| at the notches (mean / peak over the notch's cell column, A/m^2)", ""]
    for r in records:
        cells = ", ".join(f"{n['J_mean']:.3g} / {n['J_peak']:.3g}" for n in r["notches"])
        lines.append(f"- **{r['preset']}**: {cells}")
    lines += ["", "## Micromagnetic System (one per device; OOMMF input in oommf/)", ""]
    for r in records:
        s = r["system"]
        lines.append(f"- **{r['preset']}** `{s['name']}`: cells {s['cells']}, energy "
                     f"{' + '.join(s['energy'])}; dynamics {' + '.join(s['dynamics'])}; "
                     f"T = {s['T_K']:g} K; MIF `{r['oommf_mif']}`")
    lines += ["", "Figures: `<device>-geometry.png`, `<device>-current.png`.", ""]
    (out / "summary.md").write_text("\n".join(lines))


def demo_config(args: argparse.Namespace) -> Any:
    """The validated :class:`~physics.pipeline.config.DemoConfig` of the parsed options."""
    from nn.inference_cli import _floats, parse_bits
    from physics.pipeline.config import build_config

    try:
        bits = tuple(parse_bits(args.infer_bits)) if args.infer_bits else None
    except ValueError as exc:
        raise ValueError(f"--infer-{exc}") from None
    noise = (tuple(_floats(args.infer_noise_factors, "--infer-noise-factors"))
             if args.infer_noise_factors else None)
    return build_config(
        args.preset, realisations=args.realisations, pulses=args.pulses, workers=args.workers,
        until=args.until, trapezoid_spec=args.trapezoid_spec, straight_spec=args.straight_spec,
        fit_n_rep=args.fit_n_rep, stream_subsets=args.stream_subsets,
        stream_epochs=args.stream_epochs, stream_subset_size=args.stream_subset_size,
        stream_seeds=args.stream_seeds, stream_test_images=args.stream_test_images,
        infer_bits=bits, infer_noise_factors=noise, infer_draws=args.infer_draws,
        infer_test_images=args.infer_test_images, checkpoint=args.checkpoint, data=args.data)


def run_demo(args: argparse.Namespace) -> int:
    """Handler of ``dwmtj demo``: validate everything, then run (or list) the stages."""
    from physics.pipeline.config import missing_inputs
    from physics.pipeline.run import describe_stage, plan, run_stages

    cfg = demo_config(args)  # every bad option fails here, before any work
    out = Path(args.out)
    start = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - start:7.1f} s] {message}", flush=True)

    if args.dry_run:
        print(f"dwmtj demo --preset {cfg.preset}: plan for {out}")
        for step in plan(cfg, out):
            what = "reuse" if step["reuse"] else "run"
            deps = ", ".join(step["inputs"]) or "-"
            print(f"  {step['stage']:10s} {what:6s} key {step['key'][:12]}  inputs: {deps}")
            print(f"      {describe_stage(cfg, step['stage'])}")
        for problem in missing_inputs(cfg):
            print(f"  MISSING INPUT {problem}")
        return 0
    run_stages(cfg, out, log)
    return 0
