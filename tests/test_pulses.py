"""physics.pulses: the paper's write pulse and arbitrary shapes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from physics.pulses import FunctionPulse, TrapezoidalPulse, default_pulse


def test_default_pulse_is_fwhm_50ns_with_10ns_ramps() -> None:
    p = default_pulse(3.0)
    assert p.fwhm == pytest.approx(50e-9)
    assert (p.rise, p.fall, p.plateau, p.duration) == pytest.approx((10e-9, 10e-9, 40e-9, 60e-9))
    t = np.array([-1e-9, 0.0, 5e-9, 10e-9, 30e-9, 50e-9, 55e-9, 60e-9, 61e-9])
    assert np.allclose(p(t), [0, 0, 0.5, 1, 1, 1, 0.5, 0, 0])
    assert p.voltage(30e-9) == pytest.approx(3.0)
    # the measured FWHM of the sampled profile is the nominal 50 ns (to the 0.01 ns grid)
    grid = np.arange(0, 70e-9, 1e-11)
    assert np.count_nonzero(p(grid) >= 0.5) * 1e-11 == pytest.approx(50e-9, abs=2e-11)
    # scalar in, scalar out (micromagneticmodel's func contract)
    assert isinstance(p(12e-9), float)


def test_delay_steps_and_breakpoints() -> None:
    p = TrapezoidalPulse(amplitude=-1.0, rise=0.0, plateau=2e-9, fall=0.0, delay=1e-9)
    assert np.allclose(p(np.array([0.5e-9, 1e-9, 2e-9, 3e-9, 3.5e-9])), [0, 1, 1, 1, 0])
    times, values = default_pulse().breakpoints()
    assert np.allclose(np.interp([5e-9, 55e-9], times, values), [0.5, 0.5])
    assert p.with_amplitude(2.0).voltage(2e-9) == 2.0


def test_function_pulse() -> None:
    gauss = FunctionPulse(
        lambda t: math.exp(-(((t - 5e-9) / 1e-9) ** 2)), duration=10e-9, amplitude=2.0, name="gauss"
    )
    assert gauss(5e-9) == pytest.approx(1.0)
    assert gauss(11e-9) == 0.0
    assert gauss.voltage(5e-9) == pytest.approx(2.0)
    # FWHM of exp(-(t/tau)^2) is 2 tau sqrt(ln 2) = 1.665 ns (1000-sample resolution 0.01 ns)
    assert gauss.fwhm == pytest.approx(2e-9 * math.sqrt(math.log(2)), abs=0.03e-9)
    assert gauss(np.array([5e-9, 20e-9])).shape == (2,)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: TrapezoidalPulse(rise=-1e-9), "rise"),
        (lambda: TrapezoidalPulse(rise=0, plateau=0, fall=0), "plateau"),
        (lambda: TrapezoidalPulse(amplitude=math.inf), "amplitude"),
        (lambda: TrapezoidalPulse.from_fwhm(5e-9, 10e-9, 10e-9), "fwhm"),
        (lambda: FunctionPulse(lambda t: 2.0, duration=1e-9), "profile"),
        (lambda: FunctionPulse(3.0, duration=1e-9), "profile"),
        (lambda: FunctionPulse(lambda t: 1.0, duration=0.0), "duration"),
    ],
)
def test_bad_pulses_name_the_field(make, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        make()
