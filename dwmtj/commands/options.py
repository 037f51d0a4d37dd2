"""Parsers of option values shared by several subcommands (``dwmtj infer``, ``dwmtj demo``).

Each raises ValueError naming the option it was given.
"""

from __future__ import annotations

#: Signed weight precisions the analog mapping supports (bits).
MAX_BITS = 24


def parse_bits(text: str, option: str = "--bits") -> list[int]:
    """``"2-8"`` -> [2, ..., 8]; ``"2,4,6"`` -> [2, 4, 6]; ``"5"`` -> [5] (sorted, unique)."""
    bits: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                lo, hi = (int(v) for v in part.split("-"))
                bits.extend(range(lo, hi + 1))
            elif part:
                bits.append(int(part))
    except ValueError:
        raise ValueError(f"{option}: cannot parse {text!r}; use e.g. 2-8 or 2,4,6") from None
    if not bits or any(b < 1 or b > MAX_BITS for b in bits):
        raise ValueError(f"{option}: need integers in 1..{MAX_BITS}, got {text!r}")
    return sorted(set(bits))


def parse_non_negative_floats(text: str, option: str) -> list[float]:
    """``"0,1,10"`` -> [0.0, 1.0, 10.0]; every value must be >= 0."""
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"{option}: cannot parse {text!r} as comma-separated numbers") from None
    if not values or any(v < 0 for v in values):
        raise ValueError(f"{option}: need non-negative numbers, got {text!r}")
    return values
