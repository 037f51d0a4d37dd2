"""Tests for geometries/: notched tracks, masks, widths, roughness, validation, presets, CLI.

All lengths in metres. Analytic references are written out here independently of the code:
area of a trapezoid L (w1 + w2)/2, removed notch areas (rectangular d b, triangular d b / 2,
rounded pi d b / 4 per side), and the local width w(x) = w1 + (w2 - w1) x / L.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

import dwmtj
from geometries import (
    EdgeRoughness,
    MTJFootprint,
    NotchSpec,
    Track,
    cell_count,
    list_presets,
    load_preset,
    preset_cell,
)

NM = 1e-9
NOTCH_AREA_FACTOR = {"rectangular": 1.0, "triangular": 0.5, "rounded": math.pi / 4}


def analytic_area(w1, w2, length, n_notches=0, depth=0.0, width=0.0, shape="rectangular", sides=2):
    """Closed-form area (m^2) of a trapezoid minus its notches."""
    return length * (w1 + w2) / 2 - n_notches * sides * NOTCH_AREA_FACTOR[shape] * depth * width


# --------------------------------------------------------------------------- mask area
# Dimensions deliberately not multiples of the cells, so that edges cut through cells.
AREA_CASES = {
    "straight": (47 * NM, 47 * NM, None),
    "trapezoid": (23 * NM, 97 * NM, None),
    "straight-rect": (47 * NM, 47 * NM, "rectangular"),
    "straight-tri": (47 * NM, 47 * NM, "triangular"),
    "trapezoid-rect": (23 * NM, 97 * NM, "rectangular"),
    "trapezoid-tri": (23 * NM, 97 * NM, "triangular"),
    "trapezoid-round": (23 * NM, 97 * NM, "rounded"),
}


@pytest.mark.parametrize("case", list(AREA_CASES))
def test_mask_area_within_one_cell_row_and_converging(case):
    w1, w2, shape = AREA_CASES[case]
    length = 303 * NM
    kind = "straight" if w1 == w2 else "trapezoid"
    if shape is None:
        notches, expected = None, analytic_area(w1, w2, length)
    else:
        notches = NotchSpec(depth=5 * NM, width=14 * NM, count=4, shape=shape)
        expected = analytic_area(w1, w2, length, 4, 5 * NM, 14 * NM, shape)
    track = Track(kind=kind, length=length, w1=w1, w2=w2, notches=notches)
    assert track.area == pytest.approx(expected, rel=1e-12)
    # Perimeter: two slanted sides, two ends, plus at most 2 b extra per notch side.
    slanted = 2 * math.hypot(length, (w2 - w1) / 2) + w1 + w2
    extra = 0.0 if notches is None else 4 * 2 * 2 * 14 * NM
    assert slanted * (1 - 1e-12) <= track.perimeter <= slanted * (1 + 1e-12) + extra
    errors = []
    for cell in (3.5 * NM, 0.7 * NM):
        mask = track.mask(cell, cell)
        error = abs(mask.sum() * cell * cell - expected)
        # Cell-centre rule: along the outline each boundary cell is misclassified by at most
        # about half a cell, so |error| <= perimeter x cell / 2 (half the issue's "one cell
        # row", perimeter x cell).
        assert error <= 0.5 * track.perimeter * cell, (case, cell, error)
        errors.append(error)
    # Converges: the finer (5x smaller) cell is closer to the analytic area.
    assert errors[1] < errors[0]


def test_grid_matches_discretisedfield_mesh():
    df = pytest.importorskip("discretisedfield")
    track = load_preset("scaled-trapezoid")
    dx, dy, t = 2 * NM, 2.5 * NM, 1 * NM
    xc, yc = track.grid(dx, dy)
    mask = track.mask(dx, dy)
    nx, ny = math.ceil(300 / 2), math.ceil(100 / 2.5)  # bounds 300 nm x 100 nm
    assert mask.shape == (nx, ny) == (xc.size, yc.size) == track.grid_shape(dx, dy)
    (x0, y0), (x1, y1) = track.mesh_corners(dx, dy)
    mesh = df.Mesh(p1=(x0, y0, 0), p2=(x1, y1, t), cell=(dx, dy, t))
    assert tuple(mesh.n) == (nx, ny, 1)
    # Cell centres agree to round-off (1e-6 of a cell).
    np.testing.assert_allclose(np.asarray(mesh.cells.x), xc, atol=1e-6 * dx)
    np.testing.assert_allclose(np.asarray(mesh.cells.y), yc, atol=1e-6 * dy)


def test_cell_count_is_robust_to_round_off():
    assert cell_count(300e-9, 2e-9) == 150  # 300e-9 / 2e-9 = 150.00000000000003
    assert cell_count(301e-9, 2e-9) == 151
    assert cell_count(0.7e-9, 2e-9) == 1


def test_contains_broadcasts_and_matches_mask():
    track = load_preset("scaled-straight")
    xc, yc = track.grid(2 * NM, 2 * NM)
    inside = track.contains(xc[:, None], yc[None, :])
    assert inside.shape == (xc.size, yc.size)
    np.testing.assert_array_equal(inside, track.mask(2 * NM, 2 * NM))
    # Points: centre line inside, beyond the edge / beyond the ends outside.
    assert track.contains(
        np.array([10 * NM, 10 * NM, -1 * NM, 301 * NM]), np.array([0.0, 26 * NM, 0.0, 0.0])
    ).tolist() == [True, False, False, False]


# ------------------------------------------------------------------------------ widths
@pytest.mark.parametrize("shape", ["triangular", "rectangular", "rounded"])
@pytest.mark.parametrize("sides", ["both", "top", "bottom"])
def test_width_at_analytic_and_reduced_at_notches(shape, sides):
    w1, w2, length, depth, width = 40 * NM, 160 * NM, 600 * NM, 8 * NM, 20 * NM
    notches = NotchSpec(
        depth=depth, width=width, positions=(100 * NM, 300 * NM, 500 * NM), shape=shape, sides=sides
    )
    track = Track.trapezoid(w1, w2, length, notches=notches)

    def w(x):
        return w1 + (w2 - w1) * x / length

    # Away from the notches (more than half a notch width from every centre): exactly w(x).
    x = np.linspace(0, length, 601)
    away = np.min(np.abs(x[:, None] - track.notch_centres), axis=1) > width / 2
    np.testing.assert_allclose(track.width_at(x[away]), w(x[away]), rtol=1e-12)
    np.testing.assert_allclose(track.nominal_width_at(x), w(x), rtol=1e-12)
    # At the centres the width drops by the depth on each notched side.
    n_sides = 2 if sides == "both" else 1
    centres = track.notch_centres
    np.testing.assert_allclose(track.width_at(centres), w(centres) - n_sides * depth, rtol=1e-12)
    # A quarter width from the centre: triangle at half depth, rectangle full, half-ellipse
    # sqrt(1 - 0.5^2) of the depth.
    frac = {"triangular": 0.5, "rectangular": 1.0, "rounded": math.sqrt(0.75)}[shape]
    xq = centres + width / 4
    np.testing.assert_allclose(track.width_at(xq), w(xq) - n_sides * frac * depth, rtol=1e-12)
    # One-sided notches indent only their edge.
    bottom, top = track.edges(centres)
    expect_top = w(centres) / 2 - (depth if sides in ("both", "top") else 0.0)
    np.testing.assert_allclose(top, expect_top, rtol=1e-12)
    np.testing.assert_allclose(bottom, -(w(centres) - n_sides * depth - expect_top), rtol=1e-12)


def test_width_is_zero_outside_the_track():
    track = Track.straight(50 * NM, 300 * NM)
    assert track.width_at(np.array([-1 * NM, 301 * NM])).tolist() == [0.0, 0.0]


def test_reversed_trapezoid_is_the_mirror_image():
    notches = NotchSpec(depth=5 * NM, width=10 * NM, positions=(100 * NM, 200 * NM))
    mirrored = NotchSpec(depth=5 * NM, width=10 * NM, positions=(100 * NM, 200 * NM))
    forward = Track.trapezoid(25 * NM, 100 * NM, 300 * NM, notches=notches)
    backward = Track.trapezoid(100 * NM, 25 * NM, 300 * NM, notches=mirrored)  # w1 > w2 allowed
    x = np.linspace(0, 300 * NM, 301)
    np.testing.assert_allclose(backward.nominal_width_at(x), forward.nominal_width_at(x[::-1]))
    assert backward.area == pytest.approx(forward.area, rel=1e-12)


# ------------------------------------------------------------------------------ centres
def test_notch_centres_where_requested():
    length = 300 * NM
    spec = NotchSpec(depth=5 * NM, width=10 * NM, count=5, span=(50 * NM, 250 * NM))
    np.testing.assert_allclose(
        Track.straight(50 * NM, length, notches=spec).notch_centres,
        np.arange(50, 251, 50) * NM,
        rtol=1e-12,
    )
    default = NotchSpec(depth=5 * NM, width=10 * NM, count=3)  # intermediate: L k / (n + 1)
    np.testing.assert_allclose(
        Track.straight(50 * NM, length, notches=default).notch_centres,
        [75 * NM, 150 * NM, 225 * NM],
        rtol=1e-12,
    )
    explicit = NotchSpec(depth=5 * NM, width=10 * NM, positions=(30 * NM, 70 * NM, 280 * NM))
    np.testing.assert_allclose(
        Track.straight(50 * NM, length, notches=explicit).notch_centres,
        [30 * NM, 70 * NM, 280 * NM],
    )
    assert Track.straight(50 * NM, length).notch_centres.size == 0


def test_per_notch_depths():
    spec = NotchSpec(depth=(2 * NM, 4 * NM, 6 * NM), width=10 * NM, count=3)
    track = Track.straight(50 * NM, 300 * NM, notches=spec)
    np.testing.assert_allclose(
        track.width_at(track.notch_centres), 50 * NM - 2 * np.array([2, 4, 6]) * NM, rtol=1e-12
    )
    assert track.area == pytest.approx(50 * 300 * NM**2 - 2 * 0.5 * 10 * 12 * NM**2, rel=1e-12)


# ----------------------------------------------------------------------------- roughness
def _rough(seed, amplitude=1.5 * NM):
    return Track.straight(
        50 * NM,
        300 * NM,
        notches=NotchSpec(depth=6 * NM, width=12 * NM, count=5),
        roughness=EdgeRoughness(amplitude, 10 * NM, seed),
    )


def test_roughness_reproducible_per_seed():
    x = np.linspace(0, 300 * NM, 1001)
    a, b, c = _rough(1), _rough(1), _rough(2)
    np.testing.assert_array_equal(a.width_at(x), b.width_at(x))
    np.testing.assert_array_equal(a.mask(1 * NM, 1 * NM), b.mask(1 * NM, 1 * NM))
    assert np.max(np.abs(a.width_at(x) - c.width_at(x))) > 0.5 * NM
    y = np.linspace(-30 * NM, 30 * NM, 121)  # a common grid: the bounds differ by seed
    assert np.any(a.contains(x[:, None], y) != c.contains(x[:, None], y))
    # Zero amplitude is exactly the smooth track.
    smooth = Track.straight(
        50 * NM, 300 * NM, notches=NotchSpec(depth=6 * NM, width=12 * NM, count=5)
    )
    zero = _rough(1, amplitude=0.0)
    np.testing.assert_array_equal(zero.width_at(x), smooth.width_at(x))
    np.testing.assert_array_equal(zero.mask(2 * NM, 2 * NM), smooth.mask(2 * NM, 2 * NM))
    assert zero.bounds == smooth.bounds
    # The mask of the rough track still tracks its (piecewise-linear) analytic area.
    fine = 0.5 * NM
    assert abs(a.mask(fine, fine).sum() * fine**2 - a.area) <= 0.5 * a.perimeter * fine


def test_roughness_statistics():
    """RMS amplitude and Gaussian correlation exp(-s^2 / 2 xi^2) over 4000 correlation lengths.

    Over 4000 xi of edge the sampling spread is small: across 30 seeds the RMS stayed within
    5.2 % of the amplitude and the correlation at s = xi within 0.03 of exp(-1/2) = 0.61. The
    tolerances (10 %, 0.1) are safe yet fail for a wrong normalisation or kernel width (a
    kernel of xi instead of xi / sqrt(2) gives 0.78; xi / 2 gives 0.37).
    """
    xi, amplitude, length = 10 * NM, 2 * NM, 40_000 * NM
    track = Track.straight(200 * NM, length, roughness=EdgeRoughness(amplitude, xi, seed=7))
    x = np.linspace(0, length, 16_001)  # step xi / 4
    bottom, top = track.edges(x)
    for r in (top - 100 * NM, -bottom - 100 * NM):
        assert np.sqrt(np.mean(r**2)) == pytest.approx(amplitude, rel=0.10)
        lag = 4  # samples per xi
        corr = np.mean(r[:-lag] * r[lag:]) / np.mean(r**2)
        assert corr == pytest.approx(math.exp(-0.5), abs=0.1)
    # Top and bottom edges are independent.
    assert abs(np.corrcoef(top, bottom)[0, 1]) < 0.1


# ----------------------------------------------------------------------------- validation
def _notched(**kw):
    spec = dict(depth=6 * NM, width=12 * NM, count=5)
    spec.update(kw)
    return Track.straight(50 * NM, 300 * NM, notches=NotchSpec(**spec))


INVALID = {
    "length": lambda: Track.straight(50 * NM, 0.0),
    "width": lambda: Track.straight(-50 * NM, 300 * NM),
    "w1": lambda: Track.trapezoid(0.0, 100 * NM, 300 * NM),
    "w2": lambda: Track.trapezoid(25 * NM, float("nan"), 300 * NM),
    "kind": lambda: Track(kind="circle", length=1e-7, w1=1e-8, w2=1e-8),
    "notches.depth": lambda: _notched(depth=25 * NM),  # = half of 50 nm
    "notches.width": lambda: _notched(width=60 * NM),  # 5 notches 50 nm apart overlap
    "notches.span": lambda: _notched(span=(2 * NM, 250 * NM)),  # first notch sticks out at x=0
    "notches.positions": lambda: _notched(count=None, positions=(100 * NM, 295 * NM)),
    "notches.shape": lambda: _notched(shape="square"),
    "notches.sides": lambda: _notched(sides="left"),
    "notches.count": lambda: _notched(count=0),
    "notches.depth[1]": lambda: _notched(depth=(1 * NM, -1 * NM, 1 * NM, 1 * NM, 1 * NM)),
    "roughness.amplitude": lambda: EdgeRoughness(-1 * NM, 10 * NM),
    "roughness.correlation_length": lambda: EdgeRoughness(1 * NM, 0.0),
    "mtj.x1": lambda: MTJFootprint(10 * NM, 5 * NM, -1 * NM, 1 * NM),
    "mtj.x0": lambda: Track.straight(
        50 * NM, 300 * NM, mtj=MTJFootprint(-5 * NM, 100 * NM, -25 * NM, 25 * NM)
    ),
    "mtj.y0": lambda: Track.straight(
        50 * NM, 300 * NM, mtj=MTJFootprint(5 * NM, 100 * NM, 30 * NM, 40 * NM)
    ),
    "cell.dx": lambda: _notched().mask(13 * NM, 1 * NM),  # notch width 12 nm
    "cell.dy": lambda: _notched().mask(1 * NM, 7 * NM),  # notch depth 6 nm
    "preset": lambda: load_preset("no-such-track"),
    "mtj": lambda: Track.straight(50 * NM, 300 * NM).mtj_mask(2 * NM, 2 * NM),
    "colour": lambda: Track.from_dict(
        {"kind": "straight", "length": 1e-7, "width": 1e-8, "colour": "red"}
    ),
}


@pytest.mark.parametrize("field", list(INVALID))
def test_invalid_parameters_name_the_field(field):
    with pytest.raises(ValueError, match="^" + re.escape(field) + ": "):
        INVALID[field]()


def test_coarse_preview_mask_only_when_asked():
    coarse = _notched().mask(20 * NM, 20 * NM, check=False)  # cell > notch: allowed explicitly
    assert coarse.shape == (15, 3) and coarse.any()
    with pytest.raises(ValueError, match=r"^cell\.dx: "):
        _notched().mask(20 * NM, 20 * NM)


def test_rough_track_that_pinches_off_is_rejected():
    with pytest.raises(ValueError, match=r"^roughness\.amplitude: .*pinches off"):
        Track.straight(10 * NM, 2000 * NM, roughness=EdgeRoughness(4 * NM, 5 * NM, seed=0))


# -------------------------------------------------------------------------------- presets
def test_list_presets():
    assert set(list_presets()) >= {
        "paper-trapezoid",
        "paper-straight",
        "scaled-trapezoid",
        "scaled-straight",
    }


def test_paper_trapezoid_numbers():
    t = load_preset("paper-trapezoid")
    assert t.kind == "trapezoid"
    assert (t.w1, t.w2) == pytest.approx((250 * NM, 1000 * NM), rel=1e-12)
    assert t.w2 / t.w1 == pytest.approx(4.0)  # 1:4
    assert t.notches.n == 7
    centres = t.notch_centres
    assert np.all((centres > t.mtj.x0) & (centres < t.mtj.x1))  # MTJ over the notched region
    # Tunnelling area vs the paper's RA = 60 Ohm um^2 and lowest level 67.1 Ohm: within 5 %.
    assert 60e-12 / t.mtj_area == pytest.approx(67.1, rel=0.05)
    # The MTJ cells cover the analytic overlap to within one cell row of its outline.
    dx, dy = preset_cell("paper-trapezoid")
    mtj_cells = t.mtj_mask(dx, dy).sum() * dx * dy
    assert abs(mtj_cells - t.mtj_area) <= 2 * (t.mtj.x1 - t.mtj.x0 + t.w2) * dx


def test_paper_straight_numbers():
    t = load_preset("paper-straight")
    assert t.kind == "straight"
    assert (t.w1, t.length) == pytest.approx((350 * NM, 3.6e-6), rel=1e-12)  # 0.35 x 3.6 um^2
    assert t.notches.n == 5
    assert np.all((t.notch_centres > t.mtj.x0) & (t.notch_centres < t.mtj.x1))
    # RA = 380 Ohm um^2, TMR 16 % and 150 Ohm spread -> R_P = 937.5 Ohm: within 5 %.
    assert 380e-12 / t.mtj_area == pytest.approx(150 / 0.16, rel=0.05)


@pytest.mark.parametrize(
    "name,w1,w2", [("scaled-trapezoid", 25 * NM, 100 * NM), ("scaled-straight", 50 * NM, 50 * NM)]
)
def test_scaled_presets_fit_a_cpu(name, w1, w2):
    t = load_preset(name)
    assert (t.w1, t.w2) == pytest.approx((w1, w2))
    assert preset_cell(name) == pytest.approx((2 * NM, 2 * NM))
    nx, ny = t.grid_shape(*preset_cell(name))
    assert nx * ny < 20_000
    spacing = np.diff(t.notch_centres)
    assert np.all((spacing >= 30 * NM) & (spacing <= 60 * NM))
    assert 4 <= t.notches.n <= 5
    assert t.mask(*preset_cell(name)).sum() > 0.9 * t.area / (2 * NM) ** 2


def test_load_user_toml_and_cell(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'kind = "straight"\nwidth = 40e-9\nlength = 200e-9\n'
        '[notches]\ncount = 2\ndepth = 4e-9\nwidth = 10e-9\nshape = "rounded"\nsides = "top"\n'
    )
    track = load_preset(path)
    assert track.name == "mine" and track.notches.shape == "rounded"
    np.testing.assert_allclose(track.notch_centres, [200 / 3 * NM, 400 / 3 * NM])
    assert preset_cell(path) is None
    path.write_text(path.read_text() + "[mesh]\ncell = [1e-9, 2e-9]\n")
    assert preset_cell(path) == (1e-9, 2e-9)
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'kind = "straight"\nwidth = 40e-9\nlength = 200e-9\n[mesh]\ncell = [1e-9, 9e-8]\n'
    )
    with pytest.raises(ValueError, match=r"cell\.dy"):
        load_preset(bad)
    with pytest.raises(FileNotFoundError):
        load_preset(tmp_path / "missing.toml")


# -------------------------------------------------------------------------- serialisation
def test_to_dict_round_trip():
    tracks = [(load_preset(n), preset_cell(n)) for n in list_presets()]
    tracks.append(
        (
            Track.trapezoid(
                30 * NM,
                90 * NM,
                400 * NM,
                name="x",
                notches=NotchSpec(
                    depth=(3 * NM, 4 * NM),
                    width=10 * NM,
                    positions=(100e-9, 300e-9),
                    shape="rounded",
                    sides="bottom",
                ),
                roughness=EdgeRoughness(1 * NM, 8 * NM, seed=3),
                mtj=MTJFootprint(50 * NM, 350 * NM, -20 * NM, 45 * NM),
            ),
            (1 * NM, 1 * NM),
        )
    )
    for track, cell in tracks:
        data = json.loads(json.dumps(track.to_dict()))  # JSON-serialisable
        again = Track.from_dict(data)
        assert again == track
        assert again.fingerprint() == track.fingerprint()
        np.testing.assert_array_equal(again.mask(*cell), track.mask(*cell))
    assert len({t.fingerprint() for t, _ in tracks}) == len(tracks)


# ------------------------------------------------------------------------------- plotting
def test_plot_returns_axes_and_writes_png(tmp_path):
    from matplotlib.axes import Axes

    track = load_preset("scaled-trapezoid")
    ax = track.plot(cell=(2 * NM, 2 * NM))
    assert isinstance(ax, Axes)
    assert ax.get_xlim()[1] >= 300  # axes in nm
    out = tmp_path / "t.png"
    ax.figure.savefig(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.pyplot as plt

    fig, given = plt.subplots()
    assert _rough(3).plot(ax=given) is given
    plt.close(fig)


# ------------------------------------------------------------------------------------ CLI
def test_cli_geometry(tmp_path, capsys):
    assert "geometry" in dwmtj.build_parser().format_help()
    png = tmp_path / "g.png"
    assert dwmtj.main(["geometry", "scaled-straight", "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "notch centres (nm): 50 100 150 200 250" in out
    assert "150 x 25 = 3750 cells" in out
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert dwmtj.main(["geometry", "--list"]) == 0
    assert "paper-trapezoid" in capsys.readouterr().out
    path = tmp_path / "f.toml"
    path.write_text('kind = "trapezoid"\nw1 = 20e-9\nw2 = 60e-9\nlength = 200e-9\n')
    assert dwmtj.main(["geometry", "--file", str(path), "--cell", "1e-9", "1e-9"]) == 0
    assert "analytic 8000 nm^2" in capsys.readouterr().out  # 200 nm x (20 + 60)/2 nm
    assert dwmtj.main(["geometry", "no-such-track"]) == 2
    assert dwmtj.main(["geometry", "scaled-straight", "--cell", "20e-9", "1e-9"]) == 2
    assert "cell.dx" in capsys.readouterr().err
