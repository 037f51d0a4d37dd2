"""Wall time of the Laborieux control (``laborieux:m=2.5``) extrapolated to one full run.

Times the vmapped, jitted stream program in the control's configuration
(:meth:`nn.stream.StreamConfig.laborieux_control`: 784-1024-1024-10, batch 100, float
weights, no rounding) on a few batches of synthetic images, plus one validation pass, and
extrapolates to the control's full protocol: 60 subsets x 20 epochs x 1000 images and a
validation on the 10 000 test images after every subset (no full-data tick). The issue quotes
about 20 min per run for the authors' PyTorch code with 1 thread; that figure is printed
beside ours, it is not measured here.

    nice -n 19 .venv/bin/python benchmarks/bench_stream_control.py [--seeds 1] [--batches 3]
    nice -n 19 .venv/bin/python benchmarks/bench_stream_control.py --threads 1

``--threads 1`` restricts XLA to one CPU thread (set before JAX is imported).
"""

from __future__ import annotations

import argparse
import os
import time

AUTHORS_MIN_PER_RUN = 20.0  # the figure for the PyTorch code, 1 thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1, help="runs in the vmapped program")
    parser.add_argument("--batches", type=int, default=3, help="batches of 100 per timing")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--meta", type=float, default=2.5)
    parser.add_argument("--threads", type=int, default=None, help="XLA CPU threads (1: one)")
    args = parser.parse_args()
    if args.threads == 1:
        os.environ["XLA_FLAGS"] = (
            os.environ.get("XLA_FLAGS", "")
            + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        )

    import jax
    import jax.numpy as jnp
    import numpy as np

    from nn.stream import StreamConfig, StreamProgram, parse_synapse_spec, stack_devices

    full = StreamConfig.laborieux_control(n_subsets=60, full_data=False)
    cfg = StreamConfig.laborieux_control(
        n_subsets=1,
        subset_size=100 * args.batches,
        epochs=1,
        n_seeds=args.seeds,
        full_data=False,
    )
    specs = [parse_synapse_spec(f"laborieux:m={args.meta:g}")]
    devs = stack_devices(specs, args.seeds)
    program = StreamProgram(cfg, quantized=False)
    n_runs = args.seeds
    rng = np.random.default_rng(0)
    data = (
        jnp.asarray(rng.integers(0, 256, (60_000, 784), dtype=np.uint8)),
        jnp.asarray(rng.integers(0, 10, 60_000, dtype=np.int32)),
        jnp.asarray(rng.integers(0, 256, (10_000, 784), dtype=np.uint8)),
        jnp.asarray(rng.integers(0, 10, 10_000, dtype=np.int32)),
    )
    keys = jnp.stack([jax.random.PRNGKey(r) for r in range(n_runs)])
    state = {"runs": program.init(devs, keys)}
    idx = jnp.asarray(
        np.stack([rng.permutation(60_000)[: cfg.subset_size] for _ in range(n_runs)]), jnp.int32
    )

    def timed(fn) -> float:
        jax.block_until_ready(fn())  # compile and warm up
        start = time.perf_counter()
        for _ in range(args.repeats):
            jax.block_until_ready(fn())
        return (time.perf_counter() - start) / args.repeats

    def train():
        state["runs"], acc = program.train(1, state["runs"], devs, idx, data)
        return acc

    t_batch = timed(train) / args.batches  # all runs, one batch of 100 each
    t_eval = timed(lambda: program.evaluate(state["runs"], devs, data[2], data[3]))
    batches = full.n_subsets * full.epochs * full.subset_size // full.batch_size
    total_s = batches * t_batch + full.n_subsets * t_eval
    per_run_min = total_s / n_runs / 60
    threads = "1 thread" if args.threads == 1 else f"XLA default threads ({os.cpu_count()} CPUs)"
    print(
        f"backend: {jax.default_backend()}, {threads}; control {specs[0].label}, "
        f"layers {'-'.join(map(str, full.layer_sizes))}, {n_runs} run(s) vmapped"
    )
    print(f"training: {t_batch * 1e3:.1f} ms per batch of 100 (all runs together)")
    print(f"validation: {t_eval:.2f} s per pass over 10 000 images (all runs together)")
    print(
        f"one full run ({full.n_subsets} subsets x {full.epochs} epochs x "
        f"{full.subset_size} images = {batches} batches, {full.n_subsets} validations): "
        f"{per_run_min:.1f} min per run ({total_s / 60:.1f} min for all {n_runs}); "
        f"authors' PyTorch code, 1 thread (issue): ~{AUTHORS_MIN_PER_RUN:.0f} min per run"
    )


if __name__ == "__main__":
    main()
