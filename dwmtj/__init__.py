"""dwmtj: the top layer -- the ``dwmtj`` command line (:mod:`dwmtj.cli`, one module per
subcommand in :mod:`dwmtj.commands`) and the demo pipeline (:mod:`dwmtj.pipeline`).

The layers below it, each importing only the ones under it::

    dwmtj        command line and the demo pipeline (orchestration)
    nn           networks: metaplastic stream learning, analog inference
    compact      compact stochastic device model (fit, artifact, presets)
    physics      materials, current, device, calculators, engine, experiments (run store)
    geometries   track shapes
    paperstyle   the figures' matplotlib style

``lint-imports`` (``make check-imports``) enforces them.
"""

from dwmtj.cli import build_parser, main, use_all_cpu_cores

__all__ = ["build_parser", "main", "use_all_cpu_cores"]
