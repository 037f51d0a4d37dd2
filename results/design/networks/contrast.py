"""The designed f_meta synapse in stream learning (issue 19, step 5): its final accuracy
against the idealised device its target describes and against the paper's 1:4 trapezoid,
paired by seed (dwmtj.pipeline.report.paired_contrast).

    .venv/bin/python results/design/networks/contrast.py
"""

from pathlib import Path

import numpy as np

from dwmtj.pipeline.report import contrast_statement, paired_contrast
from nn.stream import load_result

HERE = Path(__file__).resolve().parent
DESIGNED = "results/design/scaled-fmeta-half/scaled-fmeta-half-model.json"
TARGET = "trapezoid:w1w2=0.5"
PAPER = "trapezoid"


def main() -> None:
    result = load_result(HERE / "fmeta-half-10x30" / "stream.h5")
    acc = 100 * np.asarray(result.stream_accuracy, float)[:, :, -1]
    index = {label: result.labels.index(label) for label in (DESIGNED, TARGET, PAPER)}
    for label, i in index.items():
        print(f"{label}: {acc[i].mean():.2f} +- {acc[i].std(ddof=1):.2f} %")
    d, t, p = (acc[index[k]] for k in (DESIGNED, TARGET, PAPER))
    print(contrast_statement("designed", "its target", paired_contrast(d, t)))
    print(contrast_statement("1:4 trapezoid", "designed", paired_contrast(p, d)))


if __name__ == "__main__":
    main()
