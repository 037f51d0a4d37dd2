"""Where the datasets live: ``--data``, then ``$DWMTJ_DATA``, then the default folders.

The search is the same for an installed wheel and an editable install (no path is computed
from where the sources are):

1. an explicit folder (``--data DIR``, or a loader's ``data_dir`` argument), searched alone;
2. ``$DWMTJ_DATA``;
3. :data:`DEFAULT_DATA_DIRS`: ``../shared/datasets`` relative to the current working
   directory (the project's offline copies, next to a checkout when the commands run from its
   root), then ``/usr/share/datasets`` (Debian's ``dataset-*`` packages).

Nothing is downloaded: every loader reads local files and verifies them.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The environment variable naming the data folder.
DATA_ENV = "DWMTJ_DATA"

#: Folders searched after ``--data`` and ``$DWMTJ_DATA``, in order; a relative folder is taken
#: relative to the current working directory when the search runs.
DEFAULT_DATA_DIRS: tuple[Path, ...] = (
    Path("../shared/datasets"),
    Path("/usr/share/datasets"),
)


def candidate_dirs(explicit: str | os.PathLike[str] | None = None) -> list[Path]:
    """The data folders to search, most specific first (absolute paths).

    An explicit folder (``--data``) is searched alone: asking for one place and silently
    reading another would hide a mistake.
    """
    if explicit:
        return [_absolute(explicit)]
    dirs: list[Path] = []
    env = os.environ.get(DATA_ENV)
    if env:
        dirs.append(_absolute(env))
    dirs.extend(_absolute(d) for d in DEFAULT_DATA_DIRS)
    return dirs


def _absolute(path: str | os.PathLike[str]) -> Path:
    """``path`` made absolute against the working directory, ``..`` resolved."""
    return Path(os.path.abspath(path))


def find_dataset_dir(
    names: tuple[str, ...], explicit: str | os.PathLike[str] | None = None, how_to_get: str = ""
) -> Path:
    """Return the first ``<data dir>/<name>`` (for ``name`` in ``names``) that exists.

    Raises FileNotFoundError naming the option (``--data``) or the variable (``$DWMTJ_DATA``),
    every place searched and ``how_to_get``.
    """
    searched: list[str] = []
    for base in candidate_dirs(explicit):
        for name in names:
            path = base / name
            if path.is_dir():
                return path
            searched.append(str(path))
    where = (
        "--data: dataset not found"
        if explicit
        else f"dataset not found (give --data DIR or set ${DATA_ENV})"
    )
    msg = f"{where}; searched: " + ", ".join(searched)
    if how_to_get:
        msg += f". {how_to_get}"
    raise FileNotFoundError(msg)
