"""The ``dwmtj`` command line: one entry point, one subcommand per job.

Each module of :mod:`dwmtj.commands` defines ``register(subparsers)``; a subcommand's handler
is stored as ``func`` on its parser and receives the parsed ``argparse.Namespace``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import ModuleType

from dwmtj.commands import current, demo, experiment, fit, geometry, inference, train

#: Modules that register subcommands, in the order they appear in ``dwmtj --help``.
COMMAND_MODULES: tuple[ModuleType, ...] = (
    geometry,
    current,
    experiment,
    fit,
    train,
    inference,
    demo,
)


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="dwmtj",
        description="Domain-wall MTJ synapses: from micromagnetics to network accuracy.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def use_all_cpu_cores(environ: dict[str, str] | None = None) -> None:
    """Give JAX one host (CPU) device per core, unless ``XLA_FLAGS`` already chooses a count.

    Thermal ensembles (``physics.engine.ensemble.run_ensemble``) split their members over all
    JAX devices, and XLA runs each host device on its own thread, so this lets an ensemble use
    every core (XLA's CPU backend otherwise runs the small per-step kernels on one core). Code
    that does not shard keeps running on the first device, as before. Only effective before
    JAX is imported; set ``XLA_FLAGS=--xla_force_host_platform_device_count=1`` to opt out.
    environ: the environment to edit (default ``os.environ``).
    """
    if environ is None:
        if "jax" in sys.modules:  # too late: JAX has read XLA_FLAGS
            return
        environ = os.environ
    flags = environ.get("XLA_FLAGS", "")
    if "xla_force_host_platform_device_count" in flags:
        return
    count = os.cpu_count() or 1
    if count > 1:
        environ["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={count}".strip()


def _exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into ``SystemExit(143)`` so that ``finally`` blocks and exit hooks run
    (an OOMMF run stops its OOMMF processes; files being written are closed) when a command
    is stopped with ``kill``, as with Ctrl-C. Only from the main thread, and only where
    SIGTERM still has its default action."""
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    ):

        def stop(signum: int, frame: object) -> None:
            raise SystemExit(128 + signum)

        signal.signal(signal.SIGTERM, stop)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``dwmtj`` command line and return its exit status."""
    use_all_cpu_cores()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    _exit_cleanly_on_sigterm()
    try:
        result = args.func(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"dwmtj {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return int(result or 0)
