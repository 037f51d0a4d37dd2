"""Couplings on the links between neighbouring magnetic cells (shared by exchange and DMI).

A link joins cell i and its +1 neighbour along an axis; ``links[axis][i]`` holds its coupling.
Links that touch a cell with Ms = 0 carry nothing, which is the free-boundary condition at the
track's edge. Inter-region pairs (``'r1:r2'`` keys in ubermag) override the averaged value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def neighbour_links(
    values: np.ndarray,
    Ms: np.ndarray,
    n_axes: int,
    average: Callable[[np.ndarray, np.ndarray], np.ndarray],
    pairs: Sequence = (),
) -> np.ndarray:
    """Link couplings along the first ``n_axes`` axes, shape (n_axes, nx, ny, nz).

    values: per-cell constant (any unit); Ms: saturation magnetisation per cell (A/m);
    average(a_i, a_j): the link's value from its two cells' values; pairs: (in_r1, in_r2, v12)
    boolean cell masks of two regions and the value of every link between them.
    """
    links = np.zeros((n_axes, *values.shape))
    magnetic = Ms > 0
    for axis in range(n_axes):
        n = values.shape[axis]
        if n < 2:
            continue
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[axis] = slice(0, n - 1)
        hi[axis] = slice(1, n)
        lo, hi = tuple(lo), tuple(hi)
        link = average(values[lo], values[hi])
        for in1, in2, value in pairs:
            cross = (in1[lo] & in2[hi]) | (in2[lo] & in1[hi])
            link = np.where(cross, value, link)
        links[axis][lo] = np.where(magnetic[lo] & magnetic[hi], link, 0.0)
    return links
