"""The layers of pyproject.toml's [tool.importlinter] hold (what `make check-imports` runs):
dwmtj > nn | design > compact > physics > geometries > paperstyle, imports inside functions
included; and the contract does catch an upward import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("dwmtj", "nn", "design", "compact", "physics", "geometries", "paperstyle")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe is not None, "lint-imports (import-linter, in the test extra) is not installed"
    return subprocess.run(
        [exe, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_import_layers_hold() -> None:
    proc = _lint_imports(REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    """A copy of the sources with `import compact` added inside a physics function."""
    for name in PACKAGES:
        shutil.copytree(
            REPO / name,
            tmp_path / name,
            ignore=shutil.ignore_patterns("__pycache__", "*.h5", "*.png"),
        )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "physics" / "materials.py"
    target.write_text(target.read_text() + "\n\ndef _upward() -> None:\n    import compact\n")
    proc = _lint_imports(tmp_path)
    assert proc.returncode != 0
    assert "physics is not allowed to import compact" in proc.stdout
