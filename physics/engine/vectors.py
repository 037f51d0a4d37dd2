"""Per-cell 3-vector algebra, written component-wise.

A vector field is either an array of shape (..., 3) or its three components as a tuple
(:data:`Vec3`). The operations work on component tuples, so that every result is a short
elementwise expression that XLA fuses with the surrounding work; reductions over a trailing axis
of length 3 (``jnp.sum(a * b, -1)``, ``jnp.cross``, ``jnp.linalg.norm(a, axis=-1)``) do not
fuse as well on CPU (benchmarks/README.md).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

Vec3 = tuple[jax.Array, jax.Array, jax.Array]
"""The x, y, z components of a vector field, each of shape (nx, ny, nz) (or broadcastable)."""


def components(a: jax.Array) -> Vec3:
    """The components of a (..., 3) array."""
    return a[..., 0], a[..., 1], a[..., 2]


def stack(a: Vec3) -> jax.Array:
    """The (..., 3) array of three components."""
    return jnp.stack(a, axis=-1)


def dot(a: Vec3, b: Vec3) -> jax.Array:
    """a . b per cell."""
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def cross(a: Vec3, b: Vec3) -> Vec3:
    """a x b per cell."""
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def norm(a: jax.Array) -> jax.Array:
    """|a| per cell of a (..., 3) array, shape a.shape[:-1]."""
    c = components(a)
    return jnp.sqrt(dot(c, c))
