"""``dwmtj demo``: the whole chain from track geometry to network accuracy, in stages.

Modules (one job each):

* :mod:`~physics.pipeline.config` -- the demo's settings (presets ``small`` / ``paper``,
  command-line overrides), validated before any work starts;
* :mod:`~physics.pipeline.manifest` -- stage keys (hash of settings + upstream keys) and the
  ``stages.json`` manifest that lets a rerun reuse finished stages;
* :mod:`~physics.pipeline.stages` -- the stages: devices, simulate, fit, stream, inference;
* :mod:`~physics.pipeline.report` -- ``report.json`` and ``report.html`` from the stage outputs;
* :mod:`~physics.pipeline.run` -- runs the stages in order and prints the timing table.

The ``demo`` subcommand itself is registered by :mod:`physics.demo` (which also holds the
device stage: geometry, |J| map, micromagnetic System and OOMMF input of each device).
"""
