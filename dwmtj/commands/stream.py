"""``dwmtj train stream``: the stream Fashion-MNIST task for one or more synapse types."""

from __future__ import annotations

import argparse
from pathlib import Path

from dwmtj.commands.options import (
    non_negative_int,
    output_folder,
    positive_float,
    positive_int,
)

#: Output folder, relative to the working directory.
DEFAULT_OUT = "results/stream/run"


def register_train(networks: argparse._SubParsersAction) -> None:
    """Add ``stream`` under ``dwmtj train``."""
    p = networks.add_parser(
        "stream",
        help="metaplastic BNN on streamed Fashion-MNIST (paper Figs. 4-5)",
        description=(
            "Train the binarised 784-512-512-10 network on Fashion-MNIST cut into subsets, "
            "with the metaplastic rule of each device, all seeds and devices in one vmapped "
            "program (the laborieux control: 784-1024-1024-10, 20 epochs, unless given). "
            "Writes stream.h5, curves.csv, summary.{csv,md}, fig5a.png (and "
            "fig5b.png when a trapezoid and a linear device are compared); checkpoints after "
            "every subset, so rerunning the same command resumes."
        ),
    )
    p.add_argument(
        "--device",
        action="append",
        metavar="SPEC",
        help="synapse type: preset (trapezoid, straight, linear) or compact-model "
        "JSON path, with options ':levels=N,delta=D,w1w2=R,binarized=0|1'; or the "
        "software control 'laborieux:m=M[,wd=W]' (Laborieux et al.'s Adam-meta, float "
        "weights, 1-tanh^2(M|W|), weight decay W, default 1e-7; m=0: plain BNN) with the "
        "ablation switches (issue 18; W = normalised hidden weight, [-1, 1] = the device "
        "range): fmeta=eq1,w1w2=R (Eq. 1 (1-|W|)(1-R)+R at clip(W,-1,1) in place of "
        "tanh^2; R = w1/w2 in (0, 1]), delta=D (factor on steps that grow |W|, default 1), "
        "clip=1 (clip W to [-1, 1] after every step), levels=N (round W onto N evenly "
        "spaced levels in [-1, 1] at init and after every step, stochastically unless "
        "--deterministic-rounding), binarized=0 (the forward pass reads W itself: the "
        "non-binarised synapse's control), fmeta_on=all (Eq. 1 on every step, delta on top "
        "of growing ones; default shrink: on shrinking steps only); e.g. "
        "'laborieux:m=2.5,fmeta=eq1,w1w2=0.25,delta=3,clip=1,levels=4'; "
        "rounding variants for either kind (issue 18; defaults: the paper's reading): "
        "grid=uniform|magnitude|zero (with levels=N: N evenly spaced levels; N magnitudes "
        "per sign {+-k/N}; N magnitudes per sign with 0, {+-k/(N-1)}), "
        "round=step|epoch|subset (round after every step, or only at each epoch's or "
        "subset's end), zero=0|pm (a weight at 0 reads as 0, or as a fixed +-1); "
        "repeat for several (default: straight, straight:delta=3, trapezoid, "
        "linear:levels=32)",
    )
    p.add_argument("--seeds", type=positive_int, default=5, help="number of seeds (default 5)")
    p.add_argument("--first-seed", type=non_negative_int, default=0)
    p.add_argument(
        "--subsets", type=positive_int, default=60, help="number of subsets (default 60)"
    )
    p.add_argument(
        "--epochs",
        type=positive_int,
        default=None,
        help="epochs per subset (default 30; 20 when every device is a laborieux control)",
    )
    p.add_argument(
        "--hidden",
        type=positive_int,
        nargs="+",
        default=None,
        metavar="N",
        help="hidden layer sizes, all equal (default 512 512; 1024 1024 when every device "
        "is a laborieux control)",
    )
    p.add_argument(
        "--bn-momentum",
        type=positive_float,
        default=0.1,
        help="batch-norm momentum of the running statistics (default 0.1, PyTorch's)",
    )
    p.add_argument(
        "--bn-eps", type=positive_float, default=1e-5, help="batch-norm epsilon (default 1e-5)"
    )
    p.add_argument("--subset-size", type=positive_int, default=1000, help="images per subset")
    p.add_argument("--batch-size", type=positive_int, default=100)
    p.add_argument(
        "--lr", type=positive_float, default=0.005, help="Adam learning rate (default 0.005)"
    )
    p.add_argument(
        "--deterministic-rounding",
        action="store_true",
        help="round hidden weights to the nearest level instead of stochastically",
    )
    p.add_argument(
        "--no-full-data",
        action="store_true",
        help="skip the full-data reference runs (the ticks of Fig. 5a)",
    )
    p.add_argument(
        "--eval-every-epoch",
        action="store_true",
        help="also validate after every epoch (stored in stream.h5)",
    )
    p.add_argument(
        "--max-steps",
        type=positive_int,
        default=None,
        help="stop after this many subsets/full-data epochs (resume later)",
    )
    p.add_argument(
        "--data",
        default=None,
        help="data directory (else $DWMTJ_DATA, then "
        "../shared/datasets relative to the working directory)",
    )
    p.add_argument(
        "--out",
        type=output_folder,
        default=DEFAULT_OUT,
        help=f"output folder (default {DEFAULT_OUT})",
    )
    p.add_argument(
        "--plot-only", action="store_true", help="only redraw figures and tables from OUT/stream.h5"
    )
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    # nn loads JAX (~1 s): imported when the command runs, after dwmtj.cli has set XLA_FLAGS
    from nn import stream
    from nn.fashion_mnist import load_fashion_mnist

    out = Path(args.out)
    if args.plot_only:
        if not (out / "stream.h5").is_file():
            raise FileNotFoundError(
                f"--out: {out / 'stream.h5'} not found; run without --plot-only"
            )
        result = stream.load_result(out / "stream.h5")
    else:
        specs = [stream.parse_synapse_spec(s) for s in (args.device or stream.PAPER_DEVICES)]
        labels = [s.label for s in specs]
        if len(set(labels)) != len(labels):
            raise ValueError(f"device: each device must be given once, got {labels}")
        control = all(s.kind == "laborieux" for s in specs)
        base = stream.StreamConfig.laborieux_control() if control else stream.StreamConfig()
        hidden = args.hidden or [base.hidden_width] * base.hidden_layers
        if len(set(hidden)) != 1:
            raise ValueError(f"hidden: all hidden layers must have one size, got {hidden}")
        cfg = stream.StreamConfig(
            n_subsets=args.subsets,
            subset_size=args.subset_size,
            epochs=args.epochs or base.epochs,
            hidden_width=hidden[0],
            hidden_layers=len(hidden),
            bn_momentum=args.bn_momentum,
            bn_eps=args.bn_eps,
            batch_size=args.batch_size,
            n_seeds=args.seeds,
            learning_rate=args.lr,
            stochastic_rounding=not args.deterministic_rounding,
            full_data=not args.no_full_data,
            eval_every_epoch=args.eval_every_epoch,
            first_seed=args.first_seed,
        )
        data = load_fashion_mnist(args.data)
        for s in specs:
            print("device:", stream.describe(s))
        result = stream.run_stream(
            specs, data, cfg, out_dir=out, progress=not args.no_progress, max_steps=args.max_steps
        )
    result = stream.finished_part(result)  # a run stopped by --max-steps: what is done
    paths = stream.save_result(result, out)
    fig_a = stream.plot_fig5a(result, out / "fig5a.png")
    fig_b = stream.plot_fig5b(result, out / "fig5b.png")
    print(paths["summary_md"].read_text(), end="")
    print("wrote", ", ".join(str(p) for p in [*paths.values(), fig_a, fig_b] if p is not None))
    return 0
