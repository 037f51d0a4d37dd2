"""Parsers of option values shared by the subcommands.

Two kinds:

* ``argparse`` types (:func:`finite_float`, :func:`positive_float`,
  :func:`non_negative_float`, :func:`positive_int`, :func:`non_negative_int`,
  :func:`output_folder`): given as ``type=`` to ``add_argument``, they raise
  ``argparse.ArgumentTypeError`` with the reason, and the parser names the option
  (``dwmtj infer: error: --batch-size: must be an integer >= 1, got '0'``). Every float
  option rejects NaN and +-inf.
* list parsers (:func:`parse_bits`, :func:`parse_non_negative_floats`) called by the handlers,
  which raise ValueError naming the option they were given.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

#: Signed weight precisions the analog mapping supports (bits).
MAX_BITS = 24


def _float(text: str) -> float:
    """``text`` as a finite float, else ArgumentTypeError (NaN and +-inf are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def finite_float(text: str) -> float:
    """argparse type: any finite number (NaN and +-inf refused); unit as the option's."""
    return _float(text)


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0; unit as the option's."""
    value = _float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    """argparse type: a finite number >= 0; unit as the option's."""
    value = _float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (counts, sizes)."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0 (seeds, optional counts)."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return value


def output_folder(text: str) -> Path:
    """argparse type: a folder to write into; refused when it, or the nearest existing folder
    above it, is an existing file (instead of a FileExistsError when the command writes)."""
    path = Path(text)
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        where = "is" if probe == path else f"is inside {probe}, which is"
        raise argparse.ArgumentTypeError(f"{text} {where} an existing file, not a folder")
    return path


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
    """``"0,1,10"`` -> [0.0, 1.0, 10.0]; every value must be finite and >= 0."""
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"{option}: cannot parse {text!r} as comma-separated numbers") from None
    if not values or any(not math.isfinite(v) or v < 0 for v in values):
        raise ValueError(f"{option}: need finite non-negative numbers, got {text!r}")
    return values
