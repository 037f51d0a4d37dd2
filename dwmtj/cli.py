"""The ``dwmtj`` command line: one entry point, one subcommand per job.

Each module of :mod:`dwmtj.commands` defines ``register(subparsers)``; a subcommand's handler
is stored as ``func`` on its parser and receives the parsed ``argparse.Namespace``.

Errors: a user error (a bad option value, a missing or unreadable input, an invalid file:
:data:`USER_ERRORS`) is one line on stderr, ``dwmtj <command>: error: <option or field>:
<reason>``, and exit status 2; any other exception is an internal error: one line and a hint
to rerun with ``--debug``, exit status 1. Ctrl-C is one line, ``dwmtj <command>: interrupted``,
and exit status 130. ``--debug`` (anywhere on the command line, or ``DWMTJ_DEBUG=1``) adds the
traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import NoReturn, TextIO

from dwmtj.commands import current, demo, design, experiment, fit, geometry, inference, train

#: Modules that register subcommands, in the order they appear in ``dwmtj --help``.
COMMAND_MODULES: tuple[ModuleType, ...] = (
    geometry,
    current,
    experiment,
    fit,
    train,
    inference,
    demo,
    design,
)


#: Exceptions that are the user's to fix (option values, inputs, files): one line, exit 2.
#: ValueError covers pydantic's validation errors and run-file checks (CorruptRunError);
#: FileNotFoundError covers a missing OOMMF (OOMMFNotFoundError).
USER_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)

#: Exit status of a user error (as argparse's) and of an internal error.
USER_ERROR_STATUS = 2
INTERNAL_ERROR_STATUS = 1
#: Exit status of a command stopped by Ctrl-C (SIGINT), as a shell reports it: 128 + 2.
INTERRUPTED_STATUS = 130

DEBUG_HELP = "show the traceback of an error (also: environment DWMTJ_DEBUG=1)"


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line naming the option:
    ``dwmtj infer: error: --batch-size: must be an integer >= 1, got '0'``
    (argparse's ``argument --batch-size: ...`` without the usage block)."""

    def error(self, message: str) -> NoReturn:  # noqa: D102 (argparse API)
        message = re.sub(r"^argument ([^:]+): ", r"\1: ", message)
        message = re.sub(
            r"^unrecognized arguments: (.+)$", r"\1: unrecognized argument(s)", message
        )
        self.exit(USER_ERROR_STATUS, f"{self.prog}: error: {one_line(message)}\n")


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    return [
        sub
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for sub in dict.fromkeys(action.choices.values())
    ]


def _finish(parser: argparse.ArgumentParser) -> None:
    """Give every subcommand parser ``--debug`` (it does not overwrite a ``--debug`` given
    before the command) and its ``prog`` (``dwmtj train resnet``) for the error lines."""
    for sub in _subparsers(parser):
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
        sub.set_defaults(prog=sub.prog)
        _finish(sub)


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every subcommand registered."""
    parser = Parser(
        prog="dwmtj",
        description="Domain-wall MTJ synapses: from micromagnetics to network accuracy.",
    )
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    _finish(parser)
    return parser


def one_line(text: str) -> str:
    """``text`` on one line: its non-empty lines joined by "; " (pydantic's messages are
    several lines)."""
    return "; ".join(line.strip() for line in str(text).splitlines() if line.strip())


def error_message(exc: BaseException) -> str:
    """The one-line reason of an exception: an OSError as ``<file>: <reason>`` (not
    ``[Errno 17] File exists: '<file>'``), anything else as its message."""
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror}"
    return one_line(str(exc)) or type(exc).__name__


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


def _one_line_warning(prog: str) -> Callable[..., None]:
    """A ``warnings.showwarning`` that prints ``<prog>: warning: <message>`` (no source line)."""

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        text = " ".join(str(message).split())
        print(f"{prog}: warning: {text}", file=file or sys.stderr)

    return show


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``dwmtj`` command line and return its exit status (0 success, 1 failure or
    internal error, 2 user error, 130 interrupted: see the module docstring)."""
    use_all_cpu_cores()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or an option error already printed on one line
        return exc.code if isinstance(exc.code, int) else USER_ERROR_STATUS
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    debug = args.debug or os.environ.get("DWMTJ_DEBUG", "") not in ("", "0")
    prog = getattr(args, "prog", f"dwmtj {args.command}")
    _exit_cleanly_on_sigterm()
    try:
        with warnings.catch_warnings():
            if not debug:  # a warning is one line too: "dwmtj CMD: warning: message"
                warnings.showwarning = _one_line_warning(prog)
            result = args.func(args)
    except BrokenPipeError:  # `dwmtj ... | head`: the reader has gone; stop quietly
        with contextlib.suppress(OSError, ValueError):  # (no file descriptor: in tests)
            stdout = sys.stdout.fileno()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stdout)  # nothing more is written to the closed pipe at exit
            os.close(devnull)
        return 128 + signal.SIGPIPE
    except KeyboardInterrupt:  # Ctrl-C: one line, the shell's status for SIGINT
        if debug:
            traceback.print_exc()
        print(f"{prog}: interrupted", file=sys.stderr)
        return INTERRUPTED_STATUS
    except USER_ERRORS as exc:
        if debug:
            traceback.print_exc()
        print(f"{prog}: error: {error_message(exc)}", file=sys.stderr)
        return USER_ERROR_STATUS
    except Exception as exc:
        if debug:
            traceback.print_exc()
            hint = ""
        else:
            hint = " (rerun with --debug for the traceback)"
        print(
            f"{prog}: internal error: {type(exc).__name__}: {error_message(exc)}{hint}",
            file=sys.stderr,
        )
        return INTERNAL_ERROR_STATUS
    return int(result or 0)
