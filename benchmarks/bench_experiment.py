"""Thermal pulse throughput of the depinning experiments on the scaled trapezoid (not a test).

One "pulse" is what a voltage ramp runs per step: the trapezoidal pulse plus the settle time,
at 300 K, for every realisation of the ensemble, with the wall starting at the first notch
(the same calls as :func:`physics.experiment.simulate.simulate`: ``run_ensemble`` with the
current scaled by V). For ensemble sizes N (default 1, 8, 32) it times one compiled ensemble
pulse and reports

- pulses x realisations per hour (N / wall time x 3600) and per CPU hour,
- realisation-ns per hour (simulated ns x N / wall time x 3600),

against the single-run baseline in the same process (``integrate_thermal``: one realisation,
no vmap). Every timing is wall seconds and process CPU seconds (user + system) with the
1-minute load average: the machine is shared, so CPU time is the meaningful cost.

Usage: nice -n 10 .venv/bin/python benchmarks/bench_experiment.py [--sizes 1 8 32]
       [--cell 4e-9] [--dt 1e-13] [--dtype float32] [--width 0.5e-9] [--rise 0.05e-9]
       [--settle 0.1e-9] [--demag-update stage|step]

JAX gets one host device per core (as the ``dwmtj`` command), so ensembles use both cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dwmtj import use_all_cpu_cores  # noqa: E402

use_all_cpu_cores()  # one JAX host device per core, before JAX starts


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _timed(fn):
    """(result, wall s, CPU s) of fn() after one untimed call (compilation)."""
    import jax

    jax.block_until_ready(fn())
    w0, c0 = time.perf_counter(), _cpu()
    out = jax.block_until_ready(fn())
    return out, time.perf_counter() - w0, _cpu() - c0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1, 8, 32])
    p.add_argument("--cell", type=float, default=4e-9, help="cell dx = dy (m)")
    p.add_argument("--dt", type=float, default=1e-13, help="stochastic Heun step (s)")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    p.add_argument("--width", type=float, default=0.5e-9, help="pulse FWHM (s)")
    p.add_argument("--rise", type=float, default=0.05e-9, help="rise = fall (s)")
    p.add_argument("--settle", type=float, default=0.1e-9, help="settle time (s)")
    p.add_argument("--voltage", type=float, default=0.3, help="pulse amplitude (V)")
    p.add_argument(
        "--demag-update",
        default="stage",
        choices=["stage", "step"],
        help="demag convolution at both Heun stages or once per step",
    )
    args = p.parse_args(argv)

    import jax
    import jax.numpy as jnp

    from physics.engine.ensemble import ensemble_keys, run_ensemble, scale_current
    from physics.engine.thermal import integrate_thermal
    from physics.experiment.depinning import relaxed_walls
    from physics.experiment.simulate import _steps
    from physics.experiment.spec import RunSpec

    spec = RunSpec.from_dict(
        {
            "geometry": "scaled-trapezoid",
            "cell": [args.cell, args.cell],
            "protocol": {
                "kind": "voltage_ramp",
                "v_start": args.voltage,
                "v_stop": args.voltage,
                "n_steps": 1,
                "temperature": 0.0,
                "bias_field": -4e-3,
                "settle_time": args.settle,
                "pulse": {"width": args.width, "rise": args.rise, "fall": args.rise},
            },
            "calculator": {
                "name": "jax",
                "dt": args.dt,
                "dtype": args.dtype,
                "relax_time": 0.05e-9,
            },
        }
    )
    with jax.enable_x64(args.dtype == "float64"):
        m_relaxed, params, geo = relaxed_walls(spec, [0])
        params = params.replace(temperature=jnp.asarray(300.0, params.Ms.dtype))
        duration = spec.protocol.ramps[0].step_duration
        dt, steps = _steps(duration, 1, args.dt)
        n_cells = int(geo.mask.sum())
        print(
            f"scaled trapezoid, cell {args.cell * 1e9:g} nm ({n_cells} magnetic cells), "
            f"{args.dtype}, dt {dt:.3g} s, demag_update {args.demag_update}, pulse+settle "
            f"{duration * 1e9:g} ns ({steps} Heun steps), 300 K, {len(jax.devices())} JAX "
            f"devices, load average {os.getloadavg()[0]:.1f}"
        )
        m1 = m_relaxed[0]
        amp = jnp.asarray(args.voltage, dtype=m1.dtype)
        base_params = scale_current(params, amp)
        _, wall, cpu = _timed(
            lambda: (
                integrate_thermal(
                    m1,
                    base_params,
                    jax.random.PRNGKey(0),
                    dt=dt,
                    steps_per_output=steps,
                    n_outputs=1,
                    demag_update=args.demag_update,
                ).m
            )
        )
        rows = [("single run (integrate_thermal)", 1, wall, cpu, os.getloadavg()[0])]
        for n in args.sizes:
            keys = ensemble_keys(1, n)
            amps = jnp.full((n,), args.voltage, dtype=m1.dtype)
            _, wall, cpu = _timed(
                lambda keys=keys, amps=amps: (
                    run_ensemble(
                        m1,
                        params,
                        keys,
                        dt=dt,
                        steps_per_output=steps,
                        n_outputs=1,
                        amplitudes=amps,
                        demag_update=args.demag_update,
                    ).m
                )
            )
            rows.append((f"ensemble N={n} (run_ensemble)", n, wall, cpu, os.getloadavg()[0]))
    print(
        "| engine call | N | wall s | CPU s | load | pulses x real./h (wall) | "
        "pulses x real./CPU-h | real.-ns/h (wall) | vs single |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    base_rate = rows[0][1] / rows[0][2]
    for name, n, wall, cpu, load in rows:
        rate = n / wall
        print(
            f"| {name} | {n} | {wall:.2f} | {cpu:.2f} | {load:.1f} | {rate * 3600:.0f} | "
            f"{n / cpu * 3600:.0f} | {rate * duration * 1e9 * 3600:.0f} | "
            f"{rate / base_rate:.2f}x |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
