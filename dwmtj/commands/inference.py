"""``dwmtj train resnet`` and ``dwmtj infer``: the analog-inference application (Fig. 6)."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from dwmtj.commands.options import (
    non_negative_float,
    non_negative_int,
    output_folder,
    parse_bits,
    parse_non_negative_floats,
    positive_float,
    positive_int,
)

#: Default checkpoint folder and output folder, relative to the working directory (the
#: checkout's committed network when the command runs from the checkout's root).
DEFAULT_CHECKPOINT = Path("results/inference/checkpoint")
DEFAULT_OUT = Path("results/inference")


def _train_handler(args: argparse.Namespace) -> int:
    # nn loads JAX (~1 s): imported when the command runs, after dwmtj.cli has set XLA_FLAGS
    from nn.cifar import load_dataset
    from nn.train_resnet import PAPER_CONFIG, TrainConfig, train

    base = PAPER_CONFIG if args.paper else TrainConfig()
    overrides = {
        k: v
        for k, v in {
            "depth": args.depth,
            "width": args.width,
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "lr": args.lr,
            "weight_decay": args.weight_decay,
            "seed": args.seed,
            "dataset": args.dataset,
            "train_limit": args.train_limit,
        }.items()
        if v is not None
    }
    if args.train_limit is not None and args.train_limit < (args.batch_size or base.batch_size):
        raise ValueError(
            f"--train-limit: {args.train_limit} images are fewer than one batch "
            f"(--batch-size {args.batch_size or base.batch_size})"
        )
    config = dataclasses.replace(base, **overrides)
    dataset = load_dataset(config.dataset, args.data, seed=config.seed)
    out = Path(args.out)
    print(
        f"training ResNet-{config.depth} x{config.width:g} on {dataset.name} "
        f"({dataset.source}); checkpoints in {out}",
        flush=True,
    )
    _, meta = train(config, dataset, out, resume=not args.no_resume)
    print(
        f"test accuracy after {meta['epoch']} epochs: {meta['test_accuracy']:.4f} ({dataset.name})"
    )
    return 0


def register_train(networks: argparse._SubParsersAction) -> None:
    """Add ``dwmtj train resnet``."""
    p = networks.add_parser(
        "resnet",
        help="train a CIFAR ResNet (SGD momentum, cosine schedule, crop+flip) for analog inference",
    )
    p.add_argument("--depth", type=positive_int, help="6n+2: 8, 14, 20, 32, 56 (default 8)")
    p.add_argument("--width", type=positive_float, help="channel multiplier (default 1: 16-32-64)")
    p.add_argument("--epochs", type=positive_int, help="epochs (default 15)")
    p.add_argument("--batch-size", type=positive_int, help="batch size (default 128)")
    p.add_argument("--lr", type=positive_float, help="peak learning rate (default 0.1)")
    p.add_argument("--weight-decay", type=non_negative_float, help="weight decay (default 5e-4)")
    p.add_argument("--seed", type=non_negative_int, help="random seed (default 0)")
    p.add_argument(
        "--dataset",
        choices=["cifar10-jpeg", "cifar100"],
        help="dataset (default cifar10-jpeg; --paper: cifar100)",
    )
    p.add_argument(
        "--data",
        help="folder holding the dataset (else $DWMTJ_DATA, then ../shared/datasets "
        "relative to the working directory)",
    )
    p.add_argument("--train-limit", type=positive_int, help="use only the first N training images")
    p.add_argument(
        "--paper",
        action="store_true",
        help="the paper's ResNet-56 x4 on CIFAR-100 for 200 epochs (for a GPU)",
    )
    p.add_argument(
        "--out",
        type=output_folder,
        default=str(DEFAULT_CHECKPOINT),
        help=f"checkpoint folder (default {DEFAULT_CHECKPOINT}, relative to the working directory)",
    )
    p.add_argument(
        "--no-resume", action="store_true", help="start over even if a checkpoint exists"
    )
    p.set_defaults(func=_train_handler)


def _infer_handler(args: argparse.Namespace) -> int:
    # nn and compact's device model load JAX (~1 s): imported when the command runs
    from compact.presets import load_device
    from nn.inference import run_inference_sweep

    bits = parse_bits(args.bits)
    noise_factors = parse_non_negative_floats(args.noise_factors, "--noise-factors")
    if args.test_limit is not None and args.test_limit < 1:
        raise ValueError(f"--test-limit: need >= 1 images, got {args.test_limit}")
    checkpoint = Path(args.checkpoint)
    if not (checkpoint.is_file() or (checkpoint / "checkpoint.json").is_file()):
        raise FileNotFoundError(
            f"--checkpoint: no trained network in {checkpoint.absolute()} "
            "(make one with `dwmtj train resnet --out DIR`)"
        )
    device = load_device(args.device)
    result = run_inference_sweep(
        device=device,
        checkpoint=checkpoint,
        bits=bits,
        noise_factors=noise_factors,
        draws=args.draws,
        dataset_name=args.dataset,
        data_dir=args.data,
        out=Path(args.out),
        test_limit=args.test_limit,
        batch_size=args.batch_size,
        seed=args.seed,
        write_sigma=args.write_sigma,
        read_sigma=args.read_sigma,
        sigma_norm=args.sigma_norm,
        clip_after_noise=not args.no_clip_after_noise,
    )
    info = result.info
    print(
        f"software accuracy {info['digital_accuracy']:.4f} on {info['test_images']} "
        f"{info['dataset']} test images"
    )
    for p in result.points:
        print(
            f"{p.level_mode:8s} notches={p.notches:4d} noise x{p.noise_factor:<4g} "
            f"accuracy {100 * p.mean:6.2f} +- {100 * p.std:.2f} % ({len(p.accuracies)} draws)"
        )
    print("wrote " + ", ".join(str(f) for f in result.files.values()))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``dwmtj infer`` to the ``dwmtj`` parser."""
    p = subparsers.add_parser(
        "infer",
        help="accuracy of a trained ResNet on DW-MTJ crossbars vs number of notches (Fig. 6)",
    )
    p.add_argument(
        "--device",
        default="straight",
        help="device model: preset name (straight, trapezoid) or compact JSON artifact",
    )
    p.add_argument(
        "--checkpoint",
        default=str(DEFAULT_CHECKPOINT),
        help=f"trained network folder (default {DEFAULT_CHECKPOINT}, relative to the "
        "working directory)",
    )
    p.add_argument(
        "--bits", default="2-8", help="signed weight bits N (2^(N-1) notches): 2-8 or 2,4,6"
    )
    p.add_argument(
        "--noise-factors",
        default="0,1,10",
        help="multiples of the device's write noise sigma_G (default 0,1,10)",
    )
    p.add_argument(
        "--draws", type=positive_int, default=5, help="write-noise draws per point (default 5)"
    )
    p.add_argument(
        "--dataset",
        choices=["cifar10-jpeg", "cifar100"],
        help="test set (default: the one the checkpoint was trained on)",
    )
    p.add_argument(
        "--data",
        help="folder holding the dataset (else $DWMTJ_DATA, then "
        "../shared/datasets relative to the working directory)",
    )
    p.add_argument(
        "--write-sigma",
        type=non_negative_float,
        default=None,
        help="write noise sigma_G that --noise-factors multiply, stated as --sigma-norm "
        "(default: the device's measured sigma_G)",
    )
    p.add_argument(
        "--read-sigma",
        type=non_negative_float,
        default=0.0,
        help="read noise per device and MVM, stated as --sigma-norm (default 0)",
    )
    p.add_argument(
        "--sigma-norm",
        choices=["absolute", "relative_gmax", "relative_window"],
        default="absolute",
        help="how --write-sigma/--read-sigma are stated: absolute (S), relative_gmax "
        "(fraction of G_max, CrossSim 3.x's magnitude), relative_window (fraction of "
        "G_max - G_min, CrossSim v2.0's alpha error); default absolute",
    )
    p.add_argument(
        "--no-clip-after-noise",
        action="store_true",
        help="clip programmed conductances only to G >= 0 (CrossSim 3.x's default) instead "
        "of to [G_min, G_max]",
    )
    p.add_argument(
        "--test-limit", type=positive_int, help="evaluate on the first N test images only"
    )
    p.add_argument(
        "--batch-size", type=positive_int, default=500, help="images per evaluation batch"
    )
    p.add_argument("--seed", type=non_negative_int, default=0, help="seed of the noise draws")
    p.add_argument(
        "--out",
        type=output_folder,
        default=str(DEFAULT_OUT),
        help=f"folder for the table and figures (default {DEFAULT_OUT})",
    )
    p.set_defaults(func=_infer_handler)
