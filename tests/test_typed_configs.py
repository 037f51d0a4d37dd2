"""The typed configs (geometries/validation.py): one-line errors, no NaN/inf, no unknown keys."""

from __future__ import annotations

import dataclasses
import math
import types
import typing

import numpy as np
import pytest
from pydantic import TypeAdapter

from compact.artifact import CompactModel, model_from_dict
from compact.depinning import NotchLaw
from compact.presets import paper_trapezoid_model
from geometries import EdgeRoughness, MTJFootprint, NotchSpec, Track
from geometries.validation import error_line
from nn.analog import CrossbarConfig
from nn.stream import StreamConfig
from nn.train_resnet import TrainConfig
from physics.experiment.protocols import (
    Protocol,
    PulseShape,
    VoltageRamp,
    WallStart,
    voltage_ramp_protocol,
)
from physics.experiment.readout import MTJ
from physics.experiment.spec import RunSpec
from physics.materials import Material
from physics.pulses import FunctionPulse, TrapezoidalPulse

NM = 1e-9

#: one valid object of every config class with float fields
EXAMPLES = [
    MTJFootprint(10 * NM, 50 * NM, -5 * NM, 5 * NM),
    EdgeRoughness(1 * NM, 10 * NM, seed=3),
    NotchSpec(depth=5 * NM, width=10 * NM, count=5, span=(50 * NM, 250 * NM)),
    Track.trapezoid(50 * NM, 100 * NM, 300 * NM),
    Material(),
    TrapezoidalPulse(),
    FunctionPulse(lambda t: 0.5, duration=1e-9),
    PulseShape(),
    VoltageRamp(0.1, 1.0, 5),
    voltage_ramp_protocol(0.1, 1.0, 5),
    MTJ(1e-15, 6e-11, 0.54),
    NotchLaw("normal", {"mu_V": 1.0, "sigma_V": 0.1}, gof_p=0.5),
    TrainConfig(),
    StreamConfig(),
    CrossbarConfig(),
]


def _float_fields(obj: object) -> list[str]:
    """Fields that hold one float (or None, or a tuple as alternative: NotchSpec.depth)."""
    out = []
    for name, info in type(obj).__pydantic_fields__.items():
        ann = info.annotation
        union = typing.get_origin(ann) in (typing.Union, types.UnionType)
        if ann is float or (union and float in typing.get_args(ann)):
            out.append(name)
    return out


@pytest.mark.parametrize("obj", EXAMPLES, ids=lambda o: type(o).__name__)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_no_float_field_accepts_nan_or_inf(obj, bad):
    names = _float_fields(obj)
    assert names, type(obj).__name__
    for name in names:
        with pytest.raises(ValueError, match=rf"(^|\.){name}: must be finite") as info:
            dataclasses.replace(obj, **{name: bad})
        assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "obj", [o for o in EXAMPLES if hasattr(o, "from_dict")], ids=lambda o: type(o).__name__
)
def test_round_trip_and_unknown_keys(obj):
    if isinstance(obj, FunctionPulse):
        return
    data = obj.to_dict()
    if isinstance(obj, TrapezoidalPulse):
        data.pop("shape")
    assert type(obj).from_dict(data) == obj
    label = type(obj).__label__
    with pytest.raises(ValueError, match=rf"^{label}{'.' if label else ''}bogus: unknown key"):
        type(obj).from_dict({**data, "bogus": 1})


def test_errors_are_one_line_with_the_field_path_and_unit():
    cases = [
        (
            lambda: Protocol.from_dict(
                {"ramps": [{"v_start": 0.0, "v_stop": math.nan, "n_steps": 5}]}
            ),
            "protocol.ramps[0].v_stop: must be finite (V), got nan",
        ),
        (lambda: VoltageRamp(0.0, math.nan, 5), "ramp.v_stop: must be finite (V), got nan"),
        (
            lambda: Protocol.from_dict(
                {
                    "kind": "voltage_ramp",
                    "v_start": 0,
                    "v_stop": 1,
                    "n_steps": 3,
                    "pulse": {"rise": -1e-9},
                }
            ),
            "protocol.ramp.pulse.rise: must be >= 0 (s), got -1e-09",
        ),
        (
            lambda: NotchSpec(depth=(1 * NM, -1 * NM), width=10 * NM, count=2),
            "notches.depth[1]: must be positive (m), got -1e-09",
        ),
        (lambda: Material(ku_dispersion=1.5), "ku_dispersion: must be in [0, 1), got 1.5"),
        (lambda: Material(Ms="big"), "Ms: must be a real number (A/m), got 'big'"),
        (
            lambda: WallStart("CLK"),
            "initial_wall.at: must be 'IN' or a notch index >= 0, got 'CLK'",
        ),
        (
            lambda: EdgeRoughness(1 * NM, 10 * NM, seed=1.5),
            "roughness.seed: must be an integer, got 1.5",
        ),
        (
            lambda: Track.from_dict({"kind": "straight", "length": 1e-7, "width": -1e-8}),
            "width: must be positive (m), got -1e-08",
        ),
        (lambda: Track.straight(-5e-8, 3e-7), "width: must be positive (m), got -5e-08"),
    ]
    for build, message in cases:
        with pytest.raises(ValueError) as info:
            build()
        assert str(info.value) == message


def test_more_errors_are_counted_and_misspelt_keys_come_first():
    with pytest.raises(ValueError) as info:
        Material(Ms=-1.0, A=-1.0, Ku=-1.0)
    assert str(info.value) == "Ms: must be positive (A/m), got -1.0 (+2 more errors)"
    with pytest.raises(ValueError, match=r"^protocol\.n_step: unknown key \(allowed: "):
        Protocol.from_dict({"kind": "voltage_ramp", "v_start": 0, "v_stop": 1, "n_step": 4})


def test_dataclass_protocol_is_kept():
    ramp = VoltageRamp(0.0, 1.0, 5)  # positional, as before
    assert dataclasses.replace(ramp, n_steps=3).n_steps == 3
    with pytest.raises(ValueError, match=r"^ramp\.n_steps: must be >= 1"):
        dataclasses.replace(ramp, n_steps=0)  # re-validated
    assert dataclasses.asdict(ramp)["pulse"] == PulseShape().to_dict()
    assert hash(TrainConfig()) == hash(TrainConfig())  # frozen: hashable (lru_cache keys)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ramp.v_stop = 2.0  # type: ignore[misc]


def test_units_are_in_the_schema():
    props = TypeAdapter(Material).json_schema()["properties"]
    assert props["Ms"]["unit"] == "A/m" and "(A/m)" in props["Ms"]["description"]
    assert TypeAdapter(VoltageRamp).json_schema()["properties"]["bias_field"]["unit"] == "T"


def test_run_spec_and_artifact_errors_name_the_section():
    with pytest.raises(ValueError, match=r"^protocol\.ramps\[1\]\.n_steps: must be >= 1"):
        RunSpec.from_dict(
            {
                "geometry": "scaled-straight",
                "protocol": {
                    "ramps": [
                        {"v_start": 0.1, "v_stop": 0.2, "n_steps": 2},
                        {"v_start": 0.1, "v_stop": 0.2, "n_steps": 0},
                    ]
                },
            }
        )
    data = paper_trapezoid_model().to_dict()
    data["network"]["delta"] = -1.0
    with pytest.raises(ValueError, match=r"^model\.json: network\.delta: must be positive"):
        model_from_dict(data, "model.json")
    data["network"]["delta"] = 3.0
    data["forward"][1]["params"]["sigma_V"] = None
    with pytest.raises(ValueError, match=r"forward\[1\]\.params\.sigma_V: must be a real"):
        model_from_dict(data, "model.json")
    assert isinstance(model_from_dict(paper_trapezoid_model().to_dict()), CompactModel)


def test_numpy_scalars_are_accepted():
    assert VoltageRamp(np.float64(0.1), np.float32(0.5), np.int64(3)).n_steps == 3
    assert type(VoltageRamp(np.float64(0.1), 1, 3).v_stop) is float
    with pytest.raises(ValueError, match="must be true or false"):
        StreamConfig(full_data=1)


def test_error_line_of_a_plain_validation_error():
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as info:
        TypeAdapter(VoltageRamp).validate_python({"v_start": 0, "v_stop": 1, "n_steps": "3"})
    assert error_line(info.value, VoltageRamp, "run.ramp") == (
        "run.ramp.n_steps: must be an integer, got '3'"
    )
