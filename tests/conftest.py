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
