"""Batched ensembles: N thermal realisations and/or N drive amplitudes in one jitted vmap.

Public API
----------
``ensemble_keys(seed, n) -> keys``  (n, 2) PRNG keys, one per realisation, from one integer seed.
``scale_current(params, a) -> params``  spin-torque current density J multiplied by a.
``scale_zeeman(params, a) -> params``   every Zeeman field multiplied by a.
``run_ensemble(m0, params, keys, *, dt, steps_per_output, n_outputs, amplitudes=None,
               apply_amplitude=scale_current, t0=0.0, observe=average_magnetisation,
               field_fn=None, rhs_fn=None, devices=None, demag_update="stage") -> ThermalRun``
    Member i integrates from m0 (shared, (nx, ny, nz, 3), or per member, (N, nx, ny, nz, 3))
    with noise key keys[i] and, when given, params transformed by
    ``apply_amplitude(params, amplitudes[i])``. Every field of the returned ThermalRun carries a
    leading axis N. The time loop is the same ``lax.scan`` as
    :func:`physics.engine.thermal.integrate_thermal`, vmapped, so the memory per member is the
    state of one run (O(cells)) plus its recorded outputs; member i is the run
    ``integrate_thermal(m0, params_i, keys[i], ...)`` would give.

``ensemble_devices(n, devices=None) -> list``  the devices n members are split over.

Devices: when JAX has more than one device (several GPUs, or N host-CPU devices from
``XLA_FLAGS=--xla_force_host_platform_device_count=N``, which the ``dwmtj`` command sets to the
number of cores), the members are split into equal contiguous blocks, one per device, each
block a vmapped scan on its own device (``jax.shard_map``; no communication, params
replicated). On a CPU each host device runs on its own thread, so an ensemble uses every core;
a member's result does not depend on the split (tests/test_engine_ensemble_sharding.py).

Temperature comes from ``params.temperature`` (K); with T = 0 and amplitudes this is a
deterministic batch of fixed-step Heun runs (e.g. N pulse amplitudes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .params import Params
from .thermal import (
    DemagUpdate,
    FieldFn,
    ObserveFn,
    RhsFn,
    ThermalRun,
    _default_fns,
    _integrate,
    _validate,
    average_magnetisation,
    check_run_span,
)
from .zeeman import Zeeman

AmplitudeFn = Callable[[Params, jax.Array], Params]
Device = Any
"""A JAX device (``jax.Device``, e.g. an element of ``jax.devices()``)."""
_MEMBER_AXIS = "members"


def ensemble_keys(seed: int, n: int) -> jax.Array:
    """n independent PRNG keys (shape (n, 2)) derived from the integer ``seed``."""
    if int(n) != n or n < 1:
        raise ValueError(f"n: number of realisations must be a positive integer, got {n!r}")
    return jax.random.split(jax.random.PRNGKey(int(seed)), int(n))


def scale_current(params: Params, amplitude: jax.Array | float) -> Params:
    """params with the spin-torque current density J (A/m^2) multiplied by ``amplitude``."""
    if not params.torques:
        raise ValueError("params: no Slonczewski/SOT term to scale (amplitudes need a current)")
    amplitude = jnp.asarray(amplitude)
    return params.replace(torques=tuple(torque.scaled(amplitude) for torque in params.torques))


def scale_zeeman(params: Params, amplitude: jax.Array | float) -> Params:
    """params with every applied (Zeeman) field H (A/m) multiplied by ``amplitude``."""
    if params.find(Zeeman) is None:
        raise ValueError("params: no Zeeman term to scale")
    amplitude = jnp.asarray(amplitude)
    return params.map_terms(lambda t: t.scaled(amplitude) if isinstance(t, Zeeman) else t)


def ensemble_devices(n: int, devices: Sequence[Device] | None = None) -> list[Device]:
    """The devices an ensemble of n members is split over: all of ``devices`` (default
    ``jax.devices()``), but never more than n (a member is never split)."""
    devices = list(jax.devices() if devices is None else devices)
    if not devices:
        raise ValueError("devices: need at least one JAX device")
    return devices[: max(1, min(len(devices), int(n)))]


CELLS_PER_BLOCK = 8192
"""Mesh cells per vmapped block of members on a CPU (:func:`member_block`)."""


def member_block(members: int, n: Sequence[int], platform: str) -> int | None:
    """Members per vmapped block on one device (None: all ``members`` at once).

    On a CPU, blocks of about :data:`CELLS_PER_BLOCK` cells: a larger vmap's working set spills
    out of the cache and each member-step costs more (case C's 8192-cell mesh at 300 K: 1.4-1.7x
    per member-step for 16 members at once against one at a time, benchmarks/README.md), while a
    small mesh needs several members per block to amortise the loop's per-operation cost. Other
    platforms (GPUs) take every member at once. n: the mesh (nx, ny, nz).
    """
    if platform != "cpu":
        return None
    block = max(1, CELLS_PER_BLOCK // max(1, int(np.prod(n))))
    return None if block >= members else block


def _pad_members(x, n_padded: int):
    """x with its leading (member) axis extended to n_padded by repeating its first members
    (padding members are computed and dropped: they only make the batch divide evenly)."""
    n = x.shape[0]
    if n == n_padded:
        return x
    return jnp.concatenate([x, x[jnp.arange(n_padded - n) % n]], axis=0)


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
        "demag_update",
        "block",
        "mesh",
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
    demag_update="stage",
    block=None,
    mesh=None,
):
    def batch(m0, params, keys, amplitudes, dt, t0):
        def member(m_start, key, amplitude):
            p = params if apply_amplitude is None else apply_amplitude(params, amplitude)
            return _integrate(
                m_start,
                p,
                key,
                dt,
                t0,
                steps_per_output,
                n_outputs,
                observe,
                field_fn,
                rhs_fn,
                demag_update,
            )

        if block is None:
            in_axes = (0 if batched_m0 else None, 0, 0)
            return jax.vmap(member, in_axes=in_axes)(m0, keys, amplitudes)
        # Members in sequential vmapped blocks of `block`: a block's working set stays in the
        # CPU's cache (benchmarks/README.md, "Members one block at a time"); the same results
        # as one vmap, to rounding.
        if batched_m0:
            return jax.lax.map(lambda a: member(*a), (m0, keys, amplitudes), batch_size=block)
        return jax.lax.map(lambda a: member(m0, *a), (keys, amplitudes), batch_size=block)

    if mesh is None:
        return batch(m0, params, keys, amplitudes, dt, t0)
    # One contiguous block of members per device; every device runs the same vmapped scan on
    # its block with no communication (members are independent), params replicated.
    members, shared = PartitionSpec(_MEMBER_AXIS), PartitionSpec()
    return jax.shard_map(
        batch,
        mesh=mesh,
        in_specs=(members if batched_m0 else shared, shared, members, members, shared, shared),
        out_specs=members,
        check_vma=False,  # m0 may be shared (replicated) while each member's state varies
    )(m0, params, keys, amplitudes, dt, t0)


def run_ensemble(
    m0: jax.Array,
    params: Params,
    keys: jax.Array,
    *,
    dt: float,
    steps_per_output: int,
    n_outputs: int,
    amplitudes: jax.Array | None = None,
    apply_amplitude: AmplitudeFn = scale_current,
    t0: float = 0.0,
    observe: ObserveFn = average_magnetisation,
    field_fn: FieldFn | None = None,
    rhs_fn: RhsFn | None = None,
    devices: Sequence[Device] | None = None,
    demag_update: DemagUpdate = "stage",
    block: int | str | None = "auto",
) -> ThermalRun:
    """N realisations in one jitted, vmapped call; see the module docstring (dt, t0 in s).

    devices: the JAX devices to split the members over (default ``jax.devices()``; a list of
    one device runs unsharded, on JAX's default placement). Members are split into equal
    contiguous blocks, padded by repeating members when N does not divide (at most
    len(devices) - 1 extra members, dropped from the result); each member's result does not
    depend on the split. demag_update: ``"stage"`` (default), ``"step"`` (one demag
    convolution per step) or an integer k (one per k steps; :mod:`physics.engine.thermal`).
    block: members vmapped together on a device, the device's blocks running one after the
    other (``jax.lax.map``); None vmaps all of a device's members at once; ``"auto"`` (default)
    is :func:`member_block`. Each member's result does not depend on it.
    """
    if (
        block != "auto"
        and block is not None
        and (isinstance(block, bool | str) or int(block) != block or block < 1)
    ):
        raise ValueError(
            f"block: must be 'auto', None or a positive whole number of members, got {block!r}"
        )
    _validate(dt, steps_per_output, n_outputs, demag_update)
    check_run_span(params, t0, dt, steps_per_output, n_outputs)
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
    apply = None if amplitudes is None else apply_amplitude
    if amplitudes is None:  # unused by the members; an array keeps one sharding layout
        amplitudes = jnp.zeros((n,), dtype=m0.dtype)
    devices = ensemble_devices(n, devices)
    if block == "auto":
        block = member_block(-(-n // len(devices)), m0.shape[-4:-1], devices[0].platform)
    static = (
        int(steps_per_output),
        int(n_outputs),
        apply,
        observe,
        field_fn,
        rhs_fn,
        batched_m0,
        demag_update,
        None if block is None else int(block),
    )
    if len(devices) == 1:
        return _run_batch(m0, params, keys, amplitudes, dt, t0, *static)
    mesh = Mesh(np.array(devices), (_MEMBER_AXIS,))
    n_padded = -(-n // len(devices)) * len(devices)
    members = NamedSharding(mesh, PartitionSpec(_MEMBER_AXIS))
    shared = NamedSharding(mesh, PartitionSpec())

    def place(x, sharding):  # arrays only: Python scalars keep their weak type
        return jax.device_put(x, sharding) if isinstance(x, jax.Array | np.ndarray) else x

    keys = place(_pad_members(keys, n_padded), members)
    amplitudes = place(_pad_members(amplitudes, n_padded), members)
    m0 = place(_pad_members(m0, n_padded), members) if batched_m0 else place(m0, shared)
    params = jax.tree_util.tree_map(lambda x: place(x, shared), params)
    run = _run_batch(m0, params, keys, amplitudes, dt, t0, *static, mesh=mesh)
    if n_padded == n:
        return run
    return jax.tree_util.tree_map(lambda x: x[:n], run)
