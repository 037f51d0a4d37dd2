"""Cost of the thermal field's normal random numbers per ensemble member and step (not a test).

Case C's mesh (256 x 32 x 1 cells, 3 components), float32, a batch of 32 members, 200 draws in
one compiled loop, for each of JAX's PRNG implementations (threefry2x32, the engine's; rbg;
unsafe_rbg). Prints wall and CPU milliseconds per member and draw.

Usage: XLA_FLAGS=--xla_force_host_platform_device_count=1 .venv/bin/python benchmarks/profile_rng.py
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp

SHAPE = (32, 256, 32, 1, 3)
DRAWS = 200


def main() -> None:
    for impl in ("threefry2x32", "rbg", "unsafe_rbg"):
        key = jax.random.key(0, impl=impl)

        def body(i, carry):
            k, acc = carry
            k, sub = jax.random.split(k)
            return k, acc + jax.random.normal(sub, SHAPE, jnp.float32)

        run = jax.jit(lambda k: jax.lax.fori_loop(0, DRAWS, body, (k, jnp.zeros(SHAPE)))[1])
        run(key).block_until_ready()
        wall0, cpu0 = time.perf_counter(), time.process_time()
        run(key).block_until_ready()
        per = DRAWS * SHAPE[0] / 1e3
        wall, cpu = (time.perf_counter() - wall0) / per, (time.process_time() - cpu0) / per
        print(f"{impl:>13}: {wall:.3f} ms wall, {cpu:.3f} ms CPU per member and draw")


if __name__ == "__main__":
    main()
