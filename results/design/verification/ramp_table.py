"""Per-notch first-passage voltages of the 300 K micromagnetic ramp of the designed 4-level
track (results/design/verification/runs), against the design model's predictions.

A wall has left notch k at the first pulse after which it sits beyond the midpoint to notch
k + 1 (notch 3: 20 nm beyond it). Per notch: the median of those voltages over the
realisations (the ramp's V50; realisations that never leave count as above the last voltage)
and their standard deviation (the ramp's spread). The ramp gives every notch several tries at
rising voltages, so its V50 sits at or below the single-pulse V50 that the design predicts.

    PYTHONPATH=. .venv/bin/python results/design/verification/ramp_table.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import geometries
from physics.experiment.store import open_run

HERE = Path(__file__).resolve().parent
RUN = "0f435f46e638ba45b73731e01b608508b08475cb9d4d1d658ffa057bd43c1959.h5"


def main() -> None:
    run = open_run(HERE / "runs" / RUN)
    track = geometries.load_preset(HERE.parent / "scaled-4-levels" / "scaled-4-levels.toml")
    centres = np.asarray(track.notches.positions)
    edges = np.append((centres[:-1] + centres[1:]) / 2, centres[-1] + 20e-9)
    x = np.asarray(run.readouts["position"])  # (realisations, pulses), m
    volts = np.asarray(run.pulses["voltage"])[: x.shape[1]]
    report = json.loads(
        (HERE.parent / "scaled-4-levels" / "scaled-4-levels-report.json").read_text()
    )
    rows = []
    for k, edge in enumerate(edges):
        beyond = x > edge
        first = np.where(beyond.any(axis=1), volts[np.argmax(beyond, axis=1)], np.inf)
        left = np.isfinite(first)
        rows.append(
            {
                "notch": k,
                "realisations": int(x.shape[0]),
                "left_by_last_pulse": int(left.sum()),
                "ramp_v50_V": float(np.median(first)) if left.sum() * 2 > x.shape[0] else None,
                "ramp_spread_V": float(np.std(first[left], ddof=1)) if left.sum() > 2 else None,
            }
        )
    predicted = report.get("predicted") or report.get("design") or {}
    out = {"run": RUN, "voltages_V": volts.round(4).tolist(), "notches": rows, "design": predicted}
    (HERE / "ramp-scaled-4-levels-300K.json").write_text(json.dumps(out, indent=1))
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
