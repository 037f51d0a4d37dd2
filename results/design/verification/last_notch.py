"""Where does a wall go from the last notch of a designed scaled track? (issue 19, step 4)

T = 0 micromagnetics (the JAX engine, 4 nm cells, float32, dt 1e-13 s, the design's material
at thermal_m = 0.95 as ladder.py) on results/design/scaled-3-levels-calibrated: the wall
relaxed at the last notch (53 nm from the CLK end), then pulses of 1.5 ns FWHM with 1 ns edges
and 1 ns settle, the wall's position read after each. With the -4 mT bias of the designs and
without it, and negative pulses for contrast. Writes last-notch.json.

    PYTHONPATH=. .venv/bin/python results/design/verification/last_notch.py
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from physics.experiment.commands import simulate_run
from physics.experiment.spec import RunSpec
from physics.experiment.store import open_run
from physics.materials import load_material
from physics.multiscale.renormalise import renormalised

HERE = Path(__file__).resolve().parent
DESIGN = "results/design/scaled-3-levels-calibrated/scaled-3-levels-calibrated.toml"
CASES = {
    "bias -4 mT, +0.5 ... +1.0 V": {"v_start": 0.5, "v_stop": 1.0, "n_steps": 3},
    "bias 0, +0.5 ... +1.0 V": {"v_start": 0.5, "v_stop": 1.0, "n_steps": 3, "bias_field": 0.0},
    "bias -4 mT, +0.2 ... +0.4 V": {"v_start": 0.2, "v_stop": 0.4, "n_steps": 3},
    "bias -4 mT, -0.2, -0.4 V": {"v_start": -0.2, "v_stop": -0.4, "n_steps": 2},
}


def main() -> None:
    material = renormalised(load_material("ta-cofeb-mgo-trapezoid"), 0.95).to_dict()
    rows = []
    with tempfile.TemporaryDirectory() as out:
        for name, edit in CASES.items():
            data = {
                "geometry": DESIGN,
                "material": material,
                "cell": [4e-9, 4e-9],
                "n_realisations": 1,
                "calculator": {"name": "jax", "dt": 1e-13, "dtype": "float32", "relax_time": 1e-10},
                "protocol": {
                    "kind": "voltage_ramp",
                    "n_cycles": 1,
                    "temperature": 0.0,
                    "bias_field": -4e-3,
                    "settle_time": 1e-9,
                    "pulse": {"width": 1.5e-9, "rise": 1e-9, "fall": 1e-9},
                    "initial_wall": {"at": 2},
                    **edit,
                },
            }
            spec = RunSpec.from_dict(data)
            path, _ = simulate_run(spec, out, figures=False, progress=False)
            run = open_run(str(path))
            row = {
                "case": name,
                "voltages_V": np.linspace(
                    edit["v_start"], edit["v_stop"], edit["n_steps"]
                ).tolist(),
                "start_nm": float(np.asarray(run.initial["position"]).ravel()[0] * 1e9),
                "after_each_pulse_nm": (np.asarray(run.readouts["position"])[0] * 1e9).tolist(),
                "notch_after_each_pulse": np.asarray(run.readouts["notch"])[0].tolist(),
                "notch_centres_nm": (np.asarray(spec.track().notch_centres) * 1e9).tolist(),
                "track_length_nm": spec.track().length * 1e9,
            }
            rows.append(row)
            print(
                name, round(row["start_nm"], 1), np.round(row["after_each_pulse_nm"], 1), flush=True
            )
    (HERE / "last-notch.json").write_text(json.dumps({"rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
