"""The ``/transitions`` group of a run file: the notch-state form a compact model is fitted on.

This module owns the group's schema (``dwmtj.run.transitions``, version
:data:`SCHEMA_VERSION`), its only writer (:func:`write_transitions`, called by
:func:`physics.experiment.store.write_run`) and its reader (:func:`read_transitions_group`).
Run files are opened and verified by :mod:`physics.experiment.store`
(:func:`~physics.experiment.store.read_run_transitions` is what :mod:`compact.observations`
reads them with), which also checks that the group holds the transitions of the stored
readouts and pulses (:func:`transitions_mismatch`).

Notch *states* number every position the wall can hold along the track: 0 = the IN-end
state (the wall before the first notch), k + 1 = pinned at notch k, n + 1 = past the last
notch (the CLK end).

Layout of the group (attributes ``schema``, ``schema_version``, ``temperature_K`` [K])::

    voltage_V          float (n_pulses,)                 pulse amplitudes, signed (V)
    notch_index        int   (n_rows, n_pulses)          notch state after each pulse
    resistance_ohm     float (n_rows, n_pulses)          MTJ resistance after each pulse (ohm)
    pulse_width_s      float scalar or (n_pulses,)       (s)
    bias_field_T       float scalar or (n_pulses,)       (T)
    notch_positions_m  float (n_states,)                 wall position of each state (m)
                                                         (optional)
    initial_notch      int   scalar or (n_rows,)         state before the first pulse of a row

A row is one realisation, or one (realisation, cycle) when the wall is re-initialised before
every cycle.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from physics.experiment import checksum
from physics.experiment.readout import in_end_wall_position
from physics.experiment.spec import RunSpec

#: Name of the group in a run file.
GROUP = "transitions"
SCHEMA = "dwmtj.run.transitions"
SCHEMA_VERSION = 1


@dataclass
class TransitionArrays:
    """The arrays of the ``/transitions`` group (shapes and units in the module docstring).

    ``n_states`` (not stored) overrides the number of notch states, which otherwise follows
    from the largest state seen and ``notch_positions_m``.
    """

    voltage_V: np.ndarray
    notch_index: np.ndarray
    resistance_ohm: np.ndarray
    pulse_width_s: float | np.ndarray
    temperature_K: float
    bias_field_T: float | np.ndarray = 0.0
    notch_positions_m: np.ndarray | None = None
    initial_notch: int | np.ndarray = 0
    n_states: int | None = None


def state_positions(spec: RunSpec) -> np.ndarray:
    """Positions (m) of the notch states: the IN-end initial wall position
    (:func:`~physics.experiment.readout.in_end_wall_position`), the notch centres and the
    CLK end L."""
    track = spec.track()
    centres = np.asarray(track.notch_centres, dtype=float)
    return np.concatenate([[in_end_wall_position(track)], centres, [float(track.length)]])


def notch_states(spec: RunSpec, position: np.ndarray, notch: np.ndarray) -> np.ndarray:
    """Notch states (module docstring) from readouts: ``notch`` k >= 0 is state k + 1; a wall
    between notches (``notch == -1``, still moving or pinned by a defect) gets the state whose
    position (:func:`state_positions`, m) is nearest to ``position`` (m)."""
    positions = state_positions(spec)
    nearest = np.abs(np.asarray(position)[..., None] - positions).argmin(axis=-1)
    return np.where(np.asarray(notch) >= 0, np.asarray(notch) + 1, nearest).astype(np.int64)


def transitions_arrays(spec: RunSpec, readouts: dict[str, np.ndarray]) -> TransitionArrays:
    """The transition form of a run's readouts (``position`` [m], ``notch``, ``resistance``
    [ohm], each ``(n_realisations, n_pulses)``).

    With re-initialisation before every cycle, each (realisation, cycle) becomes one row
    (``notch_index`` of shape ``(n_realisations * n_cycles, pulses_per_cycle)``); otherwise
    the cycles of a realisation follow each other in one row.
    """
    proto = spec.protocol
    table = proto.pulse_table()
    states = notch_states(spec, readouts["position"], readouts["notch"])
    resistance = np.asarray(readouts["resistance"], dtype=float)
    start = proto.initial_wall.notch
    initial = 0 if start is None else start + 1
    if proto.reinitialise == "every_cycle":
        n = proto.pulses_per_cycle
        states = states.reshape(-1, n)
        resistance = resistance.reshape(-1, n)
        voltage, width, bias = (table[k][:n] for k in ("voltage", "pulse_width", "bias_field"))
    else:
        voltage, width, bias = (table[k] for k in ("voltage", "pulse_width", "bias_field"))
    return TransitionArrays(
        voltage_V=np.asarray(voltage, dtype=float),
        notch_index=states,
        resistance_ohm=resistance,
        pulse_width_s=np.asarray(width, dtype=float),
        temperature_K=float(proto.temperature),
        bias_field_T=np.asarray(bias, dtype=float),
        notch_positions_m=state_positions(spec),
        initial_notch=np.int64(initial),
    )


def write_transitions(parent: h5py.Group, arrays: TransitionArrays) -> None:
    """Create the ``/transitions`` group under ``parent`` (an open HDF5 file or group): the
    one place the group is written."""
    group = parent.create_group(GROUP)
    group.attrs["schema"] = SCHEMA
    group.attrs["schema_version"] = SCHEMA_VERSION
    group.attrs["temperature_K"] = float(arrays.temperature_K)
    group.create_dataset("voltage_V", data=np.asarray(arrays.voltage_V, dtype=float))
    group.create_dataset("notch_index", data=np.asarray(arrays.notch_index, dtype=np.int64))
    group.create_dataset("resistance_ohm", data=np.asarray(arrays.resistance_ohm, dtype=float))
    group.create_dataset("pulse_width_s", data=np.asarray(arrays.pulse_width_s, dtype=float))
    group.create_dataset("bias_field_T", data=np.asarray(arrays.bias_field_T, dtype=float))
    group.create_dataset("initial_notch", data=np.asarray(arrays.initial_notch, dtype=np.int64))
    if arrays.notch_positions_m is not None:
        group.create_dataset(
            "notch_positions_m", data=np.asarray(arrays.notch_positions_m, dtype=float)
        )


def write_transitions_file(path: str | Path, arrays: TransitionArrays) -> Path:
    """An HDF5 file holding only the ``/transitions`` group (transitions of measured or
    synthetic data; tests). It has no run record, so no initial readings. Written atomically
    (temporary file, then renamed) with a content checksum
    (:mod:`physics.experiment.checksum`), which its reader verifies."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with h5py.File(tmp, "w") as fh:
            write_transitions(fh, arrays)
            checksum.stamp(fh)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read_transitions_group(fh: h5py.File, path: str | Path) -> TransitionArrays:
    """The ``/transitions`` group of the open file ``fh`` (read from ``path``, named in the
    errors); raises ValueError for a missing group, another schema or missing datasets."""
    if GROUP not in fh:
        raise ValueError(f"{path}: no '/{GROUP}' group (not a dwmtj run file)")
    g = fh[GROUP]
    schema = g.attrs.get("schema", fh.attrs.get("schema"))
    version = g.attrs.get("schema_version", fh.attrs.get("schema_version"))
    if isinstance(schema, bytes):
        schema = schema.decode()
    if schema != SCHEMA or version is None or int(version) != SCHEMA_VERSION:
        raise ValueError(
            f"{path}: incompatible run schema {schema!r} version {version!r}; "
            f"this reader needs {SCHEMA!r} version {SCHEMA_VERSION}"
        )
    for name in ("voltage_V", "notch_index", "resistance_ohm", "pulse_width_s"):
        if name not in g:
            raise ValueError(f"{path}: run file lacks dataset '{GROUP}/{name}'")
    if "temperature_K" not in g.attrs:
        raise ValueError(f"{path}: run file lacks attribute '{GROUP}.temperature_K'")

    def optional(name: str, default: Any) -> Any:
        return g[name][()] if name in g else default

    return TransitionArrays(
        voltage_V=g["voltage_V"][()],
        notch_index=g["notch_index"][()],
        resistance_ohm=g["resistance_ohm"][()],
        pulse_width_s=g["pulse_width_s"][()],
        temperature_K=float(g.attrs["temperature_K"]),
        bias_field_T=optional("bias_field_T", 0.0),
        notch_positions_m=optional("notch_positions_m", None),
        initial_notch=optional("initial_notch", 0),
    )


@dataclass
class RunTransitions:
    """What the compact model reads from a run file: its transitions and, for a full run
    record, the readings of the wall before each cycle (the readings that follow no pulse:
    ``initial_resistance_ohm`` [ohm] and ``initial_state``, one per (realisation, cycle);
    None for a file holding only the ``/transitions`` group). Read by
    :func:`physics.experiment.store.read_run_transitions`, which verifies the file."""

    path: Path
    arrays: TransitionArrays
    initial_resistance_ohm: np.ndarray | None = None
    initial_state: np.ndarray | None = None


def transitions_mismatch(expected: TransitionArrays, stored: TransitionArrays) -> str | None:
    """None when ``stored`` (read from a file) holds the arrays of ``expected`` (recomputed
    from the run's spec and readouts by :func:`transitions_arrays`), else the name of the
    first field that differs (e.g. ``"transitions/voltage_V"``). Floats are compared to
    1e-12 relative, integers exactly."""
    for name in (
        "voltage_V",
        "notch_index",
        "resistance_ohm",
        "pulse_width_s",
        "bias_field_T",
        "notch_positions_m",
        "initial_notch",
        "temperature_K",
    ):
        want, got = getattr(expected, name), getattr(stored, name)
        if want is None and got is None:
            continue
        if want is None or got is None:
            return f"{GROUP}/{name}"
        want, got = np.asarray(want), np.asarray(got)
        if want.shape != got.shape:
            # a scalar stored for a constant column is the same data
            if got.ndim == 0 and want.size and np.all(want == want.flat[0]):
                want = want.flat[0]
            else:
                return f"{GROUP}/{name}"
        if np.issubdtype(got.dtype, np.integer):
            same = np.array_equal(want, got)
        else:
            same = np.allclose(want, got, rtol=1e-12, atol=0.0, equal_nan=True)
        if not same:
            return f"{GROUP}/{name}"
    return None
