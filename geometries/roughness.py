"""Edge roughness: a reproducible, spatially correlated random displacement of both edges.

Each edge (top, +y; bottom, -y) is displaced outward by an independent stationary Gaussian
random process r(x) with zero mean, RMS ``amplitude`` (m) and Gaussian autocorrelation

    <r(x) r(x + s)> = amplitude^2 exp(-s^2 / (2 correlation_length^2)).

It is made by smoothing white noise with a Gaussian kernel of standard deviation
``correlation_length / sqrt(2)`` on a sampling grid of step ``correlation_length / 8`` and is
linearly interpolated in between. The same ``seed`` gives the same edges; ``amplitude = 0``
gives exactly the smooth track. Positive r widens the track.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from geometries._checks import (
    integer,
    non_negative_length,
    positive_length,
    reject_unknown_keys,
)

#: Sampling steps per correlation length.
SAMPLES_PER_CORRELATION_LENGTH = 8
#: Upper bound on the number of samples per edge (keeps very long tracks cheap).
MAX_SAMPLES = 400_000
_KEYS = ("amplitude", "correlation_length", "seed")


@dataclass(frozen=True)
class EdgeRoughness:
    """Correlated random edge displacement (``amplitude`` RMS and ``correlation_length`` in m)."""

    amplitude: float
    correlation_length: float
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "amplitude", non_negative_length("roughness.amplitude", self.amplitude)
        )
        object.__setattr__(
            self,
            "correlation_length",
            positive_length("roughness.correlation_length", self.correlation_length),
        )
        object.__setattr__(self, "seed", integer("roughness.seed", self.seed, 0))

    def sample(self, length: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(x, r_top, r_bottom)`` (m) sampled over ``[0, length]``.

        ``r_top`` and ``r_bottom`` are the outward displacements of the +y and -y edges.
        """
        xi = self.correlation_length
        n = int(np.ceil(length / xi * SAMPLES_PER_CORRELATION_LENGTH)) + 1
        n = int(np.clip(n, 2, MAX_SAMPLES))
        x = np.linspace(0.0, length, n)
        if self.amplitude == 0.0:
            zeros = np.zeros(n)
            return x, zeros, zeros.copy()
        step = x[1] - x[0]
        sigma = xi / np.sqrt(2.0) / step  # kernel width in samples
        pad = int(np.ceil(4.0 * sigma)) + 1
        rng = np.random.default_rng(self.seed)
        noise = rng.standard_normal((2, n + 2 * pad))
        smooth = gaussian_filter1d(noise, sigma, axis=-1, mode="wrap")[:, pad : pad + n]
        # Standard deviation of unit white noise after the filter: the kernel's L2 norm.
        delta = np.zeros(2 * pad + 1)
        delta[pad] = 1.0
        kernel_norm = np.linalg.norm(gaussian_filter1d(delta, sigma, mode="constant"))
        r = self.amplitude * smooth / kernel_norm
        return x, r[0], r[1]

    def to_dict(self) -> dict:
        """Plain-data form; inverse of :meth:`from_dict`."""
        return {
            "amplitude": self.amplitude,
            "correlation_length": self.correlation_length,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, data: dict) -> EdgeRoughness:
        """Build from a dict / TOML ``[roughness]`` table."""
        if not isinstance(data, dict):
            raise ValueError(f"roughness: must be a table/dict, got {type(data).__name__}")
        reject_unknown_keys("roughness", data, _KEYS)
        for key in ("amplitude", "correlation_length"):
            if key not in data:
                raise ValueError(f"roughness.{key}: missing")
        return cls(**data)
