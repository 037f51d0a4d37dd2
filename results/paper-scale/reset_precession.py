"""Why the model's reset at -42 mT is weak (issue 17): the rigid (q, phi) wall on the scaled
trapezoid's landscape (thermal_m = 0.95), 32 walls starting at notch 3 (q = 195 nm), one 6 ns
pulse at each (V, bias) below, at T = 0 and 300 K: mean position after 1.5 ns and at the end,
and the largest speed. At -42 mT the bias is ~90x the model's Walker field
(alpha (pi/2) h_dmi = 0.36 kA/m at alpha = 0.02): phi precesses, the damping-like SOT
(~ cos phi) averages out and the wall moves at the precessional speed ~ alpha gamma0 delta H.

    PYTHONPATH=. .venv/bin/python results/paper-scale/reset_precession.py
"""

import tomllib
from pathlib import Path

import numpy as np

import physics.experiment.simulate_multiscale as sm
from physics.engine.ensemble import ensemble_keys
from physics.experiment.spec import RunSpec
from physics.multiscale.wall_model import run_pulses

HERE = Path(__file__).resolve().parent
MU0 = 4e-7 * np.pi


def main() -> None:
    with open(HERE / "validation" / "trapezoid-write-reset-multiscale.toml", "rb") as f:
        spec = RunSpec.from_dict(tomllib.load(f))
    landscape = sm.spec_landscape(spec, thermal_m=0.95)
    model = sm.wall_model_of(landscape)
    walker = model.alpha * np.pi / 2 * model.h_dmi
    print(f"alpha = {model.alpha}, h_dmi = {model.h_dmi:.0f} A/m, Walker ~ {walker:.0f} A/m")
    n = 32
    q0 = np.full(n, 1.95e-7)
    print(
        "| V (V) | bias (mT) | T (K) | <q> after 1.5 ns (nm) | <q> at 6.25 ns (nm) "
        "| max speed (m/s) |"
    )
    print("|---|---|---|---|---|---|")
    for volts, bias in [(0.0, -0.042), (-0.5, -0.042), (-0.5, -0.004), (-0.5, 0.0)]:
        for temperature in (0.0, 300.0):
            r = run_pulses(
                model,
                q0,
                0.0,
                volts,
                bias / MU0,
                temperature,
                ensemble_keys(0, n),
                rise=5e-11,
                plateau=6e-9,
                fall=5e-11,
                settle=2e-10,
                record_every=100,
            )
            q_rec = np.asarray(r.q_record)
            print(
                f"| {volts} | {bias * 1e3:.0f} | {temperature:.0f} "
                f"| {q_rec[:, 15].mean() * 1e9:.0f}"
                f" | {np.asarray(r.q).mean() * 1e9:.0f} | {np.asarray(r.speed_max).mean():.0f} |"
            )


if __name__ == "__main__":
    main()
