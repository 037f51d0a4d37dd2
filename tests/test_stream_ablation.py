"""The ablation ladder's switches of the Laborieux control (issue 18): each switch changes the
update as it should, the default control is unchanged, and the last rung without weight decay
is the trapezoid's device rule."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from nn.metaplastic import f_meta, laborieux_adam_meta
from nn.stream import (
    StreamConfig,
    StreamProgram,
    _optimizer,
    describe,
    needs_rounding,
    parse_synapse_spec,
    run_stream,
    stack_devices,
)

#: the rungs of results/stream/ablation/run_ladder.sh (1 and 2-6 differ in size and epochs)
RUNGS = (
    "laborieux:m=2.5",
    "laborieux:m=2.5,fmeta=eq1,w1w2=0.25",
    "laborieux:m=2.5,fmeta=eq1,w1w2=0.25,delta=3",
    "laborieux:m=2.5,fmeta=eq1,w1w2=0.25,delta=3,clip=1",
    "laborieux:m=2.5,fmeta=eq1,w1w2=0.25,delta=3,clip=1,levels=4",
)
CFG = StreamConfig(
    n_subsets=1, subset_size=200, epochs=1, n_seeds=1, full_data=False, hidden_width=32
)


def one_run(spec: str):
    """The stacked device parameters of one run of ``spec`` (leading axis removed)."""
    devs = stack_devices([parse_synapse_spec(spec)], 1)
    return jax.tree.map(lambda a: a[0], devs)


@functools.partial(jax.jit, static_argnames=("lr", "quantized"))
def _step(dev, key, w, g, lr: float, quantized: bool):
    tx = _optimizer(StreamConfig(learning_rate=lr), dev, key, quantized)
    params = {"w": w}
    updates, _ = tx.update({"w": g}, tx.init(params), params)
    return params["w"] + updates["w"]


def one_step(spec: str, w, g, lr: float = 0.01, key=None, quantized: bool = False):
    """One update from a fresh state of the stream program's rule for ``spec``; new weights.

    Jitted (device parameters traced: one compilation per shape, lr and rounding)."""
    key = jax.random.PRNGKey(0) if key is None else key
    f32 = jnp.float32
    return np.asarray(
        _step(one_run(spec), key, jnp.asarray(w, f32), jnp.asarray(g, f32), lr, quantized)
    )


def _synthetic_images(seed: int) -> tuple:
    """400 training and 1000 test images (uint8 pixels, labels 0-9) of random noise."""
    rng = np.random.default_rng(seed)
    return (
        jnp.asarray(rng.integers(0, 256, (400, 784), dtype=np.uint8)),
        jnp.asarray(rng.integers(0, 10, 400, dtype=np.int32)),
        jnp.asarray(rng.integers(0, 256, (1000, 784), dtype=np.uint8)),
        jnp.asarray(rng.integers(0, 10, 1000, dtype=np.int32)),
    )


def test_default_control_spec_is_unchanged():
    c = parse_synapse_spec("laborieux:m=2.5")
    assert (c.fmeta, c.w1_over_w2, c.delta, c.clip, c.levels) == ("tanh", 1.0, 1.0, False, 0)
    # the text is part of the control's checkpoint settings (resuming needs it unchanged)
    assert describe(c) == (
        "laborieux:m=2.5 (Laborieux control: 1 - tanh^2(2.5|W|), delta=1, float weights, "
        "weight decay 1e-07, binarised)"
    )
    assert not needs_rounding([c])
    dev = one_run("laborieux:m=2.5")
    assert [float(getattr(dev, k)) for k in ("tanh", "quantize", "clip", "w1_over_w2")] == [
        1.0,
        0.0,
        0.0,
        1.0,
    ]
    assert float(dev.delta) == 1.0 and float(dev.meta) == 2.5


@pytest.mark.parametrize("quantized", [False, True])
def test_default_control_rule_in_the_program_is_the_authors_adam_meta(quantized):
    # the stream program's per-run rule for laborieux:m=2.5 is bit for bit
    # nn.metaplastic.laborieux_adam_meta (tested against the authors' step in
    # test_nn_metaplastic), with or without rounding compiled into the program
    rng = np.random.default_rng(0)
    params = {"w": jnp.asarray(rng.uniform(-2, 2, (6, 5)), jnp.float32)}
    cfg = StreamConfig(learning_rate=0.05)
    ours = _optimizer(cfg, one_run("laborieux:m=2.5"), jax.random.PRNGKey(1), quantized)
    ref = laborieux_adam_meta(0.05, meta=2.5, weight_decay=1e-7)
    p_ours, p_ref = params, params
    s_ours, s_ref = ours.init(p_ours), ref.init(p_ref)
    for _ in range(10):
        g = {"w": jnp.asarray(rng.normal(0.3, 1, (6, 5)), jnp.float32)}
        u, s_ours = ours.update(g, s_ours, p_ours)
        p_ours = optax.apply_updates(p_ours, u)
        u, s_ref = ref.update(g, s_ref, p_ref)
        p_ref = optax.apply_updates(p_ref, u)
    np.testing.assert_array_equal(np.asarray(p_ours["w"]), np.asarray(p_ref["w"]))
    assert np.max(np.abs(np.asarray(p_ours["w"]))) > 1.0  # float, unclipped


def test_ladder_specs_parse_and_bad_ones_raise():
    specs = [parse_synapse_spec(s) for s in RUNGS]
    assert [s.fmeta for s in specs] == ["tanh", "eq1", "eq1", "eq1", "eq1"]
    assert [s.delta for s in specs] == [1, 1, 3, 3, 3]
    assert [s.clip for s in specs] == [False, False, False, True, True]
    assert [s.levels for s in specs] == [0, 0, 0, 0, 4]
    assert specs[1].w1_over_w2 == 0.25 and specs[1].meta == 2.5
    assert "Eq. 1 w1/w2=0.25, delta=3, 4 levels, clipped to [-1, 1]" in describe(specs[-1])
    assert not needs_rounding(specs[:4]) and needs_rounding(specs)
    for bad in (
        "laborieux:fmeta=eq1",  # Eq. 1 needs its ratio
        "laborieux:w1w2=0.25",  # the ratio without Eq. 1
        "laborieux:fmeta=eq1,w1w2=1.5",
        "laborieux:fmeta=exp,w1w2=0.25",
        "laborieux:delta=0",
        "laborieux:clip=2",
        "laborieux:levels=1",
        "laborieux:levels=3.5",
        "laborieux:binarized=2",
        "laborieux:binarized=0,levels=3,grid=zero,zero=pm",  # zero=pm reads a sign
    ):
        with pytest.raises(ValueError, match="device"):
            parse_synapse_spec(bad)


def test_eq1_gives_exactly_eq1s_factor_on_consolidating_steps():
    # W > 0 with a positive gradient: the step -m shrinks |W| (consolidating). Relative to
    # plain Adam (m=0: factor 1) the step is Eq. 1's factor; beyond |W| = 1 (no clip) it stays
    # at w1/w2 = 0.25 instead of turning negative
    w = np.array([[0.0, 0.25, 0.5, -0.5, 0.75, 1.0, 1.5, -3.0]], np.float32)
    g = np.sign(w) + (w == 0)  # the step shrinks |W| everywhere (and is +-lr at W = 0)
    g = g.astype(np.float32)
    lr = 0.1  # steps >= 0.025: float32 round-off of (W - step) - W below 1e-5 relative
    eq1 = one_step("laborieux:m=2.5,fmeta=eq1,w1w2=0.25", w, g, lr) - w
    plain = one_step("laborieux:m=0", w, g, lr) - w
    expected = [1, 0.8125, 0.625, 0.625, 0.4375, 0.25, 0.25, 0.25]
    np.testing.assert_allclose(eq1 / plain, [expected], rtol=3e-5)
    np.testing.assert_allclose(
        (eq1 / plain)[0, :6], np.asarray(f_meta(jnp.asarray(w[0, :6]), 0.25)), rtol=3e-5
    )
    # growing steps are not scaled by Eq. 1 (delta = 1 by default)
    grow = one_step("laborieux:m=2.5,fmeta=eq1,w1w2=0.25", w[:, 1:], -g[:, 1:], lr)
    np.testing.assert_array_equal(grow, one_step("laborieux:m=0", w[:, 1:], -g[:, 1:], lr))


def test_delta_scales_only_growing_steps():
    w = np.array([[0.5, -0.5, 0.5, -0.5]], np.float32)
    g = np.array([[1.0, -1.0, -1.0, 1.0]], np.float32)  # steps -g: shrink, shrink, grow, grow
    base = "laborieux:m=2.5,fmeta=eq1,w1w2=0.25"
    ratio = (one_step(base + ",delta=3", w, g, 0.1) - w) / (one_step(base, w, g, 0.1) - w)
    np.testing.assert_allclose(ratio, [[1, 1, 3, 3]], rtol=3e-5)


def test_fmeta_on_all_scales_growing_steps_by_delta_times_eq1():
    # the other reading of the paper's rule: Eq. 1 on every step, delta on top for growing ones
    w = np.array([[0.5, -0.5, 0.5, -0.5, 0.25]], np.float32)
    g = np.array([[1.0, -1.0, -1.0, 1.0, -1.0]], np.float32)  # shrink, shrink, grow x3
    plain = one_step("laborieux:m=0", w, g, 0.1) - w
    base = "laborieux:m=2.5,fmeta=eq1,w1w2=0.25,delta=3"
    ratio = (one_step(base + ",fmeta_on=all", w, g, 0.1) - w) / plain
    np.testing.assert_allclose(ratio, [[0.625, 0.625, 1.875, 1.875, 2.4375]], rtol=3e-5)
    # the straight track (Eq. 1 at 1:1 is 1) is unchanged by it
    straight = "laborieux:m=2.5,fmeta=eq1,w1w2=1,delta=3"
    np.testing.assert_array_equal(
        one_step(straight + ",fmeta_on=all", w, g, 0.1), one_step(straight, w, g, 0.1)
    )
    # the device path takes it too, and the default text stays unchanged
    spec = parse_synapse_spec("trapezoid:fmeta_on=all")
    assert spec.fmeta_on == "all" and describe(spec).endswith("f_meta on every step, binarised)")
    assert "every step" not in describe(parse_synapse_spec("trapezoid"))
    for bad in ("trapezoid:fmeta_on=some", "laborieux:fmeta_on=grow"):
        with pytest.raises(ValueError, match="device: fmeta_on"):
            parse_synapse_spec(bad)


def test_clip_keeps_hidden_weights_within_one():
    rng = np.random.default_rng(2)
    w = rng.uniform(-1, 1, (20, 20)).astype(np.float32)
    g = -np.sign(w) * 5  # every step grows |W|, by lr * delta = 0.9 with delta 3
    spec = "laborieux:m=2.5,fmeta=eq1,w1w2=0.25,delta=3"
    unclipped = one_step(spec, w, g, lr=0.3)
    clipped = one_step(spec + ",clip=1", w, g, lr=0.3)
    assert np.max(np.abs(unclipped)) > 1.5
    assert np.max(np.abs(clipped)) <= 1.0
    np.testing.assert_array_equal(clipped, np.clip(unclipped, -1, 1))


LEVELS4 = np.linspace(-1, 1, 4).astype(np.float32)


@pytest.mark.slow  # ~30 s wall (compiling the stream program), loaded CPU
def test_levels_put_hidden_weights_on_the_grid_at_init_and_after_steps():
    specs = [parse_synapse_spec(s) for s in (RUNGS[-1], RUNGS[-2])]
    devs = stack_devices(specs, 1)
    program = StreamProgram.for_config(CFG, needs_rounding(specs))
    runs = program.init(devs, jnp.stack([jax.random.PRNGKey(0)] * 2))
    data = _synthetic_images(0)

    def off_grid(w):
        return np.min(np.abs(np.asarray(w)[..., None] - LEVELS4), axis=-1)

    for name in ("w0", "w1", "w2"):
        assert np.all(off_grid(runs["params"][name][0]) < 1e-6)  # levels=4: on the grid
        assert np.all(np.abs(runs["params"][name][1]) <= 0.05)  # float: +-0.05 as the control
    idx = jnp.asarray(np.stack([np.arange(200)] * 2), jnp.int32)
    runs, _ = program.train(1, runs, devs, idx, data)
    for name in ("w0", "w1", "w2"):
        # on the levels up to the float32 error of params + (new - params)
        assert np.all(off_grid(runs["params"][name][0]) < 1e-6)
        assert np.unique(np.asarray(runs["params"][name][1])).size > 100


def test_level_rounding_of_the_rule_is_unbiased():
    # one step from weights spread over [-1, 1], each repeated in 20 000 rows (independent
    # random numbers): the mean of the rounded weight is the clipped float weight of the
    # same step without levels.
    # Bernoulli between neighbouring levels: per element the mean is tested at 5 standard
    # errors (two-sided false-alarm rate 5.7e-7), over the 12 elements <= 7e-6 in all (the
    # 2^-16 grid of the random numbers biases a probability by <= 2^-17: 1000x smaller).
    rng = np.random.default_rng(4)
    n = 20_000
    w = np.tile(rng.uniform(-1, 1, (1, 12)).astype(np.float32), (n, 1))
    g = np.tile(rng.normal(0, 1, (1, 12)).astype(np.float32), (n, 1))
    lr = 0.2  # steps of 0.2-0.6: new weights fall between levels
    target = one_step(RUNGS[-2], w, g, lr=lr)[0]  # same rule, clip, no rounding
    raw = one_step(RUNGS[-1], w, g, lr=lr, key=jax.random.PRNGKey(7), quantized=True)
    # on the levels up to the float32 error of params + (new - params)
    nearest = np.argmin(np.abs(raw[..., None] - LEVELS4), axis=-1)
    draws = LEVELS4[nearest]
    assert np.max(np.abs(raw - draws)) < 1e-6
    for j, x in enumerate(target):
        lo, hi = LEVELS4[LEVELS4 <= x].max(), LEVELS4[LEVELS4 >= x].min()
        assert set(np.unique(draws[:, j])) <= {lo, hi}
        p = 0.0 if hi == lo else (x - lo) / (hi - lo)
        sem = (hi - lo) * np.sqrt(p * (1 - p) / n)
        assert abs(draws[:, j].mean() - x) <= 5 * sem + 1e-6
    # the test means something: most targets lie well between two levels
    assert np.sum(np.min(np.abs(target[:, None] - LEVELS4), axis=-1) > 0.05) >= 8


@pytest.mark.slow  # ~30 s wall (compiling the stream program), loaded CPU
def test_last_rung_without_weight_decay_is_the_trapezoid():
    # every switch on and wd=0: the same runs as the trapezoid preset (w1/w2 0.25, delta 3,
    # 4 levels) in the same program, same seed -> the same keys, weights and accuracies
    specs = [
        parse_synapse_spec("trapezoid"),
        parse_synapse_spec("laborieux:m=2.5,fmeta=eq1,w1w2=0.25,delta=3,clip=1,levels=4,wd=0"),
    ]
    cfg = StreamConfig(
        n_subsets=2, subset_size=200, epochs=2, n_seeds=1, full_data=False, hidden_width=32
    )
    devs = stack_devices(specs, 1)
    program = StreamProgram.for_config(cfg, True)  # run_stream below reuses it
    runs = program.init(devs, jnp.stack([jax.random.PRNGKey(0)] * 2))
    data = _synthetic_images(1)
    idx = jnp.asarray(np.stack([np.arange(200)] * 2), jnp.int32)
    runs, _ = program.train(2, runs, devs, idx, data)
    for name in ("w0", "w1", "w2"):
        w = np.asarray(runs["params"][name])
        np.testing.assert_array_equal(w[0], w[1])
    # run_stream with both: identical curves (same keys: run r uses seed r % n_seeds)
    res = run_stream(specs, _FakeData(*[np.asarray(a) for a in data]), cfg, progress=False)
    np.testing.assert_array_equal(res.stream_accuracy[0], res.stream_accuracy[1])


def test_non_binarised_control_on_32_levels_is_the_linear_synapse():
    # binarized=0 with the straight rule (Eq. 1 at 1:1, delta 1), clip, 32 levels and wd=0 is
    # the device path's linear synapse (Fig. 5b): same levels, keys and curves; with float
    # weights (no levels) it is the linear synapse's rounding-free control
    linear = "laborieux:m=2.5,fmeta=eq1,w1w2=1,delta=1,clip=1,binarized=0,wd=0"
    specs = [parse_synapse_spec(s) for s in ("linear:levels=32", linear + ",levels=32", linear)]
    assert not specs[1].binarized and specs[1].levels == 32
    assert describe(specs[2]).endswith("weight decay 0, non-binarised)")
    np.testing.assert_array_equal(
        np.asarray(specs[0].device.weight_levels), np.asarray(one_run(linear + ",levels=32").levels)
    )
    cfg = StreamConfig(
        n_subsets=2, subset_size=200, epochs=2, n_seeds=1, full_data=False, hidden_width=32
    )
    data = [np.asarray(a) for a in _synthetic_images(2)]
    res = run_stream(specs, _FakeData(*data), cfg, progress=False)
    np.testing.assert_array_equal(res.stream_accuracy[0], res.stream_accuracy[1])
    assert np.all(np.isfinite(res.stream_accuracy[2]))


class _FakeData:
    """Random images in the layout of nn.fashion_mnist.FashionMNIST."""

    def __init__(self, x_train, y_train, x_test, y_test):
        self.x_train, self.y_train, self.x_test, self.y_test = x_train, y_train, x_test, y_test
        self.source = "random"


def test_stored_ladder_locates_the_gap_in_the_4_level_rounding():
    """results/stream/ablation (5 seeds, 60 subsets, paired by seed): rung 5 (the paper's
    trapezoid rule, float hidden weights) ends at the paper's ~86 %; switching on the 4-level
    stochastic rounding (rung 6) costs > 2 points, resolved at 5 % false alarms; and rung 6
    equals the device path's trapezoid (no difference resolved): the pipeline reproduces the
    device, the rounding makes the gap."""
    from pathlib import Path

    from dwmtj.pipeline.report import paired_contrast
    from nn.stream import load_result

    root = Path(__file__).resolve().parents[1] / "results" / "stream"
    ladder = load_result(root / "ablation" / "rungs2-6_512x30" / "stream.h5")
    acc = 100 * np.asarray(ladder.stream_accuracy, float)[:, :, -1]
    rung5 = acc[ladder.labels.index("laborieux:m=2.5,fmeta=eq1,w1w2=0.25,delta=3,clip=1")]
    rung6 = acc[ladder.labels.index("laborieux:m=2.5,fmeta=eq1,w1w2=0.25,delta=3,clip=1,levels=4")]
    assert rung5.mean() > 85.5
    loss = paired_contrast(rung5, rung6)
    assert loss["resolved"] and loss["delta_pct"] > 2.0
    device = load_result(root / "full_60x30_5seeds" / "stream.h5")
    trapezoid = (
        100 * np.asarray(device.stream_accuracy, float)[device.labels.index("trapezoid"), :, -1]
    )
    assert not paired_contrast(rung6, trapezoid)["resolved"]
    assert abs(rung6.mean() - trapezoid.mean()) < 0.5
