"""Batch mechanics: sweep expansion, skip/redo/resume, failure records, pool vs dask.

The run function here, :func:`synthetic_depinning_run`, is a cheap deterministic stand-in for
the micromagnetic simulation (thresholds drawn from the seed, walls placed at notches, read
out with the real readout): it tests the batch machinery, not physics.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from physics.experiment.batch import run_batch
from physics.experiment.spec import RunSpec
from physics.experiment.store import RunResult, read_error, read_run, run_path, run_status
from physics.experiment.sweep import expand_sweep, load_sweep

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent

SWEEP_TOML = """
name = "batch-mechanics"
seeds = {seeds}

[run]
geometry = "scaled-trapezoid"
n_realisations = 4

[run.protocol]
kind = "voltage_ramp"
v_start = 0.2
v_stop = 1.2
n_steps = 6
n_cycles = 2
settle_time = 2e-9
pulse = {{width = 3e-9, rise = 0.5e-9, fall = 0.5e-9}}

[sweep]
"geometry.notches.depth" = [4e-9, 6e-9]
"protocol.temperature" = [300.0]
"""


FAILING_SEED = 666  # synthetic_depinning_run raises for this seed


def synthetic_depinning_run(spec: RunSpec) -> RunResult:
    """Deterministic given the spec (seeded): notch k depins above 0.3 + 0.15 k V + noise."""
    delay = float(os.environ.get("DWMTJ_TEST_RUN_DELAY", "0"))
    if delay:
        time.sleep(delay)
    if spec.seed == FAILING_SEED:
        raise RuntimeError("synthetic failure requested by the test")
    geo = spec.readout_geometry()
    rng = np.random.default_rng(spec.seed)
    proto = spec.protocol
    n_r, n_p, n_c = spec.n_realisations, proto.n_pulses, proto.n_cycles
    centres = geo.notch_centres
    thresholds = (
        0.3 + 0.15 * np.arange(centres.size) + rng.normal(0, 0.03, (n_r, n_c, 1, centres.size))
    )
    v = proto.pulse_table()["voltage"].reshape(n_c, -1)[None, :, :, None]
    passed = (v > thresholds).sum(axis=-1).reshape(n_r, n_p)  # notches passed after a pulse
    stops = np.concatenate([[10e-9], centres])
    pos = stops[passed]
    nx = geo.mask.shape[0]
    x = geo.x0 + (np.arange(nx) + 0.5) * geo.dx
    mz = np.tanh((pos[..., None] - x) / 4e-9)
    m = np.zeros((n_r, n_p, *geo.mask.shape, 1, 3))
    m[..., 2] = mz[..., None, None]
    return RunResult(readouts=geo(m).as_dict(), provenance={"calculator": "synthetic"})


def write_sweep(path: Path, seeds: int) -> Path:
    path.write_text(SWEEP_TOML.format(seeds=seeds))
    return path


def complete_runs(out: Path) -> list[str]:
    return sorted(p.stem for p in out.glob("*.h5") if run_status(p) == "complete")


def test_sweep_expansion_and_errors(tmp_path):
    points = load_sweep(write_sweep(tmp_path / "s.toml", seeds=3))
    assert len(points) == 2 * 1 * 3
    depths = sorted({p.spec.geometry["notches"]["depth"] for p in points})
    assert depths == [4e-9, 6e-9]
    assert sorted({p.params["seed"] for p in points}) == [0, 1, 2]
    assert len({p.spec.run_id for p in points}) == 6
    # whole-value and nested paths: the preset is chosen first, then overridden
    base = {
        "run": {"geometry": "scaled-trapezoid", "protocol": points[0].spec.protocol.to_dict()},
        "sweep": {
            "geometry": ["scaled-trapezoid", "scaled-straight"],
            "geometry.notches.depth": [4e-9],
        },
    }
    pts = expand_sweep(base)
    assert [p.spec.geometry["kind"] for p in pts] == ["trapezoid", "straight"]
    assert all(p.spec.geometry["notches"]["depth"] == 4e-9 for p in pts)
    assert pts[1].spec.material["tmr"] == pytest.approx(0.16)  # straight device's MTJ
    bad = dict(base, sweep={"protocol.temperature": [300.0, -5.0]})
    with pytest.raises(ValueError, match=r"temperature=-5.0, seed=0\): protocol.temperature"):
        expand_sweep(bad)
    with pytest.raises(ValueError, match="geometry.preset"):
        expand_sweep(dict(base, sweep={"geometry": ["scaled-trapezoid", "hexagon"]}))
    # the engine's options are checked when the spec is built, before any run starts
    calculators = [{"name": "jax", "demag_update": u} for u in ("step", "never")]
    with pytest.raises(
        ValueError, match="calculator.demag_update: must be 'stage', 'step' or a whole"
    ):
        expand_sweep(dict(base, sweep={"calculator": calculators}))
    with pytest.raises(ValueError, match="calculator.tolerance: unknown option"):
        expand_sweep(dict(base, sweep={"calculator": [{"name": "jax", "tolerance": 1e-5}]}))
    with pytest.raises(ValueError, match="protocol.ramp.n_steps"):
        expand_sweep(
            dict(base, sweep={"protocol.n_steps": [0]})
            | {
                "run": {
                    **base["run"],
                    "protocol": {"kind": "voltage_ramp", "v_start": 0, "v_stop": 1, "n_steps": 3},
                }
            }
        )


def test_failures_are_recorded_and_corrupt_files_redone(tmp_path):
    points = load_sweep(write_sweep(tmp_path / "s.toml", seeds=2))
    failing = RunSpec.from_dict({**points[0].spec.to_dict(), "seed": FAILING_SEED})
    specs = [p.spec for p in points] + [failing]
    out = tmp_path / "runs"
    report = run_batch(
        specs, out, run_fn=synthetic_depinning_run, executor="serial", progress=False
    )
    assert len(report.completed) == 4 and list(report.failed) == [failing.run_id]
    err = read_error(out, failing.run_id)
    assert "synthetic failure" in err["error"] and "Traceback" in err["traceback"]
    assert run_status(run_path(out, failing.run_id)) == "missing"
    # damage one finished file: the rerun refuses it, redoes it, and skips the rest
    victim = run_path(out, points[1].spec.run_id)
    victim.write_bytes(victim.read_bytes()[:2000])
    again = run_batch(specs, out, run_fn=synthetic_depinning_run, executor="serial", progress=False)
    assert again.completed == [points[1].spec.run_id]
    assert list(again.redone) == [points[1].spec.run_id]
    assert sorted(again.skipped) == sorted(p.spec.run_id for p in points if p is not points[1])
    assert list(again.failed) == [failing.run_id]  # failed runs are retried, and fail again
    assert run_status(victim) == "complete"
    assert victim.with_name(victim.name + ".corrupt").exists()


def test_killed_batch_resumes_only_missing_runs(tmp_path):
    """SIGKILL a batch (process pool, 2 workers, 0.6 s per run) after >= 2 runs finished;
    the rerun must complete exactly the missing ones and leave no temporary file."""
    sweep = write_sweep(tmp_path / "s.toml", seeds=4)  # 8 runs
    out = tmp_path / "runs"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(TESTS)!r})
        from test_experiment_batch import synthetic_depinning_run
        from physics.experiment.batch import run_batch
        from physics.experiment.sweep import load_sweep
        run_batch(load_sweep({str(sweep)!r}), {str(out)!r}, run_fn=synthetic_depinning_run,
                  max_workers=2, progress=False)
    """)
    env = dict(os.environ, DWMTJ_TEST_RUN_DELAY="0.6")
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        start_new_session=True,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if out.is_dir() and len(list(out.glob("*.h5"))) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"batch ended before it could be killed: {proc.stderr.read()}"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    done_before = complete_runs(out)
    assert 2 <= len(done_before) < 8
    report = run_batch(
        load_sweep(sweep), out, run_fn=synthetic_depinning_run, executor="serial", progress=False
    )
    assert sorted(report.skipped) == done_before
    assert len(report.completed) == 8 - len(done_before) and not report.failed
    assert len(complete_runs(out)) == 8
    assert not list(out.glob(".*.tmp"))


def test_dask_and_process_pool_give_identical_results(tmp_path):
    from distributed import Client, LocalCluster

    points = load_sweep(write_sweep(tmp_path / "s.toml", seeds=2))
    pool_dir, dask_dir = tmp_path / "pool", tmp_path / "dask"
    pool = run_batch(
        points, pool_dir, run_fn=synthetic_depinning_run, max_workers=2, progress=False
    )
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        dask = run_batch(
            points, dask_dir, run_fn=synthetic_depinning_run, scheduler=client, progress=False
        )
    assert pool.ok and dask.ok and len(pool.completed) == len(dask.completed) == 4
    assert complete_runs(pool_dir) == complete_runs(dask_dir)
    for run_id in complete_runs(pool_dir):
        a = read_run(run_path(pool_dir, run_id))
        b = read_run(run_path(dask_dir, run_id))
        for name in a.readouts:
            np.testing.assert_array_equal(a.readouts[name], b.readouts[name])
    # different seeds differ (the comparison above is not vacuous)
    r0, r1 = (read_run(run_path(pool_dir, p.spec.run_id)).readouts["position"] for p in points[:2])
    assert not np.array_equal(r0, r1)


@pytest.mark.parametrize("progress", [True, False])
def test_a_serial_run_shows_its_pulses_when_progress_is_on(tmp_path, monkeypatch, progress):
    # The runs bar alone says "0/1" for the whole of a long single run: the serial executor
    # hands its progress flag to the physics' bar over the pulses (also when stderr is a log,
    # as the runs bar does).
    import physics.experiment.simulate as simulate_module

    seen = []

    def fake_simulate(spec, progress=None):
        seen.append(progress)
        return synthetic_depinning_run(spec)

    monkeypatch.setattr(simulate_module, "simulate", fake_simulate)
    point = load_sweep(write_sweep(tmp_path / "s.toml", seeds=1))[0]
    run_batch([point], tmp_path / "out", executor="serial", progress=progress)
    assert seen == [progress]
