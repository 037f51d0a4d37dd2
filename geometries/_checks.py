"""Small validation helpers shared by the geometry config objects.

Every check raises :class:`ValueError` whose message starts with the dotted name of the
offending field (e.g. ``notches.depth``) followed by the reason, so that a user can find the
bad entry in a TOML file or a keyword argument at once.
"""

from __future__ import annotations

import math
from numbers import Real


def nm(value_m: float) -> str:
    """Format a length in metres as nanometres for error messages."""
    return f"{value_m * 1e9:.4g} nm"


def positive_length(field: str, value: object) -> float:
    """Return ``value`` as a float after checking it is a finite length > 0 (metres)."""
    number = real_number(field, value)
    if not number > 0.0:
        raise ValueError(f"{field}: must be a positive length in metres, got {value!r}")
    return number


def non_negative_length(field: str, value: object) -> float:
    """Return ``value`` as a float after checking it is a finite length >= 0 (metres)."""
    number = real_number(field, value)
    if number < 0.0:
        raise ValueError(f"{field}: must be >= 0 (metres), got {value!r}")
    return number


def real_number(field: str, value: object) -> float:
    """Return ``value`` as a finite float, or raise naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{field}: must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{field}: must be finite, got {value!r}")
    return number


def integer(field: str, value: object, minimum: int) -> int:
    """Return ``value`` as an int >= ``minimum``, or raise naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field}: must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{field}: must be >= {minimum}, got {value}")
    return int(value)


def choice(field: str, value: object, allowed: tuple[str, ...]) -> str:
    """Return ``value`` after checking it is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{field}: must be one of {list(allowed)}, got {value!r}")
    return str(value)


def reject_unknown_keys(where: str, data: dict, allowed: tuple[str, ...]) -> None:
    """Raise if ``data`` holds keys that the config object does not know."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        prefix = f"{where}." if where else ""
        raise ValueError(
            f"{prefix}{unknown[0]}: unknown key (allowed: {', '.join(allowed)})"
        )
