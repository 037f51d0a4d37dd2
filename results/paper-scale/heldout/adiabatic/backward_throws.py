"""Walls thrown backwards by a forward pulse: the direct held-out run against the model
(issue 17; results/paper-scale/README.md, "Held-out case with adiabatic edges").

For every pulse that starts with the wall pinned at a notch, the direct 300 K run (465e5a38)
and the multiscale model (thermal_m 0.94, 256 walls, the landscape taken to 8 nm before the
CLK end, as ``compare-end-margin.json``) are tabulated per notch and voltage: how many walls
ended behind their notch (b), past it (f), and the number of trials. Then the high-drive
block (notches 3-4, V >= 0.84 V) is compared with a two-sided Fisher exact test. Writes
``backward-throws.json``.

    PYTHONPATH=. .venv/bin/python results/paper-scale/heldout/adiabatic/backward_throws.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy.stats import fisher_exact

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "adiabatic"))

from compare import direct_run, model_spec  # noqa: E402

from physics.experiment.commands import simulate_run  # noqa: E402
from physics.experiment.run_statistics import pulse_transitions  # noqa: E402
from physics.experiment.spec import RunSpec  # noqa: E402
from physics.experiment.store import open_run  # noqa: E402

THERMAL_M = 0.94
WALLS = 256
END_MARGIN = 8e-9
HIGH = {"notches": [3, 4], "min_voltage_V": 0.84}


def table(path: str) -> dict:
    """{notch: {voltage: [behind, past, trials]}} of the pulses that start pinned at a notch
    (state k + 1 = notch k)."""
    tr = pulse_transitions(open_run(path))
    out: dict = {}
    for s in range(1, tr.n_notches + 1):
        start = tr.start == s
        rows = {}
        for v in np.unique(tr.voltage[start]):
            k = start & np.isclose(tr.voltage, v)
            rows[f"{v:.2f}"] = [
                int((tr.end[k] < s).sum()),
                int((tr.end[k] > s).sum()),
                int(k.sum()),
            ]
        if rows:
            out[str(s - 1)] = rows
    return out


def high_block(t: dict) -> list[int]:
    """[behind, trials] summed over the high-drive block."""
    back = trials = 0
    for notch in HIGH["notches"]:
        for v, (b, _, n) in t.get(str(notch), {}).items():
            if float(v) >= HIGH["min_voltage_V"] - 1e-9:
                back += b
                trials += n
    return [back, trials]


def main() -> None:
    direct_path = direct_run("heldout-ramp")
    if direct_path is None:
        raise SystemExit("heldout-ramp: no direct run")
    data = model_spec("heldout-ramp", THERMAL_M, WALLS, 1, END_MARGIN)
    with tempfile.TemporaryDirectory() as out:
        model_path, _ = simulate_run(RunSpec.from_dict(data), out, figures=False, progress=False)
        model = table(str(model_path))
    direct = table(direct_path)
    d, m = high_block(direct), high_block(model)
    p = float(fisher_exact([[d[0], d[1] - d[0]], [m[0], m[1] - m[0]]]).pvalue)
    result = {
        "direct_run": Path(direct_path).stem,
        "thermal_m": THERMAL_M,
        "model_walls": WALLS,
        "end_margin_m": END_MARGIN,
        "high_drive_block": HIGH,
        "direct": direct,
        "model": model,
        "high_drive_behind": {"direct": d, "model": m, "fisher_p": p},
    }
    (HERE / "backward-throws.json").write_text(json.dumps(result, indent=1) + "\n")
    print(
        f"high drive, ended behind the notch: direct {d[0]}/{d[1]}, model {m[0]}/{m[1]}, p={p:.2g}"
    )
    for notch in sorted(direct, key=int):
        print(
            f"notch {notch}: direct "
            + " ".join(f"{v}:{b}b/{f}f/{n}" for v, (b, f, n) in direct[notch].items())
        )
        print(
            "         model  "
            + " ".join(f"{v}:{b}b/{f}f/{n}" for v, (b, f, n) in model.get(notch, {}).items())
        )


if __name__ == "__main__":
    main()
