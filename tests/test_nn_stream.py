"""The binarised network and the stream protocol: gradients, learning, device use, resume."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from nn import bnn
from nn.fashion_mnist import FashionMNIST, load_fashion_mnist
from nn.stream import (
    StreamConfig,
    load_result,
    parse_synapse_spec,
    plot_fig5a,
    plot_fig5b,
    run_stream,
    save_result,
)

# A tiny stream: 3 subsets of 300 images, 3 epochs each; the full-data tick on 1200 images.
TINY = StreamConfig(
    n_subsets=3, subset_size=300, epochs=3, batch_size=100, n_seeds=1, full_data=True
)
TINY_DEVICES = ("trapezoid", "trapezoid:w1w2=1", "trapezoid:levels=16", "linear:levels=32")


def test_sign_activation_straight_through_gradient():
    x = jnp.array([-2.0, -1.0, -0.5, 0.0, 0.3, 1.0, 1.5], jnp.float32)
    c = jnp.arange(1.0, 8.0, dtype=jnp.float32)
    y, grad = jax.value_and_grad(lambda v: jnp.sum(c * bnn.sign_activation(v)))(x)
    np.testing.assert_array_equal(np.asarray(bnn.sign_activation(x)), np.sign(np.asarray(x)))
    # gradient passed where |x| <= 1 (boundary included, as the reference), zero outside
    np.testing.assert_array_equal(np.asarray(grad), np.asarray(c) * (np.abs(np.asarray(x)) <= 1))


def test_forward_uses_sign_of_hidden_weights_with_identity_gradient():
    key = jax.random.PRNGKey(0)
    sizes = (6, 4, 3)
    params = bnn.init_params(key, 0.5, sizes)
    bn_state = bnn.init_bn_state(sizes)
    x = jax.random.uniform(jax.random.PRNGKey(1), (8, 6))
    signed = jax.tree.map(jnp.sign, params)
    out_hidden, _ = bnn.forward(params, bn_state, x, train=False)
    out_signed, _ = bnn.forward(signed, bn_state, x, train=False)
    np.testing.assert_allclose(np.asarray(out_hidden), np.asarray(out_signed), rtol=1e-6)
    out_linear, _ = bnn.forward(params, bn_state, x, train=False, binarize_weights=0.0)
    assert not np.allclose(np.asarray(out_linear), np.asarray(out_hidden))
    # straight-through for the weights: d/dW_h equals d/dW_b evaluated at W_b = sign(W_h)
    y = jnp.array([0, 1, 2, 0, 1, 2, 0, 1])

    def loss(p):
        return bnn.loss_and_state(p, bn_state, x, y)[0]

    grad = jax.jit(jax.grad(lambda p, b: bnn.loss_and_state(p, bn_state, x, y, b)[0]))
    g_hidden = grad(params, 1.0)
    g_signed = grad(signed, 0.0)
    for k in params:
        np.testing.assert_allclose(
            np.asarray(g_hidden[k]), np.asarray(g_signed[k]), rtol=1e-5, atol=1e-7
        )
    assert float(loss(params)) > 0


def test_batch_norm_running_statistics_follow_pytorch_momentum():
    sizes = (5, 4)
    params = bnn.init_params(jax.random.PRNGKey(2), 1.0, sizes)
    state = bnn.init_bn_state(sizes)
    x = jax.random.uniform(jax.random.PRNGKey(3), (16, 5))
    _, new = bnn.forward(params, state, x, train=True)
    h = np.asarray(x) @ np.sign(np.asarray(params["w0"]))
    # EMA decay 0.9 of the batch mean; the variance entering the EMA is unbiased (n - 1)
    np.testing.assert_allclose(np.asarray(new["mean0"]), 0.1 * h.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(new["var0"]), 0.9 + 0.1 * h.var(0, ddof=1), rtol=1e-5)


@pytest.fixture(scope="module")
def tiny_data(datasets_dir):
    full = load_fashion_mnist(datasets_dir)
    return FashionMNIST(
        full.x_train[:1200],
        full.y_train[:1200],
        full.x_test[:2000],
        full.y_test[:2000],
        full.source + " (first 1200 / 2000)",
    )


@pytest.fixture(scope="module")
def tiny_result(tiny_data):
    specs = [parse_synapse_spec(s) for s in TINY_DEVICES]
    return run_stream(specs, tiny_data, TINY, progress=False)


def test_tiny_stream_learns_above_chance(tiny_result):
    acc = tiny_result.stream_accuracy  # (devices, seeds, subsets)
    assert acc.shape == (4, 1, 3)
    # chance is 10 %; 900 images x 3 epochs bring a BNN well past 50 % on Fashion-MNIST (about
    # 65-70 % seen), so 40 % fails only if learning is broken
    assert np.all(acc[:, :, -1] > 0.40), acc
    assert np.all(tiny_result.full_data_accuracy > 0.40), tiny_result.full_data_accuracy


def test_accuracy_depends_on_the_device_model(tiny_result):
    acc = tiny_result.stream_accuracy[:, 0, :]
    # same seed, data order and initial weights: only w1/w2 (Eq. 1) differs between 0 and 1,
    # only the level set between 0 and 2; identical curves would mean the device is ignored
    assert not np.array_equal(acc[0], acc[1])
    assert not np.array_equal(acc[0], acc[2])


def test_resume_from_checkpoint_reproduces_uninterrupted_run(tiny_data, tiny_result, tmp_path):
    specs = [parse_synapse_spec(s) for s in TINY_DEVICES]
    partial = run_stream(specs, tiny_data, TINY, out_dir=tmp_path, progress=False, max_steps=2)
    assert np.all(np.isnan(partial.stream_accuracy[:, :, 2]))
    assert (tmp_path / "checkpoint" / "state.eqx").is_file()
    resumed = run_stream(specs, tiny_data, TINY, out_dir=tmp_path, progress=False)
    # the run is deterministic on CPU: resuming from the checkpoint must give the same numbers
    np.testing.assert_array_equal(resumed.stream_accuracy, tiny_result.stream_accuracy)
    np.testing.assert_array_equal(resumed.full_data_accuracy, tiny_result.full_data_accuracy)
    other = dataclasses.replace(TINY, epochs=2)
    with pytest.raises(ValueError, match="different settings"):
        run_stream(specs, tiny_data, other, out_dir=tmp_path, progress=False)


def test_outputs_tables_and_figures(tiny_result, tmp_path):
    paths = save_result(tiny_result, tmp_path)
    back = load_result(paths["h5"])
    np.testing.assert_array_equal(back.stream_accuracy, tiny_result.stream_accuracy)
    assert back.labels == list(TINY_DEVICES)
    assert back.config == TINY
    lines = paths["curves"].read_text().splitlines()
    assert lines[0] == "device,seed,subset,accuracy"
    assert len(lines) == 1 + 4 * (3 + 1)
    assert "trapezoid (w1/w2=0.25, delta=3, 4 levels, binarised)" in paths["summary_md"].read_text()
    assert plot_fig5a(tiny_result, tmp_path / "a.png").stat().st_size > 10_000
    assert plot_fig5b(tiny_result, tmp_path / "b.png").stat().st_size > 10_000


def test_cli_plot_only_and_parser(tiny_result, tmp_path):
    import dwmtj

    save_result(tiny_result, tmp_path)
    assert dwmtj.main(["train", "stream", "--plot-only", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "fig5a.png").is_file() and (tmp_path / "fig5b.png").is_file()
    assert dwmtj.main(["train", "stream", "--plot-only", "--out", str(tmp_path / "x")]) == 2


def test_synapse_specs():
    trap = parse_synapse_spec("trapezoid")
    assert trap.binarized and trap.device.n_levels == 4
    assert float(trap.device.w1_over_w2) == 0.25 and float(trap.device.delta) == 3.0
    s3 = parse_synapse_spec("straight:delta=3")
    assert float(s3.device.delta) == 3.0 and float(s3.device.w1_over_w2) == 1.0
    lin = parse_synapse_spec("linear")
    assert not lin.binarized and lin.device.n_levels == 32
    assert parse_synapse_spec("trapezoid:levels=16").device.n_levels == 16
    for bad in (
        "trapezoid:speed=3",
        "trapezoid:levels",
        "straight:delta=-1",
        "oval",
        "trapezoid:w1w2=2",
        "trapezoid:levels=1",
    ):
        with pytest.raises(ValueError, match="device"):
            parse_synapse_spec(bad)
    with pytest.raises(FileNotFoundError, match="artifact"):
        parse_synapse_spec("/nonexistent/model.json")


def test_fitted_artifact_plugs_in(tmp_path):
    from compact.artifact import save_model
    from compact.presets import paper_trapezoid_model

    path = save_model(paper_trapezoid_model(), tmp_path / "model.json")
    spec = parse_synapse_spec(f"{path}:levels=8")
    assert spec.binarized and spec.device.n_levels == 8
    assert float(spec.device.w1_over_w2) == 0.25 and float(spec.device.delta) == 3.0


@pytest.mark.parametrize(
    ("field", "value"),
    [("subset_size", 150), ("n_subsets", 61), ("epochs", 0), ("learning_rate", -1.0)],
)
def test_config_rejects_bad_values(field, value):
    with pytest.raises(ValueError, match=field):
        StreamConfig(**{field: value})


def test_finished_part_cuts_unfinished_subsets(tiny_result):
    from nn.stream import default_title, finished_part

    partial = dataclasses.replace(tiny_result, stream_accuracy=tiny_result.stream_accuracy.copy())
    partial.stream_accuracy[:, :, 2] = np.nan
    cut = finished_part(partial)
    assert cut.stream_accuracy.shape == (4, 1, 2)
    assert finished_part(tiny_result).stream_accuracy.shape == (4, 1, 3)
    assert "STOPPED after 2 of 3" in default_title(TINY, 2)
    assert "REDUCED" in default_title(TINY) and "REDUCED" not in default_title(StreamConfig())
