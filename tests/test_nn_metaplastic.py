"""The metaplastic Adam rule: reference transcription, Eq. 1, clipping and rounding."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from compact.presets import load_preset
from nn.metaplastic import (
    f_meta,
    f_meta_tanh,
    laborieux_adam_meta,
    metaplastic_adam,
    metaplastic_adam_for_device,
    round_to_levels,
)


def reference_adam_meta_numpy(
    params, grads_per_step, lr, w1_over_w2, delta, b1=0.9, b2=0.999, eps=1e-8
):
    """Direct numpy transcription of Laborieux et al.'s Adam_meta.step (model_utils.py), with
    the tanh factor replaced by Eq. 1 and ``delta`` on growing steps, then the clip to [-1, 1]
    of Leonard et al. (no rounding)."""
    p = {k: np.array(v, np.float64) for k, v in params.items()}
    exp_avg = {k: np.zeros_like(v) for k, v in p.items()}
    exp_avg_sq = {k: np.zeros_like(v) for k, v in p.items()}
    for step, grads in enumerate(grads_per_step, start=1):
        for k in p:
            g = np.asarray(grads[k], np.float64)
            exp_avg[k] = b1 * exp_avg[k] + (1 - b1) * g
            exp_avg_sq[k] = b2 * exp_avg_sq[k] + (1 - b2) * g * g
            denom = np.sqrt(exp_avg_sq[k]) + eps
            step_size = lr * np.sqrt(1 - b2**step) / (1 - b1**step)
            if p[k].ndim == 1:
                p[k] = p[k] - step_size * exp_avg[k] / denom
            else:
                consolidation = np.sign(p[k]) * exp_avg[k] > 0.0
                fm = (1 - np.abs(p[k])) * (1 - w1_over_w2) + w1_over_w2
                scaled = np.where(consolidation, fm * exp_avg[k], delta * exp_avg[k])
                p[k] = np.clip(p[k] - step_size * scaled / denom, -1.0, 1.0)
    return p, exp_avg, exp_avg_sq


@jax.jit
def _unquantised_step(grads, state, params, w1_over_w2, delta):
    # device parameters as traced arguments: one compilation serves every parametrisation
    tx = metaplastic_adam(0.05, w1_over_w2=w1_over_w2, delta=delta, weight_levels=None)
    return tx.update(grads, state, params)


@pytest.mark.parametrize(("w1_over_w2", "delta"), [(0.25, 3.0), (1.0, 1.0), (0.5, 2.0)])
def test_update_matches_numpy_transcription_of_reference(w1_over_w2, delta):
    rng = np.random.default_rng(1)
    params = {
        "w": rng.uniform(-1, 1, (7, 5)).astype(np.float32),
        "bias": rng.normal(0, 1, 5).astype(np.float32),
    }
    # gradients of order 1 with a sign-persistent part, so that weights reach the clip
    drift = rng.normal(0, 1, (7, 5))
    grads = [
        {
            "w": (drift + rng.normal(0, 1, (7, 5))).astype(np.float32),
            "bias": rng.normal(0, 1, 5).astype(np.float32),
        }
        for _ in range(25)
    ]
    lr = 0.05
    tx = metaplastic_adam(lr, w1_over_w2=w1_over_w2, delta=delta, weight_levels=None)
    p = jax.tree.map(jnp.asarray, params)
    state = tx.init(p)
    for g in grads:
        updates, state = _unquantised_step(
            jax.tree.map(jnp.asarray, g), state, p, w1_over_w2, delta
        )
        p = optax.apply_updates(p, updates)
    ref_p, ref_m, ref_v = reference_adam_meta_numpy(params, grads, lr, w1_over_w2, delta)
    # float32 arithmetic vs float64 over 25 steps: relative error ~1e-6; 1e-5 leaves margin
    # yet is 1000x smaller than the smallest metaplastic factor difference tested (0.25 vs 1)
    np.testing.assert_allclose(np.asarray(p["w"]), ref_p["w"], rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(np.asarray(p["bias"]), ref_p["bias"], rtol=1e-5, atol=2e-6)
    # the stored moments are the plain Adam moments (never attenuated)
    np.testing.assert_allclose(np.asarray(state.mu["w"]), ref_m["w"], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(np.asarray(state.nu["w"]), ref_v["w"], rtol=1e-5, atol=1e-7)
    assert np.any(np.abs(ref_p["w"]) == 1.0), "the test should exercise the clip"


def test_metaplastic_factor_and_delta_scale_the_step():
    # one step from a state with a known first moment: shrinking steps are scaled by f_meta,
    # growing ones by delta, relative to plain Adam (w1/w2 = 1, delta = 1)
    w = jnp.array([[0.5, -0.5, 0.5, -0.5]], jnp.float32)
    g = jnp.array([[1.0, -1.0, -1.0, 1.0]], jnp.float32)  # steps -g: shrink, shrink, grow, grow
    plain = metaplastic_adam(0.01, w1_over_w2=1.0, delta=1.0, weight_levels=None)
    meta = metaplastic_adam(0.01, w1_over_w2=0.25, delta=3.0, weight_levels=None)
    u_plain, _ = plain.update({"w": g}, plain.init({"w": w}), {"w": w})
    u_meta, _ = meta.update({"w": g}, meta.init({"w": w}), {"w": w})
    ratio = np.asarray(u_meta["w"] / u_plain["w"])[0]
    # f_meta(0.5) = 0.625 for 1:4; float32 rounding of the step only
    np.testing.assert_allclose(ratio, [0.625, 0.625, 3.0, 3.0], rtol=1e-5)


def test_f_meta_eq1_values_for_trapezoid_1_to_4():
    device = load_preset("trapezoid")
    values = np.asarray(f_meta(jnp.array([0.0, 0.5, 1.0, -0.5, -1.0]), device.w1_over_w2))
    # exact binary fractions: float32 represents them exactly
    np.testing.assert_allclose(values, [1.0, 0.625, 0.25, 0.625, 0.25], rtol=0, atol=1e-7)
    assert np.allclose(np.asarray(f_meta(jnp.linspace(-1, 1, 9), 1.0)), 1.0)  # straight track


NONUNIFORM = jnp.array([-1.0, -0.6, 0.1, 0.3, 1.0], jnp.float32)


@pytest.mark.parametrize("levels", [jnp.linspace(-1.0, 1.0, 4), NONUNIFORM])
def test_stochastic_rounding_is_unbiased_and_lands_on_levels(levels):
    x = jnp.array([-1.0, -0.95, -0.7, -0.2, 0.0, 0.12, 0.29, 0.5, 0.99, 1.0], jnp.float32)
    n = 40_000
    samples = round_to_levels(jnp.broadcast_to(x, (n, x.size)), levels, jax.random.PRNGKey(3))
    samples = np.asarray(samples)
    # compare in the dtype the rule computes in (float32), whatever JAX's x64 flag is
    lv = np.asarray(levels, dtype=samples.dtype)
    assert np.all(np.isin(samples, lv)), "rounded values must be device levels"
    # each value lands only on its two neighbouring levels
    for j, xj in enumerate(np.asarray(x)):
        lo = lv[lv <= xj].max()
        hi = lv[lv >= xj].min()
        assert set(np.unique(samples[:, j])) <= {lo, hi}
        # unbiased: mean within 5 standard errors (Bernoulli between lo and hi)
        p = 0.0 if hi == lo else (xj - lo) / (hi - lo)
        sem = (hi - lo) * np.sqrt(p * (1 - p) / n)
        assert abs(samples[:, j].mean() - xj) <= 5 * sem + 1e-6


def test_nearest_rounding_is_deterministic_and_padded_levels_work():
    padded = jnp.concatenate([NONUNIFORM, jnp.array([1.0, 1.0], jnp.float32)])
    x = jnp.array([-0.85, -0.75, 0.15, 0.25, 0.7, 1.0, 3.0, -3.0], jnp.float32)
    out = np.asarray(round_to_levels(x, padded, None))
    expected = np.array([-1.0, -0.6, 0.1, 0.3, 1.0, 1.0, 1.0, -1.0], np.float32)
    np.testing.assert_array_equal(out, expected)


def test_transformation_clips_rounds_hidden_weights_and_not_1d_params():
    device = load_preset("trapezoid").with_uniform_levels(8)
    tx = metaplastic_adam_for_device(device, 0.3, key=jax.random.PRNGKey(0))
    rng = np.random.default_rng(0)
    params = {
        "w": jnp.asarray(rng.uniform(-1, 1, (64, 32)), jnp.float32),
        "scale": jnp.asarray(rng.normal(0, 1, 32), jnp.float32),
    }
    state = tx.init(params)
    step = jax.jit(tx.update)
    for _ in range(5):
        grads = {
            "w": jnp.asarray(rng.normal(0, 1, (64, 32)), jnp.float32),
            "scale": jnp.asarray(rng.normal(0, 1, 32), jnp.float32),
        }
        updates, state = step(grads, state, params)
        params = optax.apply_updates(params, updates)
    w = np.asarray(params["w"])
    levels = np.asarray(device.weight_levels)
    distance = np.abs(w[..., None] - levels).min(axis=-1)
    assert distance.max() < 1e-6  # on a level up to float32 round-off of p + (level - p)
    assert np.abs(w).max() <= 1.0 + 1e-6
    s = np.asarray(params["scale"])
    assert np.abs(s[..., None] - levels).min(axis=-1).max() > 1e-3  # 1-D: not quantised


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="key"):
        metaplastic_adam(0.01, w1_over_w2=0.25, delta=3.0, weight_levels=jnp.zeros(3))
    tx = metaplastic_adam(0.01, w1_over_w2=0.25, delta=3.0, weight_levels=None)
    p = {"w": jnp.zeros((2, 2))}
    with pytest.raises(ValueError, match="params"):
        tx.update(p, tx.init(p))


def test_deterministic_rounding_option_needs_no_key_and_picks_nearest_level():
    levels = jnp.linspace(-1.0, 1.0, 4)
    tx = metaplastic_adam(
        0.01, w1_over_w2=0.25, delta=3.0, weight_levels=levels, stochastic_rounding=False
    )
    w = jnp.array([[1 / 3, -1 / 3, 1.0, -1.0]], jnp.float32)
    g = jnp.array([[1.0, 1.0, -1.0, 1.0]], jnp.float32)
    # Adam's first step moves every weight by lr * factor <= 0.03: far less than half the
    # level spacing (1/3), so nearest rounding returns each weight to its level
    u, _ = tx.update({"w": g}, tx.init({"w": w}), {"w": w})
    np.testing.assert_allclose(np.asarray(w + u["w"]), np.asarray(w), atol=1e-6)
    big = metaplastic_adam(
        0.4, w1_over_w2=1.0, delta=1.0, weight_levels=levels, stochastic_rounding=False
    )
    u, _ = big.update({"w": g}, big.init({"w": w}), {"w": w})
    # a step of 0.4 from 1/3 lands at -0.067, nearest level -1/3; from -1/3 at -0.733 -> -1
    np.testing.assert_allclose(np.asarray(w + u["w"])[0, :2], [-1 / 3, -1.0], atol=1e-6)


def authors_adam_meta_numpy(
    params, grads_per_step, lr, meta, weight_decay, b1=0.9, b2=0.999, eps=1e-8
):
    """Numpy transcription, written for this test from reading it, of ``Adam_meta.step`` in
    Laborieux-Axel/SynapticMetaplasticityBNN, Stream_Learning_FMNIST_Fig-4a/model_utils.py:
    weight decay added to the gradient, PyTorch moments, step size in double precision,
    ``sign(p) * exp_avg > 0`` selects ``(1 - tanh^2(meta |p|)) * exp_avg``, 1-D parameters
    plain. In float32 like their tensors; no clipping, no rounding."""
    f32 = np.float32
    p = {k: np.array(v, f32) for k, v in params.items()}
    exp_avg = {k: np.zeros_like(v) for k, v in p.items()}
    exp_avg_sq = {k: np.zeros_like(v) for k, v in p.items()}
    for step, grads in enumerate(grads_per_step, start=1):
        for k in p:
            grad = np.asarray(grads[k], f32) + f32(weight_decay) * p[k]
            exp_avg[k] = f32(b1) * exp_avg[k] + f32(1 - b1) * grad
            exp_avg_sq[k] = f32(b2) * exp_avg_sq[k] + f32(1 - b2) * grad * grad
            denom = np.sqrt(exp_avg_sq[k]) + f32(eps)
            bias_correction1 = 1 - b1**step
            bias_correction2 = 1 - b2**step
            step_size = lr * math.sqrt(bias_correction2) / bias_correction1  # python float
            if p[k].ndim == 1:
                p[k] = p[k] - f32(step_size) * exp_avg[k] / denom
            else:
                consolidation = np.sign(p[k]) * exp_avg[k] > 0.0
                decayed = (1 - np.tanh(f32(meta) * np.abs(p[k])) ** 2) * exp_avg[k]
                p[k] = p[k] - f32(step_size) * np.where(consolidation, decayed, exp_avg[k]) / denom
    return p, exp_avg, exp_avg_sq


@pytest.mark.parametrize(("meta", "weight_decay"), [(2.5, 1e-7), (0.0, 1e-7), (1.3, 1e-2)])
def test_laborieux_control_matches_numpy_transcription_of_authors_step(meta, weight_decay):
    rng = np.random.default_rng(3)
    # weights over +-2 (no clip in the control) so that tanh^2(meta |W|) spans (0, 1), one
    # exact zero (sign 0: never consolidated), and a 1-D parameter (plain Adam)
    w0 = rng.uniform(-2, 2, (9, 6)).astype(np.float32)
    w0[0, 0] = 0.0
    params = {"w": w0, "bias": rng.normal(0, 1, 6).astype(np.float32)}
    drift = rng.normal(0, 1, (9, 6))
    grads = [
        {
            "w": (drift + rng.normal(0, 1, (9, 6))).astype(np.float32),
            "bias": rng.normal(0, 1, 6).astype(np.float32),
        }
        for _ in range(30)
    ]
    lr = 0.05
    tx = laborieux_adam_meta(lr, meta=meta, weight_decay=weight_decay)
    step = jax.jit(lambda g, s, p: tx.update(g, s, p))
    p = jax.tree.map(jnp.asarray, params)
    state = tx.init(p)
    for g in grads:
        updates, state = step(jax.tree.map(jnp.asarray, g), state, p)
        p = optax.apply_updates(p, updates)
    ref_p, ref_m, ref_v = authors_adam_meta_numpy(params, grads, lr, meta, weight_decay)
    np.testing.assert_allclose(np.asarray(p["w"]), ref_p["w"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.asarray(p["bias"]), ref_p["bias"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.asarray(state.mu["w"]), ref_m["w"], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.asarray(state.nu["w"]), ref_v["w"], rtol=1e-6, atol=1e-7)
    assert np.max(np.abs(ref_p["w"])) > 1.0, "no clipping: weights leave [-1, 1]"
    # the tanh^2 factor matters for these weights (it is not plain Adam) unless meta = 0
    plain, _, _ = authors_adam_meta_numpy(params, grads, lr, 0.0, weight_decay)
    assert (np.max(np.abs(plain["w"] - ref_p["w"])) > 1e-2) == (meta > 0)


def test_f_meta_tanh_values():
    w = jnp.array([0.0, 0.5, -1.0, 3.0], jnp.float32)
    np.testing.assert_allclose(
        np.asarray(f_meta_tanh(w, 2.5)), 1 - np.tanh(2.5 * np.abs(np.asarray(w))) ** 2, atol=1e-6
    )
    np.testing.assert_array_equal(np.asarray(f_meta_tanh(w, 0.0)), np.ones(4, np.float32))
