"""Where the datasets live: ``--data``, then ``$DWMTJ_DATA``, then the usual local copies.

Nothing is downloaded: every loader reads local files and verifies them.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent

#: Folders searched after ``--data`` and ``$DWMTJ_DATA``, in order.
DEFAULT_DATA_DIRS: tuple[Path, ...] = (
    _REPO.parent / "shared" / "datasets",  # the project's offline copies
    _REPO / "data",
    Path("/usr/share/datasets"),  # Debian's dataset-* packages
)


def candidate_dirs(explicit: str | os.PathLike[str] | None = None) -> list[Path]:
    """The data folders to search, most specific first.

    An explicit folder (``--data``) is searched alone: asking for one place and silently
    reading another would hide a mistake.
    """
    if explicit:
        return [Path(explicit)]
    dirs: list[Path] = []
    env = os.environ.get("DWMTJ_DATA")
    if env:
        dirs.append(Path(env))
    dirs.extend(DEFAULT_DATA_DIRS)
    return dirs


def find_dataset_dir(
    names: tuple[str, ...], explicit: str | os.PathLike[str] | None = None, how_to_get: str = ""
) -> Path:
    """Return the first ``<data dir>/<name>`` (for ``name`` in ``names``) that exists.

    Raises FileNotFoundError naming every place searched and ``how_to_get``.
    """
    searched: list[str] = []
    for base in candidate_dirs(explicit):
        for name in names:
            path = base / name
            if path.is_dir():
                return path
            searched.append(str(path))
    msg = "dataset not found; searched: " + ", ".join(searched)
    if how_to_get:
        msg += f". {how_to_get}"
    raise FileNotFoundError(msg)
