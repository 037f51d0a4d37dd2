"""The run store: one HDF5 file per run, named by the hash of its specification.

Layout of ``<run_id>.h5`` (schema ``dwmtj.run``, version :data:`SCHEMA_VERSION`)::

    attrs:  schema, schema_version, run_id, spec (canonical JSON of the RunSpec),
            provenance (JSON: software versions, calculator, host, wall time),
            params (JSON: the swept values of a batch's sweep point, {} for a single run),
            complete = True, content_sha256 (written last: :mod:`physics.experiment.checksum`)
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
                                           (optional, gzip, one chunk per snapshot, each
                                           chunk guarded by HDF5's Fletcher32 checksum)
    /transitions/...          the notch-state form the compact model is fitted on
                                           (:mod:`physics.experiment.transitions`, schema
                                           ``dwmtj.run.transitions``), so ``dwmtj fit`` reads
                                           run files directly

A file is written as ``.<run_id>.h5.<pid>.<random>.tmp`` in the same folder, the ``complete``
attribute and then the content checksum (a SHA-256 over every attribute and dataset, the
snapshots' data excepted) are set last, the file is flushed and closed, and only then renamed
(``os.replace``, atomic on POSIX) to ``<run_id>.h5``.

Every reader goes through :func:`open_run` (or :func:`check_run_file` / :func:`run_status`,
which apply the same checks), which refuses anything else: an unreadable/truncated file, a
missing ``complete`` marker, another schema version (version 1 files predate the checksum:
re-run them, or :func:`upgrade_run_file` them), a run id that is not the hash of the stored
spec, a content checksum that does not match, readouts of the wrong shape, a pulse table that
is not the spec's, or transitions that are not those of the stored readouts and pulses.
``open_run(path, force=True)`` (``--force`` on the command line) reads such a file knowingly,
with a warning.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import secrets
import shutil
import socket
import time
import traceback
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from physics.experiment import checksum
from physics.experiment.readout import Readout
from physics.experiment.spec import RunSpec, canonical_json
from physics.experiment.transitions import (
    RunTransitions,
    TransitionArrays,
    notch_states,
    read_transitions_group,
    transitions_arrays,
    transitions_mismatch,
    write_transitions,
)

SCHEMA = "dwmtj.run"
#: 2: content checksum (``content_sha256``), sweep ``params``, Fletcher32 on snapshots.
SCHEMA_VERSION = 2
SUFFIX = ".h5"
ERROR_SUFFIX = ".error.json"
READOUT_FIELDS = Readout.FIELDS
#: What a refusal tells the user to do.
FORCE_HINT = "re-run it, or read it knowingly with --force (force=True)"
#: Datasets whose data bytes the SHA-256 leaves out (HDF5's Fletcher32 guards their chunks).
_DATA_EXCLUDED = ("snapshots/m",)


class CorruptRunError(ValueError):
    """A run file that must not be read as a result (partial, truncated, tampered, other
    schema, name not the hash of its spec, inconsistent fields)."""


class UnverifiedRunWarning(UserWarning):
    """A run file read with ``force=True`` although it failed its checks."""


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
    """A run read back from its file by :func:`open_run` (snapshots are not loaded: use
    :func:`read_snapshots`). ``transitions``: its ``/transitions`` group; ``params``: the
    swept values of its sweep point; ``problems``: why it failed its checks (empty unless it
    was read with ``force=True``)."""

    path: Path
    run_id: str
    spec: RunSpec
    readouts: dict[str, np.ndarray]
    pulses: dict[str, np.ndarray]
    initial: dict[str, np.ndarray] | None
    time_table: dict[str, np.ndarray] | None
    provenance: dict
    has_snapshots: bool
    transitions: TransitionArrays
    params: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


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
def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def write_run(
    out_dir: str | Path, spec: RunSpec, result: RunResult, *, params: dict | None = None
) -> Path:
    """Write ``result`` of ``spec`` atomically to ``out_dir/<run_id>.h5`` and return the path.

    ``params``: the swept values of the batch's sweep point (stored, not hashed into the run
    id). Removes a stale error record of the same run.
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
        "written": _now(),
        **result.provenance,
    }
    try:
        with h5py.File(tmp, "w") as fh:
            fh.attrs["schema"] = SCHEMA
            fh.attrs["schema_version"] = SCHEMA_VERSION
            fh.attrs["run_id"] = run_id
            fh.attrs["spec"] = canonical_json(spec.to_dict())
            fh.attrs["provenance"] = json.dumps(provenance, default=str)
            fh.attrs["params"] = json.dumps(params or {}, default=str, sort_keys=True)
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
                    fletcher32=True,
                    chunks=(1, 1, *snaps.shape[2:]),
                )
            write_transitions(fh, transitions_arrays(spec, result.readouts))
            fh.attrs["complete"] = True
            checksum.stamp(fh, data_excluded=_DATA_EXCLUDED)
            fh.flush()
        _fsync(tmp)
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
        "time": _now(),
        "host": socket.gethostname(),
        "spec": spec.to_dict(),
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(json.dumps(record, indent=1, default=str))
    os.replace(tmp, path)
    return path


# ------------------------------------------------------------------------------- reading


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


def _inspect(fh: h5py.File, path: Path) -> tuple[RunSpec, list[str]]:
    """The spec of the open run file ``fh`` and every reason to refuse it (empty: verified).

    Raises :class:`CorruptRunError` for what makes it unreadable even knowingly (not a run
    file, no parsable spec, readouts missing or of the wrong shape)."""
    attrs = fh.attrs
    if _text(attrs.get("schema")) != SCHEMA:
        raise CorruptRunError(f"{path}: schema {attrs.get('schema')!r}, not {SCHEMA!r}")
    problems = []
    version = attrs.get("schema_version")
    if version is not None and int(version) == 1:
        problems.append("schema version 1 (written before content checksums)")
    elif version is None or int(version) != SCHEMA_VERSION:
        problems.append(f"schema version {version!r}, this reader needs {SCHEMA_VERSION}")
    if not bool(attrs.get("complete", False)):
        problems.append("no 'complete' marker (partial write)")
    try:
        spec = RunSpec.from_dict(json.loads(attrs["spec"]))
    except (KeyError, ValueError, TypeError) as exc:
        raise CorruptRunError(f"{path}: no valid spec attribute ({exc})") from None
    if spec.run_id != _text(attrs.get("run_id")) or path.name != f"{spec.run_id}{SUFFIX}":
        problems.append("the file name / run_id attribute is not the hash of its spec")
    shape = (spec.n_realisations, spec.protocol.n_pulses)
    for name in READOUT_FIELDS:
        key = f"readout/{name}"
        if key not in fh or fh[key].shape != shape:
            raise CorruptRunError(f"{path}: dataset {key} missing or not {shape}")
    if version is not None and int(version) >= 2:
        reason = checksum.verify(fh, data_excluded=_DATA_EXCLUDED)
        if reason is not None:
            problems.append(reason)
    problems += _invariant_problems(fh, path, spec)
    return spec, problems


def _invariant_problems(fh: h5py.File, path: Path, spec: RunSpec) -> list[str]:
    """Cross-field checks: the pulse table is the spec's, and ``/transitions`` is the
    transition form of the stored readouts (the compact model reads only the latter)."""
    problems = []
    table = spec.protocol.pulse_table()
    for name, expected in table.items():
        key = f"pulses/{name}"
        got = fh[key][()] if key in fh else None
        if got is None or np.shape(got) != np.shape(expected) or not np.allclose(got, expected):
            problems.append(f"{key} does not match the protocol of its spec")
            break
    readouts = {k: fh["readout"][k][()] for k in ("position", "notch", "resistance")}
    try:
        stored = read_transitions_group(fh, path)
    except ValueError as exc:
        return [*problems, str(exc).removeprefix(f"{path}: ")]
    mismatch = transitions_mismatch(transitions_arrays(spec, readouts), stored)
    if mismatch is not None:
        problems.append(f"{mismatch} does not match the readouts and pulses of the run")
    return problems


def _open_h5(path: Path) -> h5py.File:
    if not path.is_file():
        raise FileNotFoundError(f"run file not found: {path}")
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise CorruptRunError(f"{path}: unreadable HDF5 (truncated or not HDF5): {exc}") from None


def _damaged(path: Path, exc: BaseException) -> CorruptRunError:
    return CorruptRunError(f"{path}: damaged run file ({type(exc).__name__}: {exc})")


def check_run_file(path: str | Path) -> None:
    """Raise :class:`CorruptRunError` (one line: the file and the reason) unless ``path`` is
    a complete run file of this schema whose name is the hash of its stored spec, whose
    content checksum matches and whose cross-field invariants hold (pulses against the spec,
    transitions against readouts and pulses)."""
    path = Path(path)
    fh = _open_h5(path)
    try:
        with fh:
            _, problems = _inspect(fh, path)
    except CorruptRunError:
        raise
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as exc:
        raise _damaged(path, exc) from None
    if problems:
        raise CorruptRunError(f"{path}: {problems[0]}")


def run_status(path: str | Path) -> str:
    """``"complete"``, ``"missing"`` or ``"corrupt: <reason>"`` (the checks of
    :func:`check_run_file`)."""
    try:
        check_run_file(path)
    except FileNotFoundError:
        return "missing"
    except CorruptRunError as exc:
        return f"corrupt: {exc}"
    return "complete"


def open_run(path: str | Path, *, force: bool = False) -> RunRecord:
    """Verify and read a run file: the one reader of run files (``dwmtj fit``, ``plot``,
    batches, the demo, the notebooks).

    Refuses (:class:`CorruptRunError`, one line naming the file and the reason) a partial file,
    a file whose content checksum does not match (tampered or damaged), a file whose name /
    run id is not the hash of its spec, a file whose transitions disagree with its readouts
    and pulses, and a file of another schema version (1: written before checksums). With
    ``force=True`` such a file is read knowingly: a :class:`UnverifiedRunWarning` names the
    reasons and the record's ``problems`` keeps them. A file that cannot be read at all is
    refused even then. Snapshots are not loaded (:func:`read_snapshots`)."""
    path = Path(path)
    fh = _open_h5(path)
    try:
        with fh:
            spec, problems = _inspect(fh, path)
            if problems and not force:
                raise CorruptRunError(f"{path}: {problems[0]}; {FORCE_HINT}")
            if problems:
                warnings.warn(
                    f"{path}: read unverified (--force): {'; '.join(problems)}",
                    UnverifiedRunWarning,
                    stacklevel=2,
                )

            def columns(name: str) -> dict[str, np.ndarray] | None:
                if name not in fh:
                    return None
                return {k: v[()] for k, v in fh[name].items()}

            readouts = columns("readout")
            assert readouts is not None  # _inspect checked every readout
            return RunRecord(
                path=path,
                run_id=str(_text(fh.attrs.get("run_id"))),
                spec=spec,
                readouts=readouts,
                pulses=columns("pulses") or {},
                initial=columns("initial"),
                time_table=columns("time_table"),
                provenance=json.loads(fh.attrs.get("provenance", "{}")),
                has_snapshots="snapshots/m" in fh,
                transitions=read_transitions_group(fh, path),
                params=json.loads(fh.attrs.get("params", "{}")),
                problems=problems,
            )
    except CorruptRunError:
        raise
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as exc:
        raise _damaged(path, exc) from None


def read_run(path: str | Path, *, force: bool = False) -> RunRecord:
    """:func:`open_run` (kept under its older name)."""
    return open_run(path, force=force)


def read_run_transitions(path: str | Path, *, force: bool = False) -> RunTransitions:
    """What the compact model reads from a run file: its ``/transitions`` group and, for a
    full run record, the readings of the wall before each cycle.

    A run record is read through :func:`open_run` (verified; ``force`` as there). A file
    holding only the ``/transitions`` group
    (:func:`physics.experiment.transitions.write_transitions_file`) has its content checksum
    verified. Raises FileNotFoundError for a missing file and ValueError (naming the file)
    for anything unreadable or refused."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input: {path} does not exist")
    try:
        fh = h5py.File(path, "r")
    except OSError as exc:
        raise ValueError(f"{path}: not a readable HDF5 file ({exc})") from None
    with fh:
        is_record = _text(fh.attrs.get("schema")) == SCHEMA
        if not is_record:
            arrays = read_transitions_group(fh, path)
            reason = checksum.verify(fh)
            if reason is not None and not force:
                raise CorruptRunError(f"{path}: {reason}; {FORCE_HINT}")
            if reason is not None:
                warnings.warn(
                    f"{path}: read unverified (--force): {reason}",
                    UnverifiedRunWarning,
                    stacklevel=2,
                )
            return RunTransitions(path, arrays)
    record = open_run(path, force=force)
    if record.initial is None:
        return RunTransitions(path, record.transitions)
    states = notch_states(record.spec, record.initial["position"], record.initial["notch"])
    return RunTransitions(
        path,
        record.transitions,
        initial_resistance_ohm=np.ravel(np.asarray(record.initial["resistance"], dtype=float)),
        initial_state=np.ravel(states),
    )


def read_run_attrs(path: str | Path) -> dict[str, Any]:
    """The spec (dict), run id and sweep parameters stored in a run file, without verifying
    its content (what a batch manifest is rebuilt from). Raises CorruptRunError when they
    cannot be read."""
    path = Path(path)
    try:
        with h5py.File(path, "r") as fh:
            return {
                "run_id": str(_text(fh.attrs["run_id"])),
                "spec": json.loads(fh.attrs["spec"]),
                "params": json.loads(fh.attrs.get("params", "{}")),
            }
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise CorruptRunError(f"{path}: no readable run attributes ({exc})") from None


def upgrade_run_file(path: str | Path) -> Path:
    """Give a schema-1 run file (written before content checksums) a checksum, in place.

    Only a file that passes every other check (complete, name = hash of its spec, readouts,
    pulses and transitions consistent) is upgraded; the SHA-256 of the file as it was is
    recorded in the ``upgraded`` attribute. The rewrite is atomic (copy, stamp, rename)."""
    path = Path(path)
    fh = _open_h5(path)
    with fh:
        _, problems = _inspect(fh, path)
        version = int(fh.attrs.get("schema_version", 0))
    if version != 1:
        raise CorruptRunError(f"{path}: schema version {version}, only version 1 is upgraded")
    problems = [p for p in problems if not p.startswith("schema version 1")]
    if problems:
        raise CorruptRunError(f"{path}: not upgraded: {problems[0]}")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        shutil.copyfile(path, tmp)
        with h5py.File(tmp, "a") as out:
            out.attrs["schema_version"] = SCHEMA_VERSION
            out.attrs["upgraded"] = json.dumps(
                {"from_schema_version": 1, "sha256_before": before, "time": _now()}
            )
            checksum.stamp(out, data_excluded=_DATA_EXCLUDED)
            out.flush()
        _fsync(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read_snapshots(
    path: str | Path, realisation: int | slice = slice(None), pulse: int | slice = slice(None)
) -> np.ndarray:
    """Magnetisation snapshots m (unit vectors) of a verified run (:func:`open_run`'s
    checks), selected by realisation and pulse (HDF5 reads only the selected chunks and checks
    each chunk's Fletcher32 checksum)."""
    check_run_file(path)
    with h5py.File(path, "r") as fh:
        if "snapshots/m" not in fh:
            raise ValueError(f"snapshots: {path} was run without snapshots (snapshots = false)")
        try:
            return fh["snapshots/m"][realisation, pulse]
        except OSError as exc:  # a Fletcher32 mismatch in a chunk
            raise CorruptRunError(f"{path}: damaged snapshots ({exc})") from None


def read_error(out_dir: str | Path, run_id: str) -> dict | None:
    """The error record of a failed run, or None."""
    path = error_path(out_dir, run_id)
    return json.loads(path.read_text()) if path.exists() else None
