"""Demagnetising field of a finite-difference mesh: Newell tensor + zero-padded FFT convolution.

Public API
----------
``newell_tensor(offsets, cell) -> ndarray (..., 6)``
    Cell-averaged demagnetising tensor between two rectangular cells whose centres are
    ``offsets`` (metres, shape (..., 3)) apart, components ordered (xx, yy, zz, xy, xz, yz).
    Dimensionless; the field in the target cell is H = -N M (A/m).
``DemagKernel.from_mesh(n=(nx, ny, nz), cell=(dx, dy, dz), dtype=None) -> DemagKernel``
    The tensor of every cell offset of the mesh, computed once in float64 with numpy, zero
    padded and Fourier transformed (real FFT along x). An equinox pytree: pass it into jitted
    code as an argument (or close over it).
``demag_field(m, Ms, kernel) -> H``
    m: (nx, ny, nz, 3) unit vectors, Ms: (nx, ny, nz) saturation magnetisation in A/m (0 outside
    the magnetic mask); returns the demagnetising field H (nx, ny, nz, 3) in A/m, in m's dtype.
``demag_energy(m, Ms, kernel) -> E``
    E = -(mu0/2) sum_cells M . H V, in joules.
``Demag``: the energy term (``field(m, t)`` in A/m, ``energy_density(m, t)`` in J/m^3,
    ``self_factors()`` = Ms N(0) in A/m), built from ``micromagneticmodel.Demag`` by
    :func:`build`.

Method
------
Newell, Williams & Dunlop, J. Geophys. Res. 98, 9551 (1993): N_xx is the 27-point second
difference (weights -1, 2, -1 along each axis) of the function f, N_xy that of g, divided by
4 pi V. The second difference of functions that grow like R^3 loses about
log10(R^6 / V^2) digits to cancellation, so beyond a distance where float64 keeps fewer than
~8 digits the tensor is instead computed as what it is by definition, the average of the point
dipole kernel over both cells: N(R) = -V <G(R + s)>, with s distributed as the convolution of
the two cells' box functions (a triangle of half-width d_i along each axis), evaluated by
Gauss-Jacobi quadrature on each half of the triangle. Its error falls like (d/R)^(2 n), so at the
switch-over distance both methods agree to ~1e-9 relative (tested).
"""

from __future__ import annotations

from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import micromagneticmodel as mm
import numpy as np
import scipy.fft
import scipy.special

from .constants import MU0
from .term import FieldTerm, bilinear_energy_density
from .values import BuildContext, attr

# Number of Gauss-Jacobi points per half of the triangular distribution (per axis).
_FAR_QUADRATURE_POINTS = 4
# Relative rounding error budget of the Newell second differences: switch to the quadrature where
# eps * R^6 / V^2 exceeds this.
_NEWELL_RELATIVE_ERROR = 1e-10
# ... but never closer than this many of the largest cell dimensions (quadrature accuracy).
_MIN_FAR_DISTANCE_CELLS = 6.0


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num/den with 0 where den == 0 (the terms that use it vanish there)."""
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _newell_f(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Newell's f(x, y, z) (even in each argument, symmetric in y <-> z); metres^3."""
    x, y, z = np.abs(x), np.abs(y), np.abs(z)
    x2, y2, z2 = x * x, y * y, z * z
    r = np.sqrt(x2 + y2 + z2)
    return (
        0.5 * y * (z2 - x2) * np.arcsinh(_ratio(y, np.sqrt(x2 + z2)))
        + 0.5 * z * (y2 - x2) * np.arcsinh(_ratio(z, np.sqrt(x2 + y2)))
        - x * y * z * np.arctan(_ratio(y * z, x * r))
        + (2.0 * x2 - y2 - z2) * r / 6.0
    )


def _newell_g(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Newell's g(x, y, z) (odd in x and y, even in z, symmetric in x <-> y); metres^3."""
    x2, y2, z2 = x * x, y * y, z * z
    r = np.sqrt(x2 + y2 + z2)
    return (
        x * y * z * np.arcsinh(_ratio(z, np.sqrt(x2 + y2)))
        + y * (3.0 * z2 - y2) * np.arcsinh(_ratio(x, np.sqrt(y2 + z2))) / 6.0
        + x * (3.0 * z2 - x2) * np.arcsinh(_ratio(y, np.sqrt(x2 + z2))) / 6.0
        - z * z2 * np.arctan(_ratio(x * y, z * r)) / 6.0
        - 0.5 * z * y2 * np.arctan(_ratio(x * z, y * r))
        - 0.5 * z * x2 * np.arctan(_ratio(y * z, x * r))
        - x * y * r / 3.0
    )


# (function, permutation of (x, y, z) that it is evaluated at) for xx, yy, zz, xy, xz, yz.
_COMPONENTS = (
    (_newell_f, (0, 1, 2)),
    (_newell_f, (1, 0, 2)),
    (_newell_f, (2, 0, 1)),
    (_newell_g, (0, 1, 2)),
    (_newell_g, (0, 2, 1)),
    (_newell_g, (1, 2, 0)),
)
_SECOND_DIFFERENCE = ((-1, -1.0), (0, 2.0), (1, -1.0))


def _newell_near(offsets: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """Newell's closed form, (..., 3) offsets -> (..., 6); float64."""
    volume = float(np.prod(cell))
    out = np.zeros(offsets.shape[:-1] + (6,))
    for c, (func, perm) in enumerate(_COMPONENTS):
        acc = np.zeros(offsets.shape[:-1])
        for i, wi in _SECOND_DIFFERENCE:
            for j, wj in _SECOND_DIFFERENCE:
                for k, wk in _SECOND_DIFFERENCE:
                    shifted = offsets + np.array([i, j, k]) * cell
                    acc += wi * wj * wk * func(*(shifted[..., p] for p in perm))
        out[..., c] = acc / (4.0 * np.pi * volume)
    return out


def _triangle_rule(points: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes t in (-1, 1) and weights for the density (1 - |t|) on [-1, 1] (weights sum to 1)."""
    # Gauss-Jacobi for the weight (1 - x) on [-1, 1]; map to u = (1 + x)/2 on [0, 1], where the
    # weight becomes 2 (1 - u); then mirror the rule to the half t = -u.
    x, w = scipy.special.roots_jacobi(points, 1.0, 0.0)
    u = 0.5 * (1.0 + x)
    w = w / w.sum() * 0.5
    return np.concatenate([-u, u]), np.concatenate([w, w])


def _dipole_average(offsets: np.ndarray, cell: np.ndarray, points: int) -> np.ndarray:
    """-V <G(R + s)> over the two cells by quadrature, (..., 3) -> (..., 6); float64."""
    volume = float(np.prod(cell))
    t, w = _triangle_rule(points)
    out = np.zeros(offsets.shape[:-1] + (6,))
    for a, wa in zip(t, w, strict=True):
        for b, wb in zip(t, w, strict=True):
            for c, wc in zip(t, w, strict=True):
                r = offsets + np.array([a, b, c]) * cell
                r2 = np.sum(r * r, axis=-1)
                inv5 = r2**-2.5
                weight = wa * wb * wc
                x, y, z = r[..., 0], r[..., 1], r[..., 2]
                out[..., 0] += weight * (3 * x * x - r2) * inv5
                out[..., 1] += weight * (3 * y * y - r2) * inv5
                out[..., 2] += weight * (3 * z * z - r2) * inv5
                out[..., 3] += weight * 3 * x * y * inv5
                out[..., 4] += weight * 3 * x * z * inv5
                out[..., 5] += weight * 3 * y * z * inv5
    return -volume / (4.0 * np.pi) * out


def far_field_distance(cell: Sequence[float] | np.ndarray) -> float:
    """Distance (m) beyond which the tensor is evaluated by quadrature instead of Newell's form."""
    sizes = np.asarray(cell, dtype=np.float64)
    volume = float(np.prod(sizes))
    eps = np.finfo(np.float64).eps
    newell_limit = (_NEWELL_RELATIVE_ERROR / eps) ** (1.0 / 6.0) * volume ** (1.0 / 3.0)
    return max(newell_limit, _MIN_FAR_DISTANCE_CELLS * float(sizes.max()))


def _check_cell(cell: Sequence[float] | np.ndarray) -> np.ndarray:
    sizes = np.asarray(cell, dtype=np.float64)
    if sizes.shape != (3,) or not np.all(np.isfinite(sizes)) or np.any(sizes <= 0):
        raise ValueError(f"cell: must be three positive cell sizes in metres, got {cell!r}")
    return sizes


def newell_tensor(offsets: np.ndarray, cell: Sequence[float] | np.ndarray) -> np.ndarray:
    """Demagnetising tensor between cells whose centres are ``offsets`` apart.

    offsets: (..., 3) centre-to-centre vectors (target minus source) in metres; cell: (dx, dy, dz)
    in metres. Returns the dimensionless (..., 6) components (xx, yy, zz, xy, xz, yz) with
    H_target = -N M_source. Evaluated in float64.
    """
    sizes = _check_cell(cell)
    offsets = np.asarray(offsets, dtype=np.float64)
    if offsets.shape[-1:] != (3,):
        raise ValueError(f"offsets: last axis must have length 3, got shape {offsets.shape}")
    distance = np.linalg.norm(offsets, axis=-1)
    far = distance > far_field_distance(sizes)
    out = np.empty(offsets.shape[:-1] + (6,))
    out[~far] = _newell_near(offsets[~far], sizes)
    out[far] = _dipole_average(offsets[far], sizes, _FAR_QUADRATURE_POINTS)
    return out


def _padded_length(n: int) -> int:
    """FFT length for a linear (non-circular) convolution over n cells."""
    return 1 if n == 1 else int(scipy.fft.next_fast_len(2 * n - 1, real=True) or 2 * n - 1)


# Parity of each tensor component under x -> -x, y -> -y, z -> -z.
_PARITY = np.array(
    [
        [1, 1, 1],  # xx
        [1, 1, 1],  # yy
        [1, 1, 1],  # zz
        [-1, -1, 1],  # xy
        [-1, 1, -1],  # xz
        [1, -1, -1],  # yz
    ]
)


def _wrapped_tensor(n: tuple[int, int, int], cell: np.ndarray) -> np.ndarray:
    """Tensor of all offsets on the zero-padded periodic grid, shape (Px, Py, Pz, 6)."""
    grids = np.meshgrid(*(np.arange(k) * d for k, d in zip(n, cell, strict=True)), indexing="ij")
    octant = newell_tensor(np.stack(grids, axis=-1), cell)  # offsets >= 0 along each axis
    padded = tuple(_padded_length(k) for k in n)
    out = np.zeros(padded + (6,))
    for sx in (1, -1):
        for sy in (1, -1):
            for sz in (1, -1):
                sign = np.prod(_PARITY ** np.array([sx < 0, sy < 0, sz < 0]), axis=1)
                idx = np.ix_(
                    *(
                        np.arange(k) if s > 0 else (-np.arange(k)) % p
                        for k, s, p in zip(n, (sx, sy, sz), padded, strict=True)
                    )
                )
                out[idx] = octant * sign
    return out


class DemagKernel(eqx.Module):
    """Fourier transform of the zero-padded Newell tensor of one mesh (dimensionless).

    ``fft_tensor`` holds the six real-valued (the tensor is even or odd along every axis, so its
    transform is real) components (xx, yy, zz, xy, xz, yz) on the rfft grid, shape (6, ...).
    """

    fft_tensor: jnp.ndarray
    n: tuple[int, int, int] = eqx.field(static=True)
    cell: tuple[float, float, float] = eqx.field(static=True)
    padded: tuple[int, int, int] = eqx.field(static=True)

    @classmethod
    def from_mesh(
        cls,
        n: Sequence[int],
        cell: Sequence[float],
        dtype: jnp.dtype | None = None,
    ) -> DemagKernel:
        """Compute the kernel of an (nx, ny, nz) mesh of (dx, dy, dz)-metre cells.

        The tensor is computed in float64 with numpy; the stored transform is cast to ``dtype``
        (default: jax's default float type, float64 when jax_enable_x64 is on).
        """
        n_arr = np.asarray(n)
        if n_arr.shape != (3,) or not np.all(n_arr == np.round(n_arr)) or np.any(n_arr < 1):
            raise ValueError(f"n: must be three positive integers (cells per axis), got {n!r}")
        nx, ny, nz = (int(k) for k in n_arr)
        dx, dy, dz = (float(d) for d in _check_cell(cell))
        tensor = _wrapped_tensor((nx, ny, nz), np.array([dx, dy, dz]))
        px, py, pz = (int(p) for p in tensor.shape[:3])
        axes = _fft_axes((px, py, pz))
        spectrum = np.fft.rfftn(tensor, axes=axes) if axes else tensor.astype(complex)
        fft_tensor = np.moveaxis(np.real(spectrum), -1, 0)
        dtype = jnp.zeros(0).dtype if dtype is None else dtype
        return cls(
            fft_tensor=jnp.asarray(fft_tensor, dtype=dtype),
            n=(nx, ny, nz),
            cell=(dx, dy, dz),
            padded=(px, py, pz),
        )

    @classmethod
    def from_mesh_of(cls, mesh, dtype: jnp.dtype | None = None) -> DemagKernel:
        """Kernel for a ``discretisedfield.Mesh`` (SI units)."""
        return cls.from_mesh(n=tuple(mesh.n), cell=tuple(mesh.cell), dtype=dtype)

    def astype(self, dtype: jnp.dtype) -> DemagKernel:
        """The same kernel with its transform stored in ``dtype`` (float32 or float64)."""
        return eqx.tree_at(lambda k: k.fft_tensor, self, self.fft_tensor.astype(dtype))


def _fft_axes(padded: Sequence[int]) -> tuple[int, ...]:
    """Transformed axes (length > 1), ordered so that the real FFT runs along the last one.

    x is put last because it is the long axis of a track, where halving the spectrum pays most.
    """
    return tuple(a for a in (2, 1, 0) if padded[a] > 1)


def demag_field(m: jnp.ndarray, Ms: jnp.ndarray, kernel: DemagKernel) -> jnp.ndarray:
    """Demagnetising field H = -N * M in A/m, shape (nx, ny, nz, 3), in m's dtype.

    m: (nx, ny, nz, 3) unit vectors; Ms: (nx, ny, nz) saturation magnetisation in A/m (zero
    outside the magnet).
    """
    n = kernel.n
    if m.shape != (*n, 3):
        raise ValueError(f"m: expected shape {(*n, 3)} for this kernel, got {m.shape}")
    if Ms.shape != n:
        raise ValueError(f"Ms: expected shape {n} for this kernel, got {Ms.shape}")
    M = m * Ms[..., None].astype(m.dtype)
    N = kernel.fft_tensor.astype(m.dtype)
    axes = _fft_axes(kernel.padded)
    if not axes:  # a single cell: the self term only
        return -jnp.stack(_apply_tensor(N, M[..., 0], M[..., 1], M[..., 2]), axis=-1)
    # Pruned zero-padded transforms: each 1-D FFT runs only over the rows that are not all
    # padding (the real FFT along x over the nx*ny*nz data rows, y over nz planes, ...), and the
    # inverse truncates to the mesh after each axis. Each component is transformed on its own
    # (three independent forward and three inverse chains), not as one batched call along a
    # leading axis: XLA's CPU FFT is single-threaded, and the independent chains cost less and
    # partly overlap (case-C mesh: -15 % wall per demag field; benchmarks/README.md).
    real_axis, complex_axes = axes[-1], list(axes[:-1])

    def forward(component):
        spectrum = jnp.fft.rfft(component, n=kernel.padded[real_axis], axis=real_axis)
        for a in reversed(complex_axes):
            spectrum = jnp.fft.fft(spectrum, n=kernel.padded[a], axis=a)
        return spectrum

    def inverse(spectrum):
        for a in complex_axes:
            spectrum = jax.lax.slice_in_dim(jnp.fft.ifft(spectrum, axis=a), 0, n[a], axis=a)
        field = jnp.fft.irfft(spectrum, n=kernel.padded[real_axis], axis=real_axis)
        return jax.lax.slice_in_dim(field, 0, n[real_axis], axis=real_axis)

    thin = n[2] == 1  # xz and yz vanish identically in a single layer: skip their products
    spectra = [forward(M[..., i]) for i in range(3)]
    fields = [-inverse(h) for h in _apply_tensor(N, spectra[0], spectra[1], spectra[2], thin)]
    return jnp.stack(fields, axis=-1).astype(m.dtype)


def _apply_tensor(N, Mx, My, Mz, thin: bool = False):
    """(N M) components for the symmetric tensor stored as (xx, yy, zz, xy, xz, yz).

    thin: a single layer (nz = 1), where N_xz = N_yz = 0 (odd in z at z offset 0)."""
    if thin:
        return N[0] * Mx + N[3] * My, N[3] * Mx + N[1] * My, N[2] * Mz
    hx = N[0] * Mx + N[3] * My + N[4] * Mz
    hy = N[3] * Mx + N[1] * My + N[5] * Mz
    hz = N[4] * Mx + N[5] * My + N[2] * Mz
    return hx, hy, hz


def demag_energy(m: jnp.ndarray, Ms: jnp.ndarray, kernel: DemagKernel) -> jnp.ndarray:
    """Demagnetisation energy E = -(mu0/2) sum M . H_d V in joules."""
    H = demag_field(m, Ms, kernel)
    volume = float(np.prod(kernel.cell))
    return -0.5 * MU0 * volume * jnp.sum(Ms[..., None] * m * H)


class Demag(FieldTerm):
    """Demagnetisation energy term: H = -N * M (A/m) by FFT convolution, zero outside the
    magnet; energy density -(mu0/2) Ms m.H (J/m^3)."""

    kernel: DemagKernel
    """The Newell tensor of the mesh, Fourier transformed."""
    Ms: jax.Array
    """Saturation magnetisation (A/m)."""
    mask: jax.Array
    """1.0 in the magnet, 0.0 outside."""

    @property
    def key(self) -> str:
        return "demag"

    def field(self, m: jax.Array, t: jax.Array | None = None) -> jax.Array:
        H = demag_field(m, self.Ms, self.kernel)
        return H * self.mask[..., None].astype(m.dtype)

    def energy_density(self, m: jax.Array, t: jax.Array | None = None) -> jax.Array:
        return bilinear_energy_density(m, self.field(m, t), self.Ms)

    def self_factors(self) -> jax.Array:
        """Ms N(0) (A/m) per cell and component, shape (nx, ny, nz, 3): the diagonal demag
        tensor of a cell on itself (its off-diagonal terms vanish by symmetry) times Ms."""
        n_self = newell_tensor(np.zeros(3), self.kernel.cell)[:3]  # xx, yy, zz at zero offset
        return self.Ms[..., None] * jnp.asarray(n_self, dtype=self.Ms.dtype)


def build(term: mm.Demag, ctx: BuildContext) -> Demag:
    """The demag term of ``term`` (no asymptotic_radius: the tensor is exact at every offset)."""
    if attr(term, "asymptotic_radius") is not None:
        raise ValueError("Demag.asymptotic_radius: not supported by the JAX engine")
    kernel = DemagKernel.from_mesh(tuple(int(k) for k in ctx.mesh.n), ctx.cell, dtype=ctx.dtype)
    return Demag(name=term.name, kernel=kernel, Ms=ctx.Ms, mask=ctx.mask)
