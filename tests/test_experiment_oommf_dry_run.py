"""The OOMMF container's command line, `dwmtj batch SPEC --calculator oommf --dry-run`, run as
a subprocess (as the image would run it) in an environment where no OOMMF can be found: it must
validate the sweep and list its runs without touching OOMMF, and reject a bad sweep before any
simulation starts, naming the field."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "physics" / "experiment" / "examples" / "trapezoid-ramp-sweep.toml"


def _no_oommf_env(tmp_path: Path) -> dict:
    """PATH with only the interpreter's directory (no `oommf`, no tclsh) and no OOMMFTCL; the
    sources under test first on the module path."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("OOMMF")}
    env["PATH"] = str(Path(sys.executable).parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["HOME"] = str(tmp_path)
    env["JAX_PLATFORMS"] = "cpu"
    return env


def _dwmtj(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dwmtj", *args],
        cwd=tmp_path,
        env=_no_oommf_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_oommf_dry_run_lists_runs_without_oommf(tmp_path):
    out_dir = tmp_path / "runs"
    proc = _dwmtj(
        ["batch", str(EXAMPLE), "--calculator", "oommf", "--dry-run", "--out", str(out_dir)],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    # the example sweeps 2 notch depths x 2 seeds = 4 runs, none of them run yet
    rows = [line for line in proc.stdout.splitlines() if re.match(r"^[0-9a-f]{16}\s", line)]
    assert len(rows) == 4 and all("missing" in r for r in rows)
    assert "4 run(s); 0 complete" in proc.stdout
    assert len({r.split()[0] for r in rows}) == 4  # distinct run ids (spec hashes)
    assert not out_dir.exists()  # a dry run writes nothing


def test_oommf_dry_run_rejects_bad_sweep_naming_the_field(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text().replace("temperature = 300.0", "temperature = -1.0"))
    proc = _dwmtj(
        ["batch", str(bad), "--calculator", "oommf", "--dry-run", "--out", str(tmp_path / "runs")],
        tmp_path,
    )
    assert proc.returncode == 2
    assert "temperature" in proc.stderr and "Traceback" not in proc.stderr
