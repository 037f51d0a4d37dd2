"""The three Dormand & Prince RK5(4)7F pairs of ``physics.engine.integrators``.

Each pair is checked for what its coefficients promise: order 5 of the propagated solution and
order 4 of the embedded one (a typo in any coefficient breaks one of them), first-same-as-last
(stage 7 is the 5th-order solution), and the stability boundary on the lightly damped
imaginary axis that makes 7FC (OOMMF's ``rkf54``, the engine's default) take fewer steps than
7FM (DOPRI5) where the stiff exchange modes limit the step.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import micromagneticmodel as mm
import numpy as np
import pytest

import physics.engine as pe
from physics.engine.integrators import RKF54, RKF54M, RKF54S, TABLEAUX, rk54_step, tableau

PAIRS = [RKF54, RKF54M, RKF54S]


def stability(tab, z: complex) -> tuple[complex, complex]:
    """(R(z), E(z)) of the pair for y' = lambda y, z = h lambda: the growth factor of the
    5th-order solution and the embedded error estimate per unit y."""
    a = tab.matrix()
    k = np.linalg.solve(np.eye(7) - z * a, z * np.ones(7))
    return 1 + np.dot(tab.b5, k), np.dot(tab.e, k)


@pytest.mark.parametrize("tab", PAIRS, ids=lambda t: t.name)
def test_pair_conditions(tab):
    a = tab.matrix()
    # row sums are the stage times; FSAL: row 7 = the 5th-order weights, whose stage is unused
    assert np.allclose(a.sum(axis=1), tab.c, atol=1e-15)
    assert np.allclose(a[6], tab.b5, atol=0)
    assert tab.b5[6] == 0.0
    assert np.isclose(sum(tab.b5), 1.0, atol=1e-15) and np.isclose(sum(tab.b4), 1.0, atol=1e-15)


@pytest.mark.parametrize("tab", PAIRS, ids=lambda t: t.name)
def test_orders_five_and_four_on_the_linear_test_equation(tab):
    # R(z) - exp(z) = O(z^6) (local error of order 5) and E(z) = O(z^5) (embedded order 4):
    # halving z divides them by 2^6 = 64 and 2^5 = 32 (within 10 %: the next terms).
    lam = -0.3 + 1.0j
    err = {}
    for z in (0.1 * lam, 0.05 * lam):
        r, e = stability(tab, z)
        err[z] = (abs(r - np.exp(z)), abs(e))
    (r1, e1), (r2, e2) = err.values()
    assert r1 / r2 == pytest.approx(64, rel=0.1)
    assert e1 / e2 == pytest.approx(32, rel=0.1)


def test_stability_reach_along_the_lightly_damped_axis():
    # Exchange modes of a film with alpha = 0.02 have lambda ~ |lambda| (i - 0.02). The largest
    # stable h|lambda| is ~2.08 for 7FM and ~3.39 for 7FC, ~3.61 for 7FS (numbers of the
    # tableaux; the ratio 1.6 is the drop in case C's step count, benchmarks/README.md).
    direction = 1j - 0.02

    def reach(tab):
        ys = np.linspace(0.01, 6, 6000)
        growth = np.array([abs(stability(tab, y * direction)[0]) for y in ys])
        return ys[np.argmax(growth > 1)]

    assert reach(RKF54M) == pytest.approx(2.08, abs=0.02)
    assert reach(RKF54) == pytest.approx(3.39, abs=0.02)
    assert reach(RKF54S) == pytest.approx(3.61, abs=0.02)


@pytest.mark.parametrize("tab", PAIRS, ids=lambda t: t.name)
def test_step_on_a_rotation_matches_the_exact_solution(tab):
    # dm/dt = w x m (precession about z): one step of h = 0.2 / w has local error O((w h)^6);
    # the returned k7 is the derivative at the returned m (FSAL) and err estimates |m5 - m4|.
    w = 2.0e10
    with jax.enable_x64(True):

        def rhs(m, t):
            return jnp.stack([-w * m[..., 1], w * m[..., 0], 0.0 * m[..., 2]], axis=-1)

        m = jnp.asarray([[[[1.0, 0.0, 0.0]]]])
        h = jnp.asarray(0.2 / w)
        m5, k7, err = rk54_step(rhs, m, jnp.asarray(0.0), h, rhs(m, 0.0), tab)
        exact = np.array([np.cos(0.2), np.sin(0.2), 0.0])
        assert np.abs(np.asarray(m5)[0, 0, 0] - exact).max() < 1e-7  # (0.2)^6 ~ 6e-5, x C
        assert np.allclose(np.asarray(k7), np.asarray(rhs(m5, h)), rtol=1e-14, atol=0)
        assert 1e-10 < float(err) < 1e-4


def test_time_driver_method_option():
    assert sorted(TABLEAUX) == ["rkf54", "rkf54m", "rkf54s"]
    assert tableau("rkf54") is RKF54
    with pytest.raises(ValueError, match="method: must be one of"):
        pe.TimeDriver(method="rk45")


@pytest.mark.parametrize("method", sorted(TABLEAUX))
def test_every_method_follows_the_exact_damped_precession(method):
    # Macrospin in H along z: the polar angle obeys tan(theta/2) = tan(theta0/2) exp(-alpha
    # gamma' H t) with gamma' = gamma0 / (1 + alpha^2); every pair must reproduce it to 1e-6 at
    # tol 1e-9 (its local error summed over the steps, as in test_engine_dynamics).
    import discretisedfield as df

    alpha, H, gamma0 = 0.1, 1e5, 2.211e5
    mesh = df.Mesh(p1=(0, 0, 0), p2=(2e-9, 2e-9, 2e-9), cell=(2e-9, 2e-9, 2e-9))
    system = mm.System(name="macrospin")
    system.energy = mm.Zeeman(H=(0, 0, H))
    system.dynamics = mm.Precession(gamma0=gamma0) + mm.Damping(alpha=alpha)
    system.m = df.Field(mesh, nvdim=3, value=(1, 0, 0), norm=8e5)
    t_end = 2e-10
    pe.TimeDriver(method=method, tol=1e-9).drive(system, t=t_end, n=4, verbose=0)
    mz = system.table.data["mz"].to_numpy()
    t = system.table.data["t"].to_numpy()
    theta = 2 * np.arctan(np.exp(-alpha * gamma0 / (1 + alpha**2) * H * t))
    assert np.abs(mz - np.cos(theta)).max() < 1e-6
