"""Protocols as data: validation naming the field, pulse tables, JSON/TOML round trips."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest

from physics.experiment.protocols import (
    Protocol,
    PulseShape,
    VoltageRamp,
    voltage_ramp_protocol,
    write_reset_protocol,
)


def test_paper_defaults_and_pulse_shape():
    p = PulseShape()
    assert (p.width, p.rise, p.fall) == (50e-9, 10e-9, 10e-9)
    assert p.plateau == pytest.approx(40e-9) and p.duration == pytest.approx(60e-9)
    t = np.array([0.0, 5e-9, 10e-9, 30e-9, 50e-9, 55e-9, 60e-9, 70e-9])
    np.testing.assert_allclose(p.voltage(t, 2.0), [0, 1, 2, 2, 2, 1, 0, 0])
    # FWHM: the time above half amplitude equals the width
    tt = np.linspace(0, 80e-9, 80001)
    above = (p.voltage(tt, 1.0) >= 0.5).sum() * (tt[1] - tt[0])
    assert above == pytest.approx(50e-9, rel=1e-3)


def test_voltage_ramp_pulse_table():
    proto = voltage_ramp_protocol(
        0.5,
        3.5,
        7,
        n_cycles=3,
        temperature=300.0,
        pulse=PulseShape(3e-9, 0.5e-9, 0.5e-9),
        settle_time=2e-9,
    )
    table = proto.pulse_table()
    assert proto.n_pulses == 21 and table["voltage"].shape == (21,)
    np.testing.assert_allclose(table["voltage"][:7], np.linspace(0.5, 3.5, 7))
    np.testing.assert_array_equal(table["cycle"], np.repeat([0, 1, 2], 7))
    np.testing.assert_allclose(table["bias_field"], -4e-3)
    # each step lasts pulse duration (3.5 ns) + settle (2 ns)
    np.testing.assert_allclose(np.diff(table["t_start"][:7]), 5.5e-9)
    np.testing.assert_allclose(table["t_readout"] - table["t_start"], 5.5e-9)
    np.testing.assert_allclose(table["pulse_width"], 3e-9)
    assert all(proto.reinitialise_before(c) for c in range(3))


def test_write_reset_cycle():
    proto = write_reset_protocol((0.5, 4.0), 8, (-0.5, -4.0), 8, n_cycles=3)
    assert proto.kind == "write_reset" and proto.pulses_per_cycle == 16
    table = proto.pulse_table()
    write = table["ramp"] == 0
    np.testing.assert_allclose(table["bias_field"][write], -4e-3)
    np.testing.assert_allclose(table["bias_field"][~write], -42e-3)
    assert np.all(table["voltage"][write] > 0) and np.all(table["voltage"][~write] < 0)
    assert proto.reinitialise_before(0) and not proto.reinitialise_before(1)
    assert proto.ramps[1].bias_h == pytest.approx(-42e-3 / (4e-7 * np.pi))
    with pytest.raises(ValueError, match="protocol.reset"):
        write_reset_protocol((0.5, 4.0), 8, (0.5, 4.0), 8)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: VoltageRamp(0.0, 1.0, 0), "ramp.n_steps"),
        (lambda: VoltageRamp(0.0, 1.0, 2.5), "ramp.n_steps"),
        (lambda: VoltageRamp(0.0, 1.0, 1), "ramp.n_steps"),
        (lambda: VoltageRamp(0.0, 1.0, 5, settle_time=5e-9), "ramp.settle_time"),
        (lambda: VoltageRamp(0.0, float("nan"), 5), "ramp.v_stop"),
        (lambda: PulseShape(width=5e-9, rise=10e-9, fall=10e-9), "pulse.width"),
        (lambda: PulseShape(rise=-1e-9), "pulse.rise"),
        (lambda: voltage_ramp_protocol(0, 1, 3, temperature=-1.0), "protocol.temperature"),
        (lambda: voltage_ramp_protocol(0, 1, 3, n_cycles=0), "protocol.n_cycles"),
        (lambda: voltage_ramp_protocol(0, 1, 3, initial_wall="CLK"), "initial_wall.at"),
        (lambda: Protocol(ramps=()), "protocol.ramps"),
        (
            lambda: Protocol.from_dict(
                {"kind": "voltage_ramp", "v_start": 0, "v_stop": 1, "n_steps": 0}
            ),
            "protocol.ramp.n_steps",
        ),
        (
            lambda: Protocol.from_dict(
                {"kind": "voltage_ramp", "v_start": 0, "v_stop": 1, "n_step": 4}
            ),
            "protocol.n_step",
        ),
        (
            lambda: Protocol.from_dict(
                {"kind": "write_reset", "write": {"v_start": 0, "v_stop": 1, "n_steps": 2}}
            ),
            "protocol.reset",
        ),
        (
            lambda: Protocol.from_dict(
                {"ramps": [{"v_start": 0, "v_stop": 1, "n_steps": 2, "settle_time": 1e-9}]}
            ),
            "protocol.ramps[0].settle_time",
        ),
    ],
)
def test_bad_protocols_name_the_field(build, field):
    with pytest.raises(ValueError, match=field.replace("[", r"\[").replace("]", r"\]")):
        build()


def test_round_trip_json_and_toml_shorthand():
    for proto in (
        voltage_ramp_protocol(0.2, 2.0, 10, n_cycles=4, initial_wall=2, temperature=0.0),
        write_reset_protocol(
            (0.5, 4.0), 8, (-0.5, -4.0), 4, pulse=PulseShape(2e-9, 0.5e-9, 0.5e-9)
        ),
    ):
        again = Protocol.from_dict(json.loads(json.dumps(proto.to_dict())))
        assert again == proto
    text = """
    kind = "voltage_ramp"
    v_start = 0.5
    v_stop = 3.5
    n_steps = 7
    bias_field = -4e-3
    n_cycles = 10
    temperature = 300.0
    settle_time = 2e-9
    pulse = {width = 3e-9, rise = 0.5e-9, fall = 0.5e-9}
    """
    proto = Protocol.from_dict(tomllib.loads(text))
    assert proto == voltage_ramp_protocol(
        0.5, 3.5, 7, n_cycles=10, settle_time=2e-9, pulse=PulseShape(3e-9, 0.5e-9, 0.5e-9)
    )
