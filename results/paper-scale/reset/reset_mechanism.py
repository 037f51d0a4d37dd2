"""How the micromagnetic wall resets at -42 mT, and why the rigid wall model cannot (issue 17;
results/paper-scale/README.md, "Reset").

Two direct 300 K runs of the scaled trapezoid with m stored after every pulse
(``reset-{field,sot}-direct.toml``: the wall at notch 3, -42 mT, six 1 ns steps at V = 0 or
-0.5 V) and the multiscale model on the same two protocols (thermal_m = 0.95, the value of the
fast-edge calibration; 64 walls). Per readout it reports

- the equal-area wall position (the readout's ``position``, the state the statistics use);
- the front on the track's centre line: the largest x of the up (+z) domain in the middle row
  of cells, i.e. where the wall's centre actually is;
- the reversed fraction at the IN end: the share of the cells within 20 nm of the IN end that
  read m_z < 0 (a reversed domain nucleated there, behind the written domain);

and, for scale, the two speeds of the rigid (q, phi) wall at -42 mT: the Walker velocity
v_W = (pi/2) gamma0 delta h_dmi (its largest steady speed) and its precessional speed
alpha gamma0 delta H / (1 + alpha^2) far above the Walker field, which is what the model does.
Writes ``reset-mechanism.json`` and ``reset-mechanism.png`` (m_z after each step, one wall per
protocol, and the mean positions against time).

    PYTHONPATH=. .venv/bin/python results/paper-scale/reset/reset_mechanism.py
"""

from __future__ import annotations

import json
import math
import tempfile
import tomllib
from pathlib import Path

import h5py
import numpy as np

HERE = Path(__file__).resolve().parent
CASES = {"field": HERE / "reset-field-direct.toml", "sot": HERE / "reset-sot-direct.toml"}
THERMAL_M = 0.95
MODEL_WALLS = 64
IN_END = 20e-9
"""Length of the IN-end region whose reversed share is reported (m)."""
GAMMA0 = 2.211e5
MU0 = 4e-7 * math.pi


def direct_run(spec_path: Path) -> Path:
    from physics.experiment.commands import simulate_run
    from physics.experiment.spec import RunSpec

    spec = RunSpec.from_dict(tomllib.loads(spec_path.read_text()))
    path, _ = simulate_run(spec, HERE / "runs", figures=False, progress=True)
    return Path(path)


def model_run(spec_path: Path, out: str) -> Path:
    from physics.experiment.commands import simulate_run
    from physics.experiment.spec import RunSpec

    data = tomllib.loads(spec_path.read_text())
    data.pop("snapshots")
    data["n_realisations"] = MODEL_WALLS
    data["calculator"] = {
        "name": "multiscale",
        "thermal_m": THERMAL_M,
        "dt": 3e-13,
        "relax_time": data["calculator"]["relax_time"],
    }
    path, _ = simulate_run(RunSpec.from_dict(data), out, figures=False, progress=False)
    return Path(path)


def snapshot_measures(path: Path, cell: tuple[float, float]) -> dict:
    """Centre-line front (m) and IN-end reversed share per (realisation, readout)."""
    with h5py.File(path, "r") as f:
        mz = np.asarray(f["snapshots/m"][..., 0, 2])  # (R, P, nx, ny)
    dx, _ = cell
    nx, ny = mz.shape[-2:]
    inside = np.abs(mz) > 1e-6
    row = ny // 2
    up = (mz[..., row] > 0) & inside[..., row]  # (R, P, nx)
    cols = np.arange(nx)
    front = np.where(up.any(-1), (np.where(up, cols, -1).max(-1) + 1) * dx, 0.0)
    n_in = int(round(IN_END / dx))
    end = inside[..., :n_in, :]
    reversed_share = ((mz[..., :n_in, :] < 0) & end).sum((-2, -1)) / end.sum((-2, -1))
    return {"front_m": front, "in_end_reversed": reversed_share, "mz": mz}


def main() -> None:
    from physics.experiment.store import open_run
    from physics.multiscale.renormalise import renormalised

    out: dict = {"thermal_m": THERMAL_M, "model_walls": MODEL_WALLS, "cases": {}}
    maps = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec_path in CASES.items():
            direct = open_run(direct_run(spec_path))
            model = open_run(model_run(spec_path, tmp))
            spec = direct.spec
            cell = (float(spec.cell[0]), float(spec.cell[1]))
            t = np.asarray(direct.pulses["t_readout"], dtype=float)
            snap = snapshot_measures(direct.path, cell)
            maps[name] = snap["mz"][0]
            pos = np.asarray(direct.readouts["position"], dtype=float)
            pos0 = np.asarray(direct.initial["position"], dtype=float)[:, 0]
            mpos = np.asarray(model.readouts["position"], dtype=float)
            mpos0 = np.asarray(model.initial["position"], dtype=float)[:, 0]
            out["cases"][name] = {
                "spec": spec_path.name,
                "direct_run": direct.run_id,
                "voltage_V": float(spec.protocol.ramps[0].v_start),
                "bias_field_T": float(spec.protocol.ramps[0].bias_field),
                "t_readout_s": t.tolist(),
                "direct": {
                    "start_position_m": pos0.tolist(),
                    "position_m": pos.tolist(),
                    "mean_position_m": pos.mean(0).tolist(),
                    "centre_front_m": snap["front_m"].tolist(),
                    "mean_centre_front_m": snap["front_m"].mean(0).tolist(),
                    "in_end_reversed": snap["in_end_reversed"].tolist(),
                    "speed_to_first_readout_m_per_s": float(np.mean((pos0 - pos[:, 0]) / t[0])),
                    "speed_over_3_readouts_m_per_s": float(np.mean((pos0 - pos[:, 2]) / t[2])),
                },
                "model": {
                    "run_id": model.run_id,
                    "mean_position_m": mpos.mean(0).tolist(),
                    "speed_to_first_readout_m_per_s": float(np.mean((mpos0 - mpos[:, 0]) / t[0])),
                    "speed_over_3_readouts_m_per_s": float(np.mean((mpos0 - mpos[:, 2]) / t[2])),
                },
            }
        material = renormalised(spec.material_object(), THERMAL_M)
    delta = material.wall_width
    h_dmi = material.D / (MU0 * material.Ms * delta)
    field = 42e-3 / MU0
    a = material.alpha
    out["rigid_wall"] = {
        "delta_m": delta,
        "h_dmi_A_per_m": h_dmi,
        "walker_field_A_per_m": a * math.pi / 2 * h_dmi,
        "walker_velocity_m_per_s": GAMMA0 * delta * math.pi / 2 * h_dmi,
        "precessional_speed_at_42mT_m_per_s": GAMMA0 * delta * a * field / (1 + a**2),
    }
    (HERE / "reset-mechanism.json").write_text(json.dumps(out, indent=1) + "\n")
    for name, c in out["cases"].items():
        d, m = c["direct"], c["model"]
        print(
            f"{name}: direct back-speed {d['speed_to_first_readout_m_per_s']:.0f} m/s (first "
            f"readout), {d['speed_over_3_readouts_m_per_s']:.0f} m/s (3); model "
            f"{m['speed_to_first_readout_m_per_s']:.1f} / {m['speed_over_3_readouts_m_per_s']:.1f}"
            f" m/s; IN-end reversed share per readout (mean) "
            + " ".join(f"{v:.2f}" for v in np.mean(d["in_end_reversed"], 0))
        )
    print(json.dumps(out["rigid_wall"], indent=1))
    plot(out, maps, cell)


def plot(out: dict, maps: dict, cell: tuple[float, float]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from paperstyle import paper_style

    with paper_style():
        n_p = next(iter(maps.values())).shape[0]
        fig = plt.figure(figsize=(7.2, 5.2))
        grid = fig.add_gridspec(n_p, 3, width_ratios=[1, 1, 1.3])
        for col, (name, mz) in enumerate(maps.items()):
            for p in range(n_p):
                ax = fig.add_subplot(grid[p, col])
                a = np.ma.masked_where(np.abs(mz[p]) < 1e-6, mz[p]).T
                nx, ny = mz[p].shape
                ax.imshow(
                    a,
                    origin="lower",
                    cmap="RdBu_r",
                    vmin=-1,
                    vmax=1,
                    extent=(0, nx * cell[0] * 1e9, 0, ny * cell[1] * 1e9),
                    interpolation="nearest",
                )
                ax.set_xticks([] if p < n_p - 1 else [0, 100, 200, 300])
                ax.set_yticks([])
                if p == 0:
                    volts = out["cases"][name]["voltage_V"]
                    ax.set_title(f"-42 mT, {volts:g} V", fontsize=8)
                if col == 0:
                    ax.set_ylabel(f"{p + 1} ns", fontsize=7)
            fig.axes[-1].set_xlabel("x (nm)")
        ax = fig.add_subplot(grid[:, 2])
        for c in out["cases"].values():
            t = np.concatenate([[0.0], np.asarray(c["t_readout_s"]) * 1e9])
            start = np.mean(c["direct"]["start_position_m"])
            d = np.concatenate([[start], c["direct"]["mean_position_m"]]) * 1e9
            m = np.concatenate([[start], c["model"]["mean_position_m"]]) * 1e9
            label = f"{c['voltage_V']:g} V"
            ax.plot(t, d, "o-", label=f"micromagnetics, {label}")
            ax.plot(t, m, "s--", label=f"rigid-wall model, {label}")
        v_w = out["rigid_wall"]["walker_velocity_m_per_s"]
        ax.plot([0, 2], [195, 195 - v_w * 2], ":", color="0.4", label="Walker velocity")
        ax.set_xlabel("time (ns)")
        ax.set_ylabel("wall position (nm)")
        ax.set_ylim(0, 220)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(HERE / "reset-mechanism.png")
        plt.close(fig)


if __name__ == "__main__":
    main()
