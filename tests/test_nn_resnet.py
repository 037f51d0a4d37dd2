"""CIFAR ResNets (nn.resnet) and their training loop (nn.train_resnet)."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from nn.cifar import ImageDataset
from nn.resnet import (
    count_trainable,
    fold_batchnorm,
    init_resnet,
    resnet_blocks_per_stage,
    resnet_parameter_count,
)
from nn.train_resnet import TrainConfig, load_checkpoint, train


@pytest.mark.parametrize("depth,width,classes", [(8, 1.0, 10), (14, 0.5, 100), (20, 1.0, 10)])
def test_parameter_count_formula_matches_the_network(depth, width, classes):
    # Shapes only (jax.eval_shape): no arrays are initialised.
    model = jax.eval_shape(lambda: init_resnet(jax.random.PRNGKey(0), depth, width, classes))
    assert count_trainable(model) == resnet_parameter_count(depth, width, classes)


def test_paper_resnet56_x4_has_13_7_million_weights():
    # The paper quotes 13.7 M weights (3 significant figures) for ResNet-56 with 4x channels on
    # CIFAR-100; conventions (conv biases, BN statistics counted or not) move the count by
    # < 0.3 %, so 0.5 % is the tolerance.
    n = resnet_parameter_count(56, 4.0, 100)
    assert abs(n - 13.7e6) / 13.7e6 < 0.005
    assert resnet_parameter_count(20, 1.0, 10) == 272_474  # He et al.'s "0.27M" (with projections)


def test_bad_depth_and_width_are_rejected():
    with pytest.raises(ValueError, match="depth"):
        resnet_blocks_per_stage(21)
    with pytest.raises(ValueError, match="width"):
        init_resnet(jax.random.PRNGKey(0), 8, 0.0, 10)


def test_folded_network_equals_inference_mode_network():
    model = eqx.filter_jit(init_resnet)(jax.random.PRNGKey(0), 8, 0.5, 10)  # one compile
    x = jax.random.normal(jax.random.PRNGKey(1), (4, 8, 8, 3), jnp.float32)
    step = eqx.filter_jit(lambda m, x: m(x, train=True)[1])
    for _ in range(3):  # move the running statistics away from (0, 1)
        model = step(model, 2.0 * x + 0.5)
    ref = np.asarray(eqx.filter_jit(lambda m, x: m(x, train=False)[0])(model, x))
    folded = np.asarray(eqx.filter_jit(lambda n, x: n(x))(fold_batchnorm(model), x))
    # Folding reorders float32 products: agreement to ~1e-6 of the logit scale; 1e-5 allowed.
    assert np.max(np.abs(folded - ref)) <= 1e-5 * np.max(np.abs(ref))
    assert np.max(np.abs(ref)) > 0


def _synthetic(n_train: int = 64, n_test: int = 32) -> ImageDataset:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n_train + n_test).astype(np.int32)
    x = rng.integers(0, 60, (n_train + n_test, 8, 8, 3)).astype(np.uint8)
    x[y == 1, :, :, 0] += 150  # class 1 is red
    return ImageDataset(
        "synthetic", x[:n_train], y[:n_train], x[n_train:], y[n_train:], 2, (), "test"
    )


def test_training_checkpoints_and_resumes_to_the_same_weights(tmp_path):
    ds = _synthetic()
    cfg = TrainConfig(depth=8, width=0.25, epochs=2, batch_size=32, lr=0.05)
    full, meta = train(cfg, ds, tmp_path / "full", progress=False)
    assert meta["epoch"] == 2 and len(meta["history"]) == 2
    train(cfg, ds, tmp_path / "cut", progress=False, max_epochs=1)  # interrupted after 1 epoch
    assert load_checkpoint(tmp_path / "cut")[1]["epoch"] == 1
    resumed, meta2 = train(cfg, ds, tmp_path / "cut", progress=False)
    assert meta2["epoch"] == 2
    # Resuming replays the same data order and augmentation keys: identical weights (CPU XLA is
    # deterministic; 1e-6 leaves room for reassociation).
    for a, b in zip(
        jax.tree_util.tree_leaves(full), jax.tree_util.tree_leaves(resumed), strict=True
    ):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-6)
    loaded, _ = load_checkpoint(tmp_path / "cut")
    np.testing.assert_array_equal(np.asarray(loaded.fc_weight), np.asarray(resumed.fc_weight))
    with pytest.raises(ValueError, match="different configuration"):
        train(
            TrainConfig(depth=8, width=0.5, epochs=2, batch_size=32),
            ds,
            tmp_path / "cut",
            progress=False,
        )
