"""Throughput of the stream-learning program and the wall time of the full paper protocol.

Runs the vmapped, jitted training (one epoch on one subset) and validation for
``--seeds`` x ``--devices`` runs, prints images/s for training and evaluation, and
extrapolates the full protocol (60 subsets x 30 epochs x 1000 images, plus the full-data
ticks: 30 epochs x 60 000 images, plus a validation on 10 000 images after each subset).

    nice -n 10 .venv/bin/python benchmarks/bench_stream.py [--seeds 5] [--devices 4]
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

from nn.stream import (
    PAPER_DEVICES,
    StreamConfig,
    StreamProgram,
    parse_synapse_spec,
    stack_devices,
)


def _timed(fn, repeats: int) -> float:
    jax.block_until_ready(fn())  # compile and warm up
    start = time.perf_counter()
    for _ in range(repeats):
        jax.block_until_ready(fn())
    return (time.perf_counter() - start) / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--devices", type=int, default=4, help=f"how many of {list(PAPER_DEVICES)} (cycled)"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--deterministic",
        action="store_true",
        help="nearest-level rounding (no random numbers for the rounding)",
    )
    args = parser.parse_args()

    specs = [parse_synapse_spec(PAPER_DEVICES[i % len(PAPER_DEVICES)]) for i in range(args.devices)]
    cfg = StreamConfig(
        n_subsets=1,
        subset_size=1000,
        epochs=1,
        n_seeds=args.seeds,
        stochastic_rounding=not args.deterministic,
    )
    n_runs = args.seeds * args.devices
    rng = np.random.default_rng(0)
    # synthetic images: the cost does not depend on the pixel values
    data = (
        jnp.asarray(rng.integers(0, 256, (60_000, 784), dtype=np.uint8)),
        jnp.asarray(rng.integers(0, 10, 60_000, dtype=np.int32)),
        jnp.asarray(rng.integers(0, 256, (10_000, 784), dtype=np.uint8)),
        jnp.asarray(rng.integers(0, 10, 10_000, dtype=np.int32)),
    )
    devs = stack_devices(specs, args.seeds)
    program = StreamProgram(cfg)
    keys = jnp.stack([jax.random.PRNGKey(r) for r in range(n_runs)])
    state = {"runs": program.init(devs, keys)}
    idx = jnp.asarray(np.stack([rng.permutation(60_000)[:1000] for _ in range(n_runs)]), jnp.int32)

    def train_epoch():
        state["runs"], acc = program.train(1, state["runs"], devs, idx, data)
        return acc

    t_train = _timed(train_epoch, args.repeats)
    t_eval = _timed(lambda: program.evaluate(state["runs"], devs, data[2], data[3]), args.repeats)
    train_rate = n_runs * 1000 / t_train
    eval_rate = n_runs * 10_000 / t_eval

    full = StreamConfig()
    train_images = n_runs * (full.n_subsets * full.epochs * full.subset_size + full.epochs * 60_000)
    eval_images = n_runs * (full.n_subsets + 1) * 10_000
    total_s = train_images / train_rate + eval_images / eval_rate
    rounding = "nearest" if args.deterministic else "stochastic"
    print(
        f"backend: {jax.default_backend()} ({jax.device_count()} device(s)), "
        f"{n_runs} runs = {args.seeds} seeds x {args.devices} devices, {rounding} rounding"
    )
    print(
        f"training:   {train_rate:10.0f} images/s (all runs together; "
        f"{t_train * 1e3 / 10:.1f} ms per batch of 100 for all runs)"
    )
    print(f"validation: {eval_rate:10.0f} images/s")
    print(
        f"full protocol ({full.n_subsets} subsets x {full.epochs} epochs x "
        f"{full.subset_size} + full-data ticks, {n_runs} runs): "
        f"{train_images / 1e6:.0f} M training images, {eval_images / 1e6:.1f} M validation "
        f"images -> {total_s / 3600:.2f} h ({total_s:.0f} s)"
    )


if __name__ == "__main__":
    main()
