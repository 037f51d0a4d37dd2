"""Stochastic Heun integration at T > 0 and batched ensembles of the JAX engine.

Macrospins (one cell) are built through engine-1's System conversion and integrated with the
engine's own effective_field / llg_rhs, so these tests check the thermal field convention
against the LLG form actually used.
"""

from __future__ import annotations

import discretisedfield as df
import jax
import jax.numpy as jnp
import micromagneticmodel as mm
import numpy as np
import pytest
import scipy.special
import scipy.stats

from physics.engine.constants import KB, MU0
from physics.engine.ensemble import (
    ensemble_keys,
    run_ensemble,
    scale_current,
    scale_zeeman,
)
from physics.engine.system import build_params
from physics.engine.thermal import (
    integrate_thermal,
    steps_per_output,
    thermal_field_std,
)

T = 300.0
MS = 8e5
K_ANIS = 1e5
BARRIER = 2.0  # K V / k_B T: low enough to sample the whole sphere, high enough to be non-uniform
VOLUME = BARRIER * KB * T / K_ANIS
GAMMA0 = 2.211e5


@pytest.fixture(autouse=True)
def _float64():
    """Run each test in float64 without flipping JAX's global flag for other test modules."""
    with jax.enable_x64(True):
        yield


def macrospin(alpha: float, *, K: float = 0.0, H: float = 0.0, temperature: float = T):
    """One-cell system of volume VOLUME (m^3): uniaxial K along z and/or field H along z."""
    edge = VOLUME ** (1 / 3)
    mesh = df.Mesh(p1=(0, 0, 0), p2=(edge, edge, edge), n=(1, 1, 1))
    system = mm.System(name="macrospin")
    terms = []
    if K:
        terms.append(mm.UniaxialAnisotropy(K=K, u=(0, 0, 1)))
    if H:
        terms.append(mm.Zeeman(H=(0, 0, H)))
    system.energy = sum(terms[1:], terms[0])
    system.dynamics = mm.Precession(gamma0=GAMMA0) + mm.Damping(alpha=alpha)
    system.m = df.Field(mesh, nvdim=3, value=(0, 0.1, 1), norm=MS)
    system.T = temperature
    return build_params(system, jnp.float64)


def pooled_mz(params, m0, *, n_members, dt, burn_in, spacing, n_samples, seed=0):
    """mz of n_members independent realisations, sampled every ``spacing`` s after burn_in s."""
    keys = ensemble_keys(seed, n_members)
    run = run_ensemble(
        m0,
        params,
        keys,
        dt=dt,
        steps_per_output=steps_per_output(spacing, 1, dt),
        n_outputs=int(round(burn_in / spacing)) + n_samples,
    )
    return np.asarray(run.observed[:, -n_samples:, 2])


def abs_mz_cdf(z: np.ndarray, sigma: float) -> np.ndarray:
    """CDF of |mz| for p(mz) ~ exp(sigma mz^2) on [-1, 1] (uniform measure in mz on the sphere)."""
    return scipy.special.erfi(np.sqrt(sigma) * z) / scipy.special.erfi(np.sqrt(sigma))


def mean_mz2(sigma: float) -> float:
    """<mz^2> under p(mz) ~ exp(sigma mz^2)."""
    z = np.linspace(-1, 1, 200001)
    w = np.exp(sigma * z * z)
    return float(np.sum(z * z * w) / np.sum(w))


@pytest.mark.parametrize(
    ("alpha", "dt"),
    [(1.0, 4e-13), (1.0, 1e-13), (0.1, 4e-13)],
)
def test_macrospin_samples_boltzmann_distribution(alpha, dt):
    # gamma0 H_K dt = 0.018 at dt = 4e-13 s (H_K = 2K/(mu0 Ms) = 2e5 A/m). The relaxation time
    # 1/(alpha gamma0 H_K) is 23 ps at alpha = 1 and 0.23 ns at alpha = 0.1; samples are spaced by
    # about two relaxation times after a burn-in of five, so they are nearly independent.
    m0, params, _ = macrospin(alpha, K=K_ANIS)
    tau = 1.0 / (alpha * GAMMA0 * 2 * K_ANIS / (MU0 * MS))
    spacing = dt * round(2 * tau / dt)
    mz = pooled_mz(
        params,
        m0,
        n_members=256,
        dt=dt,
        burn_in=5 * spacing / 2,
        spacing=spacing,
        n_samples=8,
        seed=int(alpha * 10 + dt * 1e14),
    )
    samples = np.abs(mz).ravel()
    # KS test of |mz| against exp(sigma mz^2) at sigma = K V / k_B T; 2048 samples. Fixed seeds,
    # so the p-value is deterministic; p > 1e-3 accepts, and the same samples must reject the
    # distribution at twice the temperature (what a stray (1 + alpha^2) factor would give at
    # alpha = 1) with p < 1e-6, so the test has the power to see a wrong noise strength.
    assert scipy.stats.kstest(samples, lambda z: abs_mz_cdf(z, BARRIER)).pvalue > 1e-3
    assert scipy.stats.kstest(samples, lambda z: abs_mz_cdf(z, BARRIER / 2)).pvalue < 1e-6
    # <mz^2> within 4 standard errors (from the scatter of the 256 independent members).
    per_member = (mz**2).mean(axis=1)
    stderr = per_member.std(ddof=1) / np.sqrt(per_member.size)
    assert abs(per_member.mean() - mean_mz2(BARRIER)) < 4 * stderr


def test_macrospin_in_field_follows_langevin_function():
    # Zeeman energy -mu0 Ms V H mz with xi = mu0 Ms V H / k_B T = 3: <mz> = coth(xi) - 1/xi.
    xi = 3.0
    H = xi * KB * T / (MU0 * MS * VOLUME)
    m0, params, _ = macrospin(1.0, H=H)
    dt = 2e-13
    tau = 1.0 / (GAMMA0 * H)
    spacing = dt * round(2 * tau / dt)
    mz = pooled_mz(
        params, m0, n_members=256, dt=dt, burn_in=5 * spacing, spacing=spacing, n_samples=16, seed=7
    )
    per_member = mz.mean(axis=1)
    stderr = per_member.std(ddof=1) / np.sqrt(per_member.size)
    langevin = 1.0 / np.tanh(xi) - 1.0 / xi
    assert abs(per_member.mean() - langevin) < 4 * stderr
    # The test resolves a 4.5% error in <mz> (twice the temperature would give L(1.5) = 0.44).
    assert 4 * stderr < 0.03


def test_zero_temperature_heun_matches_exact_damped_precession():
    # Field along z, no noise: tan(theta/2) = tan(theta0/2) exp(-alpha gamma0 H t / (1 + alpha^2)).
    # Heun is second order; at gamma0 H dt = 0.02 the error in mz after 1 ns is < 1e-5.
    H, alpha, dt = 1e5, 0.1, 1e-12
    m0, params, _ = macrospin(alpha, H=H, temperature=0.0)
    run = integrate_thermal(
        m0, params, jax.random.PRNGKey(0), dt=dt, steps_per_output=100, n_outputs=10
    )
    theta0 = np.arccos(np.asarray(m0)[0, 0, 0, 2])
    t = np.asarray(run.t)
    theta = 2 * np.arctan(np.tan(theta0 / 2) * np.exp(-alpha * GAMMA0 * H * t / (1 + alpha**2)))
    np.testing.assert_allclose(np.asarray(run.observed[:, 2]), np.cos(theta), atol=1e-5)


def small_film(temperature: float = T, demag: bool = True):
    """A 6 x 4 x 1 film of 3 nm cells with exchange, Zeeman and demag; one corner cell empty."""
    mesh = df.Mesh(p1=(0, 0, 0), p2=(18e-9, 12e-9, 3e-9), cell=(3e-9, 3e-9, 3e-9))

    def norm(point):
        return 0.0 if point[0] < 3e-9 and point[1] < 3e-9 else MS

    system = mm.System(name="film")
    system.energy = mm.Exchange(A=1.3e-11) + mm.Zeeman(H=(0, 0, 2e4))
    if demag:
        system.energy += mm.Demag()
    system.dynamics = mm.Precession(gamma0=GAMMA0) + mm.Damping(alpha=0.05)
    system.m = df.Field(mesh, nvdim=3, value=(1, 0.2, 0.1), norm=norm, valid="norm")
    system.T = temperature
    return build_params(system, jnp.float64)


def test_reproducible_norm_preserving_and_chunking_independent():
    m0, params, _ = small_film(demag=False)
    key = jax.random.PRNGKey(42)
    kwargs = {"dt": 1e-14, "steps_per_output": 20, "n_outputs": 5}
    a = integrate_thermal(m0, params, key, **kwargs)
    b = integrate_thermal(m0, params, key, **kwargs)
    np.testing.assert_array_equal(np.asarray(a.m), np.asarray(b.m))  # same seed: identical
    c = integrate_thermal(m0, params, jax.random.PRNGKey(43), **kwargs)
    assert float(jnp.abs(a.m - c.m).max()) > 1e-3  # another seed: another trajectory
    d = integrate_thermal(m0, params, key, dt=1e-14, steps_per_output=100, n_outputs=1)
    np.testing.assert_allclose(np.asarray(d.m), np.asarray(a.m), atol=1e-13)
    norms = np.linalg.norm(np.asarray(a.m), axis=-1)
    magnetic = np.asarray(params["Ms"]) > 0
    np.testing.assert_allclose(norms[magnetic], 1.0, atol=1e-12)
    assert np.all(norms[~magnetic] == 0.0)  # no thermal field where Ms = 0
    sigma = np.asarray(thermal_field_std(params, 1e-14))
    assert np.all(sigma[~magnetic] == 0.0) and np.all(sigma[magnetic] > 0)


def test_batch_equals_single_runs_with_amplitudes():
    # Member i of one vmapped call == integrate_thermal with key i and the field scaled by a_i.
    # Tolerance 1e-12: batched and unbatched XLA kernels may round differently.
    m0, params, _ = small_film()
    keys = ensemble_keys(3, 4)
    amplitudes = jnp.array([0.5, 1.0, -1.0, 2.0])
    kwargs = {"dt": 1e-14, "steps_per_output": 10, "n_outputs": 3}
    batch = run_ensemble(
        m0, params, keys, amplitudes=amplitudes, apply_amplitude=scale_zeeman, **kwargs
    )
    assert batch.m.shape == (4, *m0.shape) and batch.observed.shape == (4, 3, 3)
    for i in range(4):
        single = integrate_thermal(m0, scale_zeeman(params, amplitudes[i]), keys[i], **kwargs)
        np.testing.assert_allclose(np.asarray(batch.m[i]), np.asarray(single.m), atol=1e-12)
        np.testing.assert_allclose(
            np.asarray(batch.observed[i]), np.asarray(single.observed), atol=1e-12
        )


def test_batch_memory_grows_linearly_with_members():
    # Memory per member must be O(cells): the compiled batch's buffers grow by a constant per
    # member, below 200 copies of one (cells, 3) float64 state (fields, FFT buffers, stages).
    m0, params, _ = small_film()
    kwargs = {"dt": 1e-14, "steps_per_output": 10, "n_outputs": 2}

    def footprint(n: int) -> int:
        from physics.engine.ensemble import _run_batch
        from physics.engine.field import effective_field
        from physics.engine.llg import llg_rhs
        from physics.engine.thermal import average_magnetisation

        lowered = _run_batch.lower(
            m0,
            params,
            ensemble_keys(0, n),
            None,
            kwargs["dt"],
            0.0,
            10,
            2,
            None,
            average_magnetisation,
            effective_field,
            llg_rhs,
            False,
        )
        stats = lowered.compile().memory_analysis()
        if stats is None:
            pytest.skip("this jax backend reports no memory analysis")
        return stats.temp_size_in_bytes + stats.output_size_in_bytes

    per_member = (footprint(16) - footprint(8)) / 8
    state_bytes = m0.size * 8
    assert 0 < per_member < 200 * state_bytes
    assert footprint(32) - footprint(16) == pytest.approx(16 * per_member, rel=0.25)


def test_bad_input_raises_named_errors():
    m0, params, _ = small_film()
    with pytest.raises(ValueError, match="dt"):
        steps_per_output(1e-9, 10, 3e-14)
    with pytest.raises(ValueError, match="n:"):
        steps_per_output(1e-9, 0, 1e-14)
    with pytest.raises(ValueError, match="dt"):
        integrate_thermal(
            m0, params, jax.random.PRNGKey(0), dt=-1e-14, steps_per_output=1, n_outputs=1
        )
    with pytest.raises(ValueError, match="amplitudes"):
        run_ensemble(
            m0,
            params,
            ensemble_keys(0, 3),
            dt=1e-14,
            steps_per_output=1,
            n_outputs=1,
            amplitudes=jnp.ones(2),
            apply_amplitude=scale_zeeman,
        )
    with pytest.raises(ValueError, match="Slonczewski"):
        scale_current(params, 2.0)
    assert steps_per_output(1e-9, 10, 1e-13) == 1000


def test_one_demag_per_step_is_first_order_and_exact_without_demag():
    # demag_update="step": the stray field of the other cells is taken from the start of the
    # step (Euler) and only the cell's own demag term is updated in the corrector, so at T = 0
    # the error against a converged run halves with dt (first order; the full Heun step is
    # second order: quarters). Measured on this 3 nm in-plane film (the stray field is strong,
    # m moves by 0.38 in 40 ps): max |m - m_ref| = 2.9e-4, 1.45e-4, 7.3e-5 at dt = 4e-14, 2e-14,
    # 1e-14 s ("stage": 1.3e-5, 3.2e-6, 7.9e-7). Without a demag term both updates are the same
    # step, bit for bit.
    with jax.enable_x64(True):
        m0, params, _ = small_film(temperature=0.0)

        def run(dt, demag_update):
            n = int(round(40e-12 / dt))
            return np.asarray(
                integrate_thermal(
                    m0,
                    params,
                    jax.random.PRNGKey(0),
                    dt=dt,
                    steps_per_output=n,
                    n_outputs=1,
                    demag_update=demag_update,
                ).m
            )

        reference = run(2.5e-15, "stage")
        step = {dt: np.abs(run(dt, "step") - reference).max() for dt in (2e-14, 1e-14)}
        stage = np.abs(run(2e-14, "stage") - reference).max()
        assert 1.7 < step[2e-14] / step[1e-14] < 2.3
        assert step[1e-14] < 2e-4  # against a change of m of 0.38
        assert stage < 0.1 * step[2e-14]
        m0, params, _ = small_film(temperature=0.0, demag=False)
        kw = {"dt": 1e-14, "steps_per_output": 50, "n_outputs": 1}
        a = integrate_thermal(m0, params, jax.random.PRNGKey(0), demag_update="step", **kw).m
        b = integrate_thermal(m0, params, jax.random.PRNGKey(0), **kw).m
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    with pytest.raises(ValueError, match="demag_update"):
        integrate_thermal(m0, params, jax.random.PRNGKey(0), demag_update="never", **kw)


def test_a_time_function_sampled_for_a_shorter_run_is_refused():
    """A pulse given as a Python func is sampled up to build_params' t_end; parameters built
    without it hold the drive at its t = 0 value. A thermal run or ensemble past the sampled
    span is refused before any work, naming the term, and runs once t_end covers it, where
    the field follows the pulse (zero before it starts, full strength on its plateau)."""
    mesh = df.Mesh(p1=(0, 0, 0), p2=(6e-9, 6e-9, 3e-9), cell=(3e-9, 3e-9, 3e-9))

    def pulse(t: float) -> float:
        return 0.0 if t < 1e-12 else 1.0

    def system() -> mm.System:
        s = mm.System(name="pulsed")
        s.energy = mm.Exchange(A=1.3e-11) + mm.Zeeman(H=(0, 0, 1e5), func=pulse, dt=1e-13)
        s.dynamics = mm.Precession(gamma0=GAMMA0) + mm.Damping(alpha=0.05)
        s.m = df.Field(mesh, nvdim=3, value=(1, 0, 0), norm=MS)
        s.T = 0.0
        return s

    kwargs = {"dt": 1e-14, "steps_per_output": 100, "n_outputs": 3}
    m0, static, _ = build_params(system(), jnp.float64)
    with pytest.raises(ValueError, match=r"^zeeman\.func: sampled up to t = 0 s only.*t_end"):
        integrate_thermal(m0, static, jax.random.PRNGKey(0), **kwargs)
    with pytest.raises(ValueError, match=r"^zeeman\.func: sampled up to t = 0 s only"):
        run_ensemble(m0, static, ensemble_keys(0, 2), **kwargs)
    m0, params, _ = build_params(system(), jnp.float64, t_end=3e-12)
    run = integrate_thermal(m0, params, jax.random.PRNGKey(0), **kwargs)
    # Precession about +z once the field is on (after 1 ps): m_x oscillates, m_z grows by damping.
    assert float(run.observed[-1][2]) > 1e-3
    with pytest.raises(ValueError, match=r"sampled up to t = 3e-12 s only"):
        integrate_thermal(m0, params, jax.random.PRNGKey(0), t0=1e-12, **kwargs)
