"""The thermal-step tables of the fast settings (results/experiments/README.md, "Fast settings").

4 x 4 x 1 nm cells of the project's film (tests/test_engine_thermal_dt.py's helpers), 300 K,
float32: (1) stationary <mz> of a 16 x 8 domain (200-400 ps, 64 members, seed 5) at dt =
2.5e-14 s with demag at both Heun stages (the reference) and at 1e-13 ... 2.5e-13 s with one
demag convolution per step; (2) the mean SOT wall velocity in a 32 x 4 strip (J = 5e11 A/m^2,
0.4 ns, 64 members, seed 3) for both demag updates at several steps. Mean +- standard error.

    .venv/bin/python results/experiments/check_thermal_step_4nm.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from test_engine_thermal_dt import domain_mz, film  # noqa: E402

CELL = 4e-9


def velocities(dt: float, demag_update: str) -> np.ndarray:
    import jax.numpy as jnp

    from physics.engine.ensemble import ensemble_keys, run_ensemble
    from physics.engine.system import build_params

    nx, t, n_out = 32, 400e-12, 4
    m0, params, _ = build_params(film(nx, 4, wall=True, J=5e11, cell=CELL), dtype=jnp.float32)
    run = run_ensemble(
        m0,
        params,
        ensemble_keys(3, 64),
        dt=dt,
        steps_per_output=int(round(t / n_out / dt)),
        n_outputs=n_out,
        demag_update=demag_update,
    )
    x = nx * CELL * (1 + np.asarray(run.observed)[:, :, 2]) / 2
    return (x[:, -1] - x[:, 0]) / (t * (n_out - 1) / n_out)


def _row(label: str, a: np.ndarray, fmt: str) -> str:
    return f"| {label} | {a.mean():{fmt}} +- {a.std(ddof=1) / np.sqrt(a.size):{fmt}} |"


def main() -> int:
    print("| <mz>, 16 x 8 domain, 4 nm cells | mean +- s.e. |\n|---|---|")
    kw = {"cell": CELL, "seed": 5, "n_outputs": 10}
    print(
        _row(
            "dt 2.5e-14 s, stage (reference)",
            domain_mz(16, 8, 2.5e-14, 400e-12, 64, steps_per_output=800, **kw),
            ".4f",
        ),
        flush=True,
    )
    for dt, spo in ((1e-13, 200), (1.6e-13, 125), (2e-13, 100), (2.5e-13, 80)):
        mz = domain_mz(16, 8, dt, 400e-12, 64, steps_per_output=spo, demag_update="step", **kw)
        print(_row(f"dt {dt:g} s, step", mz, ".4f"), flush=True)
    print("\n| SOT wall velocity (m/s), 4 nm strip | mean +- s.e. |\n|---|---|")
    for dt, update in (
        (2e-14, "stage"),
        (4e-14, "stage"),
        (4e-14, "step"),
        (1.6e-13, "stage"),
        (1.6e-13, "step"),
    ):
        print(_row(f"dt {dt:g} s, {update}", velocities(dt, update), ".1f"), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
