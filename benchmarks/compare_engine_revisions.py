"""Engine speed of two source trees, measured alternately in one run (not a test).

    .venv/bin/python benchmarks/compare_engine_revisions.py ROOT_A ROOT_B [--repeats 3]
        [--members 16] [--steps 100] [--calls 3]

ROOT_A and ROOT_B are checkouts of this repository (e.g. a read-only worktree of the baseline
commit, ``git worktree add /tmp/base <commit>``, and the working tree). Every measurement runs
in a fresh subprocess with ``PYTHONPATH=<root>`` (so that root's ``physics`` is imported; the
child prints the path it imported to prove it), alternating A, B, A, B, ... ``--repeats`` times
for each case, so that other users' load falls on both alike; the table gives the median over
the processes and the ratio B / A. The cases:

- ``sp4``: muMAG standard problem 4, 1 ns of dynamics with the TimeDriver (float64 RK45,
  n = 100), after a compile run; wall and CPU seconds of the run.
- ``heun``: one thermal ensemble run on the scaled trapezoid (4 nm cells, float32, 300 K,
  ``--members`` members with the SOT pulse current of 0.3 V, dt = 1.6e-13 s, one JAX host
  device), ``--steps`` stochastic Heun steps per compiled call, for ``demag_update`` "step"
  and "stage"; the fastest of ``--calls`` compiled calls, per Heun step.

Only APIs common to the compared revisions are used (drivers, ``build_params`` through the
experiment helpers, ``run_ensemble``); the parameters' container is detected (a dict in older
revisions, :class:`physics.engine.params.Params` now) only to set the temperature.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

CASES = ("sp4", "heun")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _physics_path() -> str:
    import physics

    return str(Path(physics.__file__).resolve().parent)


def child_sp4() -> dict:
    """SP4 1 ns (float64 RK45, n = 100), compiled: wall and CPU seconds."""
    import micromagneticmodel as mm

    import physics.engine as engine
    from physics.engine.standard_problems import STDPROB4_FIELD1, stdprob4_system

    system = stdprob4_system()
    engine.MinDriver().drive(system, verbose=0)
    system.energy += mm.Zeeman(H=STDPROB4_FIELD1)
    relaxed = system.m
    engine.TimeDriver().drive(system, t=1e-9, n=100, verbose=0)  # compile
    system.m = relaxed
    driver = engine.TimeDriver()
    wall0, cpu0 = time.perf_counter(), _cpu()
    driver.drive(system, t=1e-9, n=100, verbose=0)
    return {
        "sp4_wall_s": time.perf_counter() - wall0,
        "sp4_cpu_s": _cpu() - cpu0,
        "sp4_mz": float(system.table.data["mz"].iloc[-1]),
    }


def _with_temperature(params, temperature: float):
    """params at the given temperature (K), for either parameter container."""
    import jax.numpy as jnp

    if isinstance(params, dict):
        return {**params, "temperature": temperature}
    return params.replace(temperature=jnp.asarray(temperature, params.Ms.dtype))


def child_heun(members: int, steps: int, calls: int) -> dict:
    """Per-step wall and CPU seconds of compiled thermal ensemble runs on the trapezoid."""
    import jax
    import jax.numpy as jnp

    from physics.engine.ensemble import ensemble_keys, run_ensemble
    from physics.experiment.depinning import depinning_spec, relaxed_walls

    spec = depinning_spec(
        "scaled-trapezoid",
        cell=(4e-9, 4e-9),
        pulse={"width": 1.5e-9, "rise": 0.05e-9, "fall": 0.05e-9},
        calculator={"name": "jax", "dt": 1.6e-13, "dtype": "float32", "relax_time": 0.05e-9},
    )
    m_relaxed, params, _ = relaxed_walls(spec, [0])
    params = _with_temperature(params, 300.0)
    m0 = m_relaxed[0]
    keys = ensemble_keys(0, members)
    amplitudes = jnp.full((members,), 0.3, dtype=m0.dtype)
    out = {}
    for update in ("step", "stage"):

        def run(update=update):
            return run_ensemble(
                m0,
                params,
                keys,
                dt=1.6e-13,
                steps_per_output=steps,
                n_outputs=1,
                amplitudes=amplitudes,
                demag_update=update,
            ).m

        jax.block_until_ready(run())  # compile
        best = (float("inf"), float("inf"))
        for _ in range(calls):
            wall0, cpu0 = time.perf_counter(), _cpu()
            jax.block_until_ready(run())
            best = min(best, (time.perf_counter() - wall0, _cpu() - cpu0))
        out[f"heun_{update}_wall_ms"] = best[0] / steps * 1e3
        out[f"heun_{update}_cpu_ms"] = best[1] / steps * 1e3
    return out


def child(args: argparse.Namespace) -> int:
    result = {"physics": _physics_path()}
    if args.case == "sp4":
        result |= child_sp4()
    else:
        result |= child_heun(args.members, args.steps, args.calls)
    print("RESULT " + json.dumps(result), flush=True)
    return 0


def run_child(root: Path, case: str, args: argparse.Namespace) -> dict:
    env = dict(
        os.environ, PYTHONPATH=str(root), XLA_FLAGS="--xla_force_host_platform_device_count=1"
    )
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        case,
        "--members",
        str(args.members),
        "--steps",
        str(args.steps),
        "--calls",
        str(args.calls),
    ]
    load = os.getloadavg()[0]
    proc = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{case} in {root} failed:\n{proc.stdout}\n{proc.stderr}")
    result = json.loads(lines[-1][len("RESULT ") :])
    if not result["physics"].startswith(str(root.resolve())):
        raise RuntimeError(f"{root}: imported physics from {result['physics']}")
    result["load"] = load
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("roots", nargs="*", type=Path, help="ROOT_A ROOT_B")
    p.add_argument("--repeats", type=int, default=3, help="processes per root and case")
    p.add_argument("--members", type=int, default=16)
    p.add_argument("--steps", type=int, default=100, help="Heun steps per compiled call")
    p.add_argument("--calls", type=int, default=3, help="timed compiled calls per process")
    p.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    p.add_argument("--child", choices=CASES, dest="case", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.case:
        return child(args)
    if len(args.roots) != 2:
        p.error("give two source roots, ROOT_A ROOT_B")
    roots = {"A": args.roots[0].resolve(), "B": args.roots[1].resolve()}
    print(
        f"A = {roots['A']}\nB = {roots['B']}\n{os.cpu_count()} CPUs, "
        f"load average at start {os.getloadavg()}",
        flush=True,
    )
    results: dict[str, list[dict]] = {"A": [], "B": []}
    for repeat in range(args.repeats):
        for case in args.cases:
            for label in ("A", "B"):
                r = run_child(roots[label], case, args)
                r["case"] = case
                results[label].append(r)
                shown = {k: round(v, 4) for k, v in r.items() if isinstance(v, float)}
                print(f"repeat {repeat + 1} {case} {label}: {shown}", flush=True)
    metrics = sorted(
        {k for rs in results.values() for r in rs for k in r if k.endswith(("_s", "_ms"))}
    )
    loads = [r["load"] for rs in results.values() for r in rs]
    print(
        f"\nload average (1 min) before each process: {min(loads):.2f}-{max(loads):.2f}; "
        f"at the end {os.getloadavg()}"
    )
    print("| metric | A median | B median | B / A | A runs | B runs |\n|---|---|---|---|---|---|")
    for metric in metrics:
        a = [r[metric] for r in results["A"] if metric in r]
        b = [r[metric] for r in results["B"] if metric in r]
        ma, mb = statistics.median(a), statistics.median(b)
        print(
            f"| {metric} | {ma:.4g} | {mb:.4g} | {mb / ma:.3f} | "
            f"{', '.join(f'{x:.3g}' for x in a)} | {', '.join(f'{x:.3g}' for x in b)} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
