"""Depinning experiments: pulse protocols, MTJ readout, HDF5 run store, resumable batches.

Modules (one job each):

* :mod:`~physics.experiment.protocols` -- voltage ramps, write/reset cycles, repeated cycles
  at temperature T, pulse shapes (validated dataclasses, ``to_dict``/``from_dict``);
* :mod:`~physics.experiment.readout` -- wall position, notch index, MTJ parallel fraction and
  conductance from magnetisation arrays (vectorised over ensembles);
* :mod:`~physics.experiment.spec` -- :class:`RunSpec`, the full specification of a run and
  its hash (the run's name);
* :mod:`~physics.experiment.store` -- one HDF5 file per run, atomic writes, corruption checks;
* :mod:`~physics.experiment.transitions` -- the run file's ``/transitions`` group (the
  notch-state form a compact model is fitted on): its schema, writer and reader;
* :mod:`~physics.experiment.sweep` -- sweep TOML -> run specs;
* :mod:`~physics.experiment.batch` -- resumable batches on a process pool, in-process or dask;
* :mod:`~physics.experiment.simulate` -- one run on the JAX engine (thermal ensemble), or on
  OOMMF through :mod:`~physics.experiment.simulate_oommf` (one process per realisation-step),
  from the parts both share (:mod:`~physics.experiment.run_parts`);
* :mod:`~physics.experiment.depinning` -- T = 0 one-pulse depinning thresholds per notch
  (notch x voltage members in one batched call);
* :mod:`~physics.experiment.plots` / :mod:`~physics.experiment.commands` -- figures and the
  functions behind ``dwmtj simulate/batch/plot``.

The names below are the data side (specs, protocols, readout, run files, sweeps, batches) and
load without JAX; the simulation modules (``simulate``, ``depinning``) import JAX and the
engine, so they are imported from their modules.
"""

from physics.experiment.batch import BatchReport, run_batch
from physics.experiment.protocols import (
    Protocol,
    PulseShape,
    VoltageRamp,
    WallStart,
    voltage_ramp_protocol,
    write_reset_protocol,
)
from physics.experiment.readout import MTJ, Readout, ReadoutGeometry
from physics.experiment.spec import RunSpec
from physics.experiment.store import (
    CorruptRunError,
    RunRecord,
    RunResult,
    open_run,
    read_run,
    write_run,
)
from physics.experiment.sweep import SweepPoint, expand_sweep, load_sweep

__all__ = [
    "MTJ",
    "BatchReport",
    "CorruptRunError",
    "Protocol",
    "PulseShape",
    "Readout",
    "ReadoutGeometry",
    "RunRecord",
    "RunResult",
    "RunSpec",
    "SweepPoint",
    "VoltageRamp",
    "WallStart",
    "expand_sweep",
    "load_sweep",
    "open_run",
    "read_run",
    "run_batch",
    "voltage_ramp_protocol",
    "write_reset_protocol",
    "write_run",
]
