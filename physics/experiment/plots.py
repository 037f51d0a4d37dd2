"""Figures of stored runs, in the style of the paper's Figs. 2b-d and 3b-c.

* :func:`plot_resistance_vs_voltage`: R_MTJ after each pulse vs the pulse amplitude, one colour
  per cycle (Figs. 2b, 3b);
* :func:`plot_write_reset_sequence`: R_MTJ pulse after pulse through write (+V) and reset (-V)
  ramps, the amplitude on a second axis (Figs. 2c-d);
* :func:`plot_state_distribution`: at each amplitude, the probability of each notch state,
  stacked to 1 (Fig. 3c);
* :func:`plot_run`: the figures that apply to one run file, written as PNG.

Figures are drawn in the project's style (:func:`paperstyle.paper_style`) on
``matplotlib.figure.Figure`` objects (no pyplot).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from paperstyle import COLORS, paper_style
from physics.experiment.store import RunRecord, open_run
from physics.experiment.transitions import notch_states


def _axes(ax: Any) -> Any:
    """``ax``, or the axes of a new 4.2 x 3.4 inch figure."""
    if ax is not None:
        return ax
    return Figure(figsize=(4.2, 3.4), layout="constrained").subplots()


def _per_cycle(record: RunRecord, values: np.ndarray) -> np.ndarray:
    """(n_realisations, n_pulses) -> (n_realisations * n_cycles, pulses_per_cycle)."""
    per_cycle = record.spec.protocol.pulses_per_cycle
    return np.asarray(values).reshape(-1, per_cycle)


@paper_style()
def plot_resistance_vs_voltage(record: RunRecord, ax: Any = None) -> Any:
    """R (ohm) vs V (V) for every cycle of every realisation, one colour per cycle."""
    ax = _axes(ax)
    v = _per_cycle(
        record, np.broadcast_to(record.pulses["voltage"], record.readouts["resistance"].shape)
    )
    r = _per_cycle(record, record.readouts["resistance"])
    colours = matplotlib.colormaps["viridis"](np.linspace(0, 1, max(len(r), 2)))
    ramp = record.pulses["ramp"][: v.shape[1]]
    for k, (vk, rk) in enumerate(zip(v, r, strict=True)):
        for index in np.unique(ramp):  # one line per ramp: no line from write to reset
            sel = ramp == index
            ax.plot(vk[sel], rk[sel], "o-", ms=3, lw=1, color=colours[k], alpha=0.85)
    ax.set_xlabel("Pulse amplitude V (V)")
    ax.set_ylabel(r"$R_{\mathrm{MTJ}}$ ($\Omega$)")
    spec = record.spec
    ax.set_title(
        f"{spec.geometry.get('name') or spec.geometry['kind']}, "
        f"T = {spec.protocol.temperature:g} K, {len(r)} cycles",
        fontsize=9,
    )
    return ax


@paper_style()
def plot_write_reset_sequence(record: RunRecord, ax: Any = None, realisation: int = 0) -> Any:
    """R (ohm) pulse by pulse for one realisation; write pulses filled, reset pulses open;
    the amplitude (V) on the right axis."""
    ax = _axes(ax)
    r = record.readouts["resistance"][realisation]
    v = record.pulses["voltage"]
    n = np.arange(r.size)
    write = v >= 0
    ax.plot(n, r, "-", color="0.6", lw=0.8)
    ax.plot(n[write], r[write], "o", ms=4, color=COLORS[0], label="write (+V)")
    ax.plot(n[~write], r[~write], "o", ms=4, mfc="none", color=COLORS[3], label="reset (-V)")
    ax.set_xlabel("Pulse number")
    ax.set_ylabel(r"$R_{\mathrm{MTJ}}$ ($\Omega$)")
    twin = ax.twinx()
    twin.step(n, v, where="mid", color="k", lw=0.6, alpha=0.5)
    twin.set_ylabel("V (V)")
    ax.legend(fontsize=8, loc="best")
    return ax


@paper_style()
def plot_state_distribution(record: RunRecord, ax: Any = None) -> Any:
    """Probability of each notch state (0 = IN end, k + 1 = notch k, last = CLK end) at each
    positive pulse amplitude, over all realisations and cycles, stacked to 1."""
    ax = _axes(ax)
    states = notch_states(record.spec, record.readouts["position"], record.readouts["notch"])
    v = np.broadcast_to(record.pulses["voltage"], states.shape)
    amplitudes = np.unique(v[v > 0]) if np.any(v > 0) else np.unique(v)
    n_states = len(record.spec.track().notch_centres) + 2
    prob = np.array([[np.mean(states[v == a] == s) for a in amplitudes] for s in range(n_states)])
    labels = ["IN"] + [f"notch {k}" for k in range(n_states - 2)] + ["CLK"]
    width = 0.9 * (np.min(np.diff(amplitudes)) if amplitudes.size > 1 else 1.0)
    bottom = np.zeros(amplitudes.size)
    for label, p in zip(labels, prob, strict=True):
        ax.bar(amplitudes, p, width=width, bottom=bottom, label=label, alpha=0.9)
        bottom += p
    ax.set_ylim(0, 1)
    ax.set_xlabel("Pulse amplitude V (V)")
    ax.set_ylabel("State probability")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return ax


@paper_style()
def plot_run(
    path: str | Path, out_dir: str | Path | None = None, *, force: bool = False
) -> list[Path]:
    """Write the figures that apply to run file ``path`` (PNG, next to it by default):
    ``<run>.rv.png`` always, ``<run>.sequence.png`` for write/reset protocols,
    ``<run>.states.png`` when there are several readouts per amplitude. The file is verified
    (:func:`~physics.experiment.store.open_run`; ``force`` reads a refused file knowingly)."""
    record = open_run(path, force=force)
    out = Path(out_dir) if out_dir is not None else Path(path).parent
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(path).stem
    written = []
    makers = [("rv", plot_resistance_vs_voltage)]
    if record.spec.protocol.kind == "write_reset":
        makers.append(("sequence", plot_write_reset_sequence))
    n_samples = record.readouts["resistance"].shape[0] * record.spec.protocol.n_cycles
    if n_samples > 1:
        makers.append(("states", plot_state_distribution))
    for suffix, maker in makers:
        fig = Figure(figsize=(4.6, 3.4), layout="constrained")
        maker(record, fig.subplots())
        target = out / f"{stem}.{suffix}.png"
        fig.savefig(target, dpi=150)
        written.append(target)
    return written
