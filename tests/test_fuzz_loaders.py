"""Property-based fuzz test of the loaders of user input (issue 16, acceptance): a run spec
(:meth:`RunSpec.from_dict`, run and sweep TOML files), a geometry (:meth:`Track.from_dict` and
geometry TOML files) and a compact-model artifact (:func:`model_from_dict` and JSON files).

Inputs are valid examples with random mutations: a value anywhere in the nested tables
replaced by NaN, +-inf, a huge or tiny number, zero, a negative number, a string, a bool, a
list, a table or null; a key added or removed; and raw text as a file. Every input must give
either a valid object or a ValueError whose message is one line (the loaders' contract:
``<field path>: <reason>``), never another exception type or a multi-line pydantic dump.
Bounded: a fixed number of examples per loader, a deadline per example, well under 30 s.
"""

from __future__ import annotations

import copy
import json
import math
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compact.artifact import load_model, model_from_dict
from compact.presets import paper_trapezoid_model
from geometries.presets import load_preset, read_geometry_file
from geometries.track import Track
from physics.experiment.commands import load_run_spec
from physics.experiment.spec import RunSpec
from physics.experiment.sweep import load_sweep

DATA = Path(__file__).parent / "data"
SPEC = tomllib.loads((DATA / "demo-tiny-straight.toml").read_text())
GEOMETRIES = [load_preset(name).to_dict() for name in ("scaled-straight", "scaled-trapezoid")]
ARTIFACT = paper_trapezoid_model().to_dict()

FUZZ = settings(
    max_examples=120,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)

#: Replacement values: the wrong kinds of number and the wrong types.
SCALARS = st.one_of(
    st.sampled_from(
        [math.nan, math.inf, -math.inf, 1e300, -1e300, 1e-300, 0.0, -1.0, 0, -1, 50, 50.0]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["IN", "jax", "oommf", "straight", "trapezoid", "float32", "", "nan"]),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=4),
    st.dictionaries(st.text(max_size=8), SCALARS, max_size=3),
)
KEYS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["width", "w1", "depth", "dt", "preset", "kind", "at", "cell", "n_levels"]),
)


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    """Every path (keys and list indices) to a value inside nested dicts and lists."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


@st.composite
def mutated(draw: st.DrawFn, base: dict) -> dict:
    """``base`` with 1-3 random mutations (replace a value, add a key, remove a key)."""
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "replace", "add", "remove"]))
        if action == "replace":
            parent[path[-1]] = draw(VALUES)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(KEYS)] = draw(VALUES)
        elif action == "remove" and isinstance(parent, dict):
            del parent[path[-1]]
    return data


def _valid_or_one_line_error(load, data) -> None:
    try:
        load(data)
    except ValueError as exc:  # pydantic's ValidationError is one too: hence the newline check
        text = str(exc)
        assert text and "\n" not in text, f"multi-line message: {text!r}"
        assert "Traceback" not in text and "pydantic" not in text.lower(), text


@FUZZ
@given(mutated(SPEC))
def test_run_spec_loader(data: dict) -> None:
    _valid_or_one_line_error(RunSpec.from_dict, data)


@FUZZ
@given(st.one_of(mutated(GEOMETRIES[0]), mutated(GEOMETRIES[1])))
def test_geometry_loader(data: dict) -> None:
    _valid_or_one_line_error(Track.from_dict, data)


@FUZZ
@given(mutated(ARTIFACT))
def test_artifact_loader(data: dict) -> None:
    _valid_or_one_line_error(model_from_dict, data)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


#: Text of a file: random text, random bytes decoded leniently, or a valid file with a
#: random line inserted.
FILE_TEXT = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
)


@settings(FUZZ, max_examples=60)
@given(text=FILE_TEXT, raw=st.binary(max_size=64))
def test_geometry_and_artifact_files(scratch: Path, text: str, raw: bytes) -> None:
    geometry = scratch / "g.toml"
    artifact = scratch / "m.json"
    for content in (text.encode(), raw):
        geometry.write_bytes(content)
        _valid_or_one_line_error(read_geometry_file, geometry)
        artifact.write_bytes(content)
        _valid_or_one_line_error(load_model, artifact)
    artifact.write_text(json.dumps(ARTIFACT) + text)
    _valid_or_one_line_error(load_model, artifact)


@settings(FUZZ, max_examples=60)
@given(text=FILE_TEXT, raw=st.binary(max_size=64))
def test_run_spec_and_sweep_files(scratch: Path, text: str, raw: bytes) -> None:
    """Run TOMLs (``dwmtj simulate``) and sweep TOMLs (``dwmtj batch``): random text, random
    bytes (not UTF-8 included) and the tiny spec with a random line added."""
    path = scratch / "s.toml"
    valid = (DATA / "demo-tiny-straight.toml").read_text()
    for content in (text.encode(), raw, (valid + "\n" + text).encode()):
        path.write_bytes(content)
        for load in (load_run_spec, load_sweep):
            _valid_or_one_line_error(load, path)
