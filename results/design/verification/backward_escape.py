"""The design model's backward escape from notch 0 against the walls the 300 K micromagnetic
ramps lost behind notch 0 in their first pulse (results/design/README.md, "Backward escape").

For each checked design: the protocol of its ramp's first pulse read from the run spec
(relaxation at V = 0, the pulse's linear edges and flat top at the first voltage, the settle
at V = 0), the probability that the surrogate's wall at notch 0 escapes towards the IN end
during it (:func:`design.depinning.protocol_backward_escape_probability`, the -4 mT bias and
300 K of the run, thermal_m = 0.95 as the designs were made with, and 1 for comparison), and
the count of walls behind notch 0 after the first pulse from the ramp's table
(``ramp_table.py``), with the two-sided binomial p-value of that count under the prediction.

    PYTHONPATH=. .venv/bin/python results/design/verification/backward_escape.py
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jax
import numpy as np
from scipy import stats

import geometries
from design.depinning import Pulse, protocol_backward_escape_probability
from design.surrogate import load_calibration, profile_of
from physics.materials import MU0, load_material
from physics.multiscale.renormalise import renormalised

HERE = Path(__file__).resolve().parent
#: design -> (its 300 K ramp spec, the ramp's table)
CHECKS = {
    "scaled-4-levels": ("ramp-scaled-4-levels-300K.toml", "ramp-scaled-4-levels-300K.json"),
    "scaled-3-levels-calibrated": (
        "ramp-scaled-3-levels-calibrated-300K-sweep.toml",
        "ramp-scaled-3-levels-calibrated-300K.json",
    ),
}
THERMAL_M = (0.95, 1.0)


def first_pulse(spec: dict) -> tuple[list[float], list[float], dict]:
    """(times in s, volts in V) of the first pulse's drive, and the run's bias and temperature."""
    run = spec.get("run", spec)
    protocol = run["protocol"]
    relax = float(run["calculator"].get("relax_time", 1e-9))
    pulse = protocol["pulse"]
    rise, fall, width = float(pulse["rise"]), float(pulse["fall"]), float(pulse["width"])
    flat = width - 0.5 * (rise + fall)  # width is the full width at half maximum
    v = float(protocol["v_start"])
    edges = np.cumsum([0.0, relax, rise, flat, fall, float(protocol["settle_time"])])
    conditions = {
        "bias_T": float(protocol["bias_field"]),
        "temperature_K": float(protocol["temperature"]),
        "relax_s": relax,
        "rise_s": rise,
        "fwhm_s": width,
        "fall_s": fall,
        "settle_s": float(protocol["settle_time"]),
        "first_voltage_V": v,
    }
    return edges.tolist(), [0.0, 0.0, v, v, 0.0, 0.0], conditions


def main() -> None:
    cal = load_calibration()
    base = load_material("ta-cofeb-mgo-trapezoid")
    out = {}
    with jax.enable_x64(True):
        for name, (spec_file, table_file) in CHECKS.items():
            spec = tomllib.loads((HERE / spec_file).read_text())
            times, volts, conditions = first_pulse(spec)
            table = json.loads((HERE / table_file).read_text())["behind_notch_0"]
            n, k = table["realisations"], table["after_first_pulse"]
            track = geometries.load_preset(HERE.parent / name / f"{name}.toml")
            pulse = Pulse(
                duration=conditions["fwhm_s"],
                temperature=conditions["temperature_K"],
                bias=conditions["bias_T"] / MU0,
            )
            rows = {}
            for m in THERMAL_M:
                prob = float(
                    protocol_backward_escape_probability(
                        profile_of(track), renormalised(base, m), cal, pulse, times, volts
                    )
                )
                rows[f"thermal_m={m:g}"] = {
                    "predicted_probability": round(prob, 4),
                    "expected_walls": round(prob * n, 2),
                    "binomial_p_two_sided": float(stats.binomtest(k, n, prob).pvalue),
                }
            out[name] = {
                "protocol": conditions,
                "observed": {"behind_after_first_pulse": k, "realisations": n},
                "model": rows,
            }
    (HERE / "backward-escape.json").write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
