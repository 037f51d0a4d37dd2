"""Finite-temperature LLG: stochastic Heun (Stratonovich) integration with a thermal field.

Public API
----------
``thermal_field_std(params, dt, temperature=None) -> sigma``  (A/m), shape (nx, ny, nz)
    Standard deviation of each Cartesian component of the thermal field in every cell,
    sigma^2 = 2 alpha k_B T / (gamma0 mu0 Ms V dt), zero where Ms = 0. ``temperature`` (K)
    defaults to ``params.temperature``.
``heun_step(m, t, h_thermal, params, dt, field_fn, rhs_fn) -> m``
    One stochastic Heun step of length dt (s) with a thermal field h_thermal (A/m) held fixed
    over the step (Stratonovich), renormalised to |m| = 1 in the magnet.
``integrate_thermal(m0, params, key, *, dt, steps_per_output, n_outputs, t0=0.0,
                    observe=average_magnetisation, field_fn=None, rhs_fn=None) -> ThermalRun``
    Fixed-step run, fully inside ``lax.scan`` (outer scan over outputs, inner over steps), jitted.
    ``ThermalRun(m, t, observed)``: final m, output times t (n_outputs,) in s (the end of each
    chunk), and ``observe(m, params, t)`` stacked over outputs. The noise of step k is drawn from
    ``jax.random.fold_in(key, k)``: results depend on the key and the step index only, not on how
    the run is cut into outputs.

``steps_per_output(t, n, dt) -> int``
    Steps of dt between the n equally spaced outputs of a run of duration t (s); ValueError
    unless t / (n dt) is an integer (to 1e-9), so that the time table lands on t exactly.

Wiring for a TimeDriver at T > 0 (ubermag's ``drive(system, t=..., n=...)``)::

    m0, params, names = build_params(system, dtype, t_end=t)   # t_end: Python funcs' span
    run = integrate_thermal(m0, params, key, dt=dt, steps_per_output=steps_per_output(t, n, dt),
                            n_outputs=n)   # run.t, run.observed (<m>), run.m (final state)

One demag convolution per step (``demag_update="step"``) or per k steps (``demag_update=k``)
-----------------------------------------------------------------------------------------
The demag convolution is the expensive part of a field evaluation, and Heun evaluates the field
twice per step. With ``"step"`` the convolution runs once, on m at the start of the step; the
corrector's demag field is that field plus the change of each cell's field on itself,
H_d(m_pred) ~ H_d(m) - Ms N(0) (m_pred - m) (N(0): the cell's own Newell tensor,
:meth:`physics.engine.demag.Demag.self_factors`). The part of the thin-film shape anisotropy
that comes from the cell's own term is thus still integrated by the trapezoid rule; the field
of the other cells (the neighbours' share of the shape anisotropy and the long-range stray
field) is taken explicitly (Euler) over one step, as in multiple-time-step schemes that update
the expensive long-range field less often than the local ones. The noise enters as before
(Stratonovich). Validated in tests/test_engine_thermal_dt.py (stationary statistics, wall
velocity) and on the depinning statistics of the scaled trapezoid
(results/experiments/README.md, which also gives the self factors of the cells used there).

``demag_update=k`` (an integer >= 1; ``"step"`` is k = 1) goes further, as multiple-time-step
schemes do: the convolution runs only on the steps whose index is a multiple of k, giving the
field of the *other* cells, H_other = H_d(m) + Ms N(0) m, while each cell's own term -Ms N(0) m
is evaluated at every stage: H_d(m) ~ H_other(t) - Ms N(0) m. Between convolutions H_other is
extrapolated linearly from the last two (for the first k steps of a run, held at the first),
so the lag error is of second order in k dt. On a 64 x 16 strip of 2 nm cells with an SOT-driven
wall (float64, T = 0, dt = 1e-14 s, 50 ps) the largest difference in <m> from the
``"stage"`` scheme is 3.1e-5 for ``"step"`` and 1.9e-6, 8.0e-6, 3.2e-5 for k = 4, 8, 16
(x4 per doubling; held constant instead of extrapolated: 1.2e-4, 2.5e-4, 4.8e-4). The refresh
follows the global step index, so a run's result depends on the key and the step index only,
not on how it is cut into outputs. Validated at 300 K in tests/test_engine_thermal_mts.py; the
speed it buys is in benchmarks/README.md ("Side by side with OOMMF").

Conventions
-----------
The equation is the engine's Gilbert form (``physics.engine.llg.llg_rhs``),
dm/dt = -gamma0 m x (H + h) + alpha m x dm/dt + torques, with the thermal field h added to the
effective field, so it enters precession and damping alike. For this form Brown's
fluctuation-dissipation theorem gives <h_i(t) h_j(t')> = 2 alpha k_B T / (gamma0 mu0 Ms V)
delta_ij delta(t - t'), i.e. the per-step variance above (the same as OOMMF's
Xf_ThermHeunEvolver / Xf_ThermSpinXferEvolver, which also add the field inside the Gilbert
equation). The Boltzmann test in tests/test_engine_thermal.py checks this at alpha = 1, where a
stray factor (1 + alpha^2) would double the effective temperature.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from .constants import KB, MU0
from .demag import Demag
from .field import effective_field
from .integrators import normalise
from .llg import llg_rhs
from .params import Params
from .timefunctions import check_sampled_span

DEMAG_UPDATES = ("stage", "step")
DemagUpdate = str | int
FieldFn = Callable[[jax.Array, Params, jax.Array], jax.Array]
RhsFn = Callable[[jax.Array, jax.Array, Params, jax.Array], jax.Array]
ObserveFn = Callable[[jax.Array, Params, jax.Array], Any]


class ThermalRun(NamedTuple):
    """Result of :func:`integrate_thermal` (leading batch axis when run as an ensemble)."""

    m: jax.Array
    """Final magnetisation (nx, ny, nz, 3), unit vectors (zero outside the magnet)."""
    t: jax.Array
    """Output times (n_outputs,) in s."""
    observed: object
    """``observe(m, params, t)`` at each output time, stacked along a leading axis."""


def _default_fns(field_fn: FieldFn | None, rhs_fn: RhsFn | None) -> tuple[FieldFn, RhsFn]:
    return field_fn or effective_field, rhs_fn or llg_rhs


def thermal_field_std(
    params: Params, dt: float | jax.Array, temperature: float | jax.Array | None = None
) -> jax.Array:
    """Per-component standard deviation (A/m) of the thermal field, shape (nx, ny, nz)."""
    if temperature is None:
        temperature = params.temperature
    Ms = params.Ms
    volume = jnp.prod(params.cell)
    magnetic = Ms > 0
    safe_ms = jnp.where(magnetic, Ms, 1.0)
    variance = 2.0 * params.alpha * KB * temperature / (params.gamma0 * MU0 * safe_ms * volume * dt)
    return jnp.where(magnetic, jnp.sqrt(variance), 0.0).astype(Ms.dtype)


def heun_step(
    m: jax.Array,
    t: jax.Array | float,
    h_thermal: jax.Array,
    params: Params,
    dt: float | jax.Array,
    field_fn: FieldFn,
    rhs_fn: RhsFn,
    demag_update: DemagUpdate = "stage",
) -> jax.Array:
    """One stochastic Heun step (Stratonovich): predictor Euler, corrector trapezoid, with the
    same thermal field h_thermal (A/m) in both stages; returns the renormalised m.

    demag_update: ``"stage"`` evaluates the whole field at both stages; ``"step"`` runs the
    demag convolution once, at the start of the step, and gives the corrector that field plus
    the change of each cell's own (self) demag term, -N(0) Ms (m_pred - m) (see the module
    docstring); a single step with an integer k is the same as ``"step"`` (k only matters
    across the steps of a run). ``"step"`` needs a field_fn that leaves out demag when params
    has no Demag term.
    """
    t = jnp.asarray(t)
    demag = params.find(Demag)
    interval = demag_interval(demag_update)
    if interval is not None and demag is not None:
        return _heun_step_demag_once(m, t, h_thermal, params, demag, dt, field_fn, rhs_fn)
    f0 = rhs_fn(m, field_fn(m, params, t) + h_thermal, params, t)
    predicted = normalise(m + dt * f0)
    f1 = rhs_fn(predicted, field_fn(predicted, params, t + dt) + h_thermal, params, t + dt)
    return normalise(m + 0.5 * dt * (f0 + f1))


def self_demag_factors(params: Params) -> jax.Array:
    """Ms N(0) (A/m) per cell and component, shape (nx, ny, nz, 3), of params' Demag term."""
    demag = params.find(Demag)
    if demag is None:
        raise ValueError("params: no Demag term")
    return demag.self_factors()


def _heun_step_demag_once(m, t, h_thermal, params: Params, demag: Demag, dt, field_fn, rhs_fn):
    """heun_step with demag_update="step": one demag convolution per step."""
    local = params.without(Demag)
    H_demag = demag.field(m, t)
    f0 = rhs_fn(m, field_fn(m, local, t) + H_demag + h_thermal, params, t)
    predicted = normalise(m + dt * f0)
    demag_predicted = H_demag - demag.self_factors().astype(m.dtype) * (predicted - m)
    f1 = rhs_fn(
        predicted,
        field_fn(predicted, local, t + dt) + demag_predicted + h_thermal,
        params,
        t + dt,
    )
    return normalise(m + 0.5 * dt * (f0 + f1))


def other_cells_demag(m: jax.Array, demag: Demag, t: jax.Array) -> jax.Array:
    """H_other = H_d(m) + Ms N(0) m (A/m): the demag field in each cell from every other cell."""
    return demag.field(m, t) + demag.self_factors().astype(m.dtype) * m


def _extrapolated_demag_step(
    m, t, h_thermal, h_start, h_end, params: Params, demag: Demag, dt, field_fn, rhs_fn
):
    """Heun step with the other cells' demag field given, h_start at t and h_end at t + dt
    (A/m), and each cell's own term -Ms N(0) m evaluated at both stages (``demag_update=k``)."""
    local = params.without(Demag)
    own = demag.self_factors().astype(m.dtype)
    f0 = rhs_fn(m, field_fn(m, local, t) + h_start - own * m + h_thermal, params, t)
    predicted = normalise(m + dt * f0)
    f1 = rhs_fn(
        predicted,
        field_fn(predicted, local, t + dt) + h_end - own * predicted + h_thermal,
        params,
        t + dt,
    )
    return normalise(m + 0.5 * dt * (f0 + f1))


def average_magnetisation(m: jax.Array, params: Params, t: jax.Array) -> jax.Array:
    """Spatial average of m over the magnetic cells, shape (3,) (what a time table records)."""
    mask = params.mask
    return jnp.sum(m * mask[..., None], axis=(0, 1, 2)) / jnp.sum(mask)


def steps_per_output(t: float, n: int, dt: float) -> int:
    """Integer number of dt steps per output for n outputs over a run of t seconds."""
    if not t > 0:
        raise ValueError(f"t: the run time must be positive (s), got {t!r}")
    if int(n) != n or n < 1:
        raise ValueError(f"n: number of outputs must be a positive integer, got {n!r}")
    if not dt > 0:
        raise ValueError(f"dt: the time step must be positive (s), got {dt!r}")
    steps = t / (n * dt)
    if abs(steps - round(steps)) > 1e-9 * steps or round(steps) < 1:
        raise ValueError(
            f"dt: t / (n dt) = {steps:.6g} is not a whole number of steps per output; "
            "choose dt dividing t / n"
        )
    return int(round(steps))


def demag_interval(demag_update: DemagUpdate) -> int | None:
    """Steps between demag convolutions: None for ``"stage"`` (both Heun stages), 1 for
    ``"step"``, k for an integer k >= 1; ValueError naming ``demag_update`` otherwise."""
    if isinstance(demag_update, str):
        if demag_update not in DEMAG_UPDATES:
            raise ValueError(
                f"demag_update: must be 'stage', 'step' or a whole number of steps >= 1, "
                f"got {demag_update!r}"
            )
        return None if demag_update == "stage" else 1
    if isinstance(demag_update, bool) or not isinstance(demag_update, int) or demag_update < 1:
        raise ValueError(
            f"demag_update: must be 'stage', 'step' or a whole number of steps >= 1, "
            f"got {demag_update!r}"
        )
    return int(demag_update)


def check_run_span(params: Params, t0: Any, dt: Any, steps_per_output: int, n_outputs: int) -> None:
    """ValueError if a Python time function of ``params`` was sampled for a shorter run than
    n_outputs * steps_per_output steps of dt (s) from t0 (s) (skipped for traced t0 or dt)."""
    try:
        t_stop = float(t0) + float(dt) * int(steps_per_output) * int(n_outputs)
    except (TypeError, jax.errors.ConcretizationTypeError):
        return
    check_sampled_span(params, t_stop)


def _validate(
    dt, steps_per_output: int, n_outputs: int, demag_update: DemagUpdate = "stage"
) -> None:
    demag_interval(demag_update)
    if isinstance(dt, int | float) and not dt > 0:
        raise ValueError(f"dt: the time step must be positive (s), got {dt!r}")
    if int(steps_per_output) != steps_per_output or steps_per_output < 1:
        raise ValueError(f"steps_per_output: must be a positive integer, got {steps_per_output!r}")
    if int(n_outputs) != n_outputs or n_outputs < 1:
        raise ValueError(f"n_outputs: must be a positive integer, got {n_outputs!r}")


@partial(
    jax.jit,
    static_argnames=(
        "steps_per_output",
        "n_outputs",
        "observe",
        "field_fn",
        "rhs_fn",
        "demag_update",
    ),
)
def _integrate(
    m0,
    params,
    key,
    dt,
    t0,
    steps_per_output,
    n_outputs,
    observe,
    field_fn,
    rhs_fn,
    demag_update="stage",
):
    sigma = thermal_field_std(params, dt)[..., None].astype(m0.dtype)
    dt = jnp.asarray(dt, m0.dtype)
    t0 = jnp.asarray(t0, m0.dtype)

    def noise(k):
        # Drawn flat and reshaped: the same numbers as drawing in m0's shape (threefry counts
        # over the flattened array either way), but XLA's CPU code for the shaped draw costs
        # ~1.8x as much (benchmarks/README.md, "Normals drawn flat").
        flat = jax.random.normal(jax.random.fold_in(key, k), (m0.size,), m0.dtype)
        return sigma * flat.reshape(m0.shape)

    interval = demag_interval(demag_update)
    demag = params.find(Demag)
    extrapolated = demag is not None and interval is not None and interval > 1

    # The thermal field of step k is drawn at the end of step k - 1 and carried into step k:
    # a loop-carried buffer, which XLA cannot fuse into (and recompute in) the consumers of
    # H + h. The same numbers as drawing it inside step k.
    def step(state, k):
        m, h, h_other = state
        t = t0 + k.astype(m.dtype) * dt
        if extrapolated:  # the other cells' demag field: convolved on every interval-th step
            assert demag is not None and interval is not None
            term: Demag = demag
            # h_other: (the extrapolated field at the start of this step, its change per step)
            current, slope = h_other
            refresh = k % interval == 0
            h_start = jax.lax.cond(refresh, lambda: other_cells_demag(m, term, t), lambda: current)
            # at a convolution: the change per step since the previous one, (new - last) /
            # interval, with last = current - interval * slope (none before a run's second one)
            new_slope = jnp.where(k == 0, 0.0, (h_start - current) / interval + slope)
            slope = jnp.where(refresh, new_slope.astype(slope.dtype), slope)
            h_end = h_start + slope
            h_other = (h_end, slope)
            m_next = _extrapolated_demag_step(
                m, t, h, h_start, h_end, params, term, dt, field_fn, rhs_fn
            )
        else:
            m_next = heun_step(m, t, h, params, dt, field_fn, rhs_fn, demag_update)
        return (m_next, noise(k + 1), h_other), None

    def chunk(state, j):
        steps = j * steps_per_output + jnp.arange(steps_per_output, dtype=jnp.int32)
        state, _ = jax.lax.scan(step, state, steps)
        t = t0 + ((j + 1) * steps_per_output) * dt
        return state, (t, observe(state[0], params, t))

    # (the other cells' field at the last convolution, its change per step since the one before)
    h_other0 = (jnp.zeros_like(m0),) * 2 if extrapolated else jnp.zeros((), m0.dtype)
    (m, _, _), (times, observed) = jax.lax.scan(
        chunk, (m0, noise(jnp.int32(0)), h_other0), jnp.arange(n_outputs, dtype=jnp.int32)
    )
    return ThermalRun(m=m, t=times, observed=observed)


def integrate_thermal(
    m0: jax.Array,
    params: Params,
    key: jax.Array,
    *,
    dt: float,
    steps_per_output: int,
    n_outputs: int,
    t0: float = 0.0,
    observe: ObserveFn = average_magnetisation,
    field_fn: FieldFn | None = None,
    rhs_fn: RhsFn | None = None,
    demag_update: DemagUpdate = "stage",
) -> ThermalRun:
    """Run n_outputs * steps_per_output stochastic Heun steps of dt (s) from m0 at time t0 (s).

    Temperature (K) is ``params.temperature`` (0: the same fixed-step Heun scheme without
    noise). field_fn(m, params, t) -> H (A/m) and rhs_fn(m, H, params, t) -> dm/dt (1/s)
    default to the engine's ``effective_field`` and ``llg_rhs``. demag_update: ``"stage"``
    (default), ``"step"`` or an integer k (one demag convolution per k steps; see the module
    docstring). Deterministic for a given key.
    """
    _validate(dt, steps_per_output, n_outputs, demag_update)
    check_run_span(params, t0, dt, steps_per_output, n_outputs)
    field_fn, rhs_fn = _default_fns(field_fn, rhs_fn)
    return _integrate(
        m0,
        params,
        key,
        dt,
        t0,
        int(steps_per_output),
        int(n_outputs),
        observe,
        field_fn,
        rhs_fn,
        demag_update,
    )
