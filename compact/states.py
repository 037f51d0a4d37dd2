"""The notch states a run actually reached: what a compact model is fitted on.

Used by :func:`compact.workflow.fit_runs` (``dwmtj fit`` and the demo's fit stage).

The run store labels states 0 = IN end, k + 1 = notch k, n + 1 = CLK end (all of the track's
positions). A protocol need not reach the two ends: a trapezoid whose wall starts at its home
notch 0 never reads the IN-end state, and a ramp that stops below the last notch's threshold
never reads the CLK end. Such *edge* states are not levels of the device under this protocol,
so :func:`reached_states` drops them (and relabels the rest from 0). A state *between* reached
states that was never read (the wall always jumped over it) is kept: its level is unknown and
the fit reports it as missing.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from compact.observations import Transitions
from physics.experiment.store import read_run_transitions


def reached_states(
    tr: Transitions, extra_states: np.ndarray | None = None
) -> tuple[Transitions, int]:
    """``tr`` without the unreached edge states, and the offset ``lo`` (old state = new + lo).

    ``extra_states`` are states read without a pulse (the wall before each cycle); they count
    as reached. Raises ValueError when fewer than two states were reached.
    """
    seen = np.concatenate(
        [tr.start_notch, tr.end_notch, np.ravel(extra_states) if extra_states is not None else []]
    )
    lo, hi = int(seen.min()), int(seen.max())
    if hi - lo + 1 < 2:
        raise ValueError(
            f"states: every reading is notch state {lo}; the wall never moved "
            "(raise the ramp's voltages or lengthen the pulses)"
        )
    if lo == 0 and hi == tr.n_states - 1:
        return tr, 0
    positions = None
    if tr.notch_positions_m is not None:
        positions = np.asarray(tr.notch_positions_m)[lo : hi + 1]
    return dataclasses.replace(
        tr,
        start_notch=tr.start_notch - lo,
        end_notch=tr.end_notch - lo,
        n_states=hi - lo + 1,
        notch_positions_m=positions,
    ), lo


def initial_readings(
    paths: list[str | Path], *, force: bool = False
) -> tuple[np.ndarray, np.ndarray] | None:
    """(resistance in ohm, notch state) of the wall before each cycle of the physics run files
    among ``paths`` (the readings that follow no pulse), or None when none has them.

    A run file's ``/transitions`` table starts each cycle from a stored state but keeps only
    the readings after pulses; the initial readings come from the run record
    (:func:`physics.experiment.store.read_run_transitions`, verified; ``force`` as there).
    They give the initial state a conductance level even when every first pulse moves the
    wall. Measured CSV cycles and files holding only the ``/transitions`` group have none.
    """
    r_all, s_all = [], []
    for path in paths:
        if Path(path).suffix.lower() not in (".h5", ".hdf5"):
            continue
        run = read_run_transitions(path, force=force)
        if run.initial_state is None:
            continue
        r_all.append(run.initial_resistance_ohm)
        s_all.append(run.initial_state)
    if not r_all:
        return None
    return np.concatenate(r_all), np.concatenate(s_all)
