"""The physics subcommands: ``dwmtj current`` and ``dwmtj demo`` through ``dwmtj.main``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import dwmtj
import geometries
from physics.current import solve_current
from physics.materials import material_for_geometry


def test_current_command_prints_r_i_and_writes_the_map(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    png = tmp_path / "j.png"
    rc = dwmtj.main(["current", "scaled-straight", "--voltage", "0.5", "--png", str(png)])
    assert rc == 0
    out = capsys.readouterr().out
    sol = solve_current(geometries.load_preset("scaled-straight"), (2e-9, 2e-9), 0.5,
                        material_for_geometry("scaled-straight"))
    assert f"R = {sol.resistance:.6g} Ohm" in out
    assert f"I = {sol.current * 1e3:.6g} mA" in out
    assert out.count("notch ") == 5
    assert png.is_file() and png.read_bytes()[:4] == b"\x89PNG"


def test_current_command_cell_option_changes_the_mesh(capsys: pytest.CaptureFixture) -> None:
    assert dwmtj.main(["current", "paper-straight", "--voltage", "1", "--cell", "5e-9",
                       "5e-9"]) == 0
    assert "cell 5 x 5 nm" in capsys.readouterr().out


def test_current_command_errors(capsys: pytest.CaptureFixture) -> None:
    assert dwmtj.main(["current", "no-such-track", "--voltage", "1"]) == 2
    assert "preset" in capsys.readouterr().err
    assert dwmtj.main(["current", "paper-straight", "--voltage", "0"]) == 2
    assert "voltage" in capsys.readouterr().err
    assert dwmtj.main(["current", "missing.toml", "--voltage", "1"]) == 2
    with pytest.raises(SystemExit):
        dwmtj.main(["current", "paper-straight"])  # --voltage is required


def test_demo_writes_figures_and_a_consistent_summary(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "demo"
    assert dwmtj.main(["demo", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "current solve" in printed and "wrote" in printed
    records = json.loads((out / "summary.json").read_text())
    assert [r["preset"] for r in records] == ["paper-trapezoid", "paper-straight",
                                              "scaled-trapezoid", "scaled-straight"]
    for r in records:
        assert (out / f"{r['preset']}-geometry.png").is_file()
        assert (out / f"{r['preset']}-current.png").is_file()
        assert (out / r["oommf_mif"]).is_file()
        assert r["resistance_ohm"] * r["current_A"] == pytest.approx(r["voltage_V"])
        assert r["system"]["energy"] == ["Exchange", "UniaxialAnisotropy", "DMI", "Demag",
                                         "Zeeman"]
        assert "Slonczewski" in r["system"]["dynamics"]
        assert len(r["notches"]) == len(geometries.load_preset(r["preset"]).notch_centres)
    trap = records[0]
    # the trapezoid's notches see J fall along the track roughly as 1/w: the first notch
    # (w ~ 340 nm) carries more than twice the J of the last (w ~ 900 nm)
    assert trap["notches"][0]["J_mean"] > 2 * trap["notches"][-1]["J_mean"]
    # MTJ over the notched region: R_P = RA / A = 66.5 Ohm, the paper's lowest level 67.1 Ohm
    assert trap["mtj_R_P_ohm"] == pytest.approx(67.1, rel=0.02)
    assert trap["mtj_R_AP_ohm"] == pytest.approx(1.54 * trap["mtj_R_P_ohm"])
    md = (out / "summary.md").read_text()
    assert "| paper-straight | 3 |" in md
