"""Demag tensor and field of the JAX engine against analytic results (Newell, Aharoni)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from physics.engine.demag import (
    MU0,
    DemagKernel,
    _dipole_average,
    _newell_near,
    demag_energy,
    demag_field,
    far_field_distance,
    newell_tensor,
)


@pytest.fixture(autouse=True)
def _float64():
    """Run each test in float64 without flipping JAX's global flag for other test modules."""
    with jax.enable_x64(True):
        yield


def aharoni_factor(a: float, b: float, c: float) -> float:
    """Magnetometric demag factor along c of a 2a x 2b x 2c prism (Aharoni, JAP 83, 3432 (1998))."""
    r = np.sqrt(a * a + b * b + c * c)
    ab, bc, ac = np.hypot(a, b), np.hypot(b, c), np.hypot(a, c)
    pi_d = (
        (b * b - c * c) / (2 * b * c) * np.log((r - a) / (r + a))
        + (a * a - c * c) / (2 * a * c) * np.log((r - b) / (r + b))
        + b / (2 * c) * np.log((ab + a) / (ab - a))
        + a / (2 * c) * np.log((ab + b) / (ab - b))
        + c / (2 * a) * np.log((bc - b) / (bc + b))
        + c / (2 * b) * np.log((ac - a) / (ac + a))
        + 2 * np.arctan(a * b / (c * r))
        + (a**3 + b**3 - 2 * c**3) / (3 * a * b * c)
        + (a * a + b * b - 2 * c * c) / (3 * a * b * c) * r
        + c / (a * b) * (ac + bc)
        - (ab**3 + bc**3 + ac**3) / (3 * a * b * c)
    )
    return pi_d / np.pi


def prism_factors(n, cell) -> np.ndarray:
    """Aharoni's (Nx, Ny, Nz) of the whole mesh as one prism."""
    half = np.asarray(n) * np.asarray(cell) / 2
    return np.array(
        [
            aharoni_factor(half[1], half[2], half[0]),
            aharoni_factor(half[2], half[0], half[1]),
            aharoni_factor(half[0], half[1], half[2]),
        ]
    )


@pytest.mark.parametrize("cell", [(1.0, 1.0, 1.0), (5e-9, 5e-9, 3e-9), (2e-9, 2e-9, 1e-9)])
def test_self_tensor_trace_is_one_and_matches_aharoni(cell):
    # The self term is the prism's own demag tensor: diagonal, trace exactly 1. Tolerance 1e-13:
    # a handful of float64 roundings of O(1) numbers.
    N = newell_tensor(np.zeros(3), cell)
    assert N[:3].sum() == pytest.approx(1.0, abs=1e-13)
    np.testing.assert_allclose(N[3:], 0.0, atol=1e-13)
    np.testing.assert_allclose(N[:3], prism_factors((1, 1, 1), cell), rtol=1e-12)
    if cell[0] == cell[2]:
        np.testing.assert_allclose(N[:3], 1 / 3, rtol=1e-13)


def test_tensor_symmetries():
    cell = np.array([5e-9, 4e-9, 3e-9])
    rng = np.random.default_rng(0)
    offsets = rng.integers(-9, 10, size=(40, 3)) * cell
    offsets = offsets[np.any(offsets != 0, axis=1)]
    N = newell_tensor(offsets, cell)
    # Outside the source the dipole kernel is traceless (Laplace), so is its cell average.
    # Tolerance: relative to the largest component, float64 rounding amplified by the Newell
    # second differences (< 1e-9 by construction, see demag.py).
    scale = np.abs(N).max()
    np.testing.assert_allclose(N[:, :3].sum(axis=1), 0.0, atol=1e-9 * scale)
    # Parity: diagonal terms even, N_xy odd in x and y, N_xz in x and z, N_yz in y and z.
    parity = np.array([[1, 1, 1], [1, 1, 1], [1, 1, 1], [-1, -1, 1], [-1, 1, -1], [1, -1, -1]])
    for flip in ([-1, 1, 1], [1, -1, 1], [1, 1, -1]):
        flipped = newell_tensor(offsets * np.array(flip), cell)
        sign = np.prod(np.where(np.array(flip) < 0, parity, 1), axis=1)
        np.testing.assert_allclose(flipped, N * sign, atol=1e-12 * scale)
    # Relabelling x <-> y (offsets and cell) swaps xx <-> yy and xz <-> yz.
    swapped = newell_tensor(offsets[:, [1, 0, 2]], cell[[1, 0, 2]])
    np.testing.assert_allclose(swapped, N[:, [1, 0, 2, 3, 5, 4]], atol=1e-12 * scale)


@pytest.mark.parametrize("cell", [(5e-9, 5e-9, 3e-9), (2e-9, 2e-9, 1e-9), (4e-9, 1e-9, 2e-9)])
def test_far_field_quadrature_matches_newell_at_switch_distance(cell):
    # Both methods are evaluated on both sides of the switch: they must agree to 1e-8 relative
    # (Newell's cancellation budget 1e-10 * safety; quadrature error ~ (d/R)^8).
    cell = np.asarray(cell)
    r_far = far_field_distance(cell)
    rng = np.random.default_rng(1)
    directions = rng.normal(size=(20, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    for factor in (0.9, 1.1):
        offsets = directions * r_far * factor
        near, far = _newell_near(offsets, cell), _dipole_average(offsets, cell, 4)
        np.testing.assert_allclose(far, near, atol=1e-8 * np.abs(near).max())


@pytest.mark.parametrize(
    ("n", "cell"),
    [
        ((8, 8, 8), (1e-9, 1e-9, 1e-9)),  # cube
        ((100, 25, 1), (5e-9, 5e-9, 3e-9)),  # thin film (standard problem 4)
        ((160, 4, 4), (2e-9, 2e-9, 2e-9)),  # long bar
        ((96, 96, 1), (4e-9, 4e-9, 1e-9)),  # wide film, exercises the far-field quadrature
    ],
)
def test_uniform_prism_demag_factors_match_aharoni(n, cell):
    # For uniform M the cell-averaged tensor is exact, so the volume-averaged field of the mesh
    # is exactly Aharoni's magnetometric factor. Tolerance 1e-10 absolute: the float64 error
    # budget per tensor entry (1e-10 relative) summed with both signs over the mesh.
    kernel = DemagKernel.from_mesh(n, cell)
    Ms = 8e5
    expected = prism_factors(n, cell)
    for axis in range(3):
        m = jnp.zeros((*n, 3)).at[..., axis].set(1.0)
        H = demag_field(m, jnp.full(n, Ms), kernel)
        assert -float(H[..., axis].mean()) / Ms == pytest.approx(expected[axis], abs=1e-10)
        # Energy of the uniform prism: (mu0/2) N Ms^2 V_total.
        volume = np.prod(n) * np.prod(cell)
        energy = float(demag_energy(m, jnp.full(n, Ms), kernel))
        assert energy == pytest.approx(0.5 * MU0 * expected[axis] * Ms**2 * volume, rel=1e-9)


def test_field_equals_direct_sum_with_mask_and_nz_gt_1():
    # The FFT convolution must equal the direct O(N^2) sum over the Newell tensor, including Ms = 0
    # cells (a mask) and nz > 1. Tolerance 1e-12 relative: FFT round-off on a tiny mesh.
    n, cell = (7, 5, 3), np.array([3e-9, 2e-9, 2.5e-9])
    rng = np.random.default_rng(2)
    m = rng.normal(size=(*n, 3))
    m /= np.linalg.norm(m, axis=-1, keepdims=True)
    Ms = np.where(rng.random(n) < 0.7, 1e6, 0.0)
    H = np.asarray(demag_field(jnp.asarray(m), jnp.asarray(Ms), DemagKernel.from_mesh(n, cell)))
    idx = np.stack(np.meshgrid(*map(np.arange, n), indexing="ij"), axis=-1).reshape(-1, 3)
    offsets = (idx[:, None, :] - idx[None, :, :]) * cell
    N6 = newell_tensor(offsets, cell)
    N = N6[..., [0, 3, 4, 3, 1, 5, 4, 5, 2]].reshape(*N6.shape[:-1], 3, 3)
    M = (m * Ms[..., None]).reshape(-1, 3)
    direct = -np.einsum("tsij,sj->ti", N, M).reshape(*n, 3)
    np.testing.assert_allclose(H, direct, atol=1e-12 * np.abs(direct).max())


def test_float32_field_agrees_with_float64():
    # float32 FFT convolution: relative error ~ eps32 * log2(P) ~ 1e-6; tolerance 1e-5 of the
    # largest field component.
    n, cell = (100, 25, 1), (5e-9, 5e-9, 3e-9)
    x = np.linspace(-1, 1, n[0])[:, None, None]
    y = np.linspace(-1, 1, n[1])[None, :, None]
    components = np.broadcast_arrays(np.cos(3 * x) * np.ones_like(y), np.sin(3 * x + y), 0.1 * y)
    m = np.stack(components, axis=-1)
    m /= np.linalg.norm(m, axis=-1, keepdims=True)
    Ms = np.full(n, 8e5)
    k64 = DemagKernel.from_mesh(n, cell, dtype=jnp.float64)
    H64 = np.asarray(demag_field(jnp.asarray(m), jnp.asarray(Ms), k64))
    k32 = k64.astype(jnp.float32)
    H32 = demag_field(jnp.asarray(m, jnp.float32), jnp.asarray(Ms, jnp.float32), k32)
    assert H32.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(H32), H64, atol=1e-5 * np.abs(H64).max())


def test_kernel_is_a_pytree_usable_under_jit():
    n, cell = (16, 8, 1), (4e-9, 4e-9, 1e-9)
    kernel = DemagKernel.from_mesh(n, cell)
    m = jnp.zeros((*n, 3)).at[..., 2].set(1.0)
    Ms = jnp.full(n, 1e6)
    jitted = jax.jit(demag_field)(m, Ms, kernel)
    eager = demag_field(m, Ms, kernel)
    np.testing.assert_allclose(np.asarray(jitted), np.asarray(eager), rtol=1e-12)
    # Ms = 0 everywhere: no field.
    assert float(jnp.abs(demag_field(m, jnp.zeros(n), kernel)).max()) == 0.0


def test_bad_input_raises_named_errors():
    with pytest.raises(ValueError, match="cell"):
        DemagKernel.from_mesh((4, 4, 1), (1e-9, -1e-9, 1e-9))
    with pytest.raises(ValueError, match="n:"):
        DemagKernel.from_mesh((4, 0, 1), (1e-9, 1e-9, 1e-9))
    kernel = DemagKernel.from_mesh((4, 4, 1), (1e-9, 1e-9, 1e-9))
    with pytest.raises(ValueError, match="m:"):
        demag_field(jnp.zeros((4, 3, 1, 3)), jnp.ones((4, 4, 1)), kernel)
    with pytest.raises(ValueError, match="Ms:"):
        demag_field(jnp.zeros((4, 4, 1, 3)), jnp.ones((4, 4)), kernel)
