"""The ablation ladder's table (issue 18, step 2): final accuracy per rung from the run folders.

Reads each program's freshest state: ``OUT/checkpoint/progress.json`` while a run is going on
(or stopped), else ``OUT/stream.h5``; a rung whose 60 subsets are not all done is marked
unfinished, with its accuracy after the last finished subset. Writes ``ladder_table.md`` and
``ladder_table.csv`` next to this script and prints the Markdown table.

    .venv/bin/python results/stream/ablation/ladder_table.py [--control DIR] [--readme]

``--control``: the folder of the Fig. 4a control run (rung 0); default
``results/stream/control_fig4a`` if it exists, else ``/work/control/control_fig4a``.
Accuracies in % of the 10 000 test images, mean +- standard deviation over the seeds
(numpy's std, ddof 0, as the runs' own summary.md); "last 10": the mean over subsets 51-60
per seed, then mean +- std of those over seeds.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np

HERE = Path(__file__).resolve().parent
STREAM = HERE.parent
N_SUBSETS = 60
BEGIN, END = "<!-- ladder-table: made by ladder_table.py -->", "<!-- /ladder-table -->"

EQ1 = "laborieux:m=2.5,fmeta=eq1,w1w2=0.25"
#: rung, what it switches on, spec label, folder (relative to results/stream/), hidden, epochs
RUNGS: list[tuple[str, str, str, str | None, int, int]] = [
    ("0", "the control (Laborieux et al., Fig. 4a)", "laborieux:m=2.5", None, 1024, 20),
    ("1", "+ 512-512 hidden units", "laborieux:m=2.5", "ablation/rung1_512x20", 512, 20),
    ("2", "+ 30 epochs per subset", "laborieux:m=2.5", "ablation/rungs2-6_512x30", 512, 30),
    ("3", "+ Eq. 1 with w1/w2 = 1:4", EQ1, "ablation/rungs2-6_512x30", 512, 30),
    ("4", "+ delta = 3", EQ1 + ",delta=3", "ablation/rungs2-6_512x30", 512, 30),
    ("5", "+ clip to [-1, 1]", EQ1 + ",delta=3,clip=1", "ablation/rungs2-6_512x30", 512, 30),
    (
        "6",
        "+ 4 levels, stochastic rounding",
        EQ1 + ",delta=3,clip=1,levels=4",
        "ablation/rungs2-6_512x30",
        512,
        30,
    ),
    ("ref", "the device path's trapezoid (wd 0)", "trapezoid", "full_60x30_5seeds", 512, 30),
    (
        "ref",
        "the device path's straight, delta 3",
        "straight:delta=3",
        "full_60x30_5seeds",
        512,
        30,
    ),
]


def read_run(folder: Path) -> dict | None:
    """Labels, seeds, (devices, seeds, subsets) accuracies (NaN: not done), hidden, epochs."""
    found = []
    progress = folder / "checkpoint" / "progress.json"
    if progress.is_file():
        p = json.loads(progress.read_text())
        cfg = p["meta"]["config"]
        labels = [d[0].split(" (")[0] for d in p["meta"]["devices"]]
        acc = np.asarray(p["stream_accuracy"], float)
        acc[acc < 0] = np.nan
        acc = acc.reshape(len(labels), cfg["n_seeds"], cfg["n_subsets"])
        found.append((labels, cfg, acc))
    h5 = folder / "stream.h5"
    if h5.is_file():
        with h5py.File(h5, "r") as f:
            cfg = json.loads(f.attrs["config"])
            labels = json.loads(f.attrs["labels"])
            acc = np.asarray(f["stream_accuracy"][()], float)
        if acc.shape[2] < cfg["n_subsets"]:  # saved after --max-steps: pad the rest
            pad = np.full((*acc.shape[:2], cfg["n_subsets"] - acc.shape[2]), np.nan)
            acc = np.concatenate([acc, pad], axis=2)
        found.append((labels, cfg, acc))
    if not found:
        return None
    labels, cfg, acc = max(found, key=lambda f: np.isfinite(f[2]).sum())
    return {
        "labels": labels,
        "acc": acc,
        "hidden": cfg.get("hidden_width", 512),  # runs before the field: 512
        "epochs": cfg["epochs"],
        "n_subsets": cfg["n_subsets"],
    }


def pm(x: np.ndarray) -> str:
    return f"{100 * np.mean(x):.2f} +- {100 * np.std(x):.2f}"


def table(control: Path) -> list[dict[str, str]]:
    rows = []
    for rung, what, label, rel, hidden, epochs in RUNGS:
        folder = control if rel is None else STREAM / rel
        row = {"rung": rung, "switched on": what, "spec": label, "hidden": str(hidden)}
        row["epochs"] = str(epochs)
        run = read_run(folder)
        if run is None or label not in run["labels"]:
            row.update(
                {"subsets done": "0", "final acc. (%)": "not run", "last 10 subsets (%)": ""}
            )
            rows.append(row)
            continue
        if (run["hidden"], run["epochs"]) != (hidden, epochs):
            raise ValueError(
                f"{folder}: {label} ran with hidden {run['hidden']}, epochs {run['epochs']}, "
                f"expected {hidden}, {epochs}"
            )
        acc = run["acc"][run["labels"].index(label)]  # (seeds, subsets)
        done = int(np.sum(np.all(np.isfinite(acc), axis=0)))
        row["seeds"] = str(acc.shape[0])
        row["subsets done"] = f"{done}/{run['n_subsets']}"
        if done == N_SUBSETS == run["n_subsets"]:
            row["final acc. (%)"] = pm(acc[:, -1])
            row["last 10 subsets (%)"] = pm(acc[:, -10:].mean(axis=1))
        elif done:
            row["final acc. (%)"] = f"UNFINISHED; after subset {done}: {pm(acc[:, done - 1])}"
            row["last 10 subsets (%)"] = ""
        else:
            row["final acc. (%)"] = "UNFINISHED; no subset done"
            row["last 10 subsets (%)"] = ""
        rows.append(row)
    return rows


def write_table(
    rows: list[dict[str, str]],
    header: list[str],
    csv_path: Path,
    code: Callable[[dict[str, str]], str] | None = None,
) -> str:
    """Write ``rows`` as CSV to ``csv_path`` and return them as a Markdown table; ``code``
    renders the spec cell (the column named ``spec``) of a row."""
    with open(csv_path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n", restval="")
        w.writeheader()
        w.writerows(rows)
    md = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        cells = [r.get(h, "") for h in header]
        if code is not None and "spec" in header:
            cells[header.index("spec")] = code(r)
        md.append("| " + " | ".join(cells) + " |")
    return "\n".join(md) + "\n"


def format_contrast(c: dict) -> str:
    """A paired contrast (``dwmtj.pipeline.report.paired_contrast``) as one table cell."""
    if c["se_pct"] is None:
        return f"{c['delta_pct']:+.2f} (1 seed)"
    return f"{c['delta_pct']:+.2f} +- {c['se_pct']:.2f}, p = {c['p_value']:.2g}"


def table_parser(description: str, marker: str, suffix: bool = True) -> argparse.ArgumentParser:
    """The command line shared by the table scripts: ``--readme`` (replace the table between
    the ``marker`` markers of README.md) and, with ``suffix``, ``--suffix``."""
    parser = argparse.ArgumentParser(description=description)
    if suffix:
        parser.add_argument("--suffix", default="", help="folder suffix, e.g. _2seeds")
    parser.add_argument(
        "--readme",
        action="store_true",
        help=f"also replace the table between the {marker} markers of README.md",
    )
    return parser


def replace_between_markers(path: Path, begin: str, end: str, text: str) -> None:
    """Replace what stands between the ``begin`` and ``end`` lines of ``path`` by ``text``."""
    head, found, rest = path.read_text().partition(begin)
    if not found:
        raise ValueError(f"{path}: no {begin!r} marker")
    _, _, tail = rest.partition(end)
    path.write_text(f"{head}{begin}\n{text}{end}{tail}")


def main() -> None:
    parser = table_parser(__doc__.splitlines()[0], "ladder-table", suffix=False)
    default = STREAM / "control_fig4a"
    parser.add_argument(
        "--control",
        type=Path,
        default=default if default.is_dir() else Path("/work/control/control_fig4a"),
        help="folder of the Fig. 4a control run (rung 0)",
    )
    args = parser.parse_args()
    rows = table(args.control)
    header = [
        "rung",
        "switched on",
        "spec",
        "hidden",
        "epochs",
        "seeds",
        "subsets done",
        "final acc. (%)",
        "last 10 subsets (%)",
    ]
    text = write_table(rows, header, HERE / "ladder_table.csv", code=lambda r: f"`{r['spec']}`")
    (HERE / "ladder_table.md").write_text(text)
    if args.readme:
        replace_between_markers(HERE / "README.md", BEGIN, END, text)
    print(text, end="")


if __name__ == "__main__":
    main()
