"""Numerical limits of a run, checked when its :class:`~physics.experiment.spec.RunSpec` is
validated, i.e. before any work: the time step against the stability of the explicit
(stochastic Heun) scheme and against the pulse, and the memory the run's arrays will take.

Time step
---------
The explicit scheme advances the fastest precession in the film, at the angular frequency
``omega_max = gamma0 H_max`` (rad/s) with (A/m)::

    H_max = 2A/(mu0 Ms) (4/dx^2 + 4/dy^2)     exchange: the largest eigenvalue of the 5-point
                                              Laplacian (a film one cell thick has no z term)
          + 2|Ku|/(mu0 Ms)                    uniaxial anisotropy
          + Ms                                demagnetising field (thin film, at most Ms)
          + 4|D|/(mu0 Ms min(dx, dy))         interfacial DMI (discrete gradient, at most 2/dx)

For a pure rotation the Heun step multiplies the error of that mode by
``sqrt(1 + (omega dt)^4 / 4)``: the scheme has no stable step, only an accurate one, and the
renormalisation of m turns the growth into a bias of the thermal statistics. The project's
own measurements fix the constant (tests/test_engine_thermal_dt.py, the project's film,
300 K): on 2 nm cells <mz> is converged at dt = 4e-14 s (omega_max dt = 0.41), biased by 9 %
at 8e-14 s (0.81) and wrong (0.45 instead of 0.93) at 1.6e-13 s (1.6); the demo's validated
4 nm / 1.6e-13 s setting sits at 0.47. A run is refused when ``omega_max dt >``
:data:`MAX_PRECESSION_PHASE` = 0.6, between the converged and the biased steps. The bound is
not widened by ``DWMTJ_ALLOW_OUT_OF_RANGE``: a wrong step gives a wrong result, not an
unusual one.

The step must also resolve the pulse: at least :data:`STEPS_PER_EDGE` steps in the shortest
non-zero rise, fall or width of a pulse.

Memory
------
:func:`estimate_run_bytes` counts the engine's arrays (state, Heun stages, field terms and the
zero-padded demag FFTs per realisation, the demag kernel), the 2-D current solve and, with
``snapshots = true``, m after every pulse of every realisation (float32). A spec whose
estimate exceeds the machine's physical memory is refused when it is validated; a run is
refused before its grid is allocated when the estimate exceeds the memory available now
(:func:`geometries.validation.require_memory`).
"""

from __future__ import annotations

import math
from typing import Any

from geometries.track import cell_count
from geometries.validation import require_memory

#: gamma0 = mu0 |gamma| (m / (A s)), ubermag's Precession default (the engine's too).
GAMMA0 = 2.211e5
MU0 = 4e-7 * math.pi
#: The largest omega_max dt (rad) a run may use (module docstring).
MAX_PRECESSION_PHASE = 0.6
#: Fewest time steps in the shortest non-zero pulse edge or width.
STEPS_PER_EDGE = 10
#: Engine arrays per cell and realisation, in units of the float size: m and the Heun
#: stages and fields (12 vectors of 3) plus the zero-padded demag FFTs of m and H
#: (4 x cells, 6 complex components).
_ENGINE_FLOATS_PER_CELL = 12 * 3 + 4 * 6 * 2
#: The demag kernel: 6 complex components on the 4 x padded grid.
_KERNEL_FLOATS_PER_CELL = 4 * 6 * 2
#: The sparse 2-D conduction solve (matrix and LU fill-in), bytes per cell.
_CURRENT_BYTES_PER_CELL = 800


def max_precession_frequency(material: Any, cell: tuple[float, ...]) -> float:
    """omega_max = gamma0 H_max (rad/s) of ``material`` on cells (dx, dy[, dz]) in m
    (module docstring)."""
    dx, dy = float(cell[0]), float(cell[1])
    ms = float(material.Ms)
    h_ex = 2.0 * material.A / (MU0 * ms) * (4.0 / dx**2 + 4.0 / dy**2)
    h_k = 2.0 * abs(material.Ku) / (MU0 * ms)
    h_dmi = 4.0 * abs(material.D) / (MU0 * ms * min(dx, dy))
    return GAMMA0 * (h_ex + h_k + ms + h_dmi)


def max_time_step(material: Any, cell: tuple[float, ...]) -> float:
    """The largest time step (s) the explicit scheme may take on this material and cell."""
    return MAX_PRECESSION_PHASE / max_precession_frequency(material, cell)


def check_time_step(spec: Any, dt: float, field: str = "calculator.dt") -> None:
    """Raise a one-line ValueError naming ``field`` if ``dt`` (s) exceeds the precession
    bound of ``spec``'s material and cell, or does not resolve its pulses (module docstring)."""
    material = spec.material_object()
    limit = max_time_step(material, spec.cell)
    if dt > limit:
        raise ValueError(
            f"{field}: {dt:g} s is above the stability limit {limit:.3g} s of the explicit "
            f"scheme for {spec.cell[0] * 1e9:g} x {spec.cell[1] * 1e9:g} nm cells "
            f"(gamma0 H_max dt must be <= {MAX_PRECESSION_PHASE}; smaller cells need a "
            "smaller step)"
        )
    edges = [
        (value, f"pulse {name}")
        for ramp in spec.protocol.ramps
        for name, value in (
            ("rise", ramp.pulse.rise),
            ("fall", ramp.pulse.fall),
            ("width", ramp.pulse.width),
        )
        if value > 0
    ]
    shortest, what = min(edges)
    if dt > shortest / STEPS_PER_EDGE:
        raise ValueError(
            f"{field}: {dt:g} s does not resolve the {what} of {shortest:g} s "
            f"(need dt <= {shortest / STEPS_PER_EDGE:.3g} s, {STEPS_PER_EDGE} steps per edge)"
        )


def grid_cells(spec: Any) -> tuple[int, int]:
    """(nx, ny) of the run's cell grid (the track's bounding box, :meth:`Track.grid_shape`)
    without building the track's mask."""
    xmin, ymin, xmax, ymax = spec.track().bounds
    return cell_count(xmax - xmin, spec.cell[0]), cell_count(ymax - ymin, spec.cell[1])


def estimate_run_bytes(spec: Any, dtype: str = "float64") -> int:
    """Bytes the run of ``spec`` holds at once (module docstring): an estimate, within a
    factor of about 2, for refusing runs that cannot fit, not for sizing a job tightly."""
    nx, ny = grid_cells(spec)
    cells = nx * ny
    size = 4 if dtype == "float32" else 8
    engine = cells * size * (spec.n_realisations * _ENGINE_FLOATS_PER_CELL)
    kernel = cells * size * _KERNEL_FLOATS_PER_CELL
    current = cells * _CURRENT_BYTES_PER_CELL
    n_pulses = spec.protocol.n_pulses
    readouts = spec.n_realisations * (n_pulses + spec.protocol.n_cycles) * 8 * 8
    snapshots = spec.n_realisations * n_pulses * cells * 3 * 4 if spec.snapshots else 0
    return int(engine + kernel + current + readouts + snapshots)


def check_run_memory(spec: Any, dtype: str = "float64", *, available: bool = False) -> None:
    """Refuse (one-line ValueError with the size in GiB) a run whose arrays
    (:func:`estimate_run_bytes`) exceed the machine's physical memory, or with
    ``available=True`` the memory available now (call it just before allocating)."""
    nx, ny = grid_cells(spec)
    what = (
        f"the run ({nx} x {ny} cells x {spec.n_realisations} realisations"
        + (f", {spec.protocol.n_pulses} snapshots" if spec.snapshots else "")
        + ")"
    )
    require_memory(estimate_run_bytes(spec, dtype), what, available=available)
