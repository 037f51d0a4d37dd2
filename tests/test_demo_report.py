"""The demo report's thresholds: one rule decides which the data identify
(compact.summary.thresholds), and the HTML page (a Jinja2 template) shows the others as
"not identified", never as a number."""

from __future__ import annotations

import dataclasses

import pytest

from compact.depinning import NotchLaw
from compact.presets import paper_trapezoid_model
from compact.summary import summary_table, thresholds
from dwmtj.pipeline.report import render_html


def _model_with(laws: list[NotchLaw]):
    model = paper_trapezoid_model()
    forward = laws + [None] * (model.n_states - len(laws))
    return dataclasses.replace(model, forward=forward, reverse=[None] * model.n_states)


def test_identification_rule() -> None:
    ok = NotchLaw("normal", {"mu_V": 1.5, "sigma_V": 0.1}, covariance=[[1e-4, 0], [0, 1e-4]])
    flat = NotchLaw("normal", {"mu_V": 1.6, "sigma_V": 0.1}, covariance=[[1e36, 0], [0, 1e-4]])
    step = NotchLaw("step", {"threshold_V": 1.7}, identified=False)
    rows = thresholds(_model_with([ok, flat, step]))
    assert [r.identified for r in rows] == [True, False, False]
    assert rows[0].se_V == pytest.approx(0.01)
    assert rows[1].se_V is None and rows[2].se_V is None  # no standard error of 1e18 V
    table = summary_table(_model_with([ok, flat, step]))
    assert "1e+18" not in table and table.count("not identified") == 2


def test_report_page_says_not_identified_instead_of_a_number() -> None:
    fit = {
        "artifact": "fit/straight.json",
        "law": "normal",
        "n_states": 3,
        "pulse_width_s": 1.5e-9,
        "temperature_K": 300.0,
        "thresholds": [
            {
                "direction": "write",
                "state": 0,
                "V50_V": 0.1234,
                "V50_se_V": 0.0047,
                "spread_V": 0.0128,
                "trials": 34,
                "identified": True,
            },
            {
                "direction": "write",
                "state": 1,
                "V50_V": 0.4353906,
                "V50_se_V": None,
                "spread_V": 0.0032069,
                "trials": 16,
                "identified": False,
            },
        ],
        "conductance_mean_S": [1e-3, None, 0.9e-3],
        "conductance_sigma_S": [1e-6, None, 2e-6],
        "resistance_mean_ohm": [1000.0, None, 1111.1],
        "write_sigma_S": 1.5e-6,
        "w1_over_w2": None,
        "delta": None,
        "notes": ["a <note> & more"],
    }
    report = {
        "preset": "small",
        "fit": {"straight": fit},
        "timings": {"fit": {"seconds": 1.0, "cpu_seconds": 2.0, "reused": False}},
    }
    details = {
        "fit": {"figures": {"straight": {"levels": "fit/straight-levels.png"}}, "states": {}}
    }
    page = render_html(report, details)
    assert "not identified" in page
    assert "0.1234" in page and "0.0047" in page  # an identified threshold keeps its numbers
    assert "0.4354" not in page and "0.003207" not in page  # the other shows none
    assert "a &lt;note&gt; &amp; more" in page  # autoescaped
    assert '<img src="fit/straight-levels.png"' in page


def test_report_json_gives_no_number_for_an_unidentified_threshold(tmp_path) -> None:
    """report.json (read by other tools): an unidentified threshold (standard error of 1e18 V
    or a step law) has identified false and no V50, standard error or spread."""
    from compact.artifact import save_model
    from dwmtj.pipeline.report import fit_numbers

    ok = NotchLaw("normal", {"mu_V": 1.5, "sigma_V": 0.1}, covariance=[[1e-4, 0], [0, 1e-4]])
    flat = NotchLaw("normal", {"mu_V": 1.6, "sigma_V": 0.1}, covariance=[[1e36, 0], [0, 1e-4]])
    step = NotchLaw("step", {"threshold_V": 1.7}, identified=False)
    artifact = save_model(_model_with([ok, flat, step]), tmp_path / "model.json")
    rows = fit_numbers(artifact)["thresholds"][:3]
    assert [r["identified"] for r in rows] == [True, False, False]
    assert rows[0]["V50_V"] == pytest.approx(1.5) and rows[0]["V50_se_V"] == pytest.approx(0.01)
    for row in rows[1:]:
        assert row["V50_V"] is None and row["V50_se_V"] is None and row["spread_V"] is None


def test_trapezoid_contrast_is_resolved_only_beyond_the_seed_spread() -> None:
    """The demo's stream statement (issue 18): per-seed differences (same seed = same images
    and initial weights for both devices), two-sided paired t-test at 5 %."""
    import numpy as np

    from dwmtj.pipeline.report import contrast_statement, paired_contrast

    straight = np.array([81.2, 80.6, 81.5])
    # +1.7 points with a per-seed scatter of 0.2: t = 1.7 / (0.2 / sqrt 3) ~ 15, resolved
    c = paired_contrast(straight + [1.5, 1.9, 1.7], straight)
    assert c["resolved"] and c["delta_pct"] == pytest.approx(1.7)
    assert c["se_pct"] == pytest.approx(0.2 / np.sqrt(3))
    assert "resolved" in contrast_statement("a", "b", c) and "NOT" not in contrast_statement(
        "a", "b", c
    )
    # the same mean with a scatter larger than the effect: not resolved
    c = paired_contrast(straight + [4.0, -1.5, 2.6], straight)
    assert c["delta_pct"] == pytest.approx(1.7) and not c["resolved"]
    assert "NOT resolved" in contrast_statement("a", "b", c)
    # a resolved difference the wrong way is not the trapezoid's advantage
    assert not paired_contrast(straight - [1.5, 1.9, 1.7], straight)["resolved"]
    # one seed: no spread, never resolved
    one = paired_contrast(np.array([85.0]), np.array([80.0]))
    assert not one["resolved"] and one["se_pct"] is None
    assert "one seed" in contrast_statement("a", "b", one)
    # two seeds whose differences agree to the last of 10 000 test images (what `demo --preset
    # paper` gave: +0.90 twice): the spread is floored at the rounding, 0.01 / sqrt 6 points, so
    # p is the t-test's with SE = 0.0029 and 1 degree of freedom (~0.002), not 0
    tied = paired_contrast(np.array([84.60, 84.61]), np.array([83.70, 83.71]))
    assert tied["se_pct"] == pytest.approx(0.01 / np.sqrt(6) / np.sqrt(2))
    assert tied["p_value"] == pytest.approx(0.00205, rel=0.02) and tied["resolved"]
    # the floor does not touch a real spread (above)
    with pytest.raises(ValueError, match="^resolution_pct: must be a positive number"):
        paired_contrast(straight, straight, resolution_pct=float("nan"))
