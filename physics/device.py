"""Build the micromagnetic device: a plain ubermag ``micromagneticmodel.System``.

The System is the one object every calculator consumes (OOMMF through ``oommfc``, and the JAX
engine). It holds, on a ``discretisedfield`` mesh with one cell across the CoFeB film
(nz = 1, dz = film thickness):

- energy: Exchange + UniaxialAnisotropy(u = z) + DMI(Cnv_z) + Demag + Zeeman (DC bias field);
- dynamics: Precession + Damping + spin-orbit torque as ``mm.Slonczewski`` (see
  :func:`sot_slonczewski_parameters`) with the spatial J(x, y) from :mod:`physics.current` as a
  scalar field, the polarisation sigma = z x j_hat as a vector field, and the pulse as the
  time function ``func`` (the pulse object itself: callable, with ``to_dict``/``breakpoints``)
  sampled every ``dt`` for OOMMF;
- m: the initial state (+z left of the wall, -z right, a Neel tanh profile) with norm Ms inside
  the track's mask and 0 outside;
- T: the temperature (K).

Quantities the JAX engine needs and ubermag has no slot for are read back from the System
with the helpers at the end of this module (film thickness = dz, the mask, the SOT term).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

import numpy as np
from pydantic import Field

from geometries.validation import Real, check, quantity

from .current import CurrentSolution, solve_current_on_mask
from .materials import MU0, Material
from .pulses import FunctionPulse, TrapezoidalPulse

HBAR = 1.054571817e-34  # J s
E_CHARGE = 1.602176634e-19  # C

#: DC bias field of the paper's multi-weight writes: 4 mT along -z (A/m).
DEFAULT_BIAS_FIELD = (0.0, 0.0, -4e-3 / MU0)


def sot_slonczewski_parameters(material: Material) -> dict[str, float]:
    """Map spin-Hall SOT onto OOMMF's Slonczewski term (the oommf-reference case C mapping).

    OOMMF's torque strength is beta = hbar J / (mu0 e t Ms) with t the film thickness (the
    cell size along ``J_direction``, -z by default). With ``Lambda = 1`` the polarisation
    factor is eps = P / 2, so ``P = theta_SH`` gives the damping-like field
    H_DL = beta eps = hbar theta_SH J / (2 e mu0 Ms t) with polarisation sigma = mp.
    OOMMF's field-like part is -gamma beta eps' m x mp (with the matching alpha terms), i.e.
    exactly the LLG torque of a field H_FL = beta eps' along +mp; H_FL = r H_DL (r the
    material's ``field_like_ratio``) therefore needs eps' = r eps = r theta_SH / 2.
    """
    return {
        "P": float(material.theta_sh),
        "Lambda": 1.0,
        "eps_prime": float(material.field_like_ratio * material.theta_sh / 2.0),
    }


def spin_hall_field(J: float | np.ndarray, material: Material) -> float | np.ndarray:
    """Damping-like spin Hall field H_DL = hbar theta_SH J / (2 e mu0 Ms t) (A/m) for J (A/m^2)."""
    return (
        HBAR
        * material.theta_sh
        * np.asarray(J)
        / (2 * E_CHARGE * MU0 * material.Ms * material.t_fm)
    )


def polarisation_from_current(J: np.ndarray) -> np.ndarray:
    """sigma = z x j_hat per cell for in-plane J (..., 2); (0, 1, 0) where J = 0 (A/m^2 in)."""
    J = np.asarray(J, dtype=float)
    mag = np.hypot(J[..., 0], J[..., 1])
    sigma = np.zeros(J.shape[:-1] + (3,))
    sigma[..., 1] = 1.0
    ok = mag > 0
    # z x (jx, jy, 0) = (-jy, jx, 0)
    sigma[ok, 0] = -J[ok, 1] / mag[ok]
    sigma[ok, 1] = J[ok, 0] / mag[ok]
    return sigma


#: (dx, dy) or (dx, dy, dz) in m, each finite and > 0.
_CELL = Annotated[
    tuple[Annotated[Real, Field(gt=0)], ...],
    quantity(unit="m", description="cell (dx, dy[, dz])", min_length=2, max_length=3),
]
#: Absolute temperature (K).
_TEMPERATURE = Annotated[Real, quantity(unit="K", description="temperature", ge=0)]
#: A DC field H (A/m), three components.
_FIELD = Annotated[tuple[Real, Real, Real], quantity(unit="A/m", description="bias field H")]


def _cell_xy(cell: Any, material: Material) -> tuple[float, float, float]:
    if isinstance(cell, np.ndarray):
        cell = tuple(cell.tolist())
    values = check(_CELL, cell, "cell")
    dz = material.t_fm
    if len(values) == 3 and not math.isclose(values[2], dz, rel_tol=1e-9):
        raise ValueError(
            f"cell: dz = {values[2]!r} m must equal the film thickness "
            f"material.t_fm = {dz!r} m (one cell across the film)"
        )
    return values[0], values[1], dz


def _system_name(name: str | None, track: Any) -> str:
    if name is None:
        name = "dwmtj_" + str(getattr(track, "name", "") or "track")
    clean = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not clean or not clean[0].isalpha():
        clean = "d" + clean
    return clean


def grain_anisotropy(
    mask_shape: tuple[int, int], cell: tuple[float, float], material: Material, seed: int
) -> np.ndarray:
    """Ku per cell (J/m^3) with Voronoi grains of ``material.grain_size`` and relative spread
    ``material.ku_dispersion`` (normal, clipped at 5 % of Ku); reproducible with ``seed``."""
    from scipy.spatial import cKDTree

    nx, ny = mask_shape
    dx, dy = cell
    Lx, Ly = nx * dx, ny * dy
    rng = np.random.default_rng(seed)
    n_grains = max(1, int(round(Lx * Ly / (material.grain_size**2))))
    centres = rng.uniform((0, 0), (Lx, Ly), size=(n_grains, 2))
    ku_grain = material.Ku * (1 + material.ku_dispersion * rng.standard_normal(n_grains))
    ku_grain = np.clip(ku_grain, 0.05 * material.Ku, None)
    X, Y = np.meshgrid((np.arange(nx) + 0.5) * dx, (np.arange(ny) + 0.5) * dy, indexing="ij")
    _, nearest = cKDTree(centres).query(np.column_stack([X.ravel(), Y.ravel()]))
    return ku_grain[nearest].reshape(nx, ny)


def _notch_x(track: Any, k: int) -> float:
    centres = getattr(track, "notch_centres", None)
    if centres is None:
        raise ValueError("wall_at_notch: the track has no notches")
    centres = np.asarray(centres, dtype=float)
    xs = centres[:, 0] if centres.ndim == 2 else centres.ravel()
    if not isinstance(k, (int, np.integer)) or not 0 <= k < len(xs):
        raise ValueError(f"wall_at_notch: must be a notch index in 0..{len(xs) - 1}, got {k!r}")
    return float(np.sort(xs)[k])


def build_system(
    track: Any,
    material: Material,
    cell: Any,
    *,
    temperature: float = 0.0,
    bias_field: tuple[float, float, float] = DEFAULT_BIAS_FIELD,
    wall_position: float | None = None,
    wall_at_notch: int | None = None,
    current: CurrentSolution | None = None,
    pulse: TrapezoidalPulse | FunctionPulse | None = None,
    pulse_dt: float | None = None,
    grain_seed: int = 0,
    name: str | None = None,
) -> Any:
    """Return the ``micromagneticmodel.System`` of the DW-MTJ track.

    Parameters (SI units)
    ----------
    track : geometry (``bounds``, ``mask(dx, dy)``, ``notch_centres``).
    material : :class:`~physics.materials.Material`.
    cell : (dx, dy) or (dx, dy, dz) in m; dz is the CoFeB thickness (nz = 1).
    temperature : K (``system.T``); T > 0 selects the thermal evolvers of the calculators.
    bias_field : DC field (A/m); default 4 mT along -z (the paper's write bias).
    wall_position : x of the up/down wall (m); or ``wall_at_notch`` = k (0-based, along +x).
        Neither: the wall sits in the middle of the track.
    current : a :class:`CurrentSolution` on the same cell grid (J at its own voltage); with a
        ``pulse`` it is rescaled to the pulse amplitude. Without ``current`` but with a
        ``pulse`` the current is solved at the pulse amplitude. Neither: no SOT term.
    pulse : the time profile of the drive (``func`` of the Slonczewski term), sampled every
        ``pulse_dt`` s for OOMMF (default: rise/100, at most 0.1 ns).
    grain_seed : seed of the anisotropy grains (used only when material.ku_dispersion > 0).
    """
    import discretisedfield as df
    import micromagneticmodel as mm

    if not isinstance(material, Material):
        raise ValueError(f"material: must be a physics.materials.Material, got {material!r}")
    dx, dy, dz = _cell_xy(cell, material)
    temperature = check(_TEMPERATURE, temperature, "temperature")
    if isinstance(bias_field, np.ndarray):
        bias_field = tuple(bias_field.tolist())
    bias = check(_FIELD, bias_field, "bias_field")
    if wall_position is not None and wall_at_notch is not None:
        raise ValueError("wall_position: give either wall_position or wall_at_notch, not both")

    xmin, ymin, xmax, ymax = (float(b) for b in track.bounds)
    mask = np.asarray(track.mask(dx, dy), dtype=bool)
    nx, ny = mask.shape
    if not mask.any():
        raise ValueError("cell: the track's mask is empty at this cell size")
    mesh = df.Mesh(p1=(xmin, ymin, 0.0), p2=(xmin + nx * dx, ymin + ny * dy, dz), n=(nx, ny, 1))

    # initial state: Neel wall, m_z = -tanh((x - x0)/Delta), m_x = sech(...)
    if wall_at_notch is not None:
        x0 = _notch_x(track, wall_at_notch)
    elif wall_position is not None:
        x0 = float(wall_position)
        if not xmin <= x0 <= xmax:
            raise ValueError(f"wall_position: {x0!r} m is outside the track [{xmin}, {xmax}]")
    else:
        x0 = 0.5 * (xmin + xmax)
    delta = material.wall_width
    xc = xmin + (np.arange(nx) + 0.5) * dx
    u = (xc - x0) / delta
    m0 = np.zeros((nx, ny, 1, 3))
    m0[..., 0] = (1.0 / np.cosh(u))[:, None, None]
    m0[..., 2] = (-np.tanh(u))[:, None, None]
    Ms = np.where(mask, material.Ms, 0.0)[..., None, None]
    m = df.Field(mesh, nvdim=3, value=m0, norm=Ms, valid="norm")

    if material.ku_dispersion > 0:
        ku = grain_anisotropy((nx, ny), (dx, dy), material, grain_seed)
        K = df.Field(mesh, nvdim=1, value=ku[..., None, None])
    else:
        K = material.Ku
    energy = (
        mm.Exchange(A=material.A)
        + mm.UniaxialAnisotropy(K=K, u=(0, 0, 1))
        + mm.DMI(D=material.D, crystalclass="Cnv_z")
        + mm.Demag()
        + mm.Zeeman(H=bias)
    )
    dynamics = mm.Precession(gamma0=mm.consts.gamma0) + mm.Damping(alpha=material.alpha)

    if current is None and pulse is not None:
        current = solve_current_on_mask(
            mask,
            (dx, dy),
            voltage=pulse.amplitude,
            resistivity=material.rho_hm,
            thickness=material.t_hm,
            origin=(xmin, ymin),
        )
    if current is not None:
        if current.J.shape[:2] != (nx, ny) or not np.allclose(current.cell, (dx, dy)):
            raise ValueError(
                f"current: solved on a {current.J.shape[:2]} grid with cell "
                f"{current.cell}, the device has {(nx, ny)} cells of {(dx, dy)}"
            )
        if pulse is not None and pulse.amplitude != current.voltage:
            current = current.scaled(pulse.amplitude)
        J = current.J_magnitude
        sigma = polarisation_from_current(current.J)
        sot = sot_slonczewski_parameters(material)
        kwargs: dict[str, Any] = {}
        if pulse is not None:
            if pulse_dt is None:
                rise = getattr(pulse, "rise", 0.0) or 1e-9
                pulse_dt = min(1e-10, rise / 100)
            kwargs = {"func": pulse, "dt": float(pulse_dt)}
        dynamics += mm.Slonczewski(
            J=df.Field(mesh, nvdim=1, value=J[..., None, None]),
            mp=df.Field(mesh, nvdim=3, value=sigma[:, :, None, :]),
            P=sot["P"],
            Lambda=sot["Lambda"],
            eps_prime=sot["eps_prime"],
            **kwargs,
        )

    system = mm.System(name=_system_name(name, track))
    system.energy = energy
    system.dynamics = dynamics
    system.m = m
    system.T = temperature
    return system


# ---- read-back helpers (what a calculator needs beyond ubermag's slots) ----


def film_thickness(system: Any) -> float:
    """CoFeB thickness t (m) = the mesh's dz (one cell across the film)."""
    return float(system.m.mesh.cell[2])


def track_mask(system: Any) -> np.ndarray:
    """Boolean (nx, ny) mask of magnetic cells (Ms > 0)."""
    return system.m.norm.array[:, :, 0, 0] > 0


def saturation_magnetisation(system: Any) -> np.ndarray:
    """Ms per cell (A/m), shape (nx, ny); 0 outside the track."""
    return np.asarray(system.m.norm.array[:, :, 0, 0])


def sot_term(system: Any) -> Any | None:
    """The Slonczewski (SOT) dynamics term, or None when the device is not driven."""
    import micromagneticmodel as mm

    terms = system.dynamics.get(type=mm.Slonczewski)
    return terms[0] if terms else None


def pulse_of(system: Any) -> TrapezoidalPulse | FunctionPulse | None:
    """The pulse recorded in the System (the Slonczewski term's ``func``), or None (DC/none)."""
    term = sot_term(system)
    func = getattr(term, "func", None) if term is not None else None
    return func if isinstance(func, (TrapezoidalPulse, FunctionPulse)) else None
