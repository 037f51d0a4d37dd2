"""CrossSim-equivalent mapping of weights to DW-MTJ conductance pairs (nn.analog)."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from compact.presets import load_preset
from nn.analog import (
    CrossbarConfig,
    effective_weight,
    map_weights,
    program_conductances,
    program_network,
)
from nn.resnet import fold_batchnorm, init_resnet

G_MIN, G_MAX = 0.94e-3, 1.1e-3

# The forward pass is jitted once for the module (op-by-op execution of a ResNet is slow on
# CPU); programming stays eager (cheap element-wise work, and no recompilation per config).
run = eqx.filter_jit(lambda net, x, key=None: net(x, key))
program = program_network


def test_normalised_g_min_is_crosssims_0_8545():
    assert round(CrossbarConfig().g_min_norm, 4) == 0.8545


def test_mapping_matches_hand_computed_crosssim_formula():
    # 3-bit signed weights: each device has 2^(3-1) = 4 levels, magnitudes k/3.
    w = jnp.array([[0.8, -2.0], [0.3, 0.0], [-0.9, 1.5]], jnp.float32)
    m = map_weights(w, CrossbarConfig(bits=3))
    # By hand: max|W| = 2; |W|/2 * 3 = 1.2, 3, 0.45, 0, 1.35, 2.25 -> k = 1, 3, 0, 0, 1, 2.
    k = np.array([[1, -3], [0, 0], [-1, 2]])
    g_on = G_MIN + np.abs(k) / 3 * (G_MAX - G_MIN)  # 0.99333, 1.1, 0.94, 0.94, 0.99333, 1.04667 mS
    g_pos = np.where(k > 0, g_on, G_MIN)
    g_neg = np.where(k < 0, g_on, G_MIN)
    np.testing.assert_array_equal(np.asarray(m.level_index), k)
    # float32 conductances near 1 mS carry ~1e-10 S round-off.
    np.testing.assert_allclose(np.asarray(m.g_pos_S), g_pos, rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.asarray(m.g_neg_S), g_neg, rtol=0, atol=1e-9)
    np.testing.assert_allclose(float(m.g_pos_S[2, 1]), 1.046667e-3, atol=1e-9)
    # The pair computes the quantised weight: (G+ - G-)/(Gmax - Gmin) * max|W| = 2 k / 3.
    w_eff = effective_weight(m.g_pos_S, m.g_neg_S, m.scale, CrossbarConfig(bits=3))
    np.testing.assert_allclose(np.asarray(w_eff), 2.0 * k / 3, atol=1e-5)


def test_unquantised_mapping_in_normalised_units_is_crosssim_one_sided():
    # CrossSim one-sided: G+/Gmax = Gmin_norm + (1 - Gmin_norm) W_norm for W > 0, else Gmin_norm.
    w = jnp.array([0.5, -0.25, 1.0, -1.0, 0.0], jnp.float32)
    cfg = CrossbarConfig()
    m = map_weights(w, cfg)
    gmin_n = G_MIN / G_MAX
    expect_pos = np.where(w > 0, gmin_n + (1 - gmin_n) * np.asarray(w), gmin_n)
    expect_neg = np.where(w < 0, gmin_n - (1 - gmin_n) * np.asarray(w), gmin_n)
    np.testing.assert_allclose(np.asarray(m.g_pos_S) / G_MAX, expect_pos, atol=1e-6)
    np.testing.assert_allclose(np.asarray(m.g_neg_S) / G_MAX, expect_neg, atol=1e-6)


def test_device_levels_are_rescaled_into_range_and_used():
    dev = load_preset("straight")
    g = np.sort(np.asarray(dev.conductance_levels_S, dtype=float))
    cfg = CrossbarConfig(levels_S=tuple(g))
    allowed = G_MIN + (g - g[0]) / (g[-1] - g[0]) * (G_MAX - G_MIN)
    w = jax.random.normal(jax.random.PRNGKey(0), (400,), jnp.float32)
    m = map_weights(w, cfg)
    on = np.where(np.asarray(w) > 0, np.asarray(m.g_pos_S), np.asarray(m.g_neg_S))
    dist = np.min(np.abs(on[:, None] - allowed[None, :]), axis=1)
    assert dist.max() < 1e-9  # every device sits on one of the 5 rescaled measured levels
    assert len(np.unique(np.round(on * 1e9))) == 5  # and all 5 are used (non-uniform spacing)
    assert cfg.levels_per_device == 5
    with pytest.raises(ValueError, match="levels_S"):
        CrossbarConfig(bits=3, levels_S=tuple(g))


def test_write_noise_statistics_match_sigma_g():
    sigma = 2.53e-6
    cfg = CrossbarConfig(write_sigma_S=sigma)
    n = 200_000
    mid = jnp.full((n,), 1.02e-3, jnp.float32)  # 30 sigma from either bound: no clipping
    g = np.asarray(program_conductances(mid, jax.random.PRNGKey(1), cfg), dtype=float)
    d = g - 1.02e-3
    # Sample std of n normals has relative spread 1/sqrt(2n) = 0.16 %: 1 % is a 6-sigma bound;
    # the mean has spread sigma/sqrt(n) = 5.7 nS: 30 nS is 5 sigma.
    assert abs(d.std() / sigma - 1) < 0.01
    assert abs(d.mean()) < 30e-9
    # Devices at G_min are clipped to the range: the written value is G_min + max(0, sigma xi),
    # whose mean is sigma / sqrt(2 pi) and never below G_min.
    low = np.asarray(
        program_conductances(jnp.full((n,), G_MIN, jnp.float32), jax.random.PRNGKey(2), cfg),
        dtype=float,
    )
    assert low.min() >= np.float32(G_MIN)
    assert abs((low.mean() - G_MIN) / (sigma / np.sqrt(2 * np.pi)) - 1) < 0.02


@pytest.fixture(scope="module")
def small_net():
    model = eqx.filter_jit(init_resnet)(jax.random.PRNGKey(0), 8, 0.5, 10)  # one compile
    x = jax.random.normal(jax.random.PRNGKey(1), (8, 8, 8, 3), jnp.float32)
    step = eqx.filter_jit(lambda m, x: m(x, train=True)[1])
    for _ in range(2):  # non-trivial batch-norm statistics
        model = step(model, x)
    return fold_batchnorm(model), x


def test_large_n_and_no_noise_reproduce_the_digital_network(small_net):
    net, x = small_net
    digital = np.asarray(run(net, x))
    analog = np.asarray(run(program(net, jax.random.PRNGKey(3), CrossbarConfig(bits=24)), x))
    # float32 conductances near 1 mS have an ulp of 1.1e-10 S, i.e. 7e-7 of the 0.16 mS range
    # per weight; through 8 layers that is ~1e-5 of the logit scale: allow 1e-4.
    assert np.max(np.abs(analog - digital)) <= 1e-4 * np.max(np.abs(digital))


def test_quantisation_and_noise_change_the_outputs(small_net):
    net, x = small_net
    digital = np.asarray(run(net, x))
    scale = np.max(np.abs(digital))
    q3 = np.asarray(run(program(net, jax.random.PRNGKey(3), CrossbarConfig(bits=3)), x))
    # 3-bit weights (4 levels per device) move logits by a sizeable fraction of their scale.
    assert np.max(np.abs(q3 - digital)) > 0.02 * scale
    noisy = CrossbarConfig(bits=3, write_sigma_S=10 * 2.53e-6)
    a = np.asarray(run(program(net, jax.random.PRNGKey(4), noisy), x))
    b = np.asarray(run(program(net, jax.random.PRNGKey(5), noisy), x))
    assert np.max(np.abs(a - q3)) > 0.02 * scale  # write noise acts
    assert np.max(np.abs(a - b)) > 0.02 * scale  # and differs between programming draws
    # Read noise: a fresh draw per MVM, so the same programmed network gives different outputs.
    rd = program(net, jax.random.PRNGKey(3), CrossbarConfig(bits=3, read_sigma_S=5e-6))
    r1 = np.asarray(run(rd, x, jax.random.PRNGKey(6)))
    r2 = np.asarray(run(rd, x, jax.random.PRNGKey(7)))
    assert np.max(np.abs(r1 - r2)) > 0.01 * scale
    np.testing.assert_allclose(
        np.asarray(run(rd, x)), q3, atol=1e-5 * scale
    )  # no key: no read noise


def test_bad_configuration_is_rejected():
    with pytest.raises(ValueError, match="g_min_S"):
        CrossbarConfig(g_min_S=1.2e-3, g_max_S=1.1e-3)
    with pytest.raises(ValueError, match="bits"):
        CrossbarConfig(bits=0)
    with pytest.raises(ValueError, match="write_sigma_S"):
        CrossbarConfig(write_sigma_S=-1e-6)
