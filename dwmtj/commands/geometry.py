"""``dwmtj geometry``: summarise a track preset or TOML file and draw it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from dwmtj.commands.options import positive_float

if TYPE_CHECKING:
    from geometries.track import Track

NM = 1e9


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``geometry`` subcommand to the ``dwmtj`` parser."""
    p = subparsers.add_parser(
        "geometry",
        help="summarise and draw a notched track (preset or TOML file)",
        description=(
            "Print a track's length, widths, notch centres, MTJ footprint and mask statistics "
            "(cell count, mask area vs the analytic area); optionally write a PNG picture."
        ),
    )
    p.add_argument("preset", nargs="?", help="preset name (see --list)")
    p.add_argument("--file", type=Path, help="geometry TOML file instead of a preset")
    p.add_argument(
        "--cell",
        nargs=2,
        type=positive_float,
        metavar=("DX", "DY"),
        help="mask cell in metres (default: the file's [mesh] cell)",
    )
    p.add_argument("--png", type=Path, help="write the picture (with the mask) to this PNG")
    p.add_argument("--list", action="store_true", help="list the presets and exit")
    p.set_defaults(func=run_geometry)


def run_geometry(args: argparse.Namespace) -> int:
    """Handler of ``dwmtj geometry``."""
    # in the handler: `dwmtj --help` must not load scipy or pydantic
    from geometries.presets import PRESET_DIR, list_presets, read_geometry_file

    if args.list:
        for name in list_presets():
            track, cell = read_geometry_file(PRESET_DIR / f"{name}.toml")
            print(f"{name:18s} {track.description}")
        return 0
    if (args.preset is None) == (args.file is None):
        raise ValueError("give exactly one of PRESET or --file (see --list for presets)")
    if args.file is not None:
        if not args.file.is_file():
            raise FileNotFoundError(f"--file: geometry file not found: {args.file}")
        path = args.file
    else:
        path = PRESET_DIR / f"{args.preset}.toml"
        if not path.is_file():
            raise ValueError(
                f"preset: unknown geometry preset {args.preset!r}; choose one of {list_presets()}"
            )
    track, preset_cell = read_geometry_file(path)
    if args.cell is not None:
        cell = (args.cell[0], args.cell[1])
        cell_note = "from --cell"
    elif preset_cell is not None:
        cell, cell_note = preset_cell, "recommended by the file's [mesh] cell"
    else:
        features = track.smallest_features()
        cell = (0.5 * features["x"][0], 0.5 * features["y"][0])
        cell_note = "half the smallest features (the file gives no [mesh] cell)"
    print(summary(track, cell, cell_note))
    if args.png is not None:
        # matplotlib (~0.3 s) only when a picture is asked for: `dwmtj --help` stays fast
        from paperstyle import paper_style

        args.png.parent.mkdir(parents=True, exist_ok=True)
        with paper_style():
            ax = track.plot(cell=cell)
            ax.figure.savefig(args.png, dpi=150)
        print(f"picture: {args.png}")
    return 0


def summary(track: Track, cell: tuple[float, float], cell_note: str = "") -> str:
    """Multi-line text summary of ``track`` and its mask on ``cell`` (m)."""
    dx, dy = cell
    lines = [f"geometry: {track.name or '(unnamed)'} - {track.description}".rstrip(" -")]
    if track.kind == "straight":
        widths = f"width {track.w1 * NM:g} nm"
    else:
        widths = f"w1 {track.w1 * NM:g} nm (IN, x = 0) -> w2 {track.w2 * NM:g} nm (CLK, x = L)"
    lines.append(f"  {track.kind}: length {track.length * NM:g} nm, {widths}")
    spec = track.notches
    if spec is None:
        lines.append("  notches: none")
    else:
        depth = (
            f"{spec.depth * NM:g} nm"
            if not isinstance(spec.depth, tuple)
            else "[" + ", ".join(f"{d * NM:g}" for d in spec.depth) + "] nm"
        )
        sides = "two-sided" if spec.sides == "both" else f"one-sided ({spec.sides})"
        lines.append(
            f"  notches: {spec.n} {spec.shape}, {sides}, depth {depth}, "
            f"width {spec.width * NM:g} nm"
        )
        centres = track.notch_centres
        lines.append("  notch centres (nm): " + " ".join(f"{c * NM:.4g}" for c in centres))
        lines.append(
            "  width at notch centres (nm): "
            + " ".join(f"{w * NM:.4g}" for w in track.width_at(centres))
        )
    if track.roughness is not None:
        r = track.roughness
        lines.append(
            f"  roughness: {r.amplitude * NM:g} nm RMS, correlation length "
            f"{r.correlation_length * NM:g} nm, seed {r.seed}"
        )
    if track.mtj is not None:
        m = track.mtj
        lines.append(
            f"  MTJ: x {m.x0 * NM:g}..{m.x1 * NM:g} nm, y {m.y0 * NM:g}..{m.y1 * NM:g} nm, "
            f"area over the track {track.mtj_area * 1e12:.4g} um^2"
        )
    nx, ny = track.grid_shape(dx, dy)
    mask = track.mask(dx, dy)
    inside = int(mask.sum())
    mask_area = inside * dx * dy
    rel = (mask_area - track.area) / track.area
    lines.append(
        f"  cell {dx * NM:g} x {dy * NM:g} nm ({cell_note}): grid {nx} x {ny} = {nx * ny} cells, "
        f"{inside} inside the track"
    )
    lines.append(
        f"  area: mask {mask_area * 1e18:.6g} nm^2 vs analytic {track.area * 1e18:.6g} nm^2 "
        f"({rel * 100:+.3f} %)"
    )
    if track.mtj is not None:
        lines.append(f"  MTJ cells: {int(track.mtj_mask(dx, dy).sum())}")
    return "\n".join(lines)
