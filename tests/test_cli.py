"""The physics subcommand ``dwmtj current`` through ``dwmtj.main`` (``dwmtj demo``:
tests/test_demo_*.py)."""

from __future__ import annotations

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
