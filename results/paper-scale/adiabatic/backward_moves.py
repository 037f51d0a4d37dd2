"""Walls lost backwards from notch 0 (towards the IN end) in forward ramps: the multiscale model
against the direct 300 K runs with adiabatic edges (issue 17; README "Adiabatic edges at
300 K").

For each case, every pulse that starts with the wall at notch 0 is counted per voltage: ended
behind notch 0, ended past it, trials (``heldout/adiabatic/backward_throws.table``). The
model runs the case's protocol with ``--m`` (thermal_m), 256 walls and the landscape taken to
8 nm before the CLK end. Then the pulses below notch 0's threshold (voltages where fewer than
half of the direct walls went forward) and those at or above it are pooled, and each block is
compared with a two-sided Fisher exact test. Also the model's wall at T = 0 through one pulse
at 0.25 and 0.30 V, q every 0.1 ns. Writes ``backward-moves.json``.

    PYTHONPATH=. .venv/bin/python results/paper-scale/adiabatic/backward_moves.py --m 0.94
    PYTHONPATH=. .venv/bin/python results/paper-scale/adiabatic/backward_moves.py --m 0.94 \
        --in-margin 8e-9 --json results/paper-scale/adiabatic/backward-moves-in-end.json

``--in-margin`` takes the model's landscape to that distance from the IN end (README "Capture
at T = 0, and the landscape to the IN end"); by default it starts half a notch spacing before
notch 0, and a wall that runs back past that point is gone.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from scipy.stats import fisher_exact

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "heldout" / "adiabatic"))

from backward_throws import table  # noqa: E402
from compare import direct_runs, model_spec  # noqa: E402

from physics.experiment.commands import simulate_run  # noqa: E402
from physics.experiment.spec import RunSpec  # noqa: E402

CASES = ("trapezoid-ramp-2seeds", "heldout-ramp", "straight-ramp")
WALLS = 256
END_MARGIN = 8e-9


def pooled_table(paths: list[str]) -> dict:
    """:func:`table` summed over several runs of one protocol."""
    out: dict = {}
    for p in paths:
        for notch, rows in table(p).items():
            for v, counts in rows.items():
                acc = out.setdefault(notch, {}).setdefault(v, [0, 0, 0])
                for i, c in enumerate(counts):
                    acc[i] += c
    return out


def blocks(direct: dict, model: dict) -> dict:
    """Notch 0's pulses pooled below / at or above its threshold (voltages where fewer than
    half of the direct walls went forward are below it): [behind, trials] for each side and
    the Fisher p."""
    out = {}
    d0, m0 = direct.get("0", {}), model.get("0", {})
    for name, below in (("below_threshold", True), ("at_or_above", False)):
        volts = [v for v, (_, f, n) in d0.items() if (f < 0.5 * n) == below]
        d = [sum(d0[v][0] for v in volts), sum(d0[v][2] for v in volts)]
        m = [
            sum(m0.get(v, [0, 0, 0])[0] for v in volts),
            sum(m0.get(v, [0, 0, 0])[2] for v in volts),
        ]
        p = float(fisher_exact([[d[0], d[1] - d[0]], [m[0], m[1] - m[0]]]).pvalue)
        out[name] = {"voltages_V": volts, "direct": d, "model": m, "fisher_p": p}
    return out


def notch0_point(land, bias: float) -> float:
    """Notch 0's stable point (m) under ``bias`` (A/m): the one nearest its centre (with the
    landscape taken to the IN end, ``land.stable_points`` may list points before it)."""
    import numpy as np

    stable = np.asarray(land.stable_points(bias), dtype=float)
    return float(stable[np.argmin(np.abs(stable - np.min(land.notch_centres)))])


def one_pulse(model, start: float, v: float, bias: float, settle: float, dt: float, every: int):
    """One ramp pulse (1 ns edges, 1.5 ns FWHM) of ``v`` (V) at T = 0 from ``start`` (m) under
    ``bias`` (A/m), then ``settle`` (s) at V = 0; q recorded every ``every`` steps of ``dt``."""
    import numpy as np

    from physics.engine.ensemble import ensemble_keys
    from physics.multiscale.wall_model import run_pulses

    return run_pulses(
        model,
        np.array([start]),
        0.0,
        v,
        bias,
        0.0,
        ensemble_keys(0, 1),
        rise=1e-9,
        plateau=0.5e-9,
        fall=1e-9,
        settle=settle,
        dt=dt,
        record_every=every,
    )


def t0_trajectories(
    m: float, in_margin: float | None = None, volts: tuple[float, ...] = (0.25, 0.30)
) -> dict:
    """The model's wall at T = 0 from notch 0 of the calibration trapezoid through one pulse of
    the ramp (1 ns edges, 1.5 ns FWHM, 1 ns settle, -4 mT): q (m) every 0.1 ns."""
    import numpy as np

    import physics.experiment.simulate_multiscale as sm
    from physics.multiscale.renormalise import renormalised

    spec = RunSpec.from_dict(model_spec("trapezoid-ramp", m, 1, 1, END_MARGIN, in_margin))
    land = sm.spec_landscape(spec, thermal_m=m, end_margin=END_MARGIN, in_margin=in_margin)
    model = sm.wall_model_of(land, material=renormalised(spec.material_object(), m))
    bias = float(spec.protocol.ramps[0].bias_h)
    start = notch0_point(land, bias)
    out = {"notch_stable_m": land.stable_points(bias).tolist(), "dt_record_s": 1e-10}
    for v in volts:
        r = one_pulse(model, start, v, bias, 1e-9, 2e-13, 500)
        out[f"{v:.2f}"] = np.asarray(r.q_record)[0].tolist()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--m", type=float, default=0.94, help="thermal_m of the model")
    parser.add_argument(
        "--in-margin",
        type=float,
        default=None,
        help="the landscape's start after the IN end (m; default: the calculator's)",
    )
    parser.add_argument("--json", default=str(HERE / "backward-moves.json"))
    args = parser.parse_args()
    result: dict = {"thermal_m": args.m, "model_walls": WALLS, "end_margin_m": END_MARGIN}
    if args.in_margin is not None:
        result["in_margin_m"] = args.in_margin
    with tempfile.TemporaryDirectory() as out:
        for case in CASES:
            paths = direct_runs(case)
            if paths is None:
                raise SystemExit(f"{case}: no direct run")
            data = model_spec(case, args.m, WALLS, 1, END_MARGIN, args.in_margin)
            model_path, _ = simulate_run(
                RunSpec.from_dict(data), out, figures=False, progress=False
            )
            direct = pooled_table(paths)
            model = table(str(model_path))
            result[case] = {
                "direct_runs": [Path(p).stem for p in paths],
                "direct_notch0": direct.get("0", {}),
                "model_notch0": model.get("0", {}),
                **blocks(direct, model),
            }
            for name in ("below_threshold", "at_or_above"):
                b = result[case][name]
                print(
                    f"{case} {name}: behind notch 0, direct {b['direct'][0]}/{b['direct'][1]}, "
                    f"model {b['model'][0]}/{b['model'][1]}, p = {b['fisher_p']:.2g}",
                    flush=True,
                )
    result["model_t0_from_notch0"] = t0_trajectories(args.m, args.in_margin)
    traj = result["model_t0_from_notch0"]
    for v in ("0.25", "0.30"):
        q = [round(x * 1e9) for x in traj[v]]
        print(f"model, T = 0, {v} V from notch 0: q (nm) every 0.1 ns: {q}")
    Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
