"""Conversion of a ``micromagneticmodel.System`` into arrays and the engine's params pytree.

``build_params(system, dtype, t_end=None) -> (m0, params, names)``
    m0: (nx, ny, nz, 3) unit magnetisation (zero where Ms = 0); params: the pytree documented in
    :mod:`physics.engine.field`; names: the params key -> ubermag term name map used for the
    time table's ``E_<name>`` columns.

Parameters may be numbers, vectors, ``{subregion: value}`` dicts or ``discretisedfield.Field``s
(anything ``discretisedfield.Field(mesh, value=...)`` accepts). Energy terms supported: Exchange,
UniaxialAnisotropy (K or K1/K2, u), DMI (crystalclass Cnv_z, or its alias 'Cnv' as oommfc reads it),
Zeeman (constant, func='sin'|'sinc' with f, t0, or a Python func sampled every dt returning a
scale factor or the nine elements of a 3x3 matrix applied to H, as oommfc's TransformZeeman),
Demag. Dynamics terms: Precession, Damping, Slonczewski (J, mp, P, Lambda, eps_prime, func + dt,
scalar factor only).

Anything the engine cannot honour raises ValueError naming it (never silently ignored):
unsupported terms and options, periodic boundary conditions (``mesh.bc``), inter-region values
(``'r1:r2'`` dict keys) anywhere but Exchange.A and DMI.D, and dict keys that name no subregion
of the mesh. Exchange.A / DMI.D pair keys set the coupling of links between the two regions
(OOMMF's Exchange6Ngbr semantics); other inter-region links take the harmonic mean (A) or the
mean (D) of the two cells' values.
"""

from __future__ import annotations

import numbers

import discretisedfield as df
import jax.numpy as jnp
import micromagneticmodel as mm
import numpy as np
import ubermagutil.typesystem as ts

from .constants import GAMMA0_DEFAULT, MU0
from .dmi import dmi_links
from .exchange import exchange_links

SUPPORTED_ENERGY = (mm.Exchange, mm.UniaxialAnisotropy, mm.DMI, mm.Zeeman, mm.Demag)
SUPPORTED_DYNAMICS = (mm.Precession, mm.Damping, mm.Slonczewski)


def _attr(term, name: str):
    """A term's attribute, or None when unset (ubermag returns the descriptor then)."""
    value = getattr(term, name, None)
    if isinstance(value, ts.Descriptor):
        return None
    return value


def check_mesh(mesh: df.Mesh) -> None:
    """ValueError for mesh features the engine does not implement (periodic boundaries)."""
    bc = getattr(mesh, "bc", "")
    if bc:
        raise ValueError(
            f"mesh.bc: periodic boundary conditions ({bc!r}) are not supported by the JAX engine "
            "(exchange, DMI and demag use free boundaries); use a mesh without bc"
        )


def _check_region_keys(value: dict, mesh: df.Mesh, what: str, allow_pairs: bool = False) -> None:
    """Dict parameters: every key must be a subregion of the mesh, 'default' or (allow_pairs)
    an inter-region pair 'r1:r2'."""
    for key in value:
        if not isinstance(key, str):
            raise ValueError(f"{what}: dict keys must be subregion names, got {key!r}")
        if ":" in key:
            if not allow_pairs:
                raise ValueError(
                    f"{what}: inter-region values ({key!r}) are only supported for Exchange.A "
                    "and DMI.D"
                )
            regions = key.split(":")
            unknown = [r for r in regions if r not in mesh.subregions]
            if len(regions) != 2 or unknown:
                raise ValueError(
                    f"{what}: inter-region key {key!r} must be 'r1:r2' with two subregions of "
                    f"the mesh (subregions: {sorted(mesh.subregions)})"
                )
            continue
        if key != "default" and key not in mesh.subregions:
            raise ValueError(
                f"{what}: key {key!r} is not a subregion of the mesh "
                f"(subregions: {sorted(mesh.subregions)})"
            )


def region_pairs(value, mesh: df.Mesh, what: str) -> tuple[object, list]:
    """Split an Exchange.A / DMI.D value into the per-cell part and the inter-region links.

    Returns (value without 'r1:r2' keys, [(in_r1, in_r2, v), ...]) with in_r boolean cell masks
    of the subregions: a link between a cell of r1 and a cell of r2 takes the value v (OOMMF's
    Exchange6Ngbr / DMI pair values); links between regions without a pair key use the
    harmonic mean (exchange) or mean (DMI) of the two cells' values.
    """
    if not isinstance(value, dict):
        return value, []
    _check_region_keys(value, mesh, what, allow_pairs=True)
    pairs = []
    for key, v in value.items():
        if ":" in key:
            masks = [
                df.Field(mesh, nvdim=1, value={r: 1.0, "default": 0.0}).array[..., 0] > 0.5
                for r in key.split(":")
            ]
            if not np.isfinite(float(v)):
                raise ValueError(f"{what}: value of {key!r} is not finite")
            pairs.append((masks[0], masks[1], float(v)))
    return {k: v for k, v in value.items() if ":" not in k}, pairs


def cell_values(value, mesh: df.Mesh, nvdim: int, what: str) -> np.ndarray:
    """A parameter on the cells as float64 numpy, shape mesh.n (+ (nvdim,) if nvdim > 1)."""
    if value is None:
        raise ValueError(f"{what}: missing value")
    if isinstance(value, dict):
        _check_region_keys(value, mesh, what)
    if isinstance(value, df.Field):
        if value.nvdim != nvdim:
            raise ValueError(f"{what}: expected a field with nvdim={nvdim}, got {value.nvdim}")
        if tuple(value.mesh.n) != tuple(mesh.n):
            value = value.resample(tuple(mesh.n))
        arr = np.asarray(value.array, dtype=np.float64)
    else:
        try:
            arr = np.asarray(df.Field(mesh, nvdim=nvdim, value=value).array, dtype=np.float64)
        except Exception as err:  # noqa: BLE001 - re-raised with the parameter's name
            raise ValueError(f"{what}: cannot be put on the mesh ({err})") from err
    if nvdim == 1 and arr.ndim == 4:
        arr = arr[..., 0]
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what}: contains non-finite values")
    return arr


def _time_spec(term, t_end: float | None, what: str, allow_matrix: bool = False) -> dict:
    """Time-dependence keys (see zeeman.time_factor) of a Zeeman or Slonczewski term.

    allow_matrix: accept a func returning nine numbers (a 3x3 matrix applied to H, row-major,
    as oommfc's TransformZeeman 'general'), stored as ``matrix_profile`` (n, 3, 3).
    """
    if _attr(term, "tcl_strings") is not None:
        raise ValueError(
            f"{what}: tcl_strings time dependence is OOMMF-only; give a Python func with dt"
        )
    func = _attr(term, "func")
    wave = _attr(term, "wave")
    kind = func if isinstance(func, str) else wave
    if isinstance(kind, str):
        if kind not in ("sin", "sinc"):
            raise ValueError(f"{what}: unsupported time function {kind!r} (use 'sin' or 'sinc')")
        f = _attr(term, "f")
        if f is None:
            raise ValueError(f"{what}: func={kind!r} needs a frequency f (Hz)")
        return {f"{kind}_f": float(f), "t0": float(_attr(term, "t0") or 0.0)}
    if func is None:
        return {}
    dt = _attr(term, "dt")
    if dt is None or not dt > 0:
        raise ValueError(f"{what}: a time function func needs a positive sampling step dt (s)")
    t_end = 0.0 if t_end is None else t_end  # static drivers evaluate at t = 0
    times = np.arange(0.0, t_end + 2 * dt, dt)
    samples = np.array([np.asarray(func(float(t)), dtype=np.float64) for t in times])
    if samples.ndim == 2 and samples.shape[1] == 9 and allow_matrix:
        return {"matrix_profile": samples.reshape(-1, 3, 3), "profile_dt": float(dt)}
    if samples.ndim != 1:
        expected = "a number (a scale factor)" + (
            " or nine numbers (a 3x3 matrix applied to H)" if allow_matrix else ""
        )
        raise ValueError(
            f"{what}: func must return {expected} at each time, got shape {samples.shape[1:]}"
        )
    return {"profile": samples, "profile_dt": float(dt)}


def build_params(
    system: mm.System, dtype=jnp.float64, t_end: float | None = None
) -> tuple[jnp.ndarray, dict, dict]:
    """Arrays and the params pytree of ``system`` (see the module docstring).

    dtype: float type of the arrays (call inside ``jax.enable_x64(True)`` for float64);
    t_end: end time (s) of the drive, up to which Python time functions are sampled
    (default: t = 0 only, for static drivers).
    """
    if system.m is None or not isinstance(system.m, df.Field):
        raise ValueError("system.m: must be a discretisedfield.Field")
    mesh = system.m.mesh
    check_mesh(mesh)
    if system.m.nvdim != 3:
        raise ValueError("system.m: must be a 3-vector field")
    cell = tuple(float(c) for c in mesh.cell)
    M = np.asarray(system.m.array, dtype=np.float64)
    Ms = np.linalg.norm(M, axis=-1)
    if not np.any(Ms > 0):
        raise ValueError("system.m: the norm (Ms) is zero everywhere")
    magnetic = Ms > 0
    m0 = np.where(magnetic[..., None], M / np.where(magnetic, Ms, 1.0)[..., None], 0.0)
    inv_mu0_ms = np.where(magnetic, 1.0 / (MU0 * np.where(magnetic, Ms, 1.0)), 0.0)

    params: dict = {
        "cell": np.asarray(cell),
        "Ms": Ms,
        "inv_mu0_ms": inv_mu0_ms,
        "mask": magnetic.astype(np.float64),
    }
    names: dict[str, str] = {}
    for term in system.energy:
        if not isinstance(term, SUPPORTED_ENERGY):
            raise ValueError(
                f"system.energy: term {type(term).__name__} ({term.name}) is not supported by "
                "the JAX engine (supported: Exchange, UniaxialAnisotropy, DMI Cnv_z, Zeeman, Demag)"
            )
        key = {
            mm.Exchange: "exchange",
            mm.UniaxialAnisotropy: "anisotropy",
            mm.DMI: "dmi",
            mm.Demag: "demag",
        }.get(type(term))
        if key is not None and key in params:
            raise ValueError(f"system.energy: more than one {type(term).__name__} term")
        if isinstance(term, mm.Exchange):
            A, pairs = region_pairs(term.A, mesh, "Exchange.A")
            A = cell_values(A, mesh, 1, "Exchange.A")
            params["exchange"] = {"links": exchange_links(A, Ms, cell, pairs)}
        elif isinstance(term, mm.UniaxialAnisotropy):
            K1 = _attr(term, "K1")
            K1 = _attr(term, "K") if K1 is None else K1
            K2 = _attr(term, "K2")
            u = cell_values(_attr(term, "u"), mesh, 3, "UniaxialAnisotropy.u")
            norm = np.linalg.norm(u, axis=-1, keepdims=True)
            if np.any(norm[magnetic] == 0):
                raise ValueError("UniaxialAnisotropy.u: zero axis inside the magnet")
            params["anisotropy"] = {
                "K1": cell_values(K1, mesh, 1, "UniaxialAnisotropy.K"),
                "K2": np.zeros(mesh.n) if K2 is None else cell_values(K2, mesh, 1, "K2"),
                "u": u / np.where(norm > 0, norm, 1.0),
            }
        elif isinstance(term, mm.DMI):
            if term.crystalclass not in ("Cnv_z", "Cnv"):
                raise ValueError(
                    f"DMI.crystalclass: {term.crystalclass!r} is not supported by the JAX engine "
                    "(only interfacial Cnv_z / 'Cnv')"
                )
            D, pairs = region_pairs(term.D, mesh, "DMI.D")
            D = cell_values(D, mesh, 1, "DMI.D")
            params["dmi"] = {"links": dmi_links(D, Ms, pairs)}
        elif isinstance(term, mm.Zeeman):
            spec = {"H": cell_values(term.H, mesh, 3, f"Zeeman({term.name}).H")}
            spec.update(_time_spec(term, t_end, f"Zeeman({term.name})", allow_matrix=True))
            params.setdefault("zeeman", {})[term.name] = spec
            names[f"zeeman:{term.name}"] = term.name
            continue
        elif isinstance(term, mm.Demag):
            if _attr(term, "asymptotic_radius") is not None:
                raise ValueError("Demag.asymptotic_radius: not supported by the JAX engine")
            from .demag import DemagKernel

            params["demag"] = {"kernel": DemagKernel.from_mesh(mesh.n, cell, dtype=dtype)}
        names[key] = term.name

    gamma0, alpha, precess = GAMMA0_DEFAULT, 0.0, 0.0
    for term in system.dynamics:
        if not isinstance(term, SUPPORTED_DYNAMICS):
            raise ValueError(
                f"system.dynamics: term {type(term).__name__} is not supported by the JAX engine "
                "(supported: Precession, Damping, Slonczewski)"
            )
        if isinstance(term, mm.Precession):
            gamma0, precess = term.gamma0, 1.0
        elif isinstance(term, mm.Damping):
            alpha = term.alpha
        elif isinstance(term, mm.Slonczewski):
            spec = {
                "J": cell_values(term.J, mesh, 1, "Slonczewski.J"),
                "mp": cell_values(term.mp, mesh, 3, "Slonczewski.mp"),
                "P": cell_values(term.P, mesh, 1, "Slonczewski.P"),
                "Lambda": cell_values(term.Lambda, mesh, 1, "Slonczewski.Lambda"),
                "eps_prime": cell_values(
                    _attr(term, "eps_prime") or 0.0, mesh, 1, "Slonczewski.eps_prime"
                ),
                "thickness": cell[2],
            }
            norm = np.linalg.norm(spec["mp"], axis=-1, keepdims=True)
            if np.any((norm[..., 0] == 0) & magnetic & (spec["J"] != 0)):
                raise ValueError(
                    "Slonczewski.mp: zero polarisation where the current J is non-zero "
                    "(the torque would be dropped there)"
                )
            spec["mp"] = spec["mp"] / np.where(norm > 0, norm, 1.0)
            spec.update(_time_spec(term, t_end, "Slonczewski"))
            params["slonczewski"] = spec
    params["gamma0"] = cell_values(gamma0, mesh, 1, "Precession.gamma0")
    params["alpha"] = cell_values(alpha, mesh, 1, "Damping.alpha")
    params["precess"] = precess
    T = float(system.T) if isinstance(system.T, numbers.Real) else None
    if T is None or T < 0:
        raise ValueError(f"system.T: must be a non-negative number (K), got {system.T!r}")
    if T > 0:
        params["temperature"] = T
    params = _to_jax(params, dtype)
    return jnp.asarray(m0, dtype=dtype), params, names


def _to_jax(tree, dtype):
    """numpy arrays / floats -> jax arrays of dtype (kernels are converted by their builder)."""
    if isinstance(tree, dict):
        return {k: _to_jax(v, dtype) for k, v in tree.items()}
    if isinstance(tree, (np.ndarray, float, int)):
        return jnp.asarray(tree, dtype=dtype)
    return tree
