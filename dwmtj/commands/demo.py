"""``dwmtj demo``: the README's first command, from track shapes to network accuracy.

The command validates every option (:func:`dwmtj.pipeline.config.build_config`), then runs
the stages of :mod:`dwmtj.pipeline` (devices -> simulate -> fit -> stream, inference ->
report), or lists them (``--dry-run``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from dwmtj.commands.options import (
    output_folder,
    parse_bits,
    parse_non_negative_floats,
    positive_int,
)
from dwmtj.pipeline.manifest import STAGES


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` subcommand to the ``dwmtj`` parser."""
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
            "reruns only the stages that depend on it."
        ),
    )
    p.add_argument(
        "--out",
        type=output_folder,
        default=Path("demo-output"),
        help="output folder (default: demo-output)",
    )
    p.add_argument(
        "--preset",
        default="small",
        choices=("small", "paper"),
        help="small: the scaled devices, 2 CPU cores, < 20 min (default); paper: the paper's "
        "full-size devices through the multiscale path, < 1 h on a CPU",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="validate the options and list the stages (run or reuse); run nothing",
    )
    p.add_argument("--until", choices=STAGES, help="stop after this stage")
    p.add_argument(
        "--realisations",
        type=positive_int,
        help="thermal realisations per device (default: the spec file's n_realisations)",
    )
    p.add_argument("--pulses", type=positive_int, help="pulses per ramp (default: the spec file's)")
    p.add_argument("--workers", type=positive_int, help="simulation processes (default 2)")
    p.add_argument("--trapezoid-spec", type=Path, help="run TOML of the trapezoid")
    p.add_argument("--straight-spec", type=Path, help="run TOML of the straight track")
    p.add_argument("--fit-n-rep", type=positive_int, help="posterior-predictive replicates (200)")
    p.add_argument("--stream-subsets", type=positive_int, help="stream subsets (small: 10)")
    p.add_argument("--stream-epochs", type=positive_int, help="epochs per subset (small: 30)")
    p.add_argument("--stream-subset-size", type=positive_int, help="images per subset (1000)")
    p.add_argument("--stream-seeds", type=positive_int, help="seeds (small: 3)")
    p.add_argument(
        "--stream-test-images",
        type=positive_int,
        help="random test images for the stream's validation (default: all 10000)",
    )
    p.add_argument("--infer-bits", help="weight bits of the inference sweep, e.g. 2-6")
    p.add_argument("--infer-noise-factors", help="multiples of sigma_G, e.g. 0,1,10")
    p.add_argument(
        "--infer-draws", type=positive_int, help="write-noise draws per point (small: 3)"
    )
    p.add_argument(
        "--infer-test-images",
        type=positive_int,
        help="random CIFAR test images for inference (small: 1000)",
    )
    p.add_argument(
        "--checkpoint",
        type=Path,
        help="trained ResNet folder for inference (default: "
        "results/inference/checkpoint relative to the working directory; the paper's "
        "ResNet-56 x4 needs a GPU: dwmtj train resnet --paper)",
    )
    p.add_argument(
        "--data",
        type=Path,
        help="data directory (else $DWMTJ_DATA, then "
        "../shared/datasets relative to the working directory)",
    )
    p.set_defaults(func=run_demo)


def demo_config(args: argparse.Namespace) -> Any:
    """The validated :class:`~dwmtj.pipeline.config.DemoConfig` of the parsed options."""
    # the pipeline loads JAX, ubermag and matplotlib (~3 s): imported when the command runs,
    # after dwmtj.cli has set XLA_FLAGS, so that `dwmtj --help` stays fast
    from dwmtj.pipeline.config import build_config

    bits = tuple(parse_bits(args.infer_bits, "--infer-bits")) if args.infer_bits else None
    noise = (
        tuple(parse_non_negative_floats(args.infer_noise_factors, "--infer-noise-factors"))
        if args.infer_noise_factors
        else None
    )
    return build_config(
        args.preset,
        realisations=args.realisations,
        pulses=args.pulses,
        workers=args.workers,
        until=args.until,
        trapezoid_spec=args.trapezoid_spec,
        straight_spec=args.straight_spec,
        fit_n_rep=args.fit_n_rep,
        stream_subsets=args.stream_subsets,
        stream_epochs=args.stream_epochs,
        stream_subset_size=args.stream_subset_size,
        stream_seeds=args.stream_seeds,
        stream_test_images=args.stream_test_images,
        infer_bits=bits,
        infer_noise_factors=noise,
        infer_draws=args.infer_draws,
        infer_test_images=args.infer_test_images,
        checkpoint=args.checkpoint,
        data=args.data,
    )


def run_demo(args: argparse.Namespace) -> int:
    """Handler of ``dwmtj demo``: validate everything, then run (or list) the stages."""
    from dwmtj.pipeline.config import missing_inputs  # heavy: see demo_config
    from dwmtj.pipeline.run import describe_stage, plan, run_stages

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
