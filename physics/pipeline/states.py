"""The notch states a run reached: moved to :mod:`compact.states` (shared with ``dwmtj fit``)."""

from compact.states import reached_states

__all__ = ["reached_states"]
