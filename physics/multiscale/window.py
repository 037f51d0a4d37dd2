"""Windows of a long track and the landscape of a whole notched track.

A window is the x range [x_a, x_b] of the track (cut on cell boundaries) in which the wall is
swept (:func:`physics.multiscale.path.constrained_path`), so that the cost per notch does not
grow with the track's length. What the rest of the track does to the window:

- the domains: the first and last cell columns of a cut are frozen (not moved by the
  minimiser): +z at the left cut (the written domain), -z at the right cut. Exchange and DMI
  between a frozen column and its free neighbour are those of the uniform domain outside;
- the stray field of the parts outside the window (a +z domain left, -z right, saturated) is
  added as a static Zeeman field ("stray") on the window's cells, computed once with the
  engine's Newell demag kernel on the whole track's mask with the window's cells set to zero
  (the window's own demag is the System's Demag term, so the sum is the whole track's demag for
  that outside state);
- the current: J(x, y) of the whole-track current solve (at 1 V), cropped, for h_sot.

A side of the window at the track's own end is not cut (no frozen column there).

Default windows of notch k (centres x_k, spacing s_k = x_{k+1} - x_k): the landscape part
("core") runs from the midpoint to the previous notch (x_0 - s_0 / 2 for notch 0) to the
midpoint past the next notch (x_{k+1} + s_{k+1} / 2; the last window runs to the CLK end minus
``end_margin``), which covers notch k's stable point, its exit barrier and notch k+1's capture
region; the window adds ``margin`` (default 2.5 delta, the wall's tail m_z = tanh(2.5) = 0.987)
beyond the core on each side before the cut. :func:`track_landscape` stitches the windows: each
q is taken from the window whose core centre is nearest.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from physics.current import CurrentSolution, solve_current_on_mask
from physics.device import build_system, polarisation_from_current, spin_hall_field
from physics.materials import MU0, Material

from .landscape import WallLandscape, neel_bloch_field
from .path import DEFAULT_STIFFNESS, DEFAULT_STOPPING, PathResult, constrained_path

#: Bump when the method changes what a cached window holds.
METHOD_VERSION = "constrained-path-2"


@dataclass(frozen=True)
class Window:
    """One window (SI): cut [x_a, x_b] on cell boundaries and landscape core [q_a, q_b]."""

    x_a: float
    x_b: float
    q_a: float
    q_b: float
    cut_left: bool
    cut_right: bool

    @property
    def centre(self) -> float:
        """Centre of the core (m)."""
        return 0.5 * (self.q_a + self.q_b)


class _CroppedTrack:
    """What build_system needs of a track, restricted to columns [i_a, i_a + nx) and, with
    ``j_a`` and ``dy``, to rows [j_a, j_a + ny) (otherwise the track's whole y range)."""

    def __init__(
        self,
        track: Any,
        mask: np.ndarray,
        i_a: int,
        dx: float,
        name: str,
        j_a: int | None = None,
        dy: float | None = None,
    ) -> None:
        x0, y0, _, y1 = (float(b) for b in track.bounds)
        self._mask = mask
        self.name = name
        x_a, x_b = x0 + i_a * dx, x0 + (i_a + mask.shape[0]) * dx
        if j_a is None or dy is None:
            self.bounds = (x_a, y0, x_b, y1)
        else:
            self.bounds = (x_a, y0 + j_a * dy, x_b, y0 + (j_a + mask.shape[1]) * dy)
        self.notch_centres = np.asarray(track.notch_centres, dtype=float)

    def mask(self, dx: float, dy: float, check: bool = True) -> np.ndarray:
        return self._mask


def _crop_current(
    cur: CurrentSolution, i_a: int, i_b: int, j_a: int = 0, j_b: int | None = None
) -> CurrentSolution:
    rows = slice(j_a, j_b)
    return CurrentSolution(
        cur.J[i_a:i_b, rows],
        cur.phi[i_a:i_b, rows],
        cur.mask[i_a:i_b, rows],
        cur.x[i_a:i_b],
        cur.y[rows],
        cur.cell,
        cur.voltage,
        cur.current,
        cur.resistance,
        cur.thickness,
        cur.resistivity,
        cur.section_currents[i_a : max(i_a, i_b - 1)],
    )


def whole_track_current(track: Any, material: Material, cell: tuple[float, float]):
    """The current solution of the whole track at 1 V (A/m^2)."""
    mask = np.asarray(track.mask(*cell), dtype=bool)
    return solve_current_on_mask(
        mask,
        cell,
        voltage=1.0,
        resistivity=material.rho_hm,
        thickness=material.t_hm,
        origin=(float(track.bounds[0]), float(track.bounds[1])),
    )


def outside_stray_field(
    mask: np.ndarray, cell: tuple[float, float, float], Ms: float, i_a: int, i_b: int
) -> np.ndarray:
    """Stray field (A/m), shape (i_b - i_a, ny, 3), on columns [i_a, i_b) of the domains outside
    them: +z Ms on the magnetic cells left of i_a, -z right of i_b - 1 (Newell demag kernel of
    the whole mesh, zero-padded FFT)."""
    import jax
    import jax.numpy as jnp

    from physics.engine.demag import DemagKernel, demag_field

    nx, ny = mask.shape
    m = np.zeros((nx, ny, 1, 3))
    m[:i_a, :, 0, 2] = 1.0
    m[i_b:, :, 0, 2] = -1.0
    Ms_arr = np.where(mask, Ms, 0.0)[..., None]
    m = m * (Ms_arr[..., None] > 0)
    with jax.enable_x64(True):
        kernel = DemagKernel.from_mesh((nx, ny, 1), cell, dtype=jnp.float64)
        H = demag_field(jnp.asarray(m), jnp.asarray(Ms_arr), kernel)
        H = np.asarray(H)[:, :, 0, :]
    return H[i_a:i_b] * mask[i_a:i_b, :, None]


def default_windows(
    track: Any,
    delta: float,
    cell: tuple[float, float],
    *,
    margin: float | None = None,
    end_margin: float | None = None,
) -> list[Window]:
    """One :class:`Window` per notch (module docstring); margin defaults to 2.5 delta, the
    core of the last window ends ``end_margin`` (default 2 delta) before the CLK end."""
    x0, _, x1, _ = (float(b) for b in track.bounds)
    centres = np.sort(np.asarray(track.notch_centres, dtype=float))
    if len(centres) == 0:
        raise ValueError("track: has no notches (use window=False)")
    dx = float(cell[0])
    margin = 2.5 * delta if margin is None else float(margin)
    end_margin = 2.0 * delta if end_margin is None else float(end_margin)
    spacing = np.diff(centres)
    s_first = spacing[0] if len(spacing) else (x1 - x0) / 4
    mids = np.concatenate(
        [[centres[0] - s_first / 2], 0.5 * (centres[1:] + centres[:-1]), [x1 - end_margin]]
    )
    out = []
    for k in range(len(centres)):
        q_a = mids[k]
        q_b = mids[k + 2] if k + 2 < len(mids) else x1 - end_margin
        i_a = max(0, int(math.floor((q_a - margin - x0) / dx)))
        i_b = min(int(round((x1 - x0) / dx)), int(math.ceil((q_b + margin - x0) / dx)))
        nx = int(round((x1 - x0) / dx))
        out.append(
            Window(
                x_a=x0 + i_a * dx,
                x_b=x0 + i_b * dx,
                q_a=float(q_a),
                q_b=float(q_b),
                cut_left=i_a > 0,
                cut_right=i_b < nx,
            )
        )
    return out


def _sha(payload: dict) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class WindowSystem:
    """The ubermag System of one window (:func:`window_system`) and what a run on it needs.

    ``system``: the window's ``micromagneticmodel.System`` (frozen cut columns set to the
    outside domains, the outside stray field as a static Zeeman term named "stray");
    ``free``: (nx, ny) bool, the magnetic cells that may move (the cut columns are not free);
    ``current``: the whole-track current solution (at its own voltage, A/m^2) cropped to the
    window; ``columns`` = (i_a, i_b), ``rows`` = (j_a, j_b): the window's cell ranges in the
    whole track's grid; ``x_left`` (m): the left edge of column i_a; ``widths`` (m): the
    magnetic width of each window column."""

    system: Any
    free: np.ndarray
    current: CurrentSolution
    columns: tuple[int, int]
    rows: tuple[int, int]
    x_left: float
    widths: np.ndarray


def window_system(
    track: Any,
    material: Material,
    cell: tuple[float, float],
    window: Window,
    wall_position: float,
    *,
    current: CurrentSolution | None = None,
    crop_rows: bool = False,
    temperature: float = 0.0,
    bias_field: tuple[float, float, float] = (0.0, 0.0, 0.0),
    pulse: Any = None,
    pulse_dt: float | None = None,
) -> WindowSystem:
    """The System of the track cut to ``window`` (module docstring: frozen cut columns, outside
    stray field, cropped whole-track current), with a straight wall at ``wall_position`` (m).

    ``current``: the whole track's current solution (default: solved here at 1 V); it is
    cropped, not re-solved, so J(x, y) is that of the whole track. ``crop_rows``: also drop
    the rows without a magnetic cell in the window (a smaller FFT grid for a narrow window of a
    wide track; the physics is the same). ``temperature`` (K), ``bias_field`` (A/m),
    ``pulse`` and ``pulse_dt`` (s) are passed to :func:`physics.device.build_system` (the
    current is rescaled to the pulse's amplitude from its own voltage)."""
    import discretisedfield as df
    import micromagneticmodel as mm

    dx, dy = float(cell[0]), float(cell[1])
    x0 = float(track.bounds[0])
    mask = np.asarray(track.mask(dx, dy), dtype=bool)
    nx, ny = mask.shape
    i_a = int(round((window.x_a - x0) / dx))
    i_b = int(round((window.x_b - x0) / dx))
    if not 0 <= i_a < i_b <= nx:
        raise ValueError(f"window: [{window.x_a}, {window.x_b}] m is outside the track")
    j_a, j_b = 0, ny
    if crop_rows:
        filled = np.flatnonzero(mask[i_a:i_b].any(axis=0))
        if filled.size == 0:
            raise ValueError(f"window: [{window.x_a}, {window.x_b}] m holds no magnetic cell")
        j_a, j_b = int(filled[0]), int(filled[-1]) + 1
    if current is None:
        current = whole_track_current(track, material, (dx, dy))
    sub = mask[i_a:i_b, j_a:j_b]
    name = getattr(track, "name", "") or "window"
    if crop_rows:
        cropped = _CroppedTrack(track, sub, i_a, dx, name, j_a=j_a, dy=dy)
    else:
        cropped = _CroppedTrack(track, sub, i_a, dx, name)
    cur = _crop_current(current, i_a, i_b, j_a, j_b)
    system = build_system(
        cropped,
        material,
        (dx, dy),
        temperature=temperature,
        bias_field=bias_field,
        wall_position=float(wall_position),
        current=cur,
        pulse=pulse,
        pulse_dt=pulse_dt,
        name="window",
    )
    free = sub.copy()
    if window.cut_left or window.cut_right:
        M = np.array(system.m.array)
        if window.cut_left:
            M[0, :, 0, :] = 0.0
            M[0, :, 0, 2] = np.where(sub[0], material.Ms, 0.0)
            free[0] = False
        if window.cut_right:
            M[-1, :, 0, :] = 0.0
            M[-1, :, 0, 2] = np.where(sub[-1], -material.Ms, 0.0)
            free[-1] = False
        system.m = df.Field(system.m.mesh, nvdim=3, value=M, valid="norm")
        stray = outside_stray_field(mask, (dx, dy, material.t_fm), material.Ms, i_a, i_b)
        stray = stray[:, j_a:j_b]
        system.energy += mm.Zeeman(
            H=df.Field(system.m.mesh, nvdim=3, value=stray[:, :, None, :]), name="stray"
        )
    return WindowSystem(
        system=system,
        free=free,
        current=cur,
        columns=(i_a, i_b),
        rows=(j_a, j_b),
        x_left=x0 + i_a * dx,
        widths=sub.sum(axis=1) * dy,
    )


def window_path(
    track: Any,
    material: Material,
    cell: tuple[float, float],
    window: Window,
    q_targets: np.ndarray,
    *,
    current: CurrentSolution | None = None,
    stiffness: float = DEFAULT_STIFFNESS,
    stopping_mxHxm: float = DEFAULT_STOPPING,
    progress: bool = False,
    keep_states: bool = False,
) -> PathResult:
    """Constrained path of the wall over ``q_targets`` (m) inside ``window`` (frozen cut
    columns, outside stray field, cropped whole-track current at 1 V; :func:`window_system`);
    bias field zero, so ``h_hold`` is h_pin."""
    ws = window_system(track, material, cell, window, float(q_targets[0]), current=current)
    sot = (
        spin_hall_field(ws.current.J_magnitude, material),
        polarisation_from_current(ws.current.J),
    )
    return constrained_path(
        ws.system,
        q_targets,
        free=ws.free,
        sot=sot,
        stiffness=stiffness,
        stopping_mxHxm=stopping_mxHxm,
        keep_states=keep_states,
        progress=progress,
        desc=f"window {window.x_a * 1e9:.0f}-{window.x_b * 1e9:.0f} nm",
    )


def _cached(
    cache_dir: Path | None, key: str, compute, read_dirs: Sequence[Path] = ()
) -> dict[str, np.ndarray]:
    """The window result ``key`` from ``cache_dir`` or, read-only, from ``read_dirs``; else
    ``compute()``, written (atomically) to ``cache_dir`` only."""
    for folder in [*([cache_dir] if cache_dir is not None else []), *read_dirs]:
        path = Path(folder) / f"{key}.npz"
        if path.exists():
            with np.load(path) as data:
                return {k: np.asarray(data[k]) for k in data.files}
    out = compute()
    if cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        tmp = Path(cache_dir) / f"{key}.tmp.npz"
        np.savez(tmp, **out)
        tmp.replace(Path(cache_dir) / f"{key}.npz")
    return out


def track_landscape(
    track: Any,
    material: Material,
    cell: tuple[float, float],
    *,
    window: bool = True,
    dq: float = 1e-9,
    q_range: tuple[float, float] | None = None,
    margin: float | None = None,
    end_margin: float | None = None,
    in_margin: float | None = None,
    notches: list[int] | None = None,
    stiffness: float = DEFAULT_STIFFNESS,
    stopping_mxHxm: float = DEFAULT_STOPPING,
    cache_dir: str | Path | None = None,
    read_dirs: Sequence[str | Path] = (),
    progress: bool = True,
) -> WallLandscape:
    """The :class:`WallLandscape` of a notched track at T = 0 (SI units).

    window=True: one window per notch (:func:`default_windows`; ``margin``, ``end_margin``),
    stitched (each q from the window whose core centre is nearest); ``notches`` restricts the
    windows computed (the landscape then covers their cores only). window=False: one sweep on
    the whole track (the reference the windows are validated against). The q grid is uniform
    with step ``dq`` over ``q_range`` (default: from the first window's core start to the last
    one's end). ``in_margin`` (m, windows only): the landscape also covers the stretch from
    in_margin after the IN end to the first window's core, by one more sweep on the first
    window extended to the IN end that starts at that core's first point and moves the wall
    back towards IN (a sweep started at the IN end itself leaves a distorted wall that it
    carries into notch 0); the grid keeps its points, extended by whole steps. Each window's
    result is cached in ``cache_dir`` under the SHA-256 of its inputs
    (track, material, cell, window, q grid, stiffness, stopping, method version), so an
    interrupted computation resumes; ``read_dirs`` are searched too but never written (a
    committed set of windows).
    """
    cell = (float(cell[0]), float(cell[1]))
    delta = material.wall_width
    windows = default_windows(track, delta, cell, margin=margin, end_margin=end_margin)
    chosen = list(range(len(windows))) if notches is None else sorted(notches)
    x0, _, x1, _ = (float(b) for b in track.bounds)
    core_start = windows[chosen[0]].q_a
    if in_margin is not None:
        in_margin = float(in_margin)
        if not window or chosen[0] != 0 or q_range is not None:
            raise ValueError(
                "in_margin: needs the windows (window=True) from the first notch, no q_range"
            )
        if not (math.isfinite(in_margin) and 2 * dq <= in_margin < core_start - x0 - dq):
            raise ValueError(
                f"in_margin: must be a length (m) in [{2 * dq:g}, {core_start - x0 - dq:g}) "
                f"(two grid steps, the first window's core start less one step), "
                f"got {in_margin!r}"
            )
    if q_range is None:
        q_range = (core_start, windows[chosen[-1]].q_b)
    n = int(math.floor((q_range[1] - q_range[0]) / dq + 1e-9)) + 1
    q_grid = q_range[0] + dq * np.arange(n)
    if in_margin is not None:  # extended by whole steps: the points after it stay bit for bit
        n_in = int(math.floor((core_start - x0 - in_margin) / dq + 1e-9))
        q_grid = np.concatenate([core_start - dq * np.arange(n_in, 0, -1), q_grid])
        n = len(q_grid)
    current = whole_track_current(track, material, cell)
    base = {
        "track": track.to_dict() if hasattr(track, "to_dict") else repr(track),
        "material": material_dict(material),
        "cell": cell,
        "stiffness": stiffness,
        "stopping": stopping_mxHxm,
        "method": METHOD_VERSION,
    }
    cache = Path(cache_dir) if cache_dir is not None else None
    readonly = [Path(d) for d in read_dirs]
    if window:

        def sweep(w: Window, qs: np.ndarray) -> dict[str, np.ndarray]:
            """The constrained path over ``qs`` in window ``w``, cached under its inputs."""
            key = _sha(base | {"window": w.__dict__, "q": qs.tolist()})

            def compute():
                r = window_path(
                    track,
                    material,
                    cell,
                    w,
                    qs,
                    current=current,
                    stiffness=stiffness,
                    stopping_mxHxm=stopping_mxHxm,
                    progress=progress,
                )
                return _result_arrays(r)

            return _cached(cache, key, compute, readonly)

        pieces = []
        # Each q is taken from the window whose core centre is nearest among those whose core
        # holds q (below), so a window sweeps only that part of its core, plus one grid step on
        # each side: every q is minimised once, not twice as over the overlapping cores.
        centres = np.array([windows[k].centre for k in chosen])
        cores = np.array([(windows[k].q_a, windows[k].q_b) for k in chosen])
        covers = (q_grid[:, None] >= cores[None, :, 0] - 0.5 * dq) & (
            q_grid[:, None] <= cores[None, :, 1] + 0.5 * dq
        )
        distance = np.where(covers, np.abs(q_grid[:, None] - centres[None, :]), np.inf)
        nearest = np.argmin(distance, axis=1)
        for i, k in enumerate(tqdm(chosen, desc="windows", disable=not progress)):
            w = windows[k]
            # (half a step of slack: a q_range that starts on a core's edge stays covered)
            lo = max(q_range[0], w.q_a - 0.5 * dq)
            hi = min(q_range[1], w.q_b + 0.5 * dq)
            mine = np.flatnonzero(nearest == i)
            if mine.size == 0:
                continue
            lo = max(lo, q_grid[max(mine[0] - 1, 0)])
            hi = min(hi, q_grid[min(mine[-1] + 1, n - 1)])
            sel = (q_grid >= lo - 1e-15) & (q_grid <= hi + 1e-15)
            # sweep one step beyond the core on each side: the tangent at its ends is central
            qs = np.concatenate([[q_grid[sel][0] - dq], q_grid[sel], [q_grid[sel][-1] + dq]])
            pieces.append((w, sweep(w, qs)))
        h_pin, h_sot = np.full(n, np.nan), np.full(n, np.nan)
        best = np.full(n, np.inf)
        for w, arr in pieces:
            h, s = _interp_piece(arr, q_grid)
            inside = (q_grid >= arr["q"].min()) & (q_grid <= arr["q"].max())
            dist = np.abs(q_grid - w.centre)
            take = inside & (dist < best)
            h_pin[take], h_sot[take], best[take] = h[take], s[take], dist[take]
        behind = q_grid < core_start - 0.5 * dq
        if in_margin is not None and behind.any():
            first = windows[chosen[0]]
            w_in = Window(
                x_a=x0,
                x_b=first.x_b,
                q_a=float(q_grid[0]),
                q_b=core_start,
                cut_left=False,
                cut_right=first.cut_right,
            )
            j0 = int(np.flatnonzero(behind)[-1]) + 1  # the core's first point
            qs_in = np.concatenate([[q_grid[j0] + dq], q_grid[j0::-1], [q_grid[0] - dq]])
            arr = sweep(w_in, qs_in)
            h, s = _interp_piece(arr, q_grid)
            h_pin[behind], h_sot[behind] = h[behind], s[behind]
            pieces.append((w_in, arr))
        settings = {"windows": [p[0].__dict__ for p in pieces]}
        stats = {
            "seconds": float(sum(p[1]["seconds"][0] for p in pieces)),
            "snap_q": sorted(float(q) for p in pieces for q in p[1]["q"][p[1]["snap"]]),
            "max_gap": max(float(p[1]["max_gap"][0]) for p in pieces),
            "all_converged": all(bool(p[1]["converged"].all()) for p in pieces),
        }
    else:
        qs = np.concatenate([[q_grid[0] - dq], q_grid, [q_grid[-1] + dq]])
        key = _sha(base | {"window": "whole-track", "q": qs.tolist()})

        def compute():
            system = build_system(
                track, material, cell, bias_field=(0.0, 0.0, 0.0), wall_position=float(qs[0])
            )
            sot = (
                spin_hall_field(current.J_magnitude, material),
                polarisation_from_current(current.J),
            )
            r = constrained_path(
                system,
                qs,
                sot=sot,
                stiffness=stiffness,
                stopping_mxHxm=stopping_mxHxm,
                progress=progress,
                desc="whole track",
            )
            return _result_arrays(r)

        arr = _cached(cache, key, compute, readonly)
        h_pin, h_sot = _interp_piece(arr, q_grid)
        settings = {"windows": None}
        stats = {
            "seconds": float(arr["seconds"][0]),
            "snap_q": [float(q) for q in arr["q"][arr["snap"]]],
            "max_gap": float(arr["max_gap"][0]),
            "all_converged": bool(arr["converged"].all()),
        }
    if not (np.all(np.isfinite(h_pin)) and np.all(np.isfinite(h_sot))):
        raise ValueError("q_range: not covered by the windows computed")
    mask = np.asarray(track.mask(*cell), dtype=bool)
    widths = mask.sum(axis=1) * cell[1]
    col = np.clip(((q_grid - x0) / cell[0]).astype(int), 0, len(widths) - 1)
    width = widths[col]
    energy = WallLandscape.energy_from(q_grid, h_pin, width, material.Ms, material.t_fm)
    return WallLandscape(
        q=q_grid,
        h_pin=h_pin,
        h_sot=h_sot,
        width=width,
        energy=energy,
        Ms=material.Ms,
        thickness=material.t_fm,
        alpha=material.alpha,
        delta=delta,
        h_dmi=material.D / (MU0 * material.Ms * delta),
        h_k=neel_bloch_field(material.Ms, material.t_fm, delta),
        field_like_ratio=material.field_like_ratio,
        notch_centres=np.sort(np.asarray(track.notch_centres, dtype=float)),
        meta={
            "geometry": base["track"],
            "material": base["material"],
            "cell": list(cell),
            "window": window,
            "settings": settings
            | {"dq": dq, "stiffness": stiffness, "stopping_mxHxm": stopping_mxHxm},
            "method": METHOD_VERSION,
            "delta_from": "sqrt(A / K_eff)",
            "seconds": stats["seconds"],
            "snap_q": stats["snap_q"],
            "max_gap": stats["max_gap"],
            "all_converged": stats["all_converged"],
            "versions": software_versions(),
            "track_bounds": [x0, x1],
        },
    )


def _result_arrays(r: PathResult) -> dict[str, np.ndarray]:
    return {
        "q": r.q,
        "h_hold": r.h_hold,
        "h_sot": np.asarray(r.h_sot),
        "torque": r.torque,
        "iterations": r.iterations,
        "converged": r.converged,
        "seconds": np.asarray([r.seconds]),
        "max_gap": np.asarray([r.max_gap]),
        "snap": r.snap,
    }


def _interp_piece(arr: dict, q_grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(arr["q"])
    q = arr["q"][order]
    return (
        np.interp(q_grid, q, arr["h_hold"][order]),
        np.interp(q_grid, q, arr["h_sot"][order]),
    )


def material_dict(material: Material) -> dict:
    """The material's fields as a plain dict."""
    import dataclasses

    try:
        return dataclasses.asdict(material)
    except TypeError:
        return {k: getattr(material, k) for k in type(material).__dataclass_fields__}


def software_versions() -> dict[str, str]:
    """Versions of the packages the landscape depends on."""
    import importlib.metadata as md
    import platform

    out = {"python": platform.python_version()}
    for name in ("jax", "numpy", "discretisedfield", "micromagneticmodel", "dwmtj"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "unknown"
    return out
