"""The T = 0 pinning landscape of a domain wall along a track: :class:`WallLandscape`.

Pure data (numpy arrays and floats, SI units) with save/load to one ``.npz`` file (arrays plus
a JSON metadata string) and the quasi-static T = 0 depinning voltages of its notches.

Conventions (as :func:`physics.device.build_system`'s initial state): the written domain (+z)
is left of the wall (x < q), -z right; a uniform +z field pushes the wall towards +x (CLK);
positive voltages push it towards +x as well (h_sot > 0).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from physics.materials import MU0

#: Per-position arrays, in this order, with their units.
ARRAYS = {"q": "m", "h_pin": "A/m", "h_sot": "A/m/V", "width": "m", "energy": "J"}
#: Scalars with their units.
SCALARS = {
    "Ms": "A/m",
    "thickness": "m",
    "alpha": "",
    "delta": "m",
    "h_dmi": "A/m",
    "h_k": "A/m",
    "field_like_ratio": "",
}
FORMAT = "dwmtj-wall-landscape"
VERSION = 1


@dataclass(frozen=True)
class WallLandscape:
    """T = 0 pinning landscape of a wall on a uniform, increasing grid of positions q.

    Arrays (shape (n,), SI):

    q : wall position along the track's x axis (m; track coordinates, IN end at
        ``track.bounds[0]``), uniform and increasing.
    h_pin : the uniform +z field (A/m) that holds the wall static at q with NO current and NO
        bias field. h_pin > 0: the track pushes the wall back towards -x (IN). It contains the
        width-gradient force, the notches, demag and the DMI edge effects.
    h_sot : the uniform-z-field equivalent (A/m per V) of the damping-like SOT on the wall at q
        at 1 V on the device (J(x, y) of the whole-track current solve at 1 V), for the wall's
        static (Neel) angle; (pi / 2) H_DL for a rigid tanh Neel wall in a uniform H_DL.
    width : local track width at q (m), from the mask.
    energy : relative wall energy at zero bias (J), E(q) - E(q[0]) = integral from q[0] to q of
        2 mu0 Ms t w(q') h_pin(q') dq' (trapezoid rule; consistent with h_pin).

    Scalars: Ms (A/m), thickness t (m), alpha (Gilbert damping), delta (m, the wall width
    parameter; :func:`~physics.multiscale.window.track_landscape` uses sqrt(A / K_eff)),
    h_dmi = D / (mu0 Ms delta) (A/m), h_k (A/m, the Neel-Bloch shape anisotropy field of the
    wall, :func:`neel_bloch_field`), field_like_ratio (H_FL / H_DL), notch_centres (m,
    ascending), meta (geometry dict, material dict, cell, window settings, method, software
    versions).

    The quasi-static equation of motion of the wall at voltage V and bias H_bias (A/m along z)
    is driven by the net field V h_sot(q) + H_bias - h_pin(q): it advances where that is > 0.
    """

    q: np.ndarray
    h_pin: np.ndarray
    h_sot: np.ndarray
    width: np.ndarray
    energy: np.ndarray
    Ms: float
    thickness: float
    alpha: float
    delta: float
    h_dmi: float
    h_k: float
    field_like_ratio: float
    notch_centres: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ARRAYS:
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=float))
        object.__setattr__(
            self, "notch_centres", np.asarray(self.notch_centres, dtype=float).reshape(-1)
        )
        for name in SCALARS:
            object.__setattr__(self, name, float(getattr(self, name)))
        _validate(self)

    # ------------------------------------------------------------------ derived
    @staticmethod
    def energy_from(q: np.ndarray, h_pin: np.ndarray, width: np.ndarray, Ms: float, t: float):
        """E(q) - E(q[0]) (J) = integral 2 mu0 Ms t w h_pin dq (trapezoid rule)."""
        f = 2 * MU0 * Ms * t * np.asarray(width) * np.asarray(h_pin)
        return np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(q))])

    def stable_points(self, bias_field_z: float = 0.0) -> np.ndarray:
        """Per notch, the stable wall position (m) at V = 0 and bias H (A/m along z): the
        upward crossing of h_pin(q) - H nearest to the notch centre (h_pin rising: the track
        pushes back on both sides), linearly interpolated; the notch centre if there is none
        within half a notch spacing."""
        g = self.h_pin - bias_field_z
        up = np.flatnonzero((g[:-1] < 0) & (g[1:] >= 0))
        crossings = self.q[up] - g[up] * (self.q[up + 1] - self.q[up]) / (g[up + 1] - g[up])
        centres = self.notch_centres
        half = 0.5 * float(np.min(np.diff(centres))) if len(centres) > 1 else np.inf
        out = []
        for c in centres:
            if len(crossings):
                j = int(np.argmin(np.abs(crossings - c)))
                if abs(crossings[j] - c) <= half:
                    out.append(float(crossings[j]))
                    continue
            out.append(float(c))
        return np.asarray(out)

    def depinning_voltages(self, bias_field_z: float) -> np.ndarray:
        """Quasi-static T = 0 depinning voltage (V) of each notch at bias H (A/m along z).

        Notch k: the smallest V with V h_sot(q) + H - h_pin(q) > 0 for every grid q from notch
        k's stable point (:meth:`stable_points` at this bias) to the next notch's stable point
        (for the last notch: to the end of the landscape, the CLK side), i.e. the maximum of
        (h_pin - H) / h_sot over that range, at least 0. NaN for a notch whose range is not
        covered by the landscape or where h_sot <= 0 on it. The resolution is that of the
        q grid (the maximum is taken on the grid points).
        """
        stable = self.stable_points(bias_field_z)
        ends = np.append(stable[1:], self.q[-1])
        out = np.full(len(stable), np.nan)
        for k, (a, b) in enumerate(zip(stable, ends, strict=True)):
            sel = (self.q >= a) & (self.q <= b)
            last = k == len(stable) - 1
            uncovered = a < self.q[0] or (not last and b > self.q[-1])
            if uncovered or not sel.any() or np.any(self.h_sot[sel] <= 0):
                continue
            out[k] = max(0.0, float(np.max((self.h_pin[sel] - bias_field_z) / self.h_sot[sel])))
        return out

    # ------------------------------------------------------------------ file
    def save(self, path: str | Path) -> Path:
        """Write one ``.npz`` file (arrays + a JSON string ``meta_json`` with the scalars, the
        units and ``meta``); returns the path."""
        path = Path(path)
        header = {
            "format": FORMAT,
            "version": VERSION,
            "units": {**ARRAYS, **SCALARS, "notch_centres": "m"},
            "scalars": {k: getattr(self, k) for k in SCALARS},
            "meta": self.meta,
        }
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(
            tmp,
            **{k: getattr(self, k) for k in ARRAYS},
            notch_centres=self.notch_centres,
            meta_json=np.asarray(json.dumps(header, default=_json_default)),
        )
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> WallLandscape:
        """Read a file written by :meth:`save`; ValueError (one line, naming the field) for a
        missing or malformed field, a wrong unit, NaN or infinity, or a non-uniform q grid."""
        path = Path(path)
        try:
            data = np.load(path, allow_pickle=False)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
            raise ValueError(f"{path}: not a wall-landscape .npz file ({exc})") from None
        with data:
            if "meta_json" not in data.files:
                raise ValueError(f"{path}: meta_json: missing")
            try:
                header = json.loads(str(data["meta_json"]))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: meta_json: not JSON ({exc.msg})") from None
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise ValueError(f"{path}: meta_json.format: must be {FORMAT!r}")
            units = header.get("units", {})
            for name, unit in {**ARRAYS, **SCALARS, "notch_centres": "m"}.items():
                if units.get(name) != unit:
                    raise ValueError(
                        f"{path}: {name}: unit must be {unit!r}, the file says {units.get(name)!r}"
                    )
            arrays = {}
            for name in (*ARRAYS, "notch_centres"):
                if name not in data.files:
                    raise ValueError(f"{path}: {name}: missing")
                arrays[name] = np.asarray(data[name])
            scalars = header.get("scalars", {})
            for name in SCALARS:
                if name not in scalars:
                    raise ValueError(f"{path}: {name}: missing")
            try:
                return cls(**arrays, **scalars, meta=header.get("meta", {}))
            except ValueError as exc:
                raise ValueError(f"{path}: {exc}") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"meta: {type(value).__name__} is not JSON serialisable")


def _validate(land: WallLandscape) -> None:
    n = None
    for name in ARRAYS:
        a = getattr(land, name)
        if a.ndim != 1:
            raise ValueError(f"{name}: must be one-dimensional, got shape {a.shape}")
        if n is None:
            n = a.shape[0]
        elif a.shape[0] != n:
            raise ValueError(f"{name}: shape {a.shape} differs from q's ({n},)")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name}: must be finite (NaN or inf found) [{ARRAYS[name]}]")
    if n is None or n < 2:
        raise ValueError("q: needs at least 2 positions")
    dq = np.diff(land.q)
    if np.any(dq <= 0) or np.ptp(dq) > 1e-6 * np.mean(dq):
        raise ValueError("q: must be a uniform, increasing grid (m)")
    if np.any(land.width <= 0) or np.any(land.width > 1e-3):
        raise ValueError("width: must be in (0, 1e-3] m")
    if not np.all(np.isfinite(land.notch_centres)) or np.any(np.diff(land.notch_centres) <= 0):
        raise ValueError("notch_centres: must be finite and increasing (m)")
    positive = {"Ms": (1e3, 1e7), "thickness": (1e-10, 1e-6), "delta": (1e-10, 1e-6)}
    for name in SCALARS:
        v = getattr(land, name)
        if not math.isfinite(v):
            raise ValueError(f"{name}: must be finite [{SCALARS[name]}]")
        if name in positive and not positive[name][0] <= v <= positive[name][1]:
            lo, hi = positive[name]
            raise ValueError(f"{name}: {v!r} is outside {lo:g}..{hi:g} {SCALARS[name]}")
    if not 0 < land.alpha < 10:
        raise ValueError(f"alpha: {land.alpha!r} must be in (0, 10)")
    if not isinstance(land.meta, dict):
        raise ValueError("meta: must be a dict")


def neel_bloch_field(Ms: float, thickness: float, delta: float) -> float:
    """Neel-Bloch shape anisotropy field H_K = 2 K_sh / (mu0 Ms) (A/m) of a wall of width
    parameter delta in a film of thickness t (thin strip, w >> delta): the wall core is a slab
    of length ~ pi delta along x, and K_sh = mu0 Ms^2 N_x / 2 with N_x = t ln 2 / (pi delta)
    (Mougin et al., EPL 78, 57007 (2007)); H_K = Ms N_x."""
    return Ms * thickness * math.log(2.0) / (math.pi * delta)
