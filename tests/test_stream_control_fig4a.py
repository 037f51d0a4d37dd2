"""The Laborieux control against the authors' published result (issue 18, item 1), from the
stored run results/stream/control_fig4a (Fig. 4a protocol: 784-1024-1024-10, 60 subsets x
1000 Fashion-MNIST images, 20 epochs each, 5 seeds; m = 2.5 metaplastic, m = 0 plain BNN).

Laborieux et al. (2021), Fig. 4a: the metaplastic BNN finishes clearly above the plain BNN
and keeps climbing as subsets arrive, while the plain BNN plateaus. Asserted: the paired
difference of the final accuracies (same seed = same images and initial weights) is > 2
points and significant at 1 % (two-sided paired t-test; measured +3.43 +- 0.24 points,
p = 1e-4); over the last 20 subsets the metaplastic curve still rises (measured +0.64 points
per 10 subsets, asserted > 0.3) and faster than the plain BNN's (+0.17).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dwmtj.pipeline.report import paired_contrast
from nn.stream import load_result

RUN = Path(__file__).resolve().parents[1] / "results" / "stream" / "control_fig4a" / "stream.h5"


def test_metaplastic_control_finishes_above_the_plain_bnn_and_keeps_climbing() -> None:
    result = load_result(RUN)
    cfg = result.config
    assert (cfg.n_subsets, cfg.subset_size, cfg.epochs, cfg.n_seeds) == (60, 1000, 20, 5)
    acc = 100 * np.asarray(result.stream_accuracy, float)
    meta, plain = result.labels.index("laborieux:m=2.5"), result.labels.index("laborieux:m=0")
    c = paired_contrast(acc[meta, :, -1], acc[plain, :, -1])
    assert c["delta_pct"] > 2.0 and c["p_value"] < 0.01
    x = np.arange(40, 60)
    slope_meta = 10 * np.polyfit(x, acc[meta, :, 40:60].mean(axis=0), 1)[0]
    slope_plain = 10 * np.polyfit(x, acc[plain, :, 40:60].mean(axis=0), 1)[0]
    assert slope_meta > 0.3 and slope_meta > slope_plain
