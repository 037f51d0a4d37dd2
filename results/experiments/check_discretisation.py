"""Step and cell checks of the scaled-preset settings (4 nm cells, float32; dt = 1e-13 s with the
demag convolution at both Heun stages, and the fast settings dt = 1.6e-13 s with one demag
convolution per step).

The quantity compared is continuous: the forward displacement (m) of the wall relaxed at the
trapezoid's first notch after one pulse (0.5 ns FWHM, 50 ps rise/fall, 0.1 ns settle) at 0.3 V
and 0.6 V, T = 0. Variants: the calibrated settings; dt halved (5e-14 s); float64; the fast
settings and their step halved (8e-14 s); the cell halved (2 nm, dt = 2.5e-14 s: 1e-13 s is
unstable there). Writes check-discretisation.json (relative changes against the first row).

    nice -n 10 .venv/bin/python results/experiments/check_discretisation.py
    .venv/bin/python results/experiments/check_discretisation.py --only calibrated fast \
        --out check-discretisation-fast.json    (a subset: names starting with these words)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from physics.experiment.depinning import depinning_spec, pulse_outcomes, relaxed_walls  # noqa: E402

VOLTAGES = np.array([0.3, 0.6])
VARIANTS = {  # cell (m), dt (s), dtype, demag_update
    "calibrated (4 nm, 1e-13 s, float32)": (4e-9, 1e-13, "float32", "stage"),
    "dt halved (4 nm, 5e-14 s, float32)": (4e-9, 5e-14, "float32", "stage"),
    "float64 (4 nm, 1e-13 s)": (4e-9, 1e-13, "float64", "stage"),
    "fast (4 nm, 1.6e-13 s, one demag per step)": (4e-9, 1.6e-13, "float32", "step"),
    "fast, dt halved (4 nm, 8e-14 s, one demag per step)": (4e-9, 8e-14, "float32", "step"),
    "cell halved (2 nm, 2.5e-14 s, float32)": (2e-9, 2.5e-14, "float32", "stage"),
}


def displacement(
    cell: float, dt: float, dtype: str, demag_update: str
) -> tuple[list[float], float]:
    spec = depinning_spec(
        "scaled-trapezoid",
        cell=(cell, cell),
        pulse={"width": 0.5e-9, "rise": 0.05e-9, "fall": 0.05e-9},
        settle_time=0.1e-9,
        calculator={
            "name": "jax",
            "dt": dt,
            "dtype": dtype,
            "relax_time": 0.1e-9,
            "demag_update": demag_update,
        },
    )
    start = time.perf_counter()
    with jax.enable_x64(dtype == "float64"):
        m, params, geo = relaxed_walls(spec, [0])
        x0 = float(geo(np.asarray(m)).position[0])
        m_final = pulse_outcomes(
            spec, jnp.asarray(m)[np.zeros(len(VOLTAGES), int)], params, VOLTAGES
        )
    dx = np.asarray(geo(m_final).position) - x0
    return dx.tolist(), time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--only",
        nargs="*",
        default=None,
        help="run only the variants whose names start with these words",
    )
    p.add_argument(
        "--out",
        default="check-discretisation.json",
        help="JSON file name (written next to this script)",
    )
    args = p.parse_args(argv)
    variants = {
        name: v
        for name, v in VARIANTS.items()
        if args.only is None or any(name.startswith(w) for w in args.only)
    }
    rows = {}
    for name, args_ in variants.items():
        dx, wall = displacement(*args_)
        rows[name] = {"displacement_m": dx, "wall_time_s": wall}
        print(name, [f"{d * 1e9:.2f} nm" for d in dx], f"{wall:.0f} s", flush=True)
    ref = np.array(rows[next(iter(variants))]["displacement_m"])
    for row in rows.values():
        row["relative_change"] = (np.abs(np.array(row["displacement_m"]) - ref) / ref).tolist()
    out = Path(__file__).with_name(args.out)
    out.write_text(json.dumps({"voltages_V": VOLTAGES.tolist(), "variants": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
