"""The rigid (q, phi) wall model of physics.multiscale.wall_model: deterministic limits (1-D
model with DL-SOT, field-driven velocity, depinning from a bump), thermal equilibrium
(Boltzmann in q and phi), Kramers escape, batch independence and input checks."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from scipy import stats
from scipy.integrate import cumulative_trapezoid, solve_ivp

from physics.engine.constants import E_CHARGE, HBAR, KB, MU0
from physics.engine.ensemble import ensemble_keys
from physics.multiscale.wall_model import (
    WallModel,
    arrhenius_escape,
    landscape_energy,
    run_pulse_sequence,
    run_pulses,
)

GAMMA0 = 2.211e5

# --- the SOT chain of tests/test_engine_wall.py (copied, not imported) -----------------------
ALPHA, THETA = 0.02, 0.1
SOT_MS, SOT_D, SOT_DX = 1.1e6, 0.3e-3, 1e-9
SOT_K = 8.5e5 - 0.5 * MU0 * SOT_MS**2
SOT_DELTA = np.sqrt(1.5e-11 / SOT_K)


def one_d_model(J: float, delta: float, times: np.ndarray) -> np.ndarray:
    """tests/test_engine_wall.py's rigid-wall model: (1 + a^2) phi' = g pi/2 (H_SH cos phi -
    a H_D sin phi), q' = Delta (g pi/2 H_D sin phi + a phi')."""
    h_sh = HBAR * THETA * J / (2 * E_CHARGE * MU0 * SOT_MS * SOT_DX)
    h_d = SOT_D / (MU0 * SOT_MS * delta)

    def rhs(t, y):
        phi = y[1]
        dphi = GAMMA0 * np.pi / 2 * (h_sh * np.cos(phi) - ALPHA * h_d * np.sin(phi))
        dphi /= 1 + ALPHA**2
        return [delta * (GAMMA0 * np.pi / 2 * h_d * np.sin(phi) + ALPHA * dphi), dphi]

    sol = solve_ivp(rhs, (0, times[-1]), [0.0, 0.0], t_eval=times, rtol=1e-10, atol=1e-16)
    return sol.y[0]


def flat_model(n=201, length=4e-6, **kw) -> WallModel:
    q = np.linspace(-length / 2, length / 2, n)
    base = dict(
        Ms=SOT_MS,
        thickness=SOT_DX,
        alpha=ALPHA,
        delta=SOT_DELTA,
        h_dmi=SOT_D / (MU0 * SOT_MS * SOT_DELTA),
        h_pin=np.zeros(n),
        h_sot=np.zeros(n),
        width=np.full(n, 100e-9),
    )
    base.update(kw)
    return WallModel(q_grid=q, **base)


@pytest.mark.parametrize("J", [2e10, 5e11])
def test_dl_sot_wall_follows_the_1d_model(J):
    # T = 0, flat track: the same ODE as one_d_model, integrated by Heun at dt = 2e-13 s
    # (gamma0 H dt <= 0.002: global error ~1e-6 relative) in float64 -> 1e-4 relative.
    h_sh = HBAR * THETA * J / (2 * E_CHARGE * MU0 * SOT_MS * SOT_DX)
    model = flat_model(h_sot=np.full(201, np.pi / 2 * h_sh))
    with jax.enable_x64(True):
        run = run_pulses(
            model, 0.0, 0.0, 1.0, 0.0, 0.0, ensemble_keys(0, 1),
            rise=0.0, plateau=2e-9, fall=0.0, dt=2e-13, record_every=500,
        )  # fmt: skip
        record = np.asarray(run.q_record[0])
    times = np.arange(1, record.size + 1) * 500 * 2e-13
    expected = one_d_model(J, SOT_DELTA, times)
    np.testing.assert_allclose(record, expected, rtol=1e-4)
    if J == 5e11:  # H_SH >> alpha H_D: phi -> pi/2, q' -> (pi/2) gamma0 delta h_dmi
        v = np.polyfit(times[-10:], record[-10:], 1)[0]
        v_sat = np.pi / 2 * GAMMA0 * SOT_DELTA * model.h_dmi
        assert abs(v / v_sat - 1) < 0.01  # steady state at 0.9996 v_sat (cot phi = 0.028)


def test_field_driven_velocity_below_walker():
    # h_k = 0, h_dmi = 1e5 A/m, alpha = 0.1: Walker field (pi/2) alpha h_dmi = 1.6e4 A/m
    # >> H = 500 A/m; the steady state has sin(phi) = H / (alpha (pi/2) h_dmi) and
    # q' = gamma0 delta H / alpha exactly; phi settles in ~0.3 ns, the slope is taken over
    # 3-5 ns (e^-10 of the transient left) in float64 -> 1e-3.
    model = flat_model(alpha=0.1, h_dmi=1e5, h_sot=np.zeros(201))
    H = 500.0
    with jax.enable_x64(True):
        run = run_pulses(
            model, 0.0, 0.0, 0.0, H, 0.0, ensemble_keys(0, 1),
            rise=0.0, plateau=5e-9, fall=0.0, dt=1e-12, record_every=500,
        )  # fmt: skip
        record = np.asarray(run.q_record[0])
    times = np.arange(1, record.size + 1) * 500e-12
    v = np.polyfit(times[6:], record[6:], 1)[0]
    assert abs(v / (GAMMA0 * SOT_DELTA * H / 0.1) - 1) < 1e-3


def test_bump_pins_below_its_height_and_is_passed_above():
    # Gaussian bump h0 = 2e3 A/m (10 nm wide) at q = 0. Both walls start at rest where
    # h_pin = 0.98 h0 on the upstream flank (a quasi-static approach: a wall that arrives
    # moving carries the Doering-mass momentum phi != 0 and can overshoot a static threshold).
    # A DC bias of 0.98 h0 holds it there (a stable equilibrium: drift < 0.1 nm in 30 ns,
    # float32 rounding only); 1.02 h0 carries it over (bottleneck ~5 ns) and far beyond.
    h0 = 2e3
    q = np.linspace(-0.2e-6, 0.8e-6, 2001)
    model = WallModel(
        q, h0 * np.exp(-((q / 10e-9) ** 2)), np.zeros_like(q), np.full_like(q, 100e-9),
        Ms=1e6, thickness=1e-9, alpha=0.05, delta=5e-9, h_dmi=1e5,
    )  # fmt: skip
    q0 = -10e-9 * np.sqrt(np.log(1 / 0.98))
    run = run_pulses(
        model, q0, 0.0, 0.0, np.array([0.98, 1.02]) * h0, 0.0, ensemble_keys(0, 2),
        rise=0.0, plateau=30e-9, fall=0.0, dt=1e-12,
    )  # fmt: skip
    q_end = np.asarray(run.q)
    assert abs(q_end[0] - q0) < 0.1e-9 and not run.escaped[0]
    assert q_end[1] > 0.3e-6


# --- thermal equilibrium ---------------------------------------------------------------------
EQ = dict(Ms=1e6, thickness=1e-9, alpha=1.0, delta=5e-9, h_dmi=1.3e4, h_k=5e3)
EQ_WIDTH, EQ_KAPPA, EQ_T = 50e-9, 3.66e12, 300.0


def test_thermal_equilibrium_is_boltzmann_in_q_and_phi():
    # Harmonic well h_pin = kappa q: E = mu0 Ms t w kappa q^2, so <q^2> = kB T / (2 mu0 Ms t w
    # kappa) (std 3 nm); p(phi) ~ exp(-mu0 Ms V_w (-(pi/2) h_dmi cos phi + (h_k/2) cos^2 phi) /
    # kB T) (kB T / k_phi = 0.43: broad and non-Gaussian). alpha = 1, where a stray (1 + alpha^2)
    # in the noise would double both widths. Relaxation times <= 0.6 ns, run 6 ns from the
    # minimum: 4096 independent end states. Two-sided chi-square on sum q^2 and KS on phi,
    # each with false-alarm rate 1 % (fixed seed); the Heun bias at lambda dt ~ 2e-3 is
    # ~1e-5, far below the 6 % the chi-square test resolves.
    q = np.linspace(-40e-9, 40e-9, 161)
    model = WallModel(
        q, EQ_KAPPA * q, np.zeros_like(q), np.full_like(q, EQ_WIDTH), **EQ
    )  # fmt: skip
    n = 4096
    run = run_pulses(
        model, 0.0, 0.0, 0.0, 0.0, EQ_T, ensemble_keys(17, n),
        rise=0.0, plateau=1e-12, fall=0.0, settle=6e-9, dt=1e-12,
    )  # fmt: skip
    assert not np.any(run.escaped)
    var = KB * EQ_T / (2 * MU0 * EQ["Ms"] * EQ["thickness"] * EQ_WIDTH * EQ_KAPPA)
    chi2 = float(np.sum(np.asarray(run.q, float) ** 2) / var)
    assert stats.chi2.ppf(0.005, n) < chi2 < stats.chi2.ppf(0.995, n)

    phi = np.angle(np.exp(1j * np.asarray(run.phi, float)))
    volume = 2 * EQ["delta"] * EQ["thickness"] * EQ_WIDTH
    grid = np.linspace(-np.pi, np.pi, 20001)
    energy = MU0 * EQ["Ms"] * volume * (
        -np.pi / 2 * EQ["h_dmi"] * np.cos(grid) + EQ["h_k"] / 2 * np.cos(grid) ** 2
    )  # fmt: skip
    cdf = cumulative_trapezoid(np.exp(-(energy - energy.min()) / (KB * EQ_T)), grid, initial=0)
    cdf /= cdf[-1]
    assert stats.kstest(phi, lambda x: np.interp(x, grid, cdf)).pvalue > 0.01


# --- Kramers escape --------------------------------------------------------------------------


def cubic_well(barrier_kT: float, L: float, alpha: float = 1.0) -> WallModel:
    """E(q) = E_b (3 (q/L)^2 - 2 (q/L)^3): minimum at 0, top at L, then downhill to the track
    end at 1.6 L (E = -0.5 E_b: an escaped wall is absorbed there)."""
    q = np.linspace(-L, 1.6 * L, 261)
    width, t, Ms = 20e-9, 1e-9, 1e6
    e_b = barrier_kT * KB * 300.0
    h_pin = e_b * 6 * (q / L) * (1 - q / L) / L / (2 * MU0 * Ms * t * width)
    return WallModel(
        q, h_pin, np.zeros_like(q), np.full_like(q, width),
        Ms=Ms, thickness=t, alpha=alpha, delta=5e-9, h_dmi=2e4,
    )  # fmt: skip


def escape_rate(model, L, n, t_run, dt, seed):
    run = run_pulses(
        model, 0.0, 0.0, 0.0, 0.0, 300.0, ensemble_keys(seed, n),
        rise=0.0, plateau=dt, fall=0.0, settle=t_run, dt=dt,
    )  # fmt: skip
    escaped = np.asarray(run.escaped)
    assert np.all(np.asarray(run.q)[escaped] > L)  # over the top, not back through the wall
    p = escaped.mean()
    return -np.log1p(-p) / t_run, p


def test_kramers_escape_over_a_low_barrier():
    # 6 kB T cubic barrier, alpha = 1 (spatial-diffusion regime): escape fraction of 1024 walls
    # in 15 ns (P ~ 0.5) vs the Langer rate. Tolerance 35 %: Langer's finite-barrier
    # correction is O(kB T / E_b) = 17 % here, and the statistical error of the rate at
    # P ~ 0.5 with 1024 members is 4.5 % (1 sigma; 3 sigma = 14 %); fixed seed.
    L = 5e-9
    model = cubic_well(6.0, L)
    expected = arrhenius_escape(model, (-L, 1.6 * L), 0.0, 0.0, 300.0)
    assert abs(expected.barrier_kT - 6.0) < 0.01
    rate, p = escape_rate(model, L, 1024, 15e-9, 4e-13, seed=3)
    assert 0.15 < p < 0.85
    assert abs(rate / expected.rate - 1) < 0.35


@pytest.mark.slow
def test_kramers_escape_over_a_10_kT_barrier():
    # 10 kB T: Langer's correction O(kB T / E_b) = 10 %; 512 members over ~0.7 tau (P ~ 0.5):
    # statistics 6.4 % (1 sigma); tolerance 25 %. 4.2e6 steps x 512 members: 630 s at nice 15
    # on 2 shared cores (load 7.5).
    L = 8e-9
    model = cubic_well(10.0, L)
    expected = arrhenius_escape(model, (-L, 1.6 * L), 0.0, 0.0, 300.0)
    t_run = 0.7 / expected.rate
    rate, p = escape_rate(model, L, 512, t_run, 5e-13, seed=4)
    assert abs(rate / expected.rate - 1) < 0.25


# --- batches, sequences, inputs --------------------------------------------------------------


def small_track() -> WallModel:
    q = np.linspace(0, 1e-6, 1001)
    return WallModel(
        q, 1e3 * np.sin(2 * np.pi * q / 100e-9), np.full_like(q, 2e3), np.full_like(q, 80e-9),
        Ms=1e6, thickness=1e-9, alpha=0.1, delta=5e-9, h_dmi=5e4, h_k=2e3,
        field_like_ratio=0.3,
    )  # fmt: skip


def test_members_do_not_depend_on_the_batch():
    # 4096 members in one call; members 5, 100 and 4000 rerun alone (batch of 3) give the same
    # end state. Same arithmetic per member; rtol 1e-6 allows for XLA's vectorised and scalar
    # code paths of sin/cos differing in the last float32 bit over 300 steps.
    n = 4096
    keys = ensemble_keys(1, n)
    amplitude = np.linspace(0, 2, n)
    kw = dict(rise=100e-12, plateau=100e-12, fall=100e-12, dt=1e-12)
    big = run_pulses(small_track(), 0.5e-6, 0.0, amplitude, 100.0, 300.0, keys, **kw)
    pick = np.array([5, 100, 4000])
    small = run_pulses(small_track(), 0.5e-6, 0.0, amplitude[pick], 100.0, 300.0, keys[pick], **kw)
    assert big.q.shape == (n,)
    for name in ("q", "phi", "speed_max"):
        np.testing.assert_allclose(
            np.asarray(getattr(big, name))[pick], np.asarray(getattr(small, name)), rtol=1e-6
        )


def test_pulse_sequence_carries_the_state():
    # Pulse p of a sequence draws its noise from fold_in(key, p): two single pulses chained by
    # hand with those keys give the sequence's states (same arithmetic; rtol as above).
    keys = ensemble_keys(2, 8)
    kw = dict(rise=50e-12, plateau=100e-12, fall=50e-12, settle=100e-12, dt=1e-12)
    amps = np.array([1.0, 2.0])
    seq = run_pulse_sequence(small_track(), 0.5e-6, 0.0, amps, [50.0, -50.0], 300.0, keys, **kw)
    assert seq.q.shape == (8, 2)
    q, phi = 0.5e-6, 0.0
    for p in range(2):
        k = jax.vmap(jax.random.fold_in, in_axes=(0, None))(keys, p)
        one = run_pulses(small_track(), q, phi, amps[p], [50.0, -50.0][p], 300.0, k, **kw)
        q, phi = np.asarray(one.q), np.asarray(one.phi)
        np.testing.assert_allclose(np.asarray(seq.q[:, p]), q, rtol=1e-6)


def test_landscape_energy_and_barrier_of_a_tilted_cosine():
    # E = int 2 mu0 Ms t w (h_pin - H) dq for h_pin = h0 sin(2 pi q / P): barrier at H = 0 is
    # 2 mu0 Ms t w h0 P / pi; the trapezoid rule with 100 points per period is off by
    # (2 pi / 100)^2 / 12 = 3e-4 (and the extrema fall on grid points): tolerance 1e-3.
    model = small_track()
    e = landscape_energy(model)
    assert e[0] == 0
    esc = arrhenius_escape(model, (0.0, 0.2e-6), 0.0, 0.0, 300.0)
    expected = 2 * MU0 * 1e6 * 1e-9 * 80e-9 * 1e3 * 100e-9 / np.pi
    assert abs(esc.barrier / expected - 1) < 1e-3
    tilted = arrhenius_escape(model, (0.0, 0.2e-6), 0.0, 500.0, 300.0)
    assert tilted.barrier < esc.barrier


BAD = [
    (dict(temperature=-1.0), "temperature"),
    (dict(temperature=np.nan), "temperature"),
    (dict(q0=np.nan), "q0"),
    (dict(q0=2e-6), "q0"),
    (dict(amplitude=np.inf), "amplitude"),
    (dict(dt=1e-10), "dt"),
    (dict(dt=-1e-12), "dt"),
    (dict(plateau=-1e-9), "plateau"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_bad_inputs_fail_before_any_work(change, field):
    args = dict(q0=0.5e-6, phi0=0.0, amplitude=1.0, bias=0.0, temperature=300.0)
    args.update({k: v for k, v in change.items() if k in args})
    times = dict(rise=1e-9, plateau=1e-9, fall=1e-9, dt=1e-12)
    times.update({k: v for k, v in change.items() if k in times})
    with pytest.raises(ValueError, match=rf"^{field}: ") as info:
        run_pulses(small_track(), key=ensemble_keys(0, 2), **args, **times)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (dict(q_grid=np.geomspace(1e-9, 1e-6, 1001)), "q_grid"),
        (dict(h_pin=np.full(1001, np.nan)), "h_pin"),
        (dict(width=np.zeros(1001)), "width"),
        (dict(Ms=-1.0), "Ms"),
        (dict(alpha=np.nan), "alpha"),
    ],
)
def test_bad_models_fail_before_any_work(change, field):
    model = small_track()
    fields = {k: getattr(model, k) for k in model.__dataclass_fields__}
    fields.update(change)
    with pytest.raises(ValueError, match=rf"^{field}: "):
        run_pulses(
            WallModel(**fields), 0.5e-6, 0.0, 1.0, 0.0, 300.0, ensemble_keys(0, 2),
            rise=1e-9, plateau=1e-9, fall=1e-9,
        )  # fmt: skip
