"""Time dependence of a Zeeman field or a spin-torque current: H(t) = f(t) H, or M(t) H.

Each profile is a small pytree with ``apply(value, t)`` (value: the field or current density
at full strength, t in s). The scalar profiles also give the factor ``factor(t)``
(dimensionless). :func:`time_profile` reads the profile of an ubermag term (``func``, ``dt``,
``f``, ``t0``).
"""

from __future__ import annotations

import abc
import math
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .values import attr


class TimeProfile(eqx.Module):
    """How a term's strength varies in time."""

    @abc.abstractmethod
    def apply(self, value: jax.Array, t: jax.Array) -> jax.Array:
        """value (field in A/m, shape (..., 3), or current density) at time t (s)."""


class ScalarProfile(TimeProfile):
    """A dimensionless factor f(t) times the value."""

    @abc.abstractmethod
    def factor(self, t: jax.Array) -> jax.Array:
        """f(t), dimensionless; t in s."""

    def apply(self, value: jax.Array, t: jax.Array) -> jax.Array:
        return value * self.factor(t)


class Constant(ScalarProfile):
    """f = 1."""

    def factor(self, t: jax.Array) -> jax.Array:
        return jnp.asarray(1.0)

    def apply(self, value: jax.Array, t: jax.Array) -> jax.Array:
        return value


class Sampled(ScalarProfile):
    """f sampled every ``dt`` from t = 0, looked up at the nearest sample (as OOMMF's
    TimeFunction does); the last sample holds after the end, and the integrators refuse to
    run past ``sampled_to`` (:func:`check_sampled_span`)."""

    samples: jax.Array
    """f at t = 0, dt, 2 dt, ... (dimensionless), shape (n,)."""
    dt: jax.Array
    """Sampling step (s)."""
    sampled_to: float = eqx.field(static=True, default=math.inf)
    """The end time (s) the samples were taken for (``build_params``' ``t_end``; 0 for a
    static driver)."""

    def factor(self, t: jax.Array) -> jax.Array:
        index = jnp.round(t / self.dt).astype(jnp.int32)
        return self.samples[jnp.clip(index, 0, self.samples.shape[0] - 1)]


class Sine(ScalarProfile):
    """f = sin(2 pi f (t - t0)) (ubermag's ``func='sin'``)."""

    frequency: jax.Array
    """f (Hz)."""
    t0: jax.Array
    """Time offset (s)."""

    def factor(self, t: jax.Array) -> jax.Array:
        return jnp.sin(2 * jnp.pi * self.frequency * (t - self.t0))


class Sinc(ScalarProfile):
    """f = sin(w) / w with w = 2 pi f (t - t0) (ubermag's ``func='sinc'``)."""

    frequency: jax.Array
    """f (Hz)."""
    t0: jax.Array
    """Time offset (s)."""

    def factor(self, t: jax.Array) -> jax.Array:
        wt = 2 * jnp.pi * self.frequency * (t - self.t0)
        return jnp.sinc(wt / jnp.pi)


class SampledMatrix(TimeProfile):
    """A 3 x 3 matrix M(t) applied to the field, sampled every ``dt`` (nearest sample), as
    oommfc's TransformZeeman 'general'."""

    samples: jax.Array
    """M at t = 0, dt, 2 dt, ..., shape (n, 3, 3), row-major."""
    dt: jax.Array
    """Sampling step (s)."""
    sampled_to: float = eqx.field(static=True, default=math.inf)
    """The end time (s) the samples were taken for (see :class:`Sampled`)."""

    def apply(self, value: jax.Array, t: jax.Array) -> jax.Array:
        index = jnp.round(t / self.dt).astype(jnp.int32)
        matrix = self.samples[jnp.clip(index, 0, self.samples.shape[0] - 1)]
        return jnp.stack(
            [
                matrix[i, 0] * value[..., 0]
                + matrix[i, 1] * value[..., 1]
                + matrix[i, 2] * value[..., 2]
                for i in range(3)
            ],
            axis=-1,
        )


def time_profile(
    term: Any, t_end: float | None, what: str, to_array: Any, allow_matrix: bool = False
) -> TimeProfile:
    """The time profile of an ubermag Zeeman or Slonczewski term.

    t_end: end time (s) up to which a Python ``func`` is sampled every ``dt`` (None: t = 0
    only); to_array: converts numbers and numpy arrays to the run's JAX arrays; allow_matrix:
    accept a func returning nine numbers (a 3x3 matrix applied to H, row-major).
    """
    if attr(term, "tcl_strings") is not None:
        raise ValueError(
            f"{what}: tcl_strings time dependence is OOMMF-only; give a Python func with dt"
        )
    func: Any = attr(term, "func")
    wave: Any = attr(term, "wave")
    kind = func if isinstance(func, str) else wave
    if isinstance(kind, str):
        if kind not in ("sin", "sinc"):
            raise ValueError(f"{what}: unsupported time function {kind!r} (use 'sin' or 'sinc')")
        f = attr(term, "f")
        if f is None:
            raise ValueError(f"{what}: func={kind!r} needs a frequency f (Hz)")
        wave_type = Sine if kind == "sin" else Sinc
        return wave_type(to_array(float(f)), to_array(float(attr(term, "t0") or 0.0)))
    if func is None:
        return Constant()
    if not callable(func):
        raise ValueError(f"{what}: func must be 'sin', 'sinc' or a Python function of t (s)")
    dt = attr(term, "dt")
    if dt is None or not dt > 0:
        raise ValueError(f"{what}: a time function func needs a positive sampling step dt (s)")
    t_end = 0.0 if t_end is None else float(t_end)  # static drivers evaluate at t = 0
    times = np.arange(0.0, t_end + 2 * dt, dt)
    samples = np.array([np.asarray(func(float(t)), dtype=np.float64) for t in times])
    if samples.ndim == 2 and samples.shape[1] == 9 and allow_matrix:
        return SampledMatrix(to_array(samples.reshape(-1, 3, 3)), to_array(float(dt)), t_end)
    if samples.ndim != 1:
        expected = "a number (a scale factor)" + (
            " or nine numbers (a 3x3 matrix applied to H)" if allow_matrix else ""
        )
        raise ValueError(
            f"{what}: func must return {expected} at each time, got shape {samples.shape[1:]}"
        )
    return Sampled(to_array(samples), to_array(float(dt)), t_end)


def check_sampled_span(params: Any, t_stop: float) -> None:
    """Raise ValueError, naming the term, if a Python time function of ``params`` (a
    :class:`~physics.engine.params.Params`) was sampled for a shorter run than one that ends
    at ``t_stop`` (s): past its samples the drive would silently hold its last value (e.g.
    the value at t = 0 of parameters built for a static driver)."""
    for term in (*params.terms, *params.torques):
        end = getattr(getattr(term, "profile", None), "sampled_to", math.inf)
        if t_stop > end + 1e-9 * max(abs(t_stop), 1e-30):
            raise ValueError(
                f"{term.name}.func: sampled up to t = {end:.6g} s only, but the run goes to "
                f"t = {t_stop:.6g} s; build the parameters with "
                f"build_params(system, t_end={t_stop:.6g}) or later"
            )
