"""The JAX engine and OOMMF, run one after the other on the same problems in one process tree.

Called by ``benchmarks/bench_engine.py --oommf`` (needs OOMMF: ``OOMMFTCL`` pointing to
``oommf.tcl``, or ``oommf`` on PATH; README: Real OOMMF). Rows:

* ``sp4``: muMAG standard problem 4, field 1, 1 ns, n = 100, from the same relaxed state;
  OOMMF's RungeKuttaEvolver (rkf54) against the JAX TimeDriver (rkf54, float64).
* ``case_c``: case C of ../shared/oommf-reference (the relaxed Néel wall driven by the
  damping-like SOT, J = 1e12 A/m^2), 2 ns, n = 200; OOMMF's SpinXferEvolve (rkf54) against
  the JAX TimeDriver (rkf54; float64, and float32 as a second row).
* ``relax``: the notched strip (:func:`physics.engine.standard_problems.notched_strip_system`)
  relaxed to max|m x H| < 0.01 A/m; OOMMF's MinDriver (CG) against the JAX MinDriver.
* ``thermal``: case C's mesh at 300 K with SOT (J = 5e11 A/m^2), stochastic Heun at a fixed
  step dt, at dt = 1e-14 s (OOMMF's reference step) and 2e-14 s (the JAX engine's validated
  default; the same step in OOMMF's Xf_ThermSpinXferEvolver): realisation-ns per wall hour of
  OOMMF (one realisation) and of a JAX ensemble split over the host devices.

Every row reports wall seconds (what a user waits for: for OOMMF the whole ``run`` call,
MIF writing and process start included; for JAX the second call, compiled, with the first
call's wall, compilation included, in its own column), CPU seconds (OOMMF: its child
processes; JAX: this process), the number of steps (OOMMF: the ODT table's iteration count;
JAX: step attempts) and the ratio OOMMF wall / JAX wall. Nothing is compared with a time
measured elsewhere.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import discretisedfield as df
import jax
import micromagneticmodel as mm
import numpy as np

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "oommf-reference"

# Case B/C material (../shared/oommf-reference/README.md).
MS, A, KU, D, ALPHA, THICKNESS = 1.1e6, 1.5e-11, 8.5e5, 0.3e-3, 0.02, 1e-9


@dataclass
class Timing:
    """Wall and CPU seconds of one call."""

    wall: float
    cpu: float


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(fn: Callable[[], Any], children: bool = False) -> tuple[Timing, Any]:
    """(Timing, result) of fn(); CPU of this process, or of its waited-for children."""
    clock = _children_cpu if children else _self_cpu
    cpu0, wall0 = clock(), time.perf_counter()
    result = fn()
    jax.block_until_ready(result) if not children else None
    return Timing(time.perf_counter() - wall0, clock() - cpu0), result


@dataclass
class Row:
    """One problem, both engines."""

    problem: str
    settings: str
    oommf: Timing
    oommf_steps: int
    jax: Timing
    jax_steps: int
    jax_first_call_wall: float
    load_average: float
    check: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        """OOMMF wall / JAX wall (> 1: the JAX engine is faster)."""
        return self.oommf.wall / self.jax.wall


# ------------------------------------------------------------------------------ problems
def film_system(name: str, J: float) -> mm.System:
    """A System with case B/C's energy (exchange, uniaxial anisotropy along z, interfacial
    DMI, demag) and dynamics (alpha = 0.02, damping-like SOT of current density J in A/m^2
    with P = theta_SH = 0.1, mp = +y); its m is set by the caller."""
    system = mm.System(name=name)
    system.energy = (
        mm.Exchange(A=A)
        + mm.UniaxialAnisotropy(K=KU, u=(0, 0, 1))
        + mm.DMI(D=D, crystalclass="Cnv_z")
        + mm.Demag()
    )
    system.dynamics = (
        mm.Precession(gamma0=2.211e5)
        + mm.Damping(alpha=ALPHA)
        + mm.Slonczewski(J=J, mp=(0, 1, 0), P=0.1, Lambda=1, eps_prime=0)
    )
    return system


def case_c_system(J: float = 1e12) -> mm.System:
    """Case C: the OOMMF-relaxed case-B wall, driven by SOT (P = theta_SH = 0.1)."""
    nx, ny = 256, 32
    mesh = df.Mesh(p1=(0, 0, 0), p2=(nx * 2e-9, ny * 2e-9, THICKNESS), cell=(2e-9, 2e-9, 1e-9))
    system = film_system("case_c", J)
    system.m = df.Field(mesh, nvdim=3, value=np.load(REFERENCE / "dw_relaxed.npz")["m"] * MS)
    return system


def _snapshot(m: df.Field) -> df.Field:
    """An independent copy of a magnetisation field (oommfc writes its result into the
    System's field in place, so a reference to system.m would change under us)."""
    return df.Field(m.mesh, nvdim=3, value=np.array(m.array, copy=True))


def _copy_m(system: mm.System, m: df.Field) -> None:
    system.m = _snapshot(m)


def _oommf_steps(table: Any) -> int:
    return int(table["iteration"].iloc[-1]) if table is not None and "iteration" in table else -1


def _mean_m(system: mm.System) -> np.ndarray:
    return np.asarray(system.table.data[["mx", "my", "mz"]].iloc[-1], dtype=float)


def dynamics_row(
    problem: str,
    make: Callable[[], mm.System],
    t: float,
    n: int,
    dtype: str,
    workdir: Path,
    jax_method: str = "rkf54",
    oommf_method: str | None = None,
) -> Row:
    """One deterministic TimeDriver run on both engines from the same initial state, with the
    JAX engine's ``jax_method`` and OOMMF's ``oommf_method`` (None: its default, rkf54)."""
    import physics.engine as engine
    from physics.calculators.oommf import OOMMFCalculator

    system = make()
    m0 = _snapshot(system.m)
    with OOMMFCalculator(n_threads=os.cpu_count() or 1) as calc:
        load = os.getloadavg()[0]
        oommf, result = timed(
            lambda: calc.run(system, t=t, n=n, workdir=workdir, method=oommf_method),
            children=True,
        )
        oommf_m = _mean_m(system)
        oommf_steps = _oommf_steps(result.table)
    driver = engine.TimeDriver(dtype=dtype, method=jax_method)
    _copy_m(system, m0)
    first, _ = timed(lambda: driver.drive(system, t=t, n=n, verbose=0))
    _copy_m(system, m0)
    jx, _ = timed(lambda: driver.drive(system, t=t, n=n, verbose=0))
    diff = float(np.abs(_mean_m(system) - oommf_m).max())
    return Row(
        problem=problem,
        settings=f"{t:g} s, n = {n}, {dtype}; OOMMF {oommf_method or 'rkf54'}, JAX {jax_method}",
        oommf=oommf,
        oommf_steps=oommf_steps,
        jax=jx,
        jax_steps=driver.stats["accepted_steps"] + driver.stats["rejected_steps"],
        jax_first_call_wall=first.wall,
        load_average=load,
        check=f"max |<m>_JAX - <m>_OOMMF| at the end = {diff:.1e}",
    )


def sp4_row(workdir: Path) -> Row:
    """SP4 field 1 from the JAX-relaxed S state (both engines start from it)."""
    import physics.engine as engine
    from physics.engine.standard_problems import STDPROB4_FIELD1, stdprob4_system

    relaxed = stdprob4_system()
    engine.MinDriver().drive(relaxed, verbose=0)

    def make() -> mm.System:
        system = stdprob4_system()
        system.energy += mm.Zeeman(H=STDPROB4_FIELD1)
        system.m = _snapshot(relaxed.m)
        return system

    return dynamics_row("SP4", make, 1e-9, 100, "float64", workdir)


def relax_row(workdir: Path) -> Row:
    """The notched strip relaxed to max|m x H| < 0.01 A/m by both engines."""
    import physics.engine as engine
    from physics.calculators.oommf import OOMMFCalculator
    from physics.engine.standard_problems import notched_strip_system

    stopping = 0.01
    system = notched_strip_system()
    m0 = _snapshot(system.m)
    with OOMMFCalculator(n_threads=os.cpu_count() or 1) as calc:
        load = os.getloadavg()[0]
        oommf, result = timed(
            lambda: calc.relax(system, stopping_mxHxm=stopping, workdir=workdir), children=True
        )
        oommf_steps = _oommf_steps(result.table)
        oommf_m = np.asarray(system.m.orientation.array)
    driver = engine.MinDriver(stopping_mxHxm=stopping)
    _copy_m(system, m0)
    first, _ = timed(lambda: driver.drive(system, verbose=0))
    _copy_m(system, m0)
    jx, _ = timed(lambda: driver.drive(system, verbose=0))
    jax_m = np.asarray(system.m.orientation.array)
    # (The total energies differ by a constant: OOMMF's uniaxial anisotropy energy density is
    # -K (m.u)^2, the engine's K (1 - (m.u)^2); compare the states instead.)
    diff = float(np.abs(jax_m - oommf_m).max())
    return Row(
        problem="relax notched strip",
        settings=f"to max|m x H| < {stopping} A/m, float64",
        oommf=oommf,
        oommf_steps=oommf_steps,
        jax=jx,
        jax_steps=int(driver.iterations),
        jax_first_call_wall=first.wall,
        load_average=load,
        check=(
            f"max over cells |m_JAX - m_OOMMF| = {diff:.1e}; JAX max|m x H| = "
            f"{driver.mxHxm:.3g} A/m"
        ),
        extra={"jax_field_evaluations": getattr(driver, "field_evaluations", None)},
    )


def thermal_system(J: float = 5e11) -> mm.System:
    """Case C's mesh (a 512 x 64 x 1 nm strip of 2 nm cells) with its wall, at 300 K."""
    system = case_c_system(J)
    system.T = 300.0
    return system


def _concurrent_worker(
    barrier: Any, queue: Any, index: int, dt: float, counts: tuple[int, ...], workdir: Path
) -> None:
    """One single-threaded OOMMF process of :func:`oommf_concurrent_per_step` (runs in a
    spawned child): each run of ``counts`` steps starts when every worker is ready."""
    from physics.calculators.oommf import OOMMFCalculator

    system = thermal_system()
    m0 = _snapshot(system.m)
    out = {}
    with OOMMFCalculator(n_threads=1) as calc:
        for count in counts:
            _copy_m(system, m0)
            barrier.wait()
            timing, _ = timed(
                lambda count=count: calc.run(
                    system,
                    t=count * dt,
                    n=1,
                    seed=1 + index,
                    thermal_timestep=dt,
                    workdir=workdir / f"process-{index}" / str(count),
                ),
                children=True,
            )
            out[count] = (timing.wall, timing.cpu)
    queue.put((index, out))


def oommf_concurrent_per_step(
    dt: float, oommf_steps: int, processes: int, workdir: Path
) -> tuple[float, float]:
    """OOMMF's ensemble throughput measured, not assumed: ``processes`` single-threaded OOMMF
    processes (one realisation each, different seeds) run side by side, each timing 100 and
    ``oommf_steps`` steps, started together. Returns the wall and CPU seconds per
    realisation-step of that ensemble: the processes' mean steady time per step (the
    difference of the two runs) divided by ``processes``, and their mean CPU per step."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(processes), ctx.Queue()
    workers = [
        ctx.Process(
            target=_concurrent_worker,
            args=(barrier, queue, i, dt, (100, oommf_steps), workdir),
        )
        for i in range(processes)
    ]
    for w in workers:
        w.start()
    try:
        results = [queue.get(timeout=1800) for _ in workers]
    finally:
        for w in workers:
            w.join(timeout=60)
            if w.is_alive():
                w.terminate()
    steps = oommf_steps - 100
    wall = [(r[oommf_steps][0] - r[100][0]) / steps for _, r in results]
    cpu = [(r[oommf_steps][1] - r[100][1]) / steps for _, r in results]
    return float(np.mean(wall)) / processes, float(np.mean(cpu))


THERMAL_DEMAG_UPDATES = {
    "stage": "demag at both Heun stages (OOMMF's scheme)",
    "step": "demag once per step",
    8: "demag once per 8 steps, the other cells' field extrapolated",
}
"""The JAX engine's thermal rows: ``demag_update`` and its description
(:mod:`physics.engine.thermal`); members in blocks of ``member_block`` (one member at a time on
case C's mesh)."""


def thermal_rows(dt: float, oommf_steps: int, batch: int, steps: int, workdir: Path) -> list[Row]:
    """Realisation-ns per wall hour at 300 K and a fixed step dt (s).

    OOMMF (Xf_ThermSpinXferEvolver, rk2heun: two field evaluations per step) runs one
    realisation for 100 steps and for ``oommf_steps`` steps; its steady rate is the difference
    of the two (so its process start-up, ~1-2 s, is not charged to it). The JAX engine runs an
    ensemble of ``batch`` members for ``steps`` steps, split over every JAX host device, twice
    (the second, compiled call is timed), for each scheme of :data:`THERMAL_DEMAG_UPDATES`:
    the demag field at both Heun stages (the same scheme as OOMMF's), once per step
    (``demag_update="step"``, validated in tests/test_engine_thermal_dt.py) and once per 8 steps
    (``demag_update=8``, tests/test_engine_thermal_mts.py). OOMMF runs with every core and with
    one thread; the OOMMF column is its steady-state time for the same realisation-ns as the
    JAX ensemble in the faster of the two ways to run an ensemble on this machine: one process
    on every core, or one single-threaded process per core, the processes run side by side and
    timed together (:func:`oommf_concurrent_per_step`; the lone one-thread process times the
    cores, an upper bound, is reported beside it).
    """
    import jax.numpy as jnp

    from physics.calculators.oommf import OOMMFCalculator
    from physics.engine.ensemble import ensemble_keys, member_block, run_ensemble
    from physics.engine.system import build_params

    system = thermal_system()
    m0 = _snapshot(system.m)
    cores = os.cpu_count() or 1
    per_step, per_step_cpu = {}, {}  # OOMMF's steady s per step, by its thread count
    for threads in sorted({cores, 1}, reverse=True):
        walls = {}
        with OOMMFCalculator(n_threads=threads) as calc:
            if threads == cores:
                load = os.getloadavg()[0]
            for count in (100, oommf_steps):
                _copy_m(system, m0)
                walls[count], result = timed(
                    lambda count=count, calc=calc, threads=threads: calc.run(
                        system,
                        t=count * dt,
                        n=1,
                        seed=1,
                        thermal_timestep=dt,
                        workdir=workdir / f"{threads}-threads" / str(count),
                    ),
                    children=True,
                )
                if threads == cores:
                    counted = _oommf_steps(result.table)
        steps_timed = oommf_steps - 100
        per_step[threads] = (walls[oommf_steps].wall - walls[100].wall) / steps_timed
        per_step_cpu[threads] = (walls[oommf_steps].cpu - walls[100].cpu) / steps_timed
    # OOMMF's best ensemble throughput on this machine: one realisation on every core, or one
    # single-threaded process per core, measured side by side (the memory bus shared).
    ideal = per_step[1] / cores  # cores x the lone one-thread process: an upper bound
    ways = {f"1 process x {cores} threads": (per_step[cores], per_step_cpu[cores])}
    if cores > 1:
        ways[f"{cores} processes x 1 thread, measured together"] = oommf_concurrent_per_step(
            dt, oommf_steps, cores, workdir / "concurrent"
        )
    best = min(ways, key=lambda way: ways[way][0])
    per_step_best, cpu_per_step_best = ways[best]
    rows = []
    with jax.enable_x64(False):
        m, params, _ = build_params(thermal_system(), dtype=jnp.float32)
        keys = ensemble_keys(0, batch)
        for update in THERMAL_DEMAG_UPDATES:

            def run(update: str | int = update) -> jax.Array:
                return run_ensemble(
                    m,
                    params,
                    keys,
                    dt=dt,
                    steps_per_output=steps,
                    n_outputs=1,
                    demag_update=update,
                ).m

            first, _ = timed(run)
            jx, _ = timed(run)
            per_device = -(-batch // jax.device_count())
            block = member_block(per_device, m.shape[:3], jax.devices()[0].platform)
            work = batch * steps  # realisation-steps
            oommf = Timing(per_step_best * work, cpu_per_step_best * work)
            rows.append(
                Row(
                    problem=f"300 K, dt = {dt:g} s, JAX {THERMAL_DEMAG_UPDATES[update]}",
                    settings=(
                        f"OOMMF 1 realisation per process ({oommf_steps} - 100 steps), its "
                        f"faster ensemble {best}; JAX float32 {batch} "
                        f"members x {steps} steps on {jax.device_count()} devices, "
                        f"members per block {block or 'all'}"
                    ),
                    oommf=oommf,
                    oommf_steps=counted,
                    jax=jx,
                    jax_steps=work,
                    jax_first_call_wall=first.wall,
                    load_average=load,
                    check=(
                        "realisation-ns per wall hour: OOMMF "
                        + ", ".join(
                            f"{dt * 1e9 * 3600 / per_step[n]:.3g} ({n} thread(s), 1 process)"
                            for n in per_step
                        )
                        + "".join(f", {way} {dt * 1e9 * 3600 / ways[way][0]:.3g}" for way in ways)
                        + f" (upper bound {dt * 1e9 * 3600 / ideal:.3g}); "
                        f"JAX {work * dt * 1e9 * 3600 / jx.wall:.3g}"
                    ),
                )
            )
    return rows


# ------------------------------------------------------------------------------ output
def machine() -> dict:
    """CPU model, core count, software versions and the load average now."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "jax": jax.__version__,
        "jax_devices": jax.device_count(),
        "load_average_start": os.getloadavg()[0],
    }


def markdown(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = [
        "| problem | settings | OOMMF wall (CPU) s | OOMMF steps | JAX wall (CPU) s "
        "| JAX first call s | JAX steps | OOMMF / JAX | load | check |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.problem} | {r.settings} | {r.oommf.wall:.2f} ({r.oommf.cpu:.2f}) "
            f"| {r.oommf_steps} | {r.jax.wall:.2f} ({r.jax.cpu:.2f}) "
            f"| {r.jax_first_call_wall:.2f} | {r.jax_steps} | **{r.ratio:.2f}x** "
            f"| {r.load_average:.1f} | {r.check} |"
        )
    return "\n".join(lines)


def run_all(rows: list[str], out_json: Path | None = None) -> list[Row]:
    """Run the named rows (``sp4``, ``case_c``, ``case_c32``, ``case_c_best``,
    ``case_c32_best``, ``relax``, ``thermal``)."""
    from physics.calculators.oommf import oommf_available

    if not oommf_available():
        raise SystemExit(
            "bench_engine.py --oommf: OOMMF not found: set OOMMFTCL to the path of oommf.tcl "
            "or put oommf on PATH (README: Real OOMMF)"
        )
    info = machine()
    print(json.dumps(info), flush=True)
    done: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="dwmtj-bench-") as tmp:
        work = Path(tmp)
        plan: dict[str, Callable[[], list[Row]]] = {
            "sp4": lambda: [sp4_row(work / "sp4")],
            "case_c": lambda: [
                dynamics_row("case C", case_c_system, 2e-9, 200, "float64", work / "c64")
            ],
            "case_c32": lambda: [
                dynamics_row("case C", case_c_system, 2e-9, 200, "float32", work / "c32")
            ],
            # each engine's fastest method on this stiff mesh: OOMMF's 7FS pair (the widest
            # stability region of its Runge-Kutta methods; its rk4 uses step doubling, 11
            # evaluations per step) against the JAX engine's RK4(3) with PI control
            "case_c_best": lambda: [
                dynamics_row(
                    "case C", case_c_system, 2e-9, 200, "float64", work / "cb64", "rk4", "rkf54s"
                )
            ],
            "case_c32_best": lambda: [
                dynamics_row(
                    "case C", case_c_system, 2e-9, 200, "float32", work / "cb32", "rk4", "rkf54s"
                )
            ],
            "relax": lambda: [relax_row(work / "relax")],
            "thermal": lambda: [
                *thermal_rows(1e-14, 1100, 32, 400, work / "t1"),
                *thermal_rows(2e-14, 1100, 32, 400, work / "t2"),
            ],
        }
        for name in rows:
            for row in plan[name]():
                done.append(row)
                print(markdown([row]).splitlines()[-1], flush=True)
    print()
    print(f"machine: {info['cpu']}, {info['cores']} cores, jax {info['jax']}")
    print(markdown(done))
    if out_json is not None:
        payload = {
            "machine": info,
            "rows": [{**asdict(r), "ratio": r.ratio} for r in done],
        }
        out_json.write_text(json.dumps(payload, indent=1))
    return done
