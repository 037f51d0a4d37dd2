"""ubermag-style drivers of the JAX engine (the API of ``oommfc``'s drivers).

``TimeDriver(dtype=None, tol=1e-5, save_m=False, thermal_dt=2e-14, seed=0, method="rkf54")``
    ``.drive(system, t=..., n=..., fixed_subregions=None, verbose=1)``: LLG (+ Slonczewski torque)
    from the current ``system.m`` for t seconds with n outputs; adaptive Runge-Kutta 5(4) at
    T = 0, stochastic Heun (``thermal.py``) at T > 0 with the largest fixed step <= thermal_dt
    that divides t/n. ``method`` names the pair as OOMMF's RungeKuttaEvolver does
    (``rkf54``: Dormand-Prince RK5(4)7FC, OOMMF's default; ``rkf54m``: 7FM, DOPRI5;
    ``rkf54s``: 7FS), or ``rk4``: classical RK4 with an FSAL 3rd-order estimate and a PI step
    controller, the cheapest where stiff exchange modes limit the step (small cells, currents;
    not OOMMF's step-doubling rk4); ``physics.engine.integrators``. The default 2e-14 s is
    converged for the project's film at 2 nm cells
    (stationary <mz> and SOT wall velocity; tests/test_engine_thermal_dt.py, numbers in
    results/experiments/README.md). Smaller cells or larger fields need a smaller step (the
    stable step scales with the cell volume and 1/H_ex). Sets
    ``system.m`` (discretisedfield.Field, norm Ms) and ``system.table`` (ubermagtable.Table,
    x = "t", columns t, mx, my, mz, E, E_<term>, x_dw). With ``save_m=True`` the driver keeps
    the unit-vector snapshots at the n output times in ``driver.m_snapshots`` (n, nx, ny, nz, 3).
``MinDriver(stopping_mxHxm=1e-5, max_iterations=100_000, dtype="float64", method="lbfgs",
allow_unconverged=False)``
    ``.drive(system)``: energy minimisation until max |m x H| < stopping_mxHxm (A/m), by
    L-BFGS on the unit sphere with a strong-Wolfe line search (``method="lbfgs"``) or by
    Barzilai-Borwein steepest descent (``method="bb"``); see ``minimise.py``. Table
    x = "iteration". After a drive: ``converged`` (bool), ``iterations``, ``mxHxm`` (A/m, the
    torque reached) and ``field_evaluations``. A run that ends above the criterion
    (max_iterations reached, or a line search that stalls at round-off) raises
    ``MinimisationNotConvergedError`` (a ValueError) naming the criterion, the torque reached
    and the iteration count; with ``allow_unconverged=True`` it keeps the last state and sets
    ``converged = False`` instead. The default criterion is tighter than OOMMF's 0.1 A/m: at
    0.1 A/m a macrospin in a 1.6e5 A/m anisotropy field is still 6e-7 rad off its axis
    (ubermag's own tests demand |M - M_exact| < 1e-3 A/m, i.e. ~1e-9 rad). The criterion never
    goes below the dtype's round-off level (see ``minimise.py``; ~100 A/m on the project's PMA
    film in float32): a run that reaches that floor counts as converged.
``RelaxDriver(stopping_mxHxm=1e-5, alpha=1.0, max_time=1e-7, max_steps=20_000, dtype="float64",
max_iterations=100_000, method="lbfgs", allow_unconverged=False)``
    ``.drive(system)``: damping-only LLG (no precession, damping alpha; RK45 at tol 1e-4) until
    max |m x H| < 1e-3 max |H| (or max_time / max_steps), then MinDriver's minimisation to
    max |m x H| < stopping_mxHxm (an explicit integrator stalls near the minimum, where its step
    sits at the stability limit of the stiffest exchange modes); same attributes and error.
    ``iterations`` counts the damping steps and the minimiser's iterations,
    ``field_evaluations`` 6 per RK45 step plus the minimiser's. Table x = "iteration".
``HysteresisDriver(stopping_mxHxm=1e-5, max_iterations=100_000, dtype="float64",
method="lbfgs", allow_unconverged=False)``
    ``.drive(system, Hmin=..., Hmax=..., n=...)`` (the loop Hmin -> Hmax -> Hmin, n points per
    branch) or ``.drive(system, Hsteps=[[H_start, H_end, n], ...])``: oommfc's hysteresis
    driver. An extra uniform applied field H (A/m) named ``hysteresis`` (on top of the system's
    own energy) steps through the points; at each one the energy is minimised from the previous
    state (MinDriver; a point that does not converge raises, naming its field, unless
    allow_unconverged). A segment's first point is skipped when it equals the previous
    segment's last. Table x = "B_hysteresis" (mT, |mu0 H|), with Bx/By/Bz_hysteresis (mT) per
    row. ``iterations`` and ``field_evaluations`` are totals over the points, ``converged``
    is True when every point converged.

Column ``x_dw`` (m) is the wall position from <mz>: x_min + L (1 + <mz>) / 2, for an up (-x)
/ down (+x) wall along the mesh's x extent L. Averages are over magnetic cells (Ms > 0).
dtype None means float64 on CPU and float32 on GPU/TPU (:func:`default_dtype`); float64 runs
inside ``jax.enable_x64(True)`` (JAX's global flag is left alone).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from functools import partial

import discretisedfield as df
import jax
import jax.numpy as jnp
import micromagneticmodel as mm
import numpy as np
import pandas as pd
import ubermagtable as ut
from tqdm.auto import tqdm

from .constants import MU0
from .field import effective_field, energies, energy_densities, field_and_energy
from .integrators import TABLEAUX, RKState, adaptive_steps, integrate_rk45, tableau
from .llg import llg_rhs
from .minimise import (
    CONVERGED,
    MAX_ITERATIONS,
    MinimisationNotConvergedError,
    MinResult,
    max_torque,
    minimise_bb,
    minimise_lbfgs,
)
from .params import Params
from .system import build_params
from .values import mesh_field, region_mask
from .vectors import norm as vector_norm
from .zeeman import Zeeman

_DTYPES = {"float64": jnp.float64, "float32": jnp.float32}
# Output stages per jitted call (the last call is padded with zero-length stages).
_STAGES_PER_CALL = 5
_FILE_KWARGS = ("dirname", "append", "compute", "output_step", "n_threads", "runner")


def default_dtype() -> str:
    """'float64' on CPU (validation precision); 'float32' on accelerators, where float32 agrees
    with OOMMF on case C of the OOMMF reference (tests/test_engine_oommf_reference.py; the
    differences are in benchmarks/README.md)."""
    return "float64" if jax.default_backend() == "cpu" else "float32"


def _dtype(name: str | None):
    name = default_dtype() if name is None else name
    if name not in _DTYPES:
        raise ValueError(f"dtype: must be 'float64' or 'float32', got {name!r}")
    return _DTYPES[name]


def _check_kwargs(kwargs: dict) -> None:
    unknown = set(kwargs) - set(_FILE_KWARGS)
    if unknown:
        raise TypeError(f"drive: unexpected keyword arguments {sorted(unknown)}")
    if kwargs.get("compute") is not None:
        raise ValueError(
            "compute: OOMMF's extra Tcl table outputs are not available in the JAX engine "
            "(use physics.engine.compute(term.energy | .density | .effective_field, system))"
        )


def _magnetisation(system: mm.System) -> df.Field:
    """system.m (ValueError when it is not a discretisedfield.Field)."""
    if not isinstance(system.m, df.Field):
        raise ValueError("system.m: must be a discretisedfield.Field")
    return system.m


def _free_mask(system: mm.System, params: Params, fixed_subregions) -> jax.Array:
    """1.0 for magnetic cells that may move, 0.0 in the fixed subregions and outside."""
    mask = np.asarray(params.mask)
    if fixed_subregions:
        mesh = _magnetisation(system).mesh
        for name in fixed_subregions:
            if name not in mesh.subregions:
                raise ValueError(f"fixed_subregions: no subregion named {name!r} in the mesh")
            mask = mask * (1.0 - region_mask(mesh, name))
    return jnp.asarray(mask, dtype=params.mask.dtype)


def observe(m: jax.Array, params: Params, t: jax.Array) -> dict:
    """Table row: t, <m> over magnetic cells, energies (J) per term and total."""
    mask = params.mask
    count = jnp.sum(mask)
    avg = jnp.sum(m * mask[..., None], axis=(0, 1, 2)) / count
    row = {"t": t, "mx": avg[0], "my": avg[1], "mz": avg[2]}
    e = energies(m, params, t)
    row["E"] = sum(e.values(), jnp.zeros((), m.dtype))
    for key, value in e.items():
        row[f"E:{key}"] = value
    return row


def _table(rows: dict, names: dict, x: str, region) -> ut.Table:
    """ubermagtable.Table from stacked observation arrays."""
    data: dict[str, np.ndarray] = {}
    units: dict[str, str] = {}
    for key, value in rows.items():
        value = np.atleast_1d(np.asarray(value, dtype=np.float64))
        if key.startswith("E:"):
            col = f"E_{names.get(key[2:], key[2:])}"
            data[col], units[col] = value, "J"
        else:
            data[key] = value
            units[key] = {"t": "s", "E": "J", "iteration": ""}.get(key, "")
    order = ["iteration", "t", "mx", "my", "mz", "E"]
    data = {k: data[k] for k in order if k in data} | {
        k: v for k, v in sorted(data.items()) if k not in order
    }
    length = region.pmax[0] - region.pmin[0]
    data["x_dw"] = region.pmin[0] + length * (1.0 + data["mz"]) / 2.0
    units["x_dw"] = "m"
    return ut.Table(data=pd.DataFrame(data), units=units, x=x)


def _finish(
    system: mm.System, m: jax.Array, params: Params, rows: dict, names: dict, x: str
) -> ut.Table:
    """system.m <- m * Ms (a discretisedfield Field on the same mesh), system.table <- the
    table of rows, one more drive; returns the table."""
    field = _magnetisation(system)
    M = np.asarray(m, dtype=np.float64) * np.asarray(params.Ms, dtype=np.float64)[..., None]
    system.m = mesh_field(field.mesh, 3, M, valid=field.valid)
    table = _table(rows, names, x, field.mesh.region)
    system.table = table  # pyright: ignore[reportAttributeAccessIssue] (set by calculators)
    system.drive_number += 1
    return table


def _rhs(params: Params, free: jax.Array):
    def rhs(m, t):
        return llg_rhs(m, effective_field(m, params, t), params, t) * free[..., None]

    return rhs


@partial(jax.jit, static_argnames=("save_m", "method"))
def _run_rk45(m0, params, free, t0, stage_times, h0, tol, save_m, method):
    def obs(m, t):
        row = observe(m, params, t)
        if save_m:
            row["m"] = m
        return row

    return integrate_rk45(
        _rhs(params, free), m0, t0, stage_times, h0, tol, obs, method=TABLEAUX[method]
    )


class TimeDriver:
    """Time evolution of a System (oommfc.TimeDriver's interface); see the module docstring."""

    _x = "t"

    def __init__(
        self,
        dtype: str | None = None,
        tol: float = 1e-5,
        save_m: bool = False,
        thermal_dt: float = 2e-14,
        seed: int = 0,
        h0: float = 1e-14,
        method: str = "rkf54",
    ) -> None:
        _dtype(dtype)
        tableau(method)
        if not tol > 0:
            raise ValueError(f"tol: must be positive (max |dm| error per step), got {tol}")
        if not thermal_dt > 0:
            raise ValueError(f"thermal_dt: must be a positive time step in s, got {thermal_dt}")
        self.dtype, self.tol, self.save_m = dtype, float(tol), bool(save_m)
        self.thermal_dt, self.seed, self.h0 = float(thermal_dt), int(seed), float(h0)
        self.method = method
        self.m_snapshots: np.ndarray | None = None
        self.stats: dict = {}

    def drive(
        self,
        system: mm.System,
        t: float,
        n: int,
        fixed_subregions=None,
        verbose: int = 1,
        **kwargs,
    ) -> None:
        """Evolve system for t seconds (n table rows); updates system.m and system.table."""
        _check_kwargs(kwargs)
        if not (isinstance(t, (int, float)) and t > 0):
            raise ValueError(f"t: must be a positive time in s, got {t!r}")
        if not (isinstance(n, int) and n > 0):
            raise ValueError(f"n: must be a positive integer number of outputs, got {n!r}")
        if len(system.dynamics) == 0:
            raise RuntimeError("System's dynamics is not defined")
        if len(system.energy) == 0:
            raise RuntimeError("System's energy is not defined")
        dtype = _dtype(self.dtype)
        with jax.enable_x64(dtype == jnp.float64):
            m0, params, names = build_params(system, dtype=dtype, t_end=float(t))
            free = _free_mask(system, params, fixed_subregions)
            if float(params.temperature) > 0:
                m, rows = self._drive_thermal(m0, params, free, float(t), n)
            else:
                m, rows = self._drive_rk45(m0, params, free, float(t), n, verbose)
            if self.save_m:
                self.m_snapshots = np.asarray(rows.pop("m"))
            _finish(system, m, params, rows, names, self._x)

    def _drive_rk45(self, m0, params, free, t, n, verbose):
        dtype = m0.dtype
        chunk = _STAGES_PER_CALL  # fixed: one compiled executable serves every n
        n_chunks = math.ceil(n / chunk)
        times = np.arange(1, n + 1) * (t / n)
        padded = np.concatenate([times, np.full(n_chunks * chunk - n, t)])
        m, t0, h = m0, 0.0, self.h0
        parts, accepted, rejected = [], 0, 0
        for k in tqdm(
            range(n_chunks), desc="TimeDriver", disable=verbose < 1 or n_chunks < 20, leave=False
        ):
            stage_times = jnp.asarray(padded[k * chunk : (k + 1) * chunk], dtype)
            m, rows, stats = _run_rk45(
                m,
                params,
                free,
                jnp.asarray(t0, dtype),
                stage_times,
                jnp.asarray(h, dtype),
                jnp.asarray(self.tol, dtype),
                self.save_m,
                self.method,
            )
            parts.append(jax.tree_util.tree_map(np.asarray, rows))
            t0, h = float(padded[min((k + 1) * chunk, len(padded)) - 1]), float(stats["h"])
            if float(stats["t"]) < float(jnp.asarray(t0, dtype)) * (1 - 1e-6):
                raise RuntimeError(
                    f"TimeDriver: the RK45 step size collapsed at t = {float(stats['t']):.4g} s "
                    "(non-finite or diverging magnetisation); check the parameters"
                )
            accepted += int(stats["accepted"])
            rejected += int(stats["rejected"])
        rows = {k: np.concatenate([p[k] for p in parts])[:n] for k in parts[0]}
        self.stats = {"accepted_steps": accepted, "rejected_steps": rejected}
        return m, rows

    def _drive_thermal(self, m0, params, free, t, n):
        from . import thermal

        # The largest step <= thermal_dt that divides the output interval t/n.
        steps = t / n / self.thermal_dt
        steps_per_output = max(1, math.ceil(steps * (1 - 1e-9)))
        dt = t / n / steps_per_output
        self.stats = {"thermal_dt": dt, "steps": steps_per_output * n}
        if np.any(np.asarray(free) != np.asarray(params.mask)):
            raise ValueError("fixed_subregions: not supported at T > 0")
        run = thermal.integrate_thermal(
            m0,
            params,
            jax.random.PRNGKey(self.seed),
            dt=dt,
            steps_per_output=steps_per_output,
            n_outputs=n,
            observe=observe,
        )
        rows = jax.tree_util.tree_map(np.asarray, run.observed)
        if self.save_m:
            warnings.warn("save_m: snapshots are not kept at T > 0", stacklevel=3)
            rows["m"] = np.zeros((0,))
        return run.m, rows


_METHODS = {"lbfgs": minimise_lbfgs, "bb": minimise_bb}


def _objective(params: Params):
    """(objective, weight) for the minimisers: objective(m) -> (H (A/m), E / (mu0 V Ms_ref)),
    weight = Ms / Ms_ref (Ms_ref = max Ms); see minimise.py."""
    zero = jnp.zeros((), params.Ms.dtype)
    ms_ref = jnp.max(params.Ms)
    unit = MU0 * jnp.prod(params.cell) * ms_ref

    def objective(m):
        H, E = field_and_energy(m, params, zero)
        return H, E / unit

    return objective, params.Ms / ms_ref


@partial(jax.jit, static_argnames=("method",))
def _run_min(m0, params, free, stopping, max_iterations, method="lbfgs"):
    objective, weight = _objective(params)
    result = _METHODS[method](objective, m0, free, weight, stopping, max_iterations)
    return result, observe(result.m, params, jnp.zeros((), m0.dtype))


class MinDriver:
    """Energy minimisation (oommfc.MinDriver's interface); see the module docstring."""

    _x = "iteration"

    def __init__(
        self,
        stopping_mxHxm: float = 1e-5,
        max_iterations: int = 100_000,
        dtype: str = "float64",
        method: str = "lbfgs",
        allow_unconverged: bool = False,
        **kwargs,
    ) -> None:
        if "evolver" in kwargs:
            raise ValueError("evolver: OOMMF evolvers do not apply to the JAX engine")
        if kwargs:
            raise TypeError(f"MinDriver: unexpected keyword arguments {sorted(kwargs)}")
        if not stopping_mxHxm > 0:
            raise ValueError(f"stopping_mxHxm: must be positive (A/m), got {stopping_mxHxm}")
        if not (isinstance(max_iterations, int) and max_iterations > 0):
            raise ValueError(f"max_iterations: must be a positive integer, got {max_iterations!r}")
        if method not in _METHODS:
            raise ValueError(f"method: must be one of {sorted(_METHODS)}, got {method!r}")
        _dtype(dtype)
        self.stopping_mxHxm, self.max_iterations = float(stopping_mxHxm), int(max_iterations)
        self.dtype, self.method, self.allow_unconverged = dtype, method, bool(allow_unconverged)
        self.iterations, self.mxHxm, self.field_evaluations = 0, float("nan"), 0
        self.converged = False

    def drive(self, system: mm.System, fixed_subregions=None, verbose: int = 1, **kwargs) -> None:
        """Minimise the energy of system; updates system.m and system.table.

        Raises MinimisationNotConvergedError when max|m x H| >= stopping_mxHxm at the end
        (max_iterations reached, or a stalled line search), unless allow_unconverged: then
        ``converged`` is False and system.m holds the last state.
        """
        _check_kwargs(kwargs)
        if len(system.energy) == 0:
            raise RuntimeError("System's energy is not defined")
        dtype = _dtype(self.dtype)
        with jax.enable_x64(dtype == jnp.float64):
            m0, params, names = build_params(system, dtype=dtype)
            params = _static(params)
            free = _free_mask(system, params, fixed_subregions)
            result, row = self._minimise(m0, params, free)
            self._record(result)
            row = jax.tree_util.tree_map(np.asarray, row)
            row.pop("t")
            row["iteration"] = np.asarray(self.iterations)
            _finish(system, result.m, params, row, names, self._x)

    def _record(self, result: MinResult, where: str = "") -> None:
        """Store the result's counters; raise (or, with allow_unconverged, record) a
        minimisation that did not converge."""
        self.iterations, self.mxHxm = int(result.iterations), float(result.mxHxm)
        self.field_evaluations = int(result.evaluations)
        self.converged = int(result.status) == CONVERGED
        if not self.converged and not self.allow_unconverged:
            reason = (
                f"max_iterations = {self.max_iterations} reached"
                if int(result.status) == MAX_ITERATIONS
                else "the line search stalled (round-off)"
            )
            raise MinimisationNotConvergedError(
                f"{type(self).__name__}{where}: not converged, {reason}: max|m x H| = "
                f"{self.mxHxm:.3g} A/m >= stopping_mxHxm = {float(result.stopping):g} A/m after "
                f"{self.iterations} iterations (pass allow_unconverged=True to keep the state)"
            )

    def _minimise(self, m0, params, free):
        return _run_min(
            m0,
            params,
            free,
            jnp.asarray(self.stopping_mxHxm, m0.dtype),
            jnp.asarray(self.max_iterations),
            self.method,
        )


@partial(jax.jit, static_argnames=("max_steps", "method"))
def _run_relax(
    m0, params, free, final_stopping, alpha, max_time, max_steps, max_iterations, method
):
    p = params.replace(precess=jnp.zeros((), m0.dtype), alpha=jnp.full_like(params.Ms, alpha))
    rhs = _rhs(p, free)
    zero = jnp.zeros((), m0.dtype)

    def converged(m):
        # max |m x H| relative to max |H|: phase 1 ends at a misalignment of 1e-3 rad.
        H = effective_field(m, p, zero)
        scale = jnp.max(vector_norm(H))
        return max_torque(m * free[..., None], H) / jnp.maximum(scale, 1e-300) < 1e-3

    start = RKState.start(rhs, m0, zero, 1e-14)
    state, steps = adaptive_steps(rhs, start, max_time, 1e-4, max_steps, converged=converged)
    objective, weight = _objective(p)
    result = _METHODS[method](objective, state.m, free, weight, final_stopping, max_iterations)
    # iterations: damping steps + minimiser iterations; evaluations: 6 per RK45 step (FSAL)
    result = result._replace(
        iterations=steps + result.iterations, evaluations=6 * steps + 1 + result.evaluations
    )
    return result, observe(result.m, p, zero)


class HysteresisDriver(MinDriver):
    """Hysteresis loop by stepped minimisation (oommfc.HysteresisDriver's interface); see the
    module docstring."""

    _x = "B_hysteresis"

    @staticmethod
    def field_points(Hmin=None, Hmax=None, n=None, Hsteps=None) -> np.ndarray:
        """The applied fields (A/m), shape (points, 3), of a loop given as in ``drive``."""
        simple = [v is not None for v in (Hmin, Hmax, n)]
        if any(simple) and Hsteps is not None:
            raise ValueError("Hsteps: cannot define both (Hmin, Hmax, n) and Hsteps")
        if all(simple):
            Hsteps = [[Hmin, Hmax, n], [Hmax, Hmin, n]]
        elif Hsteps is None:
            raise ValueError("Hmin, Hmax, n: give all three, or Hsteps")
        points: list[np.ndarray] = []
        for k, step in enumerate(Hsteps):
            if len(step) != 3:
                raise ValueError(f"Hsteps[{k}]: must be [H_start, H_end, n], got {step!r}")
            start, end, count = step
            start = np.asarray(start, dtype=np.float64)
            end = np.asarray(end, dtype=np.float64)
            if start.shape != (3,) or end.shape != (3,):
                raise ValueError(f"Hsteps[{k}]: H_start and H_end must be 3-vectors (A/m)")
            if not isinstance(count, int) or count < 2:
                raise ValueError(f"Hsteps[{k}]: n must be an integer >= 2, got {count!r}")
            segment = list(np.linspace(start, end, count))
            if points and np.allclose(points[-1], segment[0], rtol=0, atol=1e-12):
                segment = segment[1:]
            points += segment
        return np.asarray(points)

    def drive(
        self,
        system: mm.System,
        Hmin=None,
        Hmax=None,
        n: int | None = None,
        Hsteps=None,
        fixed_subregions=None,
        verbose: int = 1,
        **kwargs,
    ) -> None:
        """Run the loop (fields in A/m); updates system.m and system.table (one row a point)."""
        _check_kwargs(kwargs)
        if len(system.energy) == 0:
            raise RuntimeError("System's energy is not defined")
        points = self.field_points(Hmin, Hmax, n, Hsteps)
        dtype = _dtype(self.dtype)
        probe = mm.System(name=system.name, T=system.T)
        probe.energy = system.energy + mm.Zeeman(H=(0, 0, 0), name="hysteresis")
        probe.m = system.m
        with jax.enable_x64(dtype == jnp.float64):
            m, params, names = build_params(probe, dtype=dtype)
            params = _static(params)
            free = _free_mask(system, params, fixed_subregions)
            mask = params.mask[..., None]
            rows, total, evaluations, converged = [], 0, 0, True
            for H in tqdm(points, desc="HysteresisDriver", disable=verbose < 1, leave=False):
                stage = params.map_terms(
                    lambda term, H=H: _with_field(term, "hysteresis", mask * jnp.asarray(H, dtype))
                )
                result, row = self._minimise(m, stage, free)
                self._record(result, where=f" at H = {H} A/m")
                m = result.m
                total += self.iterations
                evaluations += self.field_evaluations
                converged = converged and self.converged
                row = jax.tree_util.tree_map(np.asarray, row)
                row.pop("t")
                row["iteration"] = np.asarray(total)
                B = mm.consts.mu0 * H * 1e3  # mT, OOMMF's UZeeman table unit
                row.update(
                    {
                        "Bx_hysteresis": B[0],
                        "By_hysteresis": B[1],
                        "Bz_hysteresis": B[2],
                        "B_hysteresis": np.linalg.norm(B),
                    }
                )
                rows.append(row)
            self.iterations, self.field_evaluations = total, evaluations
            self.converged = converged
            stacked = {k: np.stack([r[k] for r in rows]) for k in rows[0]}
            table = _finish(system, m, params, stacked, names, self._x)
            table.units.update({k: "mT" for k in table.data if k.startswith("B")})


class RelaxDriver(MinDriver):
    """Relaxation by damping-only LLG (mumax3's relax); see the module docstring."""

    def __init__(
        self,
        stopping_mxHxm: float = 1e-5,
        alpha: float = 1.0,
        max_time: float = 1e-7,
        max_steps: int = 20_000,
        dtype: str = "float64",
        max_iterations: int = 100_000,
        method: str = "lbfgs",
        allow_unconverged: bool = False,
    ) -> None:
        super().__init__(
            stopping_mxHxm=stopping_mxHxm,
            max_iterations=max_iterations,
            dtype=dtype,
            method=method,
            allow_unconverged=allow_unconverged,
        )
        if not alpha > 0:
            raise ValueError(f"alpha: must be a positive damping constant, got {alpha}")
        self.alpha, self.max_time, self.max_steps = float(alpha), float(max_time), int(max_steps)

    def _minimise(self, m0, params, free):
        return _run_relax(
            m0,
            params,
            free,
            jnp.asarray(self.stopping_mxHxm, m0.dtype),
            jnp.asarray(self.alpha, m0.dtype),
            jnp.asarray(self.max_time, m0.dtype),
            self.max_steps,
            jnp.asarray(self.max_iterations),
            self.method,
        )


def _static(params: Params) -> Params:
    """params for the static drivers: no spin torques, T = 0."""
    return params.replace(torques=(), temperature=jnp.zeros_like(params.temperature))


def _with_field(term, name: str, H: jax.Array):
    """term with the field H (A/m) if it is the Zeeman term called name, else term."""
    if isinstance(term, Zeeman) and term.name == name:
        return dataclasses.replace(term, H=H)
    return term


def delete(system: mm.System, silent: bool = False) -> None:
    """oommfc.delete's counterpart: the JAX engine writes no files, so there is nothing to do."""


def compute(func, system: mm.System):
    """oommfc.compute's counterpart: ``compute(term.energy | term.density |
    term.effective_field, system)`` (or the same methods of ``system.energy``) for system.m.

    Returns the energy in J (float), the energy density in J/m^3 or the effective field in A/m
    (discretisedfield Fields on system.m's mesh).
    """
    name = getattr(func, "__name__", None)
    owner = getattr(func, "__self__", None)
    if name not in ("energy", "density", "effective_field") or not isinstance(
        owner, (mm.Energy, mm.energy.EnergyTerm)
    ):
        raise ValueError(
            f"func: must be the energy, density or effective_field method of an energy term or "
            f"of system.energy, got {func!r}"
        )
    probe = mm.System(name=system.name)
    probe.energy = owner
    probe.m = system.m
    with jax.enable_x64(True):
        m, params, _ = build_params(probe, dtype=jnp.float64)
        zero = jnp.zeros((), jnp.float64)
        mesh = _magnetisation(system).mesh
        if name == "energy":
            return float(sum(float(e) for e in energies(m, params, zero).values()))
        if name == "density":
            w = sum(energy_densities(m, params, zero).values(), jnp.zeros(mesh.n))
            return mesh_field(mesh, 1, np.asarray(w)[..., None])
        H = np.asarray(effective_field(m, params, zero))
        return mesh_field(mesh, 3, H)
