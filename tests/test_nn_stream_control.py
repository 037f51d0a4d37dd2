"""The Laborieux control in the stream program: specs, its protocol, a smoke run."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from nn.fashion_mnist import FashionMNIST, load_fashion_mnist
from nn.stream import (
    CONTROL_WEIGHT_DECAY,
    StreamConfig,
    StreamProgram,
    describe,
    needs_rounding,
    parse_synapse_spec,
    run_stream,
    stack_devices,
)

# 2 subsets x 300 images x 2 epochs (6 steps each), 64-64 hidden units
SMOKE = StreamConfig.laborieux_control(
    n_subsets=2, subset_size=300, epochs=2, n_seeds=1, full_data=False, hidden_width=64
)


def test_control_specs():
    c = parse_synapse_spec("laborieux:m=2.5")
    assert c.kind == "laborieux" and c.device is None and c.binarized
    assert c.meta == 2.5 and c.weight_decay == CONTROL_WEIGHT_DECAY == 1e-7
    plain = parse_synapse_spec("laborieux")
    assert plain.meta == 0.0
    assert parse_synapse_spec("laborieux:m=1,wd=0").weight_decay == 0.0
    assert "tanh^2(2.5|W|)" in describe(c)
    # (levels=N is an ablation switch since issue 18's ladder: tests/test_stream_ablation.py)
    for bad in ("laborieux:m=-1", "laborieux:binarized=2", "laborieux:m=x", "laborieux:m"):
        with pytest.raises(ValueError, match="device"):
            parse_synapse_spec(bad)
    assert not needs_rounding([c, plain])
    assert needs_rounding([c, parse_synapse_spec("trapezoid")])
    devs = stack_devices([c, parse_synapse_spec("trapezoid")], 2)
    np.testing.assert_array_equal(np.asarray(devs.tanh), [1, 1, 0, 0])
    np.testing.assert_array_equal(np.asarray(devs.quantize), [0, 0, 1, 1])
    np.testing.assert_allclose(np.asarray(devs.meta), [2.5, 2.5, 0, 0])
    np.testing.assert_allclose(np.asarray(devs.weight_decay), [1e-7, 1e-7, 0, 0])


def test_control_protocol_defaults():
    cfg = StreamConfig.laborieux_control()
    assert cfg.layer_sizes == (784, 1024, 1024, 10)
    assert (cfg.epochs, cfg.learning_rate, cfg.batch_size) == (20, 0.005, 100)
    assert (cfg.bn_momentum, cfg.bn_eps, cfg.init_width) == (0.1, 1e-5, 0.1)
    assert StreamConfig().layer_sizes == (784, 512, 512, 10)


@pytest.fixture(scope="module")
def smoke_data(datasets_dir):
    full = load_fashion_mnist(datasets_dir)
    return FashionMNIST(
        full.x_train[:600],
        full.y_train[:600],
        full.x_test[:1000],
        full.y_test[:1000],
        full.source + " (first 600 / 1000)",
    )


def test_control_smoke_run(smoke_data):
    specs = [parse_synapse_spec(s) for s in ("laborieux:m=2.5", "laborieux:m=0")]
    alone = run_stream(specs, smoke_data, SMOKE, progress=False)
    assert alone.stream_accuracy.shape == (2, 1, 2)
    assert np.all(alone.stream_accuracy[:, :, -1] > 0.4)  # 10 classes: chance is 0.1


def test_control_beside_a_device_gives_the_same_run(smoke_data):
    specs = [parse_synapse_spec(s) for s in ("laborieux:m=2.5", "laborieux:m=0")]
    alone = run_stream(specs, smoke_data, SMOKE, progress=False)  # the program is cached
    mixed = run_stream([*specs, parse_synapse_spec("trapezoid")], smoke_data, SMOKE, progress=False)
    # the same runs in a program that also rounds a device's weights: same accuracies
    # (up to a few of the 1000 test images from a different float summation order)
    np.testing.assert_allclose(mixed.stream_accuracy[:2], alone.stream_accuracy, atol=0.005)


def test_control_weights_are_float_and_unclipped(smoke_data):
    specs = [parse_synapse_spec("laborieux:m=2.5"), parse_synapse_spec("trapezoid")]
    cfg = StreamConfig.laborieux_control(
        n_subsets=1,
        subset_size=300,
        epochs=1,
        n_seeds=1,
        full_data=False,
        hidden_width=16,
        learning_rate=0.5,
        init_width=1.8,
    )
    devs = stack_devices(specs, 1)
    program = StreamProgram(cfg, quantized=True)
    runs = program.init(devs, jnp.stack([jax.random.PRNGKey(0)] * 2))
    data = (
        jnp.asarray(smoke_data.x_train.reshape(600, -1)),
        jnp.asarray(smoke_data.y_train.astype(np.int32)),
        jnp.asarray(smoke_data.x_test.reshape(1000, -1)),
        jnp.asarray(smoke_data.y_test.astype(np.int32)),
    )
    idx = jnp.asarray(np.stack([np.arange(300)] * 2), jnp.int32)
    runs, _ = program.train(1, runs, devs, idx, data)
    w_control, w_device = np.asarray(runs["params"]["w1"])
    levels = np.asarray(specs[1].device.weight_levels)
    # on the levels up to the float32 error of params + (new - params)
    assert np.all(np.min(np.abs(w_device[..., None] - levels), axis=-1) < 1e-6)
    assert np.unique(w_control).size > 100  # float weights, not on levels
    assert np.max(np.abs(w_control)) > 1.0  # no clip to [-1, 1]
