"""Device models built from the numbers the paper reports (Leonard et al.).

These let the networks run before any simulation or fit exists. Sources: the paper's
main text (Figs. 2-3, Methods) in ../shared/paper/.
"""

from __future__ import annotations

import jax.numpy as jnp

from compact.device_model import DeviceModel

#: Write noise used for inference in the paper: sigma_G = 2.53 uS (measured range 0.68-2.73 uS).
PAPER_WRITE_SIGMA_S = 2.53e-6


def paper_trapezoid() -> DeviceModel:
    """Trapezoid 1:4 track: levels 100 (reset, AP), 93.3 +- 1.1, 76.1 +- 0.4, 67.1 +- 0.3 ohm.

    The AP (reset) level's spread is not reported; the first measured spread (1.1 ohm) is
    used for it. Stream learning uses 4 evenly spaced weight levels, w1/w2 = 1/4, delta = 3.
    """
    return DeviceModel(
        name="paper-trapezoid",
        resistance_levels_ohm=jnp.array([100.0, 93.3, 76.1, 67.1]),
        resistance_sigma_ohm=jnp.array([1.1, 1.1, 0.4, 0.3]),
        weight_levels=jnp.linspace(-1.0, 1.0, 4),
        w1_over_w2=jnp.asarray(0.25),
        delta=jnp.asarray(3.0),
        write_sigma_S=jnp.asarray(PAPER_WRITE_SIGMA_S),
    )


def paper_straight(delta: float = 1.0) -> DeviceModel:
    """Straight 350 nm track: five levels 1061.0 +- 1.1 ... 913.1 +- 0.4 ohm, w1/w2 = 1."""
    return DeviceModel(
        name="paper-straight" if delta == 1.0 else f"paper-straight-delta{delta:g}",
        resistance_levels_ohm=jnp.array([1061.0, 1043.3, 989.0, 929.5, 913.1]),
        resistance_sigma_ohm=jnp.array([1.1, 2.6, 2.1, 0.8, 0.4]),
        weight_levels=jnp.linspace(-1.0, 1.0, 4),
        w1_over_w2=jnp.asarray(1.0),
        delta=jnp.asarray(float(delta)),
        write_sigma_S=jnp.asarray(PAPER_WRITE_SIGMA_S),
    )


PRESETS = {
    "trapezoid": paper_trapezoid,
    "paper-trapezoid": paper_trapezoid,
    "straight": paper_straight,
    "paper-straight": paper_straight,
}


def load_preset(name: str) -> DeviceModel:
    """Return the paper-derived device model called ``name``."""
    try:
        return PRESETS[name]()
    except KeyError:
        raise ValueError(
            f"device: unknown preset {name!r}; choose one of {sorted(PRESETS)}"
        ) from None
