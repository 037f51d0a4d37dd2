"""simulate(spec) on the JAX engine: a real (small) thermal ensemble on the scaled trapezoid.

Slow (minutes on 2 CPU cores): the default suite does not run it (``-m slow``).
"""

from __future__ import annotations

import numpy as np
import pytest

from physics.experiment.batch import run_batch
from physics.experiment.simulate import simulate
from physics.experiment.spec import RunSpec
from physics.experiment.store import read_run, run_path

CALC = {"name": "jax", "dt": 1e-13, "dtype": "float32", "relax_time": 0.1e-9,
        "outputs_per_pulse": 2}
SHORT = {"width": 0.5e-9, "rise": 0.05e-9, "fall": 0.05e-9}


def spec(ramps, n_realisations=2, seed=0, temperature=300.0) -> RunSpec:
    return RunSpec.from_dict({
        "geometry": "scaled-trapezoid",
        "protocol": {"ramps": ramps, "temperature": temperature},
        "n_realisations": n_realisations,
        "seed": seed,
        "calculator": CALC,
    })


@pytest.mark.slow
def test_positive_pulses_push_the_wall_to_clk_and_negative_ones_back(tmp_path):
    ramps = [
        {"v_start": 0.3, "v_stop": 0.3, "n_steps": 1, "pulse": SHORT, "settle_time": 0.1e-9,
         "bias_field": -4e-3},
        {"v_start": -0.3, "v_stop": -0.3, "n_steps": 1, "pulse": SHORT, "settle_time": 0.1e-9,
         "bias_field": -4e-3},
    ]
    s = spec(ramps)
    report = run_batch([s], tmp_path, executor="serial", progress=False)
    assert report.ok, report.failed
    rec = read_run(run_path(tmp_path, s.run_id))
    start = rec.initial["position"][:, 0]
    after_write, after_reset = rec.readouts["position"].T
    # 0.3 V drives ~1e12 A/m^2 at the narrow end, H_DL ~ 3e4 A/m: below the effective
    # anisotropy field (~1.3e5 A/m, so no SOT switching) and far above the ~300 A/m at which
    # the DMI-limited wall speed (~75 m/s) saturates: ~0.5 ns of drive moves the wall tens of
    # nm; 15 nm is well above the thermal jitter of the readout (a few nm at 300 K)
    assert np.all(after_write - start > 15e-9), (start, after_write)
    assert np.all(after_write - after_reset > 15e-9), (after_write, after_reset)
    r = rec.readouts["resistance"]
    geo = s.readout_geometry()
    assert np.all((r >= geo.mtj.r_parallel) & (r <= geo.mtj.r_antiparallel))
    assert np.all(r[:, 0] < r[:, 1])  # more written (parallel) area -> lower R
    assert rec.time_table["mz"].shape == (2, rec.time_table["t"].size)


@pytest.mark.slow
def test_thermal_ensemble_is_seeded_and_reproducible():
    ramps = [{"v_start": 1.0, "v_stop": 1.0, "n_steps": 1,
              "pulse": {"width": 0.1e-9, "rise": 0.02e-9, "fall": 0.02e-9},
              "settle_time": 0.05e-9}]
    a = simulate(spec(ramps, n_realisations=3))
    b = simulate(spec(ramps, n_realisations=3))
    for name in a.readouts:
        np.testing.assert_array_equal(a.readouts[name], b.readouts[name])
    # independent noise per realisation: the positions differ at 300 K
    assert np.unique(a.readouts["position"][:, 0]).size == 3
