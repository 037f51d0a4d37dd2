"""Train a CIFAR ResNet: SGD with momentum 0.9, weight decay, cosine schedule, crop + flip.

A checkpoint folder holds ``model.eqx`` (the network, equinox serialisation),
``train_state.eqx`` (optimiser state) and ``checkpoint.json`` (configuration, dataset,
epoch, accuracy history). It is rewritten after every epoch (temporary file, then rename) and
training resumes from it when restarted with the same configuration.
"""

from __future__ import annotations

import functools
import json
import os
import time
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from pydantic import Field, field_validator
from tqdm import tqdm

from geometries.validation import Int, Real, TypedConfig, config_dataclass, quantity
from nn.cifar import CHANNEL_MEAN, CHANNEL_STD, ImageDataset
from nn.resnet import F32, ResNet, init_resnet, resnet_blocks_per_stage

MODEL_FILE = "model.eqx"
STATE_FILE = "train_state.eqx"
META_FILE = "checkpoint.json"


@config_dataclass
class TrainConfig(TypedConfig):
    """Training recipe. ``lr`` is the peak learning rate of the cosine schedule."""

    depth: Int = quantity(8, unit="", description="ResNet depth 6n+2 (8, 14, 20, ..., 56)")
    width: Real = quantity(1.0, unit="", description="channel multiplier", gt=0)
    epochs: Int = quantity(15, unit="", description="training epochs", ge=1)
    batch_size: Int = quantity(128, unit="", description="images per SGD step", ge=1)
    lr: Real = quantity(0.1, unit="", description="peak learning rate (cosine schedule)", gt=0)
    momentum: Real = quantity(0.9, unit="", description="SGD momentum", ge=0, lt=1)
    weight_decay: Real = quantity(5e-4, unit="", description="L2 on conv/dense weights", ge=0)
    seed: Int = quantity(0, unit="", description="random seed", ge=0)
    dataset: str = Field("cifar10-jpeg", description="dataset name (nn.cifar)")
    #: use only the first N training images (tests, smoke runs)
    train_limit: Int | None = quantity(
        None, unit="", description="use only the first N training images", ge=1
    )

    @field_validator("depth")
    @classmethod
    def _resnet_depth(cls, depth: int) -> int:
        try:
            resnet_blocks_per_stage(depth)
        except ValueError as exc:
            raise ValueError(str(exc).removeprefix("depth: ")) from None
        return depth


#: The paper's configuration (ResNet-56, 4x channels, CIFAR-100, 200 epochs): for a GPU.
PAPER_CONFIG = TrainConfig(depth=56, width=4.0, epochs=200, dataset="cifar100")


@functools.lru_cache(maxsize=8)
def make_optimizer(config: TrainConfig, steps_per_epoch: int) -> optax.GradientTransformation:
    """SGD + momentum, cosine-decayed learning rate, weight decay on conv/dense weights only.

    Cached, so that equal configurations share one optimiser and one compiled train step.
    """
    schedule = optax.cosine_decay_schedule(config.lr, config.epochs * steps_per_epoch)
    return optax.chain(
        optax.add_decayed_weights(
            config.weight_decay, mask=lambda p: jax.tree_util.tree_map(lambda x: x.ndim >= 2, p)
        ),
        optax.sgd(schedule, momentum=config.momentum),
    )


def to_input(x_uint8: jax.Array) -> jax.Array:
    """uint8 NHWC -> standardised float32."""
    return (x_uint8.astype(F32) - jnp.asarray(CHANNEL_MEAN)) / jnp.asarray(CHANNEL_STD)


def augment(key: jax.Array, x: jax.Array, pad: int = 4) -> jax.Array:
    """Random crop (zero padding ``pad``) and horizontal flip of a NHWC batch."""
    b, h, w, c = x.shape
    k1, k2, k3 = jax.random.split(key, 3)
    xp = jnp.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    oy = jax.random.randint(k1, (b,), 0, 2 * pad + 1)
    ox = jax.random.randint(k2, (b,), 0, 2 * pad + 1)
    crop = jax.vmap(lambda im, i, j: jax.lax.dynamic_slice(im, (i, j, 0), (h, w, c)))(xp, oy, ox)
    flip = jax.random.bernoulli(k3, 0.5, (b,))
    return jnp.where(flip[:, None, None, None], crop[:, :, ::-1], crop)


@eqx.filter_jit
def train_step(optimizer, model, opt_state, x_uint8, y, key):
    """One SGD step on an augmented batch; returns the new model, optimiser state, loss, acc."""
    x = augment(key, to_input(x_uint8))

    def loss_fn(m):
        logits, new_m = m(x, train=True)
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
        return loss, (new_m, jnp.mean(jnp.argmax(logits, -1) == y))

    (loss, (new_model, acc)), grads = eqx.filter_value_and_grad(loss_fn, has_aux=True)(model)
    updates, opt_state = optimizer.update(grads, opt_state, model)
    # new_model has the same parameters as model plus updated BN running statistics;
    # the updates of the statistics are zero (no gradient, no weight decay).
    return eqx.apply_updates(new_model, updates), opt_state, loss, acc


@eqx.filter_jit
def _predict(model: ResNet, x_uint8: jax.Array) -> jax.Array:
    return jnp.argmax(model(to_input(x_uint8), train=False)[0], axis=-1)


def evaluate(model: ResNet, x: np.ndarray, y: np.ndarray, batch_size: int = 500) -> float:
    """Test accuracy (fraction) of ``model`` in inference mode."""
    correct = 0
    for i in range(0, len(y), batch_size):
        correct += int(
            np.sum(np.asarray(_predict(model, x[i : i + batch_size])) == y[i : i + batch_size])
        )
    return correct / len(y)


def _atomic_write_bytes(path: Path, write) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as f:
        write(f)
    os.replace(tmp, path)


def save_checkpoint(folder: Path, model: ResNet, opt_state, meta: dict) -> None:
    """Write the three checkpoint files (each atomically); the JSON last."""
    folder.mkdir(parents=True, exist_ok=True)
    _atomic_write_bytes(folder / MODEL_FILE, lambda f: eqx.tree_serialise_leaves(f, model))
    _atomic_write_bytes(folder / STATE_FILE, lambda f: eqx.tree_serialise_leaves(f, opt_state))
    _atomic_write_bytes(folder / META_FILE, lambda f: f.write(json.dumps(meta, indent=2).encode()))


def load_checkpoint(folder: str | os.PathLike[str]) -> tuple[ResNet, dict]:
    """Read the network and metadata of a checkpoint folder (or its ``checkpoint.json``)."""
    folder = Path(folder)
    if folder.is_file():
        folder = folder.parent
    meta_path = folder / META_FILE
    if not meta_path.is_file():
        raise FileNotFoundError(f"checkpoint: no {META_FILE} in {folder}")
    meta = json.loads(meta_path.read_text())
    cfg = meta["config"]
    skeleton = init_resnet(jax.random.PRNGKey(0), cfg["depth"], cfg["width"], meta["num_classes"])
    model = eqx.tree_deserialise_leaves(folder / MODEL_FILE, skeleton)
    return model, meta


def train(
    config: TrainConfig,
    dataset: ImageDataset,
    out: str | os.PathLike[str],
    resume: bool = True,
    progress: bool = True,
    max_epochs: int | None = None,
) -> tuple[ResNet, dict]:
    """Train (or resume training) and checkpoint to ``out`` after every epoch.

    ``max_epochs``: stop after this many epochs in this call (the checkpoint stays resumable).
    """
    out = Path(out)
    x_train, y_train = dataset.x_train, dataset.y_train
    if config.train_limit is not None:
        x_train, y_train = x_train[: config.train_limit], y_train[: config.train_limit]
    steps = len(y_train) // config.batch_size
    if steps < 1:
        raise ValueError(f"batch_size: larger than the training set ({len(y_train)} images)")
    key = jax.random.PRNGKey(config.seed)
    init_key, key = jax.random.split(key)
    model = eqx.filter_jit(init_resnet)(init_key, config.depth, config.width, dataset.num_classes)
    optimizer = make_optimizer(config, steps)
    opt_state = optimizer.init(model)
    meta = {
        "config": config.to_dict(),
        "dataset": dataset.name,
        "dataset_source": dataset.source,
        "num_classes": dataset.num_classes,
        "epoch": 0,
        "history": [],
    }
    if resume and (out / META_FILE).is_file():
        old = json.loads((out / META_FILE).read_text())
        if old["config"] != meta["config"] or old["dataset"] != dataset.name:
            raise ValueError(
                f"out: {out} holds a checkpoint of a different configuration; "
                "use another --out or --no-resume"
            )
        model = eqx.tree_deserialise_leaves(out / MODEL_FILE, model)
        opt_state = eqx.tree_deserialise_leaves(out / STATE_FILE, opt_state)
        meta = old
    last = config.epochs if max_epochs is None else min(config.epochs, meta["epoch"] + max_epochs)
    for epoch in range(meta["epoch"], last):
        t0 = time.time()
        ekey = jax.random.fold_in(key, epoch)
        perm = np.random.default_rng([config.seed, epoch]).permutation(len(y_train))
        losses, accs = [], []
        bar = tqdm(range(steps), desc=f"epoch {epoch + 1}/{config.epochs}", disable=not progress)
        for i in bar:
            idx = perm[i * config.batch_size : (i + 1) * config.batch_size]
            model, opt_state, loss, acc = train_step(
                optimizer, model, opt_state, x_train[idx], y_train[idx], jax.random.fold_in(ekey, i)
            )
            losses.append(float(loss))
            accs.append(float(acc))
            if i % 20 == 0:
                bar.set_postfix(
                    loss=f"{np.mean(losses[-20:]):.3f}", acc=f"{np.mean(accs[-20:]):.3f}"
                )
        test_acc = evaluate(model, dataset.x_test, dataset.y_test)
        record = {
            "epoch": epoch + 1,
            "train_loss": float(np.mean(losses)),
            "train_accuracy": float(np.mean(accs)),
            "test_accuracy": test_acc,
            "seconds": time.time() - t0,
        }
        meta["history"].append(record)
        meta["epoch"] = epoch + 1
        meta["test_accuracy"] = test_acc
        save_checkpoint(out, model, opt_state, meta)
        print(json.dumps(record), flush=True)
    return model, meta
