"""Validation helpers: every failure is a ValueError that starts with the dotted field name."""

from __future__ import annotations

import math
from numbers import Integral, Real


def number(field: str, value: object) -> float:
    """``value`` as a finite float, or raise naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{field}: must be a number, got {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{field}: must be finite, got {value!r}")
    return out


def positive(field: str, value: object, unit: str) -> float:
    """A finite number > 0 (``unit`` only appears in the message)."""
    out = number(field, value)
    if not out > 0.0:
        raise ValueError(f"{field}: must be > 0 {unit}, got {value!r}")
    return out


def non_negative(field: str, value: object, unit: str) -> float:
    """A finite number >= 0."""
    out = number(field, value)
    if out < 0.0:
        raise ValueError(f"{field}: must be >= 0 {unit}, got {value!r}")
    return out


def integer(field: str, value: object, minimum: int) -> int:
    """An int >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{field}: must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{field}: must be >= {minimum}, got {value}")
    return int(value)


def table(field: str, value: object) -> dict:
    """A dict (a TOML table)."""
    if not isinstance(value, dict):
        raise ValueError(f"{field}: must be a table/dict, got {type(value).__name__}")
    return value


def known_keys(field: str, data: dict, allowed: tuple[str, ...]) -> None:
    """Reject keys that are not in ``allowed`` (typos must not be silently ignored)."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        prefix = f"{field}." if field else ""
        raise ValueError(f"{prefix}{unknown[0]}: unknown key; allowed keys are {list(allowed)}")
