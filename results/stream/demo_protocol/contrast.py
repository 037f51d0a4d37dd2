"""The trapezoid-minus-straight contrast of the candidate demo stream protocols (issue 18).

Each folder is one `dwmtj train stream --device straight --device trapezoid --seeds 3
--subsets S --epochs E --no-full-data` run (the paper presets); prints the final accuracies
and the paired contrast that `dwmtj demo`'s report states (dwmtj.pipeline.report).

    .venv/bin/python results/stream/demo_protocol/contrast.py
"""

from pathlib import Path

import numpy as np

from dwmtj.pipeline.report import contrast_statement, paired_contrast
from nn.stream import load_result

HERE = Path(__file__).resolve().parent


def main() -> None:
    print("| protocol | straight (%) | trapezoid (%) | contrast |")
    print("|---|---|---|---|")
    for folder in sorted(HERE.glob("s*x*")):
        result = load_result(folder / "stream.h5")
        acc = 100 * np.asarray(result.stream_accuracy, float)[:, :, -1]
        s, t = result.labels.index("straight"), result.labels.index("trapezoid")
        c = paired_contrast(acc[t], acc[s])
        cfg = result.config
        print(
            f"| {cfg.n_subsets} x {cfg.epochs}, {cfg.n_seeds} seeds "
            f"| {acc[s].mean():.2f} +- {acc[s].std(ddof=1):.2f} "
            f"| {acc[t].mean():.2f} +- {acc[t].std(ddof=1):.2f} "
            f"| {contrast_statement('trapezoid', 'straight', c)} |"
        )


if __name__ == "__main__":
    main()
