"""The multiscale path against direct 300 K micromagnetics, from stored runs (issue 17, step 2).

Direct runs: results/experiments/runs (scaled trapezoid 16 x 10, scaled straight 8 x 1) and
results/paper-scale/heldout/runs (the held-out deep-notch trapezoid); multiscale runs of the
same specs with thermal_m = 0.95 (calibrated on the trapezoid run): results/paper-scale/
validation/runs and heldout/runs. Per-notch probit thresholds with one common spread
(results/paper-scale/compare_runs.py). The numbers and what they mean:
results/paper-scale/README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import fisher_exact

ROOT = Path(__file__).resolve().parents[1]
PAPER_SCALE = ROOT / "results" / "paper-scale"
sys.path.insert(0, str(PAPER_SCALE))

from compare_runs import summary  # noqa: E402

DIRECT = ROOT / "results" / "experiments" / "runs"


def _one(folder: Path, prefix: str) -> str:
    files = sorted(folder.glob(prefix + "*.h5"))
    assert len(files) == 1, (folder, prefix)
    return str(files[0])


@pytest.fixture(scope="module")
def trapezoid():
    return (
        summary([_one(DIRECT, "c3b723f4")]),
        summary([_one(PAPER_SCALE / "validation" / "runs", "2fb1da9b")]),
    )


def test_calibration_run_matches_per_notch_except_the_home_notch(trapezoid):
    """The calibration case (thermal_m was chosen on it): notches 1-4 within 10 % and the
    spread within 30 % (the issue's criteria); the home notch 0 misses at +16 %, asserted
    below 20 % so that a change that worsens it fails."""
    direct, model = trapezoid
    ratios = {k: model["mu_V"][k] / direct["mu_V"][k] for k in direct["mu_V"]}
    for k in (1, 2, 3, 4):
        assert abs(ratios[k] - 1) < 0.10, (k, ratios[k])
    assert abs(ratios[0] - 1) < 0.20, ratios[0]
    assert abs(model["sigma_V"] / direct["sigma_V"] - 1) < 0.30


def test_trapezoid_advances_mostly_notch_by_notch(trapezoid):
    """Like the direct run, most forward moves are single notches (direct 94 %, model 82 %):
    asserted >= 75 % (one-notch steps are what makes the trapezoid a multi-level writer)."""
    _, model = trapezoid
    assert 1 - model["multi_notch_fraction"] >= 0.75


@pytest.fixture(scope="module")
def straight():
    return (
        summary([_one(DIRECT, "1b05e5c7")]),
        summary([_one(PAPER_SCALE / "validation" / "runs", "3f7146f1")]),
    )


def test_straight_track_jumps_several_notches_like_the_direct_run(straight):
    """Scaled straight ramp from notch 0 (8 realisations, nothing calibrated on it): the model
    also makes two-notch jumps; its fraction of multi-notch forward moves (43 %, 12 of 28) is
    not different from the direct run's (67 %, 16 of 24) at 1 % false alarms (Fisher exact,
    two-sided; measured p = 0.10). The first threshold is 24 % high and the spread about half
    the direct one (README: the issue's 10 % / 30 % are missed here); asserted as measured
    within 30 % and > 0.3x, so that a change for the worse fails."""
    direct, model = straight
    a = sum(v for k, v in direct["forward_jumps"].items() if k >= 2)
    b = sum(v for k, v in model["forward_jumps"].items() if k >= 2)
    n_a, n_b = sum(direct["forward_jumps"].values()), sum(model["forward_jumps"].values())
    assert b > 0 and max(model["forward_jumps"]) >= 2
    assert fisher_exact([[a, n_a - a], [b, n_b - b]]).pvalue > 0.01
    assert abs(model["mu_V"][0] / direct["mu_V"][0] - 1) < 0.30
    assert model["sigma_V"] / direct["sigma_V"] > 0.3
    assert np.isfinite(model["sigma_V"])


@pytest.mark.slow  # ~13 s per run file on the shared 2-core machine
@pytest.mark.parametrize("prefix", ["59f0516f", "92655f05", "e0909409"])
def test_full_size_run_files_pass_dwmtj_fit(prefix, tmp_path):
    """The paper's full-size protocols on the multiscale path (results/paper-scale/runs) are
    ordinary run files: verified by open_run and fitted by `dwmtj fit`."""
    from dwmtj.cli import main

    run = _one(PAPER_SCALE / "runs", prefix)
    out = tmp_path / "model.json"
    assert main(["fit", run, "-o", str(out), "--law", "normal", "--n-rep", "20"]) == 0
    assert out.stat().st_size > 0
    # Eq. 1 (issue 17): the IN end, which every first pulse leaves, gives no point; w1/w2 is
    # V_0/V_last of the notches. The trapezoid's thresholds rise 1.6x along the track (0.50
    # -> 0.82 V; ramps and write/reset alike): w1/w2 ~ 0.61, and f = V_0/V is convex, so the
    # line misses the interior by RMS 0.045-0.050 (at the verdict's tolerance: not asserted).
    # The straight track's are equal (1.50-1.52 V): w1/w2 ~ 1, on the line.
    from compact.artifact import load_model

    model = load_model(out)
    m = model.metaplasticity
    assert m is not None and 0 not in m["states"]
    if prefix == "59f0516f":
        assert 0.95 < m["w1_over_w2"] <= 1.0 and m["eq1_describes_data"] is True
    else:
        assert 0.55 < m["w1_over_w2"] < 0.67 and m["rms_residual"] < 0.06
    assert model.network["w1_over_w2"] == pytest.approx(m["w1_over_w2"])


def test_held_out_deep_notches_are_predicted_where_the_notches_are_wide():
    """The held-out case: notches 0.22 x the local width deep (the preset's 0.15 x), direct
    300 K micromagnetics (16 x 5, run 8b905a3a) against the multiscale prediction made before
    it was read (run cdbfad16, thermal_m = 0.95 from the preset). The deeper notches raise the
    direct thresholds of notches 2-3 from ~0.35 V to ~0.56 V (+57 %), which the model predicts
    within 5 % (0.968x, 0.950x); the spread within 5 %; notches 0 and 1, at the narrow end,
    are over-predicted by 24 % and 13 % (as notch 0 of the calibration run). Asserted: the
    issue's 10 % on notches 2-3, 30 % on the spread, and the measured misses with a margin."""
    heldout = PAPER_SCALE / "heldout" / "runs"
    direct = summary([_one(heldout, "8b905a3a")])
    model = summary([_one(heldout, "cdbfad16")])
    preset = summary([_one(DIRECT, "c3b723f4")])
    ratio = {k: model["mu_V"][k] / direct["mu_V"][k] for k in (0, 1, 2, 3)}
    for k in (2, 3):
        assert abs(ratio[k] - 1) < 0.10, (k, ratio[k])
        assert direct["mu_V"][k] > 1.3 * preset["mu_V"][k]  # the held-out case differs
    assert abs(ratio[1] - 1) < 0.20 and abs(ratio[0] - 1) < 0.30
    assert abs(model["sigma_V"] / direct["sigma_V"] - 1) < 0.30


def test_reset_at_minus_42_mT_is_weaker_in_the_model_than_in_micromagnetics():
    """The reverse direction, which nothing was calibrated on (results/paper-scale/README.md,
    "Reset"): the scaled trapezoid's write/reset runs, direct 300 K micromagnetics against the
    multiscale model (thermal_m = 0.95) of the same protocol. The model misses: at -42 mT its
    wall is ~90x above its Walker field and precesses, so the SOT drive averages out.
    Measured: one -0.5 V, 6 ns pulse brings 4 of 4 direct walls home (notch 0 or IN) but 10 of
    61 model walls (Fisher p = 0.0015); the first 1.5 ns pulse at -0.3 V moves 7 of 8 direct
    walls back and 16 of 61 model walls (p = 0.0014). Asserted: the miss is significant at 1 %
    false alarms (so that a model that fixes it fails this test and the README is updated)."""
    from reset_table import compare

    validation = PAPER_SCALE / "validation" / "runs"
    long = compare(_one(DIRECT, "0c966676"), _one(validation, "10c7c6bf"))
    home_direct = long["cycles"]["direct"]
    home_model = long["cycles"]["model"]
    assert home_direct["reset_home"] == home_direct["cycles_with_a_wall_to_reset"] == 4
    assert home_model["reset_home"] / home_model["cycles_with_a_wall_to_reset"] < 0.3
    assert long["cycles"]["home_fisher_p"] < 0.01
    short = compare(_one(DIRECT, "33920183"), _one(validation, "a76a1e9d"))
    first = short["per_amplitude"]["-0.3"]
    assert first["direct"]["fraction_moved_back"] > 0.8
    assert first["model"]["fraction_moved_back"] < 0.4
    assert first["fisher_p"] < 0.01


def test_full_size_reset_is_field_driven_notch_by_notch():
    """Full-size trapezoid write/reset (run e0909409, 16 x 5 cycles, reset ramp -0.05 ... -1.5 V
    at -42 mT): in the model the -42 mT bias alone exceeds the wide notches' pinning, so every
    reset pulse from -0.05 V on moves the wall back about one notch (mean 1.0-1.2 states) and
    it is home by -0.25 ... -0.3 V, never in one step; the paper resets from the last notch in
    one step at 3.7 V (var 1.35 %). Asserted as measured (README: outside the validated
    range, see the previous test)."""
    from reset_table import one_run

    run = one_run(_one(PAPER_SCALE / "runs", "e0909409"))
    cycles = run["cycles"]
    assert cycles["reset_home"] == cycles["cycles_with_a_wall_to_reset"] > 30
    assert cycles["single_step_fraction"] == 0.0
    assert cycles["v_reset_avg_V"] < 0.5
    first = run["per_amplitude"]["-0.05"]
    assert first["fraction_moved_back"] > 0.9 and 1.0 <= first["mean_states_back"] < 1.5


def test_straight_track_miss_is_not_the_direct_runs_short_relaxation():
    # The direct straight ramp rerun with the fresh wall relaxed 1 ns instead of 0.1 ns (same
    # seed, run fc48b9f9): its first threshold moves by ~10 %, while the model (64
    # realisations, rigid wall and elastic line, elastic-line.json) sits >= 40 % above both.
    # The notch-0 probit of 8 realisations has a standard error of ~0.013 V, so the two direct
    # runs agreeing within 0.03 V and the model exceeding both by > 0.035 V are each > 2 SE.
    import json

    from elastic_line import notch0_fit

    short = notch0_fit(_one(DIRECT, "1b05e5c7"))
    relaxed = notch0_fit(_one(PAPER_SCALE / "validation" / "runs", "fc48b9f9"))
    assert abs(relaxed["mu_V"] - short["mu_V"]) < 0.03
    rows = json.loads((PAPER_SCALE / "elastic-line.json").read_text())["rows"]
    for row in rows:
        if row["case"] == "straight" and row["thermal_m"] in (0.95, 0.96):
            model = row["notch0"]["model"]["mu_V"]
            assert model > max(short["mu_V"], relaxed["mu_V"]) + 0.035, row["segments"]
            assert model / short["mu_V"] > 1.4


def test_elastic_line_recalibrated_reproduces_the_rigid_trapezoid_numbers():
    # elastic-line.json: at its own calibration (S = 4, thermal_m 0.95-0.96 bracket a mean log
    # ratio of 0) the line's calibration and held-out thresholds lie within 15 % of the rigid
    # wall's at 0.95, notch 0's bias included: the line does not remove the narrow-end bias.
    import json

    rows = json.loads((PAPER_SCALE / "elastic-line.json").read_text())["rows"]

    def find(case, segments, m):
        (row,) = [
            r
            for r in rows
            if r["case"] == case and r["segments"] == segments and r["thermal_m"] == m
        ]
        return row

    lo, hi = find("calibration", 4, 0.95), find("calibration", 4, 0.96)
    assert lo["mean_log_ratio"] < 0 < hi["mean_log_ratio"]
    for case in ("calibration", "heldout"):
        rigid = find(case, 1, 0.95)["mu_ratio"]
        line = find(case, 4, 0.96)["mu_ratio"]
        for notch, value in rigid.items():
            if value and line.get(notch):
                assert abs(line[notch] / value - 1) < 0.15, (case, notch)
        assert line["0"] > 1.1  # the home notch stays high


def _first_departure(folder: Path, prefix: str) -> float:
    """The first ramp voltage (V) after which a T = 0 wall has left notch 0 (deterministic, so
    exact up to the ramp's step)."""
    from physics.experiment.run_statistics import pulse_transitions
    from physics.experiment.store import open_run

    record = open_run(_one(folder, prefix))
    tr = pulse_transitions(record)
    assert record.spec.protocol.temperature == 0
    moved = np.flatnonzero(tr.end.ravel() != 1)
    return float(np.asarray(record.pulses["voltage"])[moved[0]])


def test_straight_track_with_50ps_edges_depins_early_in_both_but_more_in_micromagnetics():
    # T = 0 straight ramps, 0.02 V steps, 50 ps edges (validation/straight-ramp-T0*.toml): the
    # direct wall leaves notch 0 at 0.16 V with 1.5 ns and with 10 ns pulses (the edge kicks it,
    # whatever the pulse's length), the rigid model at 0.20 V; the landscape's quasi-static
    # threshold is 0.26 V (README "Adiabatic edges").
    runs = PAPER_SCALE / "validation" / "runs"
    assert _first_departure(runs, "f887423e") == pytest.approx(0.16)
    assert _first_departure(runs, "668d7f4b") == pytest.approx(0.16)
    assert _first_departure(runs, "1ae200cd") == pytest.approx(0.20)


def test_straight_landscape_pinning_field_matches_the_minimiser():
    # straight-field-check.json (straight_field_check.py): the engine's unconstrained
    # minimiser depins the wall from notch 0 between two 1 mT steps that bracket the
    # landscape's maximum h_pin.
    import json

    check = json.loads((PAPER_SCALE / "straight-field-check.json").read_text())
    held, depinned = check["minimiser_held_at_mT"], check["minimiser_depinned_at_mT"]
    assert depinned - held == pytest.approx(1.0)
    assert held <= check["landscape_h_pin_max_mT"] <= depinned


def test_straight_sot_depinning_is_adiabatic_for_1ns_edges_and_kicked_for_faster_ones():
    # straight-adiabatic-check.json (straight_adiabatic_check.py, T = 0 LLG, float64 RKF54,
    # 8 ns at a DC voltage reached over `rise`): a 3 ns ramp holds the wall at 0.9 V_dep of the
    # landscape and moves it at 1.1 V_dep, so the landscape's SOT drive is right; at 0.9 V_dep
    # a 1 ns edge still holds it, 0.5 ns and faster edges kick it over.
    import json

    check = json.loads((PAPER_SCALE / "straight-adiabatic-check.json").read_text())
    rows = check["rows"]

    def left(ratio, rise):
        (row,) = [
            r for r in rows if r["rise_s"] == rise and r["v_over_v_dep"] == pytest.approx(ratio)
        ]
        return row["left_notch_0"]

    assert not left(0.9, 3e-9) and left(1.1, 3e-9)
    assert not left(0.9, 1e-9)
    assert left(0.9, 0.5e-9) and left(0.9, 0.05e-9)


def test_straight_t0_ladder_with_1ns_edges_direct_and_model_at_the_landscape_threshold():
    # adiabatic/straight-ramp-T0-{direct,multiscale}.toml: the 50 ps ladder above with 1 ns
    # edges. The direct wall leaves at 0.26 V, the model's at 0.24 V (one 0.02 V step apart),
    # both within 10 % of the landscape's quasi-static 0.262 V.
    import json

    v_dep = json.loads((PAPER_SCALE / "straight-adiabatic-check.json").read_text())[
        "v_dep_landscape_V"
    ]
    runs = PAPER_SCALE / "adiabatic" / "runs"
    direct, model = _first_departure(runs, "9ac014d1"), _first_departure(runs, "8e0edeab")
    assert direct == pytest.approx(0.26)
    assert model == pytest.approx(0.24)
    assert abs(direct / v_dep - 1) < 0.10 and abs(model / v_dep - 1) < 0.10


def test_trapezoid_t0_fine_ladder_model_is_high_on_notches_0_to_2():
    # t0-ladder-scaled-trapezoid.json (t0_ladder.py): per-notch T = 0 thresholds on a 0.01 V
    # grid; the direct values are re-read from the stored run files here. The rigid model is
    # > 15 % high on notches 0-2 and within 5 % on notches 3-4 (each threshold exact to 0.01 V).
    import json

    from physics.experiment.run_statistics import pulse_transitions
    from physics.experiment.store import open_run

    rows = json.loads((PAPER_SCALE / "t0-ladder-scaled-trapezoid.json").read_text())["rows"]
    for row in rows:
        record = open_run(_one(PAPER_SCALE / "validation" / "runs", row["direct_run"][:8]))
        assert record.spec.protocol.temperature == 0
        tr = pulse_transitions(record)
        moved = np.flatnonzero(tr.end.ravel() > row["notch"] + 1)
        assert float(np.asarray(record.pulses["voltage"])[moved[0]]) == pytest.approx(
            row["direct_V"]
        )
        ratio = row["model_V"] / row["direct_V"]
        if row["notch"] <= 2:
            assert ratio > 1.15
        else:
            assert abs(ratio - 1) < 0.05


def test_heldout_t0_ladder_model_excess_grows_towards_the_narrow_end():
    # t0-ladder-heldout-deep-notches.json: per-notch T = 0 thresholds (0.02 V steps); direct
    # values re-read from the run files. The model's excess is > 30 % on the two narrow-end
    # notches and < 15 % on notches 2-3 (each threshold exact to 0.02 V, i.e. +-5 % there).
    import json

    from physics.experiment.run_statistics import pulse_transitions
    from physics.experiment.store import open_run

    path = PAPER_SCALE / "t0-ladder-heldout-deep-notches.json"
    rows = json.loads(path.read_text())["rows"]
    for row in rows:
        record = open_run(_one(PAPER_SCALE / "validation" / "runs", row["direct_run"][:8]))
        tr = pulse_transitions(record)
        moved = np.flatnonzero(tr.end.ravel() > row["notch"] + 1)
        assert float(np.asarray(record.pulses["voltage"])[moved[0]]) == pytest.approx(
            row["direct_V"]
        )
    ratio = [row["model_V"] / row["direct_V"] for row in rows]
    assert min(ratio[:2]) > 1.3
    assert max(ratio[2:]) < 1.15


def test_trapezoid_t0_ladder_with_1ns_edges():
    # t0-ladder-scaled-trapezoid-1ns-edges.json (t0_ladder.py scaled-trapezoid-1ns-edges): the
    # fine ladder with 1 ns edges, 0.02 V steps; direct values re-read from the run files in
    # adiabatic/runs. Notch 0's excess of the 50 ps ladder (+26 %) goes (+5 %); notches 1-3
    # keep theirs (+12 to +19 %) and notch 4 turns to -17 %. With pulses this short (1.5 ns
    # FWHM) both walls are still dynamic: the direct one depins 4-15 % below the landscape's
    # quasi-static threshold on notches 0-3 and 10 % above it on notch 4, the model's within
    # -8 ... +5 %. Asserted: every notch within 20 % and notch 0 within 10 % (each threshold is
    # exact to the 0.02 V step, 2.5-4.5 %), the direct ones within -20 / +15 % of the landscape.
    import json

    from physics.experiment.run_statistics import pulse_transitions
    from physics.experiment.store import open_run

    path = PAPER_SCALE / "t0-ladder-scaled-trapezoid-1ns-edges.json"
    rows = json.loads(path.read_text())["rows"]
    assert len(rows) == 5
    for row in rows:
        record = open_run(_one(PAPER_SCALE / "adiabatic" / "runs", row["direct_run"][:8]))
        assert record.spec.protocol.ramps[0].pulse.rise == pytest.approx(1e-9)
        tr = pulse_transitions(record)
        moved = np.flatnonzero(tr.end.ravel() > row["notch"] + 1)
        assert float(np.asarray(record.pulses["voltage"])[moved[0]]) == pytest.approx(
            row["direct_V"]
        )
        assert 0.80 <= row["direct_V"] / row["landscape_quasi_static_V"] <= 1.15
    ratio = [row["model_V"] / row["direct_V"] for row in rows]
    assert abs(ratio[0] - 1) < 0.10
    assert all(abs(r - 1) < 0.20 for r in ratio)


def test_landscape_quasi_static_thresholds_against_slowly_driven_llg():
    # adiabatic/quasi-static-check.json (quasi_static_check.py: T = 0 LLG, float64 RKF54, a DC
    # voltage reached over 3 ns and held 6 ns, from each relaxed notch): the landscape's
    # quasi-static V_dep holds within 10 % on notches 0, 1, 3, 4 (held at 0.9 V_dep, left at
    # 1.1 V_dep); notch 2 is over-pinned, its wall leaving between 0.85 and 0.9 V_dep.
    import json

    check = json.loads((PAPER_SCALE / "adiabatic" / "quasi-static-check.json").read_text())
    left = {(r["notch"], round(r["v_over_v_dep"], 3)): r["left"] for r in check["rows"]}
    for k in (0, 1, 3, 4):
        assert not left[(k, 0.9)] and left[(k, 1.1)], k
    assert not left[(2, 0.85)] and left[(2, 0.9)]


def _jump_table(row: dict) -> list[list[int]]:
    """[[multi-notch, one-notch] forward jumps] of the model and the direct side of a
    comparison row (compare.json), for a Fisher exact test."""
    return [
        [sum(v for k, v in j.items() if int(k) >= 2), sum(v for k, v in j.items() if k == "1")]
        for j in (row["model"]["forward_jumps"], row["direct"]["forward_jumps"])
    ]


@pytest.fixture(scope="module")
def adiabatic():
    import json

    rows = json.loads((PAPER_SCALE / "adiabatic" / "compare.json").read_text())["rows"]
    return {(r["case"], r["segments"], r["thermal_m"]): r for r in rows}


def test_adiabatic_direct_runs_are_the_stored_ones_and_the_trapezoid_thresholds_rose(adiabatic):
    # compare.json's direct side re-derived from the stored run files (adiabatic/runs), and the
    # trapezoid's thresholds with 1 ns edges > 1.3x those with 50 ps edges on notches 0-3
    # (+36 to +53 %; the 50 ps kick), the straight track's within 15 % (+7 %).
    runs = PAPER_SCALE / "adiabatic" / "runs"
    trap = summary([_one(runs, "7a6a344f")])
    straight = summary([_one(runs, "91790543")])
    row = adiabatic[("trapezoid-ramp", 1, 0.945)]
    for k, mu in trap["mu_V"].items():
        assert row["direct"]["mu_V"].get(str(k)) == (pytest.approx(mu) if mu else None)
    fast = summary([_one(DIRECT, "c3b723f4")])
    for k in range(4):
        assert trap["mu_V"][k] > 1.3 * fast["mu_V"][k], k
    assert abs(straight["mu_V"][0] / summary([_one(DIRECT, "1b05e5c7")])["mu_V"][0] - 1) < 0.15


def test_adiabatic_calibration_and_straight_prediction(adiabatic):
    # README "Adiabatic edges at 300 K". The rule (mean log ratio of the trapezoid's per-notch
    # thresholds closest to 0, rigid wall) picks thermal_m 0.94, with 0.945 as close; at both,
    # three of the four identified trapezoid notches are within 10 %, all within 20 %, the
    # spread within 30 %; the straight track's first threshold (nothing fitted on it) within
    # 10 % fitted alone and 15 % in the common fit, and its multi-notch jumps not different from
    # the direct run's at 1 % false alarms (Fisher exact, two-sided).
    trap = {m: r for (case, s, m), r in adiabatic.items() if case == "trapezoid-ramp" and s == 1}
    best = min(trap, key=lambda m: abs(trap[m]["mean_log_ratio"]))
    assert best == 0.94
    assert abs(trap[0.94]["mean_log_ratio"] - trap[0.945]["mean_log_ratio"]) < 0.01
    for m in (0.94, 0.945):
        ratios = [r for r in trap[m]["mu_ratio"].values() if r is not None]
        assert len(ratios) == 4
        assert sum(abs(r - 1) < 0.10 for r in ratios) >= 3, ratios
        assert all(abs(r - 1) < 0.20 for r in ratios), ratios
        assert abs(trap[m]["sigma_ratio"] - 1) < 0.30
        st = adiabatic[("straight-ramp", 1, m)]
        assert abs(st["notch0"]["mu_ratio"] - 1) < 0.10
        assert abs(st["mu_ratio"]["0"] - 1) < 0.15
        table = _jump_table(st)
        assert fisher_exact(table).pvalue > 0.01


def test_heldout_adiabatic_prediction_holds_on_notches_0_2_3():
    # README "Held-out case with adiabatic edges". The stored prediction (thermal_m 0.94 and
    # 0.945, committed before the direct run) is what compare.json compared; the direct side
    # re-derived from the stored run (heldout/adiabatic/runs, 465e5a38). At 0.94: notches 0, 2,
    # 3 within 10 % and the spread within 30 % (the criteria); notch 1 rests on < 10
    # direct trials; the model's multi-notch jumps exceed the direct run's (Fisher exact,
    # two-sided, p < 0.01), as stated.
    import json

    here = PAPER_SCALE / "heldout" / "adiabatic"
    pred = {r["thermal_m"]: r for r in json.loads((here / "prediction.json").read_text())["rows"]}
    rows = {r["thermal_m"]: r for r in json.loads((here / "compare.json").read_text())["rows"]}
    assert set(pred) == set(rows) == {0.94, 0.945}
    for m in pred:
        assert rows[m]["model"]["mu_V"] == pytest.approx(pred[m]["model"]["mu_V"])
        assert rows[m]["realisations"] == pred[m]["realisations"] == 256
    direct = summary([_one(here / "runs", "465e5a38")])
    for k, mu in direct["mu_V"].items():
        assert rows[0.94]["direct"]["mu_V"][str(k)] == pytest.approx(mu)
    r = rows[0.94]
    for k in ("0", "2", "3"):
        assert abs(r["mu_ratio"][k] - 1) < 0.10, (k, r["mu_ratio"][k])
    assert abs(r["sigma_ratio"] - 1) < 0.30
    assert abs(r["notch0"]["mu_ratio"] - 1) < 0.10
    from physics.experiment.run_statistics import pinned_trials, pulse_transitions
    from physics.experiment.store import open_run

    trials = pinned_trials(pulse_transitions(open_run(_one(here / "runs", "465e5a38"))))
    assert (trials.notch == 1).sum() < 10
    table = _jump_table(r)
    assert fisher_exact(table).pvalue < 0.01
    assert table[0][0] / sum(table[0]) > table[1][0] / sum(table[1])


def test_reset_at_42mT_is_a_2d_process_that_the_rigid_wall_misses():
    # README "Reset", reset/reset_mechanism.py. Direct 300 K runs with m stored after every
    # 1 ns step (reset/runs, 4 walls each from notch 3 at -42 mT): the measures are re-derived
    # from the stored snapshots and readouts. The micromagnetic wall moves back at 20-35 m/s,
    # a third to a half of the rigid wall's Walker velocity v_W (its largest steady speed)
    # and > 2.5x the rigid-wall model's speed on the same protocol (which precesses far above
    # its 0.36 kA/m Walker field); with -0.5 V a reversed domain nucleates at the IN end
    # (none with the field alone), so the equal-area readout gains a second front.
    import json

    from reset.reset_mechanism import CASES, snapshot_measures

    from physics.experiment.store import open_run

    here = PAPER_SCALE / "reset"
    data = json.loads((here / "reset-mechanism.json").read_text())
    v_w = data["rigid_wall"]["walker_velocity_m_per_s"]
    assert set(data["cases"]) == set(CASES)
    for name, case in data["cases"].items():
        record = open_run(_one(here / "runs", case["direct_run"][:8]))
        pos = np.asarray(record.readouts["position"], dtype=float)
        assert pos.mean(0) == pytest.approx(case["direct"]["mean_position_m"])
        snap = snapshot_measures(record.path, (4e-9, 4e-9))
        assert snap["in_end_reversed"] == pytest.approx(
            np.asarray(case["direct"]["in_end_reversed"])
        )
        direct = case["direct"]["speed_over_3_readouts_m_per_s"]
        model = case["model"]["speed_over_3_readouts_m_per_s"]
        assert 0.25 * v_w < direct < v_w, (name, direct, v_w)
        assert direct > 2.5 * model, (name, direct, model)
        share = np.asarray(case["direct"]["in_end_reversed"]).mean(0)
        if case["voltage_V"] == 0:
            assert share.max() < 0.05, share
        else:
            assert share[1:].min() > 0.2, share


def test_heldout_with_the_landscape_to_the_track_end(tmp_path, monkeypatch):
    # README "Held-out case with adiabatic edges", after the table: the model's landscape
    # taken to 8 nm before the CLK end (calculator.end_margin) instead of 2 renormalised
    # delta (~40 nm). The windows come from the committed set (nothing is computed: the
    # writable cache stays empty). Notches 0, 2, 3 stay within 10 % and the spread within
    # 30 %, and the model's multi-notch jumps are no longer different from the direct run's
    # (Fisher exact, two-sided, p > 0.05): the excess was walls absorbed by the old
    # landscape's end, read past the last notch.
    import json

    import physics.experiment.simulate_multiscale as sm
    from physics.experiment.spec import RunSpec

    monkeypatch.setenv(sm.LANDSCAPES_ENV, str(tmp_path))
    sys.path.insert(0, str(PAPER_SCALE / "adiabatic"))
    from compare import model_spec

    spec = RunSpec.from_dict(model_spec("heldout-ramp", 0.94, 16, 1, 8e-9))
    for margin, end in ((None, 260.5e-9), (8e-9, 291.5e-9)):
        land = sm.spec_landscape(spec, thermal_m=0.94, end_margin=margin)
        assert land.q[-1] == pytest.approx(end, abs=0.6e-9)
    assert not list(tmp_path.iterdir())
    here = PAPER_SCALE / "heldout" / "adiabatic"
    rows = json.loads((here / "compare-end-margin.json").read_text())["rows"]
    r = next(r for r in rows if r["thermal_m"] == 0.94)
    assert r["end_margin_m"] == 8e-9 and r["realisations"] == 256
    for k in ("0", "2", "3"):
        assert abs(r["mu_ratio"][k] - 1) < 0.10, (k, r["mu_ratio"][k])
    assert abs(r["sigma_ratio"] - 1) < 0.30
    table = _jump_table(r)
    assert fisher_exact(table).pvalue > 0.05


def test_heldout_walls_are_thrown_back_at_high_drive_and_the_model_never_is():
    # README "Held-out case with adiabatic edges": pulses of 0.84-1.0 V from notches 3-4 leave
    # 28 of 74 direct walls BEHIND their notch (counted from the stored run here); the model
    # (same landscape to the end) throws none of 350 back (Fisher exact p < 1e-6). So the
    # direct "threshold" of the last notch is not a depinning threshold.
    import json

    sys.path.insert(0, str(PAPER_SCALE / "heldout" / "adiabatic"))
    from backward_throws import high_block, table

    here = PAPER_SCALE / "heldout" / "adiabatic"
    data = json.loads((here / "backward-throws.json").read_text())
    direct = table(_one(here / "runs", "465e5a38"))
    assert direct == data["direct"]
    back, trials = high_block(direct)
    assert trials >= 50 and back / trials > 0.25
    model = data["high_drive_behind"]["model"]
    assert model[1] >= 200 and model[0] == 0
    assert data["high_drive_behind"]["fisher_p"] < 1e-6


def test_walls_read_behind_notch_3_at_high_drive_are_in_end_nucleation():
    # README "Held-out case with adiabatic edges": one +V pulse from notch 3 of the held-out
    # track, m stored at the end (heldout/adiabatic/nucleation). At T = 0 (0.76-1.0 V) no
    # domain nucleates at the IN end and no wall is read behind notch 3. At 300 K and 1.0 V
    # every wall read behind notch 3 has a reversed domain at the IN end, and none without
    # one, while on the centre line the original wall is still ahead of notch 3; at 0.84 V
    # nothing nucleates. Re-derived from the stored snapshots.
    import json

    sys.path.insert(0, str(PAPER_SCALE / "heldout" / "adiabatic" / "nucleation"))
    from in_end_nucleation import centre_front, in_end_reversed

    from physics.experiment.store import open_run

    here = PAPER_SCALE / "heldout" / "adiabatic" / "nucleation"
    rows = json.loads((here / "in-end-nucleation.json").read_text())["rows"]
    assert {(r["voltage_V"], r["temperature_K"]) for r in rows} == {
        (0.76, 0.0),
        (0.84, 0.0),
        (0.92, 0.0),
        (1.0, 0.0),
        (0.84, 300.0),
        (1.0, 300.0),
    }
    for r in rows:
        path = _one(here / "runs", r["run_id"][:8])
        share = in_end_reversed(path)
        position = np.asarray(open_run(path).readouts["position"], dtype=float)[:, 0]
        assert share == pytest.approx(np.asarray(r["in_end_reversed"]))
        assert position == pytest.approx(np.asarray(r["position_m"]))
        behind = position < r["notch3_m"] - 15e-9
        nucleated = share > 0.5
        assert np.array_equal(behind, nucleated), r["spec"]
        if r["temperature_K"] == 0 or r["voltage_V"] < 0.9:
            assert not nucleated.any(), r["spec"]
        else:
            assert nucleated.sum() >= 3
            assert np.all(centre_front(path, 4e-9) > r["notch3_m"])


def _plateau_rows():
    import json

    rows = json.loads((PAPER_SCALE / "reset" / "walker-plateau.json").read_text())["rows"]
    return {(r["width_m"], r["field_T"], r["temperature_K"]): r for r in rows}


def test_free_2d_walls_go_further_back_than_the_rigid_wall_above_walker():
    # README "Reset" (reset/walker_plateau.py; speeds re-fitted here from the stored
    # positions). A free wall on smooth strips pushed back by the field alone: at -4 mT both
    # the 2-D and the rigid wall oscillate (the 2-D wall turns forward again within 8 ns), but
    # the 2-D wall is > 1.3x faster over 0.4-2 ns and > 1.5x further over 8 ns, at T = 0 as at
    # 300 K; at -42 mT it is > 2x further over 8 ns; the notched trapezoid's reset
    # (reset-mechanism.json) is faster than every smooth strip at -42 mT.
    import json

    sys.path.insert(0, str(PAPER_SCALE / "reset"))
    from walker_plateau import speeds

    rows = _plateau_rows()
    assert len(rows) == 6
    for (width, field, temperature), r in rows.items():
        mm, rw = r["micromagnetics"], r["rigid"]
        again = speeds(np.asarray(mm["t_s"]), np.asarray(mm["position_m"]))
        assert again["early_m_per_s"] == pytest.approx(mm["early_m_per_s"], nan_ok=True)
        assert again["mean_m_per_s"] == pytest.approx(mm["mean_m_per_s"], nan_ok=True)
        early = np.nanmean(mm["early_m_per_s"]) / np.nanmean(rw["early_m_per_s"])
        mean = np.nanmean(mm["mean_m_per_s"]) / np.nanmean(rw["mean_m_per_s"])
        if field == -4e-3:
            assert early > 1.3 and mean > 1.5, (width, temperature, early, mean)
            x = np.asarray(mm["position_m"])
            assert np.all(x[:, -1] > x.min(axis=1) + 20e-9)  # turned forward again
        else:
            assert mean > 2, (width, mean)
    mech = json.loads((PAPER_SCALE / "reset" / "reset-mechanism.json").read_text())
    field_alone = mech["cases"]["field"]["direct"]["speed_over_3_readouts_m_per_s"]
    smooth = [
        np.nanmean(r["micromagnetics"]["mean_m_per_s"]) for k, r in rows.items() if k[1] < -0.01
    ]
    assert field_alone > max(smooth)


@pytest.mark.slow
def test_walker_plateau_run_reproduces_one_stored_case():
    # One micromagnetic row of reset/walker-plateau.json recomputed (one wall, 8 ns at T = 0,
    # 50 nm strip, ~1 min): the same positions to 2 nm.
    sys.path.insert(0, str(PAPER_SCALE / "reset"))
    from walker_plateau import micromagnetic

    stored = _plateau_rows()[(50e-9, -4e-3, 0.0)]["micromagnetics"]
    again = micromagnetic(50e-9, -4e-3, 0.0)
    assert np.asarray(again["position_m"]) == pytest.approx(
        np.asarray(stored["position_m"]), abs=2e-9
    )


def test_pooled_adiabatic_calibration_meets_the_10_percent_criterion():
    # README "Adiabatic edges at 300 K", two seeds: the calibration ramp's direct side pooled
    # over runs 7a6a344f and 67e8f36d (96 ramps; re-derived here from the stored files), the
    # model with 256 walls and the landscape to 8 nm before the CLK end. The rule (mean log
    # ratio closest to 0) again picks thermal_m 0.94, and there all four identified notches
    # are within 10 % and the spread within 30 % (the criteria); the seed-2 run alone
    # reproduces seed 1's thresholds within 6 %.
    import json

    sys.path.insert(0, str(PAPER_SCALE / "adiabatic"))
    from compare import direct_runs

    paths = direct_runs("trapezoid-ramp-2seeds")
    assert paths is not None and [Path(p).name[:8] for p in paths] == ["7a6a344f", "67e8f36d"]
    pooled = summary(paths)
    one, two = summary(paths[:1]), summary(paths[1:])
    for k in range(4):
        assert abs(two["mu_V"][k] / one["mu_V"][k] - 1) < 0.06, k
    rows = json.loads((PAPER_SCALE / "adiabatic" / "compare-2seeds.json").read_text())["rows"]
    trap = {r["thermal_m"]: r for r in rows if r["case"] == "trapezoid-ramp-2seeds"}
    for r in trap.values():
        assert r["end_margin_m"] == 8e-9 and r["realisations"] == 256
        for k, mu in pooled["mu_V"].items():
            assert r["direct"]["mu_V"].get(str(k)) == (pytest.approx(mu) if mu else None)
    best = min(trap, key=lambda m: abs(trap[m]["mean_log_ratio"]))
    assert best == 0.94
    ratios = [v for v in trap[0.94]["mu_ratio"].values() if v is not None]
    assert len(ratios) == 4 and all(abs(v - 1) < 0.10 for v in ratios), ratios
    assert abs(trap[0.94]["sigma_ratio"] - 1) < 0.30
    assert abs(trap[0.94]["notch0"]["mu_ratio"] - 1) < 0.10
    assert fisher_exact(_jump_table(trap[0.94])).pvalue > 0.05


def _backward_moves_rederived(data: dict) -> None:
    """A backward-moves JSON (adiabatic/backward_moves.py) against the stored direct runs:
    the direct notch-0 table re-derived, the below-threshold block recomputed from the stored
    model table, and below threshold model and direct not different (two-sided Fisher p >
    0.01, i.e. 1 % false alarms per case)."""
    sys.path.insert(0, str(PAPER_SCALE / "adiabatic"))
    sys.path.insert(0, str(PAPER_SCALE / "heldout" / "adiabatic"))
    from backward_moves import blocks, pooled_table
    from compare import direct_runs

    for case in ("trapezoid-ramp-2seeds", "heldout-ramp", "straight-ramp"):
        paths = direct_runs(case)
        assert paths is not None
        direct = pooled_table(paths)
        assert direct["0"] == data[case]["direct_notch0"]
        again = blocks(direct, {"0": data[case]["model_notch0"]})
        assert again["below_threshold"] == data[case]["below_threshold"]
        assert data[case]["below_threshold"]["fisher_p"] > 0.01, case


def test_model_loses_walls_backwards_from_notch_0_after_strong_pulses():
    # README "Adiabatic edges at 300 K", backward moves (adiabatic/backward_moves.py, the
    # direct side re-derived here): below notch 0's threshold the model and the direct runs
    # lose walls backwards at rates not different at 1 % false alarms; at or above it the
    # model loses far more (Fisher p < 1e-6 on the pooled calibration ramp), and at T = 0
    # the model's wall driven past notch 1 by 0.30 V runs back over it after the pulse.
    import json

    sys.path.insert(0, str(PAPER_SCALE / "adiabatic"))
    sys.path.insert(0, str(PAPER_SCALE / "heldout" / "adiabatic"))

    data = json.loads((PAPER_SCALE / "adiabatic" / "backward-moves.json").read_text())
    assert data["thermal_m"] == 0.94
    _backward_moves_rederived(data)
    strong = data["trapezoid-ramp-2seeds"]["at_or_above"]
    assert strong["fisher_p"] < 1e-6
    assert strong["model"][0] / strong["model"][1] > 5 * strong["direct"][0] / strong["direct"][1]
    traj = data["model_t0_from_notch0"]
    notch1 = traj["notch_stable_m"][1]
    q = np.asarray(traj["0.30"])
    assert q.max() > notch1 + 10e-9 and q[-1] < notch1 - 20e-9


def test_at_t0_the_2d_wall_also_runs_back_over_notch_0_and_the_rigid_wall_follows_it(
    tmp_path, monkeypatch
):
    # README "Capture at T = 0" (adiabatic/capture/capture.py): one pulse from notch 0 of the
    # calibration trapezoid at T = 0, -4 mT, thermal_m = 1 on both sides (nothing
    # calibrated). The direct traces are re-read from the stored runs. At 0.50 and 0.56 V the
    # 2-D wall passes notch 1, runs back over notch 0 after the pulse to ~30 nm from the IN
    # end and turns forward again: a notch does not capture it either. The rigid wall on the
    # landscape taken to the IN end (in_margin 8 nm) does the same: its farthest point and
    # its turning point within 5 nm of the 2-D wall's (4 nm cells; the readout is an
    # equal-area position). On the default landscape, which starts at 37.5 nm, the same wall
    # is frozen there, which the 300 K counts read as a wall lost behind notch 0.
    # The model side of one case (0.50 V, landscape to the IN end) is rerun from the committed
    # windows (nothing computed) and must give the stored trace to 1 nm (a fifth of the 5 nm
    # agreement asserted; float32 rounding over 27 500 steps stays far below it).
    import json

    import physics.experiment.simulate_multiscale as sm

    monkeypatch.setenv(sm.LANDSCAPES_ENV, str(tmp_path))
    sys.path.insert(0, str(PAPER_SCALE / "adiabatic" / "capture"))
    from capture import direct_trace, model_setup, model_trace

    data = json.loads((PAPER_SCALE / "adiabatic" / "capture" / "capture.json").read_text())
    assert data["thermal_m"] == 1.0 and data["in_margin_m"] == 8e-9
    stable = np.asarray(data["notch_stable_m"])
    rows = {r["voltage_V"]: r for r in data["rows"]}
    land, bias, spec = model_setup(8e-9)
    rerun = model_trace(land, bias, spec, 0.50)
    assert not list(tmp_path.iterdir())
    np.testing.assert_allclose(rerun["q_m"], rows[0.50]["model_in_end"]["q_m"], atol=1e-9)

    def path(row, key):
        q = np.asarray(row[key]["q_m"])
        i = int(np.argmax(q))
        j = i + int(np.argmin(q[i:]))
        return q, q[i], q[j], q[j:].max()

    for v, row in rows.items():
        again = direct_trace(v)
        np.testing.assert_allclose(again["q_m"], row["direct"]["q_m"], rtol=1e-12)
    for key in ("direct", "model", "model_in_end"):
        q, *_ = path(rows[0.30], key)
        assert np.all(np.abs(q - stable[0]) < 10e-9), key  # below threshold: stays
    for v in (0.50, 0.56):
        q, top, low, again = path(rows[v], "direct")
        assert top > stable[1] + 5e-9 and low < stable[0] - 20e-9 and again > low + 20e-9
        _, m_top, m_low, m_again = path(rows[v], "model_in_end")
        assert abs(m_top - top) < 5e-9 and abs(m_low - low) < 5e-9 and m_again > m_low + 20e-9
        q_old, *_ = path(rows[v], "model")
        assert q_old[-1] == pytest.approx(37.5e-9, abs=0.6e-9) and q_old.min() >= 37.4e-9
    # at 0.46 V the direct wall passes notch 1, the model's does not: its T = 0 threshold is
    # 0.48 V on a single pulse (the T = 0 ladder's notch 0 0.46 V against 0.44 V direct)
    assert path(rows[0.46], "direct")[1] > stable[1]
    assert path(rows[0.46], "model_in_end")[1] < stable[1]


def test_with_the_landscape_to_the_in_end_walls_are_not_lost_and_the_calibration_holds(
    tmp_path, monkeypatch
):
    # README "Capture at T = 0, and the landscape to the IN end": the model's landscape taken
    # to 8 nm from the IN end (calculator.in_margin) as well as to 8 nm before the CLK end,
    # built from the committed windows alone (the writable cache stays empty).
    # - Backward moves from notch 0 (backward_moves.py --in-margin 8e-9): below threshold the
    #   model and the direct runs still agree (two-sided Fisher p > 0.01, i.e. 1 % false
    #   alarms per case), and after strong pulses the model no longer loses half its walls
    #   (under 2 % where the default landscape lost 53 %; the direct runs lose 3 %).
    # - Calibration (compare.py --in-margin 8e-9, 256 walls): the same rule again picks
    #   thermal_m 0.94 (the value frozen before), all four identified notches of the pooled
    #   calibration ramp within 10 % and the spread within 30 %; on the held-out deep notches
    #   (nothing fitted) notches 0-3 within 10 % and the spread within 30 %.
    import json

    import physics.experiment.simulate_multiscale as sm
    from physics.experiment.spec import RunSpec

    monkeypatch.setenv(sm.LANDSCAPES_ENV, str(tmp_path))
    sys.path.insert(0, str(PAPER_SCALE / "adiabatic"))
    sys.path.insert(0, str(PAPER_SCALE / "heldout" / "adiabatic"))
    from compare import model_spec

    for case in ("trapezoid-ramp", "heldout-ramp", "straight-ramp"):
        spec = RunSpec.from_dict(model_spec(case, 0.94, 16, 1, 8e-9, 8e-9))
        land = sm.spec_landscape(spec, thermal_m=0.94, end_margin=8e-9, in_margin=8e-9)
        assert land.q[0] == pytest.approx(8.5e-9, abs=0.55e-9), case  # a whole grid step
        assert np.all(np.isfinite(land.h_pin)) and np.all(np.isfinite(land.h_sot))
    assert not list(tmp_path.iterdir())

    here = PAPER_SCALE / "adiabatic"
    data = json.loads((here / "backward-moves-in-end.json").read_text())
    assert data["thermal_m"] == 0.94 and data["in_margin_m"] == 8e-9
    _backward_moves_rederived(data)
    old = json.loads((here / "backward-moves.json").read_text())["trapezoid-ramp-2seeds"]
    new = data["trapezoid-ramp-2seeds"]["at_or_above"]
    assert old["at_or_above"]["model"][0] / old["at_or_above"]["model"][1] > 0.5
    assert new["model"][0] / new["model"][1] < 0.02

    rows = json.loads((here / "compare-in-end.json").read_text())["rows"]
    assert all(r["in_margin_m"] == 8e-9 and r["realisations"] == 256 for r in rows)
    trap = {r["thermal_m"]: r for r in rows if r["case"] == "trapezoid-ramp-2seeds"}
    assert min(trap, key=lambda m: abs(trap[m]["mean_log_ratio"])) == 0.94
    ratios = [v for v in trap[0.94]["mu_ratio"].values() if v is not None]
    assert len(ratios) == 4 and all(abs(v - 1) < 0.10 for v in ratios), ratios
    assert abs(trap[0.94]["sigma_ratio"] - 1) < 0.30
    held = next(r for r in rows if r["case"] == "heldout-ramp" and r["thermal_m"] == 0.94)
    for k in ("0", "1", "2", "3"):
        assert abs(held["mu_ratio"][k] - 1) < 0.10, (k, held["mu_ratio"][k])
    assert abs(held["sigma_ratio"] - 1) < 0.30


def test_straight_track_two_seeds_threshold_and_spread_hold_but_jumps_are_too_short():
    # README "Straight track, two seeds": the straight ramp's second direct seed (run
    # 218dcdf0, 16 walls) pooled with the first (24 ramps), against 256 model walls at the
    # trapezoid's thermal_m 0.94 (nothing fitted on this track). Notch 0 within 10 % (common
    # fit and alone) and the spread within 30 %; but the direct walls make multi-notch jumps
    # more often than the model (49 % against 28 %; Fisher p < 0.01): a documented miss.
    import json

    sys.path.insert(0, str(PAPER_SCALE / "adiabatic"))
    from compare import direct_runs

    paths = direct_runs("straight-ramp-2seeds")
    assert paths is not None and [Path(p).name[:8] for p in paths] == ["91790543", "218dcdf0"]
    pooled = summary(paths)
    rows = json.loads((PAPER_SCALE / "adiabatic" / "compare-straight-2seeds.json").read_text())[
        "rows"
    ]
    r = rows[0]
    assert r["case"] == "straight-ramp-2seeds" and r["thermal_m"] == 0.94
    assert r["direct"]["mu_V"]["0"] == pytest.approx(pooled["mu_V"][0])
    assert r["direct"]["forward_jumps"] == {str(k): v for k, v in pooled["forward_jumps"].items()}
    assert abs(r["mu_ratio"]["0"] - 1) < 0.10
    assert abs(r["notch0"]["mu_ratio"] - 1) < 0.10
    assert abs(r["sigma_ratio"] - 1) < 0.30
    model_multi, direct_multi = (a / (a + b) for a, b in _jump_table(r))
    assert direct_multi > model_multi and fisher_exact(_jump_table(r)).pvalue < 0.01


def test_at_t0_the_2d_wall_goes_further_than_the_rigid_wall_on_the_straight_track():
    # README "Straight track, two seeds" (capture.py --case straight): one pulse from notch 0
    # of the straight track at T = 0 (thermal_m = 1, nothing calibrated) at 0.26-0.34 V. The
    # 2-D wall is 11-38 nm ahead of the rigid wall when the pulse ends and gets 11-47 nm
    # further before both turn back under the bias: the straight track's shortage of
    # multi-notch jumps in the model is there at T = 0 already. Asserted: more than 10 nm
    # (2.5 cells) at every amplitude, and at 0.26 V the 2-D wall passes notch 2 while the
    # rigid wall stops short of it.
    import json

    sys.path.insert(0, str(PAPER_SCALE / "adiabatic" / "capture"))
    from capture import direct_trace

    here = PAPER_SCALE / "adiabatic" / "capture"
    data = json.loads((here / "capture-straight.json").read_text())
    assert data["case"] == "straight" and data["thermal_m"] == 1.0
    stable = np.asarray(data["notch_stable_m"])
    for row in data["rows"]:
        v = row["voltage_V"]
        again = direct_trace(v, "straight")
        np.testing.assert_allclose(again["q_m"], row["direct"]["q_m"], rtol=1e-12)
        ends = {}
        for key in ("direct", "model_in_end"):
            t, q = np.asarray(row[key]["t_s"]), np.asarray(row[key]["q_m"])
            ends[key] = (np.interp(2.5e-9, t, q), q.max())
        assert ends["direct"][0] > ends["model_in_end"][0] + 10e-9, v
        assert ends["direct"][1] > ends["model_in_end"][1] + 10e-9, v
    low = data["rows"][0]
    assert low["voltage_V"] == 0.26
    assert low["direct"]["q_max_m"] > stable[2] > low["model_in_end"]["q_max_m"]


def test_at_minus_4_mT_both_free_walls_run_back_equally_far_and_turn_together():
    # README "Reset", the correction (reset/walker_excursion.py): the free walls of
    # walker-plateau.json compared by their first excursion. At -4 mT the rigid wall's
    # farthest point back is 0.8-1.1x the 2-D wall's and reached within 1 ns of it (the
    # samples are 0.4 ns apart), while at 8 ns the 2-D wall is further back (it returns
    # less): the "2-4x further over 8 ns" above is the phase of the turn. At -42 mT the 2-D
    # wall is > 2x further back over 8 ns. The 2-D side is re-derived from the stored paths.
    import json

    sys.path.insert(0, str(PAPER_SCALE / "reset"))
    from walker_excursion import excursion

    rows = _plateau_rows()
    stored = json.loads((PAPER_SCALE / "reset" / "walker-excursion.json").read_text())["rows"]
    assert len(stored) == len(rows) == 6
    for e in stored:
        r = rows[(e["width_m"], e["field_T"], e["temperature_K"])]
        x = np.asarray(r["micromagnetics"]["position_m"])
        again = excursion(x.mean(axis=0) if x.ndim > 1 else x)
        assert again == pytest.approx(e["micromagnetics"])
        mm, rw = e["micromagnetics"], e["rigid"]
        if e["field_T"] == -4e-3:
            assert 0.8 < rw["back_m"] / mm["back_m"] < 1.1
            assert abs(rw["at_s"] - mm["at_s"]) <= 1e-9
            assert mm["end_m"] < rw["end_m"]
        else:
            assert mm["back_m"] > 2 * rw["back_m"]


def test_the_free_sot_driven_wall_is_the_rigid_wall_on_a_smooth_strip():
    # README "Straight track, two seeds" (capture/sot_free_wall.py): without notches, at the
    # straight track's current densities for 0.26 and 0.34 V, the 2-D wall's plateau speed is
    # within 10 % of the rigid wall's, and the distance to its farthest point within 15 % of the
    # rigid wall's (1.06-1.12; both walls move > 200 nm, so this is not two walls standing
    # still); the straight track's gap is therefore in the notches.
    import json

    data = json.loads((PAPER_SCALE / "adiabatic" / "capture" / "sot-free-wall.json").read_text())
    assert [r["track_voltage_V"] for r in data["rows"]] == [0.26, 0.34]
    start = 150e-9
    for r in data["rows"]:
        mm, rw = r["micromagnetics"], r["rigid"]
        assert abs(mm["plateau_speed_m_per_s"] / rw["plateau_speed_m_per_s"] - 1) < 0.10
        assert rw["farthest_m"] - start > 200e-9
        ratio = (mm["farthest_m"] - start) / (rw["farthest_m"] - start)
        assert abs(ratio - 1) < 0.15, ratio
