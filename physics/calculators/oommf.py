"""The OOMMF calculator: drive a device ``System`` with real OOMMF through ``oommfc``.

The System from :func:`physics.device.build_system` goes to oommfc unchanged: its Slonczewski
term carries the spatial J(x, y) and sigma(x, y) as fields (written as OVF files next to the
MIF) and the pulse as the time function (oommfc tabulates ``func`` every ``dt`` into a Tcl
``TimeFunction`` used as ``J_profile``). T = 0 with SOT uses ``Oxs_SpinXferEvolve``; T > 0 uses
``Xf_ThermSpinXferEvolve`` (rk2heun, fixed step, as in ../shared/oommf-reference) with an
explicit random seed, written both as the evolver's ``uniform_seed`` and as a MIF
``RandomSeed`` line so the run is reproducible.

Without OOMMF, ``dry_run=True`` still writes the MIF and its field files with oommfc's own
generator (``Driver.write_mif``), so the input can be inspected and tested anywhere.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INSTALL_HINT = (
    "OOMMF is not installed (no OOMMFTCL environment variable pointing to oommf.tcl and no "
    "'oommf' on PATH). Get it with conda-forge (`conda install -c conda-forge oommf`), build "
    "it from source and set OOMMFTCL (README: Real OOMMF), or use the container "
    "(`docker build -t dwmtj-oommf -f docker/Dockerfile .`). "
    "Use dry_run=True to write the MIF files without running OOMMF."
)

#: The Runge-Kutta methods of OOMMF's T = 0 evolvers (Oxs_RungeKuttaEvolve, Oxs_SpinXferEvolve).
RK_METHODS = ("rk2", "rk2heun", "rk4", "rkf54", "rkf54m", "rkf54s")
#: Fixed time step of the thermal evolver (s), as in the OOMMF reference thermal runs.
THERMAL_TIMESTEP = 1e-14


class OOMMFNotFoundError(FileNotFoundError):
    """Raised when a real OOMMF run is requested where OOMMF is not installed."""


def oommf_command() -> list[str] | None:
    """The command that starts OOMMF here: ``tclsh $OOMMFTCL`` where ``OOMMFTCL`` names a
    file, else an ``oommf`` executable on PATH (conda-forge's package), else None."""
    tcl = os.environ.get("OOMMFTCL")
    if tcl and Path(tcl).is_file():
        return ["tclsh", tcl]
    exe = shutil.which("oommf")
    return [exe] if exe else None


def oommf_available() -> bool:
    """True if OOMMF can be run here (:func:`oommf_command` finds it)."""
    return oommf_command() is not None


def _require_oommf() -> None:
    if not oommf_available():
        raise OOMMFNotFoundError(INSTALL_HINT)


def _add_random_seed(mif_path: Path, seed: int) -> None:
    text = mif_path.read_text()
    header = "# MIF 2.2\n"
    if not text.startswith(header):
        raise RuntimeError(f"unexpected MIF header in {mif_path}")
    mif_path.write_text(header + f"\nRandomSeed {int(seed)}\n" + text[len(header) :])


def _seeded_driver_class(base: type) -> type:
    """A subclass of an oommfc driver that also writes ``RandomSeed`` into its MIF."""

    class Seeded(base):  # type: ignore[misc, valid-type]
        random_seed: int | None = None

        def write_mif(self, system: Any, dirname: str = ".", **kwargs: Any) -> None:
            super().write_mif(system, dirname=dirname, **kwargs)
            if self.random_seed is not None:
                _add_random_seed(Path(dirname) / f"{system.name}.mif", self.random_seed)

    # micromagneticmodel records the adapter (oommfc) and its version in info.json from the
    # driver class's module: keep oommfc's identity so that lookup finds oommfc's metadata
    Seeded.__name__ = base.__name__
    Seeded.__qualname__ = base.__qualname__
    Seeded.__module__ = base.__module__
    return Seeded


def run_driver(driver: Any, system: Any, **kwargs: Any) -> None:
    """``driver.drive(system, **kwargs)``, with interrupts kept as interrupts.

    micromagneticmodel's ``Driver.drive`` reads a local variable in its ``finally`` that is
    only set when the run returns, so a ``KeyboardInterrupt`` or ``SystemExit`` (Ctrl-C, or
    ``kill`` of a ``dwmtj`` command) during a run surfaces as an ``UnboundLocalError``; this
    re-raises the interrupt itself, so that callers stop instead of recording a failed run.
    """
    try:
        driver.drive(system, **kwargs)
    except Exception as exc:
        if isinstance(exc.__context__, KeyboardInterrupt | SystemExit):
            raise exc.__context__ from None
        raise


@dataclass
class OOMMFResult:
    """What an OOMMF call produced (SI units).

    ``mif``: path of the MIF file; ``workdir``: its folder (field files, and after a real run
    the OOMMF outputs). After a real run ``table`` is the time/iteration table (pandas
    DataFrame with t (s) and mx, my, mz averages; ubermag's conventions) and ``m`` the final
    magnetisation (``discretisedfield.Field``); both are None for a dry run.
    """

    mif: Path
    workdir: Path
    dry_run: bool
    table: Any = None
    m: Any = None

    @property
    def mif_text(self) -> str:
        """The MIF file's contents."""
        return self.mif.read_text()

    def snapshots(self) -> list[Any]:
        """Magnetisation snapshots written by OOMMF (``discretisedfield.Field``), in order."""
        import discretisedfield as df

        return [
            df.Field.from_file(str(p))
            for p in sorted(self.workdir.glob("*.omf"))
            if not p.name.startswith("m0")
        ]


class OOMMFCalculator:
    """Runs Systems with OOMMF (oommfc). ``n_threads``: OOMMF threads (None: its default).

    Real runs go through one :class:`~physics.calculators.oommf_runner.HeadlessOOMMFRunner`
    per calculator (started on the first run): no display is needed, and :meth:`close` (or
    leaving a ``with OOMMFCalculator() as calc:`` block) stops every OOMMF process it started.
    """

    name = "oommf"

    def __init__(self, n_threads: int | None = None) -> None:
        if n_threads is not None and (not isinstance(n_threads, int) or n_threads < 1):
            raise ValueError(f"n_threads: must be a positive integer, got {n_threads!r}")
        self.n_threads = n_threads
        self._runner: Any = None

    @property
    def runner(self) -> Any:
        """This calculator's headless oommfc runner (raises OOMMFNotFoundError without OOMMF)."""
        _require_oommf()
        if self._runner is None:
            from physics.calculators.oommf_runner import HeadlessOOMMFRunner

            self._runner = HeadlessOOMMFRunner()
        return self._runner

    def close(self) -> None:
        """Stop every OOMMF process this calculator started (nothing if none was)."""
        if self._runner is not None:
            self._runner.close()
            self._runner = None

    def __enter__(self) -> OOMMFCalculator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def TimeDriver(self) -> type:  # noqa: N802 (ubermag's class names)
        """oommfc's TimeDriver class (the same driver interface as ``physics.engine``)."""
        import oommfc as oc

        return oc.TimeDriver

    @property
    def MinDriver(self) -> type:  # noqa: N802
        """oommfc's MinDriver class."""
        import oommfc as oc

        return oc.MinDriver

    @staticmethod
    def available() -> bool:
        """Whether OOMMF is installed here."""
        return oommf_available()

    # ---------------------------------------------------------------- drivers
    @staticmethod
    def time_driver(
        system: Any,
        seed: int | None = None,
        thermal_timestep: float = THERMAL_TIMESTEP,
        method: str | None = None,
    ) -> Any:
        """The oommfc TimeDriver (with its evolver chosen from the System) for ``system``.

        ``method``: the Runge-Kutta method of the T = 0 evolver (one of :data:`RK_METHODS`;
        None: OOMMF's default, rkf54)."""
        import micromagneticmodel as mm
        import oommfc as oc

        if method is not None and method not in RK_METHODS:
            raise ValueError(f"method: must be one of {', '.join(RK_METHODS)}, got {method!r}")
        if method is not None and system.T > 0:
            raise ValueError("method: the thermal evolver's method is fixed (rk2heun) at T > 0")
        rk = {} if method is None else {"method": method}

        driver_cls = _seeded_driver_class(oc.TimeDriver)
        has_sot = bool(system.dynamics.get(type=mm.Slonczewski))
        if system.T > 0:
            if seed is None:
                raise ValueError("seed: a run at T > 0 needs an explicit random seed")
            if not isinstance(seed, int) or seed < 0:
                raise ValueError(f"seed: must be a non-negative integer, got {seed!r}")
            evolver_cls = oc.Xf_ThermSpinXferEvolver if has_sot else oc.Xf_ThermHeunEvolver
            kwargs: dict[str, Any] = {
                "method": "rk2heun",
                "min_timestep": thermal_timestep,
                "max_timestep": thermal_timestep,
                "uniform_seed": seed,
            }
            if has_sot:
                kwargs["J_direction"] = "-z"
            driver = driver_cls(evolver=evolver_cls(**kwargs))
            driver.random_seed = seed
        elif has_sot:
            # Oxs_SpinXferEvolve; its J_direction defaults to -z: t = dz, the film thickness
            driver = driver_cls(evolver=oc.SpinXferEvolver(**rk))
        else:
            driver = driver_cls(evolver=oc.RungeKuttaEvolver(**rk))
        return driver

    @staticmethod
    def min_driver(stopping_mxHxm: float = 0.01) -> Any:
        """The oommfc MinDriver (conjugate gradient) used to relax a System."""
        import oommfc as oc

        if not stopping_mxHxm > 0:
            raise ValueError(f"stopping_mxHxm: must be positive (A/m), got {stopping_mxHxm!r}")
        return oc.MinDriver(stopping_mxHxm=stopping_mxHxm)

    # ---------------------------------------------------------------- runs
    def _execute(
        self, driver: Any, system: Any, workdir: Path, dry_run: bool, **kwargs: Any
    ) -> OOMMFResult:
        workdir = Path(workdir)
        if dry_run:
            target = workdir / system.name / "dry-run"
            target.mkdir(parents=True, exist_ok=True)
            driver.write_mif(system, dirname=str(target), **kwargs)
            return OOMMFResult(mif=target / f"{system.name}.mif", workdir=target, dry_run=True)
        _require_oommf()
        workdir.mkdir(parents=True, exist_ok=True)
        run_driver(
            driver,
            system,
            dirname=str(workdir),
            n_threads=self.n_threads,
            verbose=0,
            runner=self.runner,
            **kwargs,
        )
        run_dir = workdir / system.name / f"drive-{system.drive_number - 1}"
        table = system.table.data if getattr(system, "table", None) is not None else None
        return OOMMFResult(
            mif=run_dir / f"{system.name}.mif",
            workdir=run_dir,
            dry_run=False,
            table=table,
            m=system.m,
        )

    def relax(
        self,
        system: Any,
        *,
        workdir: str | Path = "runs-oommf",
        stopping_mxHxm: float = 0.01,
        dry_run: bool = False,
    ) -> OOMMFResult:
        """Energy-minimise ``system`` (OOMMF CG); updates ``system.m`` in place on a real run."""
        return self._execute(self.min_driver(stopping_mxHxm), system, Path(workdir), dry_run)

    def run(
        self,
        system: Any,
        *,
        t: float,
        n: int,
        seed: int | None = None,
        workdir: str | Path = "runs-oommf",
        dry_run: bool = False,
        thermal_timestep: float = THERMAL_TIMESTEP,
        method: str | None = None,
    ) -> OOMMFResult:
        """Time-evolve ``system`` for ``t`` seconds with ``n`` saved stages.

        The pulse recorded in the System (its Slonczewski ``func``) sets J(t); pick ``t`` at
        least the pulse's duration to see the whole pulse. T > 0 needs ``seed``;
        ``thermal_timestep`` (s) is then the evolver's fixed step. ``method``: the T = 0
        evolver's Runge-Kutta method (:data:`RK_METHODS`; default OOMMF's rkf54).
        """
        if not (isinstance(t, (int, float)) and t > 0):
            raise ValueError(f"t: must be a positive time in s, got {t!r}")
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n: must be a positive integer, got {n!r}")
        if not (isinstance(thermal_timestep, (int, float)) and 0 < thermal_timestep < t):
            raise ValueError(
                f"thermal_timestep: must be a positive time in s below t, got {thermal_timestep!r}"
            )
        driver = self.time_driver(
            system, seed=seed, thermal_timestep=float(thermal_timestep), method=method
        )
        return self._execute(driver, system, Path(workdir), dry_run, t=float(t), n=n)
