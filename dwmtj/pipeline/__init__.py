"""``dwmtj demo``: the whole chain from track geometry to network accuracy, in stages.

Modules (one job each):

* :mod:`~dwmtj.pipeline.config` -- the demo's settings (presets ``small`` / ``paper``,
  command-line overrides), validated before any work starts;
* :mod:`~dwmtj.pipeline.manifest` -- stage keys (hash of settings + upstream keys) and the
  ``stages.json`` manifest that lets a rerun reuse finished stages;
* :mod:`~dwmtj.pipeline.stages` -- the stages: devices, simulate, fit, stream, inference
  (the device stage's drawing and summaries: :mod:`~dwmtj.pipeline.devices`);
* :mod:`~dwmtj.pipeline.report` -- ``report.json`` and ``report.html`` (a Jinja2 template,
  ``templates/report.html.j2``) from the stage outputs;
* :mod:`~dwmtj.pipeline.run` -- runs the stages in order and prints the timing table.

The ``demo`` subcommand itself is :mod:`dwmtj.commands.demo`.
"""
