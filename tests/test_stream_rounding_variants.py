"""The rounding variants of issue 18, step 2 (``grid=``, ``round=``, ``zero=`` of a device spec):
they parse and validate, the grids hold the documented levels, a weight at 0 reads as
documented, late writes keep the hidden weights float until the device is written and then
put them exactly on the grid, the rounding is unbiased, and ``round=step`` is the existing
behaviour bit for bit."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from nn import bnn
from nn.stream import (
    StreamConfig,
    StreamProgram,
    _levels_of,
    _optimizer,
    _write_to_levels,
    describe,
    needs_late_writes,
    needs_zero_reads,
    parse_synapse_spec,
    stack_devices,
    weight_grid,
)

#: rung 6 of the ablation ladder: the paper's trapezoid rule in the control's spec language
T = "laborieux:m=2.5,fmeta=eq1,w1w2=0.25,delta=3,clip=1,levels=4"
#: rung 5: the same rule with float hidden weights (clip, no rounding)
R5 = "laborieux:m=2.5,fmeta=eq1,w1w2=0.25,delta=3,clip=1"


def one_run(spec: str):
    """The stacked device parameters of one run of ``spec`` (leading axis removed)."""
    return jax.tree.map(lambda a: a[0], stack_devices([parse_synapse_spec(spec)], 1))


@functools.partial(jax.jit, static_argnames=("lr", "late"))
def _step(dev, key, w, g, lr: float, late: bool):
    tx = _optimizer(StreamConfig(learning_rate=lr), dev, key, True, late)
    params = {"w": w}
    updates, _ = tx.update({"w": g}, tx.init(params), params)
    return params["w"] + updates["w"]


def one_step(spec: str, w, g, lr: float = 0.2, late: bool = False):
    """One update of the stream program's rule for ``spec`` from a fresh state; new weights."""
    f32 = jnp.float32
    dev = one_run(spec)
    return np.asarray(
        _step(dev, jax.random.PRNGKey(3), jnp.asarray(w, f32), jnp.asarray(g, f32), lr, late)
    )


# --------------------------------------------------------------------------------------------
# Parsing and validation
# --------------------------------------------------------------------------------------------
def test_variant_options_parse_for_the_control_and_the_device_path():
    s = parse_synapse_spec(T + ",grid=zero,round=subset,zero=pm")
    assert (s.levels, s.grid, s.write, s.zero) == (4, "zero", "subset", "pm")
    assert describe(s).endswith(
        "7 levels (4 magnitudes per sign with zero), rounded only at each subset's end, "
        "a weight at 0 read as a fixed +-1, clipped to [-1, 1], weight decay 1e-07, binarised)"
    )
    d = parse_synapse_spec("trapezoid:grid=magnitude,levels=4,round=epoch")
    assert (d.grid, d.write, d.zero, d.device.n_levels) == ("magnitude", "epoch", "0", 8)
    assert "8 levels (4 magnitudes per sign, no zero), rounded only at each epoch's end" in (
        describe(d)
    )
    # the defaults are the paper's reading, and spelling them out changes nothing but the label
    for base in (T, "trapezoid"):
        plain = parse_synapse_spec(base)
        explicit = parse_synapse_spec(
            base + ("," if ":" in base else ":") + "grid=uniform,round=step,zero=0"
        )
        assert (plain.grid, plain.write, plain.zero) == ("uniform", "step", "0")
        assert describe(explicit) == describe(plain).replace(base, explicit.label, 1)
        assert not needs_late_writes([plain, explicit]) and not needs_zero_reads([explicit])
    assert needs_late_writes([parse_synapse_spec(T + ",round=subset")])
    assert needs_zero_reads([parse_synapse_spec("straight:levels=5,zero=pm")])


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (T + ",grid=ternary", "grid"),
        (T + ",round=never", "round"),
        (T + ",zero=1", "zero"),
        (T + ",zero=pm", "zero"),  # the 4-level grid has no level at 0
        (R5 + ",grid=zero", "grid"),  # a grid needs levels=N
        (R5 + ",round=subset", "round"),  # float weights are never rounded
        ("laborieux:levels=1,grid=zero", "levels"),
        ("laborieux:levels=0,grid=magnitude", "levels"),
        ("trapezoid:grid=zero", "grid"),  # the device path also needs levels=N with a grid
        ("trapezoid:grid=magnitude,levels=0", "levels"),
        ("trapezoid:round=always", "round"),
        ("trapezoid:zero=pm", "zero"),
        ("trapezoid:levels=4,grid=bad", "grid"),
    ],
)
def test_bad_variant_options_raise_one_line_errors_naming_the_field(spec, field):
    with pytest.raises(ValueError, match=rf"^device: {field}\b") as err:
        parse_synapse_spec(spec)
    assert "\n" not in str(err.value)


# --------------------------------------------------------------------------------------------
# The grids
# --------------------------------------------------------------------------------------------
def test_the_grids_hold_the_documented_levels():
    # uniform: the paper's reading, unchanged (the trapezoid preset's levels exactly)
    np.testing.assert_array_equal(
        weight_grid(4), np.asarray(parse_synapse_spec("trapezoid").device.weight_levels)
    )
    # 4 magnitude levels per sign: {+-1/4, +-1/2, +-3/4, +-1}, no zero, steps of 1/4 except
    # across zero (1/2)
    mag = weight_grid(4, "magnitude")
    np.testing.assert_array_equal(mag, np.array([-4, -3, -2, -1, 1, 2, 3, 4], np.float32) / 4)
    assert not np.any(mag == 0)
    # the zero grid: {0, +-1/3, +-2/3, +-1}, the uniform 7-level grid to the bit
    zero = weight_grid(4, "zero")
    assert zero.size == 7 and np.sum(zero == 0) == 1
    np.testing.assert_array_equal(zero, weight_grid(7))
    np.testing.assert_allclose(zero, np.arange(-3, 4) / 3, atol=6e-8)
    # the control and the device path build the same grids
    for grid in ("magnitude", "zero"):
        c = _levels_of(parse_synapse_spec(f"{T},grid={grid}"))
        d = _levels_of(parse_synapse_spec(f"trapezoid:grid={grid},levels=4"))
        np.testing.assert_array_equal(c, d)
        np.testing.assert_array_equal(c, weight_grid(4, grid))
    # in the program every run's levels are padded with its top level to a common length
    devs = stack_devices([parse_synapse_spec(T), parse_synapse_spec(T + ",grid=magnitude")], 1)
    np.testing.assert_array_equal(np.asarray(devs.levels[0]), [*weight_grid(4), 1, 1, 1, 1])
    np.testing.assert_array_equal(np.asarray(devs.levels[1]), mag)


# --------------------------------------------------------------------------------------------
# The forward weight of a weight at 0
# --------------------------------------------------------------------------------------------
def _tiny_net(seed: int = 0):
    sizes = (784, 64, 32, 10)
    params = bnn.init_params(jax.random.PRNGKey(seed), 0.1, sizes)
    # a third of the hidden weights exactly at 0 (the zero level)
    rng = np.random.default_rng(seed)
    params = {
        k: jnp.where(jnp.asarray(rng.random(v.shape) < 1 / 3), 0.0, v) for k, v in params.items()
    }
    x = jnp.asarray(rng.random((50, 784)), jnp.float32)
    y = jnp.asarray(rng.integers(0, 10, 50), jnp.int32)
    return params, bnn.init_bn_state(sizes), x, y


def test_a_weight_at_zero_reads_as_zero_by_default_and_as_a_fixed_sign_with_zero_pm():
    params, bn, x, y = _tiny_net()
    assert all(np.mean(np.asarray(p) == 0) > 0.3 for p in params.values())
    ref, _ = bnn.forward(params, bn, x, train=True)
    # zero=0 (and no zero_weight at all): sign(0) = 0, the weight adds nothing
    off, _ = bnn.forward(params, bn, x, train=True, zero_weight=0.0)
    np.testing.assert_array_equal(np.asarray(off), np.asarray(ref))
    # zero=pm: each weight at 0 reads as its synapse's fixed +-1, the same as a hidden weight
    # of that sign
    ties = {f"w{i}": bnn.zero_tie_signs(i, params[f"w{i}"].shape) for i in range(3)}
    swapped = {k: jnp.where(v == 0, ties[k], v) for k, v in params.items()}
    on, _ = bnn.forward(params, bn, x, train=True, zero_weight=1.0)
    np.testing.assert_array_equal(
        np.asarray(on), np.asarray(bnn.forward(swapped, bn, x, train=True)[0])
    )
    assert not np.array_equal(np.asarray(on), np.asarray(ref))
    # the straight-through gradient reaches the weights at 0 as if they were +-1 weights
    g_on = jax.grad(lambda p: bnn.loss_and_state(p, bn, x, y, zero_weight=1.0)[0])(params)
    g_sw = jax.grad(lambda p: bnn.loss_and_state(p, bn, x, y)[0])(swapped)
    for k in params:
        np.testing.assert_array_equal(np.asarray(g_on[k]), np.asarray(g_sw[k]))
    # the ties are fixed (a property of the synapse) and unbiased: about half +1
    big = bnn.zero_tie_signs(0, (784, 512))
    np.testing.assert_array_equal(big, bnn.zero_tie_signs(0, (784, 512)))
    assert set(np.unique(big)) == {-1.0, 1.0}
    # binomial(401 408, 1/2): the mean's standard deviation is 1.6e-3; 0.01 is 6 of them
    assert abs(big.mean()) < 0.01
    assert not np.array_equal(bnn.zero_tie_signs(1, (64, 64)), bnn.zero_tie_signs(2, (64, 64)))


# --------------------------------------------------------------------------------------------
# Rounding only when the device is written
# --------------------------------------------------------------------------------------------
def test_a_late_writing_run_takes_float_steps_and_round_step_is_unchanged():
    rng = np.random.default_rng(1)
    w = weight_grid(4)[rng.integers(0, 4, (8, 9))]  # on the grid, as a written device
    g = rng.normal(0, 1, (8, 9)).astype(np.float32)
    # round=subset: the step is the float step of the same rule (rung 5), off the grid
    late = one_step(T + ",round=subset", w, g, late=True)
    np.testing.assert_array_equal(late, one_step(R5, w, g, late=True))
    assert np.mean(np.min(np.abs(late[..., None] - weight_grid(4)), axis=-1) > 0.01) > 0.5
    # round=step: bit for bit the program without late writes
    for spec in (T, T + ",round=step"):
        np.testing.assert_array_equal(one_step(spec, w, g, late=True), one_step(T, w, g))


def test_the_rounding_at_a_write_is_unbiased_and_touches_only_its_runs():
    # 12 weights spread over [-1, 1], each repeated in 20 000 rows (independent random
    # numbers), rounded at a subset's end onto the magnitude grid. Per element the mean is
    # tested at 5 standard errors of the Bernoulli between neighbouring levels (two-sided
    # false-alarm rate 5.7e-7), over the 12 elements <= 7e-6 in all (the 2^-16 grid of the
    # random numbers biases a probability by <= 2^-17: ~1000x smaller than the tolerance).
    specs = [parse_synapse_spec(s) for s in (T + ",grid=magnitude,round=subset", T, R5)]
    devs = stack_devices(specs, 1)
    n = 20_000
    rng = np.random.default_rng(5)
    x = np.tile(rng.uniform(-1, 1, (1, 12)).astype(np.float32), (n, 1))
    params = {"w0": jnp.asarray(np.stack([x] * 3))}
    cfg = StreamConfig()
    write = jax.jit(
        jax.vmap(lambda p, d, k: _write_to_levels(cfg, p, d, k, 2), in_axes=(0, 0, None))
    )
    out = np.asarray(write(params, devs, jax.random.PRNGKey(11))["w0"])
    grid = weight_grid(4, "magnitude")
    draws = out[0]
    assert np.all(np.isin(draws, grid))  # exactly on the grid
    for j, xj in enumerate(x[0]):
        lo, hi = grid[grid <= xj].max(), grid[grid >= xj].min()
        assert set(np.unique(draws[:, j])) <= {lo, hi}
        p = 0.0 if hi == lo else (xj - lo) / (hi - lo)
        sem = (hi - lo) * np.sqrt(p * (1 - p) / n)
        assert abs(draws[:, j].mean() - xj) <= 5 * sem + 1e-6
    # the test means something: most weights lie well between two levels
    assert np.sum(np.min(np.abs(x[0][:, None] - grid), axis=-1) > 0.05) >= 8
    # runs that round at every step (T) or never (R5) are not touched at a subset's end
    np.testing.assert_array_equal(out[1], x)
    np.testing.assert_array_equal(out[2], x)
    # --deterministic-rounding: the nearest level
    det = StreamConfig(stochastic_rounding=False)
    nearest = jax.jit(jax.vmap(lambda p, d: _write_to_levels(det, p, d, jax.random.PRNGKey(0), 2)))
    got = np.asarray(nearest({"w0": jnp.asarray(np.stack([x[:1]] * 3))}, devs)["w0"][0, 0])
    want = grid[np.argmin(np.abs(x[0][:, None] - grid), axis=-1)]
    np.testing.assert_array_equal(got, want)


def _synthetic_images(seed: int) -> tuple:
    """400 training and 1000 test images (uint8 pixels, labels 0-9) of random noise."""
    rng = np.random.default_rng(seed)
    return (
        jnp.asarray(rng.integers(0, 256, (400, 784), dtype=np.uint8)),
        jnp.asarray(rng.integers(0, 10, 400, dtype=np.int32)),
        jnp.asarray(rng.integers(0, 256, (1000, 784), dtype=np.uint8)),
        jnp.asarray(rng.integers(0, 10, 1000, dtype=np.int32)),
    )


@pytest.mark.slow  # two stream programs compiled: ~40-60 s wall on the loaded 2-core CPU
def test_round_subset_stays_float_within_a_subset_and_round_step_is_bit_for_bit():
    cfg = StreamConfig(
        n_subsets=2, subset_size=200, epochs=2, n_seeds=1, full_data=False, hidden_width=16
    )
    labels = [
        T,
        T + ",round=step",
        T + ",round=subset",
        R5,
        T + ",round=epoch",
        T + ",grid=zero,zero=pm",
    ]
    specs = [parse_synapse_spec(s) for s in labels]
    data = _synthetic_images(2)
    keys = jnp.stack([jax.random.PRNGKey(0)] * len(specs))
    # the program of the paper's reading (no variants compiled in), with rung 6 alone
    plain = StreamProgram.for_specs(cfg, specs[:1])
    assert not plain.late_writes and not plain.zero_reads
    devs_a = stack_devices(specs[:1], 1)
    runs_a = plain.init(devs_a, keys[:1])
    # the program with every variant
    program = StreamProgram.for_specs(cfg, specs)
    assert program.late_writes and program.zero_reads
    devs = stack_devices(specs, 1)
    runs = program.init(devs, keys)
    names = ("w0", "w1", "w2")
    # the float run (rung 5) starts from the round=subset run's initial (written) weights
    for name in names:
        runs["params"][name] = runs["params"][name].at[3].set(runs["params"][name][2])
    for k in range(cfg.n_subsets):
        idx = jnp.asarray(np.stack([np.arange(200 * k, 200 * (k + 1))] * len(specs)), jnp.int32)
        runs_a, _ = plain.train(cfg.epochs, runs_a, devs_a, idx[:1], data)
        runs, _ = program.train(cfg.epochs, runs, devs, idx, data)
        acc_a = np.asarray(plain.evaluate(runs_a, devs_a, data[2], data[3]))
        acc = np.asarray(program.evaluate(runs, devs, data[2], data[3]))
        for name in names:
            w = np.asarray(runs["params"][name])
            # round=step and the default: bit for bit the program without the variants
            np.testing.assert_array_equal(w[0], np.asarray(runs_a["params"][name][0]))
            np.testing.assert_array_equal(w[1], w[0])
            # round=subset: exactly on the grid at the subset's end, next to the float run's
            # weight (the two took the same float steps through the subset)
            grid = weight_grid(4)
            assert np.all(np.isin(w[2], grid))
            lo = np.max(np.where(grid <= w[3][..., None], grid, -np.inf), axis=-1)
            hi = np.min(np.where(grid >= w[3][..., None], grid, np.inf), axis=-1)
            assert np.all((w[2] == lo) | (w[2] == hi))
            assert np.mean(np.min(np.abs(w[3][..., None] - grid), axis=-1) > 1e-3) > 0.5
            assert np.all(np.isin(w[4], grid))  # round=epoch: on the grid at the end too
            # rounded at every step: on the grid up to the float32 error of p + (new - p)
            zero_grid = weight_grid(4, "zero")
            assert np.all(np.min(np.abs(w[5][..., None] - zero_grid), axis=-1) < 1e-6)
        np.testing.assert_array_equal(acc[:2], [acc_a[0]] * 2)
        # from subset 2 on the float run starts from its own float weights: re-pair them
        for name in names:
            runs["params"][name] = runs["params"][name].at[3].set(runs["params"][name][2])
    # the zero grid puts weights at 0 (which read as +-1 with zero=pm)
    assert np.mean(np.asarray(runs["params"]["w1"][5]) == 0) > 0.05
