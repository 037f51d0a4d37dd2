"""The run store: one HDF5 file per run, named by the hash of its specification.

Layout of ``<run_id>.h5`` (schema ``dwmtj.run``, version :data:`SCHEMA_VERSION`)::

    attrs:  schema, schema_version, run_id, spec (canonical JSON of the RunSpec),
            provenance (JSON: software versions, calculator, host, wall time), complete = True
    /pulses/<column>          (n_pulses,)  the protocol's pulse table (cycle, ramp, step,
                                           voltage [V], bias_field [T], t_start, t_readout,
                                           pulse_width, rise, fall [s])
    /readout/<field>          (n_realisations, n_pulses)  position [m], notch (-1 between
                                           notches), parallel_fraction, conductance [S],
                                           resistance [ohm], mz
    /initial/<field>          (n_realisations, n_cycles)  the readout of the (re)initialised
                                           wall before each cycle (optional)
    /time_table/<column>      a table of averages over time: t (n_t,) [s] and columns of shape
                                           (n_realisations, n_t) (optional)
    /snapshots/m              (n_realisations, n_pulses, nx, ny, nz, 3) after each pulse
                                           (optional, gzip, one chunk per snapshot)
    /transitions/...          the notch-state form the compact model is fitted on
                                           (:mod:`physics.experiment.transitions`, schema
                                           ``dwmtj.run.transitions``), so ``dwmtj fit`` reads
                                           run files directly

A file is written as ``.<run_id>.h5.<pid>.<random>.tmp`` in the same folder, the ``complete``
attribute is set last, the file is flushed and closed, and only then renamed (``os.replace``,
atomic on POSIX) to ``<run_id>.h5``. :func:`check_run_file` refuses anything else: an
unreadable/truncated file, a missing ``complete`` marker, another schema version, a run id
that is not the hash of the stored spec, or readouts of the wrong shape.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import socket
import time
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from physics.experiment.readout import Readout
from physics.experiment.spec import RunSpec, canonical_json
from physics.experiment.transitions import transitions_arrays, write_transitions

SCHEMA = "dwmtj.run"
SCHEMA_VERSION = 1
SUFFIX = ".h5"
ERROR_SUFFIX = ".error.json"
READOUT_FIELDS = Readout.FIELDS


class CorruptRunError(ValueError):
    """A run file that must not be read as a result (partial, truncated, other schema)."""


@dataclass
class RunResult:
    """What one run produces (before it is stored).

    ``readouts``: the :data:`READOUT_FIELDS`, each ``(n_realisations, n_pulses)``;
    ``initial``: the same fields ``(n_realisations, n_cycles)`` for the wall before each cycle
    (optional); ``time_table``: ``t`` (n_t,) in s plus ``(n_realisations, n_t)`` columns
    (optional); ``snapshots``: m after every pulse, ``(n_realisations, n_pulses, nx, ny, nz,
    3)`` (optional); ``provenance``: anything JSON-serialisable about how it was computed.
    """

    readouts: dict[str, np.ndarray]
    initial: dict[str, np.ndarray] | None = None
    time_table: dict[str, np.ndarray] | None = None
    snapshots: np.ndarray | None = None
    provenance: dict = field(default_factory=dict)

    def check(self, spec: RunSpec) -> None:
        """Raise ValueError if the arrays do not match ``spec``'s shapes."""
        shape = (spec.n_realisations, spec.protocol.n_pulses)
        for name in READOUT_FIELDS:
            if name not in self.readouts:
                raise ValueError(f"readouts.{name}: missing")
            got = np.shape(self.readouts[name])
            if got != shape:
                raise ValueError(f"readouts.{name}: shape {got}, expected {shape}")
        if self.initial is not None:
            ishape = (spec.n_realisations, spec.protocol.n_cycles)
            for name in READOUT_FIELDS:
                if np.shape(self.initial.get(name)) != ishape:
                    raise ValueError(f"initial.{name}: expected shape {ishape}")
        if self.snapshots is not None and np.shape(self.snapshots)[:2] != shape:
            raise ValueError(
                f"snapshots: leading shape {np.shape(self.snapshots)[:2]}, expected {shape}"
            )
        if self.time_table is not None and "t" not in self.time_table:
            raise ValueError("time_table.t: missing")


@dataclass
class RunRecord:
    """A complete run read back from its file (snapshots are not loaded: use
    :func:`read_snapshots`)."""

    path: Path
    run_id: str
    spec: RunSpec
    readouts: dict[str, np.ndarray]
    pulses: dict[str, np.ndarray]
    initial: dict[str, np.ndarray] | None
    time_table: dict[str, np.ndarray] | None
    provenance: dict
    has_snapshots: bool


def run_path(out_dir: str | Path, run_id: str) -> Path:
    """Where the run ``run_id`` lives in ``out_dir``."""
    return Path(out_dir) / f"{run_id}{SUFFIX}"


def error_path(out_dir: str | Path, run_id: str) -> Path:
    """The error record of a failed run."""
    return Path(out_dir) / f"{run_id}{ERROR_SUFFIX}"


def software_versions() -> dict[str, str]:
    """Versions of the packages that can change a result (recorded, not hashed)."""
    out = {"python": platform.python_version()}
    for dist in (
        "dwmtj",
        "numpy",
        "scipy",
        "h5py",
        "jax",
        "jaxlib",
        "discretisedfield",
        "micromagneticmodel",
        "oommfc",
    ):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out


# ------------------------------------------------------------------------------- writing
def write_run(out_dir: str | Path, spec: RunSpec, result: RunResult) -> Path:
    """Write ``result`` of ``spec`` atomically to ``out_dir/<run_id>.h5`` and return the path.

    Removes a stale error record of the same run.
    """
    result.check(spec)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    run_id = spec.run_id
    final = run_path(out_dir, run_id)
    tmp = out_dir / f".{run_id}{SUFFIX}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    provenance = {
        "software": software_versions(),
        "calculator": spec.calculator,
        "host": socket.gethostname(),
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **result.provenance,
    }
    try:
        with h5py.File(tmp, "w") as fh:
            fh.attrs["schema"] = SCHEMA
            fh.attrs["schema_version"] = SCHEMA_VERSION
            fh.attrs["run_id"] = run_id
            fh.attrs["spec"] = canonical_json(spec.to_dict())
            fh.attrs["provenance"] = json.dumps(provenance, default=str)
            _write_columns(fh.create_group("pulses"), spec.protocol.pulse_table())
            _write_columns(fh.create_group("readout"), result.readouts, READOUT_FIELDS)
            if result.initial is not None:
                _write_columns(fh.create_group("initial"), result.initial, READOUT_FIELDS)
            if result.time_table is not None:
                _write_columns(fh.create_group("time_table"), result.time_table)
            if result.snapshots is not None:
                snaps = np.asarray(result.snapshots)
                fh.create_group("snapshots").create_dataset(
                    "m",
                    data=snaps,
                    compression="gzip",
                    shuffle=True,
                    chunks=(1, 1, *snaps.shape[2:]),
                )
            write_transitions(fh, transitions_arrays(spec, result.readouts))
            fh.attrs["complete"] = True
            fh.flush()
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()
    err = error_path(out_dir, run_id)
    if err.exists():
        err.unlink()
    return final


def _write_columns(group: Any, columns: dict, order: tuple[str, ...] | None = None) -> None:
    for name in order or tuple(columns):
        group.create_dataset(name, data=np.asarray(columns[name]))


def write_error(out_dir: str | Path, spec: RunSpec, exc: BaseException) -> Path:
    """Record a failed run as ``<run_id>.error.json`` (error, traceback, spec)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = error_path(out_dir, spec.run_id)
    record = {
        "run_id": spec.run_id,
        "error": f"{type(exc).__name__}: {exc}",
        "traceback": "".join(traceback.format_exception(exc)),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": socket.gethostname(),
        "spec": spec.to_dict(),
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(json.dumps(record, indent=1, default=str))
    os.replace(tmp, path)
    return path


# ------------------------------------------------------------------------------- reading
def check_run_file(path: str | Path) -> None:
    """Raise :class:`CorruptRunError` (with the reason) unless ``path`` is a complete run
    file of this schema whose name is the hash of its stored specification."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"run file not found: {path}")
    try:
        fh = h5py.File(path, "r")
    except OSError as exc:
        raise CorruptRunError(f"{path}: unreadable HDF5 (truncated or not HDF5): {exc}") from None
    try:
        with fh:
            attrs = fh.attrs
            if attrs.get("schema") != SCHEMA:
                raise CorruptRunError(f"{path}: schema {attrs.get('schema')!r}, not {SCHEMA!r}")
            version = attrs.get("schema_version")
            if version is None or int(version) != SCHEMA_VERSION:
                raise CorruptRunError(
                    f"{path}: schema version {version!r}, this reader needs {SCHEMA_VERSION}"
                )
            if not bool(attrs.get("complete", False)):
                raise CorruptRunError(f"{path}: no 'complete' marker (partial write)")
            spec = RunSpec.from_dict(json.loads(attrs["spec"]))
            if spec.run_id != attrs.get("run_id") or path.name != f"{spec.run_id}{SUFFIX}":
                raise CorruptRunError(
                    f"{path}: the file name / run_id attribute is not the hash of its spec"
                )
            shape = (spec.n_realisations, spec.protocol.n_pulses)
            for name in READOUT_FIELDS:
                key = f"readout/{name}"
                if key not in fh or fh[key].shape != shape:
                    raise CorruptRunError(f"{path}: dataset {key} missing or not {shape}")
                fh[key][()]  # reading the data catches truncated chunks
    except CorruptRunError:
        raise
    except (OSError, KeyError, ValueError, RuntimeError) as exc:
        raise CorruptRunError(f"{path}: damaged run file ({type(exc).__name__}: {exc})") from None


def run_status(path: str | Path) -> str:
    """``"complete"``, ``"missing"`` or ``"corrupt: <reason>"``."""
    try:
        check_run_file(path)
    except FileNotFoundError:
        return "missing"
    except CorruptRunError as exc:
        return f"corrupt: {exc}"
    return "complete"


def read_run(path: str | Path) -> RunRecord:
    """Read a complete run (readouts, pulse table, spec, time table; not the snapshots).

    Raises :class:`CorruptRunError` for anything :func:`check_run_file` refuses.
    """
    check_run_file(path)
    path = Path(path)
    with h5py.File(path, "r") as fh:
        spec = RunSpec.from_dict(json.loads(fh.attrs["spec"]))

        def columns(name: str) -> dict[str, np.ndarray] | None:
            if name not in fh:
                return None
            return {k: v[()] for k, v in fh[name].items()}

        return RunRecord(
            path=path,
            run_id=str(fh.attrs["run_id"]),
            spec=spec,
            readouts=columns("readout"),
            pulses=columns("pulses"),
            initial=columns("initial"),
            time_table=columns("time_table"),
            provenance=json.loads(fh.attrs["provenance"]),
            has_snapshots="snapshots/m" in fh,
        )


def read_snapshots(
    path: str | Path, realisation: int | slice = slice(None), pulse: int | slice = slice(None)
) -> np.ndarray:
    """Magnetisation snapshots m (unit vectors) of a complete run, selected by realisation
    and pulse (HDF5 reads only the selected chunks)."""
    check_run_file(path)
    with h5py.File(path, "r") as fh:
        if "snapshots/m" not in fh:
            raise ValueError(f"snapshots: {path} was run without snapshots (snapshots = false)")
        return fh["snapshots/m"][realisation, pulse]


def read_error(out_dir: str | Path, run_id: str) -> dict | None:
    """The error record of a failed run, or None."""
    path = error_path(out_dir, run_id)
    return json.loads(path.read_text()) if path.exists() else None
