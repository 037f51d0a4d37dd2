"""What a DIRECT 300 K micromagnetic run of the paper's full-size devices would cost on this CPU,
and what the multiscale path (physics.multiscale) costs for the same protocol (not a test).

Direct part: the paper-trapezoid and paper-straight Systems (build_system with the 1 V current
and the paper's 50 ns pulse, 300 K) at 4 nm and 2 nm cells, float32, one demag convolution per
Heun step (the fast settings of results/experiments), an ensemble of ``BATCH`` members on one
JAX host device: the measured wall time per member-step, extrapolated to the paper's protocol
(16 realisations x 13 cycles x 12 pulses of 50 ns FWHM + 10 ns edges + 20 ns settle) at the
largest stable step of each cell (1.6e-13 s at 4 nm, 5.9e-14 s at 2 nm;
physics.experiment.limits).

Multiscale part (``--multiscale``): the same protocol of paper-trapezoid (the spec
results/paper-scale/specs/trapezoid-ramp-16x13.toml: 16 realisations x 13 cycles x a 30-pulse
ramp of 50 ns pulses) run end to end by ``dwmtj simulate`` on the multiscale calculator in a
subprocess, timed. The landscape comes from the committed window cache
(results/paper-scale/landscapes, passed as DWMTJ_LANDSCAPES), so the time is the wall model's
(plus start-up and the run file); the one-off landscape computation is read from
results/paper-scale/landscapes.json (the time it took when it was computed). ``--skip-direct``
runs only this part.

Usage: .venv/bin/python benchmarks/estimate_paper_scale.py [--multiscale [--skip-direct]]
(repository root; idle machine)
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=1")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from geometries.presets import load_preset  # noqa: E402
from physics.current import solve_current_on_mask  # noqa: E402
from physics.device import build_system  # noqa: E402
from physics.engine.ensemble import ensemble_keys, run_ensemble  # noqa: E402
from physics.engine.system import build_params  # noqa: E402
from physics.materials import material_for_geometry  # noqa: E402
from physics.pulses import TrapezoidalPulse  # noqa: E402

BATCH, STEPS = 4, 20
#: one step of the protocol (s): the 50 ns FWHM pulse with 10 ns edges lasts 60 ns, then 20 ns
#: settle; 90 ns leaves 10 ns of margin for the relaxation between cycles
PULSE_S = 90e-9
PROTOCOL_PULSES = 16 * 13 * 12
STABLE_DT = {4e-9: 1.6e-13, 2e-9: 5.9e-14}


def member_step_seconds(preset: str, cell: float) -> tuple[int, float]:
    """(magnetic cells, wall seconds per member and Heun step)."""
    track = load_preset(preset)
    material = material_for_geometry(preset)
    mask = track.mask(cell, cell)
    current = solve_current_on_mask(
        mask,
        (cell, cell),
        voltage=1.0,
        resistivity=material.rho_hm,
        thickness=material.t_hm,
        origin=(float(track.bounds[0]), float(track.bounds[1])),
    )
    pulse = TrapezoidalPulse.from_fwhm(50e-9, 10e-9, 10e-9, amplitude=3.0)
    system = build_system(
        track,
        material,
        (cell, cell),
        temperature=300.0,
        current=current,
        pulse=pulse,
        wall_at_notch=0,
    )
    m0, params, _ = build_params(system, dtype=jnp.float32, t_end=PULSE_S)
    keys = ensemble_keys(0, BATCH)
    dt = STABLE_DT[cell]

    def run():
        out = run_ensemble(
            m0,
            params,
            keys,
            dt=dt,
            steps_per_output=STEPS,
            n_outputs=1,
            devices=jax.devices()[:1],
            demag_update="step",
        )
        return jax.block_until_ready(out.m)

    run()  # compile
    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    return int(np.asarray(mask).sum()), elapsed / (BATCH * STEPS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--multiscale", action="store_true", help="also time the multiscale path")
    parser.add_argument(
        "--skip-direct", action="store_true", help="only the multiscale part (with --multiscale)"
    )
    args = parser.parse_args()
    if args.skip_direct:
        if args.multiscale:
            multiscale_line()
        return
    print(f"load average {os.getloadavg()[0]:.2f}; float32, demag once per step, {BATCH} members")
    print(
        "| device | cell | magnetic cells | ms per member-step | dt (s) "
        "| wall time of the protocol (years) |"
    )
    print("|---|---|---|---|---|---|")
    for preset in ("paper-trapezoid", "paper-straight"):
        for cell in (4e-9, 2e-9):
            n, sec = member_step_seconds(preset, cell)
            steps = PULSE_S / STABLE_DT[cell]
            total = sec * steps * PROTOCOL_PULSES
            print(
                f"| {preset} | {cell * 1e9:.0f} nm | {n:,} | {sec * 1e3:.2f} | "
                f"{STABLE_DT[cell]:.2g} | {total / 3.15e7:.2f} ({total / 3600:,.0f} h) |"
            )
    if args.multiscale:
        multiscale_line()


def multiscale_line() -> None:
    """Time the multiscale path on the full-size trapezoid's Fig. 2b protocol (module
    docstring) and print the benchmark line."""
    import json
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from physics.experiment.store import open_run

    repo = Path(__file__).resolve().parent.parent
    spec = "results/paper-scale/specs/trapezoid-ramp-16x13.toml"
    cache = repo / "results" / "paper-scale" / "landscapes"
    landscape_s = json.loads((repo / "results/paper-scale/landscapes.json").read_text())[
        "trapezoid"
    ]["seconds"]
    env = dict(os.environ, DWMTJ_LANDSCAPES=str(cache))
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as out:
        cpu0 = os.times()
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "dwmtj", "simulate", spec, "--out", out, "--no-figures"],
            check=True,
            cwd=repo,
            env=env,
        )
        wall = time.perf_counter() - start
        cpu1 = os.times()
        runs = sorted(Path(out).glob("*.h5"))
        record = open_run(runs[0])
        inside = float(record.provenance.get("wall_time_s", float("nan")))
        n_pulses = record.readouts["resistance"].size
    cpu = (cpu1.children_user - cpu0.children_user) + (cpu1.children_system - cpu0.children_system)
    print(
        f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after\n"
        f"| protocol | path | wall time | of which the simulation | CPU time | landscape "
        f"(one-off, cached) |\n|---|---|---|---|---|---|\n"
        f"| paper-trapezoid, 16 realisations x 13 cycles x 30-pulse ramp ({n_pulses:,} "
        f"pulses of 50 ns, 300 K, -4 mT), `{spec}` | multiscale (wall model on the cached "
        f"4 nm landscape) | {wall / 60:.1f} min | {inside:.0f} s | {cpu / 60:.1f} min | "
        f"{landscape_s / 60:.0f} min (landscapes.json) |"
    )


if __name__ == "__main__":
    main()
