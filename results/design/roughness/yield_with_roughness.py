"""Yield of the committed designs under edge roughness (issue 19, step 3): each design's track
(results/design/<name>/<name>.toml) and target, Monte Carlo over notch-depth errors (the
target's depth_sigma_m) and geometries' seeded rough edges of RMS amplitude A per edge and
correlation length xi, for A in --amplitudes. The designs themselves were optimised for depth
errors only; this says what rough edges cost them.

    PYTHONPATH=. .venv/bin/python results/design/roughness/yield_with_roughness.py \\
        [--designs scaled-4-levels scaled-fmeta-half] [--amplitudes 0 0.5e-9 1e-9 2e-9]

writes yield-with-roughness.json beside this file.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import jax
import numpy as np

from design.depinning import quasi_static_thresholds
from design.objective import Problem, yield_estimate
from design.surrogate import load_calibration, profile_of
from design.target import load_design_spec
from geometries import load_preset

HERE = Path(__file__).resolve().parent
DESIGN = HERE.parent
CORRELATION = 20e-9
"""Correlation length of the rough edges along x (m), as roughness_check.py."""


def design_yield(name: str, amplitude: float, samples: int, seed: int) -> dict:
    spec = load_design_spec(DESIGN / "targets" / f"{name}.toml")
    c = dataclasses.replace(
        spec.constraints,
        edge_roughness_m=amplitude,
        roughness_correlation_m=CORRELATION if amplitude > 0 else None,
    )
    spec = dataclasses.replace(spec, constraints=c)
    track = load_preset(DESIGN / name / f"{name}.toml")
    with jax.enable_x64(True):
        problem = Problem.of(spec, load_calibration())
        p = profile_of(track)
        start = time.perf_counter()
        y = yield_estimate(problem, p, samples, c.depth_sigma_m, seed=seed)
        v_qs = np.asarray(quasi_static_thresholds(p, problem.material, problem.cal, problem.pulse))
    return {
        "design": name,
        "amplitude_m": amplitude,
        "correlation_length_m": CORRELATION if amplitude > 0 else None,
        "seconds": time.perf_counter() - start,
        "nominal_vqs_V": v_qs.tolist(),
        **y,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--designs",
        nargs="+",
        default=["scaled-4-levels", "scaled-fmeta-half", "scaled-4-levels-rough"],
    )
    parser.add_argument("--amplitudes", type=float, nargs="+", default=[0.0, 0.5e-9, 1e-9, 2e-9])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=str(HERE / "yield-with-roughness.json"))
    args = parser.parse_args()
    rows = []
    for name in args.designs:
        for a in args.amplitudes:
            row = design_yield(name, a, args.samples, args.seed)
            rows.append(row)
            print(
                f"{name:18s} roughness {a * 1e9:3.1f} nm: yield resolved "
                f"{row['yield_resolved']:.3f}, within tolerance {row['yield_within_tolerance']:.3f}"
                f"  V50 sd "
                + " ".join(f"{v * 1e3:.1f}" for v in row["v50_std_over_samples_V"])
                + f" mV  ({row['seconds']:.0f} s)",
                flush=True,
            )
            Path(args.json).write_text(json.dumps({"rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
