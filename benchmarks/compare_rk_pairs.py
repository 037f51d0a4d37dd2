"""Step attempts and CPU time of the three RK5(4)7F pairs on case C (not a test).

Case C of ../shared/oommf-reference (the relaxed Néel wall, SOT J = 1e12 A/m^2), 0.2 ns, n = 20,
compiled, one JAX host device: for each method (``rkf54`` = 7FC, ``rkf54m`` = 7FM, ``rkf54s`` =
7FS) and tolerance, the step attempts, wall and CPU seconds, and the largest difference of
<m> from OOMMF's reference table over the 20 outputs.

A method may carry its PI controller's beta after a colon (``rk4:0`` is RK4(3) with the
plain I controller, ``rkf54:0.04`` 7FC with PI control); the bare name uses the pair's own.

Usage: .venv/bin/python benchmarks/compare_rk_pairs.py [--dtype float64] [--tols 1e-5 1e-4]
       [--methods rkf54 rk4 rk4:0 rk4:0.04]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import side_by_side  # noqa: E402

import physics.engine as engine  # noqa: E402
from physics.engine import integrators  # noqa: E402


def method_named(spec: str) -> str:
    """``name`` or ``name:beta``: registers the variant with that PI beta; returns its name."""
    name, _, beta = spec.partition(":")
    if not beta:
        return name
    variant = integrators.tableau(name)._replace(name=spec, pi_beta=float(beta))
    integrators.TABLEAUX[spec] = variant
    return spec


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    parser.add_argument("--tols", type=float, nargs="+", default=[1e-5, 1e-4, 1e-3])
    parser.add_argument("--methods", nargs="+", default=["rkf54m", "rkf54", "rkf54s"])
    args = parser.parse_args()
    reference = np.loadtxt(side_by_side.REFERENCE / "sot_J1e12.csv", delimiter=",", skiprows=1)[
        :20, 1:4
    ]
    system = side_by_side.case_c_system(1e12)
    m0 = side_by_side._snapshot(system.m)
    print(f"load average {os.getloadavg()[0]:.2f}")
    for method in map(method_named, args.methods):
        for tol in args.tols:
            driver = engine.TimeDriver(dtype=args.dtype, tol=tol, method=method)
            side_by_side._copy_m(system, m0)
            driver.drive(system, t=1e-12, n=1, verbose=0)  # compile
            side_by_side._copy_m(system, m0)
            cpu0, wall0 = cpu_seconds(), time.perf_counter()
            driver.drive(system, t=2e-10, n=20, verbose=0)
            wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
            diff = np.abs(system.table.data[["mx", "my", "mz"]].to_numpy() - reference).max()
            attempts = driver.stats["accepted_steps"] + driver.stats["rejected_steps"]
            evaluations = attempts * (integrators.tableau(method).stages - 1)
            print(
                f"{method:>8} tol {tol:g}: {attempts} attempts, {evaluations} evaluations "
                f"({driver.stats['rejected_steps']} rejected), wall {wall:.2f} s, CPU {cpu:.2f} s,"
                f" max |<m> - <m>_OOMMF| {diff:.1e}",
                flush=True,
            )


if __name__ == "__main__":
    main()
