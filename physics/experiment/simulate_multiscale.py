"""One run on the multiscale path: a RunSpec -> the wall's pinning landscape from windowed T = 0
micromagnetics -> the protocol on the stochastic (q, phi) wall model -> a RunResult.

``calculator.name = "multiscale"`` (:func:`physics.experiment.simulate.simulate` dispatches
here). The run file has the layout of the micromagnetic runs, so ``dwmtj fit``, ``dwmtj plot``
and the networks read it unchanged; only the magnetisation is missing (no snapshots; the
time table holds the track-averaged m_z after each step).

1. The landscape (:func:`physics.multiscale.window.track_landscape`): the uniform-field
   equivalents of the track's restoring force, h_pin(q), and of the damping-like SOT at 1 V,
   h_sot(q), along the wall position q, from constrained energy minimisation of the spec's
   track, material and cell on windows around the notches (T = 0, no bias). It depends only on
   geometry, material and cell, and is cached in files named by the hash of those inputs
   (:func:`landscape_dirs`).
2. The protocol (every pulse of every ramp, the re-initialisations, the bias field of each
   ramp) on :mod:`physics.multiscale.wall_model`, all realisations (and, when every cycle
   restarts from the same wall, all cycles) in one vmapped call per pulse. Realisation ``r``,
   call ``c`` draws its noise from ``fold_in(fold_in(key(seed), r), c)``, so a run is
   reproducible and a realisation does not depend on how many there are.
3. The readout of a straight wall at q (:meth:`ReadoutGeometry.at_position`): position, notch,
   MTJ parallel fraction, conductance, resistance.

Calculator options (all optional):

``dt``                 time step of the wall model's stochastic Heun scheme (s), default 1e-12;
``relax_time``         relaxation of a (re)initialised wall before its cycle (s), default 1 ns;
``window``             ``true`` (default): landscapes from one window per notch; ``false``:
                       from the whole track (affordable on the scaled tracks only);
``dq``                 step of the landscape's wall-position grid (m), default 1e-9 (2e-9 on
                       the full-size tracks: the notches are 100 nm long);
``q_range``            [q_min, q_max] (m): the span of the landscape, default from half-way
                       before the first notch to near the CLK end; a wall that leaves it is
                       gone (read at that track end), so on a long straight track it may end
                       one notch spacing past the last notch, beyond the MTJ;
``end_margin``         how far before the CLK end the landscape's last window stops (m),
                       default 2 delta of the (renormalised) material; a renormalised wall is
                       wide (delta ~ 20 nm at thermal_m 0.94 on the scaled tracks), so the
                       default can end the landscape ~40 nm before the track does, and a wall
                       leaving the last notch is then read at the CLK end while a direct run
                       still reads it at that notch; a smaller margin (e.g. 8e-9) takes the
                       landscape to the end;
``in_margin``          how far after the IN end the landscape's first window starts (m),
                       default half a notch spacing before the first notch; a wall driven back
                       past notch 0 then leaves the landscape (and is gone, or held with
                       ``in_end = "reservoir"``), while a micromagnetic wall can run on towards
                       the IN end and come back (results/paper-scale/README.md, "Capture at
                       T = 0"); a small margin (e.g. 8e-9) takes the landscape to the IN end;
``in_end``             ``"absorbing"`` (default): a wall pushed out at the IN side of the
                       landscape is gone, as in the micromagnetic runs of the scaled tracks;
                       ``"reservoir"``: the IN side holds it (the device's nucleation pad),
                       it waits at the landscape's start and re-enters when a pulse drives
                       it (the paper's cycles start from a wall at IN);
``segments``           1 (default): the rigid wall; S > 1: an elastic line of S segments across
                       the width (:mod:`physics.multiscale.wall_model`, "Elastic line"), its
                       tension sigma = 4 A / delta - pi |D| and exchange A from the
                       (renormalised) material; the line's shape is carried from pulse to
                       pulse;
``thermal_m``          Callen-Callen renormalisation of the landscape's parameters
                       (:mod:`physics.multiscale.renormalise`), default 1 (measured
                       room-temperature parameters, the paper-scale runs); 0.95 stands in for
                       the 4 nm, 300 K micromagnetics (calibrated on the scaled trapezoid,
                       results/paper-scale/README.md).
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from physics.experiment.readout import in_end_wall_position
from physics.experiment.run_parts import (
    readout_tables,
    reject_unknown_options,
    require_positive_times,
)
from physics.experiment.spec import RunSpec
from physics.experiment.store import RunResult

DEFAULTS: dict[str, Any] = {
    "dt": 1e-12,
    "relax_time": 1e-9,
    "window": True,
    "thermal_m": 1.0,
    "dq": 1e-9,
    "q_range": None,
    "end_margin": None,
    "in_margin": None,
    "in_end": "absorbing",
    "segments": 1,
}
_OPTIONS = ("name", *DEFAULTS)
#: The wall model's largest stable step (s) is checked by the model itself; this bounds typos.
_MAX_DT = 1e-10
#: Environment variable: the folder of the cached window landscapes.
LANDSCAPES_ENV = "DWMTJ_LANDSCAPES"


def multiscale_options(spec: RunSpec) -> dict[str, Any]:
    """The calculator options of a multiscale run, validated (one-line ValueError naming
    ``calculator.<option>``)."""
    options = {**DEFAULTS, **spec.calculator}
    reject_unknown_options(options, _OPTIONS)
    require_positive_times(options, ("dt", "relax_time"))
    dq = options["dq"]
    if isinstance(dq, bool) or not isinstance(dq, int | float) or not 1e-11 <= dq <= 1e-7:
        raise ValueError(f"calculator.dq: must be a length in 1e-11 ... 1e-7 m, got {dq!r}")
    if options["dt"] > _MAX_DT:
        raise ValueError(
            f"calculator.dt: {options['dt']:g} s is above {_MAX_DT:g} s, the wall model's "
            "precession needs ~1e-12 s"
        )
    if options["in_end"] not in ("absorbing", "reservoir"):
        raise ValueError(
            f"calculator.in_end: must be 'absorbing' or 'reservoir', got {options['in_end']!r}"
        )
    span = options["q_range"]
    if span is not None:
        ok = (
            isinstance(span, list | tuple)
            and len(span) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in span)
            and np.all(np.isfinite(span))
            and span[0] < span[1]
        )
        x0, _, x1, _ = spec.track().bounds
        if not ok or span[0] < x0 or span[1] > x1:
            raise ValueError(
                f"calculator.q_range: must be [q_min, q_max] (m) inside the track "
                f"[{x0:g}, {x1:g}], got {span!r}"
            )
    margin = options["end_margin"]
    if margin is not None:
        x0, _, x1, _ = spec.track().bounds
        ok = isinstance(margin, int | float) and not isinstance(margin, bool)
        if not ok or not math.isfinite(margin) or not 0 <= margin < 0.5 * (x1 - x0):
            raise ValueError(
                "calculator.end_margin: must be a length (m) in [0, half the track length "
                f"{0.5 * (x1 - x0):g}), got {margin!r}"
            )
    margin = options["in_margin"]
    if margin is not None:
        x0, _, _, _ = spec.track().bounds
        centres = np.sort(np.asarray(spec.track().notch_centres, dtype=float))
        spacing = centres[1] - centres[0] if len(centres) > 1 else 0.0
        # the first window's core starts half a spacing before the first notch
        # (physics.multiscale.window.default_windows); two grid steps at the IN end
        lo, hi = 2 * dq, centres[0] - spacing / 2 - x0 - dq
        ok = isinstance(margin, int | float) and not isinstance(margin, bool)
        if not ok or not math.isfinite(margin) or not lo <= margin < hi:
            raise ValueError(
                f"calculator.in_margin: must be a length (m) in [{lo:g}, {hi:g}) (from two "
                f"landscape steps to the first window's start), got {margin!r}"
            )
        if options["window"] is not True or options["q_range"] is not None:
            raise ValueError("calculator.in_margin: needs window = true and no q_range")
    seg = options["segments"]
    if isinstance(seg, bool) or not isinstance(seg, int) or not 1 <= seg <= 64:
        raise ValueError(f"calculator.segments: must be an integer in 1 ... 64, got {seg!r}")
    m = options["thermal_m"]
    if isinstance(m, bool) or not isinstance(m, int | float) or not 0 < m <= 1:
        raise ValueError(f"calculator.thermal_m: must be a number in (0, 1], got {m!r}")
    if not isinstance(options["window"], bool):
        raise ValueError(f"calculator.window: must be true or false, got {options['window']!r}")
    if spec.snapshots:
        raise ValueError("snapshots: the multiscale calculator has no magnetisation to store")
    return options


def landscape_dirs() -> tuple[Path, list[Path]]:
    """Where the windows' landscapes are cached (one file per window, named by the SHA-256 of
    its inputs): ``(write, read_only)``. New windows are written to the folder in
    ``$DWMTJ_LANDSCAPES`` (created if needed), else to ``~/.cache/dwmtj/landscapes``; they are
    also looked up, never written, in the project's committed ``results/paper-scale/landscapes``
    (relative to the working directory, as the datasets are), so running a spec never adds
    files to the repository."""
    env = [Path(p) for p in os.environ.get(LANDSCAPES_ENV, "").split(os.pathsep) if p]
    committed = Path("results") / "paper-scale" / "landscapes"
    if env:
        return env[0], [*env[1:], committed]
    return Path.home() / ".cache" / "dwmtj" / "landscapes", [committed]


def spec_landscape(
    spec: RunSpec,
    window: bool = True,
    thermal_m: float = 1.0,
    dq: float = 1e-9,
    q_range: Any = None,
    progress: bool | None = None,
    end_margin: float | None = None,
    in_margin: float | None = None,
) -> Any:
    """The :class:`~physics.multiscale.landscape.WallLandscape` of the spec's track, material
    (renormalised by ``thermal_m``) and cell (cached, see :func:`landscape_dirs`)."""
    from physics.multiscale.renormalise import renormalised
    from physics.multiscale.window import track_landscape

    cache, read_only = landscape_dirs()
    return track_landscape(
        spec.track(),
        renormalised(spec.material_object(), float(thermal_m)),
        spec.cell[:2],
        window=window,
        dq=float(dq),
        q_range=None if q_range is None else (float(q_range[0]), float(q_range[1])),
        end_margin=None if end_margin is None else float(end_margin),
        in_margin=None if in_margin is None else float(in_margin),
        cache_dir=cache,
        read_dirs=read_only,
        progress=bool(progress),
    )


def wall_model_of(
    landscape: Any, hold_low_end: bool = False, segments: int = 1, material: Any = None
) -> Any:
    """The :class:`~physics.multiscale.wall_model.WallModel` of a
    :class:`~physics.multiscale.landscape.WallLandscape` (same arrays and scalars, SI);
    ``hold_low_end``: the IN side holds the wall (``in_end = "reservoir"``); ``segments`` > 1:
    an elastic line, whose tension sigma = 4 A / delta - pi |D| (J/m^2) and exchange A (J/m)
    come from ``material`` (the landscape's, renormalised alike) and the landscape's delta."""
    from physics.multiscale.wall_model import WallModel

    line = {}
    if segments > 1:
        if material is None:
            raise ValueError("material: needed for an elastic line (segments > 1)")
        sigma = 4 * material.A / landscape.delta - np.pi * abs(material.D)
        line = {"segments": segments, "sigma_wall": float(sigma), "exchange": float(material.A)}

    return WallModel(
        q_grid=landscape.q,
        h_pin=landscape.h_pin,
        h_sot=landscape.h_sot,
        width=landscape.width,
        Ms=landscape.Ms,
        thickness=landscape.thickness,
        alpha=landscape.alpha,
        delta=landscape.delta,
        h_dmi=landscape.h_dmi,
        h_k=landscape.h_k,
        field_like_ratio=landscape.field_like_ratio,
        hold_low_end=hold_low_end,
        **line,
    )


def landscape_summary(landscape: Any) -> dict[str, Any]:
    """What a run file records about its landscape: grid, method and T = 0 thresholds."""
    from physics.materials import MU0

    return {
        "q_range_m": [float(landscape.q[0]), float(landscape.q[-1])],
        "n_points": int(landscape.q.size),
        "notch_centres_m": [float(x) for x in landscape.notch_centres],
        "quasi_static_v_dep_at_minus_4mT_V": [
            None if not np.isfinite(v) else float(v)
            for v in landscape.depinning_voltages(-4e-3 / MU0)
        ],
        "method": landscape.meta.get("method"),
        "window": landscape.meta.get("window"),
    }


def _initial_position(spec: RunSpec) -> float:
    notch = spec.protocol.initial_wall.notch
    track = spec.track()
    if notch is None:
        return in_end_wall_position(track)
    return float(np.sort(np.asarray(track.notch_centres, dtype=float))[notch])


def simulate_multiscale(spec: RunSpec, progress: bool | None = None) -> RunResult:
    """Run ``spec`` on the multiscale path (see the module docstring)."""
    import jax
    import jax.numpy as jnp

    from physics.multiscale import wall_model

    options = multiscale_options(spec)
    start = time.perf_counter()
    landscape = spec_landscape(
        spec,
        window=options["window"],
        thermal_m=options["thermal_m"],
        dq=options["dq"],
        q_range=options["q_range"],
        progress=progress,
        end_margin=options["end_margin"],
        in_margin=options["in_margin"],
    )
    from physics.multiscale.renormalise import renormalised

    n_seg = int(options["segments"])
    model = wall_model_of(
        landscape,
        hold_low_end=options["in_end"] == "reservoir",
        segments=n_seg,
        material=renormalised(spec.material_object(), float(options["thermal_m"])),
    )
    proto = spec.protocol
    geo = spec.readout_geometry()
    n_r = spec.n_realisations
    temperature = float(proto.temperature)
    # every cycle restarts from the same wall: run the cycles side by side as more members
    together = proto.reinitialise == "every_cycle" or proto.n_cycles == 1
    n_groups = 1 if together else proto.n_cycles
    per_group = proto.n_cycles if together else 1
    members = n_r * per_group

    readouts = readout_tables(n_r, proto.n_pulses)
    initial = readout_tables(n_r, proto.n_cycles)
    root = jax.random.PRNGKey(spec.seed)
    realisation_keys = jax.vmap(lambda r: jax.random.fold_in(root, r))(jnp.arange(n_r))
    q_start = _initial_position(spec)
    dt = float(options["dt"])
    relax_time = float(options["relax_time"])
    bar = tqdm(
        total=proto.n_pulses,
        desc=f"pulses x {n_r} realisations (multiscale)",
        unit="pulse",
        disable=None if progress is None else not progress,
        leave=False,
    )

    def keys_for(call: int, cycles: np.ndarray) -> jax.Array:
        # member (r, cycle) of call c: fold_in(fold_in(key_r, cycle), c), so a member's noise
        # depends neither on n_realisations nor on how the cycles are grouped
        k = jnp.repeat(realisation_keys, len(cycles), axis=0)
        c = jnp.tile(jnp.asarray(cycles), n_r)
        return jax.vmap(lambda key, cyc: jax.random.fold_in(jax.random.fold_in(key, cyc), call))(
            k, c
        )

    grid = np.asarray(landscape.q)
    x_in, x_clk = float(spec.track().bounds[0]), float(spec.track().bounds[2])

    def run(state, call, cycles, amplitude, bias_h, shape, settle):
        # state: q (m), phi (rad), gone (-1: pushed out at the IN side of the landscape, +1: at
        # the CLK side, 0: on the track). A wall that has left stays gone (nothing in the
        # model nucleates a new one), as in the micromagnetic runs.
        # q, phi: (members, segments)
        q, phi, gone = state
        if shape == (0.0, 0.0, 0.0):  # a relaxation: V = 0 throughout
            shape = (0.0, dt, 0.0)
        result = wall_model.run_pulses(
            model,
            np.clip(np.asarray(q), grid[0], grid[-1]),
            phi,
            jnp.full((members,), amplitude),
            jnp.full((members,), bias_h),
            jnp.full((members,), temperature),
            keys_for(call, cycles),
            rise=shape[0],
            plateau=shape[1],
            fall=shape[2],
            settle=settle,
            dt=dt,
        )
        q_new, escaped = np.asarray(result.q_line), np.asarray(result.escaped)
        side = np.where(q_new.mean(axis=1) > 0.5 * (grid[0] + grid[-1]), 1, -1)
        new_gone = np.where(gone != 0, gone, np.where(escaped, side, 0))
        keep = (gone != 0)[:, None]
        return (
            np.where(keep, q, q_new),
            np.where(keep, phi, np.asarray(result.phi_line)),
            new_gone,
        )

    def position(state) -> np.ndarray:
        q, _, gone = state
        return np.where(gone > 0, x_clk, np.where(gone < 0, x_in, q.mean(axis=1)))

    def record(target: dict, columns: np.ndarray, state: Any) -> None:
        values = geo.at_position(position(state).reshape(n_r, len(columns)))
        for name, value in values.as_dict().items():
            target[name][:, columns] = value

    def fresh():
        return (
            np.full((members, n_seg), q_start),
            np.zeros((members, n_seg)),
            np.zeros(members, dtype=int),
        )

    state = fresh()
    for group in range(n_groups):
        cycles = np.arange(per_group) if together else np.array([group])
        call = 0 if together else group * (proto.pulses_per_cycle + 1)
        if together or proto.reinitialise_before(group):
            state = run(
                fresh(), call, cycles, 0.0, proto.ramps[0].bias_h, (0.0, 0.0, 0.0), relax_time
            )
        call += 1
        record(initial, cycles, state)
        pulse = 0  # index of the pulse within its cycle
        for ramp in proto.ramps:
            shape = (ramp.pulse.rise, ramp.pulse.plateau, ramp.pulse.fall)
            for voltage in ramp.voltages:
                state = run(
                    state, call, cycles, float(voltage), ramp.bias_h, shape, ramp.settle_time
                )
                call += 1
                record(readouts, cycles * proto.pulses_per_cycle + pulse, state)
                pulse += 1
                bar.update(per_group)
    bar.close()
    # time table: the end of every step in protocol order (relaxations included), the
    # track-averaged m_z read after it
    ends, mz_cols = [], []
    clock = 0.0
    for cycle in range(proto.n_cycles):
        if proto.reinitialise_before(cycle):
            clock += relax_time
        pulse = 0
        for ramp in proto.ramps:
            for _ in ramp.voltages:
                clock += ramp.step_duration
                ends.append(clock)
                mz_cols.append(readouts["mz"][:, cycle * proto.pulses_per_cycle + pulse])
                pulse += 1
    return RunResult(
        readouts=readouts,
        initial=initial,
        time_table={"t": np.asarray(ends), "mz": np.stack(mz_cols, axis=1)},
        provenance={
            "engine": "physics.multiscale: windowed T = 0 micromagnetic landscape + stochastic "
            "(q, phi) wall model",
            "options": options,
            "landscape": landscape_summary(landscape),
            "wall_time_s": time.perf_counter() - start,
            "jax_backend": jax.default_backend(),
        },
    )
