"""Voltage pulse shapes as time functions (SI units: seconds, volts).

A pulse is a callable ``pulse(t)`` returning the dimensionless *profile* in [-1, 1] (1 on the
plateau), and ``pulse.voltage(t) = amplitude * profile(t)``. The profile is what multiplies the
spin-orbit torque current density in the System (``mm.Slonczewski(func=pulse, dt=...)``), the
amplitude is the voltage the current solve was done at.

What "a 50 ns pulse with 10 ns rise and fall" means here: the paper (Methods) gives the pulse
width and the rise/fall times of a pulse generator. Pulse generators quote the width as the full
width at half maximum (50 % to 50 %), so the default :class:`TrapezoidalPulse` has linear 0-100 %
ramps of 10 ns and a FWHM of 50 ns, i.e. a 40 ns plateau and a 60 ns total duration. Use
``TrapezoidalPulse(plateau=50e-9)`` for the other reading (50 ns at full amplitude).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import numpy as np
from pydantic import Field, model_validator

from geometries.validation import Real, TypedConfig, check, config_dataclass, dump, quantity

#: A duration (s): finite and > 0.
_Duration = Annotated[Real, quantity(unit="s", description="duration", gt=0, typical=(1e-13, 1e-3))]


@config_dataclass
class TrapezoidalPulse(TypedConfig):
    """Trapezoidal pulse: zero until ``delay``, linear rise, plateau, linear fall (s, V).

    The default is the paper's write pulse (FWHM 50 ns, 10 ns rise and fall).
    """

    amplitude: Real = quantity(
        1.0, unit="V", description="voltage on the plateau", typical=(-100.0, 100.0)
    )
    rise: Real = quantity(
        10e-9, unit="s", description="linear 0-100 % rise time", ge=0, typical=(0, 1e-3)
    )
    plateau: Real = quantity(
        40e-9, unit="s", description="time at full amplitude", ge=0, typical=(0, 1e-3)
    )
    fall: Real = quantity(
        10e-9, unit="s", description="linear 100-0 % fall time", ge=0, typical=(0, 1e-3)
    )
    delay: Real = quantity(
        0.0, unit="s", description="zero time before the rise", ge=0, typical=(0, 1e-3)
    )

    @model_validator(mode="after")
    def _not_empty(self) -> TrapezoidalPulse:
        if self.rise + self.plateau + self.fall <= 0:
            raise ValueError("plateau: rise + plateau + fall must be positive")
        return self

    @classmethod
    def from_fwhm(
        cls,
        fwhm: float = 50e-9,
        rise: float = 10e-9,
        fall: float = 10e-9,
        amplitude: float = 1.0,
        delay: float = 0.0,
    ) -> TrapezoidalPulse:
        """Pulse with the given full width at half maximum (s) and ramp times."""
        fwhm = check(_Duration, fwhm, "fwhm")
        plateau = fwhm - 0.5 * (rise + fall)
        if plateau < 0:
            raise ValueError(f"fwhm: {fwhm!r} s is shorter than half of rise + fall")
        return cls(amplitude=amplitude, rise=rise, plateau=plateau, fall=fall, delay=delay)

    @property
    def duration(self) -> float:
        """Time (s) from t = 0 after which the pulse is zero."""
        return self.delay + self.rise + self.plateau + self.fall

    @property
    def fwhm(self) -> float:
        """Full width at half maximum (s)."""
        return self.plateau + 0.5 * (self.rise + self.fall)

    def breakpoints(self) -> tuple[np.ndarray, np.ndarray]:
        """Times (s) and profile values of the piecewise-linear profile (for jnp.interp)."""
        t0 = self.delay
        times = np.array([t0, t0 + self.rise, t0 + self.rise + self.plateau, self.duration])
        values = np.array([0.0, 1.0, 1.0, 0.0])
        return times, values

    def __call__(self, t: float | np.ndarray) -> float | np.ndarray:
        """Dimensionless profile in [0, 1] at time t (s); vectorised over arrays."""
        t_arr = np.asarray(t, dtype=float)
        t0, t1, t2, t3 = self.breakpoints()[0]
        up = np.clip((t_arr - t0) / self.rise, 0.0, 1.0) if self.rise > 0 else (t_arr >= t0) * 1.0
        down = np.clip((t3 - t_arr) / self.fall, 0.0, 1.0) if self.fall > 0 else (t_arr <= t3) * 1.0
        out = np.where((t_arr < t0) | (t_arr > t3), 0.0, np.minimum(up, down))
        return float(out) if np.ndim(out) == 0 else out

    def voltage(self, t: float | np.ndarray) -> float | np.ndarray:
        """Voltage (V) at time t (s)."""
        return self.amplitude * self(t)

    def with_amplitude(self, amplitude: float) -> TrapezoidalPulse:
        """Same shape, another amplitude (V)."""
        return TrapezoidalPulse(amplitude, self.rise, self.plateau, self.fall, self.delay)

    def to_dict(self) -> dict[str, float | str]:
        """Plain description, readable by every calculator."""
        return {"shape": "trapezoidal", **dump(self)}


@config_dataclass
class FunctionPulse:
    """Any pulse shape: ``profile(t)`` (dimensionless, |profile| <= 1) for 0 <= t <= duration."""

    profile: Callable[[float], float] = Field(description="profile(t), t in s, |profile| <= 1")
    duration: Real = quantity(
        unit="s", description="time after which the pulse is zero", gt=0, typical=(1e-13, 1e-3)
    )
    amplitude: Real = quantity(
        1.0, unit="V", description="voltage at profile = 1", typical=(-100.0, 100.0)
    )
    name: str = Field("custom", description="label of the shape")

    @model_validator(mode="after")
    def _bounded(self) -> FunctionPulse:
        probe = np.linspace(0.0, self.duration, 101)
        values = np.array([float(self.profile(t)) for t in probe])
        if not np.all(np.isfinite(values)):
            raise ValueError("profile: returns non-finite values on [0, duration]")
        if np.max(np.abs(values)) > 1 + 1e-12:
            raise ValueError("profile: must stay within [-1, 1]; put the scale in amplitude")
        return self

    @property
    def fwhm(self) -> float:
        """Time (s) the profile spends at or above half its maximum (sampled, 1e-3 resolution)."""
        t = np.linspace(0.0, self.duration, 1001)
        v = np.abs([float(self.profile(s)) for s in t])
        return float(np.count_nonzero(v >= 0.5 * v.max()) * self.duration / 1000)

    def __call__(self, t: float | np.ndarray) -> float | np.ndarray:
        """Profile at time t (s); zero outside [0, duration]."""
        if np.ndim(t) == 0:
            return float(self.profile(float(t))) if 0 <= t <= self.duration else 0.0
        t = np.asarray(t, dtype=float)
        return np.array([self(float(s)) for s in t.ravel()]).reshape(t.shape)

    def voltage(self, t: float | np.ndarray) -> float | np.ndarray:
        """Voltage (V) at time t (s)."""
        return self.amplitude * self(t)

    def with_amplitude(self, amplitude: float) -> FunctionPulse:
        """Same shape, another amplitude (V)."""
        return FunctionPulse(self.profile, self.duration, amplitude, self.name)

    def breakpoints(self, n: int = 1001) -> tuple[np.ndarray, np.ndarray]:
        """Sampled (times, profile) on n points over [0, duration]."""
        t = np.linspace(0.0, self.duration, n)
        return t, np.asarray(self(t), dtype=float)

    def to_dict(self) -> dict[str, float | str]:
        """Plain description (the shape itself is sampled: see :meth:`breakpoints`)."""
        return {"shape": self.name, "amplitude": self.amplitude, "duration": self.duration}


Pulse = TrapezoidalPulse | FunctionPulse


def default_pulse(amplitude: float = 1.0) -> TrapezoidalPulse:
    """The paper's write pulse: FWHM 50 ns, 10 ns linear rise and fall, at ``amplitude`` (V)."""
    return TrapezoidalPulse.from_fwhm(50e-9, 10e-9, 10e-9, amplitude=amplitude)
