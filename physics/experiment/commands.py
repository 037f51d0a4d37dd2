"""What the ``dwmtj simulate``, ``dwmtj batch`` and ``dwmtj plot`` commands do, as functions.

The command line (:mod:`dwmtj.commands.experiment`) calls them; they are usable directly from
Python and notebooks:

* :func:`simulate_run` -- one run TOML (RunSpec input form) -> one run file (+ figures);
* :func:`batch_runs` -- a sweep TOML -> a folder of run files (resumable), or with
  ``dry_run=True`` the validated plan (run ids, swept values, status) without running;
* :func:`plot_runs` -- run files -> PNG figures.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geometries.validation import check
from physics.experiment.spec import CalculatorName, RunSpec


def read_toml(path: str | Path, option: str | None = None) -> dict:
    """The parsed TOML file at ``path``; errors name ``option`` (a CLI option) when given.

    A missing file raises FileNotFoundError (ValueError when ``option`` is given), bad TOML
    ValueError."""
    path = Path(path)
    prefix = f"{option}: " if option else ""
    if not path.is_file():
        if option:
            raise ValueError(f"{prefix}run spec file not found: {path}")
        raise FileNotFoundError(f"file not found: {path}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{prefix}{path} is not valid TOML ({exc})") from None


def _override_calculator(run: dict, calculator: str | None) -> dict:
    """``run`` with its calculator switched to ``calculator``; the options the two engines
    share (relax_time, outputs_per_pulse) are kept, the other engine's own are dropped."""
    if calculator is None:
        return run
    check(CalculatorName, calculator, "calculator")
    current = run.get("calculator", {"name": "jax"})
    current = {"name": current} if isinstance(current, str) else dict(current)
    if current.get("name") != calculator:
        from physics.experiment.simulate import DEFAULTS as JAX_OPTIONS
        from physics.experiment.simulate_oommf import OOMMF_DEFAULTS as OOMMF_OPTIONS

        known = JAX_OPTIONS if calculator == "jax" else OOMMF_OPTIONS
        current = {k: v for k, v in current.items() if k in known}
    return {**run, "calculator": {**current, "name": calculator}}


def load_run_spec(path: str | Path, calculator: str | None = None) -> RunSpec:
    """A run TOML file (the body is :meth:`RunSpec.from_dict`'s input form) -> RunSpec."""
    data = _override_calculator(read_toml(path), calculator)
    try:
        return RunSpec.from_dict(data)
    except ValueError as exc:
        raise ValueError(f"{Path(path).name}: {exc}") from None


def _require_calculators(specs: list[RunSpec]) -> None:
    """OOMMFNotFoundError (one line, with the install hint) before any work when a spec runs
    on OOMMF and OOMMF is not installed here."""
    if any(spec.calculator.get("name") == "oommf" for spec in specs):
        from physics.calculators import oommf as calculators_oommf

        if not calculators_oommf.oommf_available():
            raise calculators_oommf.OOMMFNotFoundError(calculators_oommf.INSTALL_HINT)


def simulate_run(
    spec: RunSpec | str | Path,
    out_dir: str | Path,
    *,
    figures: bool = True,
    calculator: str | None = None,
    progress: bool = True,
    run_fn: Any = None,
) -> tuple[Path, list[Path]]:
    """Run one specification (skipped when its file is already complete) and return the run
    file and the figures written."""
    from physics.experiment.batch import run_batch
    from physics.experiment.plots import plot_run
    from physics.experiment.store import read_error, run_path

    if not isinstance(spec, RunSpec):
        spec = load_run_spec(spec, calculator)
    if run_fn is None:
        _require_calculators([spec])
    report = run_batch([spec], out_dir, executor="serial", progress=progress, run_fn=run_fn)
    if report.failed:
        err = read_error(out_dir, spec.run_id) or {}
        raise RuntimeError(
            f"run {spec.run_id[:12]} failed: {report.failed[spec.run_id]}\n"
            f"{err.get('traceback', '')}"
        )
    path = run_path(out_dir, spec.run_id)
    return path, (plot_run(path) if figures else [])


@dataclass
class PlannedRun:
    """One run of a batch plan: its id, swept values and current status in the folder."""

    run_id: str
    params: dict
    status: str


def batch_runs(
    sweep: str | Path,
    out_dir: str | Path,
    *,
    executor: str = "process",
    max_workers: int | None = None,
    scheduler: Any = None,
    calculator: str | None = None,
    dry_run: bool = False,
    progress: bool = True,
    run_fn: Any = None,
) -> Any:
    """Expand and validate the sweep TOML, then run it into ``out_dir`` (a
    :class:`~physics.experiment.batch.BatchReport`), or with ``dry_run`` return the list of
    :class:`PlannedRun` without running anything. ``calculator`` overrides the run table's
    calculator name (``"jax"`` or ``"oommf"``); ``run_fn`` replaces the simulation (tests)."""
    from physics.experiment.batch import run_batch
    from physics.experiment.store import run_path, run_status
    from physics.experiment.sweep import expand_sweep

    data = read_toml(sweep)
    if "run" in data and isinstance(data["run"], dict):
        data["run"] = _override_calculator(data["run"], calculator)
    try:
        points = expand_sweep(data)
    except ValueError as exc:
        raise ValueError(f"{Path(sweep).name}: {exc}") from None
    if dry_run:
        return [
            PlannedRun(p.spec.run_id, p.params, run_status(run_path(out_dir, p.spec.run_id)))
            for p in points
        ]
    if run_fn is None and scheduler is None:  # a cluster's workers may have OOMMF
        _require_calculators([p.spec for p in points])
    return run_batch(
        points,
        out_dir,
        executor=executor,
        max_workers=max_workers,
        scheduler=scheduler,
        progress=progress,
        run_fn=run_fn,
    )


def plot_runs(
    paths: list[str | Path], out_dir: str | Path | None = None, *, force: bool = False
) -> list[Path]:
    """Figures of every run file (a folder stands for all ``*.h5`` in it); every file is
    verified first (``force``: plot refused files knowingly, with a warning)."""
    from physics.experiment.plots import plot_run

    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(p.glob("*.h5")))
        elif p.is_file():
            files.append(p)
        else:
            raise FileNotFoundError(f"run file not found: {p}")
    if not files:
        raise ValueError("RUN: no run files given")
    return [fig for f in files for fig in plot_run(f, out_dir, force=force)]
