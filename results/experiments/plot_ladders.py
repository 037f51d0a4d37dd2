"""Figure of the T = 0 depinning ladders: ladder-trapezoid.json, ladder-straight.json ->
depinning-ladders.png (threshold voltage per notch with its bracket, against the local width).

    .venv/bin/python results/experiments/plot_ladders.py
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent


def main() -> int:
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 3.0), constrained_layout=True)
    for ax, name, colour in zip(
        axes, ("trapezoid", "straight"), ("tab:red", "tab:blue"), strict=True
    ):
        path = HERE / f"ladder-{name}.json"
        if not path.exists():
            ax.set_title(f"scaled {name}: not run")
            continue
        t = json.loads(path.read_text())
        w = np.array(t["local_width_m"]) * 1e9
        if name == "straight":  # one width: spread the notches along x by their index
            w = np.array(t["notch"], dtype=float)
        lo, hi = np.array(t["v_low_V"]), np.array(t["v_high_V"], dtype=float)
        mid = 0.5 * (lo + hi)
        ok = np.isfinite(hi)
        ax.errorbar(
            w[ok],
            mid[ok],
            yerr=0.5 * (hi - lo)[ok],
            fmt="o",
            color=colour,
            capsize=3,
            label="depinned between bracket ends",
        )
        if (~ok).any():
            ax.plot(w[~ok], lo[~ok], "^", color=colour, mfc="none", label="pinned up to this V")
        for k, x, y in zip(t["notch"], w, np.where(ok, mid, lo), strict=True):
            ax.annotate(f"n{k}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
        ax.set_xlabel(
            "local track width at the notch (nm)"
            if name == "trapezoid"
            else "notch index (all 38 nm wide)"
        )
        ax.set_ylabel("one-pulse depinning voltage (V)")
        s = t["settings"]
        ax.set_title(
            f"scaled {name}, T = 0, {s['cell'] * 1e9:g} nm cells,\n{s['width'] * 1e9:g} ns pulse",
            fontsize=9,
        )
        ax.legend(fontsize=7, frameon=False)
    fig.savefig(HERE / "depinning-ladders.png", dpi=150)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
