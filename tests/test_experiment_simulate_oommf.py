"""simulate(spec) with calculator.name = "oommf": the protocol loop of simulate_oommf (one
realisation per drive call), checked without OOMMF by injecting drives: the JAX engine's own
ubermag-compatible TimeDriver (the physics must match simulate() on the JAX engine) and a
recording fake (calls, durations, seeds). The default drive needs OOMMF; without it the run
fails at once, and bad OOMMF options fail when the RunSpec is built.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import physics.calculators.oommf as calculators_oommf
import physics.experiment.simulate_oommf as simulate_oommf_module
from physics.calculators.oommf import OOMMFNotFoundError
from physics.experiment.simulate import simulate
from physics.experiment.simulate_oommf import drive_seed, simulate_oommf
from physics.experiment.spec import RunSpec

# 0.2 ns FWHM with 25 ps edges (0.225 ns in all) + 50 ps settle: 0.275 ns per step
PULSE = {"width": 0.2e-9, "rise": 0.025e-9, "fall": 0.025e-9}
SETTLE = 0.05e-9
RELAX = 1e-12
OOMMF_CALC = {"name": "oommf", "relax_time": RELAX, "outputs_per_pulse": 2}
JAX_CALC = {
    "name": "jax",
    "dt": 2.5e-14,
    "dtype": "float32",
    "relax_time": RELAX,
    "outputs_per_pulse": 2,
}


def spec(
    calculator: dict,
    voltages=(0.3, -0.3),
    *,
    n_cycles: int = 1,
    n_realisations: int = 1,
    seed: int = 0,
    temperature: float = 0.0,
    reinitialise: str = "every_cycle",
) -> RunSpec:
    """A tiny run on scaled-straight with 4 nm cells: one single-pulse ramp per voltage (V)."""
    ramps = [
        {
            "v_start": v,
            "v_stop": v,
            "n_steps": 1,
            "pulse": PULSE,
            "settle_time": SETTLE,
            "bias_field": -4e-3,
        }
        for v in voltages
    ]
    return RunSpec.from_dict(
        {
            "geometry": "scaled-straight",
            "cell": [4e-9, 4e-9],
            "protocol": {
                "ramps": ramps,
                "temperature": temperature,
                "n_cycles": n_cycles,
                "reinitialise": reinitialise,
            },
            "n_realisations": n_realisations,
            "seed": seed,
            "calculator": calculator,
        }
    )


def jax_drive(system, t: float, n: int, seed: int) -> None:
    """One step on the JAX engine's ubermag-compatible driver (adaptive RK45 at T = 0)."""
    from physics.engine import TimeDriver

    TimeDriver(dtype="float64", seed=seed).drive(system, t=t, n=n, verbose=0)


class RecordingDrive:
    """A drive that leaves m as it is and records (t, n, seed, <m_z>) of every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, int, int]] = []

    def __call__(self, system, t: float, n: int, seed: int) -> None:
        self.calls.append((t, n, seed))
        mz = float(np.asarray(system.m.orientation.array)[..., 2].mean())
        system.table = SimpleNamespace(
            data=pd.DataFrame(
                {"t": t * np.arange(1, n + 1) / n, "mx": 0.0, "my": 0.0, "mz": np.full(n, mz)}
            )
        )


def test_oommf_protocol_loop_matches_simulate_on_the_jax_engine():
    """The same device and protocol: simulate_oommf driving each realisation-step with the JAX
    TimeDriver (adaptive RK45, float64, tol 1e-5) vs simulate() on the JAX engine (batched
    fixed-step Heun, dt = 25 fs, float32). Measured on this spec: |d position| = 1.5e-13 m
    (3.9e-13 m with float64 Heun; 1.3e-12 m with -0.2 V as the second pulse), |d <m_z>| =
    1.5e-5 in the time table. The tolerances (1e-11 m, 1e-4) are ~8x and ~7x the largest of
    those and far below what a protocol error makes: the +0.3 V pulse alone moves the wall by
    10.5 nm (2.6 cells)."""
    two_cycles = dict(voltages=(0.3, -0.3), n_cycles=2)
    a = simulate_oommf(spec(OOMMF_CALC, **two_cycles), drive=jax_drive, progress=False)
    b = simulate(spec(JAX_CALC, **two_cycles), progress=False)
    a.check(spec(OOMMF_CALC, **two_cycles))

    np.testing.assert_array_equal(a.readouts["notch"], b.readouts["notch"])
    np.testing.assert_array_equal(a.initial["notch"], b.initial["notch"])
    np.testing.assert_allclose(a.readouts["position"], b.readouts["position"], rtol=0, atol=1e-11)
    np.testing.assert_allclose(a.initial["position"], b.initial["position"], rtol=0, atol=1e-11)
    assert set(a.time_table) == set(b.time_table)
    for name in b.time_table:
        assert a.time_table[name].shape == b.time_table[name].shape, name
    # the JAX times are float32 (dtype of the run): 1e-6 relative
    np.testing.assert_allclose(a.time_table["t"], b.time_table["t"], rtol=1e-6, atol=0)
    np.testing.assert_allclose(a.time_table["mz"], b.time_table["mz"], rtol=0, atol=1e-4)

    # +V moves the wall from the IN end towards larger x (the -0.3 V pulse that follows
    # carries it on into notch 0 in both engines: notch states [-1, 0])
    moved = a.readouts["position"][0, 0] - a.initial["position"][0, 0]
    assert moved > 5e-9, moved
    # every cycle starts from the re-initialised wall: at T = 0 both cycles are the same
    np.testing.assert_array_equal(a.readouts["position"][:, :2], a.readouts["position"][:, 2:])
    assert a.provenance["engine"].startswith("injected drive")


def test_drive_calls_durations_and_seeds():
    """realisations x (cycles + pulses) calls; t = relax_time for the relaxations and
    step_duration for the pulses; n = outputs_per_pulse; distinct, reproducible seeds in
    [0, 2**31) that depend on the run's seed, and a realisation's seeds do not depend on how
    many realisations the run has."""
    s = spec(OOMMF_CALC, voltages=(0.3, -0.2), n_cycles=2, n_realisations=2, seed=7)
    step = s.protocol.ramps[0].step_duration
    drive = RecordingDrive()
    result = simulate_oommf(s, drive=drive, progress=False)
    result.check(s)
    per_realisation = [RELAX, step, step] * 2  # cycle 0 and 1: relaxation + 2 pulses
    assert len(drive.calls) == 2 * (2 + 4)
    assert [t for t, _, _ in drive.calls] == pytest.approx(per_realisation * 2, rel=1e-12)
    assert {n for _, n, _ in drive.calls} == {2}
    seeds = [seed for _, _, seed in drive.calls]
    assert len(set(seeds)) == len(seeds)
    assert all(isinstance(x, int) and 0 <= x < 2**31 for x in seeds)
    assert seeds == [drive_seed(7, r, c) for r in range(2) for c in range(6)]

    again = RecordingDrive()
    simulate_oommf(s, drive=again, progress=False)
    assert again.calls == drive.calls
    one = RecordingDrive()
    simulate_oommf(
        spec(OOMMF_CALC, voltages=(0.3, -0.2), n_cycles=2, seed=7), drive=one, progress=False
    )
    assert [x for *_, x in one.calls] == seeds[:6]
    other = RecordingDrive()
    simulate_oommf(
        spec(OOMMF_CALC, voltages=(0.3, -0.2), n_cycles=2, seed=8), drive=other, progress=False
    )
    assert not set(x for *_, x in other.calls) & set(seeds[:6])

    # with reinitialise = "once" only the first cycle is relaxed
    once = RecordingDrive()
    s_once = spec(OOMMF_CALC, voltages=(0.3, -0.2), n_cycles=2, reinitialise="once")
    r_once = simulate_oommf(s_once, drive=once, progress=False)
    assert [t for t, _, _ in once.calls] == pytest.approx([RELAX, step, step, step, step])
    r_once.check(s_once)
    assert r_once.time_table["t"].shape == (5 * 2,)
    assert r_once.time_table["t"][-1] == pytest.approx(RELAX + 4 * step)


def test_without_oommf_simulate_fails_before_any_work(monkeypatch):
    monkeypatch.delenv("OOMMFTCL", raising=False)
    monkeypatch.setattr(calculators_oommf, "oommf_available", lambda: False)

    def no_device(*args, **kwargs):
        raise AssertionError("the device was built before OOMMF was looked for")

    monkeypatch.setattr(simulate_oommf_module, "ramp_system", no_device)
    s = spec(OOMMF_CALC)
    start = time.perf_counter()
    with pytest.raises(OOMMFNotFoundError, match="conda install -c conda-forge oommf"):
        simulate(s, progress=False)
    assert time.perf_counter() - start < 5.0


def test_default_drive_writes_one_seeded_thermal_mif_per_step(monkeypatch, tmp_path):
    """The default drive without running OOMMF: oommfc's TimeDriver.drive replaced by its own
    MIF writer. At T > 0 each step's MIF carries the step's seed (evolver uniform_seed and
    RandomSeed) and the fixed thermal_timestep; the pulses use Xf_ThermSpinXferEvolve, the
    relaxation (no current) Xf_ThermHeunEvolve; the MIFs stay in workdir."""
    import re

    import oommfc

    monkeypatch.setattr(calculators_oommf, "oommf_available", lambda: True)
    mifs: list[str] = []

    # no OOMMF here: no runner either (the replaced drive never uses it)
    monkeypatch.setattr(calculators_oommf.OOMMFCalculator, "runner", property(lambda self: None))

    def write_mif_only(self, system, *, t, n, dirname, n_threads, verbose, runner):
        folder = Path(dirname) / f"step-{len(mifs)}"
        folder.mkdir(parents=True)
        self.write_mif(system, dirname=str(folder), t=t, n=n)
        mifs.append((folder / f"{system.name}.mif").read_text())
        system.table = SimpleNamespace(
            data=pd.DataFrame({"t": t * np.arange(1, n + 1) / n, "mx": 0.0, "my": 0.0, "mz": 0.0})
        )

    monkeypatch.setattr(oommfc.TimeDriver, "drive", write_mif_only)
    calc = {**OOMMF_CALC, "thermal_timestep": 2e-14, "n_threads": 1}
    s = spec(calc, voltages=(0.3,), temperature=300.0, seed=5)
    simulate_oommf(s, workdir=tmp_path, progress=False)
    assert len(mifs) == 2 and len(list(tmp_path.glob("step-*/*.mif"))) == 2
    for call, (mif, evolver) in enumerate(
        zip(mifs, ("Xf_ThermHeunEvolve", "Xf_ThermSpinXferEvolve"), strict=True)
    ):
        seed = drive_seed(5, 0, call)
        assert re.search(rf"^RandomSeed {seed}$", mif, re.M)
        assert re.search(rf"Specify {evolver}(:\w+)? {{[^}}]*uniform_seed {seed}\n", mif)
        assert re.search(r"min_timestep 2e-14\n", mif) and re.search(r"max_timestep 2e-14", mif)


@pytest.mark.parametrize(
    "option, value",
    [
        ("time_step", 1e-14),
        ("thermal_timestep", -1e-14),
        ("n_threads", 0),
        ("relax_time", 0.0),
        ("outputs_per_pulse", 0),
    ],
)
def test_bad_oommf_options_fail_when_the_spec_is_built(option, value):
    with pytest.raises(ValueError, match=rf"^calculator\.{option}:"):
        spec({**OOMMF_CALC, option: value})


def test_jax_engine_options_fail_on_oommf_and_the_switch_drops_them():
    """An OOMMF spec with the JAX engine's dt fails, naming it; `--calculator oommf` on a JAX
    spec keeps the shared options (relax_time, outputs_per_pulse) and drops dt, dtype and
    demag_update (and back: thermal_timestep, n_threads are dropped when switching to jax)."""
    from physics.experiment.commands import _override_calculator

    with pytest.raises(ValueError, match=r"^calculator\.dt: unknown option"):
        spec({**JAX_CALC, "name": "oommf"})
    jax_run = spec({**JAX_CALC, "demag_update": "step"}).to_dict()
    switched = RunSpec.from_dict(_override_calculator(jax_run, "oommf"))
    assert switched.calculator == {
        "name": "oommf",
        "relax_time": JAX_CALC["relax_time"],
        "outputs_per_pulse": JAX_CALC["outputs_per_pulse"],
    }
    oommf_run = spec(
        {"name": "oommf", "n_threads": 2, "thermal_timestep": 2e-14, "relax_time": 1e-12}
    ).to_dict()
    back = RunSpec.from_dict(_override_calculator(oommf_run, "jax"))
    assert back.calculator == {"name": "jax", "relax_time": 1e-12}
    same = _override_calculator(jax_run, "jax")  # no switch: every option kept
    assert same["calculator"] == jax_run["calculator"]


def test_oommf_options_defaults_round_trip():
    s = spec({"name": "oommf", "n_threads": 2, "thermal_timestep": 2e-14})
    assert RunSpec.from_dict(s.to_dict()).run_id == s.run_id
    options = simulate_oommf_module.oommf_options(s)
    assert options["relax_time"] == 1e-9 and options["outputs_per_pulse"] == 4
    assert options["n_threads"] == 2 and options["thermal_timestep"] == 2e-14


def _oommf_found() -> bool:
    tcl = os.environ.get("OOMMFTCL")
    return bool(tcl and Path(tcl).is_file()) or shutil.which("oommf") is not None


@pytest.mark.oommf
@pytest.mark.skipif(not _oommf_found(), reason="OOMMF not installed (no OOMMFTCL, no oommf)")
def test_real_oommf_run_reads_the_wall_like_the_jax_engine(tmp_path):
    """Where OOMMF is installed (the docker/ image): the tiny run through real OOMMF. The
    notch states must match the JAX engine's; positions within one 4 nm cell (OOMMF's
    Oxs_SpinXferEvolve vs the engine's Heun; not measured here, where no OOMMF exists)."""
    s_oommf, s_jax = spec(OOMMF_CALC), spec(JAX_CALC)
    a = simulate_oommf(s_oommf, workdir=tmp_path, progress=False)
    b = simulate(s_jax, progress=False)
    a.check(s_oommf)
    np.testing.assert_array_equal(a.readouts["notch"], b.readouts["notch"])
    np.testing.assert_allclose(a.readouts["position"], b.readouts["position"], atol=4e-9)
    assert a.readouts["position"][0, 0] > a.initial["position"][0, 0]
    assert a.provenance["engine"].startswith("OOMMF")
