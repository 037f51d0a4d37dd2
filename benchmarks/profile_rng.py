"""Cost of the thermal field's normals per member-step on this CPU, by JAX PRNG implementation.

Case C's mesh (256 x 32 x 1 cells, 3 components: 24 576 float32 normals per member-step), drawn
flat from a per-step key as the engine does (``fold_in(key, step)``), inside one jitted
``lax.scan`` of 2000 steps whose carry sums every draw (so nothing is optimised away). Prints
wall and CPU microseconds per step for ``threefry2x32`` (JAX's default, the engine's),
``rbg`` and ``unsafe_rbg``, both for normals and for the raw 32-bit words. Not a test; see
benchmarks/README.md ("Side by side with OOMMF", the thermal row).

    .venv/bin/python benchmarks/profile_rng.py [--steps 2000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp

N = 256 * 32 * 3
"""Normals per member-step on case C's mesh."""


def per_step(impl: str, what: str, steps: int, repeats: int) -> tuple[float, float]:
    """(wall, CPU) microseconds per step of drawing N numbers with PRNG ``impl``."""
    key = jax.random.key(0, impl=impl)

    def body(carry: jax.Array, step: jax.Array) -> tuple[jax.Array, None]:
        k = jax.random.fold_in(key, step)
        if what == "normal":
            z = jax.random.normal(k, (N,), dtype=jnp.float32)
        else:
            z = jax.random.bits(k, (N,), dtype=jnp.uint32).astype(jnp.float32)
        return carry + z.sum(), None

    run = jax.jit(lambda: jax.lax.scan(body, jnp.float32(0), jnp.arange(steps))[0])
    run().block_until_ready()  # compile
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for _ in range(repeats):
        run().block_until_ready()
    n = steps * repeats
    return (time.perf_counter() - wall0) / n * 1e6, (time.process_time() - cpu0) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{N} numbers per step, jax {jax.__version__}, {jax.device_count()} host devices")
    print("| PRNG | draw | wall us/step | CPU us/step |")
    print("|---|---|---|---|")
    for impl in ("threefry2x32", "rbg", "unsafe_rbg"):
        for what in ("normal", "bits"):
            wall, cpu = per_step(impl, what, args.steps, args.repeats)
            print(f"| {impl} | {what} | {wall:.0f} | {cpu:.0f} |", flush=True)


if __name__ == "__main__":
    main()
