"""Batches that stop (issue 16, problem 3): ``dwmtj batch --workers 2`` stopped by SIGTERM,
SIGINT or SIGKILL of its parent process, and a dask batch stopped by SIGTERM. Every worker is
gone within seconds (checked by scanning /proc for a marker in the environment that only this
test's processes carry), no temporary file is left, and nothing is lost: every run finished
before the stop is present, verifies, and is not redone by the rerun, which completes exactly
the missing ones. The runs are the cheap synthetic stand-in of test_experiment_batch, slowed to
``DELAY`` s each."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from test_experiment_batch import complete_runs, synthetic_depinning_run, write_sweep

from dwmtj.cli import main
from physics.calculators.oommf_runner import processes_with
from physics.experiment.batch import run_batch
from physics.experiment.store import open_run
from physics.experiment.sweep import load_sweep

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
MARKER = "DWMTJ_TEST_BATCH_STOP"
DELAY = 1.0  # s per synthetic run
GONE_WITHIN_S = 8.0

CLI_SCRIPT = """
import signal, sys
# Python's own start-up handler, as from an interactive shell: a suite started in the
# background (`make test &`, nohup) ignores SIGINT, and Python keeps it ignored
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.path.insert(0, {tests!r})
import physics.experiment.batch as batch
from test_experiment_batch import synthetic_depinning_run
batch.default_run_function = synthetic_depinning_run  # the workers get it by reference
from dwmtj.cli import main
sys.exit(main(["batch", {sweep!r}, "--out", {out!r}, "--workers", "2"]))
"""

DASK_SCRIPT = """
import signal, sys
sys.path.insert(0, {tests!r})
from distributed import LocalCluster
from physics.experiment.batch import run_batch
from physics.experiment.sweep import load_sweep
from test_experiment_batch import synthetic_depinning_run

def stop(signum, frame):
    raise SystemExit(128 + signum)

signal.signal(signal.SIGTERM, stop)  # as dwmtj's command line does
cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
run_batch(load_sweep({sweep!r}), {out!r}, run_fn=synthetic_depinning_run, scheduler=cluster,
          progress=False)
"""


def start(script: str, tmp_path: Path, marker: str) -> subprocess.Popen:
    env = dict(
        os.environ,
        DWMTJ_TEST_RUN_DELAY=str(DELAY),
        PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
        **{MARKER: marker},
    )
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],  # -c: spawn does not re-run it
        cwd=REPO,
        env=env,
        start_new_session=True,  # a signal to the parent alone, as `kill PID` sends it
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for_runs(proc: subprocess.Popen, out: Path, n: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if out.is_dir() and len(list(out.glob("*.h5"))) >= n:
            return
        time.sleep(0.05)
    assert proc.poll() is None, f"batch ended before it could be stopped: {proc.stderr.read()}"
    pytest.fail(f"no {n} finished run(s) within {timeout} s")


def survivors(marker: str, within: float) -> list[int]:
    """The processes carrying ``marker`` still alive after ``within`` s (polled)."""
    deadline = time.monotonic() + within
    while (alive := processes_with(MARKER, marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def kill_leftovers(pids: list[int]) -> None:
    for pid in pids:  # only this test's processes (they carry its marker)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def check_nothing_lost(sweep: Path, out: Path, n_runs: int) -> None:
    """Every run finished before the stop verifies, no temporary is left, and the rerun
    skips exactly those and completes the rest."""
    assert not list(out.glob(".*.tmp")), "temporary file left behind"
    done_before = complete_runs(out)
    assert len(list(out.glob("*.h5"))) == len(done_before)  # no partial or refused file
    for run_id in done_before:
        open_run(out / f"{run_id}.h5")
    report = run_batch(
        load_sweep(sweep), out, run_fn=synthetic_depinning_run, executor="serial", progress=False
    )
    assert sorted(report.skipped) == done_before and not report.redone
    assert len(report.completed) == n_runs - len(done_before) and report.ok


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="the worker check scans /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_stopped_pool_batch_leaves_no_worker(tmp_path, monkeypatch, sig):
    """Before the fix, the workers were re-parented to PID 1, finished every remaining run
    and stayed alive idle."""
    monkeypatch.setenv("DWMTJ_TEST_RUN_DELAY", "0")  # the serial rerun here
    sweep = write_sweep(tmp_path / "s.toml", seeds=3)  # 6 runs: 3 rounds of 2 workers
    out = tmp_path / "runs"
    marker = uuid.uuid4().hex
    proc = start(
        CLI_SCRIPT.format(tests=str(TESTS), sweep=str(sweep), out=str(out)), tmp_path, marker
    )
    try:
        wait_for_runs(proc, out, 1)
        os.kill(proc.pid, sig)
        rc = proc.wait(timeout=GONE_WITHIN_S)
        assert rc != 0
        left = survivors(marker, GONE_WITHIN_S)
        assert not left, f"workers still alive {GONE_WITHIN_S} s after {sig.name}: {left}"
        n_done = len(complete_runs(out))
        assert 1 <= n_done < 6
        time.sleep(DELAY)  # nothing goes on running the remaining runs
        assert len(complete_runs(out)) == n_done
    finally:
        kill_leftovers(processes_with(MARKER, marker))
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stderr.close()
    check_nothing_lost(sweep, out, 6)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="the worker check scans /proc")
def test_stopped_dask_batch_leaves_no_worker(tmp_path, monkeypatch):
    monkeypatch.setenv("DWMTJ_TEST_RUN_DELAY", "0")
    sweep = write_sweep(tmp_path / "s.toml", seeds=3)
    out = tmp_path / "runs"
    marker = uuid.uuid4().hex
    proc = start(
        DASK_SCRIPT.format(tests=str(TESTS), sweep=str(sweep), out=str(out)), tmp_path, marker
    )
    try:
        wait_for_runs(proc, out, 1, timeout=120.0)
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=3 * GONE_WITHIN_S)
        left = survivors(marker, GONE_WITHIN_S)
        assert not left, f"dask workers still alive after SIGTERM: {left}"
        assert len(complete_runs(out)) < 6
    finally:
        kill_leftovers(processes_with(MARKER, marker))
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stderr.close()
    check_nothing_lost(sweep, out, 6)


@pytest.mark.parametrize("value", ["0", "-1"])
def test_workers_is_validated_before_any_work(tmp_path, capsys, value):
    sweep = write_sweep(tmp_path / "s.toml", seeds=1)
    out = tmp_path / "runs"
    assert main(["batch", str(sweep), "--out", str(out), "--workers", value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--workers" in err and ">= 1" in err
    assert not out.exists()
    with pytest.raises(ValueError, match="max_workers"):
        run_batch(load_sweep(sweep), out, run_fn=synthetic_depinning_run, max_workers=0)
