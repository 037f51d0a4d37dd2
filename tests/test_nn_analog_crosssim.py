"""nn.analog against numbers recorded once from CrossSim 3.2.0's own core.

``tests/data/crosssim_reference.json`` was made by ``tests/data/make_crosssim_reference.py``
(run outside the repository against a local copy of sandialabs/cross-sim; CrossSim is not a
dependency). Conductances there are in CrossSim's normalised units ``G / G_max``.
"""

from __future__ import annotations

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from nn.analog import (
    CrossbarConfig,
    effective_weight,
    map_weights,
    program_conductances,
    sigma_in_all_norms,
    sigma_to_siemens,
)

REF = json.loads((Path(__file__).parent / "data" / "crosssim_reference.json").read_text())
G_MIN, G_MAX = REF["g_min_S"], REF["g_max_S"]


def _bits(cell_bits: int) -> int | None:
    # CrossSim's cell_bits c: 2^c conductance levels per device = our N = c + 1 signed bits
    return None if cell_bits == 0 else cell_bits + 1


@pytest.mark.parametrize("case", REF["noiseless"], ids=lambda c: f"cell_bits={c['cell_bits']}")
def test_noiseless_mapping_matches_crosssim(case):
    w = np.asarray(REF["weights"], np.float32)
    cfg = CrossbarConfig(g_min_S=G_MIN, g_max_S=G_MAX, bits=_bits(case["cell_bits"]))
    m = map_weights(jnp.asarray(w), cfg)
    np.testing.assert_allclose(np.asarray(m.g_pos_S) / G_MAX, case["g_pos_norm"], atol=2e-6)
    np.testing.assert_allclose(np.asarray(m.g_neg_S) / G_MAX, case["g_neg_norm"], atol=2e-6)
    w_eff = np.asarray(effective_weight(m.g_pos_S, m.g_neg_S, m.scale, cfg))
    # CrossSim's effective matrix (get_matrix) is in weight units, as ours
    np.testing.assert_allclose(w_eff, case["matrix"], atol=2e-5)
    np.testing.assert_allclose(w_eff @ np.asarray(REF["x"]), case["mvm"], atol=5e-5)


@pytest.mark.parametrize(
    "case", REF["programming_error"], ids=lambda c: f"clip={c['clip_conductance']}"
)
def test_programming_error_statistics_match_crosssim(case):
    # CrossSim 3.x's magnitude is relative to G_max: the same noise in S is magnitude * G_max
    w = np.random.default_rng(case["seed"]).uniform(-1, 1, case["shape"]).astype(np.float32)
    w[0, 0] = 1.0
    sigma_S = sigma_to_siemens(case["magnitude"], "relative_gmax", G_MIN, G_MAX)
    cfg = CrossbarConfig(
        g_min_S=G_MIN,
        g_max_S=G_MAX,
        write_sigma_S=sigma_S,
        clip_after_noise=case["clip_conductance"],
    )
    m = map_weights(jnp.asarray(w), cfg)
    kp, kn = jax.random.split(jax.random.PRNGKey(1))
    gp = program_conductances(m.g_pos_S, kp, cfg)
    gn = program_conductances(m.g_neg_S, kn, cfg)
    err = np.concatenate([np.ravel(gp - m.g_pos_S), np.ravel(gn - m.g_neg_S)]) / G_MAX
    g_all = np.concatenate([np.ravel(gp), np.ravel(gn)]) / G_MAX
    g_min_norm = G_MIN / G_MAX
    n = g_all.size  # 32 768 devices: sampling errors ~ 1e-4 on the std, ~3e-3 on fractions
    assert n == 2 * np.prod(case["shape"])
    np.testing.assert_allclose(err.std(), case["g_error_std_norm"], rtol=0.02)
    np.testing.assert_allclose(err.mean(), case["g_error_mean_norm"], atol=5e-4)
    tol = 0.012
    assert abs(np.mean(g_all < g_min_norm - 1e-6) - case["fraction_below_g_min"]) < tol
    assert abs(np.mean(np.abs(g_all - g_min_norm) < 1e-6) - case["fraction_at_g_min"]) < tol
    assert abs(np.mean(g_all > 1 + 1e-6) - case["fraction_above_g_max"]) < tol
    assert abs(np.mean(np.abs(g_all - 1) < 1e-6) - case["fraction_at_g_max"]) < tol
    w_err = np.ravel(np.asarray(effective_weight(gp, gn, m.scale, cfg)) - w)
    np.testing.assert_allclose(w_err.std(), case["weight_error_std"], rtol=0.02)
    np.testing.assert_allclose(w_err.mean(), case["weight_error_mean"], atol=3e-3)
    if not case["clip_conductance"]:
        # unclipped: weight error std = sqrt(2) sigma_G / (G_max - G_min) max|W| (max|W| = 1)
        expected = np.sqrt(2) * sigma_S / (G_MAX - G_MIN)
        np.testing.assert_allclose(case["weight_error_std"], expected, rtol=0.02)


def test_sigma_normalisations():
    g_min, g_max = 0.94e-3, 1.1e-3
    assert sigma_to_siemens(2e-6, "absolute", g_min, g_max) == 2e-6
    assert sigma_to_siemens(0.01, "relative_gmax", g_min, g_max) == pytest.approx(1.1e-5)
    assert sigma_to_siemens(0.01, "relative_window", g_min, g_max) == pytest.approx(1.6e-6)
    both = sigma_in_all_norms(1.6e-6, g_min, g_max)
    assert both["relative_window"] == pytest.approx(0.01)
    assert both["relative_gmax"] == pytest.approx(1.6e-6 / 1.1e-3)
    with pytest.raises(ValueError, match="sigma_norm"):
        sigma_to_siemens(0.01, "relative", g_min, g_max)
    cfg = CrossbarConfig.with_noise(0.01, 0.02, "relative_window")
    assert cfg.write_sigma_S == pytest.approx(1.6e-6)
    assert cfg.read_sigma_S == pytest.approx(3.2e-6)
