"""Sweep specifications (TOML): geometry parameters x protocol parameters x seeds -> runs.

A sweep file has a ``[run]`` table (one run in :meth:`RunSpec.from_dict`'s input form), a
``[sweep]`` table mapping dotted paths into ``[run]`` to lists of values (their Cartesian
product is taken), and ``seeds`` (a list, or a count starting at 0)::

    name = "trapezoid-depth"
    seeds = 3                                   # or [0, 1, 2]

    [run]
    geometry = "scaled-trapezoid"
    n_realisations = 16
    calculator = {name = "jax"}

    [run.protocol]
    kind = "voltage_ramp"
    v_start = 0.2
    v_stop = 2.0
    n_steps = 10
    n_cycles = 10
    temperature = 300.0
    settle_time = 2e-9
    pulse = {width = 3e-9, rise = 0.5e-9, fall = 0.5e-9}

    [sweep]
    "geometry.notches.depth" = [4e-9, 6e-9]     # preset + override
    "protocol.temperature" = [0.0, 300.0]
    "geometry" = ["scaled-trapezoid", "scaled-straight"]   # whole values work too

Shorter paths are applied before longer ones, so ``geometry`` picks the preset and
``geometry.notches.depth`` then overrides it. Every point is validated before anything runs;
an error names the sweep point and the field.
"""

from __future__ import annotations

import copy
import itertools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from physics.experiment._checks import integer, known_keys, table
from physics.experiment.spec import RunSpec

_KEYS = ("name", "run", "sweep", "seeds")


@dataclass(frozen=True)
class SweepPoint:
    """One run of a sweep: the swept values (``params``, dotted path -> value, plus
    ``seed``) and the validated :class:`RunSpec`."""

    params: dict
    spec: RunSpec


def set_path(data: dict, path: str, value: Any) -> None:
    """Set ``data[a][b][c] = value`` for ``path = "a.b.c"`` (creating tables; a preset name
    given as a string becomes ``{"preset": name}`` when a path goes inside it)."""
    keys = path.split(".")
    if not all(keys):
        raise ValueError(f"sweep.{path}: empty component in the dotted path")
    node = data
    for depth, key in enumerate(keys[:-1]):
        child = node.get(key)
        if child is None:
            child = node[key] = {}
        elif isinstance(child, str):
            child = node[key] = {"preset": child}
        elif not isinstance(child, dict):
            inner = ".".join(keys[: depth + 1])
            raise ValueError(f"sweep.{path}: {inner} is a value, not a table")
        node = child
    node[keys[-1]] = copy.deepcopy(value)


def expand_sweep(data: dict) -> list[SweepPoint]:
    """All runs of a sweep (see the module docstring), validated, duplicates removed."""
    table("sweep file", data)
    known_keys("", data, _KEYS)
    if "run" not in data:
        raise ValueError("run: missing (the base run table)")
    base = table("run", data["run"])
    axes = table("sweep", data.get("sweep", {}))
    for path, values in axes.items():
        if not isinstance(values, list) or not values:
            raise ValueError(f"sweep.{path}: must be a non-empty list of values")
    seeds_value = data.get("seeds", [base.get("seed", 0)])
    if isinstance(seeds_value, list):
        if not seeds_value:
            raise ValueError("seeds: must not be empty")
        seeds = [integer(f"seeds[{k}]", s, 0) for k, s in enumerate(seeds_value)]
    else:
        seeds = list(range(integer("seeds", seeds_value, 1)))
    if "seed" in axes:
        raise ValueError("sweep.seed: give the seeds with the top-level 'seeds' key")
    paths = sorted(axes, key=lambda p: (p.count("."), p))
    points: list[SweepPoint] = []
    seen: set[str] = set()
    for values in itertools.product(*(axes[p] for p in paths)):
        for seed in seeds:
            params = dict(zip(paths, values, strict=True))
            run = copy.deepcopy(base)
            for path, value in params.items():
                set_path(run, path, value)
            run["seed"] = seed
            params["seed"] = seed
            try:
                spec = RunSpec.from_dict(run)
            except ValueError as exc:
                label = ", ".join(f"{k}={v!r}" for k, v in params.items())
                raise ValueError(f"sweep point ({label}): {exc}") from None
            if spec.run_id not in seen:
                seen.add(spec.run_id)
                points.append(SweepPoint(params=params, spec=spec))
    return points


def load_sweep(path: str | Path) -> list[SweepPoint]:
    """Read and expand a sweep TOML file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"sweep file not found: {path}")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from None
    try:
        return expand_sweep(data)
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from None
