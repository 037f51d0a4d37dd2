"""The demo's device stage (dwmtj.pipeline.devices.demo_device): geometry, |J| map, System,
OOMMF input of the four geometry presets, and its summary files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import geometries
from dwmtj.pipeline.devices import DEMO_DEVICES, demo_device, write_summary


def test_device_stage_writes_figures_and_a_consistent_summary(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    out.mkdir()
    printed: list[str] = []
    records = [demo_device(name, v, out, printed.append) for name, v in DEMO_DEVICES.items()]
    write_summary(records, out)
    assert any("current solve" in line for line in printed)
    records = json.loads((out / "summary.json").read_text())
    assert [r["preset"] for r in records] == [
        "paper-trapezoid",
        "paper-straight",
        "scaled-trapezoid",
        "scaled-straight",
    ]
    for r in records:
        assert (out / f"{r['preset']}-geometry.png").is_file()
        assert (out / f"{r['preset']}-current.png").is_file()
        assert (out / r["oommf_mif"]).is_file()
        assert r["resistance_ohm"] * r["current_A"] == pytest.approx(r["voltage_V"])
        assert r["system"]["energy"] == ["Exchange", "UniaxialAnisotropy", "DMI", "Demag", "Zeeman"]
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
