"""Throughput of the JAX engine on the scaled notched track (not part of the test suite).

Prints a table: for each cell size (2 nm, 4 nm), dtype (float32, float64) and batch size
(1, 8, 32, 128): effective-field evaluations per second (the whole batch counted), thermal
stochastic-Heun cell-updates per second (cells x steps x members / s; 2 field evaluations per
step), and peak memory (XLA's compiled buffer sizes for the batched Heun program, and the
process's max RSS). Then the JAX engine alone on SP4 (1 ns), case C (2 ns) and case C's mesh
at 300 K.

``--oommf`` runs OOMMF and the JAX engine side by side instead, one after the other in this
process tree, on SP4, case C, the notched-strip relaxation and case C's mesh at 300 K
(``benchmarks/side_by_side.py``; needs OOMMF: ``OOMMFTCL`` or ``oommf`` on PATH). Ratios are
only ever computed between two runs of the same invocation.

Every timing is reported as wall seconds and process CPU seconds (user + system, all threads,
``resource.getrusage``) together with the 1-minute load average: on a shared machine the CPU
time is the meaningful number (wall time includes waiting for other users' jobs).

Usage: nice -n 10 .venv/bin/python benchmarks/bench_engine.py [--batches 1 8 32 128]
       [--cells 4e-9 2e-9] [--steps N] [--skip-sp4] [--engine-only | --table-only]
       [--thermal-dt 2e-14] [--thermal-sharding [BATCH ...]]
       .venv/bin/python benchmarks/bench_engine.py --oommf [--rows sp4 case_c case_c_best ...]
       [--json FILE]

``--thermal-sharding 32 64`` prints only case C's mesh at 300 K: realisation-ns per wall hour
for each batch on one JAX device and split over all host devices (one per core, set up as the
``dwmtj`` command does) and the ratio of the two.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import resource
import time

from dwmtj import use_all_cpu_cores

use_all_cpu_cores()  # one JAX host device per core (before JAX starts), as the dwmtj command

import jax  # noqa: E402
import numpy as np  # noqa: E402

jax.config.update("jax_enable_x64", True)

import discretisedfield as df  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import micromagneticmodel as mm  # noqa: E402

from physics.engine.ensemble import ensemble_keys, run_ensemble  # noqa: E402
from physics.engine.field import effective_field  # noqa: E402
from physics.engine.standard_problems import STDPROB4_FIELD1, stdprob4_system  # noqa: E402
from physics.engine.system import build_params  # noqa: E402

# Case B/C material (../shared/oommf-reference/README.md): Ta/CoFeB-like PMA film, 1 nm thick.
MS, THICKNESS = 1.1e6, 1e-9  # A/m, m
J_SOT = 5e11  # A/m^2


def track_mask(cell: float) -> np.ndarray:
    """(nx, ny) mask of the scaled notched trapezoid (a 300 x 50 nm strip if unavailable)."""
    try:
        from geometries import load_preset

        return np.asarray(load_preset("scaled-trapezoid").mask(cell, cell), dtype=bool)
    except Exception as err:  # noqa: BLE001 - benchmark falls back to a plain strip
        print(f"(geometries unavailable: {err}; using a 300 x 50 nm strip)")
        return np.ones((int(300e-9 / cell), int(50e-9 / cell)), dtype=bool)


def device_system(mask: np.ndarray, cell: float, temperature: float) -> mm.System:
    """Wall-in-track System on the mask: exchange, anisotropy, DMI, demag, SOT, T."""
    nx, ny = mask.shape
    mesh = df.Mesh(p1=(0, 0, 0), p2=(nx * cell, ny * cell, THICKNESS), n=(nx, ny, 1))
    ms = df.Field(mesh, nvdim=1, value=mask[..., None].astype(float) * MS)
    from side_by_side import film_system

    system = film_system("bench", J_SOT)
    half = nx * cell / 2
    system.m = df.Field(
        mesh,
        nvdim=3,
        value=lambda p: (0.1, 0, 1) if p[0] < half else (0.1, 0, -1),
        norm=ms,
        valid="norm",
    )
    system.T = temperature
    return system


def cpu_seconds() -> float:
    """User + system CPU time (s) of this process, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def thread_cpu_seconds() -> dict[int, float]:
    """CPU seconds (user + system) of each thread of this process (Linux /proc; {} elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for stat in pathlib.Path("/proc/self/task").glob("*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended
            continue
        out[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return out


class Clock:
    """Context manager measuring wall and CPU seconds and the load average at the end."""

    def __enter__(self):
        self.threads0 = thread_cpu_seconds()
        self.wall0, self.cpu0 = time.perf_counter(), cpu_seconds()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall0
        self.cpu = cpu_seconds() - self.cpu0
        self.load = os.getloadavg()[0]
        threads = thread_cpu_seconds()
        used = [threads[k] - self.threads0.get(k, 0.0) for k in threads]
        # share of the CPU time on the busiest thread: ~1 when one thread did the work, ~1/n
        # when n threads (one per JAX device) shared it
        self.top_thread_share = max(used) / sum(used) if used and sum(used) > 0 else np.nan

    def __str__(self) -> str:
        return f"wall {self.wall:.2f} s, CPU {self.cpu:.2f} s (load average {self.load:.1f})"


def timed(fn, *args, repeat: int = 3) -> tuple[float, float]:
    """(wall, CPU) seconds of the fastest of ``repeat`` calls of fn(*args), after one warm-up
    (compile) call."""
    jax.block_until_ready(fn(*args))
    best = (np.inf, np.inf)
    for _ in range(repeat):
        wall0, cpu0 = time.perf_counter(), cpu_seconds()
        jax.block_until_ready(fn(*args))
        best = min(best, (time.perf_counter() - wall0, cpu_seconds() - cpu0))
    return best


def measure(mask, cell, dtype, batch, steps, dt: float = 2e-14) -> dict:
    with jax.enable_x64(dtype == jnp.float64):
        m0, params, _ = build_params(device_system(mask, cell, 300.0), dtype=dtype)
        cells = int(np.asarray(params.mask).sum())
        mb = jnp.broadcast_to(m0, (batch, *m0.shape))
        field = jax.jit(jax.vmap(lambda m: effective_field(m, params, jnp.asarray(0.0, dtype))))
        t_field, _ = timed(field, mb)
        keys = ensemble_keys(0, batch)

        def heun(k):
            return run_ensemble(
                m0, params, k, dt=dt, steps_per_output=steps, n_outputs=1, devices=jax.devices()[:1]
            ).m  # the table is per device

        t_heun, cpu_heun = timed(heun, keys, repeat=1)
        from physics.engine.ensemble import _run_batch
        from physics.engine.field import effective_field as ef
        from physics.engine.llg import llg_rhs
        from physics.engine.thermal import average_magnetisation

        stats = (
            _run_batch.lower(
                m0,
                params,
                keys,
                jnp.zeros(batch, dtype),
                dt,
                0.0,
                steps,
                1,
                None,
                average_magnetisation,
                ef,
                llg_rhs,
                False,
            )
            .compile()
            .memory_analysis()
        )
        xla_mb = (
            (stats.temp_size_in_bytes + stats.argument_size_in_bytes + stats.output_size_in_bytes)
            / 2**20
            if stats is not None
            else float("nan")
        )
    return {
        "cells": cells,
        "field_evals_per_s": batch / t_field,
        "cell_updates_per_s": cells * steps * batch / t_heun,
        "cell_updates_per_cpu_s": cells * steps * batch / cpu_heun,
        "realisation_ns_per_hour": batch * steps * dt * 1e9 * 3600 / t_heun,
        "xla_mb": xla_mb,
    }


def bench_sp4() -> Clock:
    """SP4's 1 ns of dynamics (second run, compiled) with the TimeDriver, float64 RK45."""
    import physics.engine as engine

    system = stdprob4_system()
    engine.MinDriver().drive(system, verbose=0)
    system.energy += mm.Zeeman(H=STDPROB4_FIELD1)
    relaxed = system.m
    engine.TimeDriver().drive(system, t=1e-9, n=100, verbose=0)  # compile
    system.m = relaxed
    with Clock() as clock:
        engine.TimeDriver().drive(system, t=1e-9, n=100, verbose=0)
    return clock


def bench_case_c(dtype: str, J: float = 1e12, t: float = 2e-9) -> tuple[Clock, int]:
    """Case C (OOMMF-relaxed wall, SOT J) for t seconds, n = 200, compiled; (clock, steps)."""
    from side_by_side import _snapshot, case_c_system

    import physics.engine as engine

    system = case_c_system(J)
    relaxed = _snapshot(system.m)
    driver = engine.TimeDriver(dtype=dtype)
    driver.drive(system, t=t / 200, n=1, verbose=0)  # compile (one executable for every n)
    system.m = _snapshot(relaxed)
    with Clock() as clock:
        driver.drive(system, t=t, n=200, verbose=0)
    return clock, driver.stats["accepted_steps"] + driver.stats["rejected_steps"]


def bench_thermal_case_c(
    batch: int, dt: float, steps: int, devices: list | None = None
) -> tuple[Clock, float]:
    """Case C's mesh at 300 K, float32, batch members x steps Heun steps of dt (compiled),
    split over ``devices`` (default all JAX devices); returns (clock, realisation-ns per hour of
    CPU time)."""
    with jax.enable_x64(False):
        m0, params, _ = build_params(
            device_system(np.ones((256, 32), dtype=bool), 2e-9, 300.0), dtype=jnp.float32
        )
        keys = ensemble_keys(0, batch)

        def run():
            return run_ensemble(
                m0, params, keys, dt=dt, steps_per_output=steps, n_outputs=1, devices=devices
            ).m

        jax.block_until_ready(run())
        with Clock() as clock:
            jax.block_until_ready(run())
    return clock, batch * steps * dt * 1e9 * 3600 / clock.cpu


def bench_thermal_sharding(batches: list[int], dt: float, steps: int) -> None:
    """Case C's mesh at 300 K: realisation-ns per wall hour with the batch on one device and
    split over all JAX devices (one per core), measured back to back."""
    devices = jax.devices()
    print(
        f"case C mesh (256 x 32 x 1, 2 nm), 300 K, float32, dt = {dt:g} s, {steps} steps; "
        f"{len(devices)} JAX devices, {os.cpu_count()} cores"
    )
    print(
        f"{'batch':>5} {'devices':>7} {'wall s':>7} {'CPU s':>7} {'load':>5} "
        f"{'real-ns/h wall':>14} {'/CPU-h':>7} {'split/single':>12} {'top thread':>10}"
    )
    for batch in batches:
        rates = {}
        for devs in (devices[:1], devices):
            clock, per_cpu_hour = bench_thermal_case_c(batch, dt, steps, devs)
            share = clock.top_thread_share
            rates[len(devs)] = batch * steps * dt * 1e9 * 3600 / clock.wall
            ratio = f"{rates[len(devs)] / rates[1]:.2f}" if len(devs) > 1 else ""
            print(
                f"{batch:>5} {len(devs):>7} {clock.wall:>7.2f} {clock.cpu:>7.2f} "
                f"{clock.load:>5.2f} {rates[len(devs)]:>14.3g} {per_cpu_hour:>7.3g} "
                f"{ratio:>12} {share:>10.2f}",
                flush=True,
            )
            if len(devices) == 1:
                break


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8, 32, 128])
    parser.add_argument("--cells", type=float, nargs="+", default=[4e-9, 2e-9])
    parser.add_argument("--steps", type=int, default=50, help="Heun steps per timing")
    parser.add_argument("--skip-sp4", action="store_true")
    parser.add_argument(
        "--engine-only",
        action="store_true",
        help="only the JAX engine on SP4, case C and thermal case C (no throughput table)",
    )
    parser.add_argument(
        "--oommf",
        action="store_true",
        help="OOMMF and the JAX engine side by side (benchmarks/side_by_side.py)",
    )
    parser.add_argument(
        "--rows",
        nargs="+",
        default=["sp4", "case_c", "case_c_best", "case_c32_best", "relax", "thermal"],
        choices=["sp4", "case_c", "case_c32", "case_c_best", "case_c32_best", "relax", "thermal"],
        help="with --oommf: the rows to run",
    )
    parser.add_argument("--json", type=pathlib.Path, help="with --oommf: write the rows here")
    parser.add_argument(
        "--table-only", action="store_true", help="only the throughput table (no OOMMF comparisons)"
    )
    parser.add_argument(
        "--thermal-dt",
        type=float,
        default=2e-14,
        help="stochastic Heun step (s) of the thermal case-C timing",
    )
    parser.add_argument(
        "--thermal-sharding",
        type=int,
        nargs="*",
        metavar="BATCH",
        help="only case C at 300 K: real-ns per wall hour for these batches "
        "(default 32 64), one device vs split over all host devices",
    )
    args = parser.parse_args()
    if args.oommf:
        import side_by_side

        side_by_side.run_all(args.rows, args.json)
        return
    if args.thermal_sharding is not None:
        bench_thermal_sharding(args.thermal_sharding or [32, 64], args.thermal_dt, args.steps)
        return
    if args.engine_only:
        args.cells = []
    print(f"jax {jax.__version__} on {jax.devices()[0].platform} ({jax.device_count()} devices)")
    header = (
        f"{'cell':>5} {'dtype':>7} {'batch':>5} {'cells':>6} {'field ev/s':>11} "
        f"{'cell-upd/s':>11} {'/CPU-s':>9} {'real-ns/h':>10} {'XLA MB':>8} {'maxRSS MB':>9}"
    )
    print(header + f"   (load average {os.getloadavg()[0]:.1f})")
    for cell in args.cells:
        mask = track_mask(cell)
        for dtype in (jnp.float32, jnp.float64):
            for batch in args.batches:
                r = measure(mask, cell, dtype, batch, args.steps, args.thermal_dt)
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(
                    f"{cell * 1e9:>4.0f}n {jnp.dtype(dtype).name:>7} {batch:>5} {r['cells']:>6} "
                    f"{r['field_evals_per_s']:>11.1f} {r['cell_updates_per_s']:>11.3g} "
                    f"{r['cell_updates_per_cpu_s']:>9.3g} "
                    f"{r['realisation_ns_per_hour']:>10.3g} {r['xla_mb']:>8.1f} {rss:>9.0f}",
                    flush=True,
                )
    if args.table_only:
        return
    if not args.skip_sp4:
        print(f"SP4 1 ns of dynamics (float64, rkf54): {bench_sp4()}", flush=True)
    for dtype in ("float64", "float32"):
        clock, steps = bench_case_c(dtype)
        print(
            f"case C J = 1e12 A/m^2, 2 ns, {dtype}: {clock}, {steps} rkf54 step attempts",
            flush=True,
        )
    for batch in (1, 8, 32):
        clock, rate = bench_thermal_case_c(batch, args.thermal_dt, args.steps)
        print(
            f"case C mesh, 300 K, float32, dt = {args.thermal_dt:g} s, batch {batch}: {clock}; "
            f"{rate:.3g} realisation-ns per CPU-hour",
            flush=True,
        )


if __name__ == "__main__":
    main()
