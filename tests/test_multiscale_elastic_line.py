"""The elastic-line wall of physics.multiscale.wall_model (segments > 1): the rigid limit, the
tension's relaxation against the linearised (q, phi) equations, thermal equilibrium of the
line's shape and of the exchange-coupled angles, and input checks."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from scipy import linalg, stats

from physics.engine.constants import KB, MU0
from physics.engine.ensemble import ensemble_keys
from physics.multiscale.wall_model import WallModel, run_pulses

GAMMA0 = 2.211e5


def bump_track(**kw) -> WallModel:
    """A 1 um track, 80 nm wide, sinusoidal pinning 1 kA/m (period 100 nm), SOT 2 kA/m per V."""
    q = np.linspace(0, 1e-6, 1001)
    fields = dict(
        Ms=1e6, thickness=1e-9, alpha=0.1, delta=5e-9, h_dmi=5e4, h_k=2e3,
        field_like_ratio=0.3,
    )  # fmt: skip
    fields.update(kw)
    return WallModel(
        q, 1e3 * np.sin(2 * np.pi * q / 100e-9), np.full_like(q, 2e3), np.full_like(q, 80e-9),
        **fields,
    )  # fmt: skip


LINE = dict(segments=4, sigma_wall=5e-3, exchange=1e-11)


def test_a_straight_line_at_zero_temperature_is_the_rigid_wall():
    # T = 0, all segments start together: the tension and exchange fields are exactly zero
    # (differences of equal numbers), so every segment does the rigid wall's arithmetic.
    # Through depinning (0 ... 10 V, up to 20 kA/m of drive over a 1 kA/m landscape) the means
    # agree to float32
    # round-off (the mean of 4 equal numbers can differ from them in the last bit).
    keys = ensemble_keys(5, 6)
    amplitude = np.linspace(0.0, 10.0, 6)
    kw = dict(rise=100e-12, plateau=1000e-12, fall=100e-12, settle=200e-12, dt=1e-12)
    rigid = run_pulses(bump_track(), 0.3e-6, 0.0, amplitude, 0.0, 0.0, keys, **kw)
    line = run_pulses(bump_track(**LINE), 0.3e-6, 0.0, amplitude, 0.0, 0.0, keys, **kw)
    assert np.asarray(line.q_line).shape == (6, 4)
    assert np.ptp(np.asarray(rigid.q)) > 50e-9  # the pulses did move some walls
    np.testing.assert_allclose(np.asarray(line.q), np.asarray(rigid.q), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(line.phi), np.asarray(rigid.phi), rtol=1e-5, atol=1e-6)
    assert np.ptp(np.asarray(line.q_line), axis=1).max() <= 1e-6 * 1e-6


def test_a_bent_line_relaxes_as_the_linearised_equations_say():
    # Flat landscape, T = 0, S = 6, the line bent into its lowest cosine mode
    # q_j = a cos(pi (j + 1/2) / S), a = 2 nm. Linearised, that mode has the tension field
    # H_q = -k q with k = sigma lambda_1 / (2 mu0 Ms dy^2), lambda_1 = 4 sin^2(pi / (2 S)), and
    # (phi small, bent into the same mode by the motion) H_phi = c phi with
    # c = (pi/2) h_dmi - h_k + 2 A lambda_1 / (mu0 Ms dy^2) (DMI, anisotropy, exchange); so
    # (q/delta, phi)' = M (q/delta, phi) with
    # M = gamma0 / (1 + alpha^2) [[-alpha k delta, c], [-k delta, -alpha c]]. The amplitude
    # after 0.2 ns from expm(M t) against the model (float64, Heun at gamma0 H dt ~ 1e-3:
    # relative error ~1e-6): tolerance 1e-3 of a. The mean stays put.
    n_seg, w = 6, 120e-9
    q = np.linspace(-1e-6, 1e-6, 2001)
    material = dict(Ms=1e6, thickness=1e-9, alpha=0.3, delta=6e-9, h_dmi=2e4, h_k=1e3)
    model = WallModel(
        q, np.zeros_like(q), np.zeros_like(q), np.full_like(q, w),
        segments=n_seg, sigma_wall=4e-3, exchange=1e-11, **material,
    )  # fmt: skip
    j = np.arange(n_seg)
    shape = np.cos(np.pi * (j + 0.5) / n_seg)
    a, t_end = 2e-9, 0.2e-9
    with jax.enable_x64(True):
        run = run_pulses(
            model, (a * shape)[None, :], np.zeros((1, n_seg)), 0.0, 0.0, 0.0,
            ensemble_keys(0, 1), rise=0.0, plateau=1e-13, fall=0.0, settle=t_end, dt=1e-13,
        )  # fmt: skip
        q_line = np.asarray(run.q_line, float)[0]
    dy = w / n_seg
    lam = 4 * np.sin(np.pi / (2 * n_seg)) ** 2
    k = 4e-3 * lam / (2 * MU0 * 1e6 * dy**2)
    c = np.pi / 2 * 2e4 - 1e3 + 2 * 1e-11 * lam / (MU0 * 1e6 * dy**2)
    al, d = material["alpha"], material["delta"]
    M = GAMMA0 / (1 + al**2) * np.array([[-al * k * d, c], [-k * d, -al * c]])
    expected = linalg.expm(M * (t_end + 1e-13)) @ np.array([a / d, 0.0])
    amplitude = float(q_line @ shape / (shape @ shape))
    assert abs(amplitude - expected[0] * d) < 1e-3 * a
    assert amplitude < 0.9 * a  # it did relax
    assert abs(q_line.mean()) < 1e-6 * a


# --- thermal equilibrium ---------------------------------------------------------------------
EQ = dict(Ms=1e6, thickness=1e-9, alpha=1.0, delta=5e-9, h_dmi=1.3e4, h_k=5e3)
EQ_WIDTH, EQ_KAPPA, EQ_T = 50e-9, 3.66e12, 300.0


def equilibrium_run(n_seg: int, sigma: float, exchange: float, seed: int, n: int):
    """n lines of n_seg segments in the harmonic well h_pin = kappa q, no drive, 300 K, from
    straight at q = 0, after 3 ns (relaxation <= 0.6 ns)."""
    q = np.linspace(-40e-9, 40e-9, 161)
    model = WallModel(
        q, EQ_KAPPA * q, np.zeros_like(q), np.full_like(q, EQ_WIDTH),
        segments=n_seg, sigma_wall=sigma, exchange=exchange, **EQ,
    )  # fmt: skip
    return run_pulses(
        model, 0.0, 0.0, 0.0, 0.0, EQ_T, ensemble_keys(seed, n),
        rise=0.0, plateau=1e-12, fall=0.0, settle=3e-9, dt=1e-12,
    )  # fmt: skip


def test_line_shape_fluctuates_as_boltzmann_says():
    # Harmonic well h_pin = kappa q on S = 5 segments of dy = 10 nm: E = q^T K q / 2 with
    # K = 2 mu0 Ms t dy kappa I + (sigma t / dy) L (L: the free-end second difference), so the
    # covariance is kB T K^-1: the centre of mass has the rigid wall's <q^2> = kB T /
    # (2 mu0 Ms t w kappa), the shape sum_j (q_j - q_bar)^2 the mean kB T tr(P K^-1) (P: the
    # projector off the mean). sigma = 2e-3 J/m^2 makes tension and pinning comparable.
    # 2048 members after 3 ns (relaxation <= 0.6 ns), two-sided tests at 1 % false alarms each
    # (chi-square for the mean; the shape statistic is a sum of 2048 independent weighted
    # chi-squares: normal with the exact mean and variance); fixed seed.
    n_seg, sigma = 5, 2e-3
    n = 2048
    run = equilibrium_run(n_seg, sigma, 2e-12, seed=23, n=n)
    assert not np.any(run.escaped)
    lines = np.asarray(run.q_line, float)
    t, dy = EQ["thickness"], EQ_WIDTH / n_seg
    lap = np.diag(np.r_[1, 2 * np.ones(n_seg - 2), 1]) - np.eye(n_seg, k=1) - np.eye(n_seg, k=-1)
    K = 2 * MU0 * EQ["Ms"] * t * dy * EQ_KAPPA * np.eye(n_seg) + sigma * t / dy * lap
    cov = KB * EQ_T * np.linalg.inv(K)

    var_mean = KB * EQ_T / (2 * MU0 * EQ["Ms"] * t * EQ_WIDTH * EQ_KAPPA)
    chi2 = float(np.sum(lines.mean(axis=1) ** 2) / var_mean)
    assert stats.chi2.ppf(0.005, n) < chi2 < stats.chi2.ppf(0.995, n)

    P = np.eye(n_seg) - 1.0 / n_seg
    modes = np.linalg.eigvalsh(P @ cov @ P)  # variances of the shape modes (one is 0)
    shape = np.sum((lines - lines.mean(axis=1, keepdims=True)) ** 2)
    mean, sd = n * modes.sum(), np.sqrt(n * 2 * np.sum(modes**2))
    assert abs(shape - mean) < 2.576 * sd
    # and the shape is not the rigid wall's (no bulges) nor free segments'
    assert mean > 10 * sd


def test_exchange_coupled_angles_are_boltzmann():
    # Two segments (dy = 25 nm) whose angles feel DMI, the Néel-Bloch anisotropy and the
    # lattice exchange (4 A delta t / dy)(1 - cos(phi_2 - phi_1)) ~ 1 kB T (A = 5e-12 J/m):
    # the stationary density is exp(-E(phi_1, phi_2) / kB T) (q decouples: no SOT). <cos
    # (phi_2 - phi_1)> and <cos phi> from a 2-D quadrature against 2048 members after 3 ns;
    # each within 3 standard errors (false alarm 0.27 % each; fixed seed). A sign error in the
    # exchange makes the angles anti-aligned; a missing one gives <cos dphi> = <cos phi>^2.
    n_seg, A = 2, 5e-12
    n = 2048
    run = equilibrium_run(n_seg, 2e-3, A, seed=29, n=n)
    phi = np.asarray(run.phi_line, float)
    dy = EQ_WIDTH / n_seg
    volume = 2 * EQ["delta"] * EQ["thickness"] * dy
    grid = np.linspace(-np.pi, np.pi, 721)[:-1]
    p1, p2 = np.meshgrid(grid, grid, indexing="ij")

    def single(p):
        return MU0 * EQ["Ms"] * volume * (
            -np.pi / 2 * EQ["h_dmi"] * np.cos(p) + EQ["h_k"] / 2 * np.cos(p) ** 2
        )  # fmt: skip

    energy = single(p1) + single(p2) + 4 * A * EQ["delta"] * EQ["thickness"] / dy * (
        1 - np.cos(p2 - p1)
    )  # fmt: skip
    weight = np.exp(-(energy - energy.min()) / (KB * EQ_T))
    weight /= weight.sum()
    for sample, exact in (
        (np.cos(phi[:, 1] - phi[:, 0]), np.sum(weight * np.cos(p2 - p1))),
        (np.cos(phi).mean(axis=1), np.sum(weight * np.cos(p1))),
    ):
        se = sample.std(ddof=1) / np.sqrt(n)
        assert abs(sample.mean() - exact) < 3 * se, (sample.mean(), exact, se)
    free = np.sum(weight * np.cos(p1)) ** 2
    assert np.sum(weight * np.cos(p2 - p1)) - free > 0.1  # the coupling matters here


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (dict(segments=0), "segments"),
        (dict(segments=2.5), "segments"),
        (dict(segments=3, sigma_wall=0.0, exchange=1e-11), "sigma_wall"),
        (dict(segments=3, sigma_wall=5e-3, exchange=np.nan), "exchange"),
        (dict(segments=3, sigma_wall=-1.0, exchange=1e-11), "sigma_wall"),
    ],
)
def test_bad_lines_fail_before_any_work(change, field):
    with pytest.raises(ValueError, match=rf"^{field}: ") as info:
        run_pulses(
            bump_track(**change), 0.5e-6, 0.0, 1.0, 0.0, 300.0, ensemble_keys(0, 2),
            rise=1e-9, plateau=1e-9, fall=1e-9,
        )  # fmt: skip
    assert "\n" not in str(info.value)


def test_a_start_line_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match=r"^q0: .*\(N=2, S=4\)"):
        run_pulses(
            bump_track(**LINE), np.full((2, 3), 0.5e-6), 0.0, 1.0, 0.0, 300.0,
            ensemble_keys(0, 2), rise=1e-9, plateau=1e-9, fall=1e-9,
        )  # fmt: skip
