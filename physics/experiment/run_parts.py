"""The parts of a run that both calculators share (the JAX engine in
:mod:`physics.experiment.simulate`, OOMMF in :mod:`physics.experiment.simulate_oommf`):
calculator-option checks, the step split of a pulse, the device of one ramp, readout tables
and the time table of <m>.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from geometries.validation import RANGE_ENV, range_allowed
from physics.current import solve_current_on_mask
from physics.device import build_system
from physics.experiment.readout import READOUT_ORDER, in_end_wall_position
from physics.experiment.spec import RunSpec
from physics.pulses import TrapezoidalPulse

#: The longest plausible calculator time (s): a step or relaxation of a microsecond is
#: already a millisecond of CPU per cell per step; larger values are usually another unit.
_MAX_CALCULATOR_TIME = 1e-6


def reject_unknown_options(options: dict, allowed: Sequence[str]) -> None:
    """ValueError naming ``calculator.<option>`` for the first option not in ``allowed``."""
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"calculator.{unknown[0]}: unknown option; allowed {list(allowed)}")


def require_positive_times(options: dict, keys: Sequence[str]) -> None:
    """ValueError naming ``calculator.<key>`` unless each ``options[key]`` is a time > 0 (s)."""
    for key in keys:
        value = options[key]
        if isinstance(value, bool) or not (isinstance(value, int | float) and 0 < value < math.inf):
            raise ValueError(
                f"calculator.{key}: must be a positive, finite time (s), got {value!r}"
            )
        if value > _MAX_CALCULATOR_TIME and not range_allowed(f"calculator.{key}"):
            raise ValueError(
                f"calculator.{key}: {value:g} s is above the typical {_MAX_CALCULATOR_TIME:g} s: "
                f"expected seconds; set {RANGE_ENV}=calculator.{key} to use it deliberately"
            )


def require_outputs_per_pulse(options: dict) -> None:
    """ValueError unless ``options["outputs_per_pulse"]`` is an integer >= 1."""
    n_out = options["outputs_per_pulse"]
    if isinstance(n_out, bool) or not isinstance(n_out, int) or n_out < 1:
        raise ValueError("calculator.outputs_per_pulse: must be an integer >= 1")


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
    track = spec.track()
    material = spec.material_object()
    return solve_current_on_mask(
        geo.mask,
        spec.cell[:2],
        voltage=1.0,
        resistivity=material.rho_hm,
        thickness=material.t_hm,
        origin=(float(track.bounds[0]), float(track.bounds[1])),
    )


def ramp_system(spec: RunSpec, ramp: Any, current: Any | None, amplitude: float) -> Any:
    """The device of one ramp (its DC bias, the protocol temperature, the initial wall) driven
    by ``ramp``'s pulse shape at ``amplitude`` (V) with ``current`` (the 1 V solution, rescaled
    to the amplitude); ``current=None`` builds the undriven device (no SOT term)."""
    drive: dict[str, Any] = {}
    if current is not None:
        shape = ramp.pulse
        drive = {
            "current": current,
            "pulse": TrapezoidalPulse.from_fwhm(
                shape.width, shape.rise, shape.fall, amplitude=amplitude
            ),
            "pulse_dt": min(shape.rise, shape.fall, shape.width) / 50 or None,
        }
    return build_system(
        spec.track(),
        spec.material_object(),
        spec.cell,
        temperature=spec.protocol.temperature,
        bias_field=(0.0, 0.0, ramp.bias_h),
        grain_seed=spec.seed,
        **drive,
        **initial_wall_kwargs(spec),
    )


def readout_tables(n_realisations: int, n_columns: int) -> dict[str, np.ndarray]:
    """Zeroed readout arrays (n_realisations, n_columns), one per readout field."""
    return {
        k: np.zeros((n_realisations, n_columns), dtype=np.int64 if k == "notch" else float)
        for k in READOUT_ORDER
    }


def record_readout(
    geo: Any,
    target: dict[str, np.ndarray],
    column: int,
    m: np.ndarray,
    rows: int | slice = slice(None),
) -> None:
    """Read the wall in ``m`` (unit vectors, (..., nx, ny, nz, 3)) into ``target[...][rows,
    column]``."""
    for name, value in geo(m).as_dict().items():
        target[name][rows, column] = value


def time_table(times: list[np.ndarray], mean_m: list[np.ndarray]) -> dict[str, np.ndarray]:
    """The run's table of <m> over the track: ``t`` (n_t,) in s from the per-call output times,
    and mx, my, mz (n_realisations, n_t) from the per-call (n_realisations, n, 3) blocks."""
    mean = np.concatenate(mean_m, axis=1)  # (n_r, n_t, 3)
    return {"t": np.concatenate(times), "mx": mean[..., 0], "my": mean[..., 1], "mz": mean[..., 2]}
