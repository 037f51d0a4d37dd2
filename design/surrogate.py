r"""A differentiable surrogate of the wall's pinning landscape, from the width profile alone.

The micromagnetic landscape (:mod:`physics.multiscale.window`) is not differentiable with
respect to the geometry and costs seconds (scaled tracks) to minutes (full size) per notch, so
the design loop uses this closed form, calibrated against the stored micromagnetic landscapes
(:func:`calibrate`, results/design/README.md gives its error per notch, the model's band).

Physics (SI units). A wall across the track at position q has the energy of its cross-section,
E_w(q) = sigma_w t w_bar(q), with sigma_w = 4 sqrt(A K_eff) - pi |D| (J/m^2) the wall energy
per area, t the film thickness (m) and w_bar the track width (m) averaged over the wall's energy
profile, the normalised kernel sech^2(x / lam) / (2 lam) with lam = c_delta * delta
(delta = sqrt(A / K_eff)). For a piecewise linear width (a trapezoid with triangular notches)
the average is exact in closed form: with K2(x) = (lam / 2) log cosh(x / lam) the kernel's
second antiderivative, a triangular notch of depth d (per side), length b and centre x_c adds

    -2 d (2 / b) [K2(q - x_c + b/2) - 2 K2(q - x_c) + K2(q - x_c - b/2)]

to w_bar (two-sided notches), smooth in q, d, b and x_c. The restoring force on the wall is
F_pin(q) = c_pin sigma_w t dw_bar/dq (N), h_pin = F_pin / (2 mu0 Ms t w) (A/m) its uniform-field
equivalent (the convention of :class:`physics.multiscale.landscape.WallLandscape`).

Drive. The damping-like SOT on a Neel wall is the z field (pi / 2) H_SH with
H_SH = hbar theta_SH J / (2 e mu0 Ms t); with the 1-D current density J(q) = I / (t_hm w(q))
the force 2 mu0 Ms t w (pi/2) H_SH = (pi/2) hbar theta_SH I / (e t_hm) does not depend on q:
the narrowing of the track raises J exactly as it shortens the wall. Per volt,
I / V = t_hm / (rho_hm int_0^L dx / w(x)) (the series resistance of the whole profile), so

    F_sot = c_sot (pi / 2) hbar theta_SH / (e rho_hm int_0^L dx / w(x))     (N per V).

The bias field H (A/m along z) pushes with 2 mu0 Ms t w_bar(q) H. Tilted energy at voltage V:
E(q; V) = c_pin sigma_w t w_bar(q) - 2 mu0 Ms t H int w_bar dq - V F_sot q (J).

Edge roughness (:mod:`geometries.roughness`). The rough edges add Delta w(x) = r_top(x) +
r_bottom(x) to the width, sampled on geometries' own uniform grid x_j = j h over [0, L] and
linearly interpolated in between, i.e. a sum of hat functions of height Delta w_j and base 2h.
Each hat is a triangular bump, so its average over the wall's kernel is exact in the same
closed form, Delta w_j (1 / h) [K2(u_j + h) - 2 K2(u_j) + K2(u_j - h)], u_j = q - x_j
(:attr:`Profile.rough`): the rough edges pin the wall through the same F_pin, smooth in
every sample. The drive's series resistance uses the rough width too.

Calibration constants: c_pin (pinning strength), c_delta (kernel width in units of delta),
c_sot (drive), log10_rate (the escape-rate prefactor of :mod:`design.depinning`, log10 of a
factor on the overdamped mobility); :class:`Calibration` holds them with their provenance.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from geometries import EdgeRoughness, NotchSpec, Track
from physics.engine.constants import E_CHARGE, HBAR
from physics.materials import MU0, Material
from physics.multiscale.landscape import WallLandscape, neel_bloch_field

#: Where the calibration made by results/design/calibrate_surrogate.py is stored.
CALIBRATION_FILE = Path(__file__).resolve().parent / "calibration.json"


@dataclass(frozen=True)
class Calibration:
    """Dimensionless constants of the surrogate (see the module docstring)."""

    c_pin: float = 1.0
    c_delta: float = 1.0
    c_sot: float = 1.0
    log10_rate: float = 0.0
    source: str = "uncalibrated (physics defaults)"

    def to_dict(self) -> dict:
        """Plain dict (JSON)."""
        return asdict(self)


def load_calibration(path: str | Path | None = None) -> Calibration:
    """The stored calibration (``design/calibration.json``) or the physics defaults if absent."""
    path = Path(path) if path is not None else CALIBRATION_FILE
    if not path.is_file():
        return Calibration()
    data = json.loads(path.read_text())
    return Calibration(
        **{k: data[k] for k in ("c_pin", "c_delta", "c_sot", "log10_rate", "source")}
    )


class Profile(NamedTuple):
    """A trapezoid with two-sided triangular notches (a JAX pytree; lengths in m).

    w1, w2: widths at the IN (x = 0) and CLK (x = length) ends; notch_width: the notches'
    length b along x; positions (K,): notch centres from IN; depths (K,): indentation per side;
    rough (N,) or None: the edge roughness's width change Delta w (m, > 0 wider) at N >= 2
    equally spaced points from x = 0 to x = length (geometries' sampling grid), linear in
    between; None: smooth edges.
    """

    w1: jax.Array
    w2: jax.Array
    length: jax.Array
    notch_width: jax.Array
    positions: jax.Array
    depths: jax.Array
    rough: jax.Array | None = None


def roughness_width(roughness: EdgeRoughness, length: float) -> np.ndarray:
    """Delta w = r_top + r_bottom (m) of geometries' seeded rough edges on their own sampling
    grid over [0, length] (m): the :attr:`Profile.rough` of a track with ``roughness``."""
    _, r_top, r_bottom = roughness.sample(length)
    return r_top + r_bottom


def roughness_ensemble(
    amplitude: float, correlation_length: float, length: float, n: int, seed: int = 0
) -> np.ndarray:
    """(n, N) width changes Delta w (m) of n independent rough tracks: geometries'
    :class:`~geometries.EdgeRoughness` with RMS ``amplitude`` per edge (m), Gaussian
    ``correlation_length`` (m) and seeds seed, seed + 1, ...; fabrication variance for the
    robust objective and the yield."""
    return np.stack(
        [
            roughness_width(EdgeRoughness(amplitude, correlation_length, seed + i), length)
            for i in range(n)
        ]
    )


def profile_of(track: Track) -> Profile:
    """The :class:`Profile` of a geometries track (trapezoid or straight, two-sided triangular
    notches, smooth or rough edges); ValueError otherwise."""
    spec = track.notches
    if spec is None or spec.shape != "triangular" or spec.sides != "both":
        raise ValueError("notches: the surrogate models two-sided triangular notches only")
    rough = None
    if track.roughness is not None and track.roughness.amplitude > 0:
        rough = jnp.asarray(roughness_width(track.roughness, track.length))
    f = jnp.asarray
    return Profile(
        f(track.w1),
        f(track.w2),
        f(track.length),
        f(spec.width),
        f(np.asarray(track.notch_centres, dtype=float)),
        f(spec.depths),
        rough,
    )


def track_of(p: Profile, **kwargs) -> Track:
    """The geometries :class:`~geometries.Track` of a profile (validated); ``kwargs`` go to
    the Track (name, description, mtj)."""
    notches = NotchSpec(
        depth=tuple(float(d) for d in np.asarray(p.depths)),
        width=float(p.notch_width),
        shape="triangular",
        sides="both",
        positions=tuple(float(x) for x in np.asarray(p.positions)),
    )
    return Track.trapezoid(float(p.w1), float(p.w2), float(p.length), notches=notches, **kwargs)


def wall_energy_density(material: Material) -> float:
    """sigma_w = 4 sqrt(A K_eff) - pi |D| (J/m^2)."""
    return 4.0 * math.sqrt(material.A * material.K_eff) - math.pi * abs(material.D)


def _logcosh(x):
    a = jnp.abs(x)
    return a + jnp.log1p(jnp.exp(-2.0 * a)) - math.log(2.0)


def _rough_grid(p: Profile) -> tuple[jax.Array, jax.Array]:
    """(x_j, h) (m): the sampling points of ``p.rough`` and their step."""
    assert p.rough is not None
    n = p.rough.shape[-1]
    return jnp.linspace(0.0, 1.0, n) * p.length, p.length / (n - 1)


def width(p: Profile, x) -> jax.Array:
    """Exact local width w(x) (m) of the profile at x (m), notches and roughness included."""
    x = jnp.asarray(x)
    base = p.w1 + (p.w2 - p.w1) * x / p.length
    u = jnp.abs(x[..., None] - p.positions) / (0.5 * p.notch_width)
    w = base - 2.0 * jnp.sum(p.depths * jnp.clip(1.0 - u, 0.0, None), axis=-1)
    if p.rough is not None:
        xs, _ = _rough_grid(p)
        w = w + jnp.interp(x, xs, p.rough)
    return w


def _hat_sum(p: Profile, q, kernel) -> jax.Array:
    """sum_j Delta w_j (1 / h) [k(u_j + h) - 2 k(u_j) + k(u_j - h)] of the rough edges' hat
    functions (k = K2: their kernel average; k = K1: its slope); 0 for smooth edges."""
    if p.rough is None:
        return jnp.zeros_like(q)
    xs, h = _rough_grid(p)
    u = q[..., None] - xs
    hat = (kernel(u + h) - 2.0 * kernel(u) + kernel(u - h)) / h
    return jnp.sum(p.rough * hat, axis=-1)


def smoothed_width(p: Profile, q, lam) -> jax.Array:
    """w_bar(q) (m): the width averaged over the wall's sech^2 energy profile of scale lam (m)."""
    q = jnp.asarray(q)
    base = p.w1 + (p.w2 - p.w1) * q / p.length
    b = p.notch_width

    def k2(x):
        return 0.5 * lam * _logcosh(x / lam)

    u = q[..., None] - p.positions
    tri = (2.0 / b) * (k2(u + 0.5 * b) - 2.0 * k2(u) + k2(u - 0.5 * b))
    return base - 2.0 * jnp.sum(p.depths * tri, axis=-1) + _hat_sum(p, q, k2)


def smoothed_slope(p: Profile, q, lam) -> jax.Array:
    """dw_bar/dq (dimensionless) at q (m)."""
    q = jnp.asarray(q)
    b = p.notch_width

    def k1(x):
        return 0.5 * jnp.tanh(x / lam)

    u = q[..., None] - p.positions
    tri = (2.0 / b) * (k1(u + 0.5 * b) - 2.0 * k1(u) + k1(u - 0.5 * b))
    slope = (p.w2 - p.w1) / p.length - 2.0 * jnp.sum(p.depths * tri, axis=-1)
    return slope + _hat_sum(p, q, k1)


def inverse_width_integral(p: Profile, n: int = 4001) -> jax.Array:
    """int_0^L dx / w(x) (dimensionless), trapezoid rule on n points plus the notch vertices'
    neighbourhood resolved by the fine grid (n large against L / b)."""
    x = jnp.linspace(0.0, 1.0, n) * p.length
    f = 1.0 / width(p, x)
    return jnp.sum(0.5 * (f[1:] + f[:-1]) * jnp.diff(x))


def sot_force_per_volt(p: Profile, material: Material, cal: Calibration) -> jax.Array:
    """F_sot (N per V): the damping-like SOT force on the wall per volt on the device."""
    scale = 0.5 * math.pi * HBAR * material.theta_sh / (E_CHARGE * material.rho_hm)
    return cal.c_sot * scale / inverse_width_integral(p)


def pin_force(p: Profile, q, material: Material, cal: Calibration) -> jax.Array:
    """F_pin(q) (N): the track's restoring force on the wall (> 0 pushes it back to IN)."""
    lam = cal.c_delta * material.wall_width
    return cal.c_pin * wall_energy_density(material) * material.t_fm * smoothed_slope(p, q, lam)


def tilted_energy(p: Profile, q, V, bias: float, material: Material, cal: Calibration) -> jax.Array:
    """E(q; V) - E(q[0]; V) (J) on an increasing grid q (m) at voltage V (V) and bias field
    (A/m along z): pinning (closed form), bias (trapezoid rule) and SOT work."""
    lam = cal.c_delta * material.wall_width
    t = material.t_fm
    wbar = smoothed_width(p, q, lam)
    e_pin = cal.c_pin * wall_energy_density(material) * t * (wbar - wbar[..., :1])
    dq = jnp.diff(q, axis=-1)
    area = jnp.concatenate(
        [jnp.zeros_like(q[..., :1]), jnp.cumsum(0.5 * (wbar[..., 1:] + wbar[..., :-1]) * dq, -1)],
        axis=-1,
    )
    e_bias = -2.0 * MU0 * material.Ms * t * bias * area
    e_sot = -V * sot_force_per_volt(p, material, cal) * (q - q[..., :1])
    return e_pin + e_bias + e_sot


def surrogate_landscape(
    track: Track, material: Material, q: np.ndarray, cal: Calibration
) -> WallLandscape:
    """The surrogate as a :class:`~physics.multiscale.landscape.WallLandscape` on the grid q
    (m), for comparisons with the micromagnetic landscape and for the stochastic wall model."""
    p = profile_of(track)
    with jax.enable_x64(True):
        qj = jnp.asarray(q, dtype=jnp.float64)
        w = np.asarray(width(p, qj))
        force = np.asarray(pin_force(p, qj, material, cal))
        f_sot = float(sot_force_per_volt(p, material, cal))
    t = material.t_fm
    h_pin = force / (2 * MU0 * material.Ms * t * w)
    h_sot = f_sot / (2 * MU0 * material.Ms * t * w)
    delta = material.wall_width
    return WallLandscape(
        q=np.asarray(q, dtype=float),
        h_pin=h_pin,
        h_sot=h_sot,
        width=w,
        energy=WallLandscape.energy_from(np.asarray(q), h_pin, w, material.Ms, t),
        Ms=material.Ms,
        thickness=t,
        alpha=material.alpha,
        delta=delta,
        h_dmi=material.D / (MU0 * material.Ms * delta),
        h_k=neel_bloch_field(material.Ms, t, delta),
        field_like_ratio=material.field_like_ratio,
        notch_centres=np.sort(np.asarray(track.notch_centres, dtype=float)),
        meta={"method": "design.surrogate", "calibration": cal.to_dict()},
    )
