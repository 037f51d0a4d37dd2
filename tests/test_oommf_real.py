"""Real OOMMF through the project's own mapping (marked ``oommf``; run with ``make test-oommf``).

Each test drives a real OOMMF (``$OOMMFTCL`` or ``oommf`` on PATH) with Systems built by this
project, and checks it against ``../shared/oommf-reference`` (computed with OOMMF 2.1a0 from
Systems written by hand in ubermag), against the JAX engine, or against the process table:

* SP4 through :class:`OOMMFCalculator`: same OOMMF, same System, same evolver, so the
  reference is reproduced to what OOMMF's thread count changes (summation order), not to a
  physics tolerance;
* case C through :func:`physics.device.build_system` (track, current solve, SOT -> Slonczewski
  mapping, bias, Ms outside the mask): the wall velocity and <m>(t) of the reference;
* 300 K: the depinning fraction of a pulse near threshold on the scaled straight track, OOMMF's
  thermal evolver against the JAX engine at the same time step, and OOMMF's seeds;
* ``dwmtj simulate --calculator oommf`` writes a run file that ``dwmtj fit`` accepts;
* no OOMMF process outlives a calculator, a run, or a CLI call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import micromagneticmodel as mm
import numpy as np
import pytest
from scipy.stats import fisher_exact

from geometries.track import Track
from physics.calculators.oommf import OOMMFCalculator
from physics.calculators.oommf_runner import (
    SESSION_VARIABLE,
    oommf_command,
    processes_with,
    session_processes,
)
from physics.current import solve_current
from physics.device import build_system
from physics.engine.standard_problems import STDPROB4_FIELD1, stdprob4_system
from physics.materials import load_material

pytestmark = [
    pytest.mark.oommf,
    pytest.mark.skipif(
        oommf_command() is None, reason="OOMMF not found (no OOMMFTCL, no oommf on PATH)"
    ),
]

MAT = load_material()


def _mean_m(table) -> np.ndarray:
    return table[["mx", "my", "mz"]].to_numpy(dtype=float)


def test_sp4_through_the_calculator_reproduces_the_reference(tmp_path, oommf_reference_dir):
    summary = json.loads((oommf_reference_dir / "sp4_summary.json").read_text())
    reference = np.loadtxt(oommf_reference_dir / "sp4_field1.csv", delimiter=",", skiprows=1)
    system = stdprob4_system("sp4_oommf")
    with OOMMFCalculator(n_threads=2) as calc:
        calc.relax(system, workdir=tmp_path)
        relaxed = np.asarray(system.m.orientation.mean())
        system.energy += mm.Zeeman(H=STDPROB4_FIELD1)
        res = calc.run(system, t=1e-9, n=100, workdir=tmp_path)
        session = calc.runner.session
    assert session_processes(session) == []
    # the CG minimiser stops at mxHxm < 0.01 A/m in both runs: <m> agrees far below 1e-4
    np.testing.assert_allclose(relaxed, summary["s_state_mean_m"], atol=1e-4)
    np.testing.assert_allclose(res.table["t"].to_numpy(), reference[:, 0], rtol=1e-9)
    # The same OOMMF on the same System: only the summation order of its threads differs
    # from the reference run; SP4's <m>(t) amplifies round-off slowly (the JAX engine, a
    # different code, agrees to 2.4e-6), so 1e-5 is far below any mapping error (a 1 % error
    # in the field or Ms moves <m> by > 1e-3 within 1 ns).
    np.testing.assert_allclose(_mean_m(res.table), reference[:, 1:4], atol=1e-5)


def test_case_c_through_the_device_mapping_reproduces_the_reference(tmp_path, oommf_reference_dir):
    """Case C built the project's way: straight 512 x 64 nm track, current solve scaled to
    J = 1e12 A/m^2, theta_SH = 0.1 mapped onto OOMMF's Slonczewski term, no bias field."""
    length, width, cell = 512e-9, 64e-9, (2e-9, 2e-9)
    summary = json.loads((oommf_reference_dir / "sot_summary.json").read_text())
    ref = next(r for r in summary["results"] if r["J_A_m2"] == 1e12)
    reference = np.loadtxt(oommf_reference_dir / "sot_J1e12.csv", delimiter=",", skiprows=1)
    track = Track.straight(width=width, length=length)
    mat = MAT.replace(theta_sh=0.1)
    cur = solve_current(track, cell, 1.0, mat)
    cur = cur.scaled(1e12 / float(np.max(cur.J_magnitude)))
    relax = build_system(
        track, mat, cell, bias_field=(0, 0, 0), wall_position=length / 2, name="caseC_relax"
    )
    with OOMMFCalculator(n_threads=2) as calc:
        calc.relax(relax, workdir=tmp_path)
        driven = build_system(
            track,
            mat,
            cell,
            current=cur,
            bias_field=(0, 0, 0),
            wall_position=length / 2,
            name="caseC_drive",
        )
        driven.m = relax.m
        res = calc.run(driven, t=2e-9, n=200, workdir=tmp_path)
    t = res.table["t"].to_numpy()
    x_nm = length * 1e9 * (1 + res.table["mz"].to_numpy()) / 2
    late = t >= 1e-9
    velocity = np.polyfit(t[late], x_nm[late] * 1e-9, 1)[0]
    # +-0.1 m/s: the reference's own two velocity estimates differ by 0.1-1.1 m/s; a wrong
    # SOT mapping (P/2 vs P, J at the wrong thickness) changes v by tens of m/s
    assert velocity == pytest.approx(ref["v_steady_from_mz_m_s"], abs=0.1)
    # <m>(t): the system's gyromagnetic ratio is CODATA's (2.2128e5 m/(A s)) where the
    # reference used 2.211e5, a 0.08 % faster clock, and the relaxed wall differs at the
    # MinDriver's tolerance; 2e-3 is 10x the difference that makes, and a sign or mapping
    # error moves <m_y> of the tilted Neel wall by > 0.05.
    np.testing.assert_allclose(_mean_m(res.table), reference[:, 1:4], atol=2e-3)


def _spec_300k(calculator: dict, n_realisations: int, seed: int):
    from physics.experiment.spec import RunSpec

    return RunSpec.from_dict(
        {
            "geometry": "scaled-straight",
            "cell": [4e-9, 4e-9],
            "n_realisations": n_realisations,
            "seed": seed,
            "calculator": calculator,
            "protocol": {
                "ramps": [
                    {
                        "v_start": V_300K,
                        "v_stop": V_300K,
                        "n_steps": 1,
                        "pulse": {"width": 1.0e-9, "rise": 0.05e-9, "fall": 0.05e-9},
                        "settle_time": 0.1e-9,
                        "bias_field": -4e-3,
                    }
                ],
                "temperature": 300.0,
                "n_cycles": 1,
                "initial_wall": {"at": 1},
            },
        }
    )


#: Voltage (V) of the 300 K test pulse: near the 50 % point of notch 1 of the scaled straight
#: track for a 1 ns pulse on the JAX engine (7 of 16 walls depinned for each of two seeds;
#: 2-4 of 16 at 0.13 V, 11 of 16 at 0.15 V).
V_300K = 0.14
DT_300K = 1e-13  # s; the JAX scheme is validated up to 1.6e-13 s at 4 nm cells


def _depinned(result) -> np.ndarray:
    return (result.readouts["position"][:, 0] - result.initial["position"][:, 0]) > 20e-9


@pytest.mark.slow
def test_300k_depinning_fraction_agrees_with_the_jax_engine(tmp_path):
    """16 realisations of one 1 ns pulse near threshold at 300 K on each engine, both at
    dt = 1e-13 s (OOMMF's Xf_ThermSpinXferEvolver rk2heun; the JAX engine's stochastic Heun):
    the fractions of walls that left notch 1 must not differ beyond sampling error (Fisher's
    exact test, two-sided, false-alarm rate 1 %). OOMMF's seeds: realisation 0 rerun alone
    reproduces its readout exactly."""
    from physics.experiment.simulate import simulate
    from physics.experiment.simulate_oommf import simulate_oommf

    n = 16
    oommf_spec = _spec_300k(
        {
            "name": "oommf",
            "thermal_timestep": DT_300K,
            "n_threads": 2,
            "relax_time": 0.05e-9,
            "outputs_per_pulse": 1,
        },
        n,
        seed=3,
    )
    jax_spec = _spec_300k(
        {"name": "jax", "dt": DT_300K, "dtype": "float32", "relax_time": 0.05e-9}, n, seed=3
    )
    a = simulate_oommf(oommf_spec, workdir=tmp_path / "oommf", progress=False)
    b = simulate(jax_spec, progress=False)
    pa, pb = _depinned(a), _depinned(b)
    table = [[int(pa.sum()), int(n - pa.sum())], [int(pb.sum()), int(n - pb.sum())]]
    p_value = fisher_exact(table).pvalue
    print(f"depinned: OOMMF {pa.sum()}/{n}, JAX {pb.sum()}/{n}, Fisher p = {p_value:.3f}")
    assert p_value > 0.01, table
    # near threshold, not trivially all or nothing on both engines
    assert 0 < pa.sum() + pb.sum() < 2 * n, table
    again = simulate_oommf(
        _spec_300k({**oommf_spec.calculator}, 1, seed=3), workdir=tmp_path / "again", progress=False
    )
    np.testing.assert_array_equal(again.readouts["position"][0], a.readouts["position"][0])


SIMULATE_SPEC = """
geometry = "scaled-straight"
cell = [4e-9, 4e-9]
n_realisations = 1
seed = 0

[calculator]
name = "oommf"
relax_time = 1e-12
outputs_per_pulse = 1
n_threads = 2
thermal_timestep = 1e-13

[protocol]
kind = "voltage_ramp"
v_start = 0.1
v_stop = 0.4
n_steps = 4
n_cycles = 2
temperature = 300.0
bias_field = -4e-3
settle_time = 0.05e-9
pulse = {width = 0.2e-9, rise = 0.025e-9, fall = 0.025e-9}
initial_wall = {at = "IN"}
"""


def _tagged_spec(tmp_path: Path) -> tuple[Path, str, dict[str, str]]:
    """The tiny OOMMF run TOML, and a tag set in the environment of every process a CLI call
    started with ``env`` creates (to find them in the process table afterwards)."""
    spec = tmp_path / "tiny.toml"
    spec.write_text(SIMULATE_SPEC)
    tag = uuid.uuid4().hex
    return spec, tag, {**os.environ, "DWMTJ_TEST_TAG": tag}


def test_simulate_cli_on_oommf_writes_a_run_that_fit_accepts(tmp_path):
    """`dwmtj simulate --calculator oommf` then `dwmtj fit` on its run file, as a user runs
    them (subprocesses); afterwards no process started by either call is alive."""
    spec, tag, env = _tagged_spec(tmp_path)
    sim = subprocess.run(
        [sys.executable, "-m", "dwmtj", "simulate", str(spec), "--out", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    assert sim.returncode == 0, sim.stderr[-2000:]
    assert processes_with("DWMTJ_TEST_TAG", tag) == []
    runs = sorted((tmp_path / "runs").rglob("*.h5"))
    assert len(runs) == 1
    model = tmp_path / "model.json"
    fit = subprocess.run(
        [
            sys.executable,
            "-m",
            "dwmtj",
            "fit",
            str(runs[0]),
            "-o",
            str(model),
            "--law",
            "normal",
        ],  # 0.2 ns pulses: shorter than the default tau0
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert fit.returncode == 0, fit.stderr[-2000:]
    from compact.presets import load_device

    device = load_device(model)  # the networks' DeviceModel from the fitted artifact
    assert device.n_levels >= 2


def test_no_oommf_process_outlives_a_calculator(tmp_path):
    track = Track.straight(width=32e-9, length=64e-9)
    system = build_system(track, MAT, (4e-9, 4e-9), temperature=300.0, name="leak")
    with OOMMFCalculator(n_threads=1) as calc:
        calc.run(system, t=1e-12, n=1, seed=1, workdir=tmp_path)
        session = calc.runner.session
        # OOMMF's daemons (host, account, mmarchive) of this session run until closed
        assert session_processes(session) != []
    assert session_processes(session) == []
    assert processes_with(SESSION_VARIABLE, session) == []


def test_sigterm_during_an_oommf_run_stops_every_oommf_process(tmp_path):
    """`kill` (SIGTERM) of `dwmtj simulate --calculator oommf` while OOMMF is running: the
    command exits with 143, no process it started survives, and no run file is written."""
    import signal
    import time

    spec, tag, env = _tagged_spec(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dwmtj", "simulate", str(spec), "--out", str(tmp_path / "runs")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            running = set(processes_with("DWMTJ_TEST_TAG", tag)) - {proc.pid}
            if running & set(processes_with(SESSION_VARIABLE)):
                break  # OOMMF processes of the command's session are up
            time.sleep(0.2)
        assert proc.poll() is None, "the run ended before OOMMF was seen running"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 128 + signal.SIGTERM
    finally:
        if proc.poll() is None:
            proc.kill()
    assert processes_with("DWMTJ_TEST_TAG", tag) == []
    assert list((tmp_path / "runs").rglob("*.h5")) == []
