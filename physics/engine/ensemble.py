"""Batched ensembles: N thermal realisations and/or N drive amplitudes in one jitted vmap.

Public API
----------
``ensemble_keys(seed, n) -> keys``  (n, 2) PRNG keys, one per realisation, from one integer seed.
``scale_current(params, a) -> params``  Slonczewski/SOT current density J multiplied by a.
``scale_zeeman(params, a) -> params``   every Zeeman field multiplied by a.
``run_ensemble(m0, params, keys, *, dt, steps_per_output, n_outputs, amplitudes=None,
               apply_amplitude=scale_current, t0=0.0, observe=average_magnetisation,
               field_fn=None, rhs_fn=None) -> ThermalRun``
    Member i integrates from m0 (shared, (nx, ny, nz, 3), or per member, (N, nx, ny, nz, 3))
    with noise key keys[i] and, when given, params transformed by
    ``apply_amplitude(params, amplitudes[i])``. Every field of the returned ThermalRun carries a
    leading axis N. The time loop is the same ``lax.scan`` as
    :func:`physics.engine.thermal.integrate_thermal`, vmapped, so the memory per member is the
    state of one run (O(cells)) plus its recorded outputs; member i is the run
    ``integrate_thermal(m0, params_i, keys[i], ...)`` would give.

Temperature comes from ``params["temperature"]`` (K); with T = 0 and amplitudes this is a
deterministic batch of fixed-step Heun runs (e.g. N pulse amplitudes).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp

from .thermal import (
    FieldFn,
    ObserveFn,
    RhsFn,
    ThermalRun,
    _default_fns,
    _integrate,
    _validate,
    average_magnetisation,
)

AmplitudeFn = Callable[[dict, jnp.ndarray], dict]


def ensemble_keys(seed: int, n: int) -> jax.Array:
    """n independent PRNG keys (shape (n, 2)) derived from the integer ``seed``."""
    if int(n) != n or n < 1:
        raise ValueError(f"n: number of realisations must be a positive integer, got {n!r}")
    return jax.random.split(jax.random.PRNGKey(int(seed)), int(n))


def scale_current(params: dict, amplitude: jnp.ndarray) -> dict:
    """params with the spin-torque current density J (A/m^2) multiplied by ``amplitude``."""
    if "slonczewski" not in params:
        raise ValueError("params: no Slonczewski/SOT term to scale (amplitudes need a current)")
    torque = dict(params["slonczewski"])
    torque["J"] = torque["J"] * amplitude
    return {**params, "slonczewski": torque}


def scale_zeeman(params: dict, amplitude: jnp.ndarray) -> dict:
    """params with every applied (Zeeman) field H (A/m) multiplied by ``amplitude``."""
    if not params.get("zeeman"):
        raise ValueError("params: no Zeeman term to scale")
    zeeman = {k: {**v, "H": v["H"] * amplitude} for k, v in params["zeeman"].items()}
    return {**params, "zeeman": zeeman}


@partial(
    jax.jit,
    static_argnames=(
        "steps_per_output",
        "n_outputs",
        "apply_amplitude",
        "observe",
        "field_fn",
        "rhs_fn",
        "batched_m0",
    ),
)
def _run_batch(
    m0,
    params,
    keys,
    amplitudes,
    dt,
    t0,
    steps_per_output,
    n_outputs,
    apply_amplitude,
    observe,
    field_fn,
    rhs_fn,
    batched_m0,
):
    def member(m_start, key, amplitude):
        p = params if apply_amplitude is None else apply_amplitude(params, amplitude)
        return _integrate(
            m_start, p, key, dt, t0, steps_per_output, n_outputs, observe, field_fn, rhs_fn
        )

    in_axes = (0 if batched_m0 else None, 0, None if amplitudes is None else 0)
    return jax.vmap(member, in_axes=in_axes)(m0, keys, amplitudes)


def run_ensemble(
    m0: jnp.ndarray,
    params: dict,
    keys: jax.Array,
    *,
    dt: float,
    steps_per_output: int,
    n_outputs: int,
    amplitudes: jnp.ndarray | None = None,
    apply_amplitude: AmplitudeFn = scale_current,
    t0: float = 0.0,
    observe: ObserveFn = average_magnetisation,
    field_fn: FieldFn | None = None,
    rhs_fn: RhsFn | None = None,
) -> ThermalRun:
    """N realisations in one jitted, vmapped call; see the module docstring (dt, t0 in s)."""
    _validate(dt, steps_per_output, n_outputs)
    field_fn, rhs_fn = _default_fns(field_fn, rhs_fn)
    keys = jnp.asarray(keys)
    if keys.ndim != 2:
        raise ValueError(f"keys: expected (N, 2) PRNG keys (see ensemble_keys), got {keys.shape}")
    n = keys.shape[0]
    batched_m0 = m0.ndim == 5
    if batched_m0 and m0.shape[0] != n:
        raise ValueError(f"m0: {m0.shape[0]} initial states for {n} keys")
    if amplitudes is not None:
        amplitudes = jnp.asarray(amplitudes, dtype=m0.dtype)
        if amplitudes.shape != (n,):
            raise ValueError(
                f"amplitudes: expected shape ({n},) (one per key), got {amplitudes.shape}"
            )
    return _run_batch(
        m0,
        params,
        keys,
        amplitudes,
        dt,
        t0,
        int(steps_per_output),
        int(n_outputs),
        None if amplitudes is None else apply_amplitude,
        observe,
        field_fn,
        rhs_fn,
        batched_m0,
    )
