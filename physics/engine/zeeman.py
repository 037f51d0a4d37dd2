"""Zeeman field of an applied field H (A/m) and its energy density -mu0 Ms m.H (J/m^3)."""

from __future__ import annotations

import jax.numpy as jnp

from .constants import MU0


def zeeman_energy_density(m: jnp.ndarray, H: jnp.ndarray, Ms: jnp.ndarray) -> jnp.ndarray:
    """Zeeman energy density (J/m^3)."""
    return -MU0 * Ms * jnp.sum(m * H, axis=-1)


def applied_field(spec: dict, t: jnp.ndarray) -> jnp.ndarray:
    """Applied field H(t) (A/m) of one Zeeman spec: H f(t), or M(t) H for a matrix profile
    (``matrix_profile`` (n, 3, 3) sampled every ``profile_dt``, nearest sample)."""
    if "matrix_profile" in spec:
        profile = spec["matrix_profile"]
        index = jnp.round(t / spec["profile_dt"]).astype(jnp.int32)
        matrix = profile[jnp.clip(index, 0, profile.shape[0] - 1)]
        H = spec["H"]
        return jnp.stack(
            [matrix[i, 0] * H[..., 0] + matrix[i, 1] * H[..., 1] + matrix[i, 2] * H[..., 2]
             for i in range(3)],
            axis=-1,
        )
    return spec["H"] * time_factor(spec, t)


def time_factor(spec: dict, t: jnp.ndarray) -> jnp.ndarray:
    """Dimensionless time factor f(t) of a time-dependent term (field or current).

    ``spec`` may hold ``profile`` (samples of f at multiples of ``profile_dt``, looked up at the
    nearest sample as OOMMF's TimeFunction does), or ``sin_f``/``sinc_f`` with ``t0`` (ubermag's
    ``func='sin'|'sinc'``: sin(2 pi f (t - t0)) or sin(w)/w). Without these keys f = 1.
    """
    if "profile" in spec:
        profile = spec["profile"]
        index = jnp.round(t / spec["profile_dt"]).astype(jnp.int32)
        index = jnp.clip(index, 0, profile.shape[0] - 1)
        return profile[index]
    if "sin_f" in spec:
        return jnp.sin(2 * jnp.pi * spec["sin_f"] * (t - spec["t0"]))
    if "sinc_f" in spec:
        wt = 2 * jnp.pi * spec["sinc_f"] * (t - spec["t0"])
        return jnp.sinc(wt / jnp.pi)
    return jnp.asarray(1.0)
