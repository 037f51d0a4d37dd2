"""Top-down picture of a track (axes in nm), in the spirit of the paper's Fig. 1 cartoons."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from geometries.track import Track

NM = 1e9  # metres -> nanometres for the axes
TRACK_COLOUR = "#8c8c8c"  # Ta/CoFeB track, grey as in Fig. 1
OUTLINE_COLOUR = "#303030"
MTJ_COLOUR = "#1f5fbf"  # MTJ drawn in blue as in Fig. 1
NOTCH_COLOUR = "#d62728"
MASK_COLOUR = "#f2a541"


def plot_track(
    track: Track, ax: Axes | None = None, cell: tuple[float, float] | None = None
) -> Axes:
    """Draw ``track`` on ``ax`` (a new figure if None) and return the Axes.

    Shows the outline, the notch centres (red ticks), the MTJ footprint (blue) and, if
    ``cell = (dx, dy)`` (m) is given, the cell-centre mask on that grid.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    own_figure = ax is None
    if ax is None:
        xmin, ymin, xmax, ymax = track.bounds
        aspect = (ymax - ymin) / (xmax - xmin)
        fig = Figure(figsize=(7.0, max(2.0, 7.0 * aspect + 1.2)), layout="constrained")
        ax = fig.add_subplot()

    x, bottom, top = track.outline()
    ax.fill_between(
        x * NM, bottom * NM, top * NM, color=TRACK_COLOUR, alpha=0.35, lw=0, label="track"
    )
    if cell is not None:
        dx, dy = cell
        mask = track.mask(dx, dy)
        (x0, y0), (x1, y1) = track.mesh_corners(dx, dy)
        xe = np.linspace(x0, x1, mask.shape[0] + 1) * NM
        ye = np.linspace(y0, y1, mask.shape[1] + 1) * NM
        ax.pcolormesh(
            xe,
            ye,
            np.where(mask, 1.0, np.nan).T,
            cmap="Oranges",
            vmin=0,
            vmax=2.5,
            alpha=0.5,
            zorder=1,
            shading="flat",
            rasterized=True,
        )
        ax.plot([], [], "s", color=MASK_COLOUR, label=f"mask ({dx * NM:g} x {dy * NM:g} nm cells)")
    outline_x = np.concatenate([x, x[::-1], x[:1]]) * NM
    outline_y = np.concatenate([top, bottom[::-1], top[:1]]) * NM
    ax.plot(outline_x, outline_y, color=OUTLINE_COLOUR, lw=1.0, zorder=3)

    if track.mtj is not None:
        m = track.mtj
        ax.add_patch(
            Rectangle(
                (m.x0 * NM, m.y0 * NM),
                (m.x1 - m.x0) * NM,
                (m.y1 - m.y0) * NM,
                facecolor=MTJ_COLOUR,
                alpha=0.18,
                edgecolor=MTJ_COLOUR,
                lw=1.2,
                label="MTJ",
            )
        )
    centres = track.notch_centres
    if centres.size:
        b, t = track.edges(centres)
        ax.plot(centres * NM, t * NM, "v", color=NOTCH_COLOUR, ms=4, label="notch centres")
        ax.plot(centres * NM, b * NM, "^", color=NOTCH_COLOUR, ms=4)

    xmin, ymin, xmax, ymax = track.bounds
    pad = 0.04 * (xmax - xmin)
    ax.set_xlim((xmin - pad) * NM, (xmax + pad) * NM)
    ax.set_ylim((ymin - pad) * NM, (ymax + pad) * NM)
    ax.text(xmin * NM, ymax * NM + 0.5 * pad * NM, "IN", ha="left", va="bottom", fontsize=8)
    ax.text(xmax * NM, ymax * NM + 0.5 * pad * NM, "CLK", ha="right", va="bottom", fontsize=8)
    ax.set_aspect("equal")
    ax.set_xlabel("x (nm)")
    ax.set_ylabel("y (nm)")
    title = track.name or track.kind
    ax.set_title(
        f"{title}: L = {track.length * NM:g} nm, w = {track.w1 * NM:g}"
        + (f" -> {track.w2 * NM:g} nm" if track.w2 != track.w1 else " nm"),
        fontsize=9,
    )
    if own_figure:
        ax.figure.legend(fontsize=7, loc="outside lower center", frameon=False, ncols=4)
    else:
        ax.legend(fontsize=7, loc="best", frameon=False)
    return ax
