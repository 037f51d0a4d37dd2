"""Constrained energy minimisation along the wall position: the T = 0 pinning landscape.

Collective coordinate. The written area of a state m (unit vectors, magnetic cells of the
System) is ``U(m) = sum_i (1 + m_z,i) / 2 dx dy`` (m^2), over ALL magnetic cells (fixed cells add
a constant). The wall position q (m, track coordinates) is the x at which a straight wall
encloses that area, ``integral_{x_left}^{q} w(x) dx = U`` with w the column widths of the mask
(:func:`position_from_area`, as ``physics.experiment.readout.wall_position``).

Constrained minimum. For each target U* the engine's L-BFGS (``minimise_lbfgs``) minimises
``E(m) + (kappa / 2) (U(m) - U*)^2`` from the previous state (warm start; one sweep towards
increasing U*). E is the System's energy (exchange, anisotropy, DMI, demag, Zeeman: everything
in ``system.energy``) from the engine's ``field_and_energy``. The penalty's field on cell i is

    H_pen,i = -(1 / (mu0 Ms_i V)) dP/dm_i = -kappa (U - U*) / (2 mu0 Ms_i t) z_hat,

i.e. for a uniform film (Ms_i = Ms) a UNIFORM z field ``H_c = -kappa (U - U*) / (2 mu0 Ms t)``
(A/m). At the constrained minimum the state is therefore an exact equilibrium of the System
with the extra uniform field H_c: H_c is the uniform +z field that holds the wall at q
(reported as ``PathResult.h_hold``). Energy relation: along the path dE/dU = -kappa (U - U*),
and a uniform z field H adds -mu0 Ms H t integral m_z dA = -mu0 Ms H t (2 U - A) (A the track
area), i.e. -2 mu0 Ms t H per unit of U; so

    h_hold(q) = (dE/dU) / (2 mu0 Ms t),      dE/dq = 2 mu0 Ms t w(q) h_hold(q).

Sign: the written (+z) domain is left of the wall (x < q), so a +z field pushes the wall to +x;
h_hold > 0 means the System pushes the wall back towards -x (IN). With a uniform bias H0 z in
``system.energy`` the states are those of the unbiased System (the Zeeman energy depends on m
only through U) and h_hold = h_pin - H0, h_pin the holding field of the unbiased System
(``tests/test_multiscale_landscape.py`` checks this exactly).

Stiffness. ``stiffness`` k (A/m per m of wall displacement) sets kappa = 2 mu0 Ms t k / w_ref
(w_ref = mean column width): the constraint holds the wall like a spring of k w / w_ref (A/m)/m
(w the local width), and the
constrained problem is stable where k > -dh_pin/dq (the downhill flanks of the notches). The
default 2e15 A/m/m (2e6 A/m per nm: 4e-3 nm of slack per 10 mT) is 100 x the steepest downhill
flank of scaled-trapezoid at 4 nm cells (-dh_pin/dq = 2.2e13 A/m/m, 27 mT/nm, where the wall
snaps into a notch). Measured there: 2e14 instead of 2e15 moves the depinning voltages by
0.3-2 % (the q sampling changes; the 1 nm grid itself is good to ~2 %), and a stopping torque of
0.1 A/m instead of the default 0.5 A/m by < 1e-4 relative. A path whose achieved q jumps by
more than a few target steps is reported (``PathResult.max_gap``, 1.01 there).

SOT drive. With ``sot = (H_DL, sigma)`` (the damping-like spin Hall field H_DL (A/m, per cell,
at 1 V) and the polarisation sigma per cell) the generalised force of the DL torque's field
H_DL (m x sigma) along the path tangent dm/dU (central differences of neighbouring states),
divided by that of a uniform unit z field, gives

    h_sot = sum_i Ms_i H_DL,i (m_i x sigma_i) . dm_i/dU  /  sum_i Ms_i z . dm_i/dU   (A/m per V)

the uniform z field equivalent of the SOT at 1 V (for a rigid tanh Neel wall in uniform H_DL:
(pi / 2) H_DL). At "snap" states (``SNAP_RATIO``: the tangent is dominated by an internal
rearrangement of the wall, not by its translation) h_sot is interpolated from the regular
neighbours; ``PathResult.snap`` marks them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from tqdm.auto import tqdm

from physics.engine.constants import MU0
from physics.engine.field import field_and_energy
from physics.engine.minimise import CONVERGED, minimise_lbfgs
from physics.engine.system import build_params

#: Default constraint stiffness (A/m per m of wall displacement).
DEFAULT_STIFFNESS = 2e15
#: Default stopping torque max |m x H| (A/m) of each constrained minimisation.
DEFAULT_STOPPING = 0.5


def column_widths(mask: np.ndarray, dy: float) -> np.ndarray:
    """Width (m) of each x column of an (nx, ny[, nz]) mask."""
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim == 3:
        mask = mask.any(axis=-1)
    return mask.sum(axis=1) * float(dy)


def written_area(m: np.ndarray, mask: np.ndarray, cell: Sequence[float]) -> float:
    """U = sum over magnetic cells of (1 + m_z) / 2 dx dy (m^2); m (nx, ny, nz, 3) unit, mask
    (nx, ny[, nz]) bool (one layer: nz = 1)."""
    m = np.asarray(m, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim == 2:
        mask = mask[..., None]
    return float(np.sum(np.where(mask, 0.5 * (1 + m[..., 2]), 0.0)) * cell[0] * cell[1])


def position_from_area(
    U: np.ndarray | float, widths: np.ndarray, x_left: float, dx: float
) -> np.ndarray:
    """Wall position q (m): the x where a straight wall encloses area U (m^2) from x_left, the
    left edge of the first column, with column widths ``widths`` (m) of dx (m)."""
    widths = np.asarray(widths, dtype=float)
    edges = x_left + dx * np.arange(len(widths) + 1)
    cum = np.concatenate([[0.0], np.cumsum(widths * dx)])
    keep = np.concatenate([[True], widths > 0])  # cum strictly increasing on kept edges
    return np.interp(np.asarray(U, dtype=float), cum[keep], edges[keep])


def area_from_position(q: np.ndarray | float, widths: np.ndarray, x_left: float, dx: float):
    """Inverse of :func:`position_from_area`: the area (m^2) left of x = q."""
    widths = np.asarray(widths, dtype=float)
    edges = x_left + dx * np.arange(len(widths) + 1)
    cum = np.concatenate([[0.0], np.cumsum(widths * dx)])
    return np.interp(np.asarray(q, dtype=float), edges, cum)


@dataclass(frozen=True)
class PathResult:
    """One constrained sweep (SI units; arrays of shape (n,), one entry per target)."""

    U_target: np.ndarray
    """Targets U* (m^2)."""
    U: np.ndarray
    """Achieved written area (m^2)."""
    q: np.ndarray
    """Wall position from U (m, track coordinates)."""
    h_hold: np.ndarray
    """Uniform +z field holding the wall at q with the System's own fields (A/m); h_pin when
    the System has no applied field (module docstring)."""
    energy: np.ndarray
    """System energy E(m) (J), penalty excluded."""
    h_sot: np.ndarray | None
    """z-field equivalent of the DL-SOT per volt (A/m/V), or None without ``sot``."""
    torque: np.ndarray
    """max |m x H| (A/m) reached, H including the penalty field."""
    iterations: np.ndarray
    """L-BFGS iterations per target."""
    converged: np.ndarray
    """Per target: the stopping torque was reached."""
    widths: np.ndarray
    """Column widths of the mask (m), shape (nx,)."""
    x_left: float
    """Left edge of the first column (m)."""
    kappa: float
    """Penalty constant (J/m^4)."""
    stiffness: float
    """kappa / (2 mu0 Ms t) times the mean width ((A/m)/m)."""
    snap: np.ndarray
    """Per target: a snap state, h_sot interpolated (``SNAP_RATIO``)."""
    max_gap: float
    """Largest achieved step in q divided by the target step (1: smooth; >> 1: the constraint
    let the wall jump, increase the stiffness)."""
    seconds: float
    """Wall time of the sweep (s)."""
    states: list[np.ndarray] | None = field(default=None, repr=False)
    """The states (nx, ny, nz, 3) when ``keep_states``."""


@partial(jax.jit, static_argnames=("max_iterations",))
def _solve(m0, params, free, area_w, U_star, kappa, stopping, max_iterations):
    ms_ref = jnp.max(params.Ms)
    volume = jnp.prod(params.cell)
    unit = MU0 * volume * ms_ref
    zero = jnp.zeros((), m0.dtype)
    t = params.cell[2]
    inv_ms = jnp.where(params.Ms > 0, 1.0 / jnp.where(params.Ms > 0, params.Ms, 1.0), 0.0)

    def area(m):
        return jnp.sum(area_w * 0.5 * (1.0 + m[..., 2]))

    def objective(m):
        H, E = field_and_energy(m, params, zero)
        dU = area(m) - U_star
        h_pen = -kappa * dU / (2 * MU0 * t) * inv_ms * params.mask
        H = H.at[..., 2].add(h_pen)
        return H, (E + 0.5 * kappa * dU**2) / unit

    result = minimise_lbfgs(
        objective, m0, free, params.Ms / ms_ref, stopping, jnp.asarray(max_iterations)
    )
    _, E = field_and_energy(result.m, params, zero)
    return result, area(result.m), E


#: A state whose path tangent |dm/dU| exceeds this multiple of the rigid-translation tangent
#: |-d_x m / (dU/dq)| is a "snap": the wall's edges rearrange over the cell staircase of a notch
#: (a few states after each notch's crest and before its entry at 4 nm cells). There the
#: finite-difference tangent is dominated by that internal rearrangement, whose projection on
#: the DL-SOT field depends on the q step (finer steps resolve a deeper dip), so h_sot is
#: interpolated (in U) from the neighbouring regular states.
SNAP_RATIO = 1.15


def translation_tangent(m: np.ndarray, magnetic: np.ndarray, cell: Sequence[float]) -> np.ndarray:
    """Rigid-translation tangent -d_x m / (dU/dq) of a state m (nx, ny, 1, 3) (1/m^2): central
    differences along x inside the magnet, one-sided at its x edges."""
    ok = magnetic[..., None]
    nxt, prv = np.roll(m, -1, 0), np.roll(m, 1, 0)
    ok_n, ok_p = np.roll(ok, -1, 0) & ok, np.roll(ok, 1, 0) & ok
    ok_n[-1], ok_p[0] = False, False
    d = np.where(
        ok_n & ok_p, (nxt - prv) / 2, np.where(ok_n, nxt - m, np.where(ok_p, m - prv, 0.0))
    )
    t = -d * ok / cell[0]
    dU_dq = np.sum(t[..., 2]) / 2 * cell[0] * cell[1]
    return t / dU_dq


def _sot_projection(m_prev, m_next, dU, m, Ms, H_dl, sigma, free):
    """(sum Ms H_DL (m x sigma) . dm/dU, sum Ms dm_z/dU) over free cells."""
    tangent = (m_next - m_prev) / dU
    msig = np.cross(m, sigma)
    w = np.where(free, Ms, 0.0)
    num = np.sum(w * H_dl * np.sum(msig * tangent, axis=-1))
    den = np.sum(w * tangent[..., 2])
    return num, den


def constrained_path(
    system: Any,
    q_targets: Sequence[float] | np.ndarray,
    *,
    free: np.ndarray | None = None,
    sot: tuple[np.ndarray, np.ndarray] | None = None,
    stiffness: float = DEFAULT_STIFFNESS,
    stopping_mxHxm: float = DEFAULT_STOPPING,
    max_iterations: int = 20_000,
    keep_states: bool = False,
    progress: bool = False,
    desc: str = "path",
) -> PathResult:
    """Sweep the wall along ``q_targets`` (m, increasing, or decreasing to sweep it back towards
    -x) by constrained minimisation.

    system: an ubermag System (e.g. ``physics.device.build_system(..., bias_field=(0, 0, 0))``)
        whose ``m`` holds a wall near ``q_targets[0]`` (written +z domain on the left); only
        ``system.energy`` is used. Its m is left unchanged.
    free: (nx, ny) bool, the cells the minimiser may move (default: all magnetic cells); the
        others keep system.m (e.g. the frozen end columns of a window).
    sot: (H_DL (nx, ny) A/m at 1 V, sigma (nx, ny, 3)) to compute ``h_sot``.
    stiffness: constraint spring (A/m per m of displacement); see the module docstring.
    stopping_mxHxm: stopping torque (A/m) of each minimisation; max_iterations per target.
    Runs in float64. Returns a :class:`PathResult`; the targets are converted to areas with the
    mask's column widths.
    """
    q_targets = np.asarray(q_targets, dtype=float)
    steps = np.diff(q_targets) if q_targets.ndim == 1 else np.zeros(0)
    if q_targets.ndim != 1 or len(q_targets) < 3 or not (np.all(steps > 0) or np.all(steps < 0)):
        raise ValueError("q_targets: must be at least 3 increasing or decreasing positions (m)")
    if not stiffness > 0:
        raise ValueError(f"stiffness: must be positive ((A/m)/m), got {stiffness!r}")
    start = time.perf_counter()
    with jax.enable_x64(True):
        m0, params, _ = build_params(system, dtype=jnp.float64)
        params = params.replace(torques=(), temperature=jnp.zeros_like(params.temperature))
        magnetic = np.asarray(params.mask) > 0
        if magnetic.shape[2] != 1:
            raise ValueError("system: the landscape needs one cell across the film (nz = 1)")
        Ms = np.asarray(params.Ms)
        if np.ptp(Ms[magnetic]) > 1e-9 * Ms.max():
            raise ValueError("system: the landscape needs a uniform Ms over the track")
        free_mask = magnetic.copy() if free is None else (np.asarray(free)[..., None] & magnetic)
        dx, dy, t = (float(c) for c in np.asarray(params.cell))
        mesh = system.m.mesh
        x_left = float(mesh.region.pmin[0])
        widths = column_widths(magnetic[..., 0], dy)
        w_ref = float(np.mean(widths[widths > 0]))
        ms = float(Ms.max())
        kappa = 2 * MU0 * ms * t * stiffness / w_ref
        U_targets = area_from_position(q_targets, widths, x_left, dx)
        area_w = jnp.asarray(magnetic[..., 0][..., None] * dx * dy, jnp.float64)
        free_j = jnp.asarray(free_mask * 1.0, jnp.float64)
        m = m0
        out: dict[str, list] = {k: [] for k in ("U", "E", "torque", "it", "ok")}
        states: list[np.ndarray] = []
        for U_star in tqdm(U_targets, desc=desc, disable=not progress, leave=False):
            result, U, E = _solve(
                m,
                params,
                free_j,
                area_w,
                jnp.asarray(U_star),
                jnp.asarray(kappa),
                jnp.asarray(stopping_mxHxm, jnp.float64),
                max_iterations,
            )
            m = result.m
            out["U"].append(float(U))
            out["E"].append(float(E))
            out["torque"].append(float(result.mxHxm))
            out["it"].append(int(result.iterations))
            out["ok"].append(int(result.status) == CONVERGED)
            states.append(np.asarray(m))
    U = np.asarray(out["U"])
    h_hold = -kappa * (U - U_targets) / (2 * MU0 * ms * t)
    q = position_from_area(U, widths, x_left, dx)
    h_sot = None
    if sot is not None:
        H_dl = np.asarray(sot[0], dtype=float)[..., None]
        sigma = np.asarray(sot[1], dtype=float)
        sigma = sigma.reshape(sigma.shape[0], sigma.shape[1], 1, 3)
        h_sot = np.empty(len(U))
        snap = np.zeros(len(U), dtype=bool)
        for j in range(len(U)):
            a, b = max(j - 1, 0), min(j + 1, len(U) - 1)
            num, den = _sot_projection(
                states[a], states[b], U[b] - U[a], states[j], Ms, H_dl, sigma, free_mask
            )
            h_sot[j] = num / den if den != 0 else np.nan
            t_path = (states[b] - states[a]) / (U[b] - U[a]) * free_mask[..., None]
            t_rigid = translation_tangent(states[j], magnetic, (dx, dy)) * free_mask[..., None]
            snap[j] = np.linalg.norm(t_path) > SNAP_RATIO * np.linalg.norm(t_rigid)
        if snap.any() and not snap.all():
            kept = np.argsort(U[~snap])
            h_sot[snap] = np.interp(U[snap], U[~snap][kept], h_sot[~snap][kept])
    else:
        snap = np.zeros(len(U), dtype=bool)
    dq = np.abs(np.diff(q_targets))
    gap = float(np.max(np.abs(np.diff(q)) / dq))
    return PathResult(
        U_target=U_targets,
        U=U,
        q=q,
        h_hold=h_hold,
        energy=np.asarray(out["E"]),
        h_sot=h_sot,
        torque=np.asarray(out["torque"]),
        iterations=np.asarray(out["it"]),
        converged=np.asarray(out["ok"]),
        widths=widths,
        x_left=x_left,
        kappa=kappa,
        stiffness=stiffness,
        snap=snap,
        max_gap=gap,
        seconds=time.perf_counter() - start,
        states=states if keep_states else None,
    )


def pi_over_two_check(result: PathResult, H_dl: np.ndarray) -> np.ndarray:
    """(pi / 2) <H_DL> weighted by the wall profile dm_z/dU of each state (A/m/V): the rigid
    1-D Neel-wall value of h_sot, for comparison (needs ``keep_states``)."""
    if result.states is None:
        raise ValueError("result: computed without keep_states")
    states, U = result.states, result.U
    out = np.empty(len(U))
    H = np.asarray(H_dl, dtype=float)[..., None]
    for j in range(len(U)):
        a, b = max(j - 1, 0), min(j + 1, len(U) - 1)
        prof = (states[b][..., 2] - states[a][..., 2]) / (U[b] - U[a])
        out[j] = math.pi / 2 * np.sum(prof * H) / np.sum(prof)
    return out
