"""compact.states.reached_states: unreached edge states are dropped, gaps are kept."""

from __future__ import annotations

import numpy as np
import pytest

from compact.observations import Transitions
from compact.states import reached_states


def _table(start: list[int], end: list[int], n_states: int = 5) -> Transitions:
    n = len(start)
    return Transitions(
        cycle=np.zeros(n),
        pulse=np.arange(n),
        voltage_V=np.linspace(0.1, 0.5, n),
        pulse_width_s=np.full(n, 1.5e-9),
        temperature_K=np.full(n, 300.0),
        bias_field_T=np.zeros(n),
        start_notch=start,
        end_notch=end,
        resistance_ohm=np.linspace(7e3, 5e3, n),
        n_states=n_states,
        notch_positions_m=np.linspace(0, 200e-9, n_states),
    )


def test_wall_from_the_home_notch_drops_the_in_end_and_relabels() -> None:
    tr = _table(start=[1, 1, 2], end=[1, 2, 3])  # states 0 (IN) and 4 (CLK) never read
    kept, first = reached_states(tr)
    assert first == 1 and kept.n_states == 3
    assert kept.start_notch.tolist() == [0, 0, 1] and kept.end_notch.tolist() == [0, 1, 2]
    assert kept.notch_positions_m == pytest.approx(tr.notch_positions_m[1:4])


def test_readings_before_the_cycle_count_and_a_skipped_middle_state_stays() -> None:
    tr = _table(start=[0, 2], end=[2, 4])  # state 1 jumped over: its level stays unknown
    kept, first = reached_states(tr, extra_states=np.array([0, 0]))
    assert first == 0 and kept.n_states == 5 and kept is tr


def test_a_wall_that_never_moved_is_refused() -> None:
    with pytest.raises(ValueError, match="never moved"):
        reached_states(_table(start=[1, 1], end=[1, 1]))
