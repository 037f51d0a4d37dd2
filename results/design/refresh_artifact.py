"""Rebuild a design's compact-model artifact from its stored report and preset, with the
current ``design.report.implied_model`` (no optimisation, no compile).

Used once when the artifact's network section changed (2026-12-07: the network's w1/w2 is now
the Eq. 1 fit of the design's predicted V50s, not the target's ratio), so that the committed
artifact is what ``dwmtj design`` writes today:

    PYTHONPATH=. .venv/bin/python results/design/refresh_artifact.py scaled-fmeta-half
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jax
import numpy as np

HERE = Path(__file__).resolve().parent


def artifact_from_stored(name: str):
    """The CompactModel that ``dwmtj design`` would write for the stored design ``name``."""
    from design.objective import Problem
    from design.optimise import DesignResult
    from design.report import design_track, implied_model
    from design.surrogate import load_calibration, profile_of
    from design.target import load_design_spec
    from geometries import load_preset

    report = json.loads((HERE / name / f"{name}-report.json").read_text())
    spec = load_design_spec(HERE / "targets" / f"{name}.toml")
    pred = report["predicted"]
    with jax.enable_x64(True):
        problem = Problem.of(spec, load_calibration())
        profile = profile_of(load_preset(HERE / name / f"{name}.toml"))
        result = DesignResult(
            K=len(pred["v50_V"]),
            profile=profile,
            v50=np.asarray(pred["v50_V"]),
            sigma=np.asarray(pred["sigma_V"]),
            target=np.asarray(pred["target_V"]),
            loss=float("nan"),
            feasible=bool(report["feasible"]),
            reasons=list(report["reasons"]),
            v_qs=np.asarray(pred["v_qs_T0_V"]),
        )
        what = f"designed by dwmtj design for target {spec.target.kind}"
        track = design_track(result, name, what)
        return implied_model(problem, result, track, name)


def main() -> None:
    from compact.artifact import save_model

    for name in sys.argv[1:]:
        path = HERE / name / f"{name}-model.json"
        save_model(artifact_from_stored(name), path)
        print(path)


if __name__ == "__main__":
    main()
