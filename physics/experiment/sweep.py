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
from typing import Annotated, Any

from pydantic import Field

from geometries.validation import Int, TypedConfig, config_dataclass, load
from physics.experiment.spec import RunSpec

_Seed = Annotated[Int, Field(ge=0)]


@config_dataclass
class SweepFile(TypedConfig):
    """The body of a sweep TOML file (see the module docstring)."""

    run: dict[str, Any] = Field(description="one run in RunSpec.from_dict's input form")
    name: str = Field("", description="label of the sweep")
    sweep: dict[str, Annotated[list[Any], Field(min_length=1)]] = Field(
        default_factory=dict, description="dotted path into [run] -> list of values"
    )
    seeds: Annotated[list[_Seed], Field(min_length=1)] | Annotated[Int, Field(ge=1)] | None = Field(
        None, description="list of seeds, or a count starting at 0 (default: run.seed)"
    )


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
    sweep_file = load(SweepFile, data)
    base, axes = sweep_file.run, sweep_file.sweep
    seeds_value = sweep_file.seeds
    if seeds_value is None:
        seeds = [base.get("seed", 0)]
    elif isinstance(seeds_value, list):
        seeds = seeds_value
    else:
        seeds = list(range(seeds_value))
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
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from None
    try:
        return expand_sweep(data)
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from None
