"""Fig. 5a's full-data ticks, with and without the 4-level grid (issue 18; results/stream/
README.md, "What differs", item 4).

The paper's ticks (30 epochs on all 60 000 images) run, top to bottom, straight delta 1,
straight delta 3, trapezoid (~86 %); the device path's run the other way round. The
``ticks`` program of ``run_rounding.sh`` trains the three rules with float weights and on the
paper's 4-level grid (stochastic rounding after every step), same seeds. This script reads
its ``stream.h5`` (and the device path's ticks from ``../full_60x30_5seeds/``) and writes next
to itself:

- ``ticks_table{suffix}.csv`` / ``.md``: the tick per rule and weights, in % of the 10 000
  test images, mean +- std over seeds (ddof 0, as the other tables);
- ``ticks_contrasts{suffix}.json``: paired-by-seed contrasts
  (``dwmtj.pipeline.report.paired_contrast``): 4 levels - float per rule, and straight -
  trapezoid per weights; and whether the paper's order (straight delta 1 > straight delta 3
  > trapezoid, by the seed means) holds per weights.

    .venv/bin/python results/stream/ablation/ticks_table.py [--suffix _2seeds] [--readme]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ladder_table import format_contrast, replace_between_markers, table_parser, write_table  # noqa: E402

from dwmtj.pipeline.report import paired_contrast  # noqa: E402
from nn.stream import load_result  # noqa: E402

HERE = Path(__file__).resolve().parent
BEGIN, END = "<!-- ticks-table: made by ticks_table.py -->", "<!-- /ticks-table -->"
#: rule name, spec with float weights (the control's language); "+ ,levels=4" = paper's grid
RULES = {
    "straight, delta 1": "laborieux:m=2.5,fmeta=eq1,w1w2=1,delta=1,clip=1",
    "straight, delta 3": "laborieux:m=2.5,fmeta=eq1,w1w2=1,delta=3,clip=1",
    "trapezoid 1:4, delta 3": "laborieux:m=2.5,fmeta=eq1,w1w2=0.25,delta=3,clip=1",
}
GRID = ",levels=4"
#: the device path's labels in ../full_60x30_5seeds/ (4 levels; weight decay 0)
DEVICE_PATH = {
    "straight, delta 1": "straight",
    "straight, delta 3": "straight:delta=3",
    "trapezoid 1:4, delta 3": "trapezoid",
}


def load(suffix: str) -> dict[str, np.ndarray]:
    """Full-data tick per spec label, (seeds,) in %, of the finished ``ticks`` program."""
    path = HERE / f"rounding_ticks_512x30{suffix}" / "stream.h5"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: run `run_rounding.sh ticks` first")
    result = load_result(path)
    ticks = 100.0 * np.asarray(result.full_data_accuracy, float)
    if not np.all(np.isfinite(ticks)):
        raise ValueError(f"{path}: the full-data runs are not finished")
    return {label: ticks[i] for i, label in enumerate(result.labels)}


def device_path_ticks() -> dict[str, np.ndarray]:
    result = load_result(HERE.parent / "full_60x30_5seeds" / "stream.h5")
    ticks = 100.0 * np.asarray(result.full_data_accuracy, float)
    return {label: ticks[i] for i, label in enumerate(result.labels)}


def _pm(x: np.ndarray) -> str:
    return f"{np.mean(x):.2f} +- {np.std(x):.2f}"


def table(ticks: dict[str, np.ndarray], device: dict[str, np.ndarray]) -> list[dict[str, str]]:
    rows = []
    for rule, spec in RULES.items():
        for weights, label in (("float", spec), ("4 levels", spec + GRID)):
            rows.append(
                {
                    "rule": rule,
                    "weights": weights,
                    "spec": label,
                    "seeds": str(ticks[label].size),
                    "full-data tick (%)": _pm(ticks[label]),
                }
            )
        dev = device[DEVICE_PATH[rule]]
        rows.append(
            {
                "rule": rule,
                "weights": "4 levels, device path (full_60x30_5seeds)",
                "spec": DEVICE_PATH[rule],
                "seeds": str(dev.size),
                "full-data tick (%)": _pm(dev),
            }
        )
    return rows


def contrasts(ticks: dict[str, np.ndarray]) -> dict:
    out: list[dict] = []
    for rule, spec in RULES.items():
        out.append(
            {
                "contrast": f"{rule}: 4 levels - float",
                **paired_contrast(ticks[spec + GRID], ticks[spec]),
            }
        )
    trap = RULES["trapezoid 1:4, delta 3"]
    order: dict[str, bool] = {}
    for weights, extra in (("float", ""), ("4 levels", GRID)):
        for rule in ("straight, delta 1", "straight, delta 3"):
            out.append(
                {
                    "contrast": f"{weights}: {rule} - trapezoid",
                    **paired_contrast(ticks[RULES[rule] + extra], ticks[trap + extra]),
                }
            )
        means = [float(np.mean(ticks[RULES[r] + extra])) for r in RULES]
        order[weights] = bool(means[0] > means[1] > means[2])
    return {"contrasts": out, "paper_order_holds": order}


def main() -> None:
    parser = table_parser(__doc__.splitlines()[0], "ticks-table")
    args = parser.parse_args()
    ticks = load(args.suffix)
    header = ["rule", "weights", "spec", "seeds", "full-data tick (%)"]
    text = write_table(
        table(ticks, device_path_ticks()),
        header,
        HERE / f"ticks_table{args.suffix}.csv",
        code=lambda r: f"`{r['spec'].removeprefix('laborieux:')}`",
    )
    result = contrasts(ticks)
    lines = ["| contrast (a - b, points, paired by seed) | tick |", "|---|---|"]
    lines += [f"| {c['contrast']} | {format_contrast(c)} |" for c in result["contrasts"]]
    lines.append("")
    lines += [
        f"The paper's order (straight delta 1 > straight delta 3 > trapezoid) with "
        f"{'float weights' if w == 'float' else 'weights on the 4-level grid'}: "
        f"{'holds' if ok else 'does not hold'}."
        for w, ok in result["paper_order_holds"].items()
    ]
    both = text + "\n" + "\n".join(lines) + "\n"
    (HERE / f"ticks_table{args.suffix}.md").write_text(both)
    if args.readme:
        replace_between_markers(HERE / "README.md", BEGIN, END, both)
    (HERE / f"ticks_contrasts{args.suffix}.json").write_text(
        json.dumps({"suffix": args.suffix, **result}, indent=2, allow_nan=False) + "\n"
    )
    print(both)


if __name__ == "__main__":
    main()
