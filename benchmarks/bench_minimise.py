"""Relaxation of the notched strip to max|m x H| < 0.01 A/m: the JAX engine's minimisers and,
with --oommf, OOMMF's CG, one after the other in this process (not part of the test suite).

The problem is ``physics.engine.standard_problems.notched_strip_system()`` (256 x 32 x 1 cells
of 2 nm, 84 empty cells in two facing notches at x = 320 nm, the wall starting at x = 256 nm;
case B's material with demag). Each JAX row is a whole ``MinDriver.drive`` (float64, demag kernel
included) after one warm-up drive capped at 1 iteration that compiles the same executable (its
time, the one-off compilation, is printed on the row above); OOMMF's row is a
whole ``OOMMFCalculator(n_threads=2).relax`` (mif writing, kernel, CG). Printed per row: wall and
CPU seconds (this process plus its waited-for children, user + system), the 1-minute load
average at the end, iterations, field (energy) evaluations, max|m x H| reached, the wall
position x_dw from <mz> and the total energy (OOMMF's anisotropy energy, K (1 - (m.u)^2), is
shifted by -K V N to the engine's -K (m.u)^2).

Usage: nice -n 10 .venv/bin/python benchmarks/bench_minimise.py [--methods lbfgs bb]
       [--bb-iterations 100000] [--oommf]   (--oommf needs OOMMFTCL)
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time

import numpy as np

STOP = 0.01  # A/m, OOMMF's MinDriver criterion of case B


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def row(name: str, wall: float, cpu: float, iterations, evaluations, torque, x_dw, energy):
    print(
        f"{name:<22} {wall:>8.2f} {cpu:>8.2f} {os.getloadavg()[0]:>5.2f} {iterations:>9} "
        f"{evaluations:>9} {torque:>10.3g} {x_dw * 1e9:>9.3f} {energy:>14.7e}",
        flush=True,
    )


def bench_jax(method: str, max_iterations: int) -> None:
    import physics.engine as pe
    from physics.engine.standard_problems import notched_strip_system

    kwargs = {"stopping_mxHxm": STOP, "method": method, "allow_unconverged": True}
    warm = pe.MinDriver(max_iterations=1, **kwargs)
    system = notched_strip_system()
    wall0, cpu0 = time.perf_counter(), cpu_seconds()
    warm.drive(system)  # compiles the executable the timed drive uses
    wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    table = system.table.data
    row(
        f"  compile ({method}, 1 it.)",
        wall,
        cpu,
        warm.iterations,
        warm.field_evaluations,
        warm.mxHxm,
        table["x_dw"].iloc[0],
        table["E"].iloc[0],
    )
    system = notched_strip_system()
    driver = pe.MinDriver(max_iterations=max_iterations, **kwargs)
    wall0, cpu0 = time.perf_counter(), cpu_seconds()
    driver.drive(system)
    wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    table = system.table.data
    name = f"JAX {method}" + ("" if driver.converged else " (NOT conv.)")
    row(
        name,
        wall,
        cpu,
        driver.iterations,
        driver.field_evaluations,
        driver.mxHxm,
        table["x_dw"].iloc[0],
        table["E"].iloc[0],
    )


def bench_oommf() -> None:
    from physics.calculators.oommf import OOMMFCalculator
    from physics.engine.standard_problems import NOTCHED_STRIP_MATERIAL, notched_strip_system

    system = notched_strip_system()
    Ms = np.linalg.norm(system.m.array, axis=-1)
    volume = float(np.prod(system.m.mesh.cell))
    offset = NOTCHED_STRIP_MATERIAL["Ku"] * volume * int((Ms > 0).sum())
    with tempfile.TemporaryDirectory() as tmp, OOMMFCalculator(n_threads=2) as calc:
        wall0, cpu0 = time.perf_counter(), cpu_seconds()
        calc.relax(system, stopping_mxHxm=STOP, workdir=tmp)
        wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    last = system.table.data.iloc[-1]
    length = system.m.mesh.region.pmax[0] - system.m.mesh.region.pmin[0]
    row(
        "OOMMF CG (2 threads)",
        wall,
        cpu,
        int(last["iteration"]),
        int(last["energy_calc_count"]),
        float(last["max_mxHxm"]),
        length * (1 + float(last["mz"])) / 2,
        float(last["E"]) - offset,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=["lbfgs", "bb"])
    parser.add_argument("--bb-iterations", type=int, default=100_000)
    parser.add_argument("--oommf", action="store_true", help="also OOMMF's CG (needs OOMMFTCL)")
    args = parser.parse_args()
    print(f"notched strip to max|m x H| < {STOP} A/m; CPU: {_cpu_model()}, {os.cpu_count()} cores")
    print(
        f"{'':<22} {'wall s':>8} {'CPU s':>8} {'load':>5} {'iter.':>9} {'field ev.':>9} "
        f"{'mxHxm A/m':>10} {'x_dw nm':>9} {'E (J)':>14}"
    )
    if args.oommf:
        bench_oommf()
    for method in args.methods:
        bench_jax(method, args.bb_iterations if method == "bb" else 100_000)


def _cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


if __name__ == "__main__":
    main()
