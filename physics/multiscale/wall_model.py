r"""Domain wall on a tabulated pinning landscape: the (q, phi) model with thermal noise, rigid or
as an elastic line of (q, phi) segments.

Thousands of pulses on a track in one jitted, vmapped program: each member is one wall with its
own start state, pulse amplitude, bias field, temperature and noise key. No trajectory is
stored, only end states (and, on request, q every ``record_every`` steps).

Public API
----------
``WallModel(q_grid, h_pin, h_sot, width, Ms, thickness, alpha, delta, h_dmi, h_k=0.0,
            field_like_ratio=0.0, gamma0=2.211e5, segments=1, sigma_wall=0, exchange=0)``
            the landscape and the material (SI); segments > 1: an elastic line.
``run_pulses(model, q0, phi0, amplitude, bias, temperature, key, *, rise, plateau, fall,
             settle, dt=1e-12, record_every=None) -> PulseResult(q, phi, escaped, speed_max,
             q_record)``  one trapezoidal pulse then ``settle`` s at V = 0, per member.
``run_pulse_sequence(model, q0, phi0, amplitudes, biases, temperature, key, *, rise, plateau,
             fall, settle, dt=1e-12) -> SequenceResult(q, phi, escaped)``  P pulses in a row
             (a ramp, write/reset), the state carried from pulse to pulse; (N, P) outputs.
``arrhenius_escape(model, notch_range, V, bias, T, direction=+1) -> Escape``  barrier of the
             tilted landscape, curvatures and the Langer (overdamped Kramers) rate.
``landscape_energy(model, V=0, bias=0) -> E``  E(q) (J) on q_grid at phi = 0.
``stability_number(model, dt, amplitude_max, bias_max, temperature_max)``  gamma0 H_max dt.

Scope
-----
The landscape is the wall's adiabatic (quasi-static) energy along its path; the collective
coordinates keep its translation and its moment's angle, not the ringing of the 2-D wall and
the domains that a step of torque sets off. So the model is meant for pulses whose edges are
slow against the wall's response time (~1/(alpha gamma0 H)): the paper's 10 ns edges, not the
50 ps edges of the scaled presets' fast settings, which kick a micromagnetic wall over a notch
well below the landscape's threshold (measured: results/paper-scale/README.md, "Adiabatic
edges"). Fields far above the Walker field (the -42 mT resets) are outside it too (same
README, "Reset").

Geometry and signs
------------------
The wall lies across a perpendicularly magnetised track along x; the domain at x < q is +z,
the one at x > q is -z; theta(x) = 2 arctan exp((x - q)/delta) and the in-plane angle phi of
the wall moment is measured from +x: phi = 0 is the Néel wall that an interfacial DMI D > 0
favours (the engine's Cnv_z convention), phi = +-pi/2 are Bloch walls. A field +H_z grows the
+z domain (pushes the wall to +x). Per unit wall area, with S = t w(q) the wall's
cross-section and V_w = 2 delta S its volume, the energy is

    E(q, phi) = int^q 2 mu0 Ms S (h_pin - H_z) dq'
                + V_w mu0 Ms [ -(pi/2) h_dmi cos(phi) + (h_k/2) cos^2(phi) - (pi/2) H_y sin(phi) ]

(h_dmi = D / (mu0 Ms delta); h_k = 2 K_D / (mu0 Ms) the magnetostatic Néel-Bloch anisotropy
field, > 0 favouring Bloch; H_y an in-plane field along +y). ``h_pin(q)`` is the tabulated
uniform +z field that holds the wall at q at V = 0 and no bias (it contains the width
dependence of the wall energy at phi = 0, so h_pin > 0 pushes the wall back to -x).

Equations (Thiaville et al., EPL 100, 57002 (2012); Emori et al., Nat. Mater. 12, 611
(2013); the Lagrangian of Malozemoff and Slonczewski with the Rayleigh dissipation
alpha Ms/gamma0 (q'^2/delta + delta phi'^2) per unit area):

    alpha q'/delta + phi' = gamma0 H_q
    q'/delta - alpha phi' = gamma0 H_phi

    H_q   = H_bias(t) + V(t) h_sot(q) cos(phi) - h_pin(q) + h_th,q
          = -(1/(2 mu0 Ms S)) dE/dq          (the z-field acting on the wall)
    H_phi = (pi/2) h_dmi sin(phi) - (h_k/2) sin(2 phi) - r V(t) h_sot(q) cos(phi) + h_th,phi
          = +(1/(mu0 Ms V_w)) dE/dphi

solved explicitly as

    q'   = delta gamma0 (alpha H_q + H_phi) / (1 + alpha^2)
    phi' =       gamma0 (H_q - alpha H_phi) / (1 + alpha^2).

The damping-like SOT enters as its z-field equivalent V h_sot(q) cos(phi) (h_sot(q) =
(pi/2) H_SH per volt, H_SH = hbar theta_SH J / (2 e mu0 Ms t)); the field-like torque
H_FL = r H_SH (r = ``field_like_ratio``) is an in-plane field H_y = r (2/pi) V h_sot along +y
(the phi = pi/2 direction), which gives the term -(pi/2) H_y cos(phi) = -r V h_sot cos(phi)
in H_phi (r's sign carries the material's sign convention). Checks: at T = 0 with no pinning
the DL-SOT wall saturates at q' = (pi/2) gamma0 delta h_dmi (phi -> pi/2); a field H below
Walker with h_k = 0 gives q' = gamma0 delta H / alpha; the energy decreases,
dE/dt = -2 mu0 Ms S delta/gamma0 * alpha ((q'/delta)^2 + phi'^2) <= 0 at V = 0.

Thermal fields (Martinez et al., J. Phys.: Condens. Matter 19, 176215 (2007)). Written in
forces, the equations are M x' = -grad E + xi with x = (q, phi),
M = (2 mu0 Ms S / gamma0) [[alpha/delta, 1], [-1, alpha delta]]: a symmetric (dissipative) part
D = (2 mu0 Ms S / gamma0) diag(alpha/delta, alpha delta) and a constant gyrotropic part. The
fluctuation-dissipation theorem <xi xi^T> = 2 k_B T D delta(t - t') then gives Boltzmann
equilibrium exp(-E/k_B T) (the antisymmetric part drops out of the stationary Fokker-Planck
equation). Converted to fields, h_th,q = xi_q / (2 mu0 Ms S) and
h_th,phi = -xi_phi / (2 mu0 Ms S delta), both with the same variance and independent:

    <h_th,i(t) h_th,j(t')> = 2 alpha k_B T / (gamma0 mu0 Ms V_w) delta_ij delta(t - t'),

i.e. a per-step variance 2 alpha k_B T / (gamma0 mu0 Ms V_w dt), added inside H_q and H_phi
(no (1 + alpha^2) in the variance: it is already in the solved equations, exactly as for the
engine's Gilbert-form thermal field, ``physics.engine.thermal``). tests/test_multiscale_wall_
model.py checks <dq^2> = k_B T / (2 mu0 Ms S k) for h_pin = k q and p(phi) ~ exp(-E(phi)/k_B T)
at alpha = 1, where a stray (1 + alpha^2) would double the temperature.

Width-dependent tracks: V_w(q) makes the noise multiplicative in q. As in the engine, the
thermal field of a step is drawn once at the start of the step and held over both Heun stages
(the width is taken at q_n: Itô in the width, Stratonovich-Heun otherwise). The exact
Boltzmann distribution would need a drift k_B T d(mobility)/dq in addition; it is the field
k_B T |w'| / (2 mu0 Ms t w^2), about 10 A/m for w going from 100 to 300 nm over 1 um at 300 K
(t = 1 nm, Ms = 1e6 A/m), negligible against pinning fields of 1e3 A/m, and left out. Also
left out: the phi-dependent part of the width gradient of the wall energy (h_pin holds the
phi = 0 part).

Elastic line (``segments`` S > 1)
---------------------------------
A wall across a wide track need not move as one rigid object: thermally it can depin by a
local bulge, and above Walker breakdown its angle need not precess as one. With S > 1 the wall
is S segments (q_j, phi_j), j = 0 ... S-1, side by side across the width, each of length
dy = w / S (w: the mean of the segments' local widths, held over a step) and each obeying the
(q, phi) equations above for its own cross-section t dy, with two couplings (the
"one-dimensional string" of the creep literature with the (q, phi) dynamics of each element;
cf. Lemerle et al., PRL 80, 849 (1998) for the elastic line, Boulle et al., PRL 111, 217203
(2013) for a tilting DMI wall):

    E_line = sum_j sigma t (q_j+1 - q_j)^2 / (2 dy)                  (the wall's extra area)
           + sum_j (4 A delta t / dy) (1 - cos(phi_j+1 - phi_j))    (exchange along the wall)

so that H_q,j gains sigma / (2 mu0 Ms dy^2) (q_j+1 - 2 q_j + q_j-1) and H_phi,j gains
-(2 A / (mu0 Ms dy^2)) (sin(phi_j+1 - phi_j) - sin(phi_j - phi_j-1)), with free ends (the
missing neighbour of an end segment is absent). sigma = ``sigma_wall`` (J/m^2), A =
``exchange`` (J/m). Each segment feels the landscape at its own position: h_pin(q_j) and
h_sot(q_j) are fields, so every segment carries 1/S of the rigid wall's pinning force at the
same position (the landscape from the constrained minimisation is a width-averaged quantity;
where along the width the notch acts is not resolved). Each segment has its own thermal field
for its volume 2 delta t w(q_j) / S, so the centre of mass fluctuates as the rigid wall, and
the line's internal modes add the bulges. A straight line at T = 0 stays straight and
reproduces the rigid wall exactly. Not included: the tilt dependence of the DMI energy
(cos(phi - chi) of the q-phi-chi model), the DMI boundary condition at the edges, and the
nonlinearity of the area term (small slopes). The wall's position (``q`` of the results, the
escape test, the record) is the mean over the segments; ``q_line``/``phi_line`` hold the
segments, and a run can start from them.

Integration
-----------
Stochastic Heun (Stratonovich): predictor Euler, corrector trapezoid, the thermal field of step
k held over both stages and drawn from ``jax.random.fold_in(key, k)`` (results depend on the
member's key only, not on the batch). Fixed dt (default 1e-12 s), ``lax.scan`` over the steps,
the tables interpolated linearly on their uniform grid (the same numbers as ``jnp.interp``,
without its search). Stability: the Jacobian of (q/delta, phi) has entries gamma0 times the
fields H_max = (pi/2)|h_dmi| + |h_k| + max|h_pin| + max|H_bias| + max|V h_sot| (1 + |r|)
+ delta max|dh_pin/dq| + delta max|V dh_sot/dq|; Heun is stable for real eigenvalues down to
-2/dt and grows by (gamma0 H dt)^4 / 8 per step on pure precession, so dt is refused unless
gamma0 H_max dt <= 0.3 and the per-step thermal kick gamma0 sigma_th dt <= 0.3 rad (at the
narrowest width and highest temperature). Accuracy is another matter: at gamma0 H dt = 0.3 the
precession frequency is ~1.5 % off; the deterministic and equilibrium tests run at
<= 0.05, the Kramers tests at 0.27 (alpha = 1, the number set by the precession in the largest
pinning field, on the flank of the well; at 6 kB T the rate agrees with Langer to 7 %).

Track ends: once q leaves [q_grid[0], q_grid[-1]] the wall is put at that end, flagged
``escaped`` and frozen (a wall pushed out of the track is gone); with ``hold_low_end`` the low
end instead holds the wall at q_grid[0] (not escaped), from where a forward drive moves it on.

Precision: the arrays follow JAX's default float (float32 unless ``jax_enable_x64``; run inside
``jax.enable_x64(True)`` for float64). float32 rounding of q over 1e5 steps is ~1e-5 of q, far
below the thermal motion; the T = 0 comparisons with ODE solutions use float64.
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from physics.engine.constants import GAMMA0_DEFAULT, KB, MU0

STABILITY_LIMIT = 0.3
"""Largest allowed gamma0 H_max dt (and rms thermal phi kick per step, rad)."""
DEFAULT_DT = 1e-12
"""Default time step (s)."""


class WallModel(eqx.Module):
    """The landscape (tables on a uniform grid of wall positions) and the material, SI units."""

    q_grid: jax.Array
    """(n,) wall positions (m), uniform and increasing."""
    h_pin: jax.Array
    """(n,) pinning field (A/m): the +z field that holds the wall at q at V = 0, no bias."""
    h_sot: jax.Array
    """(n,) z-field equivalent (A/m per V) of the damping-like SOT on a Néel wall at 1 V."""
    width: jax.Array
    """(n,) local track width (m) = the wall's length."""
    Ms: float
    """Saturation magnetisation (A/m)."""
    thickness: float
    """Film thickness t (m)."""
    alpha: float
    """Gilbert damping."""
    delta: float
    """Wall width parameter (m)."""
    h_dmi: float
    """D / (mu0 Ms delta) (A/m); > 0 favours the phi = 0 Néel wall."""
    h_k: float = 0.0
    """Néel-Bloch anisotropy field (A/m); > 0 favours Bloch."""
    field_like_ratio: float = 0.0
    """r: field-like field H_FL = r H_SH along +y (phi = pi/2)."""
    gamma0: float = GAMMA0_DEFAULT
    """mu0 |gamma| (m / (A s))."""
    hold_low_end: bool = eqx.field(default=False, static=True)
    """True: the low end of the grid (the IN side) holds the wall instead of absorbing it: a
    wall driven below q_grid[0] waits there (not escaped) and moves on when driven forward (a
    nucleation pad that keeps the wall)."""
    segments: int = eqx.field(default=1, static=True)
    """Number of segments S across the track width (module docstring, "Elastic line"): 1 is
    the rigid wall; S > 1 an elastic line of S (q, phi) segments coupled by the wall tension
    and the exchange along the wall."""
    sigma_wall: float = 0.0
    """Wall energy per unit area (J/m^2), the line tension per unit thickness; needed for
    segments > 1 (sigma = 4 A / delta - pi |D| for the Néel wall)."""
    exchange: float = 0.0
    """Exchange stiffness A (J/m) that couples the segments' angles; needed for segments > 1."""


class PulseResult(NamedTuple):
    """End state of :func:`run_pulses`, leading member axis N."""

    q: jax.Array
    """(N,) wall position (m) at the end (at the track end where escaped)."""
    phi: jax.Array
    """(N,) wall angle (rad, not wrapped)."""
    escaped: jax.Array
    """(N,) bool: the wall left the track."""
    speed_max: jax.Array
    """(N,) largest |q'| (m/s) over the run (Heun-averaged per step)."""
    q_record: jax.Array | None
    """(N, steps // record_every) q after every record_every steps, or None."""
    q_line: jax.Array | None = None
    """(N, S) each segment's position (m) at the end (the rigid wall: S = 1)."""
    phi_line: jax.Array | None = None
    """(N, S) each segment's angle (rad, not wrapped)."""


class SequenceResult(NamedTuple):
    """State after each pulse of :func:`run_pulse_sequence`, shape (N, P)."""

    q: jax.Array
    phi: jax.Array
    escaped: jax.Array


class Escape(NamedTuple):
    """Barrier of the tilted landscape (:func:`arrhenius_escape`)."""

    barrier: float
    """E(q_max) - E(q_min) (J)."""
    barrier_kT: float
    """barrier / (k_B T) (inf at T = 0)."""
    q_min: float
    """Position of the minimum (m)."""
    q_max: float
    """Position of the next maximum in the escape direction (m)."""
    curvature_min: float
    """d2E/dq2 at the minimum (J/m^2)."""
    curvature_max: float
    """d2E/dq2 at the maximum (J/m^2, < 0 for a smooth top)."""
    rate: float
    """Langer rate (1/s) with the (q, phi) mobility; valid for barrier_kT >> 1 and alpha not
    small (spatial-diffusion regime); 0 at T = 0."""


# --- validation ------------------------------------------------------------------------------


def _fail(field: str, reason: str):
    raise ValueError(f"{field}: {reason}")


def _finite_array(value, field: str, ndim: int | None = None) -> np.ndarray:
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        _fail(field, f"must be numeric, got {type(value).__name__}")
    if ndim is not None and a.ndim != ndim:
        _fail(field, f"must have {ndim} dimension(s), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        _fail(field, "must be finite (no NaN or inf)")
    return a


def _scalar(value, field: str, *, positive: bool = False, nonnegative: bool = False) -> float:
    a = _finite_array(value, field, ndim=0)
    x = float(a)
    if positive and not x > 0:
        _fail(field, f"must be > 0, got {x!r}")
    if nonnegative and not x >= 0:
        _fail(field, f"must be >= 0, got {x!r}")
    return x


def check_model(model: WallModel) -> dict:
    """Validate ``model`` (ValueError naming the field); returns its fields as numpy/floats."""
    q = _finite_array(model.q_grid, "q_grid", ndim=1)
    n = q.size
    if n < 2:
        _fail("q_grid", f"needs at least 2 points, got {n}")
    step = np.diff(q)
    if not np.all(step > 0):
        _fail("q_grid", "must be strictly increasing")
    dq = (q[-1] - q[0]) / (n - 1)
    tol = 1e-6 * dq + 8 * np.finfo(np.asarray(model.q_grid).dtype).eps * np.abs(q).max()
    if np.abs(step - dq).max() > tol:
        _fail("q_grid", f"must be uniform (spacing varies by {np.abs(step - dq).max():.3g} m)")
    out = {"q_grid": q}
    for name in ("h_pin", "h_sot", "width"):
        a = _finite_array(getattr(model, name), name, ndim=1)
        if a.shape != q.shape:
            _fail(name, f"must have the shape of q_grid {q.shape}, got {a.shape}")
        out[name] = a
    if not np.all(out["width"] > 0):
        _fail("width", "must be > 0 (m)")
    for name in ("Ms", "thickness", "alpha", "delta", "gamma0"):
        out[name] = _scalar(getattr(model, name), name, positive=True)
    for name in ("h_dmi", "h_k", "field_like_ratio"):
        out[name] = _scalar(getattr(model, name), name)
    segments = model.segments
    if isinstance(segments, bool) or not isinstance(segments, int | np.integer) or segments < 1:
        _fail("segments", f"must be an integer >= 1, got {segments!r}")
    for name in ("sigma_wall", "exchange"):
        out[name] = _scalar(getattr(model, name), name, nonnegative=True)
        if segments > 1 and not out[name] > 0:
            _fail(name, f"must be > 0 for an elastic line (segments = {segments})")
    return out


def _member_array(value, field: str, n: int | None) -> np.ndarray:
    a = _finite_array(value, field)
    if a.ndim > 1:
        _fail(field, f"must be a scalar or have one value per member, got shape {a.shape}")
    if n is not None and a.ndim == 1 and a.size != n:
        _fail(field, f"has {a.size} members, expected {n}")
    return a


def _keys(key, n: int | None) -> jax.Array:
    key = jnp.asarray(key)
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    if key.dtype != jnp.uint32 or key.ndim != 2 or key.shape[1] != 2:
        _fail("key", f"must be (N, 2) uint32 PRNG keys (jax.random.split), got {key.shape}")
    if n is not None and key.shape[0] != n:
        _fail("key", f"has {key.shape[0]} members, expected {n}")
    return key


def _pulse_times(rise, plateau, fall, settle, dt) -> tuple[float, ...]:
    values = []
    for name, v in (("rise", rise), ("plateau", plateau), ("fall", fall), ("settle", settle)):
        values.append(_scalar(v, name, nonnegative=True))
    dt = _scalar(dt, "dt", positive=True)
    if values[0] + values[1] + values[2] <= 0:
        _fail("plateau", "rise + plateau + fall must be positive (s)")
    for name, v in (("rise", values[0]), ("fall", values[2])):
        if 0 < v < dt:
            _fail(name, f"{v!r} s is shorter than one step dt = {dt!r} s")
    return (*values, dt)


def stability_number(
    model: WallModel,
    dt: float,
    amplitude_max: float = 0.0,
    bias_max: float = 0.0,
    temperature_max: float = 0.0,
) -> tuple[float, float]:
    """(gamma0 H_max dt, rms thermal phi kick per step in rad); both must be <= 0.3."""
    m = check_model(model)
    dq = (m["q_grid"][-1] - m["q_grid"][0]) / (m["q_grid"].size - 1)
    pin_slope = np.abs(np.diff(m["h_pin"])).max() / dq
    sot_slope = np.abs(np.diff(m["h_sot"])).max() / dq
    drive = abs(amplitude_max) * np.abs(m["h_sot"]).max()
    h_max = (
        0.5 * math.pi * abs(m["h_dmi"])
        + abs(m["h_k"])
        + np.abs(m["h_pin"]).max()
        + abs(bias_max)
        + drive * (1 + abs(m["field_like_ratio"]))
        + m["delta"] * (pin_slope + abs(amplitude_max) * sot_slope)
    )
    n_seg = int(model.segments)
    dy = m["width"].min() / n_seg
    if n_seg > 1:
        # largest eigenvalue of the discrete Laplacian is 4 / dy^2: tension on q (in units of
        # delta) and exchange on phi
        h_max += (
            4
            / dy**2
            * (
                m["sigma_wall"] * m["delta"] / (2 * MU0 * m["Ms"])
                + 2 * m["exchange"] / (MU0 * m["Ms"])
            )
        )
    volume = 2 * m["delta"] * m["thickness"] * dy
    var = 2 * m["alpha"] * KB * temperature_max / (m["gamma0"] * MU0 * m["Ms"] * volume * dt)
    return float(m["gamma0"] * h_max * dt), float(m["gamma0"] * math.sqrt(var) * dt)


def _check_dt(model, dt, amplitude, bias, temperature) -> None:
    number, kick = stability_number(
        model,
        dt,
        float(np.abs(amplitude).max()),
        float(np.abs(bias).max()),
        float(np.max(temperature)),
    )
    if number > STABILITY_LIMIT:
        _fail(
            "dt",
            f"{dt!r} s is too large: gamma0 H_max dt = {number:.3g} > {STABILITY_LIMIT} "
            f"(stability of the Heun scheme); use dt <= {dt * STABILITY_LIMIT / number:.3g} s",
        )
    if kick > STABILITY_LIMIT:
        _fail(
            "dt",
            f"{dt!r} s is too large: rms thermal kick of phi {kick:.3g} rad per step > "
            f"{STABILITY_LIMIT}; use dt <= {dt * (STABILITY_LIMIT / kick) ** 2:.3g} s",
        )


def _float_dtype():
    return jnp.zeros(()).dtype


def _prepare(model: WallModel, dtype) -> WallModel:
    m = check_model(model)
    arrays = {k: jnp.asarray(v, dtype) for k, v in m.items()}
    return WallModel(**arrays, hold_low_end=bool(model.hold_low_end), segments=int(model.segments))


# --- the dynamics ----------------------------------------------------------------------------


def _profile(t, rise: float, plateau: float, fall: float):
    """Trapezoid 0 -> 1 -> 0 (linear edges) at time t (s); zero after rise + plateau + fall."""
    end = rise + plateau + fall
    up = jnp.clip(t / rise, 0.0, 1.0) if rise > 0 else (t >= 0).astype(t.dtype)
    down = jnp.clip((end - t) / fall, 0.0, 1.0) if fall > 0 else (t <= end).astype(t.dtype)
    return jnp.minimum(up, down)


def _table(model: WallModel):
    """(n, 3) columns h_pin, h_sot, width (interpolated together)."""
    return jnp.stack([model.h_pin, model.h_sot, model.width], axis=-1)


def _lookup(model: WallModel, table, q):
    """(h_pin, h_sot, width) at q: linear interpolation on the uniform grid, clamped at the
    ends (equal to jnp.interp on each column of ``table``)."""
    n = model.q_grid.shape[0]
    q0 = model.q_grid[0]
    dq = (model.q_grid[-1] - q0) / (n - 1)
    x = (q - q0) / dq
    i = jnp.clip(jnp.floor(x), 0, n - 2)
    f = jnp.clip(x - i, 0.0, 1.0)
    i = i.astype(jnp.int32)
    f = f[..., None]
    row = table[i] * (1 - f) + table[i + 1] * f
    return row[..., 0], row[..., 1], row[..., 2]


def _laplacian(a):
    """Second difference along the last axis with free (Neumann) ends: the ends' missing
    neighbour is the end itself."""
    padded = jnp.concatenate([a[..., :1], a, a[..., -1:]], axis=-1)
    return padded[..., 2:] - 2 * a + padded[..., :-2]


def _coupling(model: WallModel, q, phi, dy):
    """(tension field on q, exchange field on phi) (A/m) of the elastic line, segment spacing
    dy (m); zero for the rigid wall. The exchange is the lattice form
    sum (4 A delta t / dy) (1 - cos(phi_j+1 - phi_j)) (periodic in each angle, so a 2 pi
    winding, a Bloch line pair, costs only its gradient energy)."""
    if model.segments == 1:
        return 0.0, 0.0
    h_tension = model.sigma_wall / (2 * MU0 * model.Ms * dy**2) * _laplacian(q)
    # dE/dphi_j / (mu0 Ms V_j) with V_j = 2 delta t dy; free ends
    twist = jnp.sin(jnp.diff(phi))  # sin(phi_j+1 - phi_j), (S - 1,)
    zero = jnp.zeros_like(phi[..., :1])
    pull = jnp.concatenate([twist, zero], axis=-1) - jnp.concatenate([zero, twist], axis=-1)
    h_exchange = -2 * model.exchange / (MU0 * model.Ms * dy**2) * pull
    return h_tension, h_exchange


def _rates(model: WallModel, h_pin, h_sot, phi, V, bias, h_th_q, h_th_phi, h_c_q=0.0, h_c_phi=0.0):
    """(q', phi') (m/s, rad/s) of the (q, phi) equations (module docstring), given the tables
    at the wall's (or each segment's) position and the elastic line's coupling fields."""
    sin, cos = jnp.sin(phi), jnp.cos(phi)
    drive = V * h_sot * cos
    h_q = bias + drive - h_pin + h_th_q + h_c_q
    h_phi = (
        (0.5 * jnp.pi * model.h_dmi - model.h_k * cos) * sin
        - model.field_like_ratio * drive
        + h_th_phi
        + h_c_phi
    )
    scale = model.gamma0 / (1 + model.alpha**2)
    dq = model.delta * scale * (model.alpha * h_q + h_phi)
    dphi = scale * (h_q - model.alpha * h_phi)
    return dq, dphi


NOISE_BLOCK = 100
"""Steps per block of thermal noise: the noise of step k is row k % 100 of
normal(fold_in(key, k // 100), (100, 2)) (record_every must be a multiple of it)."""


class _State(NamedTuple):
    q: jax.Array
    phi: jax.Array
    escaped: jax.Array
    speed_max: jax.Array


def _step(model, table, state: _State, k, xi, amplitude, bias, sigma0, times, n_steps):
    """One stochastic Heun step (index k, standard normals xi (S, 2)) of one member (S
    segments); steps with k >= n_steps (padding of the last noise block) leave the state
    alone."""
    rise, plateau, fall, dt = times
    dtype = state.q.dtype
    t = k.astype(dtype) * dt
    V0 = amplitude * _profile(t, rise, plateau, fall)
    V1 = amplitude * _profile(t + dt, rise, plateau, fall)
    n_seg = model.segments
    h_pin0, h_sot0, width = _lookup(model, table, state.q)
    dy = jnp.mean(width) / n_seg  # segment spacing, held over the step
    # each segment's thermal field for its own volume 2 delta t (w / S)
    noise = (sigma0 / jnp.sqrt(width / n_seg))[..., None] * xi
    c_q, c_phi = _coupling(model, state.q, state.phi, dy)
    dq0, dphi0 = _rates(
        model, h_pin0, h_sot0, state.phi, V0, bias, noise[..., 0], noise[..., 1], c_q, c_phi
    )
    q1 = state.q + dt * dq0
    phi1 = state.phi + dt * dphi0
    h_pin1, h_sot1, _ = _lookup(model, table, q1)
    c_q, c_phi = _coupling(model, q1, phi1, dy)
    dq1, dphi1 = _rates(
        model, h_pin1, h_sot1, phi1, V1, bias, noise[..., 0], noise[..., 1], c_q, c_phi
    )
    speed = 0.5 * (dq0 + dq1)
    q_new = state.q + dt * speed
    phi_new = state.phi + 0.5 * dt * (dphi0 + dphi1)
    lo, hi = model.q_grid[0], model.q_grid[-1]
    centre = jnp.mean(q_new)  # the wall's position: the mean over the segments
    out = (centre > hi) if model.hold_low_end else (centre < lo) | (centre > hi)
    q_new = jnp.clip(q_new, lo, hi)
    frozen = state.escaped | (k >= n_steps)
    speed = jnp.abs(jnp.mean(speed))
    return _State(
        q=jnp.where(frozen, state.q, q_new),
        phi=jnp.where(frozen, state.phi, phi_new),
        escaped=state.escaped | (out & ~frozen),
        speed_max=jnp.where(frozen, state.speed_max, jnp.maximum(state.speed_max, speed)),
    )


def _run_member(model, state, key, amplitude, bias, temperature, times, n_steps, record_every):
    """One member through one pulse and its settle time: (end state, record of the mean q or
    None)."""
    dt = times[-1]
    table = _table(model)
    n_seg = model.segments
    # thermal field std at unit width: sigma^2 = 2 alpha kB T / (gamma0 mu0 Ms 2 delta t w dt)
    sigma0 = jnp.sqrt(
        2
        * model.alpha
        * KB
        * temperature
        / (model.gamma0 * MU0 * model.Ms * 2 * model.delta * model.thickness * dt)
    )

    def block(s, b):
        # the rigid wall (S = 1) draws (100, 2) as it always did
        shape = (NOISE_BLOCK, 2) if n_seg == 1 else (NOISE_BLOCK, n_seg, 2)
        xi = jax.random.normal(jax.random.fold_in(key, b), shape, s.q.dtype)
        xi = xi.reshape(NOISE_BLOCK, n_seg, 2)

        def body(s, inputs):
            k, x = inputs
            return _step(model, table, s, k, x, amplitude, bias, sigma0, times, n_steps), None

        s, _ = jax.lax.scan(body, s, (b * NOISE_BLOCK + jnp.arange(NOISE_BLOCK), xi))
        return s, None

    n_blocks = -(-n_steps // NOISE_BLOCK)
    if record_every is None:
        state, _ = jax.lax.scan(block, state, jnp.arange(n_blocks))
        return state, None
    per = record_every // NOISE_BLOCK

    def chunk(s, bs):
        s, _ = jax.lax.scan(block, s, bs)
        return s, jnp.mean(s.q)

    n_rec = n_steps // record_every
    bs = jnp.arange(n_rec * per).reshape(n_rec, per)
    state, record = jax.lax.scan(chunk, state, bs)
    state, _ = jax.lax.scan(block, state, jnp.arange(n_rec * per, n_blocks))
    return state, record


def _n_steps(rise, plateau, fall, settle, dt) -> int:
    return max(1, int(round((rise + plateau + fall + settle) / dt)))


@partial(jax.jit, static_argnames=("times", "n_steps", "record_every"))
def _run_batch(model, q0, phi0, amplitude, bias, temperature, keys, times, n_steps, record_every):
    def member(q, phi, amp, b, T, key):
        state = _State(q, phi, jnp.asarray(False), jnp.zeros((), q.dtype))
        return _run_member(model, state, key, amp, b, T, times, n_steps, record_every)

    return jax.vmap(member)(q0, phi0, amplitude, bias, temperature, keys)


@partial(jax.jit, static_argnames=("times", "n_steps"))
def _run_sequence(model, q0, phi0, amplitudes, biases, temperature, keys, times, n_steps):
    def member(q, phi, amps, bs, T, key):
        state = _State(q, phi, jnp.asarray(False), jnp.zeros((), q.dtype))

        def pulse(s, inputs):
            amp, b, p = inputs
            s, _ = _run_member(
                model, s, jax.random.fold_in(key, p), amp, b, T, times, n_steps, None
            )
            return s, (jnp.mean(s.q), jnp.mean(s.phi), s.escaped)

        _, out = jax.lax.scan(pulse, state, (amps, bs, jnp.arange(amps.shape[0])))
        return out

    return jax.vmap(member)(q0, phi0, amplitudes, biases, temperature, keys)


def _line_array(value, field: str, n: int, n_seg: int) -> np.ndarray:
    """A start state as (N, S): a scalar, (N,) (a straight wall) or (N, S) (one value per
    segment)."""
    a = _finite_array(value, field)
    if a.ndim == 2:
        if a.shape != (n, n_seg):
            _fail(field, f"must be a scalar, (N={n},) or (N={n}, S={n_seg}), got {a.shape}")
        return a
    a = _member_array(a, field, n)
    return np.broadcast_to(np.broadcast_to(a, (n,))[:, None], (n, n_seg))


def _members(model, q0, phi0, amplitude, bias, temperature, key, two_d: bool):
    """Validate and broadcast the per-member inputs; returns (n, arrays...)."""
    grid = check_model(model)["q_grid"]
    key = _keys(key, None)
    n = key.shape[0]
    n_seg = int(model.segments)
    q0 = _line_array(q0, "q0", n, n_seg)
    if np.any((q0 < grid[0]) | (q0 > grid[-1])):
        _fail("q0", f"must lie on the track [{grid[0]:.6g}, {grid[-1]:.6g}] m")
    phi0 = _line_array(phi0, "phi0", n, n_seg)
    temperature = _member_array(temperature, "temperature", n)
    if np.any(temperature < 0):
        _fail("temperature", "must be >= 0 (K)")
    if two_d:
        amplitude = _finite_array(amplitude, "amplitudes")
        bias = _finite_array(bias, "biases")
        if amplitude.ndim not in (1, 2) or amplitude.ndim == 2 and amplitude.shape[0] != n:
            _fail("amplitudes", f"must be (P,) or (N={n}, P), got shape {amplitude.shape}")
        p = amplitude.shape[-1]
        if p < 1:
            _fail("amplitudes", "needs at least one pulse")
        try:
            bias = np.broadcast_to(
                bias if bias.ndim != 1 or bias.size == p else bias[:, None], (n, p)
            )
        except ValueError:
            _fail("biases", f"must broadcast to (N={n}, P={p}), got shape {bias.shape}")
        amplitude = np.broadcast_to(amplitude, (n, p))
    else:
        amplitude = _member_array(amplitude, "amplitude", n)
        bias = _member_array(bias, "bias", n)
    shape = (n,)
    return (
        n,
        q0,
        phi0,
        amplitude if two_d else np.broadcast_to(amplitude, shape),
        bias if two_d else np.broadcast_to(bias, shape),
        np.broadcast_to(temperature, shape),
        key,
    )


def run_pulses(
    model: WallModel,
    q0,
    phi0,
    amplitude,
    bias,
    temperature,
    key,
    *,
    rise: float,
    plateau: float,
    fall: float,
    settle: float = 0.0,
    dt: float = DEFAULT_DT,
    record_every: int | None = None,
) -> PulseResult:
    """N walls through one trapezoidal pulse (rise, plateau, fall in s; amplitude V per member)
    and ``settle`` s at V = 0, in one jitted vmapped call.

    q0 (m), phi0 (rad), amplitude (V), bias (A/m, the +z field), temperature (K): scalars or
    (N,), N = len(key) (q0 and phi0 also (N, S): each segment of an elastic line); key:
    (N, 2) PRNG keys (``physics.engine.ensemble.ensemble_keys``).
    Step k of member i draws its noise from fold_in(key[i], k). All inputs are checked first
    (ValueError naming the field). ``record_every``: also return q every that many steps.
    """
    n, q0, phi0, amplitude, bias, temperature, key = _members(
        model, q0, phi0, amplitude, bias, temperature, key, two_d=False
    )
    rise, plateau, fall, settle, dt = _pulse_times(rise, plateau, fall, settle, dt)
    if record_every is not None and (
        int(record_every) != record_every or record_every < 1 or record_every % NOISE_BLOCK
    ):
        _fail("record_every", f"must be a positive multiple of {NOISE_BLOCK}, got {record_every!r}")
    _check_dt(model, dt, amplitude, bias, temperature)
    dtype = _float_dtype()
    n_steps = _n_steps(rise, plateau, fall, settle, dt)
    state, record = _run_batch(
        _prepare(model, dtype),
        *(jnp.asarray(a, dtype) for a in (q0, phi0, amplitude, bias, temperature)),
        key,
        times=(rise, plateau, fall, dt),
        n_steps=n_steps,
        record_every=None if record_every is None else int(record_every),
    )
    return PulseResult(
        jnp.mean(state.q, axis=-1),
        jnp.mean(state.phi, axis=-1),
        state.escaped,
        state.speed_max,
        record,
        state.q,
        state.phi,
    )


def run_pulse_sequence(
    model: WallModel,
    q0,
    phi0,
    amplitudes,
    biases,
    temperature,
    key,
    *,
    rise: float,
    plateau: float,
    fall: float,
    settle: float = 0.0,
    dt: float = DEFAULT_DT,
) -> SequenceResult:
    """N walls through P pulses in a row (a voltage ramp, write/reset), the state carried from
    pulse to pulse (``lax.scan`` over pulses), one jitted call.

    amplitudes (V): (P,) shared or (N, P); biases (A/m): scalar, (P,), (N, 1) or (N, P);
    q0, phi0, temperature: scalar or (N,) (q0, phi0 also (N, S)); key (N, 2). Every pulse
    has the same shape (rise, plateau, fall, then settle at V = 0). Pulse p of member i
    draws its noise from fold_in(fold_in(key[i], p), k). Returns q, phi (means over the
    segments), escaped after every pulse, shape (N, P).
    """
    n, q0, phi0, amplitudes, biases, temperature, key = _members(
        model, q0, phi0, amplitudes, biases, temperature, key, two_d=True
    )
    rise, plateau, fall, settle, dt = _pulse_times(rise, plateau, fall, settle, dt)
    _check_dt(model, dt, amplitudes, biases, temperature)
    dtype = _float_dtype()
    q, phi, escaped = _run_sequence(
        _prepare(model, dtype),
        *(jnp.asarray(a, dtype) for a in (q0, phi0, amplitudes, biases, temperature)),
        key,
        times=(rise, plateau, fall, dt),
        n_steps=_n_steps(rise, plateau, fall, settle, dt),
    )
    return SequenceResult(q, phi, escaped)


# --- landscape energy and the Arrhenius / Langer cross-check --------------------------------


def landscape_energy(model: WallModel, V: float = 0.0, bias: float = 0.0) -> np.ndarray:
    """E(q) (J) on q_grid at phi = 0: int 2 mu0 Ms t w (h_pin - bias - V h_sot) dq, E(q0) = 0
    (trapezoid rule, float64)."""
    m = check_model(model)
    V = _scalar(V, "V")
    bias = _scalar(bias, "bias")
    force = 2 * MU0 * m["Ms"] * m["thickness"] * m["width"] * (m["h_pin"] - bias - V * m["h_sot"])
    dq = np.diff(m["q_grid"])
    return np.concatenate([[0.0], np.cumsum(0.5 * (force[1:] + force[:-1]) * dq)])


def arrhenius_escape(
    model: WallModel,
    notch_range: tuple[float, float],
    V: float,
    bias: float,
    T: float,
    direction: int = 1,
) -> Escape:
    """Barrier of the tilted landscape (V in volts, bias in A/m, T in K) between the lowest
    local minimum of E(q) inside notch_range = (q_a, q_b) (m) and the next maximum of E in
    ``direction`` (+1: toward +x, -1: toward -x) inside the range, with the Langer rate.

    Rate (Langer 1969, multidimensional Kramers in the spatial-diffusion regime):
    k = lambda_+ / (2 pi) sqrt(det H_min / |det H_max|) exp(-barrier / k_B T), H the Hessian of
    E(q, phi) (diagonal: d2E/dq2 and k_phi = mu0 Ms V_w ((pi/2) h_dmi - h_k) at phi = 0) and
    lambda_+ the positive eigenvalue of -mu H_max, mu = M^-1 the mobility of the (q, phi)
    equations at the top (module docstring). Curvatures by finite differences on the grid.
    """
    m = check_model(model)
    T = _scalar(T, "T", nonnegative=True)
    if direction not in (1, -1):
        _fail("direction", f"must be +1 or -1, got {direction!r}")
    lo, hi = (_scalar(x, "notch_range") for x in notch_range)
    q = m["q_grid"]
    inside = np.flatnonzero((q >= lo) & (q <= hi))
    if inside.size < 3:
        _fail("notch_range", "must contain at least 3 grid points")
    E = landscape_energy(model, V, bias)
    interior = inside[(inside > 0) & (inside < q.size - 1)]
    local = interior[(E[interior] <= E[interior - 1]) & (E[interior] <= E[interior + 1])]
    if local.size == 0:
        _fail("notch_range", "contains no local minimum of the tilted landscape")
    i_min = local[np.argmin(E[local])]
    beyond = inside[inside > i_min] if direction > 0 else inside[inside < i_min]
    if beyond.size == 0:
        _fail("notch_range", "has no maximum beyond the minimum in that direction")
    i_max = beyond[np.argmax(E[beyond])]
    barrier = float(E[i_max] - E[i_min])
    dq = (q[-1] - q[0]) / (q.size - 1)

    def curvature(i):
        i = int(np.clip(i, 1, q.size - 2))
        return float((E[i + 1] - 2 * E[i] + E[i - 1]) / dq**2)

    k_min, k_max = curvature(i_min), curvature(i_max)

    def k_phi(i):
        volume = 2 * m["delta"] * m["thickness"] * m["width"][i]
        return MU0 * m["Ms"] * volume * (0.5 * math.pi * m["h_dmi"] - m["h_k"])

    rate = 0.0
    if T > 0 and k_min > 0 and k_max < 0 and k_phi(i_min) > 0:
        c = 2 * MU0 * m["Ms"] * m["thickness"] * m["width"][i_max] / m["gamma0"]
        a, d = m["alpha"], m["delta"]
        mobility = np.array([[a * d, -1.0], [1.0, a / d]]) / (c * (1 + a**2))
        hessian = np.diag([k_max, k_phi(i_max)])
        lam = float(np.max(np.linalg.eigvals(-mobility @ hessian).real))
        ratio = (k_min * k_phi(i_min)) / (abs(k_max) * k_phi(i_max))
        rate = lam / (2 * math.pi) * math.sqrt(ratio) * math.exp(-barrier / (KB * T))
    return Escape(
        barrier=barrier,
        barrier_kT=barrier / (KB * T) if T > 0 else math.inf,
        q_min=float(q[i_min]),
        q_max=float(q[i_max]),
        curvature_min=k_min,
        curvature_max=k_max,
        rate=rate,
    )
