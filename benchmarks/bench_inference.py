"""Images per second of the analog-inference evaluation on CPU (``dwmtj infer``'s inner loop).

Usage::

    .venv/bin/python benchmarks/bench_inference.py [--depth 8] [--width 1] [--draws 5]
        [--batch 500] [--checkpoint results/inference/checkpoint]

Prints the throughput of the software (folded) network and of ``draws`` write-noise draws
evaluated together in one compiled call, counting each image once per draw.
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--depth", type=int, default=8)
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--draws", type=int, default=5)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--checkpoint", help="use this trained network instead of a random one")
    args = p.parse_args()

    from nn.analog import CrossbarConfig
    from nn.inference import analog_accuracy, digital_accuracy
    from nn.resnet import fold_batchnorm, init_resnet

    if args.checkpoint:
        from nn.train_resnet import load_checkpoint

        model, meta = load_checkpoint(args.checkpoint)
        label = f"ResNet-{meta['config']['depth']} x{meta['config']['width']:g} (checkpoint)"
    else:
        model = init_resnet(jax.random.PRNGKey(0), args.depth, args.width, args.classes)
        label = f"ResNet-{args.depth} x{args.width:g} (random weights)"
    net = fold_batchnorm(model)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (args.batch, 32, 32, 3)).astype(np.uint8)
    y = rng.integers(0, model.num_classes, args.batch).astype(np.int32)
    config = CrossbarConfig(bits=5, write_sigma_S=2.53e-6)
    key = jax.random.PRNGKey(1)

    digital_accuracy(net, x, y, args.batch)  # compile
    t = time.perf_counter()
    for _ in range(args.repeats):
        digital_accuracy(net, x, y, args.batch)
    dt = (time.perf_counter() - t) / args.repeats
    print(f"{label}, {jax.devices()[0].platform}: software {args.batch / dt:8.0f} images/s")

    analog_accuracy(net, config, x, y, key, args.draws, args.batch)  # compile
    t = time.perf_counter()
    for _ in range(args.repeats):
        analog_accuracy(net, config, x, y, key, args.draws, args.batch)
    dt = (time.perf_counter() - t) / args.repeats
    print(
        f"{label}: analog, {args.draws} draws batched, incl. programming "
        f"{args.batch * args.draws / dt:8.0f} image-draws/s"
    )


if __name__ == "__main__":
    main()
