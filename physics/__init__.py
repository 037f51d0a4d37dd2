"""physics: from a track shape to a driven micromagnetic device (SI units throughout).

- :mod:`physics.materials`: Ta/CoFeB/MgO presets (``load_material``), every value sourced.
- :mod:`physics.current`: 2-D conduction solve in the heavy metal (``solve_current``).
- :mod:`physics.pulses`: write pulses as time functions (``default_pulse``).
- :mod:`physics.device`: ``build_system`` -> the ``micromagneticmodel.System``.
- :mod:`physics.calculators`: ``get_calculator("oommf" | "jax")``.
- :mod:`physics.engine`: the built-in JAX micromagnetic engine.

Submodules are imported on demand so that ``import physics`` stays light.
"""
