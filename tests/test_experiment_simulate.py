"""simulate(spec) on the JAX engine: a real (small) run, cross-checked against the engine's
own TimeDriver, and a seeded thermal ensemble.

Slow (minutes on 2 loaded CPU cores): the default suite does not run it (``-m slow``).
"""

from __future__ import annotations

import numpy as np
import pytest

from physics.experiment.batch import run_batch
from physics.experiment.simulate import simulate
from physics.experiment.spec import RunSpec
from physics.experiment.store import read_run, run_path

CALC = {
    "name": "jax",
    "dt": 2.5e-14,
    "dtype": "float32",
    "relax_time": 1e-12,
    "outputs_per_pulse": 2,
}
# 0.25 ns pulse (0.2 ns FWHM, 25 ps edges) + 50 ps settle = 0.3 ns per step
PULSE = {"width": 0.2e-9, "rise": 0.025e-9, "fall": 0.025e-9}
SETTLE = 0.05e-9


def spec(
    voltages, *, geometry="scaled-straight", n_realisations=1, seed=0, temperature=0.0
) -> RunSpec:
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
            "geometry": geometry,
            "protocol": {"ramps": ramps, "temperature": temperature},
            "n_realisations": n_realisations,
            "seed": seed,
            "calculator": CALC,
        }
    )


def time_driver_displacement(s: RunSpec, voltage: float) -> float:
    """The same device and pulse through physics.engine.TimeDriver (adaptive RK45, T = 0)."""
    from physics.device import build_system
    from physics.engine import TimeDriver
    from physics.experiment.readout import in_end_wall_position
    from physics.pulses import TrapezoidalPulse

    track, geo = s.track(), s.readout_geometry()
    pulse = TrapezoidalPulse.from_fwhm(
        PULSE["width"], PULSE["rise"], PULSE["fall"], amplitude=voltage
    )
    system = build_system(
        track,
        s.material_object(),
        s.cell,
        temperature=0.0,
        bias_field=(0.0, 0.0, s.protocol.ramps[0].bias_h),
        wall_position=in_end_wall_position(track),
        pulse=pulse,
        pulse_dt=PULSE["rise"] / 50,
    )
    x0 = geo(system.m.orientation.array).position
    TimeDriver(dtype="float64", tol=1e-4).drive(
        system, t=s.protocol.ramps[0].step_duration, n=2, verbose=0
    )
    return float(geo(system.m.orientation.array).position - x0)


@pytest.mark.slow
def test_simulate_matches_the_time_driver_and_follows_the_sign_of_v(tmp_path):
    """+V moves the up/down wall towards CLK, -V back (physics.materials' sign convention);
    the batched fixed-step Heun path of simulate() agrees with the engine's adaptive RK45
    TimeDriver on the displacement within 2 nm (1 cell: Heun at dt = 25 fs, float32, vs RK45
    at tol 1e-4, float64, and the nearest-sample pulse lookup differ by far less than a cell)."""
    s_plus, s_minus = spec([0.3]), spec([-0.3])
    report = run_batch([s_plus, s_minus], tmp_path, executor="serial", progress=False)
    assert report.ok, report.failed
    moved = {}
    for s, v in ((s_plus, 0.3), (s_minus, -0.3)):
        rec = read_run(run_path(tmp_path, s.run_id))
        moved[v] = float(rec.readouts["position"][0, 0] - rec.initial["position"][0, 0])
        assert moved[v] == pytest.approx(time_driver_displacement(s, v), abs=2e-9)
        r = rec.readouts["resistance"]
        geo = s.readout_geometry()
        assert np.all((r >= geo.mtj.r_parallel) & (r <= geo.mtj.r_antiparallel))
    # ~40 m/s for ~0.25 ns: about 10 nm; 5 nm is 2.5 cells
    assert moved[0.3] > 5e-9 and moved[-0.3] < -5e-9, moved


@pytest.mark.slow
def test_thermal_ensemble_is_seeded_and_reproducible():
    a = simulate(spec([0.3], n_realisations=3, temperature=300.0))
    b = simulate(spec([0.3], n_realisations=3, temperature=300.0))
    for name in a.readouts:
        np.testing.assert_array_equal(a.readouts[name], b.readouts[name])
    # independent noise per realisation: the positions differ at 300 K
    assert np.unique(a.readouts["position"][:, 0]).size == 3
