"""Figures the demo draws itself (the others come from the stages' own plotting code)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_conductance_levels(model: Any, path: str | Path) -> Path:
    """Mean conductance of each notch state (mS) with its cycle-to-cycle spread sigma_G
    (error bars) and the number of readings, from a :class:`compact.artifact.CompactModel`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    c = model.conductance

    def in_ms(values: list) -> np.ndarray:  # None (a state never read: no level) -> NaN
        return 1e3 * np.array([np.nan if v is None else v for v in values], dtype=float)

    g, s = in_ms(c["mean_S"]), in_ms(c["sigma_S"])
    states = np.arange(len(g))
    fig, ax = plt.subplots(figsize=(4.2, 3.0), constrained_layout=True)
    ax.errorbar(states, g, s, fmt="o", capsize=3, color="C3")
    for k, n in enumerate(c.get("n_readings") or []):
        if np.isnan(g[k]):
            ax.axvline(states[k], color="0.8", ls=":", lw=1)
            ax.annotate("never read", (states[k], np.nanmin(g)), fontsize=7, rotation=90,
                        color="0.4", textcoords="offset points", xytext=(3, 0))
            continue
        ax.annotate(f"n={n}", (states[k], g[k]), textcoords="offset points", xytext=(4, 4),
                    fontsize=7)
    ax.set_xlabel("state (0 = the first state the wall reached)")
    ax.set_ylabel("conductance G (mS)")
    ax.set_xticks(states)
    ax.set_title(f"{model.name}: {int(np.isfinite(g).sum())} levels of {len(g)} states, "
                 "sigma_G (RMS) "
                 f"{c['write_sigma_S'] * 1e6:.3g} uS", fontsize=8)
    ax.grid(alpha=0.3)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path
