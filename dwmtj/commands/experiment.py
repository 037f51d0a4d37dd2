"""``dwmtj simulate``, ``dwmtj batch`` and ``dwmtj plot``: run files from run and sweep TOMLs,
and their figures (the functions behind them: :mod:`physics.experiment.commands`)."""

from __future__ import annotations

import argparse

from dwmtj.commands.options import output_folder, positive_int
from physics.calculators import CALCULATORS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``simulate``, ``batch`` and ``plot`` to the ``dwmtj`` command line."""
    p = subparsers.add_parser("simulate", help="run one device + protocol (run TOML) -> run file")
    p.add_argument("spec", help="run TOML (geometry, protocol, n_realisations, seed, ...)")
    p.add_argument(
        "--out", type=output_folder, default="runs", help="output folder (default ./runs)"
    )
    p.add_argument("--calculator", choices=CALCULATORS, help="override the calculator")
    p.add_argument("--no-figures", action="store_true", help="do not write figures")
    p.set_defaults(func=_simulate_handler)

    p = subparsers.add_parser("batch", help="run a sweep (TOML) on a process pool or dask")
    p.add_argument("sweep", help="sweep TOML ([run], [sweep], seeds)")
    p.add_argument(
        "--out", type=output_folder, default="runs", help="output folder (default ./runs)"
    )
    p.add_argument("--scheduler", help="dask scheduler address (tcp://host:8786)")
    p.add_argument("--workers", type=positive_int, help="process-pool size, >= 1 (default: #CPUs)")
    p.add_argument("--serial", action="store_true", help="run in this process (one GPU)")
    p.add_argument("--calculator", choices=CALCULATORS, help="override the calculator")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="validate and list the runs and their status; run nothing",
    )
    p.set_defaults(func=_batch_handler)

    p = subparsers.add_parser("plot", help="figures of run files (R-V, sequences, states)")
    p.add_argument("runs", nargs="+", help="run files or folders of run files")
    p.add_argument(
        "--out", type=output_folder, help="folder for the figures (default: next to each run)"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="plot run files that fail their checks (partial, tampered, name not the hash "
        "of their spec) knowingly, with a warning",
    )
    p.set_defaults(func=_plot_handler)


def _simulate_handler(args: argparse.Namespace) -> int:
    # library imports in the handlers: `dwmtj --help` must not load h5py, scipy or pydantic
    from physics.experiment.commands import simulate_run

    path, figures = simulate_run(
        args.spec, args.out, figures=not args.no_figures, calculator=args.calculator
    )
    print(path)
    for fig in figures:
        print(fig)
    return 0


def _batch_handler(args: argparse.Namespace) -> int:
    from physics.experiment.commands import batch_runs

    result = batch_runs(
        args.sweep,
        args.out,
        executor="serial" if args.serial else "process",
        max_workers=args.workers,
        scheduler=args.scheduler,
        calculator=args.calculator,
        dry_run=args.dry_run,
    )
    if args.dry_run:
        for run in result:
            values = ", ".join(f"{k}={v}" for k, v in run.params.items())
            print(f"{run.run_id[:16]}  {run.status.split(':')[0]:9s}  {values}")
        print(f"{len(result)} run(s); {sum(r.status == 'complete' for r in result)} complete")
        return 0
    print(result.summary())
    for run_id, error in result.failed.items():
        print(f"failed {run_id[:16]}: {error}")
    return 0 if result.ok else 1


def _plot_handler(args: argparse.Namespace) -> int:
    from physics.experiment.commands import plot_runs

    for fig in plot_runs(args.runs, args.out, force=args.force):
        print(fig)
    return 0
