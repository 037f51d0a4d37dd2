r"""Per-notch depinning of the surrogate landscape: T = 0 thresholds, and at temperature the
median voltage V50 and spread of one pulse, as smooth (differentiable) functions of the profile.

Thermal escape (SI units). With the wall's angle relaxed (strong DMI, below Walker breakdown)
the rigid (q, phi) wall of :mod:`physics.multiscale.wall_model` moves overdamped,
q' = mu(q) F, with the mobility mu = gamma0 delta / (2 alpha mu0 Ms t w_bar(q)) (m/(N s)), and
diffuses with D = k_B T mu (fluctuation-dissipation). At alpha = 0.02 the wall is not
overdamped (its angle precesses, the escape is energy-diffusion limited), so the prefactor is
calibrated: D is multiplied by 10^log10_rate (:class:`design.surrogate.Calibration`), fitted
to the single-pulse V50 of the stochastic wall model on micromagnetic landscapes
(results/design/wall_model_v50.py), which is itself validated against direct 300 K
micromagnetics (results/paper-scale/README.md). The mean first-passage time out of
notch k over its exit barrier to the next notch's centre, with a reflecting wall half-way back
to the previous notch (Kramers / Pontryagin, exact for 1-D overdamped diffusion, valid also
where the barrier is a few k_B T, unlike the Arrhenius/Langer rate of
:func:`physics.multiscale.wall_model.arrhenius_escape` which needs barrier >> k_B T), is

    tau(V) = int_a^b dx exp(E(x; V)/k_B T) / D(x) int_a^x dy exp(-E(y; V)/k_B T)     (s),

computed in log space (cumulative log-sum-exp) on a grid that moves with the notches. With
the escape treated as a Poisson process at the rate 1/tau during a pulse of effective duration
t_p (s), P(V) = 1 - exp(-t_p / tau(V)); V50 solves P = 1/2 (bisection, then one Newton step
whose gradient is the implicit-function one, dV50/dtheta = -(d log tau/d theta)/(d log tau/dV)),
and the spread is the probit-equivalent standard deviation
sigma_V = 1 / (sqrt(2 pi) P'(V50)), P'(V50) = (ln 2 / 2) |d log tau / dV| (V), the slope taken
with the uncalibrated rate (:func:`v50_and_spread`).

T = 0: the quasi-static threshold of notch k is max over [x_k, x_{k+1}] of
(F_pin - 2 mu0 Ms t H w_bar) / F_sot (V), the smallest V at which the tilted landscape has no
minimum left between the notch and the next (the definition of
:meth:`physics.multiscale.landscape.WallLandscape.depinning_voltages`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp

from design.surrogate import (
    Calibration,
    Profile,
    pin_force,
    smoothed_width,
    sot_force_per_volt,
    tilted_energy,
)
from physics.engine.constants import GAMMA0_DEFAULT, KB
from physics.materials import MU0, Material

#: Grid points per notch for the escape integrals.
N_GRID = 256
#: Where the escape is absorbed: this many wall scales lam past the notch's exit edge.
EXIT_WIDTHS = 3.0
#: Bisection steps for V50 (the bracket shrinks by 2^-N_BISECT).
N_BISECT = 48


@dataclass(frozen=True)
class Pulse:
    """The write pulse: effective duration (s) at full amplitude, temperature (K) and the bias
    field (A/m along z; the paper's -4 mT is -4e-3 / mu0)."""

    duration: float = 50e-9
    temperature: float = 300.0
    bias: float = -4e-3 / MU0


def notch_grids(p: Profile, n: int = N_GRID, exit_length=None) -> jax.Array:
    """Grid (K, n) of wall positions (m) per notch: from half-way back to the previous notch
    (notch 0: half the first spacing, inside the track) to the next notch's centre (the last
    notch: half the last spacing past it, inside the track), or, with ``exit_length`` (m), to
    at most that far past the notch's exit edge (x_k + b/2 + exit_length)."""
    x = p.positions
    K = x.shape[0]
    if K > 1:
        gaps = jnp.diff(x)
        back = jnp.concatenate([gaps[:1], gaps]) * 0.5
        ends = jnp.concatenate([x[1:], x[-1:] + 0.5 * gaps[-1:]])
    else:
        back = jnp.full((1,), 2.0) * p.notch_width
        ends = x + 2.0 * p.notch_width
    starts = jnp.maximum(x - back, 0.0)
    ends = jnp.minimum(ends, p.length)
    if exit_length is not None:
        ends = jnp.minimum(ends, x + 0.5 * p.notch_width + exit_length)
    u = jnp.linspace(0.0, 1.0, n)
    return starts[:, None] + (ends - starts)[:, None] * u[None, :]


def _energy_and_log_diffusion(
    p: Profile, q, V, material: Material, cal: Calibration, pulse: Pulse
) -> tuple[jax.Array, jax.Array]:
    """(E(q; V) / k_B T, log D(q)) on the grid q (m): the tilted landscape in units of k_B T
    and the log of the wall's diffusion coefficient D = k_B T mu 10^log10_rate / w_bar(q)
    (m^2/s), as the escape integrals use them."""
    kT = KB * pulse.temperature
    phi = tilted_energy(p, q, V, pulse.bias, material, cal) / kT
    wbar = smoothed_width(p, q, cal.c_delta * material.wall_width)
    t = material.t_fm
    mobility = GAMMA0_DEFAULT * material.wall_width / (2 * material.alpha * MU0 * material.Ms * t)
    log_d = jnp.log(kT * mobility) + cal.log10_rate * math.log(10.0) - jnp.log(wbar)
    return phi, log_d


def log_escape_time(
    p: Profile, V, material: Material, cal: Calibration, pulse: Pulse, n: int = N_GRID
) -> jax.Array:
    """log tau_k(V) (tau in s) for every notch, shape (K,); V scalar or (K,) (V). The escape
    is absorbed EXIT_WIDTHS wall scales lam past the notch's exit edge (the top of its exit
    barrier), so that the slow calibrated mobility does not add the travel to the next notch."""
    q = notch_grids(p, n, EXIT_WIDTHS * cal.c_delta * material.wall_width)
    V = jnp.broadcast_to(jnp.asarray(V), p.positions.shape)[:, None]
    phi, log_d = _energy_and_log_diffusion(p, q, V, material, cal, pulse)
    log_dq = jnp.log(q[:, 1] - q[:, 0])[:, None]
    inner = jax.lax.cumlogsumexp(-phi + log_dq, axis=1)
    return jax.nn.logsumexp(phi - log_d + inner + log_dq, axis=1)


def quasi_static_thresholds(
    p: Profile, material: Material, cal: Calibration, pulse: Pulse, n: int = N_GRID
) -> jax.Array:
    """T = 0 depinning voltage of every notch (V), shape (K,) (module docstring)."""
    q = notch_grids(p, n)
    centre = p.positions[:, None]
    lam = cal.c_delta * material.wall_width
    net = pin_force(p, q, material, cal) - 2 * MU0 * material.Ms * material.t_fm * (
        pulse.bias * smoothed_width(p, q, lam)
    )
    net = jnp.where(q >= centre, net, -jnp.inf)
    return jnp.maximum(jnp.max(net, axis=1), 0.0) / sot_force_per_volt(p, material, cal)


def _v50(p: Profile, material: Material, cal: Calibration, pulse: Pulse, n: int):
    """(V50, d log tau / dV at V50) per notch, V50 with the implicit-function gradient."""
    target = math.log(pulse.duration / math.log(2.0))

    def g(V, prof):
        return log_escape_time(prof, V, material, cal, pulse, n) - target

    ps = jax.lax.stop_gradient(p)
    v_hi0 = 2.0 * jnp.max(quasi_static_thresholds(ps, material, cal, pulse, n)) + 1e-3
    lo = jnp.zeros_like(ps.positions)
    hi = jnp.full_like(ps.positions, 1.0) * v_hi0

    def body(_, bracket):
        lo, hi = bracket
        mid = 0.5 * (lo + hi)
        slow = g(mid, ps) > 0  # escape slower than wanted: V50 above mid
        return jnp.where(slow, mid, lo), jnp.where(slow, hi, mid)

    lo, hi = jax.lax.fori_loop(0, N_BISECT, body, (lo, hi))
    v_star = jax.lax.stop_gradient(0.5 * (lo + hi))
    # d log tau / dV per notch (the notches are independent rows)
    slope = jax.jacfwd(lambda v: g(v, p))(v_star).diagonal()
    g0 = g(v_star, p)
    v50 = v_star - (g0 - jax.lax.stop_gradient(g0)) / jax.lax.stop_gradient(slope)
    # the slope again at v50, which carries dV50/dtheta, so that its own gradient is complete
    return v50, jax.jacfwd(lambda v: g(v, p))(v50).diagonal()


def v50_and_spread(
    p: Profile, material: Material, cal: Calibration, pulse: Pulse, n: int = N_GRID
) -> tuple[jax.Array, jax.Array]:
    """(V50, sigma_V) of every notch (V, shapes (K,)) for one pulse of ``pulse.duration`` at
    ``pulse.temperature``; differentiable in the profile (module docstring).

    V50 uses the calibrated rate prefactor. The spread is taken from the slope of log tau at
    the V50 of the uncalibrated (overdamped, log10_rate = 0) rate: the calibrated, slower
    mobility moves V50 up towards the T = 0 threshold, where the barrier flattens and the
    escape time turns travel-limited, and there the slope overstates the spread 2-30 times
    against the wall model (results/design/README.md); at its own V50 the overdamped slope is
    the barrier's voltage dependence."""
    v50, _ = _v50(p, material, cal, pulse, n)
    fast = dataclasses.replace(cal, log10_rate=0.0)
    _, slope = _v50(p, material, fast, pulse, n)
    sigma = 1.0 / (math.sqrt(2 * math.pi) * 0.5 * math.log(2.0) * jnp.abs(slope))
    return v50, sigma


def log_backward_escape_time(
    p: Profile, V, material: Material, cal: Calibration, pulse: Pulse, n: int = N_GRID
) -> jax.Array:
    """log tau_back (tau in s) of the wall at notch 0 escaping *backwards*, towards the IN end
    (q = 0), at voltage V (V) and ``pulse``'s bias and temperature: the mean first-passage time
    from notch 0's centre x_0 to the midpoint x_0 / 2 (absorbing; where a stored run counts the
    wall as behind notch 0), with a reflecting wall half-way to notch 1 (x_0 + 2 notch widths
    for a single notch). The same overdamped escape as :func:`log_escape_time` mirrored,

        tau = int_{x_0/2}^{x_0} dx exp(E(x)/k_B T) / D(x) int_x^R dy exp(-E(y)/k_B T),

    with the calibrated rate. The -4 mT bias and a width that narrows towards the IN end both
    tilt the landscape backwards, so notch 0 has to hold against them between pulses (at V = 0)
    as well as carry its forward threshold."""
    x0 = p.positions[0]
    ahead = 0.5 * (p.positions[1] - x0) if p.positions.shape[0] > 1 else 2.0 * p.notch_width
    u = jnp.linspace(0.0, 1.0, n)
    q = 0.5 * x0 + (x0 + ahead - 0.5 * x0) * u
    phi, log_d = _energy_and_log_diffusion(p, q, V, material, cal, pulse)
    log_dq = jnp.log(q[1] - q[0])
    # int_x^R exp(-phi): the cumulative log-sum-exp from the reflecting end
    inner = jax.lax.cumlogsumexp((-phi + log_dq)[::-1])[::-1]
    outer = jnp.where(q <= x0, phi - log_d + inner + log_dq, -jnp.inf)
    return jax.nn.logsumexp(outer)


def backward_escape_probability(
    p: Profile, material: Material, cal: Calibration, pulse: Pulse, hold_time: float, V=0.0
) -> jax.Array:
    """Probability that the wall leaves notch 0 backwards within ``hold_time`` (s) at voltage V
    (V): 1 - exp(-hold_time / tau_back) (:func:`log_backward_escape_time`)."""
    log_tau = log_backward_escape_time(p, V, material, cal, pulse)
    return -jnp.expm1(-hold_time * jnp.exp(-log_tau))


def protocol_backward_escape_probability(
    p: Profile,
    material: Material,
    cal: Calibration,
    pulse: Pulse,
    times,
    volts,
) -> jax.Array:
    """Probability that the wall at notch 0 escapes backwards (:func:`log_backward_escape_time`)
    during a drive V(t) given as a piecewise-linear table (``times`` in s, increasing;
    ``volts`` in V): 1 - exp(-int dt / tau_back(V(t))), the integral by the trapezoid rule on a
    grid of 801 points. ``pulse`` gives the bias and the temperature."""
    times = jnp.asarray(times)
    t = jnp.linspace(times[0], times[-1], 801)
    v = jnp.interp(t, times, jnp.asarray(volts))
    rate = jnp.exp(-jax.vmap(lambda vv: log_backward_escape_time(p, vv, material, cal, pulse))(v))
    return -jnp.expm1(-jnp.trapezoid(rate, t))


def landscape_v50(
    land, pulse: Pulse, log10_rate: float = 0.0, n_bisect: int = N_BISECT
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """(T = 0 threshold, V50, sigma_V) per notch (V) of a tabulated
    :class:`~physics.multiscale.landscape.WallLandscape` (the micromagnetic one), with the
    escape time of this module on its own h_pin, h_sot and width tables: the reference the
    surrogate is compared with. Each notch's range runs from half-way back to the previous
    notch (notch 0: half the first spacing) to the next notch's centre (last notch: half the
    last spacing past it), clipped to the landscape."""
    import numpy as np

    q = np.asarray(land.q)
    c = np.asarray(land.notch_centres)
    gaps = np.diff(c) if c.size > 1 else np.array([4 * land.delta])
    starts = np.maximum(c - 0.5 * np.concatenate([gaps[:1], gaps]), q[0])
    ends = np.minimum(np.concatenate([c[1:], c[-1:] + 0.5 * gaps[-1:]]), q[-1])
    qs = starts[:, None] + (ends - starts)[:, None] * np.linspace(0, 1, N_GRID)[None, :]
    interp = [np.interp(qs, q, np.asarray(a)) for a in (land.h_pin, land.h_sot, land.width)]
    h_pin, h_sot, w = (jnp.asarray(a) for a in interp)
    t, Ms = land.thickness, land.Ms
    kT = KB * pulse.temperature
    dq = jnp.asarray(qs[:, 1] - qs[:, 0])[:, None]
    mobility = GAMMA0_DEFAULT * land.delta / (2 * land.alpha * MU0 * Ms * t)
    log_d = jnp.log(kT * mobility) + log10_rate * math.log(10.0) - jnp.log(w)
    target = math.log(pulse.duration / math.log(2.0))
    qs_j = jnp.asarray(qs)
    centre = jnp.asarray(c)[:, None]
    v_qs = jnp.max(jnp.where(qs_j >= centre, (h_pin - pulse.bias) / h_sot, -jnp.inf), axis=1).clip(
        0.0
    )

    def log_tau(V):
        force = 2 * MU0 * Ms * t * w * (h_pin - pulse.bias - V[:, None] * h_sot)
        E = jnp.concatenate(
            [
                jnp.zeros_like(force[:, :1]),
                jnp.cumsum(0.5 * (force[:, 1:] + force[:, :-1]) * dq, 1),
            ],
            axis=1,
        )
        phi = E / kT
        inner = jax.lax.cumlogsumexp(-phi + jnp.log(dq), axis=1)
        return jax.nn.logsumexp(phi - log_d + inner + jnp.log(dq), axis=1)

    lo = jnp.zeros(c.size)
    hi = jnp.full(c.size, 2.0 * float(jnp.max(v_qs)) + 1e-3)
    for _ in range(n_bisect):
        mid = 0.5 * (lo + hi)
        slow = log_tau(mid) - target > 0
        lo, hi = jnp.where(slow, mid, lo), jnp.where(slow, hi, mid)
    v50 = 0.5 * (lo + hi)
    slope = jax.jacfwd(log_tau)(v50).diagonal()
    sigma = 1.0 / (math.sqrt(2 * math.pi) * 0.5 * math.log(2.0) * jnp.abs(slope))
    return v_qs, v50, sigma
