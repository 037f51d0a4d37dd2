"""Current density in the heavy-metal layer from the applied voltage.

Solves the 2-D conduction problem div(sigma grad phi) = 0 on the track's cell mask by finite
volumes (two-point flux between neighbouring cells, scipy.sparse): the IN edge (x = xmin, the
left face of the first cell column) is held at phi = V, the CLK edge (x = xmax) at phi = 0, and
every other boundary of the mask is insulating (zero normal current). The sheet conductance is
sigma * t of the heavy metal (the thin CoFeB free layer is neglected: its conductivity is much
lower per thickness and it carries no spin Hall current).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import scipy.ndimage
import scipy.sparse
import scipy.sparse.linalg
from matplotlib.figure import Figure

from geometries.validation import Real, check, quantity
from paperstyle import paper_style
from physics.materials import Material, load_material


@dataclass(frozen=True)
class CurrentSolution:
    """Result of a current solve (SI units).

    Attributes
    ----------
    J : (nx, ny, 2) current density (A/m^2) at cell centres, zero outside the conducting mask.
    phi : (nx, ny) electric potential (V), NaN outside the conducting mask.
    mask : (nx, ny) bool, the cells that carry current (the track's cells connected to both
        contacts).
    x, y : cell-centre coordinates (m), shapes (nx,) and (ny,).
    cell : (dx, dy) (m).
    voltage : applied voltage IN - CLK (V).
    current : total current from IN to CLK (A).
    resistance : voltage / current (Ohm).
    thickness, resistivity : of the heavy-metal layer (m, Ohm m).
    section_currents : (nx - 1,) current through each internal x-face column (A); equal to
        ``current`` to solver precision (current conservation).
    """

    J: np.ndarray
    phi: np.ndarray
    mask: np.ndarray
    x: np.ndarray
    y: np.ndarray
    cell: tuple[float, float]
    voltage: float
    current: float
    resistance: float
    thickness: float
    resistivity: float
    section_currents: np.ndarray

    @property
    def J_magnitude(self) -> np.ndarray:
        """|J| (A/m^2), shape (nx, ny)."""
        return np.hypot(self.J[..., 0], self.J[..., 1])

    @property
    def direction(self) -> np.ndarray:
        """Unit vector of J (nx, ny, 2); (1, 0) where no current flows."""
        mag = self.J_magnitude
        out = np.zeros_like(self.J)
        out[..., 0] = 1.0
        ok = mag > 0
        out[ok] = self.J[ok] / mag[ok, None]
        return out

    def mean_Jx(self) -> np.ndarray:
        """Cross-section average of J_x over the conducting cells of each column (A/m^2)."""
        count = self.mask.sum(axis=1)
        total = np.where(self.mask, self.J[..., 0], 0.0).sum(axis=1)
        return np.divide(total, count, out=np.zeros_like(total), where=count > 0)

    def column_index(self, x: float) -> int:
        """Index of the cell column containing x (m)."""
        dx = self.cell[0]
        i = int(np.floor((x - (self.x[0] - dx / 2)) / dx))
        if not 0 <= i < len(self.x):
            raise ValueError(f"x: {x!r} m is outside the track's x range")
        return i

    def scaled(self, voltage: float) -> CurrentSolution:
        """The same solution at another voltage (the problem is linear)."""
        s = voltage / self.voltage
        return CurrentSolution(
            self.J * s,
            self.phi * s,
            self.mask,
            self.x,
            self.y,
            self.cell,
            float(voltage),
            self.current * s,
            self.resistance,
            self.thickness,
            self.resistivity,
            self.section_currents * s,
        )


def _positive(unit: str, description: str) -> Any:
    """A finite quantity > 0 in ``unit`` (checked with :func:`geometries.validation.check`)."""
    return Annotated[Real, quantity(unit=unit, description=description, gt=0)]


_CELL = _positive("m", "cell size")
_RESISTIVITY = _positive("Ohm m", "heavy-metal resistivity")
_THICKNESS = _positive("m", "heavy-metal thickness")


def solve_current_on_mask(
    mask: np.ndarray,
    cell: tuple[float, float],
    *,
    voltage: float,
    resistivity: float,
    thickness: float,
    origin: tuple[float, float] = (0.0, 0.0),
) -> CurrentSolution:
    """Solve div(sigma grad phi) = 0 on a boolean cell mask (nx, ny).

    The IN contact is the left face of the mask cells in column 0 (phi = ``voltage``), CLK the
    right face of the mask cells in column nx - 1 (phi = 0). Cells not connected to both
    contacts carry no current. ``origin`` is the (xmin, ymin) corner of the grid (m).
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2 or min(mask.shape) < 1:
        raise ValueError(f"mask: must be a 2-D (nx, ny) boolean array, got shape {mask.shape}")
    dx = check(_CELL, cell[0], "cell[0]")
    dy = check(_CELL, cell[1], "cell[1]")
    rho = check(_RESISTIVITY, resistivity, "resistivity")
    t = check(_THICKNESS, thickness, "thickness")
    voltage = float(voltage)
    if not np.isfinite(voltage) or voltage == 0:
        raise ValueError(f"voltage: must be finite and non-zero, got {voltage!r}")
    nx, ny = mask.shape
    if nx < 2:
        raise ValueError("mask: needs at least two cell columns between IN and CLK")

    # keep only the connected pieces that touch both contacts
    labels, _ = scipy.ndimage.label(mask)
    in_labels = set(np.unique(labels[0][mask[0]]))
    clk_labels = set(np.unique(labels[-1][mask[-1]]))
    both = sorted((in_labels & clk_labels) - {0})
    if not both:
        raise ValueError("mask: no conducting path connects IN (x = xmin) to CLK (x = xmax)")
    active = np.isin(labels, both)

    sigma_t = t / rho  # sheet conductance (S)
    gx = sigma_t * dy / dx  # conductance between x-neighbours (S)
    gy = sigma_t * dx / dy  # between y-neighbours
    g_contact = 2.0 * gx  # cell centre to contact face, half a cell away

    index = -np.ones(mask.shape, dtype=np.int64)
    n = int(active.sum())
    index[active] = np.arange(n)

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    diag = np.zeros(n)
    rhs = np.zeros(n)

    def couple(a: np.ndarray, b: np.ndarray, g: float) -> None:
        ia, ib = index[a], index[b]
        rows.extend([ia, ib])
        cols.extend([ib, ia])
        vals.extend([np.full(ia.size, -g), np.full(ib.size, -g)])
        np.add.at(diag, ia, g)
        np.add.at(diag, ib, g)

    both_x = active[:-1, :] & active[1:, :]
    ax, ay = np.nonzero(both_x)
    couple((ax, ay), (ax + 1, ay), gx)
    both_y = active[:, :-1] & active[:, 1:]
    bx, by = np.nonzero(both_y)
    couple((bx, by), (bx, by + 1), gy)

    in_cells = index[0][active[0]]
    clk_cells = index[-1][active[-1]]
    np.add.at(diag, in_cells, g_contact)
    rhs[in_cells] += g_contact * voltage
    np.add.at(diag, clk_cells, g_contact)

    A = scipy.sparse.coo_matrix(
        (
            np.concatenate(vals + [diag]),
            (np.concatenate(rows + [np.arange(n)]), np.concatenate(cols + [np.arange(n)])),
        ),
        shape=(n, n),
    ).tocsc()
    solution = scipy.sparse.linalg.spsolve(A, rhs)

    phi = np.full(mask.shape, np.nan)
    phi[active] = solution
    phi0 = np.where(active, phi, 0.0)

    # face current densities (A/m^2); positive along +x / +y
    jx_face = np.zeros((nx + 1, ny))
    jx_face[1:-1] = np.where(both_x, -(phi0[1:] - phi0[:-1]) / (rho * dx), 0.0)
    jx_face[0] = np.where(active[0], (voltage - phi0[0]) / (rho * dx / 2), 0.0)
    jx_face[-1] = np.where(active[-1], phi0[-1] / (rho * dx / 2), 0.0)
    jy_face = np.zeros((nx, ny + 1))
    jy_face[:, 1:-1] = np.where(both_y, -(phi0[:, 1:] - phi0[:, :-1]) / (rho * dy), 0.0)

    J = np.zeros((nx, ny, 2))
    J[..., 0] = 0.5 * (jx_face[:-1] + jx_face[1:])
    J[..., 1] = 0.5 * (jy_face[:, :-1] + jy_face[:, 1:])
    J[~active] = 0.0

    face_area = dy * t
    current = float(jx_face[0].sum() * face_area)
    section_currents = jx_face[1:-1].sum(axis=1) * face_area
    x = origin[0] + (np.arange(nx) + 0.5) * dx
    y = origin[1] + (np.arange(ny) + 0.5) * dy
    return CurrentSolution(
        J=J,
        phi=phi,
        mask=active,
        x=x,
        y=y,
        cell=(dx, dy),
        voltage=voltage,
        current=current,
        resistance=voltage / current,
        thickness=t,
        resistivity=rho,
        section_currents=section_currents,
    )


def solve_current(
    track: Any, cell: tuple[float, float], voltage: float, material: Material | None = None
) -> CurrentSolution:
    """Current density in the heavy metal of ``track`` for ``voltage`` (V) between IN and CLK.

    ``track`` follows the geometries API (``bounds``, ``mask(dx, dy)``); ``cell`` = (dx, dy) in
    m; ``material`` gives the heavy-metal resistivity and thickness (default Ta/CoFeB/MgO).
    """
    if material is None:
        material = load_material()
    if len(cell) < 2:
        raise ValueError(f"cell: needs (dx, dy), got {cell!r}")
    dx, dy = float(cell[0]), float(cell[1])
    xmin, ymin, _, _ = track.bounds
    mask = np.asarray(track.mask(dx, dy), dtype=bool)
    return solve_current_on_mask(
        mask,
        (dx, dy),
        voltage=voltage,
        resistivity=material.rho_hm,
        thickness=material.t_hm,
        origin=(xmin, ymin),
    )


def rectangle_resistance(
    length: float, width: float, resistivity: float, thickness: float
) -> float:
    """Closed form R = rho L / (w t) (Ohm) of a uniform strip."""
    return resistivity * length / (width * thickness)


def trapezoid_resistance(
    length: float, w1: float, w2: float, resistivity: float, thickness: float
) -> float:
    """1-D closed form R = rho L ln(w2/w1) / (t (w2 - w1)) (Ohm) of a linear taper."""
    if np.isclose(w1, w2):
        return rectangle_resistance(length, w1, resistivity, thickness)
    return resistivity * length * np.log(w2 / w1) / (thickness * (w2 - w1))


def notch_current_densities(solution: CurrentSolution, track: Any) -> list[dict[str, float]]:
    """Mean and peak |J| (A/m^2) over the cell column at each notch centre ``x`` (m) of
    ``track``."""
    rows = []
    for k, xc in enumerate(track.notch_centres):
        col = solution.column_index(float(xc))
        values = solution.J_magnitude[col][solution.mask[col]]
        rows.append(
            {
                "notch": k,
                "x": float(xc),
                "J_mean": float(values.mean()),
                "J_peak": float(values.max()),
            }
        )
    return rows


@paper_style()
def plot_current_density(
    solution: CurrentSolution, ax: Any = None, title: str | None = None, track: Any = None
) -> Any:
    """Map of |J| (A/m^2) with the current direction, on ``ax`` (a new 7 x 3.2 inch figure if
    None); returns the matplotlib Axes. Notch centres of ``track`` are marked."""
    if ax is None:
        ax = Figure(figsize=(7, 3.2), layout="constrained").subplots()
    dx, dy = solution.cell
    extent_nm = [
        (solution.x[0] - dx / 2) * 1e9,
        (solution.x[-1] + dx / 2) * 1e9,
        (solution.y[0] - dy / 2) * 1e9,
        (solution.y[-1] + dy / 2) * 1e9,
    ]
    mag = np.where(solution.mask, solution.J_magnitude, np.nan)
    im = ax.imshow(
        mag.T,
        origin="lower",
        extent=extent_nm,
        cmap="inferno",
        aspect="equal",
        interpolation="nearest",
    )
    ax.figure.colorbar(im, ax=ax, label=r"$|J|$ (A/m$^2$)", shrink=0.85)
    step_x = max(1, len(solution.x) // 24)
    step_y = max(1, len(solution.y) // 10)
    X, Y = np.meshgrid(solution.x[::step_x] * 1e9, solution.y[::step_y] * 1e9, indexing="ij")
    d = solution.direction[::step_x, ::step_y]
    keep = solution.mask[::step_x, ::step_y]
    ax.quiver(X[keep], Y[keep], d[..., 0][keep], d[..., 1][keep], color="w", scale=40, width=0.002)
    if track is not None and getattr(track, "notch_centres", None) is not None:
        for xc in np.atleast_1d(track.notch_centres):
            ax.axvline(float(np.ravel(xc)[0]) * 1e9, color="c", lw=0.5, ls=":")
    ax.set_xlabel("x (nm)")
    ax.set_ylabel("y (nm)")
    ax.set_title(
        title
        or f"V = {solution.voltage:g} V, I = {solution.current * 1e3:.3g} mA, "
        f"R = {solution.resistance:.4g} $\\Omega$"
    )
    return ax


@paper_style()
def save_current_map(solution: CurrentSolution, track: Any, path: str | Path, title: str) -> Path:
    """Write the |J| map of ``solution`` (:func:`plot_current_density`) to ``path`` (PNG)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ax = plot_current_density(solution, title=title, track=track)
    ax.figure.savefig(path, dpi=150)
    return path
