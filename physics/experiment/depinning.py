"""Deterministic depinning voltages: the threshold of one pulse that frees the wall from notch k.

For a device, a pulse shape and a bias field (a one-pulse :class:`RunSpec` at T = 0), the wall
is placed at every notch k and relaxed without current; then one pulse of amplitude V plus the
settle time is applied and the wall is read out. The wall *depinned* if it left the capture
zone of notch k (``|x - x_k| > capture_distance``, default one notch width).

The threshold is bracketed by a batched grid refinement instead of a serial bisection: every
round runs ``n_grid`` voltages for *every* notch in one vmapped JAX call (the ensemble axis of
:func:`physics.engine.ensemble.run_ensemble` carries (notch, V) pairs, each member its own
initial wall and its own amplitude; at T = 0 they are independent deterministic Heun runs), and
the bracket of each notch shrinks to the grid interval of its first depinning voltage. After r
rounds the bracket is (v_high - v_low) / (n_grid - 1)^r wide: 2 rounds of 6 voltages equal about
9 bisection steps at the cost of 2 (batched) runs.

Public API: :func:`relaxed_walls`, :func:`pulse_outcomes`, :func:`depinning_ladder`
(-> :class:`DepinningLadder`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from tqdm import tqdm

from physics.current import solve_current_on_mask
from physics.device import build_system
from physics.engine.ensemble import ensemble_keys, run_ensemble
from physics.engine.system import build_params
from physics.experiment.run_parts import _steps
from physics.experiment.simulate import _options as simulate_options
from physics.experiment.spec import RunSpec
from physics.pulses import TrapezoidalPulse


@dataclass(frozen=True)
class DepinningLadder:
    """Thresholds per notch: ``v_low`` (V, the highest voltage seen that left the wall pinned),
    and ``v_high`` (V, the lowest that depinned it); ``threshold`` their midpoint (V), nan where
    no tested voltage depinned the wall. ``notch_centres`` (m), ``local_width`` (m, the track
    width at each notch centre, without the notch), ``wall_time_s`` (s), ``n_members`` (pulses
    run in total)."""

    notches: np.ndarray
    v_low: np.ndarray
    v_high: np.ndarray
    notch_centres: np.ndarray
    local_width: np.ndarray
    wall_time_s: float
    n_members: int

    @property
    def threshold(self) -> np.ndarray:
        """Bracket midpoint (V); nan where the wall never depinned."""
        return 0.5 * (self.v_low + self.v_high)

    @property
    def resolution(self) -> np.ndarray:
        """Half-width of the bracket (V)."""
        return 0.5 * (self.v_high - self.v_low)

    def as_dict(self) -> dict[str, Any]:
        """Plain-data form (lists), for JSON tables."""
        return {
            "notch": self.notches.tolist(),
            "notch_centre_m": self.notch_centres.tolist(),
            "local_width_m": self.local_width.tolist(),
            "v_low_V": self.v_low.tolist(),
            "v_high_V": self.v_high.tolist(),
            "threshold_V": self.threshold.tolist(),
            "resolution_V": self.resolution.tolist(),
            "wall_time_s": self.wall_time_s,
            "n_members": self.n_members,
        }


def _engine_setup(spec: RunSpec) -> dict:
    """Geometry, current at 1 V, and the per-notch builders for ``spec`` (one-ramp protocol)."""
    if spec.protocol.temperature != 0.0:
        raise ValueError("protocol.temperature: depinning thresholds are defined at T = 0")
    if len(spec.protocol.ramps) != 1:
        raise ValueError("protocol: depinning needs a one-ramp protocol (kind = voltage_ramp)")
    track = spec.track()
    material = spec.material_object()
    geo = spec.readout_geometry()
    dx, dy, _ = spec.cell
    current_1v = solve_current_on_mask(
        geo.mask,
        (dx, dy),
        voltage=1.0,
        resistivity=material.rho_hm,
        thickness=material.t_hm,
        origin=(float(track.bounds[0]), float(track.bounds[1])),
    )
    return {"track": track, "material": material, "geo": geo, "current": current_1v}


def _options(spec: RunSpec) -> dict:
    return simulate_options(spec)


def relaxed_walls(spec: RunSpec, notches: list[int]) -> tuple[Any, dict, Any]:
    """(m, params, readout geometry): m (len(notches), nx, ny, nz, 3) the walls relaxed at each
    notch (no current, ``calculator.relax_time`` s), params the engine parameters of the pulse
    (J at 1 V, scaled per member later)."""
    setup = _engine_setup(spec)
    options = _options(spec)
    ramp = spec.protocol.ramps[0]
    dtype = jnp.float64 if options["dtype"] == "float64" else jnp.float32
    pulse = TrapezoidalPulse.from_fwhm(
        ramp.pulse.width, ramp.pulse.rise, ramp.pulse.fall, amplitude=1.0
    )
    m_starts, params = [], None
    for k in notches:
        system = build_system(
            setup["track"],
            setup["material"],
            spec.cell,
            temperature=0.0,
            bias_field=(0.0, 0.0, ramp.bias_h),
            current=setup["current"],
            pulse=pulse,
            pulse_dt=min(ramp.pulse.rise, ramp.pulse.fall, ramp.pulse.width) / 50,
            wall_at_notch=int(k),
        )
        m0, p, _ = build_params(system, dtype=dtype, t_end=ramp.step_duration)
        m_starts.append(m0)
        params = p if params is None else params
    m = jnp.stack(m_starts)
    dt, steps = _steps(float(options["relax_time"]), 1, float(options["dt"]))
    run = run_ensemble(
        m,
        params,
        ensemble_keys(spec.seed, len(notches)),
        dt=dt,
        steps_per_output=steps,
        n_outputs=1,
        amplitudes=jnp.zeros((len(notches),), dtype=dtype),
        demag_update=options["demag_update"],
    )
    jax.block_until_ready(run.m)
    return run.m, params, setup["geo"]


def pulse_outcomes(spec: RunSpec, m_start: Any, params: dict, voltages: np.ndarray) -> Any:
    """Final magnetisation after one pulse of amplitude ``voltages[i]`` (V) plus the settle
    time, member i starting from ``m_start[i]``; all members in one vmapped call."""
    options = _options(spec)
    ramp = spec.protocol.ramps[0]
    dt, steps = _steps(ramp.step_duration, 1, float(options["dt"]))
    n = len(voltages)
    run = run_ensemble(
        m_start,
        params,
        ensemble_keys(spec.seed, n),
        dt=dt,
        steps_per_output=steps,
        n_outputs=1,
        amplitudes=jnp.asarray(voltages, dtype=m_start.dtype),
        demag_update=options["demag_update"],
    )
    return np.asarray(run.m)


def depinning_ladder(
    spec: RunSpec,
    v_low: float,
    v_high: float,
    *,
    notches: list[int] | None = None,
    n_grid: int = 6,
    rounds: int = 2,
    progress: bool = True,
) -> DepinningLadder:
    """Bracket the one-pulse depinning voltage of every notch (see the module docstring).

    ``spec``: a T = 0 one-ramp RunSpec (its pulse, bias field, settle time, cell and calculator
    options are used; its voltages are not). ``v_low`` < ``v_high`` (V): the first search
    interval, shared by all notches. ``n_grid`` >= 2 voltages per notch and round.
    """
    if not (math.isfinite(v_low) and math.isfinite(v_high) and v_low < v_high):
        raise ValueError(f"v_low, v_high: need finite v_low < v_high, got {v_low}, {v_high}")
    if n_grid < 2 or rounds < 1:
        raise ValueError(
            f"n_grid, rounds: need n_grid >= 2 and rounds >= 1, got {n_grid}, {rounds}"
        )
    start = time.perf_counter()
    track = spec.track()
    centres = np.asarray(track.notch_centres, dtype=float)
    notches = list(range(len(centres))) if notches is None else [int(k) for k in notches]
    for k in notches:
        if not 0 <= k < len(centres):
            raise ValueError(f"notches: notch {k} does not exist (0..{len(centres) - 1})")
    m_relaxed, params, geo = relaxed_walls(spec, notches)
    x_start = np.asarray(geo(np.asarray(m_relaxed)).position)
    spacing = np.diff(centres)
    half_gap = 0.5 * np.array(
        [spacing[min(k, len(spacing) - 1)] if len(spacing) else np.inf for k in notches]
    )
    lo = np.full(len(notches), float(v_low))
    hi = np.full(len(notches), float(v_high))
    found = np.zeros(len(notches), dtype=bool)
    n_members = 0
    for _ in tqdm(range(rounds), desc="depinning rounds", disable=not progress):
        grids = np.linspace(lo, hi, n_grid, axis=1)  # (n_notches, n_grid)
        members = np.repeat(np.arange(len(notches)), n_grid)
        m_final = pulse_outcomes(spec, jnp.asarray(m_relaxed)[members], params, grids.ravel())
        n_members += members.size
        moved = np.asarray(geo(m_final).position) - x_start[members] > half_gap[members]
        moved = moved.reshape(len(notches), n_grid)
        for i in range(len(notches)):
            if not moved[i].any():
                lo[i] = grids[i, -1]
                continue
            first = int(np.argmax(moved[i]))
            found[i] = True
            hi[i] = grids[i, first]
            lo[i] = grids[i, first - 1] if first > 0 else grids[i, 0]
    hi = np.where(found, hi, np.nan)
    xs = centres[notches]
    width = np.asarray(track.width_at(xs), dtype=float)
    if progress:
        final = moved[:, -1]
        tqdm.write(f"depinning: notches {notches} depinned at the top of the last grid: {final}")
    return DepinningLadder(
        notches=np.asarray(notches),
        v_low=lo,
        v_high=hi,
        notch_centres=xs,
        local_width=width,
        wall_time_s=time.perf_counter() - start,
        n_members=n_members,
    )


def depinning_spec(
    geometry: Any,
    *,
    cell: tuple[float, float] | None = None,
    pulse: dict | None = None,
    settle_time: float = 0.5e-9,
    bias_field: float = -4e-3,
    calculator: dict | None = None,
    material: str | dict | None = None,
) -> RunSpec:
    """A T = 0 one-pulse RunSpec for :func:`depinning_ladder` (SI units: m, s, T for mu0 H);
    ``material``: a preset name or a material table (default: the geometry's)."""
    data: dict[str, Any] = {
        "geometry": geometry,
        "protocol": {
            "kind": "voltage_ramp",
            "v_start": 0.1,
            "v_stop": 0.1,
            "n_steps": 1,
            "temperature": 0.0,
            "bias_field": bias_field,
            "settle_time": settle_time,
            "pulse": pulse or {"width": 1e-9, "rise": 0.1e-9, "fall": 0.1e-9},
        },
        "calculator": calculator
        or {"name": "jax", "dt": 2.5e-14, "dtype": "float32", "relax_time": 0.3e-9},
    }
    if cell is not None:
        data["cell"] = list(cell)
    if material is not None:
        data["material"] = material
    return RunSpec.from_dict(data)


def main(argv: list[str] | None = None) -> int:
    """``python -m physics.experiment.depinning``: one ladder -> a JSON table (see --help)."""
    p = argparse.ArgumentParser(description="T = 0 one-pulse depinning ladder of a preset")
    p.add_argument("--geometry", default="scaled-trapezoid")
    p.add_argument("--cell", type=float, default=4e-9, help="cell dx = dy (m)")
    p.add_argument("--dt", type=float, default=1e-13, help="Heun step (s)")
    p.add_argument("--dtype", default="float32")
    p.add_argument("--width", type=float, default=1.5e-9, help="pulse FWHM (s)")
    p.add_argument("--rise", type=float, default=0.05e-9, help="rise = fall (s)")
    p.add_argument("--settle", type=float, default=0.2e-9, help="settle time (s)")
    p.add_argument("--relax", type=float, default=0.1e-9, help="wall relaxation (s)")
    p.add_argument("--v-range", type=float, nargs=2, default=(0.1, 0.85), help="V")
    p.add_argument("--notches", type=int, nargs="*", default=None)
    p.add_argument("--n-grid", type=int, default=6)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument(
        "--demag-update",
        default="stage",
        choices=["stage", "step"],
        help="demag convolution at both Heun stages or once per step",
    )
    p.add_argument("--out", type=Path, required=True, help="JSON table to write")
    args = p.parse_args(argv)
    spec = depinning_spec(
        args.geometry,
        cell=(args.cell, args.cell),
        pulse={"width": args.width, "rise": args.rise, "fall": args.rise},
        settle_time=args.settle,
        calculator={
            "name": "jax",
            "dt": args.dt,
            "dtype": args.dtype,
            "relax_time": args.relax,
            "demag_update": args.demag_update,
        },
    )
    ladder = depinning_ladder(
        spec, *args.v_range, notches=args.notches, n_grid=args.n_grid, rounds=args.rounds
    )
    argv = sys.argv[1:] if argv is None else argv
    table = {
        "command": "python -m physics.experiment.depinning " + " ".join(argv),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        **ladder.as_dict(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(table, indent=1))
    print(json.dumps(ladder.as_dict()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
