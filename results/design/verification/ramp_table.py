"""Per-notch first-passage voltages of the 300 K micromagnetic ramp of the designed 4-level
track (results/design/verification/runs), against the design model's predictions.

A wall has left notch k at the first pulse after which it sits beyond the midpoint to notch
k + 1 (notch 3: 20 nm beyond it). Per notch: the median of those voltages over the
realisations (the ramp's V50; realisations that never leave count as above the last voltage)
and their standard deviation (the ramp's spread). The ramp gives every notch several tries at
rising voltages, so its V50 sits at or below the single-pulse V50 that the design predicts.
Also counted: walls behind the midpoint between the IN end and notch 0 (moved the wrong way,
by the bias or the track's taper) after the first and the last pulse.

    PYTHONPATH=. .venv/bin/python results/design/verification/ramp_table.py
    PYTHONPATH=. .venv/bin/python results/design/verification/ramp_table.py \
        --design scaled-3-levels-calibrated --runs results/design/verification/runs-3-levels-300K \
        --out ramp-scaled-3-levels-calibrated-300K.json

``--runs``: run files, or folders whose complete run files (``*.h5``) are pooled (the
realisations of a seed sweep; every run must have the same voltages). Defaults: the 4-level
design and its one run.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import geometries
from physics.experiment.store import open_run

HERE = Path(__file__).resolve().parent
RUN = "0f435f46e638ba45b73731e01b608508b08475cb9d4d1d658ffa057bd43c1959.h5"


def _run_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.h5")) if path.is_dir() else [path]
    if not files:
        raise SystemExit(f"runs: no run files in {', '.join(map(str, paths))}")
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--design", default="scaled-4-levels", help="folder under results/design")
    parser.add_argument("--runs", type=Path, nargs="+", default=[HERE / "runs" / RUN])
    parser.add_argument("--out", default="ramp-scaled-4-levels-300K.json", help="file name here")
    args = parser.parse_args()
    files = _run_files(args.runs)
    runs = [open_run(f) for f in files]  # refuses partial or corrupt files
    design = HERE.parent / args.design
    track = geometries.load_preset(design / f"{args.design}.toml")
    centres = np.asarray(track.notches.positions)
    edges = np.append((centres[:-1] + centres[1:]) / 2, centres[-1] + 20e-9)
    x = np.concatenate(
        [np.asarray(r.readouts["position"]) for r in runs]
    )  # (realisations, pulses), m
    volts = np.asarray(runs[0].pulses["voltage"])[: x.shape[1]]
    for f, r in zip(files, runs, strict=True):
        if not np.allclose(np.asarray(r.pulses["voltage"])[: x.shape[1]], volts):
            raise SystemExit(f"runs: {f.name} has other voltages than {files[0].name}")
    report = json.loads((design / f"{args.design}-report.json").read_text())
    # walls that went the wrong way: behind the midpoint between the IN end and notch 0
    behind = x < centres[0] / 2
    kept = ~behind.any(axis=1)  # never behind it after any pulse
    rows = []
    for k, edge in enumerate(edges):
        beyond = x > edge
        first = np.where(beyond.any(axis=1), volts[np.argmax(beyond, axis=1)], np.inf)
        left = np.isfinite(first)
        row = {
            "notch": k,
            "realisations": int(x.shape[0]),
            "left_by_last_pulse": int(left.sum()),
            "ramp_v50_V": float(np.median(first)) if left.sum() * 2 > x.shape[0] else None,
            "ramp_spread_V": float(np.std(first[left], ddof=1)) if left.sum() > 2 else None,
        }
        if not kept.all():  # the same among the walls that never went behind notch 0
            fk, lk = first[kept], left[kept]
            row["kept_walls"] = int(kept.sum())
            row["kept_left_by_last_pulse"] = int(lk.sum())
            row["kept_ramp_v50_V"] = float(np.median(fk)) if lk.sum() * 2 > kept.sum() else None
        rows.append(row)
    predicted = report.get("predicted") or report.get("design") or {}
    run_names = [f.name for f in files]
    out = {
        "run": run_names[0] if len(run_names) == 1 else run_names,
        "voltages_V": volts.round(4).tolist(),
        "behind_notch_0": {
            "after_first_pulse": int(behind[:, 0].sum()),
            "after_last_pulse": int(behind[:, -1].sum()),
            "realisations": int(x.shape[0]),
        },
        "notches": rows,
        "design": predicted,
    }
    (HERE / args.out).write_text(json.dumps(out, indent=1))
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
