"""The physics subcommand ``dwmtj current`` through ``dwmtj.main`` (``dwmtj demo``:
tests/test_demo_*.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import dwmtj
import geometries
from physics.current import solve_current
from physics.materials import material_for_geometry


def test_current_command_prints_r_i_and_writes_the_map(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    png = tmp_path / "j.png"
    rc = dwmtj.main(["current", "scaled-straight", "--voltage", "0.5", "--png", str(png)])
    assert rc == 0
    out = capsys.readouterr().out
    sol = solve_current(
        geometries.load_preset("scaled-straight"),
        (2e-9, 2e-9),
        0.5,
        material_for_geometry("scaled-straight"),
    )
    assert f"R = {sol.resistance:.6g} Ohm" in out
    assert f"I = {sol.current * 1e3:.6g} mA" in out
    assert out.count("notch ") == 5
    assert png.is_file() and png.read_bytes()[:4] == b"\x89PNG"


def test_current_command_cell_option_changes_the_mesh(capsys: pytest.CaptureFixture) -> None:
    assert (
        dwmtj.main(["current", "paper-straight", "--voltage", "1", "--cell", "5e-9", "5e-9"]) == 0
    )
    assert "cell 5 x 5 nm" in capsys.readouterr().out


def test_current_command_errors(capsys: pytest.CaptureFixture) -> None:
    assert dwmtj.main(["current", "no-such-track", "--voltage", "1"]) == 2
    assert "preset" in capsys.readouterr().err
    assert dwmtj.main(["current", "paper-straight", "--voltage", "0"]) == 2
    assert "voltage" in capsys.readouterr().err
    assert dwmtj.main(["current", "missing.toml", "--voltage", "1"]) == 2
    assert capsys.readouterr().err == (
        "dwmtj current: error: preset: geometry file not found: missing.toml\n"
    )
    assert dwmtj.main(["current", "paper-straight"]) == 2  # --voltage is required
    err = capsys.readouterr().err
    assert err == "dwmtj current: error: the following arguments are required: --voltage\n"


def test_help_loads_no_heavy_dependency(tmp_path: Path) -> None:
    """`dwmtj --help` builds every subcommand's parser without loading JAX (whose flags
    dwmtj.cli sets first), ubermag or matplotlib: the handlers import them when they run."""
    repo = Path(__file__).resolve().parent.parent
    code = (
        "import sys, contextlib, io\n"
        "import dwmtj\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    dwmtj.main(['--help'])\n"
        "print(sorted(m for m in ('jax', 'discretisedfield', 'matplotlib') "
        "if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(repo)}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
