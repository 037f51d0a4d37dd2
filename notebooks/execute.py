"""Execute the notebooks in place, saving their outputs (text, tables, figures) into the files.

Usage: .venv/bin/python notebooks/execute.py [--small] [--timeout S] [--out DIR] [NOTEBOOK ...]

Each notebook (all of ``notebooks/*.ipynb``, or the ones named: a path, a file name, its
stem such as ``01-device-and-current`` or a unique prefix such as ``01``) runs top to bottom
with nbclient in a fresh ``python3`` kernel, in the notebooks folder (as Jupyter does), and
is written back with its outputs. ``--small`` sets ``DWMTJ_NOTEBOOK_SMALL=1`` (the test
suite's settings); without it the variable is unset and the notebooks run their full
settings. The figures and ``results.json`` the notebooks write go to ``--out``
(``DWMTJ_NOTEBOOK_OUT``), by default a temporary folder (``$TMPDIR/dwmtj-notebooks``, a fixed
name so that the paths the notebooks print do not change between runs) that is removed
afterwards: nothing lands in the repository.

Volatile metadata (execution timing, widget state) is not recorded and widget outputs (the
tqdm progress bars, which need a live kernel) are dropped, so rerunning gives small diffs.
The notebook's metadata gets ``dwmtj.sources_sha256`` (a hash of its cells' types and
sources) and ``dwmtj.small``: ``tests/test_notebooks.py`` checks that the hash matches the
committed sources, i.e. that the outputs were produced by these cells. A notebook whose
execution fails is not written back: the partly executed copy is saved in the output folder
(kept), its path printed, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parent
#: default seconds any one cell may take (the full settings' longest cells take minutes)
CELL_TIMEOUT_S = 3600


def sources_sha256(nb: nbformat.NotebookNode) -> str:
    """SHA-256 of the notebook's cells (type and source, in order): what was executed."""
    cells = [[cell.cell_type, cell.source] for cell in nb.cells]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def strip_volatile(nb: nbformat.NotebookNode) -> None:
    """Drop what changes on every run without a change of content: timings, widgets.

    Widget outputs are the tqdm progress bars (``tqdm.auto`` with ipywidgets): their state
    is not stored, so a static reader would show nothing or the bar's first frame ("0%"),
    under a random model id; the cells print their own summaries (counts, seconds).
    """
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # nbclient's per-cell timestamps
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if WIDGET_VIEW not in o.get("data", {})]


def execute(path: Path, small: bool, timeout: float) -> nbformat.NotebookNode:
    """Run the notebook at ``path`` (not modifying the file); return the executed copy.

    The kernel inherits this process's environment; the caller sets ``DWMTJ_NOTEBOOK_OUT``
    and ``DWMTJ_NOTEBOOK_SMALL``. Raises nbclient's ``CellExecutionError`` on a failing cell,
    with the partly executed notebook attached as ``error.notebook``.
    """
    import nbclient

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=timeout,
        record_timing=False,
        store_widget_state=False,
        coalesce_streams=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except Exception as error:
        error.notebook = nb
        raise
    strip_volatile(nb)
    nb.metadata["dwmtj"] = {"sources_sha256": sources_sha256(nb), "small": small}
    nbformat.validate(nb)
    return nb


def resolve(names: list[str]) -> list[Path]:
    """Notebook paths from command-line names (all notebooks when none is given)."""
    if not names:
        return sorted(NOTEBOOKS.glob("*.ipynb"))
    paths = []
    for name in names:
        candidates = [Path(name), NOTEBOOKS / name, NOTEBOOKS / f"{name}.ipynb"]
        found = next((p.resolve() for p in candidates if p.is_file()), None)
        if found is None:  # a unique prefix of a stem: "01" for 01-device-and-current
            prefixed = sorted(NOTEBOOKS.glob(f"{name}*.ipynb"))
            found = prefixed[0] if len(prefixed) == 1 else None
        if found is None or found.suffix != ".ipynb":
            raise SystemExit(f"no notebook {name!r} (looked in {NOTEBOOKS})")
        paths.append(found)
    return paths


def size(n_bytes: int) -> str:
    return f"{n_bytes / 1024:.0f} kB" if n_bytes < 1024**2 else f"{n_bytes / 1024**2:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Execute notebooks in place, saving their outputs."
    )
    parser.add_argument(
        "notebooks",
        nargs="*",
        metavar="NOTEBOOK",
        help="paths, file names, stems or unique prefixes (default: all notebooks/*.ipynb)",
    )
    parser.add_argument(
        "--small",
        action="store_true",
        help="the test suite's small settings (DWMTJ_NOTEBOOK_SMALL=1)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=CELL_TIMEOUT_S,
        metavar="S",
        help=f"seconds any one cell may take (default {CELL_TIMEOUT_S})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="DWMTJ_NOTEBOOK_OUT: where the notebooks write figures and "
        "results.json (default: a temporary folder, removed afterwards)",
    )
    args = parser.parse_args(argv)
    paths = resolve(args.notebooks)

    if args.small:
        os.environ["DWMTJ_NOTEBOOK_SMALL"] = "1"
    else:
        os.environ.pop("DWMTJ_NOTEBOOK_SMALL", None)
    temporary = args.out is None
    if temporary:
        out = Path(tempfile.gettempdir()) / "dwmtj-notebooks"
        try:
            out.mkdir()
        except FileExistsError:  # in use (another run) or left over: a fresh unique folder
            out = Path(tempfile.mkdtemp(prefix="dwmtj-notebooks-"))
    else:
        out = args.out
        out.mkdir(parents=True, exist_ok=True)
    out = out.resolve()
    os.environ["DWMTJ_NOTEBOOK_OUT"] = str(out)
    mode = "small" if args.small else "full"

    failed = []
    for path in paths:
        print(f"{path.name}: executing ({mode} settings) ...", flush=True)
        t0 = time.perf_counter()
        try:
            nb = execute(path, args.small, args.timeout)
        except Exception as error:  # a failing cell, a timeout, a dead kernel
            seconds = time.perf_counter() - t0
            copy = out / f"{path.stem}.failed.ipynb"
            if getattr(error, "notebook", None) is not None:
                strip_volatile(error.notebook)
                nbformat.write(error.notebook, copy)
            print(
                f"{path.name}: FAILED after {seconds:.0f} s; not written back; "
                f"executed copy: {copy}\n{error}",
                file=sys.stderr,
                flush=True,
            )
            failed.append(path.name)
            continue
        nbformat.write(nb, path)
        seconds = time.perf_counter() - t0
        print(f"{path.name}: {seconds:.0f} s wall, {size(path.stat().st_size)}", flush=True)

    if temporary and not failed:
        shutil.rmtree(out, ignore_errors=True)
    elif failed:
        print(f"failed: {', '.join(failed)}; outputs kept in {out}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
