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
  batch goes on; a tqdm bar counts runs.

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

import json
import multiprocessing
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from physics.experiment.spec import RunSpec
from physics.experiment.store import (
    SUFFIX,
    RunResult,
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
        return text


def default_run_function(spec: RunSpec) -> RunResult:
    """The physics: :func:`physics.experiment.simulate.simulate`."""
    # Imported here, not at the top: simulate loads JAX, the engine and ubermag (~2.4 s
    # measured on 2 CPU cores against 0.3 s for the rest of physics.experiment), and this
    # module is loaded by every reader of run files (compact, dwmtj plot) that never simulates.
    from physics.experiment.simulate import simulate

    return simulate(spec)


def execute_run(spec: RunSpec, out_dir: str, run_fn: RunFunction) -> tuple[str, str | None]:
    """Run one spec and store it (in the worker). Returns ``(run_id, None)`` or
    ``(run_id, error message)``; the error is also written as the run's error record."""
    try:
        write_run(out_dir, spec, run_fn(spec))
    except Exception as exc:  # a failed run is data, the batch goes on
        try:
            write_error(out_dir, spec, exc)
        except Exception:  # the report still carries the error
            pass
        return spec.run_id, f"{type(exc).__name__}: {exc}"
    return spec.run_id, None


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


def plan_batch(
    specs: Sequence[RunSpec | SweepPoint], out_dir: str | Path
) -> tuple[list[tuple[RunSpec, dict]], list[str], dict[str, str]]:
    """Split a batch into (runs to do, run ids already complete, run ids whose file is
    corrupt -> reason). Corrupt files are moved aside to ``<name>.corrupt`` (kept for
    inspection, never read as a result)."""
    todo, done, corrupt = [], [], {}
    for spec, params in _specs_and_params(specs):
        path = run_path(out_dir, spec.run_id)
        status = run_status(path)
        if status == "complete":
            done.append(spec.run_id)
            continue
        if status.startswith("corrupt"):
            corrupt[spec.run_id] = status
            os.replace(path, path.with_name(path.name + ".corrupt"))
        todo.append((spec, params))
    return todo, done, corrupt


def _write_manifest(out_dir: Path, entries: list[tuple[RunSpec, dict]]) -> None:
    """Record which runs belong to the batch and the swept values of each (merged with an
    existing manifest)."""
    path = out_dir / MANIFEST
    runs: dict[str, dict] = {}
    if path.exists():
        try:
            runs = json.loads(path.read_text()).get("runs", {})
        except (json.JSONDecodeError, AttributeError):
            runs = {}
    for spec, params in entries:
        runs[spec.run_id] = {"params": params, "file": f"{spec.run_id}{SUFFIX}"}
    tmp = out_dir / f".{MANIFEST}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    tmp.write_text(json.dumps({"runs": runs}, indent=1, default=str))
    os.replace(tmp, path)


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
    ``max_workers`` (process pool) defaults to min(#runs, #CPUs).
    """
    if scheduler is not None:
        executor = "dask"
    if executor not in EXECUTORS:
        raise ValueError(f"executor: must be one of {list(EXECUTORS)}, got {executor!r}")
    if executor == "dask" and scheduler is None:
        raise ValueError("scheduler: the dask executor needs a scheduler address or Client")
    run_fn = run_fn or default_run_function
    start = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out_dir)
    entries = _specs_and_params(specs)
    _write_manifest(out_dir, entries)
    todo, skipped, redone = plan_batch([SweepPoint(p, s) for s, p in entries], out_dir)
    report = BatchReport(out_dir=out_dir, skipped=skipped, redone=redone)
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
        specs_todo = [spec for spec, _ in todo]
        if not specs_todo:
            pass
        elif executor == "serial":
            for spec in specs_todo:
                record(*execute_run(spec, str(out_dir), run_fn))
        elif executor == "process":
            _run_process_pool(specs_todo, out_dir, run_fn, max_workers, record)
        else:
            _run_dask(specs_todo, out_dir, run_fn, scheduler, record)
    finally:
        bar.close()
    report.wall_time = time.perf_counter() - start
    return report


def _record_lost(spec: RunSpec, out_dir: Path, exc: BaseException, record: Callable) -> None:
    """A run whose worker died (no error record from the worker): write one here."""
    write_error(out_dir, spec, exc)
    record(spec.run_id, f"{type(exc).__name__}: {exc}")


def _run_process_pool(
    specs: list[RunSpec],
    out_dir: Path,
    run_fn: RunFunction,
    max_workers: int | None,
    record: Callable[[str, str | None], None],
) -> None:
    workers = max_workers or min(len(specs), os.cpu_count() or 1)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(execute_run, s, str(out_dir), run_fn): s for s in specs}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                try:
                    record(*fut.result())
                except Exception as exc:  # the worker process died (BrokenProcessPool, ...)
                    _record_lost(futures[fut], out_dir, exc, record)


def _run_dask(
    specs: list[RunSpec],
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
    try:
        futures = client.map(
            execute_run,
            specs,
            out_dir=str(out_dir),
            run_fn=run_fn,
            pure=False,
            key=[f"run-{s.run_id[:16]}-{secrets.token_hex(3)}" for s in specs],
        )
        spec_of = dict(zip(futures, specs, strict=True))
        for fut in as_completed(futures):
            try:
                record(*fut.result())
            except Exception as exc:  # worker lost, task cancelled, ...
                _record_lost(spec_of[fut], out_dir, exc, record)
    finally:
        if own_client:
            client.close()
