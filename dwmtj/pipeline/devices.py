"""The demo's device stage: for each device, draw the geometry, solve the current a write
pulse drives through the Ta layer, draw the |J| map, build the micromagnetic ``System``
(with the pulse and the spatial SOT), write the OOMMF input (a dry run: no OOMMF needed) and
summarise everything in ``summary.md`` and ``summary.json``. Cells are the presets' own:
10 nm for the paper devices (coarse: enough for the current, not for micromagnetics) and 2 nm
for the scaled ones.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

import geometries
from paperstyle import paper_style
from physics.calculators.oommf import OOMMFCalculator
from physics.current import notch_current_densities, save_current_map, solve_current
from physics.device import build_system
from physics.materials import material_for_geometry
from physics.pulses import default_pulse

#: preset -> pulse amplitude (V). Paper devices: 3.0 V, the trapezoid's average switching
#: voltage V_C,avg of the paper (Fig. 2b). Scaled devices: 0.3 V, which drives
#: 4e11-1.3e12 A/m^2 (median to notch-tip peak): the OOMMF reference's SOT range (case C).
DEMO_DEVICES: dict[str, float] = {
    "paper-trapezoid": 3.0,
    "paper-straight": 3.0,
    "scaled-trapezoid": 0.3,
    "scaled-straight": 0.3,
}


def _terms(container: Any) -> list[str]:
    """Class names of the terms of an energy or dynamics container."""
    return [type(term).__name__ for term in container]


def demo_device(
    name: str,
    voltage: float,
    out: Path,
    log: Any,
    track: Any = None,
    cell: tuple[float, float] | None = None,
    material: Any = None,
) -> dict[str, Any]:
    """Draw, solve and build one device at pulse amplitude ``voltage`` (V); returns its
    summary record. ``track``, ``cell`` (dx, dy in m) and ``material`` default to those of the
    preset ``name``; give them to show the device exactly as a run spec defines it."""
    t0 = time.perf_counter()
    track = track if track is not None else geometries.load_preset(name)
    cell = tuple(cell) if cell is not None else geometries.preset_cell(name)
    material = material if material is not None else material_for_geometry(name)
    with paper_style():
        fig = Figure(figsize=(7, 3.2), layout="constrained")
        ax = fig.subplots()
        track.plot(ax=ax)
        ax.set_title(f"{name}: {track.description}", fontsize=8)
        fig.savefig(out / f"{name}-geometry.png", dpi=150)
    t1 = time.perf_counter()
    log(f"{name}: geometry figure {t1 - t0:.2f} s")

    pulse = default_pulse(voltage)
    sol = solve_current(track, cell, voltage, material)
    t2 = time.perf_counter()
    log(f"{name}: current solve ({int(sol.mask.sum())} cells) {t2 - t1:.2f} s")
    save_current_map(sol, track, out / f"{name}-current.png", title=f"{name}: |J| at {voltage:g} V")
    t3 = time.perf_counter()
    log(f"{name}: |J| map {t3 - t2:.2f} s")

    system = build_system(
        track,
        material,
        cell,
        current=sol,
        pulse=pulse,
        wall_at_notch=0,
        name=name.replace("-", "_"),
    )
    t4 = time.perf_counter()
    log(f"{name}: micromagnetic System {t4 - t3:.2f} s")
    mif = OOMMFCalculator().run(
        system, t=pulse.duration + 10e-9, n=70, dry_run=True, workdir=out / "oommf"
    )
    t5 = time.perf_counter()
    log(f"{name}: OOMMF input (dry run) {t5 - t4:.2f} s")

    mtj_area = float(track.mtj_area) if track.mtj is not None else None
    r_p = material.ra_product / mtj_area if mtj_area else None
    mask = sol.mask
    plain = sol.J_magnitude[mask]
    return {
        "preset": name,
        "description": track.description,
        "voltage_V": voltage,
        "pulse": pulse.to_dict() | {"fwhm": pulse.fwhm, "duration": pulse.duration},
        "cell_m": list(cell),
        "grid": list(mask.shape),
        "track_cells": int(np.asarray(track.mask(*cell)).sum()),
        "conducting_cells": int(mask.sum()),
        "resistance_ohm": sol.resistance,
        "current_A": sol.current,
        "J_median_A_m2": float(np.median(plain)),
        "J_max_A_m2": float(plain.max()),
        "notches": notch_current_densities(sol, track),
        "mtj_area_m2": mtj_area,
        "mtj_R_P_ohm": r_p,
        "mtj_R_AP_ohm": r_p * (1 + material.tmr) if r_p else None,
        "material": material.to_dict(),
        "system": {
            "name": system.name,
            "energy": _terms(system.energy),
            "dynamics": _terms(system.dynamics),
            "T_K": system.T,
            "cells": [int(n) for n in system.m.mesh.n],
        },
        "oommf_mif": str(mif.mif.relative_to(out)),
        "seconds": {
            "geometry": t1 - t0,
            "current": t2 - t1,
            "current_map": t3 - t2,
            "system": t4 - t3,
            "oommf_mif": t5 - t4,
        },
    }


def write_summary(records: list[dict[str, Any]], out: Path) -> None:
    """Write summary.json and summary.md for the demo records."""
    (out / "summary.json").write_text(json.dumps(records, indent=2))
    lines = [
        "# dwmtj demo",
        "",
        "Write pulse: FWHM 50 ns, 10 ns linear rise and fall (40 ns plateau). Current from "
        "the 2-D conduction solve in 5 nm of Ta (rho = 190 uOhm cm), IN at V, CLK at 0.",
        "",
        "| device | V (V) | cell (nm) | cells | R (Ohm) | I (mA) | median J (A/m^2) | "
        "max J (A/m^2) | MTJ R_P / R_AP (Ohm) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        mtj = f"{r['mtj_R_P_ohm']:.4g} / {r['mtj_R_AP_ohm']:.4g}" if r["mtj_R_P_ohm"] else "-"
        lines.append(
            f"| {r['preset']} | {r['voltage_V']:g} | {r['cell_m'][0] * 1e9:g} | "
            f"{r['conducting_cells']} | {r['resistance_ohm']:.5g} | {r['current_A'] * 1e3:.4g} | "
            f"{r['J_median_A_m2']:.3g} | {r['J_max_A_m2']:.3g} | {mtj} |"
        )
    lines += ["", "## |J| at the notches (mean / peak over the notch's cell column, A/m^2)", ""]
    for r in records:
        cells = ", ".join(f"{n['J_mean']:.3g} / {n['J_peak']:.3g}" for n in r["notches"])
        lines.append(f"- **{r['preset']}**: {cells}")
    lines += ["", "## Micromagnetic System (one per device; OOMMF input in oommf/)", ""]
    for r in records:
        s = r["system"]
        lines.append(
            f"- **{r['preset']}** `{s['name']}`: cells {s['cells']}, energy "
            f"{' + '.join(s['energy'])}; dynamics {' + '.join(s['dynamics'])}; "
            f"T = {s['T_K']:g} K; MIF `{r['oommf_mif']}`"
        )
    lines += ["", "Figures: `<device>-geometry.png`, `<device>-current.png`.", ""]
    (out / "summary.md").write_text("\n".join(lines))
