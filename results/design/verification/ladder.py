"""T = 0 micromagnetic depinning ladder of a designed scaled track (issue 19, step 4, first half).

The JAX engine (stochastic-Heun code path at T = 0, 4 nm cells, float32, dt 1e-13 s), the
design's pulse (1.5 ns FWHM, 50 ps edges, 0.2 ns settle, -4 mT) and the design's material: the
ta-cofeb-mgo-trapezoid preset renormalised to thermal_m = 0.95 (Ms m, A m^2, D m^2, Ku m^3; the
scaled-track calibration of results/paper-scale), so that the ladder checks the design model's
T = 0 thresholds (results/design/verification/surrogate-t0.json) on the same footing.
Every notch, 6 voltages per round, 2 rounds (bracket (v_high - v_low) / 25).
``--adiabatic``: 1 ns rise and fall (1.5 ns FWHM) and 1 ns settle in place of the 50 ps edges,
the scope of the wall models (results/paper-scale/README.md, "The straight track at T = 0, and
what the 50 ps edges do"): 50 ps edges kick the 2-D wall over notches below its quasi-static
threshold. Writes ``ladder-NAME-T0[-adiabatic].json``.

    PYTHONPATH=. nice -n 10 .venv/bin/python results/design/verification/ladder.py scaled-4-levels
    PYTHONPATH=. .venv/bin/python results/design/verification/ladder.py NAME --adiabatic
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from physics.experiment.depinning import depinning_ladder, depinning_spec
from physics.materials import load_material
from physics.multiscale.renormalise import renormalised

HERE = Path(__file__).resolve().parent


def main(name: str, v_low: float = 0.05, v_high: float = 1.0, adiabatic: bool = False) -> None:
    material = renormalised(load_material("ta-cofeb-mgo-trapezoid"), 0.95).to_dict()
    edge = 1e-9 if adiabatic else 0.05e-9
    spec = depinning_spec(
        str(HERE.parent / name / f"{name}.toml"),
        cell=(4e-9, 4e-9),
        pulse={"width": 1.5e-9, "rise": edge, "fall": edge},
        settle_time=1e-9 if adiabatic else 0.2e-9,
        calculator={"name": "jax", "dt": 1e-13, "dtype": "float32", "relax_time": 0.1e-9},
        material=material,
    )
    start = time.perf_counter()
    ladder = depinning_ladder(spec, v_low, v_high, n_grid=6, rounds=2)
    suffix = "-adiabatic" if adiabatic else ""
    table = {
        "command": f"results/design/verification/ladder.py {name}"
        + (" --adiabatic" if adiabatic else ""),
        "pulse": {"fwhm_s": 1.5e-9, "edges_s": edge},
        "material": "ta-cofeb-mgo-trapezoid, thermal_m = 0.95",
        "wall_s": round(time.perf_counter() - start, 1),
        **ladder.as_dict(),
    }
    out = HERE / f"ladder-{name}-T0{suffix}.json"
    out.write_text(json.dumps(table, indent=1))
    print(json.dumps(ladder.as_dict()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="a design folder in results/design")
    parser.add_argument("--v-low", type=float, default=0.05)
    parser.add_argument("--v-high", type=float, default=1.0)
    parser.add_argument("--adiabatic", action="store_true", help="1 ns edges, 1 ns settle")
    args = parser.parse_args()
    main(args.name, args.v_low, args.v_high, args.adiabatic)
