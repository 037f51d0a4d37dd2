"""What throws the held-out walls "back" at high drive: a reversed domain nucleated at the
narrow IN end (issue 17; results/paper-scale/README.md, "Held-out case with adiabatic edges").

The held-out deep-notch trapezoid, the wall at notch 3, ONE forward pulse as in the direct ramp
(1 ns edges, 1.5 ns FWHM, 1 ns settle, -4 mT), m stored at the end (``pulse-*.toml``): at T = 0
(one wall; 0.76, 0.84, 0.92, 1.00 V) and at 300 K (8 walls; 0.84 and 1.00 V). Per wall: the
equal-area position that the readout reports, and the share of the cells within 20 nm of the
IN end that read m_z < 0 (a reversed domain there, i.e. a second wall). Writes
``in-end-nucleation.json``.

    PYTHONPATH=. .venv/bin/python \\
        results/paper-scale/heldout/adiabatic/nucleation/in_end_nucleation.py
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "reset"))

from reset_mechanism import snapshot_measures  # noqa: E402

CELL = (4e-9, 4e-9)


def in_end_reversed(path: str | Path) -> np.ndarray:
    """(walls,) share of the cells within 20 nm of the IN end with m_z < 0 after the
    (single) pulse (``reset_mechanism.snapshot_measures``)."""
    return snapshot_measures(Path(path), CELL)["in_end_reversed"][:, -1]


def centre_front(path: str | Path, dx: float = CELL[0]) -> np.ndarray:
    """(walls,) x (m) of the right end of the +z region on the track's middle row of cells
    after the pulse: where the original wall is, whatever happened at the IN end."""
    return snapshot_measures(Path(path), (dx, dx))["front_m"][:, -1]


def main() -> None:
    from physics.experiment.commands import simulate_run
    from physics.experiment.spec import RunSpec
    from physics.experiment.store import open_run

    rows = []
    for spec_path in sorted(HERE.glob("pulse-*.toml")):
        spec = RunSpec.from_dict(tomllib.loads(spec_path.read_text()))
        path, _ = simulate_run(spec, HERE / "runs", figures=False, progress=True)
        record = open_run(path)
        notch3 = float(np.sort(spec.track().notch_centres)[3])
        position = np.asarray(record.readouts["position"], dtype=float)[:, 0]
        share = in_end_reversed(path)
        rows.append(
            {
                "spec": spec_path.name,
                "run_id": record.run_id,
                "voltage_V": float(spec.protocol.ramps[0].v_start),
                "temperature_K": float(spec.protocol.temperature),
                "notch3_m": notch3,
                "start_m": np.asarray(record.initial["position"], dtype=float)[:, 0].tolist(),
                "position_m": position.tolist(),
                "in_end_reversed": share.tolist(),
                "centre_front_m": centre_front(path, float(spec.cell[0])).tolist(),
                "read_behind_notch3": int((position < notch3 - 15e-9).sum()),
                "nucleated": int((share > 0.5).sum()),
                "behind_and_nucleated": int(((position < notch3 - 15e-9) & (share > 0.5)).sum()),
            }
        )
        r = rows[-1]
        print(
            f"{spec_path.name}: {len(position)} walls, read behind notch 3: "
            f"{r['read_behind_notch3']}, IN end nucleated: {r['nucleated']}, both: "
            f"{r['behind_and_nucleated']}",
            flush=True,
        )
    (HERE / "in-end-nucleation.json").write_text(json.dumps({"rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
