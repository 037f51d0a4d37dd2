"""The 2 nm check of the full-size thresholds (issue 17, step 1), from committed files:
results/paper-scale/check-2nm.json (written by results/paper-scale/check_2nm.py), the
assembled landscapes landscape-<device>-notch<k>-<cell>nm.npz and their cached windows in
results/paper-scale/landscapes/. Fast: nothing is minimised here. The numbers and the
tolerances' reasons: results/paper-scale/check-2nm.json and the commit that added them.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAPER_SCALE = ROOT / "results" / "paper-scale"
sys.path.insert(0, str(PAPER_SCALE))

from check_2nm import CELLS, CHECKS, barrier, landscape_file, notch_v_dep  # noqa: E402

from physics.multiscale.landscape import WallLandscape  # noqa: E402

DATA = json.loads((PAPER_SCALE / "check-2nm.json").read_text())
#: Upper bounds on V(4 nm) / V(2 nm) - 1: measured trapezoid notch 0 +18.1 % (quasi-static),
#: +4.7 % (V50, 300 K, 50 ns); straight notch 2 +1.5 %. The margins (2, 3 and 1.5 points)
#: are of the order of the resolution of a maximum taken on the 4 nm q grid (near the
#: maximum, neighbouring grid points of the 2 nm (h_pin - H) / h_sot differ by 3-5 %) and,
#: for V50, of the 0.01 V step of its scan (2 %).
TOLERANCE = {"trapezoid": 0.20, "straight": 0.03, "trapezoid_v50": 0.08}


def _land(device: str, cell_nm: int) -> WallLandscape:
    return WallLandscape.load(landscape_file(device, cell_nm))


@pytest.mark.parametrize("device", sorted(CHECKS))
@pytest.mark.parametrize("cell_nm", CELLS)
def test_json_is_what_the_committed_landscapes_give(device, cell_nm):
    """V_dep, the barrier's position and h_pin maximum recomputed from the committed landscape
    with the functions of check_2nm.py (WallLandscape.depinning_voltages) are the JSON's."""
    entry = DATA["devices"][device][f"{cell_nm}nm"]
    land = _land(device, cell_nm)
    assert land.meta["cell"] == [cell_nm * 1e-9] * 2
    assert notch_v_dep(land, device) == pytest.approx(entry["v_dep_quasi_static_V"], rel=1e-12)
    info = barrier(land, device)
    for key in ("stable_point_m", "threshold_at_q_m", "h_pin_max_A_per_m"):
        assert info[key] == pytest.approx(entry[key], rel=1e-12), key
    # the barrier is inside the reduced q range, not at its end (where it could go on)
    assert not info["threshold_at_range_end"]


@pytest.mark.parametrize("device", sorted(CHECKS))
@pytest.mark.parametrize("cell_nm", CELLS)
def test_committed_windows_are_the_landscapes_source(device, cell_nm):
    """The committed window files (the cache that track_landscape reads, so the check reruns
    from them; one per chunk of the q range) hold the h_hold that the landscape's h_pin was
    interpolated from."""
    entry = DATA["devices"][device][f"{cell_nm}nm"]
    land = _land(device, cell_nm)
    chunks = CHECKS[device]["chunks"]
    assert len(entry["window_files"]) == len(chunks)
    for (lo, hi), name in zip(chunks, entry["window_files"], strict=True):
        sel = (land.q >= lo - 1e-12) & (land.q <= hi + 1e-12)
        with np.load(PAPER_SCALE / name) as data:
            order = np.argsort(data["q"])
            q, h = np.asarray(data["q"])[order], np.asarray(data["h_hold"])[order]
        assert q.size == sel.sum() + 2
        np.testing.assert_array_equal(np.interp(land.q[sel], q, h), land.h_pin[sel])


def test_chunks_do_not_change_the_trapezoid_threshold():
    """The trapezoid's q range was swept in two chunks (each from a straight wall at its
    start) so that the 2 nm sweep fitted the time; at 4 nm the same range in one sweep gives
    the same threshold within 1 %."""
    entry = DATA["devices"]["trapezoid"]["4nm"]
    ratio = entry["single_sweep"]["v_dep_quasi_static_V"] / entry["v_dep_quasi_static_V"]
    assert abs(ratio - 1) < 0.01, ratio


@pytest.mark.parametrize("device", sorted(CHECKS))
def test_reduced_range_reproduces_the_committed_4nm_threshold(device):
    """At 4 nm the notch's own window over the reduced q range (its well and exit barrier)
    gives the threshold of the committed full-track landscape (landscapes.json): the range
    holds what sets the threshold. Differences come only from where the warm-started sweep
    begins; 2 % allowed (the window-vs-whole-track criterion of issue 17 is 3 %)."""
    entry = DATA["devices"][device]
    ratio = entry["4nm"]["v_dep_quasi_static_V"] / entry["committed_full_track_4nm_V"]
    assert abs(ratio - 1) < 0.02, ratio


@pytest.mark.parametrize("device", sorted(CHECKS))
def test_4nm_threshold_is_close_to_2nm(device):
    """The 4 nm threshold against the 2 nm one, same window and settings: 4 nm over-pins
    (ratio > 1), by less than TOLERANCE (the measured difference plus margin)."""
    entry = DATA["devices"][device]
    ratio = entry["4nm"]["v_dep_quasi_static_V"] / entry["2nm"]["v_dep_quasi_static_V"]
    assert ratio == pytest.approx(entry["ratio_4nm_over_2nm"], rel=1e-12)
    assert 1 < ratio < 1 + TOLERANCE[device], ratio


def test_trapezoid_v50_at_300k():
    """The wall model at 300 K, 50 ns pulses, on both landscapes of the trapezoid's notch 0:
    V50 below the quasi-static threshold on each (thermal activation over 50 ns), and the
    4 nm V50 above the 2 nm one by much less than the quasi-static threshold is (4.7 % vs
    18 %: the 4 nm threshold is set by a one-grid-point spike of (h_pin - H) / h_sot that a
    thermally activated wall crosses), below TOLERANCE."""
    entry = DATA["devices"]["trapezoid"]
    model = entry["wall_model_300K_50ns"]
    for cell in ("2nm", "4nm"):
        v50 = model[cell]["v50_V"]
        assert math.isfinite(v50)
        assert v50 < entry[cell]["v_dep_quasi_static_V"]
        f = np.asarray(model[cell]["fraction_depinned"])
        assert f[0] < 0.5 <= f[-1]
    ratio = model["v50_ratio_4nm_over_2nm"]
    assert 1 < ratio < 1 + TOLERANCE["trapezoid_v50"], ratio
    assert ratio - 1 < 0.5 * (entry["ratio_4nm_over_2nm"] - 1)
