"""Which sigma_G convention reproduces the paper's Fig. 6b statements (issue 18, item 3), from
the stored sweeps of the committed ResNet-8 and of the deeper ResNet-20 (``resnet20/``; same
2 000 random CIFAR-10-JPEG test images, paper-straight device, [0.94, 1.1] mS, one-sided
pairs; results/inference/README.md).

The paper: at the measured sigma_G the accuracy is "indistinguishable" from ideal at >= 16
notches, and at 10x it is "degraded, but still well above zero". With sigma_G = 2.53 uS in
siemens (``absolute``) 10x falls to chance; with the same number read as a fraction of G_max
and applied to the window (``relative_window``, CrossSim v2.0's convention: 6.9x smaller in
siemens) both statements hold. The assertions are the statements, with margins: 1x within
1 point of ideal, 10x above 50 % (chance is 10 %), 10x below 25 % for the conventions that do
not reproduce the paper.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

INFERENCE = Path(__file__).resolve().parents[1] / "results" / "inference"


def _points(path: Path) -> dict[tuple[int, float], float]:
    data = json.loads(path.read_text())
    assert data["test_images"] == 2000 and data["device"] == "paper-straight"
    return {
        (p["notches"], p["noise_factor"]): p["mean"]
        for p in data["points"]
        if p["level_mode"] == "uniform"
    }


#: the relative-window sweep of each network
RELATIVE_WINDOW = ["sigma_norm/relative_window", "resnet20/relative_window"]
#: the sweeps with sigma_G = 2.53 uS in siemens (clipped to the range, and clipped only to G >= 0)
ABSOLUTE = [".", "sigma_norm/absolute_noclip", "resnet20/absolute", "resnet20/absolute_noclip"]


@pytest.mark.parametrize("sweep", RELATIVE_WINDOW)
@pytest.mark.parametrize("notches", [16, 32, 64])
def test_relative_window_convention_reproduces_fig6b(sweep: str, notches: int) -> None:
    path = INFERENCE / sweep / "inference_sweep.json"
    data = json.loads(path.read_text())
    assert data["sigma_norm_given"] == "relative_window"
    assert data["write_sigma_S"] == pytest.approx(2.53e-6 / 1.1e-3 * 0.16e-3, rel=0.01)
    p = _points(path)
    assert abs(p[(notches, 1.0)] - p[(notches, 0.0)]) < 0.01  # indistinguishable
    assert p[(notches, 10.0)] > 0.50  # degraded, well above chance


@pytest.mark.parametrize("sweep", ABSOLUTE)
def test_absolute_sigma_collapses_at_10x(sweep: str) -> None:
    path = INFERENCE / sweep / "inference_sweep.json"
    data = json.loads(path.read_text())
    assert data["write_sigma_S"] == pytest.approx(2.53e-6, rel=0.01)
    p = _points(path)
    for notches in (16, 32, 64):
        assert p[(notches, 10.0)] < 0.25


def test_the_deeper_network_is_the_better_one_and_not_more_robust() -> None:
    """ResNet-20 is the deeper, more accurate network (ideal 32 notches above ResNet-8's by
    > 5 points on the same images), and depth does not rescue 10x at 2.53 uS: the finding is
    the noise convention's, not the small network's."""
    r8 = _points(INFERENCE / "inference_sweep.json")
    path20 = INFERENCE / "resnet20" / "absolute" / "inference_sweep.json"
    assert json.loads(path20.read_text())["depth"] == 20
    r20 = _points(path20)
    assert r20[(32, 0.0)] > r8[(32, 0.0)] + 0.05
    for notches in (16, 32, 64):
        assert r20[(notches, 10.0)] < 0.25
