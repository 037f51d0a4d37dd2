"""Observations for the compact model: a table of notch-to-notch transitions, one row per pulse.

Every input (measured cycles in a CSV, simulated runs from ``physics``) is turned into a
:class:`Transitions` table with one row per voltage pulse:

==============  ======  =====================================================
column          unit    meaning
==============  ======  =====================================================
cycle           --      index of the cycle (or simulated realisation)
pulse           --      index of the pulse inside its cycle (0, 1, ...)
voltage_V       V       pulse amplitude, signed: > 0 pushes the wall IN -> CLK
pulse_width_s   s       pulse duration
temperature_K   K       device temperature
bias_field_T    T       DC bias field (recorded, not modelled)
start_notch     --      notch state before the pulse
end_notch       --      notch state after the pulse
resistance_ohm  ohm     MTJ resistance read after the pulse (NaN if unknown)
==============  ======  =====================================================

Notch states are numbered from the IN end: state 0 is the most antiparallel (highest R)
state, the highest index is the state nearest CLK (lowest R). The start notch of the first
pulse of a cycle is the cycle's initial state (``initial_notch``, default 0: every cycle
starts from saturation/reset, as in the paper's Figs. 2b and 3b).

Measured cycles (CSV)
---------------------
A header row names the columns, with the unit in the name (:data:`CSV_COLUMNS`):
``cycle, pulse, voltage_V, resistance_ohm`` are required; ``pulse_width_s``,
``temperature_K`` and ``bias_field_T`` are optional, and a missing one takes the paper's
protocol (50 ns, 300 K, 0 T) with a note saying so. Any other column is an error (a misspelt
``pulse_width`` must not be replaced silently by the default). The short names of earlier
versions (``V``, ``R``, ``width``, ``temperature``, ``field``) are still read, with a note
for each. Every value must be finite; resistances must be positive; values outside the
plausible range of their column (:data:`CSV_TYPICAL`: e.g. |V| <= 20 V, so a column in mV
is refused) are errors naming the column, the row and the unit, unless widened with
``DWMTJ_ALLOW_OUT_OF_RANGE=csv.<column>`` (:mod:`geometries.validation`). The notch state of
each reading is found by clustering the resistances into levels (1-D Gaussian mixture from
k-means, number of levels by BIC, or given). Resistances that do not form separated levels
are an error.

Simulated runs
--------------
A physics run file's ``/transitions`` group (its schema, arrays and units:
:mod:`physics.experiment.transitions`, which owns them) is read with
:func:`physics.experiment.store.read_run_transitions` (through
:func:`physics.experiment.store.open_run`, the one reader of run files, which verifies the
file's checksum and invariants and refuses partial, tampered or misnamed files unless
``force``), and turned into a table by :func:`from_run_arrays`.
"""

from __future__ import annotations

import csv
import hashlib
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.cluster.vq import ClusterError, kmeans2
from scipy.stats import norm

from geometries.validation import check_typical
from physics.experiment.store import read_run_transitions
from physics.experiment.transitions import TransitionArrays

#: Defaults of the paper's protocol for optional CSV columns.
DEFAULT_PULSE_WIDTH_S = 50e-9
DEFAULT_TEMPERATURE_K = 300.0
DEFAULT_BIAS_FIELD_T = 0.0

#: The columns of a cycles CSV: name -> (unit, meaning, default; None: required).
CSV_COLUMNS: dict[str, tuple[str, str, float | None]] = {
    "cycle": ("", "cycle index", None),
    "pulse": ("", "pulse index inside its cycle", None),
    "voltage_V": ("V", "pulse amplitude", None),
    "resistance_ohm": ("ohm", "MTJ resistance read after the pulse", None),
    "pulse_width_s": ("s", "pulse width", DEFAULT_PULSE_WIDTH_S),
    "temperature_K": ("K", "device temperature", DEFAULT_TEMPERATURE_K),
    "bias_field_T": ("T", "DC bias field", DEFAULT_BIAS_FIELD_T),
}
#: The short column names of earlier versions, still read (with a note).
LEGACY_CSV_COLUMNS = {
    "V": "voltage_V",
    "R": "resistance_ohm",
    "width": "pulse_width_s",
    "temperature": "temperature_K",
    "field": "bias_field_T",
}
#: Plausible values of the CSV columns (in the column's unit).
CSV_TYPICAL: dict[str, tuple[float, float]] = {
    "voltage_V": (-20.0, 20.0),
    "resistance_ohm": (1.0, 1e9),
    "pulse_width_s": (1e-12, 1e-3),
    "temperature_K": (0.0, 1500.0),
    "bias_field_T": (-1.0, 1.0),
}

#: Adjacent resistance levels must be separated by this many (sigma_i + sigma_j).
LEVEL_SEPARATION = 2.5

COLUMNS = (
    "cycle",
    "pulse",
    "voltage_V",
    "pulse_width_s",
    "temperature_K",
    "bias_field_T",
    "start_notch",
    "end_notch",
    "resistance_ohm",
)


@dataclass(frozen=True)
class ResistanceLevels:
    """Resistance levels of the notch states, ordered from the IN end (descending R)."""

    mean_ohm: np.ndarray
    sigma_ohm: np.ndarray

    @property
    def n_levels(self) -> int:
        return int(self.mean_ohm.size)


@dataclass
class Transitions:
    """Table of pulses and the notch transitions they caused (see module docstring)."""

    cycle: np.ndarray
    pulse: np.ndarray
    voltage_V: np.ndarray
    pulse_width_s: np.ndarray
    temperature_K: np.ndarray
    bias_field_T: np.ndarray
    start_notch: np.ndarray
    end_notch: np.ndarray
    resistance_ohm: np.ndarray
    n_states: int
    notch_positions_m: np.ndarray | None = None
    sources: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = np.asarray(self.cycle).size
        if n == 0:
            raise ValueError("observations: no pulses (empty input)")
        for name in COLUMNS:
            arr = np.asarray(getattr(self, name))
            if arr.shape != (n,):
                raise ValueError(f"{name}: expected shape ({n},), got {arr.shape}")
        for name in ("cycle", "pulse", "start_notch", "end_notch"):
            setattr(self, name, np.asarray(getattr(self, name), dtype=np.int64))
        for name in (
            "voltage_V",
            "pulse_width_s",
            "temperature_K",
            "bias_field_T",
            "resistance_ohm",
        ):
            setattr(self, name, np.asarray(getattr(self, name), dtype=float))
        if self.n_states < 2:
            raise ValueError(f"n_states: need at least 2 notch states, got {self.n_states}")
        for name in ("start_notch", "end_notch"):
            a = getattr(self, name)
            if a.min() < 0 or a.max() >= self.n_states:
                raise ValueError(f"{name}: states must lie in [0, {self.n_states - 1}]")
        if not np.all(np.isfinite(self.voltage_V)):
            raise ValueError("voltage_V: must be finite")
        if np.any(self.pulse_width_s <= 0) or not np.all(np.isfinite(self.pulse_width_s)):
            raise ValueError("pulse_width_s: must be positive and finite")
        if np.any(self.temperature_K <= 0) or not np.all(np.isfinite(self.temperature_K)):
            raise ValueError("temperature_K: must be positive and finite")
        if self.notch_positions_m is not None:
            pos = np.asarray(self.notch_positions_m, dtype=float)
            if pos.shape != (self.n_states,) or np.any(np.diff(pos) <= 0):
                raise ValueError(
                    f"notch_positions_m: need {self.n_states} strictly increasing positions"
                )
            self.notch_positions_m = pos

    def __len__(self) -> int:
        return int(self.cycle.size)

    @property
    def n_cycles(self) -> int:
        return int(np.unique(self.cycle).size)

    def cycles(self) -> dict[str, np.ndarray]:
        """Pivot to padded ``[cycle, pulse]`` arrays (missing pulses: NaN voltage, state -1).

        Returns a dict with ``voltage_V``, ``pulse_width_s``, ``temperature_K`` (float),
        ``state`` (int, state after each pulse), ``resistance_ohm`` and ``initial_state``
        (state before the first pulse of each cycle).
        """
        ids, ci = np.unique(self.cycle, return_inverse=True)
        order = np.lexsort((self.pulse, ci))
        n_c = ids.size
        counts = np.bincount(ci, minlength=n_c)
        n_p = int(counts.max())
        pos = np.empty(len(self), dtype=np.int64)
        # rank of each row inside its cycle, in pulse order
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        pos[order] = np.arange(len(self)) - np.repeat(starts, counts)
        out: dict[str, np.ndarray] = {}
        for name in ("voltage_V", "pulse_width_s", "temperature_K", "resistance_ohm"):
            a = np.full((n_c, n_p), np.nan)
            a[ci, pos] = getattr(self, name)
            out[name] = a
        state = np.full((n_c, n_p), -1, dtype=np.int64)
        state[ci, pos] = self.end_notch
        out["state"] = state
        first = order[starts]
        out["initial_state"] = self.start_notch[first]
        return out

    @classmethod
    def concatenate(cls, tables: list[Transitions]) -> Transitions:
        """Join tables (cycles renumbered so that they stay distinct)."""
        if not tables:
            raise ValueError("observations: no input tables")
        n_states = tables[0].n_states
        for t in tables[1:]:
            if t.n_states != n_states:
                raise ValueError(
                    f"n_states: inputs disagree on the number of notch states "
                    f"({n_states} vs {t.n_states})"
                )
        offset = 0
        cols: dict[str, list[np.ndarray]] = {c: [] for c in COLUMNS}
        for t in tables:
            for c in COLUMNS:
                v = getattr(t, c)
                cols[c].append(v + offset if c == "cycle" else v)
            offset += int(t.cycle.max()) + 1
        pos = tables[0].notch_positions_m
        sources = [s for t in tables for s in t.sources]
        return cls(
            **{c: np.concatenate(v) for c, v in cols.items()},
            n_states=n_states,
            notch_positions_m=pos,
            sources=sources,
        )


def file_provenance(path: str | Path) -> dict:
    """``{"path": ..., "sha256": ...}`` of an input file."""
    p = Path(path)
    return {"path": str(p), "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}


def _mixture_bic(r: np.ndarray, labels: np.ndarray, k: int, floor: float) -> float:
    means = np.array([r[labels == j].mean() for j in range(k)])
    sig = np.array([max(r[labels == j].std(), floor) for j in range(k)])
    w = np.bincount(labels, minlength=k) / r.size
    dens = (w * norm.pdf(r[:, None], means, sig)).sum(axis=1)
    ll = np.sum(np.log(np.maximum(dens, 1e-300)))
    return -2.0 * ll + (3 * k - 1) * np.log(r.size)


def _kmeans_1d(r: np.ndarray, k: int) -> np.ndarray:
    """k-means labels for 1-D data, initialised at quantiles (deterministic)."""
    init = np.quantile(r, (np.arange(k) + 0.5) / k)[:, None]
    _, labels = kmeans2(r[:, None], init, minit="matrix", iter=50, missing="raise")
    return labels


def cluster_resistance_levels(
    resistance_ohm: np.ndarray, n_levels: int | None = None, max_levels: int = 12
) -> tuple[ResistanceLevels, np.ndarray]:
    """Group resistance readings into notch levels.

    The number of levels is chosen by BIC of a 1-D Gaussian mixture built from k-means
    clusters (or given as ``n_levels``). Levels are returned in descending resistance (notch
    state 0 = highest R, the IN end). Raises ``ValueError`` if the readings do not form at
    least two levels separated by ``LEVEL_SEPARATION * (sigma_i + sigma_j)``.

    Returns the levels and the state index of every reading.
    """
    r = np.asarray(resistance_ohm, dtype=float)
    if r.size == 0:
        raise ValueError("resistance_ohm: no resistance readings")
    if not np.all(np.isfinite(r)) or np.any(r <= 0):
        raise ValueError("resistance_ohm: resistances must be positive and finite")
    n_unique = np.unique(r).size
    if n_levels is not None:
        if n_levels < 2 or n_levels > n_unique:
            raise ValueError(f"n_levels: {n_levels} not possible with {n_unique} distinct R values")
        candidates = [n_levels]
    else:
        candidates = list(range(1, min(max_levels, n_unique) + 1))
    floor = max(1e-6 * float(np.ptp(r)), 1e-12 * float(np.abs(r).max()))
    best = None
    for k in candidates:
        try:
            labels = _kmeans_1d(r, k) if k > 1 else np.zeros(r.size, dtype=int)
        except ClusterError:  # an empty cluster: k is more levels than the data hold
            continue
        if np.unique(labels).size < k:
            continue
        bic = _mixture_bic(r, labels, k, floor)
        if best is None or bic < best[0]:
            best = (bic, k, labels)
    if best is None:
        raise ValueError("resistance_ohm: could not cluster the resistances into levels")
    _, k, labels = best
    if k < 2:
        raise ValueError(
            "resistance_ohm: the resistances form a single level "
            "(no switching between notch states)"
        )
    means = np.array([r[labels == j].mean() for j in range(k)])
    sig = np.array(
        [r[labels == j].std(ddof=1) if np.sum(labels == j) > 1 else 0.0 for j in range(k)]
    )
    order = np.argsort(-means)
    means, sig = means[order], sig[order]
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    states = rank[labels]
    gaps = -np.diff(means)
    widths = LEVEL_SEPARATION * (sig[:-1] + sig[1:])
    bad = np.nonzero(gaps <= widths)[0]
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            "resistance_ohm: values do not form separated levels: "
            f"levels {means[i]:.4g} +- {sig[i]:.2g} "
            f"and {means[i + 1]:.4g} +- {sig[i + 1]:.2g} ohm are closer than "
            f"{LEVEL_SEPARATION} x (sum of spreads)"
        )
    return ResistanceLevels(mean_ohm=means, sigma_ohm=sig), states


def _start_states(
    cycle: np.ndarray, pulse: np.ndarray, end: np.ndarray, initial: np.ndarray
) -> np.ndarray:
    """State before each pulse: the previous pulse's end state, or the cycle's initial state."""
    order = np.lexsort((pulse, cycle))
    start = np.empty_like(end)
    c_sorted = cycle[order]
    prev = np.concatenate([[-1], end[order][:-1]])
    first = np.concatenate([[True], c_sorted[1:] != c_sorted[:-1]])
    start_sorted = np.where(first, initial[order], prev)
    start[order] = start_sorted
    return start


def _stderr_note(text: str) -> None:
    print(f"note: {text}", file=sys.stderr)


def _csv_header(p: Path, header: list[str], note: Callable[[str], None]) -> dict[str, str]:
    """Canonical column name -> the header's name, checked (module docstring)."""
    required = [c for c, (_, _, default) in CSV_COLUMNS.items() if default is None]
    optional = [c for c in CSV_COLUMNS if c not in required]
    allowed = f"required {', '.join(required)}; optional {', '.join(optional)}"
    found: dict[str, str] = {}
    for name in header:
        canonical = LEGACY_CSV_COLUMNS.get(name, name)
        if canonical not in CSV_COLUMNS:
            raise ValueError(f"{p}: unknown column {name!r} (columns: {allowed})")
        if canonical in found:
            raise ValueError(
                f"{p}: column {canonical!r} given twice (as {found[canonical]!r} and {name!r})"
            )
        found[canonical] = name
        if name != canonical:
            unit = CSV_COLUMNS[canonical][0]
            note(f"{p.name}: column {name!r} read as {canonical} ({unit}); rename it")
    missing = [c for c in required if c not in found]
    if missing:
        raise ValueError(f"{p}: missing column(s) {missing}; required {required}")
    return found


def read_cycles_csv(
    path: str | Path,
    n_levels: int | None = None,
    initial_notch: int = 0,
    notes: Callable[[str], None] | None = None,
) -> tuple[Transitions, ResistanceLevels]:
    """Read measured pulse/resistance cycles (see module docstring) into transitions.

    ``notes`` receives one line per default or legacy column name applied (None: printed
    to stderr as ``note: ...``). Raises ValueError (one line naming the file, the column and
    the row) for an unknown, missing or duplicated column, a non-numeric or non-finite value,
    a resistance <= 0 or a value outside its column's plausible range.
    Returns the transition table and the resistance levels found by clustering.
    """
    note = notes or _stderr_note
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"input: {p} does not exist")
    with p.open(newline="") as fh:
        reader = csv.reader(fh)
        raw = next(reader, None)
        rows = [row for row in reader if row]
    header = [h.strip() for h in (raw or [])]
    if not header:
        raise ValueError(f"{p}: empty file (no header)")
    names = _csv_header(p, header, note)
    if not rows:
        raise ValueError(f"{p}: no data rows")
    for k, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f"{p}: row {k + 2} has {len(row)} values for {len(header)} columns")

    def column(name: str) -> np.ndarray:
        unit, what, default = CSV_COLUMNS[name]
        if name not in names:
            note(
                f"{p.name}: no {name} column; every pulse taken at {default:g} {unit} "
                "(the paper's protocol)"
            )
            return np.full(len(rows), default, dtype=float)
        index = header.index(names[name])
        values = np.empty(len(rows))
        for k, row in enumerate(rows):
            text = row[index].strip()
            try:
                values[k] = float(text)
            except ValueError:
                raise ValueError(f"{p}: {name}: row {k + 2}: {text!r} is not a number") from None
            if not math.isfinite(values[k]):
                raise ValueError(f"{p}: {name}: row {k + 2}: {text!r} is not finite")
        if name == "resistance_ohm" and np.any(values <= 0):
            k = int(np.argmax(values <= 0))
            raise ValueError(
                f"{p}: resistance_ohm: row {k + 2}: {values[k]:g} ohm; resistances must be positive"
            )
        if name in CSV_TYPICAL:
            typical = CSV_TYPICAL[name]
            outside = (values < typical[0]) | (values > typical[1])
            if np.any(outside):
                k = int(np.argmax(outside))
                try:
                    check_typical(
                        values[k], name=f"csv.{name}", what=what, unit=unit, typical=typical
                    )
                except ValueError as exc:
                    raise ValueError(f"{p}: {name}: row {k + 2}: {exc}") from None
        return values

    cyc, pul = column("cycle"), column("pulse")
    if np.any(cyc != np.round(cyc)) or np.any(pul != np.round(pul)):
        raise ValueError(f"{p}: columns 'cycle' and 'pulse' must be integers")
    if np.any(cyc < 0) or np.any(pul < 0):
        raise ValueError(f"{p}: columns 'cycle' and 'pulse' must be >= 0")
    cyc, pul = cyc.astype(np.int64), pul.astype(np.int64)
    key = cyc * (pul.max() + 1) + pul
    if np.unique(key).size != key.size:
        raise ValueError(f"{p}: duplicate (cycle, pulse) rows")
    voltage, resistance = column("voltage_V"), column("resistance_ohm")
    width, temperature = column("pulse_width_s"), column("temperature_K")
    bias = column("bias_field_T")
    try:
        levels, states = cluster_resistance_levels(resistance, n_levels)
    except ValueError as exc:
        raise ValueError(f"{p}: {exc}") from None
    if not 0 <= initial_notch < levels.n_levels:
        raise ValueError(f"initial_notch: must be in [0, {levels.n_levels - 1}]")
    start = _start_states(cyc, pul, states, np.full(cyc.size, initial_notch))
    table = Transitions(
        cycle=cyc,
        pulse=pul,
        voltage_V=voltage,
        pulse_width_s=width,
        temperature_K=temperature,
        bias_field_T=bias,
        start_notch=start,
        end_notch=states,
        resistance_ohm=resistance,
        n_states=levels.n_levels,
        sources=[file_provenance(p)],
    )
    return table, levels


def from_run_arrays(run: TransitionArrays, sources: list[dict] | None = None) -> Transitions:
    """Turn the transition arrays of a simulated run (shapes and units:
    :mod:`physics.experiment.transitions`) into a transition table."""
    v = np.asarray(run.voltage_V, dtype=float)
    idx = np.asarray(run.notch_index)
    res = np.asarray(run.resistance_ohm, dtype=float)
    if v.ndim != 1 or v.size == 0:
        raise ValueError("voltage_V: need a non-empty 1-D array of pulse amplitudes")
    if idx.ndim != 2 or idx.shape[1] != v.size or idx.shape[0] == 0:
        raise ValueError(f"notch_index: expected shape (n_realisations, {v.size}), got {idx.shape}")
    if res.shape != idx.shape:
        raise ValueError(f"resistance_ohm: expected shape {idx.shape}, got {res.shape}")
    if not np.issubdtype(idx.dtype, np.integer):
        raise ValueError("notch_index: must be integers")
    n_r, n_p = idx.shape
    init = np.broadcast_to(np.asarray(run.initial_notch, dtype=np.int64), (n_r,))
    n_states = run.n_states
    if n_states is None:
        n_states = int(max(idx.max(), init.max())) + 1
        if run.notch_positions_m is not None:
            n_states = max(n_states, np.asarray(run.notch_positions_m).size)

    def per_pulse(x: float | np.ndarray, name: str) -> np.ndarray:
        a = np.asarray(x, dtype=float)
        if a.ndim == 0:
            return np.full(n_p, float(a))
        if a.shape != (n_p,):
            raise ValueError(f"{name}: expected a scalar or shape ({n_p},), got {a.shape}")
        return a

    width = per_pulse(run.pulse_width_s, "pulse_width_s")
    fld = per_pulse(run.bias_field_T, "bias_field_T")
    temp = per_pulse(run.temperature_K, "temperature_K")
    start = np.concatenate([init[:, None], idx[:, :-1]], axis=1)
    tile = lambda a: np.tile(a, n_r)  # noqa: E731
    return Transitions(
        cycle=np.repeat(np.arange(n_r), n_p),
        pulse=tile(np.arange(n_p)),
        voltage_V=tile(v),
        pulse_width_s=tile(width),
        temperature_K=tile(temp),
        bias_field_T=tile(fld),
        start_notch=start.ravel(),
        end_notch=idx.ravel(),
        resistance_ohm=res.ravel(),
        n_states=n_states,
        notch_positions_m=run.notch_positions_m,
        sources=sources or [],
    )


def read_run_hdf5(path: str | Path, *, force: bool = False) -> Transitions:
    """The transition table of a physics run file (its ``/transitions`` group), verified
    (``force``: read a file that fails its checks knowingly, with a warning)."""
    run = read_run_transitions(path, force=force)
    return from_run_arrays(run.arrays, sources=[file_provenance(run.path)])


def load_observations(
    paths: list[str | Path],
    n_levels: int | None = None,
    notes: Callable[[str], None] | None = None,
    *,
    force: bool = False,
) -> tuple[Transitions, ResistanceLevels | None]:
    """Read every input (``.csv`` measured cycles, ``.h5``/``.hdf5`` run files) into one table.

    Returns the joined table and, for CSV input, the clustered resistance levels (``None``
    for runs, whose notch index is stored). CSVs are clustered jointly so that all inputs
    share one set of levels. ``force``: read run files that fail their checks (partial,
    tampered, misnamed) knowingly, with a warning.
    """
    if not paths:
        raise ValueError("input: no input files given")
    csvs = [Path(p) for p in paths if Path(p).suffix.lower() == ".csv"]
    runs = [Path(p) for p in paths if Path(p).suffix.lower() in (".h5", ".hdf5")]
    other = [str(p) for p in paths if Path(p).suffix.lower() not in (".csv", ".h5", ".hdf5")]
    if other:
        raise ValueError(f"input: unknown file type(s) {other}; expected .csv, .h5 or .hdf5")
    if csvs and runs:
        raise ValueError("input: mix of measured CSV cycles and run files; fit them separately")
    if runs:
        return Transitions.concatenate([read_run_hdf5(p, force=force) for p in runs]), None
    if len(csvs) == 1:
        return read_cycles_csv(csvs[0], n_levels, notes=notes)
    # several CSVs: cluster all readings together so that notch indices agree
    tables = [read_cycles_csv(p, n_levels, notes=notes)[0] for p in csvs]
    joined = Transitions.concatenate(tables)
    levels, states = cluster_resistance_levels(joined.resistance_ohm, n_levels)
    joined.end_notch = states
    joined.n_states = levels.n_levels
    init = np.zeros(len(joined), dtype=np.int64)
    joined.start_notch = _start_states(joined.cycle, joined.pulse, states, init)
    return joined, levels
