"""Edge roughness and uneven notch depths on the paper's full-size devices (issue 17, step 4):
the same protocols as the smooth devices (Fig. 2b ramps of the trapezoid, Fig. 3b ramps of the
straight track, multiscale path, room-temperature parameters), on tracks with geometries'
seeded rough edges (``rough_landscapes.py``) and on a trapezoid whose notch depths scatter
(``specs/trapezoid-ramp-16x13-uneven-d1.toml``), and on the smooth trapezoid without the
-4 mT bias (``specs/trapezoid-ramp-16x13-no-bias.toml``), against the smooth runs.

Per run:
- ``v_qs_V``: the quasi-static T = 0 depinning voltage of every notch at the run's bias (-4 mT,
  or none for the no-bias run; the landscape, read from the committed window cache);
- ``switches``: per state, V_C,avg and the paper's var = (max - min) / (2 avg) of the voltage
  that first moved the wall out of it in each ramp, and the share of those switches that
  jumped more than one state (``paper_table.switch_table``);
- ``visit_fraction``: per notch state, the share of ramps (realisation x cycle) in which the
  wall rested there after at least one pulse; a notch rested at in under half the ramps is
  "passed over", and ``resolved_notches`` counts the others (the paper: 4 of 9 states, put
  down to notches of uneven depth);
- ``between_notch_rests``: the share of readouts with the wall resting between notches,
  away from every notch and from both track ends (pinned by the rough edges).

    PYTHONPATH=. .venv/bin/python results/paper-scale/roughness/rough_table.py [--figure]

reads the run files (results/paper-scale/runs, results/paper-scale/roughness/runs) and writes
``rough-table.json`` (and ``rough-table.png``) beside this file.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import tomllib
from pathlib import Path

import numpy as np

from physics.experiment.run_statistics import pulse_transitions
from physics.experiment.simulate_multiscale import spec_landscape
from physics.experiment.spec import RunSpec
from physics.experiment.store import open_run
from physics.experiment.transitions import notch_states
from physics.materials import MU0

HERE = Path(__file__).resolve().parent
PAPER_SCALE = HERE.parent
BIAS = -4e-3 / MU0
"""The write bias (A/m along z)."""
CASES: dict[str, tuple[str, Path]] = {
    "trapezoid, smooth": ("trapezoid", PAPER_SCALE / "specs" / "trapezoid-ramp-16x13.toml"),
    "trapezoid, rough s1": ("trapezoid", HERE / "specs" / "trapezoid-ramp-16x13-rough-s1.toml"),
    "trapezoid, uneven depths": (
        "trapezoid",
        HERE / "specs" / "trapezoid-ramp-16x13-uneven-d1.toml",
    ),
    "trapezoid, smooth, no bias": (
        "trapezoid",
        HERE / "specs" / "trapezoid-ramp-16x13-no-bias.toml",
    ),
    **{
        f"trapezoid, smooth, -{b} mT": (
            "trapezoid",
            HERE / "specs" / f"trapezoid-ramp-16x13-bias-{b}mT.toml",
        )
        for b in (1, 2, 3)
    },
    "straight, smooth": ("straight", PAPER_SCALE / "specs" / "straight-ramp-16x10.toml"),
    "straight, rough s1": ("straight", HERE / "specs" / "straight-ramp-16x10-rough-s1.toml"),
    "straight, rough s2": ("straight", HERE / "specs" / "straight-ramp-16x10-rough-s2.toml"),
}
"""label -> (device, run spec); the run file is ``<run_id>.h5`` in one of ``RUN_DIRS``."""
RUN_DIRS = (PAPER_SCALE / "runs", HERE / "runs")
RESOLVED = 0.5
"""A notch state counts as resolved if the wall rests there in at least this share of ramps."""


def _switch_table():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("paper_table", PAPER_SCALE / "paper_table.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.switch_table


def load_spec(path: Path) -> RunSpec:
    return RunSpec.from_dict(tomllib.loads(path.read_text()))


def run_file(spec: RunSpec) -> Path:
    for folder in RUN_DIRS:
        path = folder / f"{spec.run_id}.h5"
        if path.exists():
            return path
    raise FileNotFoundError(f"no run file for {spec.run_id[:8]} in {[str(d) for d in RUN_DIRS]}")


def visits(path: Path) -> tuple[np.ndarray, float, int]:
    """Per state 0 ... n + 1, the share of ramps that rested there after a pulse; the share of
    readouts with the wall away from every notch but nearer to one than to either track end
    (pinned between notches, by the rough edges); the number of ramps."""
    record = open_run(path)
    tr = pulse_transitions(record)
    n_states = len(record.spec.track().notch_centres) + 2
    ramps = sorted(set(zip(tr.realisation.tolist(), tr.cycle.tolist(), strict=True)))
    index = {r: i for i, r in enumerate(ramps)}
    seen = np.zeros((len(ramps), n_states), dtype=bool)
    rows = [index[r] for r in zip(tr.realisation.tolist(), tr.cycle.tolist(), strict=True)]
    seen[rows, tr.end] = True
    notch = np.asarray(record.readouts["notch"])
    nearest = notch_states(record.spec, record.readouts["position"], notch)
    between = float(np.mean((notch < 0) & (nearest >= 1) & (nearest <= n_states - 2)))
    return seen.mean(axis=0), between, len(ramps)


def case_row(label: str) -> dict:
    device, spec_path = CASES[label]
    spec = load_spec(spec_path)
    path = run_file(spec)
    land = spec_landscape(
        spec, dq=spec.calculator["dq"], q_range=spec.calculator["q_range"], progress=False
    )
    table = _switch_table()(path)
    bias = float(spec.protocol.ramps[0].bias_field)  # T (the write ramps' bias)
    fraction, between, n_ramps = visits(path)
    n = len(land.notch_centres)
    notch_visits = fraction[1 : n + 1]
    return {
        "device": device,
        "spec": str(spec_path.relative_to(PAPER_SCALE.parent.parent)),
        "run": spec.run_id,
        "roughness": spec.geometry.get("roughness"),
        "notch_depths_m": spec.geometry["notches"]["depth"],
        "bias_T": bias,
        "v_qs_V": [float(v) for v in land.depinning_voltages(bias / MU0)],
        "switches": {str(k): v for k, v in table["switches"].items()},
        "last_over_first_notch_v_c": table["last_over_first_notch_v_c"],
        "n_ramps": n_ramps,
        "visit_fraction": [float(x) for x in fraction],
        "resolved_notches": int(np.sum(notch_visits >= RESOLVED)),
        "between_notch_rests": between,
    }


def bias_figure(rows: dict[str, dict], out: Path) -> None:
    """The smooth trapezoid's resolved notches and per-notch rests against the write bias."""
    from matplotlib.figure import Figure

    from paperstyle import paper_style

    sweep = sorted(
        (r["bias_T"], r)
        for label, r in rows.items()
        if r["device"] == "trapezoid" and r["roughness"] is None and "uneven" not in label
    )
    with paper_style():
        fig = Figure(figsize=(6.8, 2.6))
        left, right = fig.subplots(1, 2)
        bias_mT = [1e3 * b for b, _ in sweep]
        # Levels as the paper counts them (resistance levels): the resolved notches + the CLK end.
        left.plot(bias_mT, [r["resolved_notches"] + 1 for _, r in sweep], "o-")
        left.axhspan(3, 5, color="0.85", label="paper: 3-5 resolved states")
        left.set(
            xlabel="write bias (mT)",
            ylabel="resolved levels (notches + end)",
            ylim=(0, 8.5),
        )
        left.legend()
        for i, (b, r) in enumerate(sweep):
            k = np.arange(len(r["v_qs_V"]))
            right.plot(
                k, r["visit_fraction"][1 : len(k) + 1], "o-", color=f"C{i}", label=f"{1e3 * b:g} mT"
            )
        right.axhline(RESOLVED, color="k", lw=0.6, ls=":")
        right.set(xlabel="notch", ylabel="share of ramps resting there", ylim=(0, 1.05))
        right.legend(ncol=2)
        fig.tight_layout()
        fig.savefig(out)


def figure(rows: dict[str, dict], out: Path) -> None:
    from matplotlib.figure import Figure

    from paperstyle import paper_style

    with paper_style():
        fig = Figure(figsize=(6.8, 4.6))
        axes = fig.subplots(2, 2)
        for col, device in enumerate(("trapezoid", "straight")):
            labels = [k for k, r in rows.items() if r["device"] == device]
            top, bottom = axes[0, col], axes[1, col]
            width = 0.8 / len(labels)
            for i, label in enumerate(labels):
                r = rows[label]
                k = np.arange(len(r["v_qs_V"]))
                top.plot(k, r["v_qs_V"], "o-", ms=3, label=f"{label}: T = 0", color=f"C{i}")
                sw = {int(s): row for s, row in r["switches"].items()}
                ks = [s - 1 for s in sw if 1 <= s <= len(k)]
                top.plot(
                    ks,
                    [sw[s + 1]["v_c_avg_V"] for s in ks],
                    "s--",
                    ms=3,
                    mfc="none",
                    color=f"C{i}",
                    label=f"{label}: V_C,avg 300 K",
                )
                bottom.bar(
                    k + (i - (len(labels) - 1) / 2) * width,
                    r["visit_fraction"][1 : len(k) + 1],
                    width,
                    color=f"C{i}",
                    label=f"{label} ({r['resolved_notches']} resolved)",
                )
            top.set(xlabel="notch", ylabel="depinning voltage (V)", title=f"paper-{device}")
            bottom.axhline(RESOLVED, color="k", lw=0.6, ls=":")
            bottom.set(xlabel="notch", ylabel="share of ramps resting there", ylim=(0, 1.05))
            top.legend(fontsize=5.5)
            bottom.legend(fontsize=5.5, loc="lower left")
        fig.tight_layout()
        fig.savefig(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figure", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "rough-table.json")
    args = parser.parse_args()
    rows = {label: case_row(label) for label in CASES}
    for label, r in rows.items():
        vc = [round(s["v_c_avg_V"], 3) for s in r["switches"].values()]
        var = [round(s["var_percent"], 1) for s in r["switches"].values()]
        print(
            f"{label}: V_qs {np.round(r['v_qs_V'], 3)}; V_C {vc}; var {var}; "
            f"resolved {r['resolved_notches']}; visits {np.round(r['visit_fraction'], 2)}; "
            f"between {r['between_notch_rests']:.3f}"
        )
    args.out.write_text(json.dumps(rows, indent=2) + "\n")
    if args.figure:
        shown = {k: r for k, r in rows.items() if " mT" not in k}
        figure(shown, args.out.with_suffix(".png"))
        bias_figure(rows, args.out.with_name("bias-sweep.png"))


if __name__ == "__main__":
    main()
