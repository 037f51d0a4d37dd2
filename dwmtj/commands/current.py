"""``dwmtj current``: the current density a voltage pulse drives through a track."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dwmtj.commands.options import finite_float, positive_float

if TYPE_CHECKING:
    from geometries.track import Track


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``current`` subcommand to the ``dwmtj`` parser."""
    p = subparsers.add_parser(
        "current",
        help="solve the heavy-metal current density of a track at a voltage",
        description=(
            "Solve div(sigma grad phi) = 0 in the Ta layer of a track (IN at V, CLK at 0, "
            "insulating edges); print the resistance, the current and the current density "
            "(range, and at each notch); optionally draw the |J| map."
        ),
    )
    p.add_argument("preset", help="geometry preset name or TOML file (see dwmtj geometry --list)")
    p.add_argument("--voltage", type=finite_float, required=True, help="IN - CLK voltage (V)")
    p.add_argument(
        "--cell",
        nargs=2,
        type=positive_float,
        metavar=("DX", "DY"),
        help="cell in metres (default: the preset's [mesh] cell)",
    )
    p.add_argument(
        "--material",
        default=None,
        help="material preset (default: the one that goes with the geometry)",
    )
    p.add_argument("--png", type=Path, help="write the |J| map to this PNG")
    p.set_defaults(func=run_current)


def resolve_track(name: str) -> tuple[Track, tuple[float, float] | None, str]:
    """(track, preset cell in m, label) from a preset name or a TOML path."""
    import geometries  # in the handler: `dwmtj --help` must not load scipy or pydantic

    path = Path(name)
    if path.suffix == ".toml":
        if not path.is_file():
            raise FileNotFoundError(f"preset: geometry file not found: {path}")
        track, cell = geometries.read_geometry_file(path)
        return track, cell, path.stem
    if name not in geometries.list_presets():
        raise ValueError(
            f"preset: unknown geometry preset {name!r}; choose one of {geometries.list_presets()}"
        )
    return geometries.load_preset(name), geometries.preset_cell(name), name


def run_current(args: argparse.Namespace) -> int:
    """Handler of ``dwmtj current``."""
    # physics.current draws with matplotlib (~0.35 s): loaded when the command runs
    from physics.current import notch_current_densities, save_current_map, solve_current

    track, preset_cell, label = resolve_track(args.preset)
    if args.cell is not None:
        cell = (args.cell[0], args.cell[1])
    elif preset_cell is not None:
        cell = preset_cell
    else:
        raise ValueError("cell: the geometry has no [mesh] cell; give --cell DX DY")
    from physics.materials import load_material, material_for_geometry

    material = load_material(args.material) if args.material else material_for_geometry(label)
    sol = solve_current(track, cell, args.voltage, material)
    jmag = sol.J_magnitude[sol.mask]
    print(
        f"{label}: V = {sol.voltage:g} V, cell {cell[0] * 1e9:g} x {cell[1] * 1e9:g} nm, "
        f"{int(sol.mask.sum())} conducting cells, Ta {material.t_hm * 1e9:g} nm, "
        f"rho {material.rho_hm * 1e8:g} uOhm cm"
    )
    print(f"  R = {sol.resistance:.6g} Ohm   I = {sol.current * 1e3:.6g} mA")
    print(
        f"  |J| = {jmag.min():.4g} ... {jmag.max():.4g} A/m^2 (median {float(np.median(jmag)):.4g})"
    )
    for row in notch_current_densities(sol, track):
        print(
            f"  notch {row['notch']} at x = {row['x'] * 1e9:.1f} nm: "
            f"|J| mean {row['J_mean']:.4g}, peak {row['J_peak']:.4g} A/m^2"
        )
    if args.png is not None:
        save_current_map(sol, track, args.png, title=f"{label}: |J| at {sol.voltage:g} V")
        print(f"  wrote {args.png}")
    return 0
