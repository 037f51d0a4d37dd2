"""paperstyle: the one matplotlib style of every figure dwmtj draws (the bottom layer).

Every plotting function of the project draws and saves its figure inside
:func:`paper_style`, which starts from matplotlib's defaults and applies :data:`PAPER_RC`. The
global ``matplotlib.rcParams`` are left alone and ignored: a figure looks the same whether or
not something else changed the global style first (importing ``discretisedfield`` does, with
``plt.style.use``, and so may a notebook). Outside the project's plotting functions the
caller's style is untouched.

Use it as a context manager or as a decorator::

    with paper_style():
        fig = Figure(figsize=(3.4, 2.6))   # sizes in inches
        ...
        fig.savefig(path)

    @paper_style()
    def plot_something(...): ...

This package imports only matplotlib, so every layer (geometries ... dwmtj) may use it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import matplotlib.style
from cycler import cycler

#: The line colours, in order (matplotlib's ``tab10``).
COLORS: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)

#: rcParams applied on top of matplotlib's defaults (font sizes in points, dpi in dots per
#: inch, line widths in points).
PAPER_RC: dict[str, Any] = {
    "axes.prop_cycle": cycler(color=list(COLORS)),
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "mathtext.fontset": "dejavusans",
    "font.size": 9.0,
    "axes.titlesize": 9.0,
    "axes.labelsize": 9.0,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "legend.fontsize": 7.0,
    "figure.titlesize": 10.0,
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.2,
    "lines.markersize": 4.0,
    "legend.frameon": False,
    "image.cmap": "viridis",
    "figure.dpi": 100.0,
    "savefig.dpi": 150.0,
    "savefig.facecolor": "white",
}


@contextlib.contextmanager
def paper_style() -> Iterator[None]:
    """Draw in the project's style: matplotlib's defaults plus :data:`PAPER_RC`.

    The previous rcParams (whatever set them) are restored on exit. Also usable as a
    decorator (``@paper_style()``).
    """
    with matplotlib.style.context(PAPER_RC, after_reset=True):
        yield


__all__ = ["COLORS", "PAPER_RC", "paper_style"]
