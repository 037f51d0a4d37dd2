"""Where a stochastic Heun step's time goes on the scaled trapezoid (not a test).

Scaled trapezoid at 4 nm cells (75 x 25 grid), float32, 16 members vmapped on ONE JAX device;
each line is one jitted ``lax.scan`` of N repetitions of one part, timed after a compile call:
the demag convolution alone, the local field (everything but demag), the thermal noise draw
(threefry normals over the grid, as ``physics.engine.thermal`` draws them), and whole Heun steps
with ``demag_update="stage"`` and ``"step"`` (noise not drawn). Prints ms of wall and CPU time
per step (per repetition) for the 16 members.

    .venv/bin/python benchmarks/profile_heun_step.py [--members 16] [--repeats 1000]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--members", type=int, default=16)
    p.add_argument("--repeats", type=int, default=1000)
    args = p.parse_args(argv)

    import jax
    import jax.numpy as jnp

    from physics.engine.demag import Demag, demag_field
    from physics.engine.field import effective_field
    from physics.engine.llg import llg_rhs
    from physics.engine.thermal import heun_step, thermal_field_std
    from physics.experiment.depinning import depinning_spec, relaxed_walls

    spec = depinning_spec(
        "scaled-trapezoid",
        cell=(4e-9, 4e-9),
        pulse={"width": 1.5e-9, "rise": 0.05e-9, "fall": 0.05e-9},
        settle_time=0.2e-9,
        calculator={"name": "jax", "dt": 1e-13, "dtype": "float32", "relax_time": 0.05e-9},
    )
    m_relaxed, params, _ = relaxed_walls(spec, [0])
    params = params.replace(temperature=jnp.asarray(300.0, params.Ms.dtype))
    demag = params.find(Demag)
    assert demag is not None
    m1 = m_relaxed[0]
    n, b = args.repeats, args.members
    mb = jnp.broadcast_to(m1, (b, *m1.shape))
    local = params.without(Demag)
    sigma = thermal_field_std(params, 1e-13)[..., None].astype(m1.dtype)

    def looped(body, init):
        return jax.jit(
            lambda x: jax.lax.scan(lambda c, k: (body(c, k), None), x, jnp.arange(n))[0]
        ), init

    parts = {
        "demag convolution (one field evaluation)": looped(
            lambda c, k: c + 1e-9 * jax.vmap(lambda m: demag_field(m, params.Ms, demag.kernel))(c),
            mb,
        ),
        "local field (one evaluation, no demag)": looped(
            lambda c, k: c + 1e-9 * jax.vmap(lambda m: effective_field(m, local, 0.0))(c), mb
        ),
        "thermal noise (threefry normals)": looped(
            lambda c, k: (
                c
                + sigma
                * jax.random.normal(
                    jax.random.fold_in(jax.random.PRNGKey(0), k), mb.shape, m1.dtype
                )
            ),
            jnp.zeros_like(mb),
        ),
    }
    for update in ("stage", "step"):
        parts[f"Heun step, demag_update={update!r} (no noise draw)"] = looped(
            lambda c, k, u=update: jax.vmap(
                lambda m: heun_step(
                    m, 0.0, jnp.zeros_like(m), params, 1e-13, effective_field, llg_rhs, u
                )
            )(c),
            mb,
        )
    print(
        f"scaled trapezoid, 4 nm cells, grid {m1.shape[:2]}, float32, {b} members, "
        f"{len(jax.devices())} JAX device(s), load average {os.getloadavg()[0]:.1f}"
    )
    print("| part | ms wall per step | ms CPU per step |\n|---|---|---|")
    for name, (fn, x0) in parts.items():
        jax.block_until_ready(fn(x0))
        w0, c0 = time.perf_counter(), _cpu()
        jax.block_until_ready(fn(x0))
        print(
            f"| {name} | {(time.perf_counter() - w0) / n * 1e3:.3f} | "
            f"{(_cpu() - c0) / n * 1e3:.3f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
