"""``dwmtj fit``: fit a compact device model to run files or measured cycles."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from dwmtj.commands.options import non_negative_int, positive_float, positive_int


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``fit`` subcommand to the ``dwmtj`` parser."""
    p = subparsers.add_parser(
        "fit",
        help="fit a compact device model (depinning laws, transport, Eq. 1, levels)",
        description="Fit per-notch depinning laws by maximum likelihood, the notch-to-notch "
        "transport model, Eq. 1 metaplasticity and conductance levels; write a JSON artifact.",
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="measured cycles (.csv: cycle,pulse,voltage_V,resistance_ohm"
        "[,pulse_width_s,temperature_K,bias_field_T]) "
        "or physics run files (.h5)",
    )
    p.add_argument("-o", "--output", required=True, help="model artifact to write (.json)")
    p.add_argument(
        "--law",
        default="auto",
        choices=("auto", "arrhenius", "normal"),
        help="depinning law (auto: lowest AIC)",
    )
    p.add_argument(
        "--beta",
        default=None,
        help="activation exponent: a number, 'free', or omit to choose 1/1.5/2 by AIC",
    )
    p.add_argument("--tau0", type=positive_float, default=1e-9, help="attempt time tau0 (s)")
    p.add_argument(
        "--n-levels",
        type=positive_int,
        default=None,
        help="number of resistance levels in CSV input (default: chosen by BIC)",
    )
    p.add_argument(
        "--bootstrap",
        type=non_negative_int,
        default=0,
        help="bootstrap resamples for the uncertainties (default: Hessian)",
    )
    p.add_argument(
        "--n-rep",
        type=positive_int,
        default=200,
        help="Monte Carlo replicates of the posterior-predictive check",
    )
    p.add_argument("--name", default=None, help="model name (default: output file stem)")
    p.add_argument("--plot", default=None, metavar="DIR", help="write figures to DIR")
    p.add_argument(
        "--seed", type=non_negative_int, default=0, help="random seed (bootstrap, Monte Carlo)"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="fit run files that fail their checks (partial, tampered, name not the hash of "
        "their spec) knowingly, with a warning",
    )
    p.set_defaults(func=run_fit)


def parse_beta(arg: str | None) -> float | str | None:
    """``--beta``: None (choose by AIC), ``"free"``, or a finite positive number."""
    if arg is None or arg == "free":
        return arg
    try:
        b = float(arg)
    except ValueError:
        raise ValueError(f"--beta: expected a number or 'free', got {arg!r}") from None
    if not math.isfinite(b) or b <= 0:
        raise ValueError(f"--beta: must be a finite number > 0 or 'free', got {arg!r}")
    return b


def run_fit(args: argparse.Namespace) -> int:
    """Handler of ``dwmtj fit``."""
    # compact's fit and figures load scipy.stats and matplotlib (~1 s): loaded when the
    # command runs, so that `dwmtj --help` stays fast
    from compact.artifact import save_model
    from compact.plots import fit_figures
    from compact.summary import summary_table
    from compact.workflow import fit_runs

    out = Path(args.output)
    if out.suffix.lower() != ".json":
        raise ValueError(f"--output: the artifact must be a .json file, got {out}")
    if args.n_rep < 1:
        raise ValueError(f"--n-rep: need at least 1 replicate, got {args.n_rep}")
    result = fit_runs(
        args.inputs,
        name=args.name or out.stem,
        law=args.law,
        beta=parse_beta(args.beta),
        tau0_s=args.tau0,
        n_levels=args.n_levels,
        bootstrap=args.bootstrap,
        n_rep=args.n_rep,
        seed=args.seed,
        force=args.force,
    )
    if result.dropped_edge_states:
        print(result.reached_note())
    print(summary_table(result.model, result.check))
    if args.plot:
        figures = fit_figures(result, Path(args.plot))
        print("figures: " + ", ".join(str(f) for f in figures.values()))
    save_model(result.model, out)
    print(f"wrote {out}")
    return 0
