"""Pulse protocols as data: voltage ramps, write/reset cycles, repeated cycles at temperature T.

All quantities are SI: voltages in V, times in s, the DC bias field as mu0*H_z in T (the paper
quotes it in mT: -4 mT while writing, -42 mT while resetting), temperature in K.

A protocol is a sequence of voltage ramps (one pulse per step, a settle time after each pulse
before the MTJ is read) forming one *cycle*; the cycle is repeated ``n_cycles`` times. With
``reinitialise = "every_cycle"`` the wall is re-initialised before each cycle (Figs. 2b, 3b of
the paper: "the DW is re-initialized and the process is repeated"); with ``"once"`` only before
the first (Figs. 2c-d: write/reset cycles "without resetting the device in-between").

Every object is a pydantic config dataclass (:mod:`geometries.validation`): it validates on
construction and raises a one-line ``ValueError`` naming the field path
(``protocol.ramps[0].v_stop: must be finite (V), got nan``); ``to_dict``/``from_dict``
round-trip through JSON and TOML.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_serializer, model_validator

from geometries.validation import Int, Real, TypedConfig, config_dataclass, load, prefixed, quantity

#: mu0 (T m / A), for converting the bias field between T and A/m.
MU0 = 4e-7 * np.pi

REINITIALISE = ("every_cycle", "once")
PROTOCOL_KINDS = ("voltage_ramp", "write_reset", "custom")

T = TypeVar("T")


def _prefixed(prefix: str, build: Callable[[], T]) -> T:
    """Run ``build`` and prefix any ValueError with ``prefix`` (the enclosing field)."""
    return prefixed(prefix, build)


@config_dataclass(label="pulse")
class PulseShape(TypedConfig):
    """A trapezoidal voltage pulse.

    ``width`` is the full width at half maximum (s), the pulse generator's convention;
    ``rise`` and ``fall`` are the linear edges (s). The plateau lasts
    ``width - (rise + fall) / 2`` and the whole pulse ``width + (rise + fall) / 2``.
    Default: the paper's 50 ns pulse with 10 ns rise and fall.
    """

    width: Real = quantity(
        50e-9, unit="s", description="full width at half maximum", gt=0, typical=(1e-12, 1e-5)
    )
    rise: Real = quantity(10e-9, unit="s", description="linear rise time", ge=0, typical=(0, 1e-5))
    fall: Real = quantity(10e-9, unit="s", description="linear fall time", ge=0, typical=(0, 1e-5))

    @model_validator(mode="after")
    def _has_plateau(self) -> PulseShape:
        if self.plateau < 0.0:
            raise ValueError(
                f"width: {self.width:.3g} s is shorter than half of rise + fall "
                f"({0.5 * (self.rise + self.fall):.3g} s); the pulse would have no plateau"
            )
        return self

    @property
    def plateau(self) -> float:
        """Time at full amplitude (s)."""
        return self.width - 0.5 * (self.rise + self.fall)

    @property
    def duration(self) -> float:
        """From the start of the rise to the end of the fall (s)."""
        return self.width + 0.5 * (self.rise + self.fall)

    def voltage(self, t: np.ndarray, amplitude: float) -> np.ndarray:
        """Voltage (V) at times ``t`` (s) after the start of the pulse; 0 outside it."""
        corners = [0.0, self.rise, self.rise + self.plateau, self.duration]
        return amplitude * np.interp(np.asarray(t, dtype=float), corners, [0.0, 1.0, 1.0, 0.0])


@config_dataclass(label="ramp")
class VoltageRamp(TypedConfig):
    """Pulses of amplitude ``v_start`` -> ``v_stop`` (V) in ``n_steps`` equal steps.

    Each pulse has ``pulse``'s shape and is followed by ``settle_time`` (s, counted from the
    end of the pulse's fall) before the readout. ``bias_field`` is the DC field mu0*H_z (T)
    applied throughout the ramp. ``n_steps = 1`` is a single pulse at ``v_start``.
    """

    v_start: Real = quantity(
        unit="V", description="amplitude of the first pulse", typical=(-20.0, 20.0)
    )
    v_stop: Real = quantity(
        unit="V", description="amplitude of the last pulse", typical=(-20.0, 20.0)
    )
    n_steps: Int = quantity(unit="", description="number of pulses", ge=1)
    bias_field: Real = quantity(
        0.0, unit="T", description="DC bias field mu0*H_z", typical=(-1.0, 1.0)
    )
    pulse: PulseShape = Field(default_factory=PulseShape, description="shape of every pulse")
    settle_time: Real = quantity(
        20e-9,
        unit="s",
        description="from the end of a pulse's fall to the readout",
        ge=0,
        typical=(0, 1e-4),
    )

    @model_validator(mode="after")
    def _consistent(self) -> VoltageRamp:
        if self.n_steps == 1 and self.v_stop != self.v_start:
            raise ValueError(f"n_steps: 1 step cannot go from {self.v_start} V to {self.v_stop} V")
        if self.settle_time < self.pulse.fall:
            raise ValueError(
                f"settle_time: {self.settle_time:.3g} s is shorter than the pulse's fall "
                f"({self.pulse.fall:.3g} s); the wall would be read while it still moves"
            )
        return self

    @property
    def voltages(self) -> np.ndarray:
        """Pulse amplitudes (V), shape ``(n_steps,)``."""
        return np.linspace(self.v_start, self.v_stop, self.n_steps)

    @property
    def bias_h(self) -> float:
        """The bias field as H_z (A/m), the form ubermag's Zeeman term takes."""
        return self.bias_field / MU0

    @property
    def step_duration(self) -> float:
        """Pulse plus settle time (s): the time one step takes."""
        return self.pulse.duration + self.settle_time


@config_dataclass(label="initial_wall")
class WallStart(TypedConfig):
    """Where the wall is (re-)initialised: ``at = "IN"`` (the IN end) or a notch index >= 0
    (notches numbered from the IN end)."""

    at: Literal["IN"] | Int = Field("IN", description="'IN' or a notch index >= 0")

    @field_validator("at", mode="wrap")
    @classmethod
    def _in_or_notch(cls, value: Any, handler: Any) -> str | int:
        try:
            at = handler(value)
        except ValidationError:
            at = None
        if at is None or (at != "IN" and at < 0):
            raise ValueError(f"must be 'IN' or a notch index >= 0, got {value!r}")
        return at

    @property
    def notch(self) -> int | None:
        """The notch index, or ``None`` for the IN end."""
        return None if self.at == "IN" else int(self.at)


@config_dataclass(label="protocol")
class Protocol(TypedConfig):
    """One experiment: ``ramps`` make a cycle, repeated ``n_cycles`` times at ``temperature``
    (K), each cycle (or only the first, see ``reinitialise``) from a wall at ``initial_wall``.

    ``kind`` labels the protocol (``voltage_ramp``, ``write_reset``, ``custom``); for
    ``write_reset`` the first ramp must write (amplitudes >= 0) and the second reset
    (amplitudes <= 0).
    """

    ramps: tuple[VoltageRamp, ...] = Field(
        min_length=1, description="the voltage ramps of one cycle, in order"
    )
    n_cycles: Int = quantity(1, unit="", description="number of cycles", ge=1)
    temperature: Real = quantity(
        300.0, unit="K", description="temperature", ge=0, typical=(0, 1500.0)
    )
    initial_wall: WallStart = Field(
        default_factory=WallStart, description="where the wall is (re-)initialised"
    )
    reinitialise: Literal["every_cycle", "once"] = Field(
        "every_cycle", description="re-initialise the wall before every cycle or only once"
    )
    kind: Literal["voltage_ramp", "write_reset", "custom"] = Field(
        "custom", description="label; write_reset: a +V write and a -V reset ramp"
    )

    @field_validator("ramps", mode="before")
    @classmethod
    def _one_ramp(cls, value: Any) -> Any:
        return (value,) if isinstance(value, VoltageRamp) else value

    @model_serializer(mode="wrap")
    def _kind_first(self, handler: Any) -> dict[str, Any]:
        """The plain form starts with ``kind`` (as the TOML tables do)."""
        data = handler(self)
        return {"kind": data.pop("kind"), **data}

    @model_validator(mode="after")
    def _write_reset(self) -> Protocol:
        ramps = self.ramps
        if self.kind == "write_reset":
            if len(ramps) != 2:
                raise ValueError("ramps: a write_reset cycle is exactly a write and a reset ramp")
            if min(ramps[0].v_start, ramps[0].v_stop) < 0.0:
                raise ValueError("write: write amplitudes must be >= 0 V (+V ramp)")
            if max(ramps[1].v_start, ramps[1].v_stop) > 0.0:
                raise ValueError("reset: reset amplitudes must be <= 0 V (-V ramp)")
        return self

    # ----------------------------------------------------------------- the pulse sequence
    @property
    def pulses_per_cycle(self) -> int:
        """Number of pulses (= readouts) in one cycle."""
        return sum(r.n_steps for r in self.ramps)

    @property
    def n_pulses(self) -> int:
        """Number of pulses (= readouts) in the whole protocol."""
        return self.n_cycles * self.pulses_per_cycle

    def pulse_table(self) -> dict[str, np.ndarray]:
        """Every pulse of the run, in order, as columns of shape ``(n_pulses,)``.

        ``cycle``, ``ramp`` (index into ``ramps``), ``step`` (within the ramp), ``voltage``
        (V), ``bias_field`` (T), ``t_start`` (s, pulse start, from the start of the cycle),
        ``t_readout`` (s, readout time from the start of the cycle), ``pulse_width``,
        ``rise``, ``fall`` (s).
        """
        cols: dict[str, list] = {
            k: []
            for k in (
                "cycle",
                "ramp",
                "step",
                "voltage",
                "bias_field",
                "t_start",
                "t_readout",
                "pulse_width",
                "rise",
                "fall",
            )
        }
        for cycle in range(self.n_cycles):
            t = 0.0
            for r, ramp in enumerate(self.ramps):
                for s, v in enumerate(ramp.voltages):
                    cols["cycle"].append(cycle)
                    cols["ramp"].append(r)
                    cols["step"].append(s)
                    cols["voltage"].append(v)
                    cols["bias_field"].append(ramp.bias_field)
                    cols["t_start"].append(t)
                    cols["t_readout"].append(t + ramp.step_duration)
                    cols["pulse_width"].append(ramp.pulse.width)
                    cols["rise"].append(ramp.pulse.rise)
                    cols["fall"].append(ramp.pulse.fall)
                    t += ramp.step_duration
        ints = ("cycle", "ramp", "step")
        return {
            k: np.asarray(v, dtype=np.int64 if k in ints else np.float64) for k, v in cols.items()
        }

    def reinitialise_before(self, cycle: int) -> bool:
        """Whether the wall is re-initialised before ``cycle`` (0-based)."""
        return cycle == 0 or self.reinitialise == "every_cycle"

    # ------------------------------------------------------------------- serialisation
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Protocol:
        """Build from the canonical form (:meth:`to_dict`) or a shorthand.

        * canonical: ``{"ramps": [ramp, ...], "n_cycles", "temperature", "initial_wall",
          "reinitialise", "kind"}``;
        * ``{"kind": "voltage_ramp", "v_start", "v_stop", "n_steps", "bias_field", "pulse",
          "settle_time", ...}``: one ramp given inline (errors name it ``protocol.ramp``);
        * ``{"kind": "write_reset", "write": ramp, "reset": ramp, ...}``.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"protocol: must be a table/dict, got {type(data).__name__}")
        data = dict(data)
        kind = data.get("kind", "custom")
        kinds = ("voltage_ramp", "write_reset", "custom")
        if kind not in kinds:
            raise ValueError(f"protocol.kind: unknown kind {kind!r}; choose one of {kinds}")
        names: tuple[str, ...] = ()
        if "ramps" in data:
            pass
        elif kind == "voltage_ramp":
            inline = {k: data.pop(k) for k in _RAMP_KEYS if k in data}
            data["ramps"], names = [inline], ("ramp",)
        elif kind == "write_reset":
            for key in ("write", "reset"):
                if key not in data:
                    raise ValueError(f"protocol.{key}: missing (the {key} ramp)")
            data["ramps"], names = [data.pop("write"), data.pop("reset")], ("write", "reset")
        else:
            raise ValueError(
                "protocol.ramps: missing (give 'ramps', or kind = 'voltage_ramp' with an "
                "inline ramp, or kind = 'write_reset' with 'write' and 'reset')"
            )
        return load(cls, data, rename={("ramps", k): name for k, name in enumerate(names)})


_RAMP_KEYS = tuple(f.name for f in dataclasses.fields(VoltageRamp))


def voltage_ramp_protocol(
    v_start: float,
    v_stop: float,
    n_steps: int,
    *,
    bias_field: float = -4e-3,
    pulse: PulseShape | None = None,
    settle_time: float = 20e-9,
    n_cycles: int = 1,
    temperature: float = 300.0,
    initial_wall: str | int = "IN",
) -> Protocol:
    """R-V cycles (paper Figs. 2b, 3b): one +V ramp per cycle, the wall re-initialised at
    ``initial_wall`` before every cycle; bias field mu0*H_z in T (paper: -4 mT)."""
    return Protocol.from_dict(
        {
            "kind": "voltage_ramp",
            "v_start": v_start,
            "v_stop": v_stop,
            "n_steps": n_steps,
            "bias_field": bias_field,
            "pulse": pulse or PulseShape(),
            "settle_time": settle_time,
            "n_cycles": n_cycles,
            "temperature": temperature,
            "initial_wall": {"at": initial_wall},
            "reinitialise": "every_cycle",
        }
    )


def write_reset_protocol(
    v_write: tuple[float, float],
    n_write_steps: int,
    v_reset: tuple[float, float],
    n_reset_steps: int,
    *,
    write_bias_field: float = -4e-3,
    reset_bias_field: float = -42e-3,
    pulse: PulseShape | None = None,
    settle_time: float = 20e-9,
    n_cycles: int = 3,
    temperature: float = 300.0,
    initial_wall: str | int = "IN",
    reinitialise: str = "once",
) -> Protocol:
    """Write/reset cycles (paper Figs. 2c-d): a +V ramp ``v_write = (start, stop)`` with the
    writing bias (-4 mT), then a -V ramp ``v_reset = (start, stop)`` (both <= 0) with the
    reset bias (-42 mT); by default the cycles follow each other without re-initialisation."""
    pulse = pulse or PulseShape()

    def ramp(v: tuple[float, float], n_steps: int, bias_field: float) -> dict[str, Any]:
        return {
            "v_start": v[0],
            "v_stop": v[1],
            "n_steps": n_steps,
            "bias_field": bias_field,
            "pulse": pulse,
            "settle_time": settle_time,
        }

    return Protocol.from_dict(
        {
            "kind": "write_reset",
            "write": ramp(v_write, n_write_steps, write_bias_field),
            "reset": ramp(v_reset, n_reset_steps, reset_bias_field),
            "n_cycles": n_cycles,
            "temperature": temperature,
            "initial_wall": {"at": initial_wall},
            "reinitialise": reinitialise,
        }
    )


def protocol_from_any(value: Protocol | dict[str, Any]) -> Protocol:
    """Accept a :class:`Protocol` or its dict form."""
    return value if isinstance(value, Protocol) else Protocol.from_dict(value)
