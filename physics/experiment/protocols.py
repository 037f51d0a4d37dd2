"""Pulse protocols as data: voltage ramps, write/reset cycles, repeated cycles at temperature T.

All quantities are SI: voltages in V, times in s, the DC bias field as mu0*H_z in T (the paper
quotes it in mT: -4 mT while writing, -42 mT while resetting), temperature in K.

A protocol is a sequence of voltage ramps (one pulse per step, a settle time after each pulse
before the MTJ is read) forming one *cycle*; the cycle is repeated ``n_cycles`` times. With
``reinitialise = "every_cycle"`` the wall is re-initialised before each cycle (Figs. 2b, 3b of
the paper: "the DW is re-initialized and the process is repeated"); with ``"once"`` only before
the first (Figs. 2c-d: write/reset cycles "without resetting the device in-between").

Every object validates on construction and raises ``ValueError`` naming the field;
``to_dict``/``from_dict`` round-trip through JSON and TOML.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from physics.experiment._checks import integer, known_keys, non_negative, number, positive, table

#: mu0 (T m / A), for converting the bias field between T and A/m.
MU0 = 4e-7 * np.pi

REINITIALISE = ("every_cycle", "once")
PROTOCOL_KINDS = ("voltage_ramp", "write_reset", "custom")

T = TypeVar("T")


def _prefixed(prefix: str, build: Callable[[], T]) -> T:
    """Run ``build`` and prefix any ValueError with ``prefix`` (the enclosing field)."""
    try:
        return build()
    except ValueError as exc:
        raise ValueError(f"{prefix}.{exc}") from None


@dataclass(frozen=True)
class PulseShape:
    """A trapezoidal voltage pulse.

    ``width`` is the full width at half maximum (s), the pulse generator's convention;
    ``rise`` and ``fall`` are the linear edges (s). The plateau lasts
    ``width - (rise + fall) / 2`` and the whole pulse ``width + (rise + fall) / 2``.
    Default: the paper's 50 ns pulse with 10 ns rise and fall.
    """

    width: float = 50e-9
    rise: float = 10e-9
    fall: float = 10e-9

    def __post_init__(self) -> None:
        object.__setattr__(self, "width", positive("pulse.width", self.width, "s"))
        object.__setattr__(self, "rise", non_negative("pulse.rise", self.rise, "s"))
        object.__setattr__(self, "fall", non_negative("pulse.fall", self.fall, "s"))
        if self.plateau < 0.0:
            raise ValueError(
                f"pulse.width: {self.width:.3g} s is shorter than half of rise + fall "
                f"({0.5 * (self.rise + self.fall):.3g} s); the pulse would have no plateau"
            )

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

    def to_dict(self) -> dict:
        """Plain-data form; inverse of :meth:`from_dict`."""
        return {"width": self.width, "rise": self.rise, "fall": self.fall}

    @classmethod
    def from_dict(cls, data: dict) -> PulseShape:
        """Build from :meth:`to_dict`'s form (missing keys take the defaults)."""
        table("pulse", data)
        known_keys("pulse", data, ("width", "rise", "fall"))
        return cls(**data)


@dataclass(frozen=True)
class VoltageRamp:
    """Pulses of amplitude ``v_start`` -> ``v_stop`` (V) in ``n_steps`` equal steps.

    Each pulse has ``pulse``'s shape and is followed by ``settle_time`` (s, counted from the
    end of the pulse's fall) before the readout. ``bias_field`` is the DC field mu0*H_z (T)
    applied throughout the ramp. ``n_steps = 1`` is a single pulse at ``v_start``.
    """

    v_start: float
    v_stop: float
    n_steps: int
    bias_field: float = 0.0
    pulse: PulseShape = field(default_factory=PulseShape)
    settle_time: float = 20e-9

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "v_start", number("ramp.v_start", self.v_start))
        set_(self, "v_stop", number("ramp.v_stop", self.v_stop))
        if isinstance(self.n_steps, int) and not isinstance(self.n_steps, bool):
            if self.n_steps < 1:
                raise ValueError(
                    f"ramp.n_steps: a voltage ramp needs at least one step, got {self.n_steps}"
                )
        set_(self, "n_steps", integer("ramp.n_steps", self.n_steps, 1))
        if self.n_steps == 1 and self.v_stop != self.v_start:
            raise ValueError(
                f"ramp.n_steps: 1 step cannot go from {self.v_start} V to {self.v_stop} V"
            )
        set_(self, "bias_field", number("ramp.bias_field", self.bias_field))
        if not isinstance(self.pulse, PulseShape):
            raise ValueError(f"ramp.pulse: must be a PulseShape, got {type(self.pulse).__name__}")
        set_(self, "settle_time", non_negative("ramp.settle_time", self.settle_time, "s"))
        if self.settle_time < self.pulse.fall:
            raise ValueError(
                f"ramp.settle_time: {self.settle_time:.3g} s is shorter than the pulse's fall "
                f"({self.pulse.fall:.3g} s); the wall would be read while it still moves"
            )

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

    def to_dict(self) -> dict:
        """Plain-data form; inverse of :meth:`from_dict`."""
        return {
            "v_start": self.v_start,
            "v_stop": self.v_stop,
            "n_steps": self.n_steps,
            "bias_field": self.bias_field,
            "pulse": self.pulse.to_dict(),
            "settle_time": self.settle_time,
        }

    @classmethod
    def from_dict(cls, data: dict) -> VoltageRamp:
        """Build from :meth:`to_dict`'s form (``pulse``, ``bias_field``, ``settle_time``
        optional)."""
        table("ramp", data)
        known_keys("ramp", data, tuple(cls.__dataclass_fields__))
        for key in ("v_start", "v_stop", "n_steps"):
            if key not in data:
                raise ValueError(f"ramp.{key}: missing")
        kwargs = dict(data)
        if "pulse" in kwargs:
            kwargs["pulse"] = PulseShape.from_dict(kwargs["pulse"])
        return cls(**kwargs)


@dataclass(frozen=True)
class WallStart:
    """Where the wall is (re-)initialised: ``at = "IN"`` (the IN end) or a notch index >= 0
    (notches numbered from the IN end)."""

    at: str | int = "IN"

    def __post_init__(self) -> None:
        if self.at == "IN":
            return
        if isinstance(self.at, bool) or not isinstance(self.at, int) or self.at < 0:
            raise ValueError(
                f"initial_wall.at: must be 'IN' or a notch index >= 0, got {self.at!r}"
            )

    @property
    def notch(self) -> int | None:
        """The notch index, or ``None`` for the IN end."""
        return None if self.at == "IN" else int(self.at)

    def to_dict(self) -> dict:
        """Plain-data form."""
        return {"at": self.at}

    @classmethod
    def from_dict(cls, data: dict) -> WallStart:
        """Inverse of :meth:`to_dict`."""
        table("initial_wall", data)
        known_keys("initial_wall", data, ("at",))
        return cls(**data)


@dataclass(frozen=True)
class Protocol:
    """One experiment: ``ramps`` make a cycle, repeated ``n_cycles`` times at ``temperature``
    (K), each cycle (or only the first, see ``reinitialise``) from a wall at ``initial_wall``.

    ``kind`` labels the protocol (``voltage_ramp``, ``write_reset``, ``custom``); for
    ``write_reset`` the first ramp must write (amplitudes >= 0) and the second reset
    (amplitudes <= 0).
    """

    ramps: tuple[VoltageRamp, ...]
    n_cycles: int = 1
    temperature: float = 300.0
    initial_wall: WallStart = field(default_factory=WallStart)
    reinitialise: str = "every_cycle"
    kind: str = "custom"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if isinstance(self.ramps, VoltageRamp):
            set_(self, "ramps", (self.ramps,))
        ramps = tuple(self.ramps)
        if not ramps:
            raise ValueError("protocol.ramps: a protocol needs at least one voltage ramp")
        for k, ramp in enumerate(ramps):
            if not isinstance(ramp, VoltageRamp):
                raise ValueError(
                    f"protocol.ramps[{k}]: must be a VoltageRamp, got {type(ramp).__name__}"
                )
        set_(self, "ramps", ramps)
        set_(self, "n_cycles", integer("protocol.n_cycles", self.n_cycles, 1))
        set_(self, "temperature", number("protocol.temperature", self.temperature))
        if self.temperature < 0.0:
            raise ValueError(
                f"protocol.temperature: must be >= 0 K (absolute temperature), "
                f"got {self.temperature!r}"
            )
        if not isinstance(self.initial_wall, WallStart):
            raise ValueError("protocol.initial_wall: must be a WallStart")
        if self.reinitialise not in REINITIALISE:
            raise ValueError(
                f"protocol.reinitialise: must be one of {list(REINITIALISE)}, "
                f"got {self.reinitialise!r}"
            )
        if self.kind not in PROTOCOL_KINDS:
            raise ValueError(
                f"protocol.kind: must be one of {list(PROTOCOL_KINDS)}, got {self.kind!r}"
            )
        if self.kind == "write_reset":
            if len(ramps) != 2:
                raise ValueError(
                    "protocol.ramps: a write_reset cycle is exactly a write and a reset ramp"
                )
            if min(ramps[0].v_start, ramps[0].v_stop) < 0.0:
                raise ValueError("protocol.write: write amplitudes must be >= 0 V (+V ramp)")
            if max(ramps[1].v_start, ramps[1].v_stop) > 0.0:
                raise ValueError("protocol.reset: reset amplitudes must be <= 0 V (-V ramp)")

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
            for k in ("cycle", "ramp", "step", "voltage", "bias_field", "t_start", "t_readout",
                      "pulse_width", "rise", "fall")
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
            k: np.asarray(v, dtype=np.int64 if k in ints else np.float64)
            for k, v in cols.items()
        }

    def reinitialise_before(self, cycle: int) -> bool:
        """Whether the wall is re-initialised before ``cycle`` (0-based)."""
        return cycle == 0 or self.reinitialise == "every_cycle"

    # ------------------------------------------------------------------- serialisation
    def to_dict(self) -> dict:
        """Canonical plain-data form (JSON/TOML); inverse of :meth:`from_dict`."""
        return {
            "kind": self.kind,
            "ramps": [r.to_dict() for r in self.ramps],
            "n_cycles": self.n_cycles,
            "temperature": self.temperature,
            "initial_wall": self.initial_wall.to_dict(),
            "reinitialise": self.reinitialise,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Protocol:
        """Build from the canonical form or a shorthand.

        * canonical: ``{"ramps": [ramp, ...], "n_cycles", "temperature", "initial_wall",
          "reinitialise", "kind"}``;
        * ``{"kind": "voltage_ramp", "v_start", "v_stop", "n_steps", "bias_field", "pulse",
          "settle_time", ...}``: one ramp given inline;
        * ``{"kind": "write_reset", "write": ramp, "reset": ramp, ...}``.
        """
        table("protocol", data)
        data = dict(data)
        common = ("n_cycles", "temperature", "initial_wall", "reinitialise", "kind")
        kind = data.get("kind", "custom")
        ramp_keys = tuple(VoltageRamp.__dataclass_fields__)
        if "ramps" in data:
            known_keys("protocol", data, ("ramps", *common))
            ramp_dicts = data.pop("ramps")
            if not isinstance(ramp_dicts, list | tuple):
                raise ValueError("protocol.ramps: must be a list of ramp tables")
            ramps = tuple(
                _prefixed(f"protocol.ramps[{k}]", lambda d=d: VoltageRamp.from_dict(d))
                for k, d in enumerate(ramp_dicts)
            )
        elif kind == "voltage_ramp":
            known_keys("protocol", data, (*ramp_keys, *common))
            inline = {k: data.pop(k) for k in ramp_keys if k in data}
            ramps = (_prefixed("protocol", lambda: VoltageRamp.from_dict(inline)),)
        elif kind == "write_reset":
            known_keys("protocol", data, ("write", "reset", *common))
            for key in ("write", "reset"):
                if key not in data:
                    raise ValueError(f"protocol.{key}: missing (the {key} ramp)")
            pairs = [(key, data.pop(key)) for key in ("write", "reset")]
            ramps = tuple(
                _prefixed(f"protocol.{key}", lambda d=d: VoltageRamp.from_dict(d))
                for key, d in pairs
            )
        else:
            raise ValueError(
                "protocol.ramps: missing (give 'ramps', or kind = 'voltage_ramp' with an "
                "inline ramp, or kind = 'write_reset' with 'write' and 'reset')"
            )
        if "initial_wall" in data:
            data["initial_wall"] = WallStart.from_dict(data["initial_wall"])
        return cls(ramps=ramps, **data)


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
    ramp = VoltageRamp(v_start, v_stop, n_steps, bias_field, pulse or PulseShape(), settle_time)
    return Protocol(
        ramps=(ramp,),
        n_cycles=n_cycles,
        temperature=temperature,
        initial_wall=WallStart(initial_wall),
        reinitialise="every_cycle",
        kind="voltage_ramp",
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
    write = _prefixed(
        "protocol.write",
        lambda: VoltageRamp(*v_write, n_write_steps, write_bias_field, pulse, settle_time),
    )
    reset = _prefixed(
        "protocol.reset",
        lambda: VoltageRamp(*v_reset, n_reset_steps, reset_bias_field, pulse, settle_time),
    )
    return Protocol(
        ramps=(write, reset),
        n_cycles=n_cycles,
        temperature=temperature,
        initial_wall=WallStart(initial_wall),
        reinitialise=reinitialise,
        kind="write_reset",
    )


def protocol_from_any(value: Protocol | dict[str, Any]) -> Protocol:
    """Accept a :class:`Protocol` or its dict form."""
    return value if isinstance(value, Protocol) else Protocol.from_dict(value)
