"""Depinning fraction of the 300 K test pulse of tests/test_oommf_real.py on the JAX engine,
over a voltage grid (16 realisations per seed): where the OOMMF-vs-JAX comparison sits.

    .venv/bin/python results/experiments/jax_300k_scan.py [V ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

import test_oommf_real as t  # noqa: E402

from physics.experiment.simulate import simulate  # noqa: E402

if __name__ == "__main__":
    voltages = [float(v) for v in sys.argv[1:]] or [0.12, 0.13, 0.14, 0.15, 0.16]
    print("V,seed,depinned,of")
    for v in voltages:
        t.V_300K = v
        for seed in (3, 11):
            spec = t._spec_300k(
                {"name": "jax", "dt": t.DT_300K, "dtype": "float32", "relax_time": 0.05e-9},
                16,
                seed=seed,
            )
            print(
                f"{v},{seed},{int(t._depinned(simulate(spec, progress=False)).sum())},16",
                flush=True,
            )
