"""``dwmtj design``: from a target synapse (TOML) to a track, by gradients through the model."""

from __future__ import annotations

import argparse
from pathlib import Path

from dwmtj.commands.options import positive_int


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``design`` subcommand to the ``dwmtj`` parser."""
    p = subparsers.add_parser(
        "design",
        help="design a notched track for a target synapse (levels or f_meta)",
        description=(
            "Read a design target (TOML: [target], [constraints], [pulse], [material], "
            "[optimiser]; see results/design/targets/), check it before any work, optimise "
            "the track with multi-start Adam through the differentiable depinning model, and "
            "write the track (TOML preset + PNG), the predicted per-notch V50 and spread "
            "(report JSON + CSV) and the implied compact-model artifact."
        ),
    )
    p.add_argument("target", type=Path, help="design target TOML file")
    p.add_argument("--out", type=Path, default=Path("results/design"), help="output folder")
    p.add_argument("--starts", type=positive_int, help="override optimiser.starts (>= 1)")
    p.add_argument("--steps", type=positive_int, help="override optimiser.steps (>= 1)")
    p.add_argument("--check", action="store_true", help="validate the target and stop")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=run_design_command)


def run_design_command(args: argparse.Namespace) -> int:
    """Handler of ``dwmtj design``."""
    import dataclasses

    from design.objective import Problem
    from design.optimise import check_feasible, run_design
    from design.report import write_outputs
    from design.surrogate import load_calibration
    from design.target import load_design_spec

    spec = load_design_spec(args.target)
    changes = {}
    if args.starts is not None:
        if args.starts < 1:
            raise ValueError(f"--starts: must be >= 1, got {args.starts}")
        changes["starts"] = args.starts
    if args.steps is not None:
        if args.steps < 1:
            raise ValueError(f"--steps: must be >= 1, got {args.steps}")
        changes["steps"] = args.steps
    if changes:
        spec = dataclasses.replace(spec, optimiser=dataclasses.replace(spec.optimiser, **changes))
    cal = load_calibration()
    check_feasible(spec, cal)
    if args.check:
        print(f"{args.target}: target and constraints are valid")
        return 0
    chosen, results = run_design(spec, cal, progress=not args.no_progress)
    paths = write_outputs(Problem.of(spec, cal), chosen, results, args.out)
    status = "meets its target in the model" if chosen.feasible else "INFEASIBLE"
    print(f"{spec.name}: {chosen.K} notches, {status}")
    for r in chosen.reasons:
        print(f"  {r}")
    print("  V50 (V): " + ", ".join(f"{v:.3f}" for v in chosen.v50))
    print("  sigma (V): " + ", ".join(f"{s:.3f}" for s in chosen.sigma))
    y = chosen.yield_
    rough = (
        f", edge roughness {y['edge_roughness_m'] * 1e9:.1f} nm RMS"
        f" / {y['roughness_correlation_m'] * 1e9:.0f} nm"
        if y.get("edge_roughness_m")
        else ""
    )
    print(
        f"  yield (all levels resolved, depth sigma {y['depth_sigma_m'] * 1e9:.1f} nm{rough}): "
        f"{y['yield_resolved']:.3f}"
    )
    for k, v in paths.items():
        print(f"  {k}: {v}")
    return 0 if chosen.feasible else 3
