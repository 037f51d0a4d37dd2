"""Parametrisation: unconstrained vectors z -> track profiles that meet the constraints.

The constraints hold by construction (no penalties needed for them), every map smooth:

- widths: w1, w2 = w_lo + (w_max - w_lo) sigmoid(z) (m), w_lo = w_min + 2 f_min: a notch of
  the minimum depth f_min on either side still leaves the minimum width;
- notch length: b = f_min + (b_max - f_min) sigmoid(z_b) (m), f_min the minimum feature;
- positions: K centres with spacing >= s_min and >= end margin e from both ends:
  x_0 = e + S g_0, x_k = x_{k-1} + s_min + S g_k with g = softmax(z_pos) over K + 1 gaps and
  S = L - 2e - (K - 1) s_min the slack (m), so the last gap to the CLK end is S g_K >= 0;
- depths (per side): d_k = f_min + (d_max,k - f_min) sigmoid(z_d,k), with
  d_max,k = (w(x_k) - w_min) / 2 (the notch's bottom keeps the minimum width; m), and
  d_max,k <= f w(x_k) where the constraints give a max_depth_fraction f (keeps designs inside
  the depth range the surrogate was calibrated on).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from design.surrogate import Profile
from design.target import Constraints


class Raw(NamedTuple):
    """Unconstrained parameters (a pytree): z_w (2,), z_b (), z_pos (K + 1,), z_d (K,)."""

    z_w: jax.Array
    z_b: jax.Array
    z_pos: jax.Array
    z_d: jax.Array


def slack(c: Constraints, K: int) -> float:
    """Length (m) left for the notches' placement after margins and minimum spacings; < 0:
    K notches do not fit."""
    return c.length_m - 2 * c.end_margin_m - (K - 1) * c.min_notch_spacing_m


def to_profile(z: Raw, c: Constraints) -> Profile:
    """The :class:`~design.surrogate.Profile` of the unconstrained parameters ``z``."""
    K = z.z_d.shape[0]
    s = jax.nn.sigmoid
    w_lo = c.min_width_m + 2 * c.min_feature_m
    w1, w2 = w_lo + (c.max_width_m - w_lo) * s(z.z_w)
    b = c.min_feature_m + (c.notch_length_max - c.min_feature_m) * s(z.z_b)
    g = jax.nn.softmax(z.z_pos)
    steps = slack(c, K) * g[:K] + jnp.concatenate(
        [jnp.full((1,), c.end_margin_m), jnp.full((K - 1,), c.min_notch_spacing_m)]
    )
    x = jnp.cumsum(steps)
    w_loc = w1 + (w2 - w1) * x / c.length_m
    d_max = 0.5 * (w_loc - c.min_width_m)
    if c.max_depth_fraction is not None:
        d_max = jnp.minimum(d_max, c.max_depth_fraction * w_loc)
    d = c.min_feature_m + (d_max - c.min_feature_m) * s(z.z_d)
    return Profile(w1, w2, jnp.asarray(c.length_m), b, x, d)


def random_raw(key: jax.Array, K: int, scale: float = 1.0) -> Raw:
    """A random start: independent normals of standard deviation ``scale``."""
    k = jax.random.split(key, 4)
    n = jax.random.normal
    return Raw(
        scale * n(k[0], (2,)),
        scale * n(k[1], ()),
        0.3 * scale * n(k[2], (K + 1,)),
        scale * n(k[3], (K,)),
    )


def perturb_depths(p: Profile, eps: jax.Array) -> Profile:
    """The profile with depths d + eps (m; clipped at 0)."""
    return p._replace(depths=jnp.clip(p.depths + eps, 0.0, None))


def as_numpy(p: Profile) -> dict:
    """Plain floats/lists (m) of a profile."""
    return {
        "w1_m": float(p.w1),
        "w2_m": float(p.w2),
        "length_m": float(p.length),
        "notch_length_m": float(p.notch_width),
        "positions_m": np.asarray(p.positions, dtype=float).tolist(),
        "depths_m": np.asarray(p.depths, dtype=float).tolist(),
    }
