"""Shared fixtures: the location of ../shared (datasets, OOMMF references)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parent.parent
#: Marks every process this test session starts (inherited through the environment), so that
#: the leftover check below sees this session's OOMMF processes and no one else's.
TEST_SESSION = f"DWMTJ_TEST_SESSION={uuid.uuid4().hex}"
os.environ["DWMTJ_TEST_SESSION"] = TEST_SESSION.split("=", 1)[1]
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
    """After the whole session: no OOMMF process started by this session through the project's
    runner is alive (every process of a HeadlessOOMMFRunner session carries its marker in its
    environment, and every process of this test session carries TEST_SESSION). Trivially true
    where no test ran OOMMF."""
    yield
    from physics.calculators.oommf_runner import SESSION_VARIABLE, processes_with

    ours = set(processes_with("DWMTJ_TEST_SESSION", TEST_SESSION.split("=", 1)[1]))
    left = sorted(ours & set(processes_with(SESSION_VARIABLE)))
    assert not left, f"OOMMF processes left behind by the tests: {left}"
