"""Where the time of a stochastic Heun step goes on case C's mesh at 300 K (not a test).

Case C's mesh (256 x 32 x 1 cells of 2 nm, the relaxed wall, SOT J = 5e11 A/m^2, 300 K),
float32, an ensemble of 32 members on one JAX host device: per member, the wall and CPU time of
the effective field, its demag and local parts, the threefry normals of one step's thermal
field (each repeated 20 times inside one compiled loop) and of a whole Heun step (100 steps of
1e-14 s, with the demag field at both stages and once per step).

Usage: .venv/bin/python benchmarks/profile_thermal_case_c.py   (on an idle machine)
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import side_by_side  # noqa: E402

from physics.engine.demag import Demag  # noqa: E402
from physics.engine.ensemble import ensemble_keys, run_ensemble  # noqa: E402
from physics.engine.field import effective_field  # noqa: E402
from physics.engine.system import build_params  # noqa: E402

BATCH, REPEATS, STEPS = 32, 20, 100


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def per_member(fn, *args, calls: int) -> tuple[float, float]:
    """(wall, CPU) ms per member and call of a compiled fn (after a warm-up call)."""
    jax.block_until_ready(fn(*args))
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    jax.block_until_ready(fn(*args))
    scale = 1e3 / calls / BATCH
    return (time.perf_counter() - wall0) * scale, (cpu_seconds() - cpu0) * scale


def main() -> None:
    m0, params, _ = build_params(side_by_side.thermal_system(), dtype=jnp.float32)
    batch = jnp.broadcast_to(m0, (BATCH, *m0.shape))
    t = jnp.asarray(0.0, jnp.float32)
    demag = params.find(Demag)
    local = params.without(Demag)

    def repeated(f):
        return jax.jit(lambda x: jax.lax.fori_loop(0, REPEATS, lambda i, y: y + 1e-9 * f(y), x))

    parts = {
        "effective field": jax.vmap(lambda m: effective_field(m, params, t)),
        "demag field": jax.vmap(lambda m: demag.field(m, t)),
        "local terms": jax.vmap(lambda m: effective_field(m, local, t)),
        "threefry normals": lambda y: jax.random.normal(jax.random.PRNGKey(0), y.shape, y.dtype),
    }
    print(f"load average {os.getloadavg()[0]:.2f}; ms per member (wall / CPU)")
    for name, f in parts.items():
        wall, cpu = per_member(repeated(f), batch, calls=REPEATS)
        print(f"{name:>28}: {wall:.3f} / {cpu:.3f}")
    keys = ensemble_keys(0, BATCH)
    for update in ("stage", "step"):

        def run(update: str = update) -> jax.Array:
            return run_ensemble(
                m0,
                params,
                keys,
                dt=1e-14,
                steps_per_output=STEPS,
                n_outputs=1,
                devices=jax.devices()[:1],
                demag_update=update,
            ).m

        wall, cpu = per_member(run, calls=STEPS)
        print(f"{'Heun step, demag per ' + update:>28}: {wall:.3f} / {cpu:.3f}")


if __name__ == "__main__":
    main()
