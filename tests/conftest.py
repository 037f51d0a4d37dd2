"""Shared fixtures: the location of ../shared (datasets, OOMMF references)."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DWMTJ_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The project's shared folder (paper, datasets, OOMMF references)."""
    if not SHARED.is_dir():
        pytest.skip(f"shared folder not found at {SHARED}; set DWMTJ_SHARED")
    return SHARED


@pytest.fixture(scope="session")
def oommf_reference_dir(shared_dir: Path) -> Path:
    """Reference outputs computed with OOMMF (see its README.md)."""
    return shared_dir / "oommf-reference"


@pytest.fixture(scope="session")
def datasets_dir(shared_dir: Path) -> Path:
    """Offline dataset copies with checksums."""
    return shared_dir / "datasets"


@pytest.fixture(scope="session", autouse=True)
def no_oommf_process_left_behind():
    """After the whole session: no OOMMF process started by this project's runner is alive
    (every process of a HeadlessOOMMFRunner session carries its marker in its environment).
    Trivially true where no test ran OOMMF."""
    yield
    from physics.calculators.oommf_runner import SESSION_VARIABLE

    proc = Path("/proc")
    if not proc.is_dir():
        return
    marker = f"{SESSION_VARIABLE}=".encode()
    left = []
    for entry in proc.iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if any(v.startswith(marker) for v in (entry / "environ").read_bytes().split(b"\0")):
                    left.append(int(entry.name))
            except OSError:
                continue
    assert not left, f"OOMMF processes left behind by the tests: {left}"
