"""One run on OOMMF: a RunSpec -> the device -> the pulse protocol, one realisation at a time.

The OOMMF path of :func:`physics.experiment.simulate.simulate` (``calculator.name = "oommf"``),
with the same protocol and the same result layout as the JAX path. OOMMF integrates one
realisation per process, so the run is a loop over realisations x (relaxations + pulses), each
step one call ``drive(system, t, n, seed)`` that advances ``system`` in place (``system.m``
and ``system.table``, as ubermag drivers do):

- the device of each (ramp, voltage V) is built once (:func:`~physics.experiment.simulate.
  ramp_system`: the ramp's DC bias field, the protocol temperature, the current density
  solved at 1 V and rescaled to V, the ramp's trapezoidal pulse as the SOT time function);
- a pulse step carries the magnetisation of the previous step (``system.m = previous``) and
  runs for ``ramp.step_duration`` (pulse + settle, s); the wall is then read
  (``spec.readout_geometry()``);
- before every (re)initialised cycle the wall is placed at the IN end or at a notch (as in
  :func:`~physics.experiment.simulate.simulate`) and relaxed for ``relax_time`` (s) without
  current (no SOT term) at the protocol temperature, in the first ramp's bias field.

Readouts ``(n_realisations, n_pulses)``, the initial readouts ``(n_realisations, n_cycles)``
and the time table (``t`` (n_t,) in s, mx, my, mz (n_realisations, n_t): the average of the
unit magnetisation over the track, OOMMF's normalised ``mx, my, mz``, ``outputs_per_pulse``
rows per step, relaxations included) have the layout of the JAX path.

Seeds: drive call ``c`` (0-based, in protocol order: relaxation, pulses, next relaxation, ...)
of realisation ``r`` gets :func:`drive_seed` ``(spec.seed, r, c)``: the first 32-bit word of
``numpy.random.SeedSequence([spec.seed, r, c])`` shifted right by one bit, a non-negative
int < 2**31. A realisation's seeds do not depend on how many realisations the run has. At
T > 0 OOMMF's thermal evolver (``Xf_ThermSpinXferEvolver``, or ``Xf_ThermHeunEvolver`` for the
undriven relaxation; rk2heun with the fixed step ``thermal_timestep``) gets it as its
``uniform_seed`` and as the MIF's ``RandomSeed`` (:mod:`physics.calculators.oommf`); at T = 0
the deterministic evolvers ignore it.

Calculator options (``spec.calculator``, all optional; :func:`oommf_options`):

``relax_time``         relaxation of a (re)initialised wall before its cycle (s), default 1 ns;
``outputs_per_pulse``  rows of the time table per step (OOMMF stages), default 4;
``n_threads``          OOMMF threads per process, default None (OOMMF's own default);
``thermal_timestep``   the fixed time step of the thermal evolver at T > 0 (s), default
                       :data:`physics.calculators.oommf.THERMAL_TIMESTEP` (10 fs).

Any other option fails, the JAX engine's ``dt``, ``dtype`` and ``demag_update`` included
(``dwmtj simulate/batch SPEC --calculator oommf`` drops them when it switches a JAX spec to
OOMMF: :func:`physics.experiment.commands.load_run_spec`).

Cost: one OOMMF process per realisation-step, n_realisations x (re-initialisations +
n_pulses) processes in all, run one after another; each pays OOMMF's start-up and the writing
of the MIF and its field files (J, sigma, grains) besides the integration, which at T > 0
takes step duration / thermal_timestep fixed steps (30 000 for a 0.3 ns step at 10 fs).
Without OOMMF (:func:`physics.calculators.oommf.oommf_available`) the default drive raises
:class:`~physics.calculators.oommf.OOMMFNotFoundError` before anything is built.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from physics.calculators import oommf as calculators_oommf
from physics.calculators.oommf import THERMAL_TIMESTEP
from physics.experiment.limits import check_time_step
from physics.experiment.run_parts import (
    ramp_system,
    readout_tables,
    record_readout,
    reject_unknown_options,
    require_outputs_per_pulse,
    require_positive_times,
    time_table,
    unit_current,
)
from physics.experiment.spec import RunSpec
from physics.experiment.store import RunResult

#: ``drive(system, t, n, seed)``: advance ``system`` by ``t`` s in place (``system.m``), writing
#: ``n`` rows of <m> (t, mx, my, mz) into ``system.table`` (ubermag's convention).
Drive = Callable[[Any, float, int, int], None]

OOMMF_DEFAULTS: dict[str, Any] = {
    "relax_time": 1e-9,
    "outputs_per_pulse": 4,
    "n_threads": None,
    "thermal_timestep": THERMAL_TIMESTEP,
}
_OOMMF_OPTIONS = ("name", *OOMMF_DEFAULTS)


def oommf_options(spec: RunSpec) -> dict:
    """The OOMMF calculator options of ``spec`` with defaults filled in (see the module
    docstring); ValueError naming ``calculator.<option>`` for an unknown or invalid one."""
    options = {**OOMMF_DEFAULTS, **spec.calculator}
    reject_unknown_options(options, _OOMMF_OPTIONS)
    require_positive_times(options, ("relax_time", "thermal_timestep"))
    require_outputs_per_pulse(options)
    if spec.protocol.temperature > 0:  # the fixed-step thermal evolver: the same bounds
        check_time_step(spec, float(options["thermal_timestep"]), "calculator.thermal_timestep")
    n_threads = options["n_threads"]
    if n_threads is not None and (
        isinstance(n_threads, bool) or not isinstance(n_threads, int) or n_threads < 1
    ):
        raise ValueError(
            f"calculator.n_threads: must be a positive integer (OOMMF threads) "
            f"or left out, got {n_threads!r}"
        )
    return options


def drive_seed(run_seed: int, realisation: int, call: int) -> int:
    """The random seed (0 <= seed < 2**31) of drive call ``call`` of ``realisation`` in a run
    of seed ``run_seed`` (all 0-based, non-negative): SeedSequence([run_seed, realisation,
    call])'s first 32-bit word >> 1."""
    word = np.random.SeedSequence([run_seed, realisation, call]).generate_state(1, np.uint32)
    return int(word[0]) >> 1


@dataclass(frozen=True)
class Step:
    """One drive call of a realisation: ``duration`` (s) of the ``ramp``-th ramp's device at
    ``voltage`` (V), or the relaxation (``voltage`` None: no current) before ``cycle``;
    ``column``: the readout column (pulse index; the cycle for a relaxation)."""

    cycle: int
    ramp: int
    voltage: float | None
    duration: float
    column: int

    @property
    def relaxation(self) -> bool:
        """Whether this is the relaxation of a (re)initialised wall."""
        return self.voltage is None


def protocol_steps(spec: RunSpec, relax_time: float) -> list[Step]:
    """Every drive call of one realisation, in order (relaxations of ``relax_time`` s before
    re-initialised cycles, then the cycle's pulses)."""
    proto = spec.protocol
    steps, pulse = [], 0
    for cycle in range(proto.n_cycles):
        if proto.reinitialise_before(cycle):
            steps.append(Step(cycle, 0, None, float(relax_time), cycle))
        for k, ramp in enumerate(proto.ramps):
            for voltage in ramp.voltages:
                steps.append(Step(cycle, k, float(voltage), float(ramp.step_duration), pulse))
                pulse += 1
    return steps


@contextlib.contextmanager
def _drive_folder(workdir: str | Path | None) -> Iterator[Path]:
    """``workdir`` (kept), or a temporary folder removed after the call."""
    if workdir is not None:
        Path(workdir).mkdir(parents=True, exist_ok=True)
        yield Path(workdir)
        return
    with tempfile.TemporaryDirectory(prefix="dwmtj-oommf-") as folder:
        yield Path(folder)


def oommf_drive(options: dict, workdir: str | Path | None = None) -> Drive:
    """The drive that runs OOMMF (oommfc) for one step: the TimeDriver and evolver that
    :meth:`physics.calculators.oommf.OOMMFCalculator.time_driver` picks for the System
    (T > 0: fixed ``options["thermal_timestep"]`` and the step's seed), ``options["n_threads"]``
    threads. Its files go to ``workdir/<system name>/drive-<k>`` (kept), or to a temporary
    folder removed after each call (workdir None). Raises OOMMFNotFoundError (with the install
    hint) at once where OOMMF is not installed."""
    if not calculators_oommf.oommf_available():
        raise calculators_oommf.OOMMFNotFoundError(calculators_oommf.INSTALL_HINT)
    calculator = calculators_oommf.OOMMFCalculator(n_threads=options["n_threads"])
    thermal_timestep = float(options["thermal_timestep"])

    def drive(system: Any, t: float, n: int, seed: int) -> None:
        driver = calculator.time_driver(system, seed=seed, thermal_timestep=thermal_timestep)
        with _drive_folder(workdir) as folder:
            calculators_oommf.run_driver(
                driver,
                system,
                t=float(t),
                n=int(n),
                dirname=str(folder),
                n_threads=calculator.n_threads,
                verbose=0,
                runner=calculator.runner,
            )

    drive.close = calculator.close  # type: ignore[attr-defined]  # stops OOMMF's processes
    return drive


def _mean_magnetisation(system: Any, n: int) -> np.ndarray:
    """The last ``n`` rows (mx, my, mz) of the table the drive wrote, shape (n, 3)."""
    table = getattr(system, "table", None)
    data = getattr(table, "data", None)
    if data is None or len(data) < n or not {"mx", "my", "mz"} <= set(data.columns):
        raise RuntimeError(
            f"drive: expected system.table.data with >= {n} rows of mx, my, mz "
            "after the call (ubermag's driver convention)"
        )
    return np.asarray(data[["mx", "my", "mz"]].to_numpy(dtype=float)[-n:])


def _advance(
    drive: Drive, system: Any, m: Any, step: Step, n_out: int, seed: int
) -> tuple[Any, np.ndarray]:
    """Run one step from magnetisation ``m`` (a Field, A/m); (final m, <m> rows (n_out, 3))."""
    system.m = m
    system.table = None
    drive(system, step.duration, n_out, seed)
    return system.m, _mean_magnetisation(system, n_out)


def _run_realisations(
    spec: RunSpec,
    drive: Drive,
    steps: list[Step],
    system_of: Any,
    m_init: Any,
    geo: Any,
    n_out: int,
    readouts: dict,
    initial: dict,
    snapshots: np.ndarray | None,
    mean_m: np.ndarray,
    bar: Any,
) -> None:
    """The protocol loop of :func:`simulate_oommf`: every step of every realisation, in order,
    with its readout recorded into the given tables (filled in place)."""
    for r in range(spec.n_realisations):
        m, read_cycle = m_init, -1
        for call, step in enumerate(steps):
            if step.relaxation:
                m = m_init
            elif step.cycle != read_cycle:  # a cycle that is not re-initialised: m as it is
                record_readout(geo, initial, step.cycle, np.asarray(m.orientation.array), r)
            read_cycle = step.cycle
            m, mean_m[r, call * n_out : (call + 1) * n_out] = _advance(
                drive, system_of(step), m, step, n_out, drive_seed(spec.seed, r, call)
            )
            unit_m = np.asarray(m.orientation.array)
            if step.relaxation:
                record_readout(geo, initial, step.column, unit_m, r)
            else:
                record_readout(geo, readouts, step.column, unit_m, r)
                if snapshots is not None:
                    snapshots[r, step.column] = unit_m
            bar.update(1)


def simulate_oommf(
    spec: RunSpec,
    *,
    drive: Drive | None = None,
    workdir: str | Path | None = None,
    progress: bool | None = None,
) -> RunResult:
    """Run ``spec`` (``calculator.name = "oommf"``) one realisation at a time and return the
    per-pulse readouts of every realisation (see the module docstring).

    drive: the step function (default :func:`oommf_drive`, real OOMMF; raises
    OOMMFNotFoundError before any work where OOMMF is missing); workdir: where the default
    drive keeps its OOMMF files (None: temporary, removed); progress: a tqdm bar over the
    drive calls (None: only when stderr is a terminal).
    """
    if spec.calculator.get("name") != "oommf":
        raise ValueError(
            f"calculator.name: simulate_oommf runs 'oommf' specs, got "
            f"{spec.calculator.get('name')!r}"
        )
    options = oommf_options(spec)
    engine = "OOMMF via oommfc, one process per realisation and step"
    if drive is None:
        drive = oommf_drive(options, workdir)
    else:
        engine = f"injected drive {getattr(drive, '__qualname__', repr(drive))}"
    start = time.perf_counter()
    proto = spec.protocol
    geo = spec.readout_geometry()
    n_r, n_out = spec.n_realisations, int(options["outputs_per_pulse"])
    steps = protocol_steps(spec, float(options["relax_time"]))

    current = unit_current(spec, geo)
    relax_system = ramp_system(spec, proto.ramps[0], None, 0.0)
    m_init = relax_system.m
    pulse_systems: dict[tuple[int, float], Any] = {}

    def system_of(step: Step) -> Any:
        if step.relaxation:
            return relax_system
        key = (step.ramp, step.voltage)
        if key not in pulse_systems:
            pulse_systems[key] = ramp_system(spec, proto.ramps[step.ramp], current, step.voltage)
        return pulse_systems[key]

    readouts = readout_tables(n_r, proto.n_pulses)
    initial = readout_tables(n_r, proto.n_cycles)
    snapshots = None
    if spec.snapshots:
        snapshots = np.zeros((n_r, proto.n_pulses, *geo.mask.shape, 1, 3), dtype=np.float32)
    mean_m = np.zeros((n_r, len(steps) * n_out, 3))

    bar = tqdm(
        total=n_r * len(steps),
        desc=f"OOMMF steps x {n_r} realisations",
        unit="step",
        disable=None if progress is None else not progress,
        leave=False,
    )
    try:
        _run_realisations(
            spec,
            drive,
            steps,
            system_of,
            m_init,
            geo,
            n_out,
            readouts,
            initial,
            snapshots,
            mean_m,
            bar,
        )
    finally:
        bar.close()
        if callable(getattr(drive, "close", None)):
            drive.close()  # no OOMMF process outlives the run, finished or not

    starts = np.cumsum([0.0] + [step.duration for step in steps[:-1]])
    times = [
        t0 + step.duration * np.arange(1, n_out + 1) / n_out
        for t0, step in zip(starts, steps, strict=True)
    ]
    return RunResult(
        readouts=readouts,
        initial=initial,
        time_table=time_table(times, [mean_m]),
        snapshots=snapshots,
        provenance={
            "engine": engine,
            "options": options,
            "drive_calls": n_r * len(steps),
            "seeds": "drive_seed(spec.seed, realisation, call): "
            "SeedSequence([seed, realisation, call]) word 0 >> 1",
            "wall_time_s": time.perf_counter() - start,
        },
    )
