"""One run: a RunSpec -> the device -> the pulse protocol on the JAX engine -> a RunResult.

The physics call of every batch. For each ramp the device is built once
(:func:`physics.device.build_system`: the track, the material, the ramp's DC bias field, the
current density solved at 1 V and the unit-amplitude pulse as the SOT term's time function) and
turned into the engine's parameters (:func:`physics.engine.system.build_params`). Every pulse of
amplitude V then advances *all thermal realisations in one batched call*
(:func:`physics.engine.ensemble.run_ensemble`, a jitted ``vmap`` of the stochastic Heun scheme)
with the current scaled by V (the 2-D conduction problem is linear in V), for the pulse plus
the settle time; the noise of realisation i at pulse p comes from ``fold_in(key_i, p)`` with
``key_i`` from the run's seed, so a run is reproducible bit for bit on one machine. The wall is
read after every pulse (:class:`~physics.experiment.readout.ReadoutGeometry`).

Before every (re)initialised cycle the wall is placed at the IN end (half-way to the first
notch) or at a notch and relaxed, without current, for ``relax_time``.

Calculator options (``spec.calculator``, all optional):

``dt``               time step of the stochastic Heun scheme (s), default 1e-14 (the engine's
                     ``TimeDriver`` default); it is adjusted down so that every step duration
                     is a whole number of steps;
``dtype``            ``"float64"`` (default) or ``"float32"``;
``relax_time``       relaxation of a (re)initialised wall before its cycle (s), default 1 ns;
``outputs_per_pulse`` rows of the time table (<m> over the track) per pulse, default 4;
``demag_update``     ``"stage"`` (default: the demag convolution at both Heun stages) or
                     ``"step"`` (once per step, the corrector updating each cell's self term:
                     ~20 % less CPU; :func:`physics.engine.thermal.heun_step`, validated in
                     results/experiments/README.md).

``calculator.name = "oommf"`` runs the same protocol with OOMMF, one realisation per process:
:func:`physics.experiment.simulate_oommf.simulate_oommf` (its own options, validated by
:func:`~physics.experiment.simulate_oommf.oommf_options`). The helpers below (the device of a
ramp, the initial wall, the readout tables, the time table) are shared by both paths.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from physics.experiment.readout import READOUT_ORDER, in_end_wall_position
from physics.experiment.spec import RunSpec
from physics.experiment.store import RunResult

DEFAULTS = {"dt": 1e-14, "dtype": "float64", "relax_time": 1e-9, "outputs_per_pulse": 4,
            "demag_update": "stage"}
_OPTIONS = ("name", *DEFAULTS)


def reject_unknown_options(options: dict, allowed: Sequence[str]) -> None:
    """ValueError naming ``calculator.<option>`` for the first option not in ``allowed``."""
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"calculator.{unknown[0]}: unknown option; allowed {list(allowed)}")


def require_positive_times(options: dict, keys: Sequence[str]) -> None:
    """ValueError naming ``calculator.<key>`` unless each ``options[key]`` is a time > 0 (s)."""
    for key in keys:
        value = options[key]
        if isinstance(value, bool) or not (isinstance(value, int | float) and value > 0):
            raise ValueError(f"calculator.{key}: must be a positive time (s)")


def require_outputs_per_pulse(options: dict) -> None:
    """ValueError unless ``options["outputs_per_pulse"]`` is an integer >= 1."""
    n_out = options["outputs_per_pulse"]
    if isinstance(n_out, bool) or not isinstance(n_out, int) or n_out < 1:
        raise ValueError("calculator.outputs_per_pulse: must be an integer >= 1")


def _options(spec: RunSpec) -> dict:
    options = {**DEFAULTS, **spec.calculator}
    reject_unknown_options(options, _OPTIONS)
    if options["dtype"] not in ("float64", "float32"):
        raise ValueError(f"calculator.dtype: must be 'float64' or 'float32', got "
                         f"{options['dtype']!r}")
    require_positive_times(options, ("dt", "relax_time"))
    require_outputs_per_pulse(options)
    if options["demag_update"] not in ("stage", "step"):
        raise ValueError(f"calculator.demag_update: must be 'stage' or 'step', got "
                         f"{options['demag_update']!r}")
    return options


def _steps(duration: float, n_outputs: int, dt: float) -> tuple[float, int]:
    """(dt', steps per output) with dt' <= dt and n_outputs * steps * dt' = duration."""
    steps = max(1, math.ceil(duration / (n_outputs * dt) - 1e-9))
    return duration / (n_outputs * steps), steps


def initial_wall_kwargs(spec: RunSpec) -> dict[str, Any]:
    """``build_system`` keywords of the (re)initialised wall: at the protocol's notch, or at the
    IN end (half-way to the first notch)."""
    notch = spec.protocol.initial_wall.notch
    if notch is not None:
        return {"wall_at_notch": notch}
    return {"wall_position": in_end_wall_position(spec.track())}


def unit_current(spec: RunSpec, geo: Any) -> Any:
    """The current density of the track at 1 V (:class:`physics.current.CurrentSolution`,
    A/m^2) on the readout geometry's cell grid; the problem is linear in V."""
    from physics.current import solve_current_on_mask

    track = spec.track()
    material = spec.material_object()
    return solve_current_on_mask(
        geo.mask, spec.cell[:2], voltage=1.0, resistivity=material.rho_hm,
        thickness=material.t_hm, origin=(float(track.bounds[0]), float(track.bounds[1])),
    )


def ramp_system(spec: RunSpec, ramp: Any, current: Any | None, amplitude: float) -> Any:
    """The device of one ramp (its DC bias, the protocol temperature, the initial wall) driven
    by ``ramp``'s pulse shape at ``amplitude`` (V) with ``current`` (the 1 V solution, rescaled
    to the amplitude); ``current=None`` builds the undriven device (no SOT term)."""
    from physics.device import build_system
    from physics.pulses import TrapezoidalPulse

    drive: dict[str, Any] = {}
    if current is not None:
        shape = ramp.pulse
        drive = {
            "current": current,
            "pulse": TrapezoidalPulse.from_fwhm(shape.width, shape.rise, shape.fall,
                                                amplitude=amplitude),
            "pulse_dt": min(shape.rise, shape.fall, shape.width) / 50 or None,
        }
    return build_system(
        spec.track(), spec.material_object(), spec.cell,
        temperature=spec.protocol.temperature, bias_field=(0.0, 0.0, ramp.bias_h),
        grain_seed=spec.seed, **drive, **initial_wall_kwargs(spec),
    )


def readout_tables(n_realisations: int, n_columns: int) -> dict[str, np.ndarray]:
    """Zeroed readout arrays (n_realisations, n_columns), one per readout field."""
    return {k: np.zeros((n_realisations, n_columns), dtype=np.int64 if k == "notch" else float)
            for k in READOUT_ORDER}


def record_readout(geo: Any, target: dict[str, np.ndarray], column: int, m: np.ndarray,
                   rows: int | slice = slice(None)) -> None:
    """Read the wall in ``m`` (unit vectors, (..., nx, ny, nz, 3)) into ``target[...][rows,
    column]``."""
    for name, value in geo(m).as_dict().items():
        target[name][rows, column] = value


def time_table(times: list[np.ndarray], mean_m: list[np.ndarray]) -> dict[str, np.ndarray]:
    """The run's table of <m> over the track: ``t`` (n_t,) in s from the per-call output times,
    and mx, my, mz (n_realisations, n_t) from the per-call (n_realisations, n, 3) blocks."""
    mean = np.concatenate(mean_m, axis=1)  # (n_r, n_t, 3)
    return {"t": np.concatenate(times), "mx": mean[..., 0], "my": mean[..., 1],
            "mz": mean[..., 2]}


def simulate(spec: RunSpec, progress: bool | None = None) -> RunResult:
    """Run ``spec`` on its calculator and return the per-pulse readouts of every realisation
    (see the module docstring). Wall time grows with cells x realisations x simulated time /
    dt. progress: a tqdm bar over the pulses (None: only when stderr is a terminal).
    ``calculator.name = "oommf"`` goes to
    :func:`~physics.experiment.simulate_oommf.simulate_oommf`."""
    if spec.calculator["name"] == "oommf":
        from physics.experiment.simulate_oommf import simulate_oommf

        return simulate_oommf(spec, progress=progress)
    if spec.calculator["name"] != "jax":
        raise NotImplementedError(
            f"calculator.name: {spec.calculator['name']!r} is not wired in simulate()"
        )
    options = _options(spec)
    import jax
    import jax.numpy as jnp
    from tqdm.auto import tqdm

    from physics.engine.ensemble import ensemble_keys, run_ensemble
    from physics.engine.system import build_params

    start = time.perf_counter()
    proto = spec.protocol
    geo = spec.readout_geometry()
    dtype = jnp.float64 if options["dtype"] == "float64" else jnp.float32
    n_r = spec.n_realisations
    n_out = int(options["outputs_per_pulse"])
    current_1v = unit_current(spec, geo)

    readouts = readout_tables(n_r, proto.n_pulses)
    initial = readout_tables(n_r, proto.n_cycles)
    snapshots = None
    if spec.snapshots:
        snapshots = np.zeros((n_r, proto.n_pulses, *geo.mask.shape, 1, 3), dtype=np.float32)
    times, mean_m = [], []

    with jax.enable_x64(dtype == jnp.float64):
        base_keys = ensemble_keys(spec.seed, n_r)
        ramp_params = []
        for ramp in proto.ramps:
            system = ramp_system(spec, ramp, current_1v, 1.0)
            m0, params, _ = build_params(system, dtype=dtype, t_end=ramp.step_duration)
            ramp_params.append(params)
        m_init = jnp.broadcast_to(m0, (n_r, *m0.shape))
        clock = 0.0
        call = 0

        def advance(m, params, duration, amplitude):
            nonlocal clock, call
            dt, steps = _steps(duration, n_out, float(options["dt"]))
            keys = jax.vmap(lambda k: jax.random.fold_in(k, call))(base_keys)
            call += 1
            run = run_ensemble(
                m, params, keys, dt=dt, steps_per_output=steps, n_outputs=n_out,
                amplitudes=jnp.full((n_r,), amplitude, dtype=dtype),
                demag_update=options["demag_update"],
            )
            times.append(clock + np.asarray(run.t[0]))
            mean_m.append(np.asarray(run.observed))
            clock += duration
            return run.m

        m = m_init
        pulse_index = 0
        bar = tqdm(total=proto.n_pulses, desc=f"pulses x {n_r} realisations", unit="pulse",
                   disable=None if progress is None else not progress, leave=False)
        for cycle in range(proto.n_cycles):
            if proto.reinitialise_before(cycle):
                m = advance(m_init, ramp_params[0], float(options["relax_time"]), 0.0)
            record_readout(geo, initial, cycle, np.asarray(m))
            for ramp, params in zip(proto.ramps, ramp_params, strict=True):
                for voltage in ramp.voltages:
                    m = advance(m, params, ramp.step_duration, float(voltage))
                    m_np = np.asarray(m)
                    record_readout(geo, readouts, pulse_index, m_np)
                    if snapshots is not None:
                        snapshots[:, pulse_index] = m_np
                    pulse_index += 1
                    bar.update(1)
        bar.close()

    return RunResult(
        readouts=readouts,
        initial=initial,
        time_table=time_table(times, mean_m),
        snapshots=snapshots,
        provenance={
            "engine": "physics.engine (JAX) stochastic Heun ensemble",
            "options": options,
            "wall_time_s": time.perf_counter() - start,
            "jax_backend": jax.default_backend(),
        },
    )
