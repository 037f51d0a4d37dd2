"""Field terms of the JAX engine: analytic fields/energies and energy-gradient consistency."""

from __future__ import annotations

import discretisedfield as df
import jax
import jax.numpy as jnp
import micromagneticmodel as mm
import numpy as np
import pytest

from physics.engine.constants import MU0
from physics.engine.field import energies, energy_densities, term_fields
from physics.engine.system import build_params

MS = 8e5
A = 1.3e-11
K = 5e5
D = 2e-3


def chain_system(m_value, n=64, cell=1e-9, Ms=MS) -> mm.System:
    """A 1-D chain of n cubic cells along x."""
    mesh = df.Mesh(p1=(0, 0, 0), p2=(n * cell, cell, cell), cell=(cell, cell, cell))
    system = mm.System(name="chain")
    system.m = df.Field(mesh, nvdim=3, value=m_value, norm=Ms)
    return system


def fields_and_params(system, t=0.0):
    with jax.enable_x64(True):
        m, params, _ = build_params(system, t_end=1e-11)
        fields = {k: np.asarray(v) for k, v in term_fields(m, params, t).items()}
        w = {k: np.asarray(v) for k, v in energy_densities(m, params, t).items()}
        return np.asarray(m), params, fields, w


def cycloid(k):
    """Néel cycloid m = (sin kx, 0, cos kx) with x the cell centre."""
    return lambda p: (np.sin(k * p[0]), 0.0, np.cos(k * p[0]))


def test_exchange_of_a_cycloid_is_the_discrete_laplacian():
    # Interior cells: H = 2A/(mu0 Ms) * (2 cos(k dx) - 2)/dx^2 m exactly (the 3-point
    # Laplacian of a harmonic); tolerance 1e-9 relative = float64 round-off of the sums.
    n, dx, k = 64, 1e-9, 2 * np.pi / 40e-9
    system = chain_system(cycloid(k), n=n, cell=dx)
    system.energy = mm.Exchange(A=A)
    m, _, fields, _ = fields_and_params(system)
    H = fields["exchange"][:, 0, 0]
    expected = 2 * A / (MU0 * MS) * (2 * np.cos(k * dx) - 2) / dx**2 * m[:, 0, 0]
    scale = np.abs(expected).max()
    assert np.abs(H[1:-1] - expected[1:-1]).max() < 1e-9 * scale
    # Free boundary: the end cell couples to its single neighbour only.
    end = 2 * A / (MU0 * MS) * (m[1, 0, 0] - m[0, 0, 0]) / dx**2
    assert np.allclose(H[0], end, rtol=1e-12, atol=1e-9 * scale)


def test_exchange_does_not_couple_across_non_magnetic_cells():
    # Cells 0-1 magnetic, 2 empty, 3-4 magnetic with opposite m: no field may leak across.
    mesh = df.Mesh(p1=(0, 0, 0), p2=(5e-9, 1e-9, 1e-9), cell=(1e-9, 1e-9, 1e-9))
    system = mm.System(name="gap")
    system.m = df.Field(
        mesh,
        nvdim=3,
        value=lambda p: (0, 0, 1) if p[0] < 2.5e-9 else (0, 0, -1),
        norm=lambda p: 0.0 if 2e-9 < p[0] < 3e-9 else MS,
    )
    system.energy = mm.Exchange(A=A)
    _, _, fields, w = fields_and_params(system)
    assert np.all(fields["exchange"] == 0.0)
    assert np.all(w["exchange"] == 0.0)


def test_uniaxial_anisotropy_field_and_energy():
    theta = 0.3
    system = chain_system((np.sin(theta), 0, np.cos(theta)), n=4)
    system.energy = mm.UniaxialAnisotropy(K=K, u=(0, 0, 2))  # u is normalised by the engine
    _, _, fields, w = fields_and_params(system)
    assert np.allclose(fields["anisotropy"][..., 2], 2 * K * np.cos(theta) / (MU0 * MS), rtol=1e-12)
    assert np.allclose(fields["anisotropy"][..., :2], 0.0)
    assert np.allclose(w["anisotropy"], -K * np.cos(theta) ** 2, rtol=1e-12)


def test_dmi_energy_of_a_cycloid_has_the_ubermag_sign():
    # w = D (m.grad mz - mz div m) = -D k for m = (sin kx, 0, cos kx); discretely
    # -D sin(k dx)/dx in the interior (central differences). 1e-9 relative: round-off.
    n, dx, k = 64, 1e-9, 2 * np.pi / 40e-9
    system = chain_system(cycloid(k), n=n, cell=dx)
    system.energy = mm.DMI(D=D, crystalclass="Cnv_z")
    _, _, _, w = fields_and_params(system)
    interior = w["dmi"][1:-1, 0, 0]
    assert np.allclose(interior, -D * np.sin(k * dx) / dx, rtol=1e-9)
    system.energy = mm.DMI(D=-D, crystalclass="Cnv_z")
    _, _, _, w = fields_and_params(system)
    assert np.allclose(w["dmi"][1:-1, 0, 0], D * np.sin(k * dx) / dx, rtol=1e-9)


def test_dmi_field_of_uniform_state_lives_only_at_free_edges():
    # The DMI boundary condition: a uniform +z state feels an in-plane DMI field only at the
    # edges, H_x = -/+ D / (mu0 Ms dx) (pointing so that the edge spins cant outwards/inwards).
    system = chain_system((0, 0, 1), n=8)
    system.energy = mm.DMI(D=D, crystalclass="Cnv_z")
    _, _, fields, w = fields_and_params(system)
    H = fields["dmi"][:, 0, 0]
    h_edge = D / (MU0 * MS * 1e-9)
    assert np.allclose(H[1:-1], 0.0, atol=1e-9 * h_edge)
    assert np.isclose(H[0, 0], -h_edge, rtol=1e-12) and np.isclose(H[-1, 0], h_edge, rtol=1e-12)
    assert np.allclose(w["dmi"], 0.0, atol=1e-9 * D / 1e-9)


def test_zeeman_energy_and_time_dependence():
    system = chain_system((0, 0, 1), n=2)
    system.energy = mm.Zeeman(H=(0, 0, 1e5), func=lambda t: 2.0 if t >= 1e-12 else 0.5, dt=1e-12)
    _, params, fields, w = fields_and_params(system, t=0.0)
    assert np.allclose(fields["zeeman:zeeman"][..., 2], 0.5e5)
    assert np.allclose(w["zeeman:zeeman"], -MU0 * MS * 0.5e5)
    _, _, fields, _ = fields_and_params(system, t=3e-12)
    assert np.allclose(fields["zeeman:zeeman"][..., 2], 2e5)


def random_masked_system(seed=0):
    """3-D block with a non-magnetic hole and spatially varying A, D, K, every local term."""
    rng = np.random.default_rng(seed)
    mesh = df.Mesh(p1=(0, 0, 0), p2=(6e-9, 5e-9, 3e-9), cell=(1e-9, 1e-9, 1e-9))
    values = rng.normal(size=(*mesh.n, 3))
    norm = np.full(mesh.n, MS)
    norm[2, 2, :] = 0.0
    norm[0, 0, 0] = 0.5 * MS
    system = mm.System(name="random")
    system.m = df.Field(mesh, nvdim=3, value=values, norm=df.Field(mesh, nvdim=1, value=norm))
    varying = df.Field(mesh, nvdim=1, value=lambda p: 1.0 + 0.5 * np.sin(3e9 * p[0] + 1e9 * p[1]))
    system.energy = (
        mm.Exchange(A=A * varying)
        + mm.UniaxialAnisotropy(K1=K * varying, K2=0.3 * K, u=(0.2, 0.1, 1))
        + mm.DMI(D=D * varying, crystalclass="Cnv_z")
        + mm.Zeeman(H=(1e4, -2e4, 3e4))
        + mm.Demag()
    )
    return system


TERMS = ["exchange", "anisotropy", "dmi", "zeeman:zeeman", "demag"]


@pytest.fixture(scope="module")
def torques_and_gradient_torques():
    """m x H and m x (-dE/dm / (mu0 Ms V)) for every term of the random masked system."""
    system = random_masked_system()
    with jax.enable_x64(True):
        m, params, _ = build_params(system)

        @jax.jit
        def both(m):
            fields = term_fields(m, params, 0.0)
            grads = {t: jax.grad(lambda x, t=t: energies(x, params, 0.0)[t])(m) for t in TERMS}
            return fields, grads

        fields, grads = both(m)
        volume = float(np.prod(np.asarray(params["cell"])))
        Ms = np.asarray(params["Ms"])[..., None]
        out = {}
        for term in TERMS:
            H_from_grad = -np.asarray(grads[term]) / (MU0 * np.where(Ms > 0, Ms, 1.0) * volume)
            out[term] = (
                np.cross(np.asarray(m), np.asarray(fields[term])),
                np.cross(np.asarray(m), H_from_grad),
            )
    return out


@pytest.mark.parametrize("term", TERMS)
def test_fields_are_minus_the_energy_gradient(term, torques_and_gradient_torques):
    # The torque m x H of each term must equal m x (-dE/dm / (mu0 Ms V)) computed by automatic
    # differentiation of the term's total energy: the field and energy are one discretisation.
    # Tolerance 1e-9 of the largest torque: float64 round-off (demag: FFT round-off).
    torque, torque_grad = torques_and_gradient_torques[term]
    scale = np.abs(torque).max()
    assert scale > 0
    assert np.abs(torque - torque_grad).max() < 1e-9 * scale


def test_parameters_as_subregion_dicts():
    mesh = df.Mesh(
        p1=(0, 0, 0),
        p2=(4e-9, 1e-9, 1e-9),
        cell=(1e-9, 1e-9, 1e-9),
        subregions={"left": df.Region(p1=(0, 0, 0), p2=(2e-9, 1e-9, 1e-9))},
    )
    system = mm.System(name="dict")
    system.m = df.Field(mesh, nvdim=3, value=(0, 0, 1), norm=MS)
    system.energy = mm.UniaxialAnisotropy(K={"left": K, "default": 0.0}, u=(0, 0, 1))
    _, _, fields, _ = fields_and_params(system)
    Hz = fields["anisotropy"][:, 0, 0, 2]
    assert np.allclose(Hz, [2 * K / (MU0 * MS)] * 2 + [0.0] * 2)


@pytest.mark.parametrize(
    "term",
    [
        mm.CubicAnisotropy(K=1e4, u1=(1, 0, 0), u2=(0, 1, 0)),
        mm.DMI(D=1e-3, crystalclass="T"),
        mm.RKKY(sigma=1e-4, subregions=["a", "b"]),
    ],
)
def test_unsupported_energy_terms_raise(term):
    system = chain_system((0, 0, 1), n=2)
    system.energy = term
    with pytest.raises(
        ValueError, match=type(term).__name__ if not isinstance(term, mm.DMI) else "crystalclass"
    ):
        build_params(system)


def test_unsupported_dynamics_raise():
    system = chain_system((0, 0, 1), n=2)
    system.energy = mm.Zeeman(H=(0, 0, 1))
    system.dynamics = mm.Precession(gamma0=2.211e5) + mm.ZhangLi(u=100, beta=0.5)
    with pytest.raises(ValueError, match="ZhangLi"):
        build_params(system)


def test_zero_magnetisation_is_rejected():
    system = chain_system((0, 0, 1), n=2, Ms=0.0)
    system.energy = mm.Zeeman(H=(0, 0, 1))
    with pytest.raises(ValueError, match="system.m"):
        build_params(system)


def test_float32_params_when_asked():
    system = chain_system((0, 0, 1), n=2)
    system.energy = mm.Exchange(A=A) + mm.Demag()
    m, params, _ = build_params(system, dtype=jnp.float32)
    assert m.dtype == jnp.float32 and params["Ms"].dtype == jnp.float32


def two_region_chain() -> mm.System:
    mesh = df.Mesh(
        p1=(0, 0, 0),
        p2=(4e-9, 1e-9, 1e-9),
        cell=(1e-9, 1e-9, 1e-9),
        subregions={
            "r1": df.Region(p1=(0, 0, 0), p2=(2e-9, 1e-9, 1e-9)),
            "r2": df.Region(p1=(2e-9, 0, 0), p2=(4e-9, 1e-9, 1e-9)),
        },
    )
    system = mm.System(name="regions")
    system.m = df.Field(mesh, nvdim=3, value=(0, 0, 1), norm=MS)
    return system


def test_periodic_boundary_conditions_raise():
    # PBC would change exchange, DMI and demag; the engine has free boundaries only, so a mesh
    # with bc must be refused rather than run as if it were open.
    mesh = df.Mesh(p1=(0, 0, 0), p2=(4e-9, 1e-9, 1e-9), cell=(1e-9, 1e-9, 1e-9), bc="x")
    system = mm.System(name="pbc")
    system.m = df.Field(mesh, nvdim=3, value=(0, 0, 1), norm=MS)
    system.energy = mm.Exchange(A=A)
    with pytest.raises(ValueError, match="mesh.bc"):
        build_params(system)


@pytest.mark.parametrize(
    "term, match",
    [
        (
            lambda: mm.Zeeman(H={"r1": (0, 0, 1), "r2": (0, 0, 1), "r1:r2": (0, 0, 2)}),
            "Zeeman.*r1:r2",
        ),
        (lambda: mm.Exchange(A={"r1": A, "r3": A, "default": A}), "Exchange.A.*'r3'"),
        (lambda: mm.DMI(D={"r1:r3": D, "default": D}, crystalclass="Cnv_z"), "DMI.D.*r1:r3"),
        (lambda: mm.UniaxialAnisotropy(K={"r1": K}, u=(0, 0, 1)), "UniaxialAnisotropy.K"),
    ],
)
def test_region_keyed_parameters_that_would_be_dropped_raise(term, match):
    # discretisedfield silently skips 'r1:r2' keys and keys naming no subregion; the engine
    # must refuse them where it has no meaning for them (and a dict that leaves cells without
    # a value and has no default).
    system = two_region_chain()
    system.energy = term()
    with pytest.raises(ValueError, match=match):
        build_params(system)


def test_zeeman_matrix_time_dependence_rotates_the_field():
    # oommfc's TransformZeeman 'general': func returns the nine elements of M(t), H(t) = M H.
    # A 90 degree rotation about z from t = 1 ps on turns (1e5, 0, 0) into (0, 1e5, 0).
    def rotation(t):
        c, s = (0.0, 1.0) if t >= 1e-12 else (1.0, 0.0)
        return [c, -s, 0, s, c, 0, 0, 0, 1]

    system = chain_system((0, 0, 1), n=2)
    system.energy = mm.Zeeman(H=(1e5, 0, 0), func=rotation, dt=1e-12)
    _, _, fields, _ = fields_and_params(system, t=0.0)
    assert np.allclose(fields["zeeman:zeeman"][0, 0, 0], (1e5, 0, 0))
    _, _, fields, _ = fields_and_params(system, t=2e-12)
    assert np.allclose(fields["zeeman:zeeman"][0, 0, 0], (0, 1e5, 0), atol=1e-9)


def test_time_functions_of_the_wrong_shape_raise():
    system = chain_system((0, 0, 1), n=2)
    system.energy = mm.Zeeman(H=(1e5, 0, 0), func=lambda t: (1.0, 0.0, 1.0), dt=1e-12)
    with pytest.raises(ValueError, match="Zeeman.*func"):
        build_params(system, t_end=1e-11)
    system.energy = mm.Zeeman(H=(1e5, 0, 0))
    system.dynamics = mm.Precession(gamma0=2.211e5) + mm.Slonczewski(
        J=1e11, mp=(0, 1, 0), P=0.1, Lambda=1, func=lambda t: [1.0] * 9, dt=1e-12
    )
    with pytest.raises(ValueError, match="Slonczewski.*func"):
        build_params(system, t_end=1e-11)
    system.dynamics = mm.Precession(gamma0=2.211e5) + mm.Slonczewski(
        J=1e11, mp=(0, 0, 0), P=0.1, Lambda=1
    )
    with pytest.raises(ValueError, match="Slonczewski.mp"):
        build_params(system)


def test_inter_region_exchange_and_dmi_set_the_links_between_regions():
    # 'r1:r2' gives the coupling of links between the regions (OOMMF's Exchange6Ngbr pairs);
    # within a region the region's value acts. Chain r1 = cells 0-1, r2 = cells 2-3.
    from physics.engine.dmi import dmi_links

    system = two_region_chain()
    system.energy = mm.Exchange(A={"r1": A, "r2": 2 * A, "r1:r2": 0.25 * A}) + mm.DMI(
        D={"r1": D, "r2": D, "r1:r2": 0.0}, crystalclass="Cnv_z"
    )
    with jax.enable_x64(True):
        _, params, _ = build_params(system)
    links = np.asarray(params["exchange"]["links"])[0, :, 0, 0] * 1e-18  # A_ij (J/m), dx = 1 nm
    assert np.allclose(links, [A, 0.25 * A, 2 * A, 0.0], rtol=1e-12)
    d_links = np.asarray(params["dmi"]["links"])[0, :, 0, 0]
    assert np.allclose(d_links, [D, 0.0, D, 0.0], rtol=1e-12)
    assert np.allclose(
        dmi_links(np.full((4, 1, 1), D), np.ones((4, 1, 1)))[0, :, 0, 0], [D, D, D, 0.0]
    )
