"""Resumable batches of runs on a local process pool, in-process, or a dask cluster.

:func:`run_batch` takes run specifications (or sweep points) and an output folder:

* runs whose complete file exists are skipped; a corrupt or partial file is reported (in the
  returned :class:`BatchReport`) and the run redone; leftover temporary files of dead writers
  are removed;
* the missing runs execute on ``executor="process"`` (a ``concurrent.futures`` process pool,
  spawn start method so that JAX is never forked), ``"serial"`` (this process; one process
  should own a GPU), or ``"dask"`` (``scheduler`` = a ``distributed.Client``, a scheduler
  address such as ``"tcp://host:8786"``, or a ``LocalCluster``);
* each worker computes *and stores* its run (files go straight to a shared folder, results
  are never shipped back), so a batch killed midway loses only the runs in flight and a rerun
  completes only the missing ones;
* a run that raises is recorded as ``<run_id>.error.json`` (error, traceback, spec) and the
  batch goes on; a tqdm bar counts runs;
* ``manifest.json`` records the runs of the folder and their swept values; one that cannot be
  parsed is kept as ``manifest.json.corrupt`` (``.corrupt.1``, ... never overwritten) and
  rebuilt from the run files, which store their spec and swept values, so no record is lost.

Stopping. A batch stopped by SIGTERM (``dwmtj`` turns it into ``SystemExit``) or SIGINT
(``KeyboardInterrupt``) cancels the runs not started and stops every worker within seconds:
pool workers get SIGTERM (then SIGKILL after :data:`STOP_GRACE_S`), a dask batch cancels its
futures and closes a cluster it was given; the temporary file of a run in flight is removed,
finished runs stay (complete and verified). Pool workers ignore SIGINT (the parent stops
them) and watch their parent: when it dies (even by SIGKILL, which cannot be caught) they
stop within a second and run nothing more. Dask workers of a ``LocalCluster`` exit with the
process that started them (distributed's own parent watch).

The run function ``run_fn(spec) -> RunResult`` defaults to
:func:`physics.experiment.simulate.simulate`; it must be importable (picklable by reference) to
run in a pool or on dask.

On a SLURM cluster, start a scheduler with dask-jobqueue and pass its address::

    from dask_jobqueue import SLURMCluster
    cluster = SLURMCluster(cores=8, processes=1, memory="32GB", walltime="04:00:00")
    cluster.scale(jobs=10)
    run_batch(load_sweep("sweep.toml"), "runs/", scheduler=cluster.scheduler_address)
"""

from __future__ import annotations

import contextlib
import functools
import json
import multiprocessing
import os
import re
import secrets
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from physics.experiment.spec import RunSpec
from physics.experiment.store import (
    SUFFIX,
    CorruptRunError,
    RunResult,
    read_run_attrs,
    run_path,
    run_status,
    write_error,
    write_run,
)
from physics.experiment.sweep import SweepPoint

RunFunction = Callable[[RunSpec], RunResult]
EXECUTORS = ("process", "serial", "dask")
MANIFEST = "manifest.json"
_TMP = re.compile(r"^\.(?P<run_id>[0-9a-f]{64})\.h5\.(?P<pid>\d+)\.[0-9a-f]+\.tmp$")
_RUN_FILE = re.compile(r"^[0-9a-f]{64}\.h5$")
#: Seconds a stopped pool worker gets to remove its temporary file before SIGKILL.
STOP_GRACE_S = 3.0
#: How often (s) a pool worker checks that its parent is alive.
PARENT_POLL_S = 0.25


@dataclass
class BatchReport:
    """What a batch did: run ids ``completed`` now, ``skipped`` (already complete),
    ``failed`` (run id -> error), ``redone`` (run id -> why its old file was refused)."""

    out_dir: Path
    completed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    redone: dict[str, str] = field(default_factory=dict)
    wall_time: float = 0.0
    manifest_kept: Path | None = None

    @property
    def ok(self) -> bool:
        """True when every run of the batch is complete."""
        return not self.failed

    def summary(self) -> str:
        """One line for the terminal."""
        text = (
            f"{len(self.completed)} run(s) completed, {len(self.skipped)} skipped (complete), "
            f"{len(self.failed)} failed, in {self.wall_time:.1f} s -> {self.out_dir}"
        )
        if self.redone:
            text += f"; {len(self.redone)} corrupt/partial file(s) redone"
        if self.manifest_kept is not None:
            text += f"; unreadable manifest kept as {self.manifest_kept.name} and rebuilt"
        return text


def default_run_function(spec: RunSpec, progress: bool | None = None) -> RunResult:
    """The physics: :func:`physics.experiment.simulate.simulate` (``progress``: its bar over
    the pulses; None: only on a terminal)."""
    # Imported here, not at the top: simulate loads JAX, the engine and ubermag (~2.4 s
    # measured on 2 CPU cores against 0.3 s for the rest of physics.experiment), and this
    # module is loaded by every reader of run files (compact, dwmtj plot) that never simulates.
    from physics.experiment.simulate import simulate

    return simulate(spec, progress=progress)


#: Set in pool workers by :func:`_init_worker`: the parent's pid and the output folder.
_WORKER: dict[str, Any] = {}


def execute_run(
    spec: RunSpec, out_dir: str, run_fn: RunFunction, params: dict | None = None
) -> tuple[str, str | None]:
    """Run one spec and store it (in the worker), with its swept values ``params``. Returns
    ``(run_id, None)`` or ``(run_id, error message)``; the error is also written as the run's
    error record. A pool worker that is stopped meanwhile (SIGTERM) exits here, its
    temporary file removed."""
    try:
        write_run(out_dir, spec, run_fn(spec), params=params)
    except Exception as exc:  # a failed run is data, the batch goes on
        try:
            write_error(out_dir, spec, exc)
        except Exception:  # the report still carries the error
            pass
        return spec.run_id, f"{type(exc).__name__}: {exc}"
    except BaseException:  # SystemExit (SIGTERM), KeyboardInterrupt
        if _WORKER:  # the pool would catch it and take the next run: exit instead
            _remove_own_temporaries(out_dir)
            os._exit(128 + signal.SIGTERM)
        raise
    return spec.run_id, None


def _remove_own_temporaries(out_dir: str | Path) -> None:
    """Delete the temporary run files this process was writing in ``out_dir``."""
    with contextlib.suppress(OSError):
        for path in Path(out_dir).iterdir():
            match = _TMP.match(path.name)
            if match and int(match["pid"]) == os.getpid():
                path.unlink(missing_ok=True)


def _stop_worker(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _init_worker(parent_pid: int, out_dir: str) -> None:
    """Set up a pool worker: SIGINT ignored (the parent stops its workers), SIGTERM raises
    SystemExit (so that the run in flight removes its temporary file), and a watchdog thread
    stops the worker when its parent dies."""
    _WORKER.update(parent=parent_pid, out_dir=out_dir)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    threading.Thread(
        target=_watch_parent, args=(parent_pid, out_dir), name="dwmtj-watch-parent", daemon=True
    ).start()


def _watch_parent(parent_pid: int, out_dir: str) -> None:
    """In a pool worker: once the parent is gone (re-parented: the parent died, even by
    SIGKILL), stop like on SIGTERM; if the main thread does not exit within
    :data:`STOP_GRACE_S` (stuck in native code), remove the temporary file and exit."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_S)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(STOP_GRACE_S)
    _remove_own_temporaries(out_dir)
    os._exit(128 + signal.SIGKILL)


def _specs_and_params(items: Iterable[RunSpec | SweepPoint]) -> list[tuple[RunSpec, dict]]:
    out, seen = [], set()
    for k, item in enumerate(items):
        if isinstance(item, SweepPoint):
            spec, params = item.spec, item.params
        elif isinstance(item, RunSpec):
            spec, params = item, {}
        else:
            raise ValueError(f"specs[{k}]: must be a RunSpec or SweepPoint, got {item!r}")
        if spec.run_id not in seen:
            seen.add(spec.run_id)
            out.append((spec, params))
    return out


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(out_dir: str | Path) -> list[Path]:
    """Delete temporary run files whose writer process no longer exists (this host)."""
    removed = []
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return removed
    for path in out_dir.iterdir():
        match = _TMP.match(path.name)
        if match and not _pid_alive(int(match["pid"])):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def keep_aside(path: Path, suffix: str = ".corrupt") -> Path:
    """Rename ``path`` to ``<name><suffix>``, or ``<name><suffix>.1``, ``.2``, ... so that an
    earlier one is never overwritten; returns the new path."""
    target, n = path.with_name(path.name + suffix), 0
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}{suffix}.{n}")
    os.replace(path, target)
    return target


def plan_batch(
    specs: Sequence[RunSpec | SweepPoint], out_dir: str | Path
) -> tuple[list[tuple[RunSpec, dict]], list[str], dict[str, str]]:
    """Split a batch into (runs to do, run ids already complete, run ids whose file is
    corrupt -> reason). A file is complete when it passes every check of
    :func:`physics.experiment.store.check_run_file` (checksum, hash, invariants). Corrupt
    files are moved aside to ``<name>.corrupt`` (:func:`keep_aside`: kept for inspection,
    never read as a result)."""
    todo, done, corrupt = [], [], {}
    for spec, params in _specs_and_params(specs):
        path = run_path(out_dir, spec.run_id)
        status = run_status(path)
        if status == "complete":
            done.append(spec.run_id)
            continue
        if status.startswith("corrupt"):
            corrupt[spec.run_id] = status
            keep_aside(path)
        todo.append((spec, params))
    return todo, done, corrupt


def records_from_run_files(out_dir: str | Path) -> dict[str, dict]:
    """Manifest records (run id -> ``{"params", "file"}``) of every run file in ``out_dir``
    whose attributes can be read (their swept values are stored in the file; a file that
    fails its checks keeps its record: the batch redoes the run)."""
    runs: dict[str, dict] = {}
    for path in sorted(Path(out_dir).iterdir()):
        if not _RUN_FILE.match(path.name):
            continue
        try:
            attrs = read_run_attrs(path)
        except CorruptRunError:
            attrs = {"params": {}}
        runs[path.stem] = {"params": attrs["params"], "file": path.name}
    return runs


def _read_manifest(path: Path) -> dict[str, dict]:
    """The run records of a manifest; ValueError when it cannot be parsed."""
    try:
        runs = json.loads(path.read_text())["runs"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"{type(exc).__name__}: {exc}") from None
    if not isinstance(runs, dict) or not all(isinstance(r, dict) for r in runs.values()):
        raise ValueError("'runs' is not a mapping of run records")
    return runs


def _write_manifest(out_dir: Path, entries: list[tuple[RunSpec, dict]]) -> Path | None:
    """Record which runs belong to the batch and the swept values of each (merged with an
    existing manifest). A manifest that cannot be parsed is kept as ``manifest.json.corrupt``
    (never overwriting an earlier one) and rebuilt from the run files in ``out_dir``; returns
    the kept path (None when the manifest was fine)."""
    path = out_dir / MANIFEST
    runs: dict[str, dict] = {}
    kept = None
    if path.exists():
        try:
            runs = _read_manifest(path)
        except ValueError as exc:
            kept = keep_aside(path)
            runs = records_from_run_files(out_dir)
            warnings.warn(
                f"{path}: unreadable ({exc}); kept as {kept.name}, rebuilt from "
                f"{len(runs)} run file(s)",
                stacklevel=2,
            )
    for spec, params in entries:
        runs[spec.run_id] = {"params": params, "file": f"{spec.run_id}{SUFFIX}"}
    tmp = out_dir / f".{MANIFEST}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    tmp.write_text(json.dumps({"runs": runs}, indent=1, default=str))
    os.replace(tmp, path)
    return kept


def run_batch(
    specs: Sequence[RunSpec | SweepPoint],
    out_dir: str | Path,
    *,
    run_fn: RunFunction | None = None,
    executor: str = "process",
    max_workers: int | None = None,
    scheduler: Any = None,
    progress: bool = True,
) -> BatchReport:
    """Run every spec not yet complete in ``out_dir`` (see the module docstring).

    ``scheduler`` (a dask Client, address string or cluster) implies ``executor="dask"``.
    ``max_workers`` (process pool, an integer >= 1) defaults to min(#runs, #CPUs).
    """
    if max_workers is not None and (
        isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1
    ):
        raise ValueError(f"max_workers: must be an integer >= 1, got {max_workers!r}")
    if scheduler is not None:
        executor = "dask"
    if executor not in EXECUTORS:
        raise ValueError(f"executor: must be one of {list(EXECUTORS)}, got {executor!r}")
    if executor == "dask" and scheduler is None:
        raise ValueError("scheduler: the dask executor needs a scheduler address or Client")
    if run_fn is None and executor == "serial":
        # a serial run shows its pulses under the runs bar (also in a log, as the runs bar
        # does)
        run_fn = functools.partial(default_run_function, progress=bool(progress))
    # workers get the function by reference (its default: a pulse bar only on a terminal)
    run_fn = run_fn or default_run_function
    start = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out_dir)
    entries = _specs_and_params(specs)
    kept = _write_manifest(out_dir, entries)
    todo, skipped, redone = plan_batch([SweepPoint(p, s) for s, p in entries], out_dir)
    report = BatchReport(out_dir=out_dir, skipped=skipped, redone=redone, manifest_kept=kept)
    bar = tqdm(
        total=len(entries), initial=len(skipped), desc="runs", unit="run", disable=not progress
    )

    def record(run_id: str, error: str | None) -> None:
        if error is None:
            report.completed.append(run_id)
        else:
            report.failed[run_id] = error
        bar.update(1)
        bar.set_postfix(failed=len(report.failed))

    try:
        if not todo:
            pass
        elif executor == "serial":
            for spec, params in todo:
                record(*execute_run(spec, str(out_dir), run_fn, params))
        elif executor == "process":
            _run_process_pool(todo, out_dir, run_fn, max_workers, record)
        else:
            _run_dask(todo, out_dir, run_fn, scheduler, record)
    finally:
        bar.close()
    report.wall_time = time.perf_counter() - start
    return report


def _record_lost(spec: RunSpec, out_dir: Path, exc: BaseException, record: Callable) -> None:
    """A run whose worker died (no error record from the worker): write one here."""
    write_error(out_dir, spec, exc)
    record(spec.run_id, f"{type(exc).__name__}: {exc}")


@contextlib.contextmanager
def _stop_signals_ignored() -> Iterator[None]:
    """Ignore SIGINT/SIGTERM while a stopped batch stops its workers (a bounded wait), so
    that a second Ctrl-C does not leave them running; restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _stop_pool(pool: ProcessPoolExecutor, out_dir: Path) -> None:
    """Cancel the runs not started and stop every worker of ``pool``: SIGTERM (a worker
    removes the temporary file of its run in flight and exits), SIGKILL after
    :data:`STOP_GRACE_S`; then remove the temporary files of dead writers."""
    with _stop_signals_ignored():
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            if proc.is_alive():
                proc.terminate()
        deadline = time.monotonic() + STOP_GRACE_S
        for proc in processes:
            proc.join(max(0.0, deadline - time.monotonic()))
        for proc in processes:
            if proc.is_alive():
                proc.kill()
                proc.join(1.0)
        remove_stale_temporaries(out_dir)


def _run_process_pool(
    todo: list[tuple[RunSpec, dict]],
    out_dir: Path,
    run_fn: RunFunction,
    max_workers: int | None,
    record: Callable[[str, str | None], None],
) -> None:
    workers = max_workers or min(len(todo), os.cpu_count() or 1)
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(os.getpid(), str(out_dir)),
    )
    try:
        futures = {pool.submit(execute_run, s, str(out_dir), run_fn, p): s for s, p in todo}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                try:
                    record(*fut.result())
                except Exception as exc:  # the worker process died (BrokenProcessPool, ...)
                    _record_lost(futures[fut], out_dir, exc, record)
    except BaseException:  # SIGTERM (SystemExit), Ctrl-C, or an error here: stop everything
        _stop_pool(pool, out_dir)
        raise
    pool.shutdown(wait=True)


def _run_dask(
    todo: list[tuple[RunSpec, dict]],
    out_dir: Path,
    run_fn: RunFunction,
    scheduler: Any,
    record: Callable[[str, str | None], None],
) -> None:
    # dask's distributed (~0.35 s) only for the dask executor
    from distributed import Client, as_completed

    own_client = not isinstance(scheduler, Client)
    if own_client:
        address = getattr(scheduler, "scheduler_address", scheduler)
        client = Client(address)
    else:
        client = scheduler
    futures = []
    try:
        specs = [spec for spec, _ in todo]
        n = len(specs)
        futures = client.map(
            execute_run,
            specs,
            [str(out_dir)] * n,
            [run_fn] * n,
            [params for _, params in todo],
            pure=False,
            key=[f"run-{s.run_id[:16]}-{secrets.token_hex(3)}" for s in specs],
        )
        spec_of = dict(zip(futures, specs, strict=True))
        for fut in as_completed(futures):
            try:
                record(*fut.result())
            except Exception as exc:  # worker lost, task cancelled, ...
                _record_lost(spec_of[fut], out_dir, exc, record)
    except BaseException:  # stopped: cancel what is queued; a cluster we were given closes
        with _stop_signals_ignored():
            with contextlib.suppress(Exception):
                client.cancel(futures, force=True)
            is_cluster = not isinstance(scheduler, (Client, str)) and hasattr(scheduler, "close")
            if is_cluster:
                with contextlib.suppress(Exception):
                    scheduler.close()
            if own_client:
                with contextlib.suppress(Exception):
                    client.close()
            remove_stale_temporaries(out_dir)
        raise
    if own_client:
        client.close()
