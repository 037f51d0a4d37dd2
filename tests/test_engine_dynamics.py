"""LLG dynamics, spin-orbit torque and drivers of the JAX engine (macrospin and small meshes)."""

from __future__ import annotations

import discretisedfield as df
import jax
import jax.numpy as jnp
import micromagneticmodel as mm
import numpy as np
import pytest

import physics.engine as pe
from physics.engine.constants import E_CHARGE, GAMMA0_DEFAULT, HBAR, MU0
from physics.engine.llg import llg_rhs
from physics.engine.system import build_params

MS = 8e5
GAMMA0 = GAMMA0_DEFAULT


def macrospin(m0=(1, 0, 0), H=(0, 0, 1e5), alpha=0.1, cell=2e-9) -> mm.System:
    mesh = df.Mesh(p1=(0, 0, 0), p2=(cell, cell, cell), cell=(cell, cell, cell))
    system = mm.System(name="macrospin")
    system.energy = mm.Zeeman(H=H)
    system.dynamics = mm.Precession(gamma0=GAMMA0) + mm.Damping(alpha=alpha)
    system.m = df.Field(mesh, nvdim=3, value=m0, norm=MS)
    return system


def test_damped_precession_follows_the_exact_llg_solution():
    # Exact LLG solution for m0 = x in H = H z: mz = tanh(a w t), phase w t / ... with
    # w = gamma0 H / (1 + a^2). Tolerance 1e-6 at RK45 tol 1e-9 (the integrator's local error
    # summed over ~1000 steps).
    H, alpha = 1e5, 0.1
    system = macrospin(H=(0, 0, H), alpha=alpha)
    driver = pe.TimeDriver(tol=1e-9)
    driver.drive(system, t=0.5e-9, n=50, verbose=0)
    table = system.table.data
    t = table["t"].to_numpy()
    w = GAMMA0 * H / (1 + alpha**2)
    theta_decay = np.cosh(alpha * w * t)
    assert np.abs(table["mz"] - np.tanh(alpha * w * t)).max() < 1e-6
    assert np.abs(table["mx"] - np.cos(w * t) / theta_decay).max() < 1e-6
    assert np.abs(table["my"] - np.sin(w * t) / theta_decay).max() < 1e-6
    assert system.table.x == "t" and len(table) == 50
    assert np.isclose(t[-1], 0.5e-9)


def test_damping_without_precession_is_oommf_do_precess_0():
    # Damping only (no Precession term): dm/dt = -gamma0 alpha/(1+a^2) m x (m x H) with
    # ubermag's default gamma0, so m turns straight towards H: my = 0 and
    # mz = tanh(a gamma0 H t / (1 + a^2)). Tolerance 1e-6 as for the exact LLG solution.
    H, alpha = 1e5, 0.5
    system = macrospin(H=(0, 0, H))
    system.dynamics = mm.Damping(alpha=alpha)
    pe.TimeDriver(tol=1e-9).drive(system, t=0.1e-9, n=10, verbose=0)
    table = system.table.data
    rate = alpha * GAMMA0 * H / (1 + alpha**2)
    assert np.abs(table["mz"] - np.tanh(rate * table["t"])).max() < 1e-6
    assert np.abs(table["my"]).max() < 1e-12


def test_larmor_frequency_without_damping():
    # alpha = 0: m precesses at f = gamma0 H / (2 pi). Frequency from the phase of m_perp at the
    # end of 20 periods; tolerance 1e-6 relative (phase error of the tol = 1e-9 integration).
    H = 2e5
    system = macrospin(m0=(1, 0, 1), H=(0, 0, H), alpha=0.0)
    f_larmor = GAMMA0 * H / (2 * np.pi)
    t_end = 20 / f_larmor
    pe.TimeDriver(tol=1e-9).drive(system, t=t_end, n=400, verbose=0)
    table = system.table.data
    phase = np.unwrap(np.arctan2(table["my"], table["mx"]))
    f_measured = np.polyfit(table["t"], phase, 1)[0] / (2 * np.pi)
    assert abs(f_measured / f_larmor - 1) < 1e-6
    # Without damping mz is conserved (to the integrator's tolerance).
    assert np.abs(table["mz"] - 1 / np.sqrt(2)).max() < 1e-6


def test_spin_hall_mapping_of_the_slonczewski_torque():
    # P = theta_SH, Lambda = 1: dm/dt = gamma0 H_SH m x (sigma x m) with
    # H_SH = hbar theta J / (2 e mu0 Ms t) (alpha = 0, H = 0, m perpendicular to sigma). The
    # eps' term adds -gamma0 beta eps' m x mp. Relative tolerance 1e-12: pure arithmetic.
    J, theta, t_film, eps_p = 1e12, 0.1, 1e-9, 0.05
    mesh = df.Mesh(p1=(0, 0, 0), p2=(2e-9, 2e-9, t_film), cell=(2e-9, 2e-9, t_film))
    system = mm.System(name="sot")
    system.energy = mm.Zeeman(H=(0, 0, 0))
    system.dynamics = mm.Precession(gamma0=GAMMA0) + mm.Slonczewski(
        J=J, mp=(0, 1, 0), P=theta, Lambda=1, eps_prime=eps_p
    )
    system.m = df.Field(mesh, nvdim=3, value=(1, 0, 0), norm=MS)
    with jax.enable_x64(True):
        m, params, _ = build_params(system)
        rhs = np.asarray(llg_rhs(m, jnp.zeros_like(m), params, 0.0))[0, 0, 0]
    h_sh = HBAR * theta * J / (2 * E_CHARGE * MU0 * MS * t_film)
    beta = HBAR * J / (MU0 * E_CHARGE * t_film * MS)
    m0, sigma = np.array([1.0, 0, 0]), np.array([0, 1.0, 0])
    expected = GAMMA0 * h_sh * np.cross(m0, np.cross(sigma, m0)) - GAMMA0 * beta * eps_p * np.cross(
        m0, sigma
    )
    assert np.allclose(rhs, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())


def test_slonczewski_lambda_asymmetry_and_damping_mixing():
    # General OOMMF form in Landau-Lifshitz shape (micromagneticmodel's docstring):
    # dm/dt = g b [(eps + a eps') m x (mp x m) - (eps' - a eps) m x mp] / (1 + a^2).
    J, P, lam, eps_p, alpha, t_film = 5e11, 0.4, 2.0, 0.1, 0.3, 2e-9
    m0 = np.array([0.6, 0.0, 0.8])
    mp = np.array([0.0, 0.6, 0.8])
    mesh = df.Mesh(p1=(0, 0, 0), p2=(2e-9, 2e-9, t_film), cell=(2e-9, 2e-9, t_film))
    system = mm.System(name="stt")
    system.energy = mm.Zeeman(H=(0, 0, 0))
    system.dynamics = (
        mm.Precession(gamma0=GAMMA0)
        + mm.Damping(alpha=alpha)
        + mm.Slonczewski(J=J, mp=tuple(mp), P=P, Lambda=lam, eps_prime=eps_p)
    )
    system.m = df.Field(mesh, nvdim=3, value=tuple(m0), norm=MS)
    with jax.enable_x64(True):
        m, params, _ = build_params(system)
        rhs = np.asarray(llg_rhs(m, jnp.zeros_like(m), params, 0.0))[0, 0, 0]
    beta = HBAR * J / (MU0 * E_CHARGE * t_film * MS)
    eps = P * lam**2 / ((lam**2 + 1) + (lam**2 - 1) * m0 @ mp)
    expected = (
        GAMMA0
        * beta
        / (1 + alpha**2)
        * (
            (eps + alpha * eps_p) * np.cross(m0, np.cross(mp, m0))
            - (eps_p - alpha * eps) * np.cross(m0, mp)
        )
    )
    assert np.allclose(rhs, expected, rtol=1e-12)


def small_film(alpha=0.5, seed=1) -> mm.System:
    """8 x 6 x 2 film with every energy term and a random initial state."""
    mesh = df.Mesh(p1=(0, 0, 0), p2=(16e-9, 12e-9, 4e-9), cell=(2e-9, 2e-9, 2e-9))
    rng = np.random.default_rng(seed)
    system = mm.System(name="film")
    system.energy = (
        mm.Exchange(A=1.5e-11)
        + mm.UniaxialAnisotropy(K=3e5, u=(0, 0, 1))
        + mm.DMI(D=1e-3, crystalclass="Cnv_z")
        + mm.Demag()
        + mm.Zeeman(H=(2e4, 0, 1e4))
    )
    system.dynamics = mm.Precession(gamma0=GAMMA0) + mm.Damping(alpha=alpha)
    system.m = df.Field(mesh, nvdim=3, value=rng.normal(size=(*mesh.n, 3)), norm=MS)
    return system


def test_energy_decreases_monotonically_and_norm_is_kept():
    # Without torques or time-dependent fields dE/dt = -alpha gamma0 mu0 Ms |m x H|^2 / (1+a^2)
    # <= 0: every table step must lower E (tolerance 1e-12 of |E|: round-off of the sums).
    system = small_film()
    driver = pe.TimeDriver(save_m=True)
    driver.drive(system, t=50e-12, n=50, verbose=0)
    E = system.table.data["E"].to_numpy()
    assert np.all(np.diff(E) <= 1e-12 * np.abs(E).max())
    assert E[-1] < E[0]
    # The energy columns add up to E and are named after the terms (ubermag's E_<name>).
    columns = [c for c in system.table.data.columns if c.startswith("E_")]
    assert set(columns) == {"E_exchange", "E_uniaxialanisotropy", "E_dmi", "E_demag", "E_zeeman"}
    assert np.allclose(system.table.data[columns].sum(axis=1), E, rtol=1e-12)
    # |m| = 1 to round-off in every snapshot and in system.m (norm = Ms).
    norms = np.linalg.norm(driver.m_snapshots, axis=-1)
    assert np.abs(norms - 1).max() < 1e-12
    assert np.abs(system.m.norm.array - MS).max() < 1e-12 * MS


def test_float32_agrees_with_float64_and_leaves_x64_flag_alone():
    # float32: relative round-off ~1e-7 per step; over ~300 steps the macrospin trajectory must
    # agree with float64 to 1e-4.
    before = jax.config.jax_enable_x64
    rows = {}
    for dtype in ("float64", "float32"):
        system = macrospin(alpha=0.1)
        pe.TimeDriver(dtype=dtype, tol=1e-6).drive(system, t=0.2e-9, n=20, verbose=0)
        rows[dtype] = system.table.data[["mx", "my", "mz"]].to_numpy()
    assert np.abs(rows["float64"] - rows["float32"]).max() < 1e-4
    assert jax.config.jax_enable_x64 == before
    assert pe.TimeDriver().dtype is None and (
        jax.default_backend() != "cpu" or pe.drivers.default_dtype() == "float64"
    )


def test_fixed_subregion_does_not_move():
    mesh = df.Mesh(
        p1=(0, 0, 0),
        p2=(8e-9, 2e-9, 2e-9),
        cell=(2e-9, 2e-9, 2e-9),
        subregions={"pinned": df.Region(p1=(0, 0, 0), p2=(2e-9, 2e-9, 2e-9))},
    )
    system = mm.System(name="fixed")
    system.energy = mm.Exchange(A=1e-11) + mm.Zeeman(H=(0, 0, 1e6))
    system.dynamics = mm.Precession(gamma0=GAMMA0) + mm.Damping(alpha=0.5)
    system.m = df.Field(mesh, nvdim=3, value=(1, 0, 0), norm=MS)
    pe.TimeDriver().drive(system, t=20e-12, n=2, fixed_subregions=["pinned"], verbose=0)
    m = system.m.array / MS
    assert np.allclose(m[0, 0, 0], (1, 0, 0), atol=1e-14)
    assert m[-1, 0, 0, 2] > 0.3  # the free end has turned towards the field


def test_time_dependent_current_switches_on():
    # J(t) = J * f(t) with f sampled every dt (OOMMF's TimeFunction): no torque before t_on, so
    # m stays put (alpha = 0, H parallel to m).
    t_on = 50e-12
    mesh = df.Mesh(p1=(0, 0, 0), p2=(2e-9, 2e-9, 1e-9), cell=(2e-9, 2e-9, 1e-9))
    system = mm.System(name="pulse")
    system.energy = mm.Zeeman(H=(0, 0, 1e5))
    system.dynamics = mm.Precession(gamma0=GAMMA0) + mm.Slonczewski(
        J=1e12, mp=(0, 1, 0), P=0.1, Lambda=1, func=lambda t: 1.0 if t >= t_on else 0.0, dt=1e-12
    )
    system.m = df.Field(mesh, nvdim=3, value=(0, 0, 1), norm=MS)
    pe.TimeDriver().drive(system, t=100e-12, n=10, verbose=0)
    table = system.table.data
    before = table[table["t"] < t_on - 1e-12]
    assert np.allclose(before["mz"], 1.0, atol=1e-12)
    assert table["mz"].iloc[-1] < 0.999


@pytest.mark.parametrize("Driver", [pe.MinDriver, pe.RelaxDriver])
def test_static_drivers_align_with_the_field(Driver):
    system = small_film()
    system.energy = mm.Exchange(A=1e-11) + mm.Zeeman(H=(0, 0, 5e6))
    driver = Driver(stopping_mxHxm=0.1)
    driver.drive(system)
    m = system.m.array / MS
    assert np.all(m[..., 2] > 1 - 1e-6)
    assert driver.mxHxm < 0.1
    assert system.table.x == "iteration" == driver._x
    assert len(system.table.data) == 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"t": -1e-9, "n": 10}, "t:"),
        ({"t": 1e-9, "n": 0}, "n:"),
        ({"t": 1e-9, "n": 2.5}, "n:"),
        ({"t": 1e-9, "n": 1, "compute": "Oxs_Demag::Field"}, "compute:"),
    ],
)
def test_bad_drive_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pe.TimeDriver().drive(macrospin(), **kwargs)


def test_bad_driver_options():
    with pytest.raises(ValueError, match="dtype"):
        pe.TimeDriver(dtype="float16")
    with pytest.raises(ValueError, match="stopping_mxHxm"):
        pe.MinDriver(stopping_mxHxm=-1)
    system = macrospin()
    system.dynamics = 0
    with pytest.raises(RuntimeError, match="dynamics"):
        pe.TimeDriver().drive(system, t=1e-12, n=1)


def test_spatially_varying_current_and_polarisation_act_per_cell():
    # J and mp as discretisedfield Fields (what physics.current produces: |J| and
    # sigma = z x j_hat per cell): the torque follows them cell by cell, and vanishes where
    # J = 0 and where Ms = 0. Exact arithmetic comparison (rtol 1e-12).
    mesh = df.Mesh(p1=(0, 0, 0), p2=(6e-9, 2e-9, 1e-9), cell=(2e-9, 2e-9, 1e-9))
    J = df.Field(mesh, nvdim=1, value=lambda p: 0.0 if p[0] < 2e-9 else 1e12)
    mp = df.Field(mesh, nvdim=3, value=lambda p: (0, 1, 0) if p[0] < 4e-9 else (1, 0, 0))
    system = mm.System(name="varying")
    system.energy = mm.Zeeman(H=(0, 0, 0))
    system.dynamics = mm.Precession(gamma0=GAMMA0) + mm.Slonczewski(J=J, mp=mp, P=0.1, Lambda=1)
    system.m = df.Field(mesh, nvdim=3, value=(0, 0, 1), norm=lambda p: 0.0 if p[0] > 4e-9 else MS)
    with jax.enable_x64(True):
        m, params, _ = build_params(system)
        rhs = np.asarray(llg_rhs(m, jnp.zeros_like(m), params, 0.0))[:, 0, 0]
    h_sh = HBAR * 0.1 * 1e12 / (2 * E_CHARGE * MU0 * MS * 1e-9)
    assert np.all(rhs[0] == 0.0)  # J = 0
    assert np.allclose(rhs[1], GAMMA0 * h_sh * np.array([0.0, 1.0, 0.0]), rtol=1e-12)
    assert np.all(rhs[2] == 0.0)  # Ms = 0


def test_integrator_gives_up_on_a_non_finite_solution():
    # A right-hand side that turns non-finite must stop the stage (step size collapse) instead of
    # looping, and report the time reached (< the requested end).
    from physics.engine.integrators import integrate_rk45

    with jax.enable_x64(True):
        m0 = jnp.asarray([[[[1.0, 0.0, 0.0]]]])

        def rhs(m, t):
            return jnp.where(t > 1e-12, jnp.nan, 1e9) * jnp.ones_like(m)

        _, _, stats = jax.jit(lambda m: integrate_rk45(rhs, m, 0.0, jnp.asarray([1e-11])))(m0)
    assert 0.9e-12 <= float(stats["t"]) < 1e-11


def test_relax_driver_honours_max_iterations():
    """RelaxDriver takes MinDriver's max_iterations cap: stopping on it is an error, or, with
    allow_unconverged=True, a result flagged converged = False."""
    system = small_film()
    driver = pe.RelaxDriver(stopping_mxHxm=1e-5, max_steps=1, max_iterations=2)
    assert driver.max_iterations == 2
    with pytest.raises(
        pe.MinimisationNotConvergedError, match=r"max_iterations = 2 reached.*after \d+ iterations"
    ):
        driver.drive(system)
    driver = pe.RelaxDriver(
        stopping_mxHxm=1e-5, max_steps=1, max_iterations=2, allow_unconverged=True
    )
    driver.drive(system)
    assert not driver.converged
    # the count covers the damping steps (here 1) and the capped minimiser iterations (2)
    assert driver.iterations <= driver.max_steps + driver.max_iterations
    assert driver.mxHxm > 1e-5
