"""Wall and CPU time of one demag field on the case-C mesh: the engine's per-component FFT
chains against the batched layout it replaced (not a test).

Case C's mesh (256 x 32 x 1 cells of 2 nm x 2 nm x 1 nm), float64 (``--dtype float32``), one
JAX host device, 2000 fields in one compiled loop, each layout twice. ``batched`` is the former
``physics.engine.demag.demag_field`` (the three components in one FFT call per axis along a
leading axis), kept here only as the baseline; ``engine`` is the current one. Both give the same
field to round-off (printed).

Usage: XLA_FLAGS=--xla_force_host_platform_device_count=1 \\
       .venv/bin/python benchmarks/profile_demag_layout.py [--dtype float64]
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

from physics.engine.demag import DemagKernel, _apply_tensor, demag_field

N_CELLS, CELL, CALLS = (256, 32, 1), (2e-9, 2e-9, 1e-9), 2000


def batched_demag(m, Ms, kernel):
    """The former layout: one rfft/fft/ifft/irfft call per axis over a leading component axis."""
    M = jnp.moveaxis(m * Ms[..., None], -1, 0)
    N = kernel.fft_tensor.astype(m.dtype)
    spectra = jnp.fft.rfft(M, n=kernel.padded[0], axis=1)
    spectra = jnp.fft.fft(spectra, n=kernel.padded[1], axis=2)
    h = -jnp.stack(_apply_tensor(N, spectra[0], spectra[1], spectra[2], True))
    h = jax.lax.slice_in_dim(jnp.fft.ifft(h, axis=2), 0, kernel.n[1], axis=2)
    fields = jnp.fft.irfft(h, n=kernel.padded[0], axis=1)[:, : kernel.n[0]]
    return jnp.moveaxis(fields, 0, -1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    args = parser.parse_args()
    jax.config.update("jax_enable_x64", True)
    kernel = DemagKernel.from_mesh(N_CELLS, CELL, dtype=args.dtype)
    m = jnp.asarray(np.random.default_rng(0).normal(size=(*N_CELLS, 3)), dtype=args.dtype)
    Ms = jnp.full(N_CELLS, 1.1e6, dtype=args.dtype)
    layouts = {
        "batched": lambda m: batched_demag(m, Ms, kernel),
        "engine": lambda m: demag_field(m, Ms, kernel),
    }
    ref = layouts["batched"](m)
    diff = float(jnp.abs(layouts["engine"](m) - ref).max() / jnp.abs(ref).max())
    print(f"{args.dtype}: max relative difference engine vs batched {diff:.1e}")
    for name, field in list(layouts.items()) * 2:

        def body(i, m, field=field):
            return m + 1e-30 * field(m)

        loop = jax.jit(lambda m, body=body: jax.lax.fori_loop(0, CALLS, body, m))
        jax.block_until_ready(loop(m))
        wall0, cpu0 = time.perf_counter(), time.process_time()
        jax.block_until_ready(loop(m))
        wall = (time.perf_counter() - wall0) / CALLS * 1e6
        cpu = (time.process_time() - cpu0) / CALLS * 1e6
        print(f"{name:>8}: {wall:.0f} us wall, {cpu:.0f} us CPU per demag field", flush=True)


if __name__ == "__main__":
    main()
