"""A headless OOMMF runner for oommfc that leaves no OOMMF process behind.

oommfc's own runners start OOMMF's host server once per Python session and stop OOMMF with
``killoommf`` only when the interpreter exits. Two things go wrong on a machine without a
display (a server, a container, CI):

* ``killoommf`` is a Tk application by default, so it aborts ("Tk initialization error") and
  stops nothing; it must be started with ``-tk 0``;
* OOMMF's daemons (host server, account server, one ``mmarchive`` per run) are detached from
  the caller and keep its standard output open: they outlive tests and batches, and a shell
  pipeline reading the caller's output never sees its end.

:class:`HeadlessOOMMFRunner` runs every OOMMF process of one session (``boxsi``, and through
it the daemons) with a session marker in its environment and with its output redirected
away from the caller's, stops the applications with ``killoommf -tk 0`` and, on Linux,
terminates any process still carrying the marker. :meth:`HeadlessOOMMFRunner.close` does this;
the runner is a context manager, and an interpreter exit closes runners still open.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess as sp
import time
import uuid
from pathlib import Path
from typing import Any

import oommfc.oommf.oommf as _oommfc_oommf

from physics.calculators.oommf import oommf_command

#: Environment variable that marks the processes of one runner session.
SESSION_VARIABLE = "DWMTJ_OOMMF_SESSION"

#: Runners whose OOMMF processes may still run (closed at interpreter exit).
_open_runners: set[HeadlessOOMMFRunner] = set()


def processes_with(variable: str, value: str | None = None) -> list[int]:
    """PIDs of the live processes (other than this one) whose environment sets ``variable``,
    to ``value`` if given (read from /proc; an empty list where /proc is not available)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    prefix = f"{variable}=".encode()
    exact = None if value is None else prefix + value.encode()
    pids = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            env = (entry / "environ").read_bytes().split(b"\0")
        except OSError:  # gone, or not ours to read
            continue
        if (exact in env) if exact is not None else any(v.startswith(prefix) for v in env):
            pids.append(int(entry.name))
    return pids


def session_processes(session: str) -> list[int]:
    """PIDs of the live processes of the runner session ``session`` (see the module doc)."""
    return processes_with(SESSION_VARIABLE, session)


class HeadlessOOMMFRunner(_oommfc_oommf.OOMMFRunner):
    """oommfc runner (pass as ``runner=`` to a driver's ``drive``) for one OOMMF session.

    command: how OOMMF is started (default :func:`oommf_command`); ``FileNotFoundError`` if
    OOMMF is not found. The host server is started on first use.
    """

    def __init__(self, command: list[str] | None = None) -> None:
        command = command if command is not None else oommf_command()
        if not command:
            raise FileNotFoundError(
                "OOMMF: no OOMMFTCL pointing to oommf.tcl and no 'oommf' on PATH"
            )
        self.oommf = list(command)
        self.session = uuid.uuid4().hex
        self._port: str | None = None
        self._base_env = {**os.environ, SESSION_VARIABLE: self.session}
        self._base_env.pop("OOMMF_HOSTPORT", None)
        # not registered in oommfc's instance list: its exit hook calls killoommf without -tk 0

    # ------------------------------------------------------------------ session
    @property
    def env(self) -> dict[str, str]:
        """Environment of this session's OOMMF processes (starts the host server)."""
        if self._port is None:
            self._port = self._launchhost()
            _open_runners.add(self)
        return {**self._base_env, "OOMMF_HOSTPORT": self._port}

    def _launchhost(self, dry_run: bool = False) -> str:
        command = [*self.oommf, "launchhost", "0"]
        if dry_run:
            return " ".join(command)
        res = sp.run(
            command,
            stdout=sp.PIPE,
            stderr=sp.DEVNULL,
            stdin=sp.DEVNULL,
            env=self._base_env,
            check=False,
        )
        port = res.stdout.decode("utf-8", "replace").strip()
        if res.returncode != 0 or not port.isdigit():
            raise RuntimeError(f"OOMMF: launchhost failed (exit {res.returncode}, output {port!r})")
        return port

    def _call(
        self,
        argstr: str,
        need_stderr: bool = False,
        n_threads: int | None = None,
        dry_run: bool = False,
    ) -> Any:
        command = [*self.oommf, "boxsi", "+fg", argstr, "-exitondone", "1"]
        if n_threads is not None:
            command += ["-threads", str(n_threads)]
        if dry_run:
            return " ".join(command)
        return sp.run(command, capture_output=True, stdin=sp.DEVNULL, env=self.env, check=False)

    def _kill(self, targets: tuple[str, ...] = ("all",), dry_run: bool = False) -> Any:
        command = [*self.oommf, "killoommf", "-tk", "0", "-q", *targets]
        if dry_run:
            return " ".join(command)
        if self._port is None:  # nothing was started
            return None
        return sp.run(
            command,
            stdout=sp.DEVNULL,
            stderr=sp.DEVNULL,
            stdin=sp.DEVNULL,
            env=self.env,
            check=False,
            timeout=60,
        )

    def errors(self) -> str:
        """Contents of OOMMF's ``boxsi.errors`` log (empty if there is none)."""
        base = Path(self.oommf[-1]).resolve().parent
        path = base / "boxsi.errors"
        return path.read_text() if path.is_file() else ""

    def close(self, grace_s: float = 5.0) -> None:
        """Stop this session's OOMMF applications and daemons; no process of it is left.

        ``killoommf -tk 0 all`` first, then SIGTERM (and after ``grace_s`` seconds SIGKILL) to
        any process that still carries the session marker (Linux)."""
        if self._port is not None:
            try:
                self._kill()
            except (OSError, sp.TimeoutExpired):
                pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pids = session_processes(self.session)
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            deadline = time.monotonic() + grace_s
            while pids and time.monotonic() < deadline:
                time.sleep(0.05)
                pids = session_processes(self.session)
            if not pids:
                break
        self._port = None
        _open_runners.discard(self)

    def __enter__(self) -> HeadlessOOMMFRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"HeadlessOOMMFRunner({' '.join(self.oommf)!r})"


@atexit.register
def _close_open_runners() -> None:
    for runner in list(_open_runners):
        runner.close(grace_s=1.0)
