"""The energy minimisers (physics/engine/minimise.py) and the static drivers' convergence flag.

L-BFGS (the drivers' default) and Barzilai-Borwein reach the same minimum; L-BFGS's line search
never raises the energy beyond round-off; a run that stops on max_iterations is an error or,
with allow_unconverged=True, a result flagged converged = False. Agreement with OOMMF's relaxed
wall (case B) is tests/test_engine_oommf_reference.py.
"""

from __future__ import annotations

import discretisedfield as df
import jax
import jax.numpy as jnp
import micromagneticmodel as mm
import numpy as np
import pytest

import physics.engine as pe
from physics.engine.drivers import _objective, _static
from physics.engine.field import effective_field, energies, field_and_energy
from physics.engine.minimise import CONVERGED, MAX_ITERATIONS, minimise_lbfgs
from physics.engine.standard_problems import notch_mask, notched_strip_system
from physics.engine.system import build_params

MS = 1.1e6


def small_strip():
    """64 x 16 notched strip (two depth-3 notches at x = 80 nm, the wall at 64 nm)."""
    return notched_strip_system(nx=64, ny=16, notch_depth=3)


def test_notched_strip_has_84_empty_cells():
    system = notched_strip_system()
    Ms = np.linalg.norm(system.m.array, axis=-1)
    assert tuple(system.m.mesh.n) == (256, 32, 1)
    assert int((Ms == 0).sum()) == 84
    assert np.all(Ms[Ms > 0] == MS)
    assert int((~notch_mask(64, 16, 3, 40)).sum()) == 24


def test_field_and_energy_is_the_sum_of_the_terms():
    system = small_strip()
    system.energy += mm.Zeeman(H=(1e4, 2e4, -3e4))  # with the four bilinear-or-not terms
    with jax.enable_x64(True):
        m, params, _ = build_params(system)
        m = m + 0.3 * jnp.sin(jnp.arange(m.size).reshape(m.shape))  # every term non-trivial
        m = (
            m
            / jnp.maximum(jnp.linalg.norm(m, axis=-1, keepdims=True), 1e-30)
            * params.mask[..., None]
        )
        H, E = field_and_energy(m, params, 0.0)
        E_ref = sum(float(e) for e in energies(m, params, 0.0).values())
        assert np.allclose(H, effective_field(m, params, 0.0), rtol=0, atol=1e-9)
        assert float(E) == pytest.approx(E_ref, rel=1e-12)


def test_lbfgs_and_bb_reach_the_same_minimum():
    # Same minimum to the accuracy of the stopping criterion: at max|m x H| = 1e-3 A/m out of
    # H ~ 1e6 A/m the states differ by ~1e-9; 1e-6 would still catch a different minimum
    # (the wall elsewhere changes m by O(1)).
    states, energies_ = {}, {}
    for method in ("lbfgs", "bb"):
        system = small_strip()
        driver = pe.MinDriver(stopping_mxHxm=1e-3, method=method)
        driver.drive(system)
        assert driver.converged and driver.mxHxm < 1e-3
        assert driver.field_evaluations >= driver.iterations > 0
        states[method] = system.m.array / MS
        energies_[method] = float(system.table.data["E"].iloc[0])
    assert np.abs(states["lbfgs"] - states["bb"]).max() < 1e-6
    assert energies_["lbfgs"] == pytest.approx(energies_["bb"], rel=1e-10)


def test_lbfgs_converges_on_the_small_notched_strip_to_oommf_criterion():
    system = small_strip()
    driver = pe.MinDriver(stopping_mxHxm=0.01)
    driver.drive(system)
    assert driver.converged
    assert driver.mxHxm < 0.01
    assert driver.field_evaluations < 2 * driver.iterations + 10  # ~1 evaluation per iteration


def test_energy_never_rises_along_the_lbfgs_iterations():
    # The k-th iterate of one deterministic run is the result of a run capped at k iterations.
    with jax.enable_x64(True):
        m0, params, _ = build_params(small_strip())
        params = _static(params)
        objective, weight = _objective(params)
        run = jax.jit(lambda k: minimise_lbfgs(objective, m0, params.mask, weight, 1e-3, k).energy)
        e = np.array([float(run(jnp.asarray(k))) for k in range(0, 60)])
        _, e0 = objective(m0)
        scale = float(jnp.sum(jnp.abs(objective(m0)[0] * m0)))  # sum |m.H| ~ energy magnitude
    rises = np.diff(e)
    assert e[0] == pytest.approx(float(e0), rel=1e-14)
    assert rises.max() <= 1e3 * np.finfo(np.float64).eps * scale
    assert e[-1] < e[0]


def test_hitting_max_iterations_raises_or_is_flagged():
    system = small_strip()
    with pytest.raises(
        pe.MinimisationNotConvergedError,
        match=r"max_iterations = 5 reached: max\|m x H\| = .* A/m >= stopping_mxHxm = 0.01 A/m "
        r"after 5 iterations",
    ):
        pe.MinDriver(stopping_mxHxm=0.01, max_iterations=5).drive(system)
    assert system.drive_number == 0  # nothing written
    driver = pe.MinDriver(stopping_mxHxm=0.01, max_iterations=5, allow_unconverged=True)
    driver.drive(system)
    assert not driver.converged
    assert driver.iterations == 5
    assert driver.mxHxm > 0.01
    assert system.drive_number == 1


def test_hysteresis_point_that_does_not_converge_raises():
    system = small_strip()
    driver = pe.HysteresisDriver(stopping_mxHxm=0.01, max_iterations=3)
    with pytest.raises(pe.MinimisationNotConvergedError, match=r"HysteresisDriver at H = "):
        driver.drive(system, Hsteps=[[(0, 0, 0), (0, 0, 1e3), 2]], verbose=0)


def test_bad_minimiser_options():
    with pytest.raises(ValueError, match="method"):
        pe.MinDriver(method="newton")
    with pytest.raises(ValueError, match="max_iterations"):
        pe.MinDriver(max_iterations=0)


def test_low_level_result_status():
    with jax.enable_x64(True):
        m0, params, _ = build_params(small_strip())
        params = _static(params)
        objective, weight = _objective(params)
        capped = minimise_lbfgs(objective, m0, params.mask, weight, 1e-3, 2)
        done = minimise_lbfgs(objective, m0, params.mask, weight, 10.0, 10_000)
    assert int(capped.status) == MAX_ITERATIONS and int(capped.iterations) == 2
    assert int(done.status) == CONVERGED and float(done.mxHxm) < 10.0


def test_lbfgs_with_two_ms_values_and_fixed_cells():
    # Ms differs between the two halves (the metric's weights w = Ms / max Ms are not all 1) and
    # the left 8 nm are fixed: L-BFGS and BB reach the same minimum; fixed cells do not move.
    mesh = df.Mesh(
        p1=(0, 0, 0),
        p2=(64e-9, 16e-9, 1e-9),
        cell=(2e-9, 2e-9, 1e-9),
        subregions={"pinned": df.Region(p1=(0, 0, 0), p2=(8e-9, 16e-9, 1e-9))},
    )
    states = {}
    for method in ("lbfgs", "bb"):
        system = mm.System(name="two_ms")
        system.energy = (
            mm.Exchange(A=1.5e-11)
            + mm.UniaxialAnisotropy(K=8.5e5, u=(0, 0, 1))
            + mm.DMI(D=0.3e-3, crystalclass="Cnv_z")
            + mm.Demag()
            + mm.Zeeman(H=(2e4, 0, 0))
        )
        system.m = df.Field(
            mesh,
            nvdim=3,
            value=lambda p: (0.1, 0, 1) if p[0] < 32e-9 else (0.1, 0, -1),
            norm=lambda p: MS if p[0] < 40e-9 else 0.6e6,
        )
        m0 = system.m.orientation.array.copy()
        driver = pe.MinDriver(stopping_mxHxm=1e-3, method=method)
        driver.drive(system, fixed_subregions=["pinned"])
        assert driver.converged
        states[method] = system.m.orientation.array
        assert np.array_equal(states[method][:4], m0[:4])
    assert np.abs(states["lbfgs"] - states["bb"]).max() < 1e-6
