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

Only the JAX engine is wired here; ``calculator.name = "oommf"`` raises NotImplementedError
(OOMMF runs one realisation per process: see :mod:`physics.calculators`).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from physics.experiment.readout import READOUT_ORDER, in_end_wall_position
from physics.experiment.spec import RunSpec
from physics.experiment.store import RunResult

DEFAULTS = {"dt": 1e-14, "dtype": "float64", "relax_time": 1e-9, "outputs_per_pulse": 4,
            "demag_update": "stage"}
_OPTIONS = ("name", *DEFAULTS)


def _options(spec: RunSpec) -> dict:
    options = {**DEFAULTS, **spec.calculator}
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise ValueError(f"calculator.{unknown[0]}: unknown option; allowed {list(_OPTIONS)}")
    if options["dtype"] not in ("float64", "float32"):
        raise ValueError(f"calculator.dtype: must be 'float64' or 'float32', got "
                         f"{options['dtype']!r}")
    for key in ("dt", "relax_time"):
        if not (isinstance(options[key], int | float) and options[key] > 0):
            raise ValueError(f"calculator.{key}: must be a positive time (s)")
    n_out = options["outputs_per_pulse"]
    if not isinstance(n_out, int) or n_out < 1:
        raise ValueError("calculator.outputs_per_pulse: must be an integer >= 1")
    if options["demag_update"] not in ("stage", "step"):
        raise ValueError(f"calculator.demag_update: must be 'stage' or 'step', got "
                         f"{options['demag_update']!r}")
    return options


def _steps(duration: float, n_outputs: int, dt: float) -> tuple[float, int]:
    """(dt', steps per output) with dt' <= dt and n_outputs * steps * dt' = duration."""
    steps = max(1, math.ceil(duration / (n_outputs * dt) - 1e-9))
    return duration / (n_outputs * steps), steps


def simulate(spec: RunSpec, progress: bool | None = None) -> RunResult:
    """Run ``spec`` on its calculator and return the per-pulse readouts of every realisation
    (see the module docstring). Wall time grows with cells x realisations x simulated time /
    dt. progress: a tqdm bar over the pulses (None: only when stderr is a terminal)."""
    if spec.calculator["name"] != "jax":
        raise NotImplementedError(
            f"calculator.name: {spec.calculator['name']!r} batches are not wired yet; only the "
            "JAX engine runs thermal ensembles in simulate()"
        )
    options = _options(spec)
    import jax
    import jax.numpy as jnp
    from tqdm.auto import tqdm

    from physics.current import solve_current_on_mask
    from physics.device import build_system
    from physics.engine.ensemble import ensemble_keys, run_ensemble
    from physics.engine.system import build_params
    from physics.pulses import TrapezoidalPulse

    start = time.perf_counter()
    track = spec.track()
    material = spec.material_object()
    dx, dy, dz = spec.cell
    proto = spec.protocol
    geo = spec.readout_geometry()
    dtype = jnp.float64 if options["dtype"] == "float64" else jnp.float32
    n_r = spec.n_realisations
    n_out = int(options["outputs_per_pulse"])
    xmin, ymin = float(track.bounds[0]), float(track.bounds[1])
    current_1v = solve_current_on_mask(
        geo.mask, (dx, dy), voltage=1.0, resistivity=material.rho_hm,
        thickness=material.t_hm, origin=(xmin, ymin),
    )
    wall = proto.initial_wall.notch
    wall_kwargs: dict[str, Any] = (
        {"wall_at_notch": wall} if wall is not None
        else {"wall_position": in_end_wall_position(track)}
    )

    readouts = {k: np.zeros((n_r, proto.n_pulses), dtype=np.int64 if k == "notch" else float)
                for k in READOUT_ORDER}
    initial = {k: np.zeros((n_r, proto.n_cycles), dtype=np.int64 if k == "notch" else float)
               for k in READOUT_ORDER}
    snapshots = None
    if spec.snapshots:
        snapshots = np.zeros((n_r, proto.n_pulses, *geo.mask.shape, 1, 3), dtype=np.float32)
    times, mean_m = [], []

    def record(target: dict, column: int, m: np.ndarray) -> None:
        for name, value in geo(m).as_dict().items():
            target[name][:, column] = value

    with jax.enable_x64(dtype == jnp.float64):
        base_keys = ensemble_keys(spec.seed, n_r)
        ramp_params = []
        for ramp in proto.ramps:
            pulse = TrapezoidalPulse.from_fwhm(ramp.pulse.width, ramp.pulse.rise,
                                               ramp.pulse.fall, amplitude=1.0)
            system = build_system(
                track, material, (dx, dy, dz), temperature=proto.temperature,
                bias_field=(0.0, 0.0, ramp.bias_h), current=current_1v, pulse=pulse,
                pulse_dt=min(ramp.pulse.rise, ramp.pulse.fall, ramp.pulse.width) / 50 or None,
                grain_seed=spec.seed, **wall_kwargs,
            )
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
            record(initial, cycle, np.asarray(m))
            for ramp, params in zip(proto.ramps, ramp_params, strict=True):
                for voltage in ramp.voltages:
                    m = advance(m, params, ramp.step_duration, float(voltage))
                    m_np = np.asarray(m)
                    record(readouts, pulse_index, m_np)
                    if snapshots is not None:
                        snapshots[:, pulse_index] = m_np
                    pulse_index += 1
                    bar.update(1)
        bar.close()

    mean = np.concatenate(mean_m, axis=1)  # (n_r, n_t, 3)
    time_table = {"t": np.concatenate(times), "mx": mean[..., 0], "my": mean[..., 1],
                  "mz": mean[..., 2]}
    return RunResult(
        readouts=readouts,
        initial=initial,
        time_table=time_table,
        snapshots=snapshots,
        provenance={
            "engine": "physics.engine (JAX) stochastic Heun ensemble",
            "options": options,
            "wall_time_s": time.perf_counter() - start,
            "jax_backend": jax.default_backend(),
        },
    )
