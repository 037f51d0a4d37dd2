"""How far back, and when it turns: the free walls of ``walker_plateau.py`` compared by their
first excursion instead of by their displacement after 8 ns (issue 17; results/paper-scale/
README.md, "Reset").

Above Walker breakdown both walls oscillate, so the displacement at a fixed time mixes how far
a wall runs with the phase of its turn. For each case of ``walker-plateau.json`` this takes
the micromagnetic walls' mean path (stored there, sampled every 0.4 ns) and the rigid (q, phi)
wall's mean path, rerun with the same model, start, field and samples as ``walker_plateau.rigid``
(16 walls at 300 K with thermal_m = 0.95, one at T = 0), and reports for each: the farthest
point back from the start (m), when it is reached (s), and the position at 8 ns. Writes
``walker-excursion.json``.

    PYTHONPATH=. .venv/bin/python results/paper-scale/reset/walker_excursion.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import walker_plateau as wp  # noqa: E402


def rigid_path(width: float, field_T: float, temperature: float) -> np.ndarray:
    """Mean position (m) of the rigid walls at the samples of ``walker_plateau``."""
    from physics.engine.ensemble import ensemble_keys
    from physics.multiscale.renormalise import renormalised
    from physics.multiscale.wall_model import run_pulses

    mat = renormalised(wp.material(), wp.THERMAL_M) if temperature > 0 else wp.material()
    model = wp.flat_model(mat, width)
    n = wp.MODEL_WALLS if temperature > 0 else 1
    r = run_pulses(
        model,
        np.full(n, wp.START),
        0.0,
        0.0,
        field_T / wp.MU0,
        temperature,
        ensemble_keys(wp.SEED, n),
        rise=0.0,
        plateau=wp.T_RUN,
        fall=0.0,
        settle=0.0,
        dt=wp.MODEL_DT,
        record_every=int(round(wp.T_RUN / wp.N_SAMPLES / wp.MODEL_DT)),
    )
    return np.asarray(r.q_record, dtype=float).mean(axis=0)


def excursion(x: np.ndarray) -> dict:
    """Farthest point back from the start (m), its time (s) and the position at the end (m)."""
    t = wp.T_RUN / wp.N_SAMPLES * np.arange(1, x.size + 1)
    i = int(np.argmin(x))
    return {"back_m": float(wp.START - x[i]), "at_s": float(t[i]), "end_m": float(x[-1])}


def main() -> None:
    rows = json.loads((HERE / "walker-plateau.json").read_text())["rows"]
    out = []
    for r in rows:
        mm = np.asarray(r["micromagnetics"]["position_m"], dtype=float)
        mm = mm.mean(axis=0) if mm.ndim > 1 else mm
        rigid = rigid_path(r["width_m"], r["field_T"], r["temperature_K"])
        row = {
            "width_m": r["width_m"],
            "field_T": r["field_T"],
            "temperature_K": r["temperature_K"],
            "micromagnetics": excursion(mm),
            "rigid": excursion(rigid),
        }
        out.append(row)
        a, b = row["micromagnetics"], row["rigid"]
        print(
            f"{r['width_m'] * 1e9:.0f} nm, {r['field_T'] * 1e3:.0f} mT, {r['temperature_K']:.0f} K:"
            f" back {a['back_m'] * 1e9:.0f} nm at {a['at_s'] * 1e9:.1f} ns (end "
            f"{a['end_m'] * 1e9:.0f} nm); rigid {b['back_m'] * 1e9:.0f} nm at "
            f"{b['at_s'] * 1e9:.1f} ns (end {b['end_m'] * 1e9:.0f} nm)",
            flush=True,
        )
    (HERE / "walker-excursion.json").write_text(json.dumps({"rows": out}, indent=1) + "\n")


if __name__ == "__main__":
    main()
