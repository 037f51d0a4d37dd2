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
                     results/experiments/README.md), or an integer k (one convolution per
                     k steps, the other cells' field held in between:
                     :mod:`physics.engine.thermal`).

``calculator.name = "oommf"`` runs the same protocol with OOMMF, one realisation per process:
:func:`physics.experiment.simulate_oommf.simulate_oommf` (its own options, validated by
:func:`~physics.experiment.simulate_oommf.oommf_options`). The helpers below (the device of a
ramp, the initial wall, the readout tables, the time table) are shared by both paths.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
from tqdm.auto import tqdm

from physics.engine.ensemble import ensemble_keys, run_ensemble
from physics.engine.system import build_params
from physics.engine.thermal import demag_interval
from physics.experiment.limits import check_run_memory, check_time_step
from physics.experiment.run_parts import (
    _steps,
    ramp_system,
    readout_tables,
    record_readout,
    reject_unknown_options,
    require_outputs_per_pulse,
    require_positive_times,
    time_table,
    unit_current,
)
from physics.experiment.simulate_multiscale import simulate_multiscale
from physics.experiment.simulate_oommf import simulate_oommf
from physics.experiment.spec import RunSpec
from physics.experiment.store import RunResult

DEFAULTS = {
    "dt": 1e-14,
    "dtype": "float64",
    "relax_time": 1e-9,
    "outputs_per_pulse": 4,
    "demag_update": "stage",
}
_OPTIONS = ("name", *DEFAULTS)


def _options(spec: RunSpec) -> dict:
    options = {**DEFAULTS, **spec.calculator}
    reject_unknown_options(options, _OPTIONS)
    if options["dtype"] not in ("float64", "float32"):
        raise ValueError(
            f"calculator.dtype: must be 'float64' or 'float32', got {options['dtype']!r}"
        )
    require_positive_times(options, ("dt", "relax_time"))
    require_outputs_per_pulse(options)
    try:
        demag_interval(options["demag_update"])
    except ValueError as err:
        raise ValueError(f"calculator.{err}") from None
    check_time_step(spec, float(options["dt"]))
    check_run_memory(spec, options["dtype"])
    return options


def simulate(spec: RunSpec, progress: bool | None = None) -> RunResult:
    """Run ``spec`` on its calculator and return the per-pulse readouts of every realisation
    (see the module docstring). Wall time grows with cells x realisations x simulated time /
    dt. progress: a tqdm bar over the pulses (None: only when stderr is a terminal).
    ``calculator.name = "oommf"`` goes to
    :func:`~physics.experiment.simulate_oommf.simulate_oommf`, ``"multiscale"`` to
    :func:`~physics.experiment.simulate_multiscale.simulate_multiscale`."""
    if spec.calculator["name"] == "oommf":
        return simulate_oommf(spec, progress=progress)
    if spec.calculator["name"] == "multiscale":
        return simulate_multiscale(spec, progress=progress)
    if spec.calculator["name"] != "jax":
        raise NotImplementedError(
            f"calculator.name: {spec.calculator['name']!r} is not wired in simulate()"
        )
    options = _options(spec)
    check_run_memory(spec, options["dtype"], available=True)  # before any grid is allocated
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
                m,
                params,
                keys,
                dt=dt,
                steps_per_output=steps,
                n_outputs=n_out,
                amplitudes=jnp.full((n_r,), amplitude, dtype=dtype),
                demag_update=options["demag_update"],
            )
            times.append(clock + np.asarray(run.t[0]))
            mean_m.append(np.asarray(run.observed))
            clock += duration
            return run.m

        m = m_init
        pulse_index = 0
        bar = tqdm(
            total=proto.n_pulses,
            desc=f"pulses x {n_r} realisations",
            unit="pulse",
            disable=None if progress is None else not progress,
            leave=False,
        )
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
