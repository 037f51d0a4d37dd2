"""Cost of each local field term of a stochastic Heun step on case C's mesh (not a test).

Case C's mesh at 300 K (``side_by_side.thermal_system``: 256 x 32 x 1 cells of 2 nm, float32),
one member on one JAX host device: wall time per call of each field term other than demag, of
the whole local field, of the local field plus the LLG right-hand side (SOT included) and of
the right-hand side alone, each repeated inside one compiled loop whose body also normalises m
(the first row, "normalise only", is that overhead; subtract it from the others).

Usage: .venv/bin/python benchmarks/profile_local_terms.py [--members N]   (on an idle machine)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import side_by_side  # noqa: E402

from physics.engine.demag import Demag  # noqa: E402
from physics.engine.field import effective_field  # noqa: E402
from physics.engine.integrators import normalise  # noqa: E402
from physics.engine.llg import llg_rhs  # noqa: E402
from physics.engine.system import build_params  # noqa: E402

REPEATS = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1, help="members vmapped together")
    members = parser.parse_args().members
    with jax.enable_x64(False):
        m0, params, _ = build_params(side_by_side.thermal_system(), dtype=jnp.float32)
        t = jnp.float32(0.0)
        local = params.without(Demag)
        batch = jnp.broadcast_to(m0, (members, *m0.shape)) + 0.0

        def per_member_us(f) -> float:
            loop = jax.jit(
                lambda x: jax.lax.fori_loop(0, REPEATS, lambda i, y: normalise(y + 1e-6 * f(y)), x)
            )
            jax.block_until_ready(loop(batch))
            start = time.perf_counter()
            jax.block_until_ready(loop(batch))
            return (time.perf_counter() - start) / REPEATS / members * 1e6

        rows = {"normalise only": lambda m: 0.0 * m}
        for term in local.terms:
            rows[type(term).__name__] = jax.vmap(lambda m, term=term: term.field(m, t))
        rows["local field"] = jax.vmap(lambda m: effective_field(m, local, t))
        rows["local field + LLG rhs"] = jax.vmap(
            lambda m: llg_rhs(m, effective_field(m, local, t), params, t)
        )
        rows["LLG rhs only (H = m)"] = jax.vmap(lambda m: llg_rhs(m, m, params, t))
        print(f"case C mesh, float32, {members} member(s) per call, us per member and call")
        for name, f in rows.items():
            print(f"{name:28} {per_member_us(f):8.1f}", flush=True)


if __name__ == "__main__":
    main()
