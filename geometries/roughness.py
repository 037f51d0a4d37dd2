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

import numpy as np
from scipy.ndimage import gaussian_filter1d

from geometries.validation import Int, Real, TypedConfig, config_dataclass, quantity

#: Sampling steps per correlation length.
SAMPLES_PER_CORRELATION_LENGTH = 8
#: Upper bound on the number of samples per edge (keeps very long tracks cheap).
MAX_SAMPLES = 400_000


@config_dataclass(label="roughness")
class EdgeRoughness(TypedConfig):
    """Correlated random edge displacement (``amplitude`` RMS and ``correlation_length`` in m)."""

    amplitude: Real = quantity(
        unit="m", description="RMS edge displacement", ge=0, typical=(0, 1e-6)
    )
    correlation_length: Real = quantity(
        unit="m", description="Gaussian autocorrelation length along x", gt=0, typical=(1e-10, 1e-4)
    )
    seed: Int = quantity(0, unit="", description="random seed of the edges", ge=0)

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
