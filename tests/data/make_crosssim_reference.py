"""Record reference numbers from CrossSim's own core into ``crosssim_reference.json``.

CrossSim (sandialabs/cross-sim, https://github.com/sandialabs/cross-sim) is *not* part of this
repository and is not imported by the tests: this script was run once, outside the repository,
against a local copy of CrossSim's ``simulator`` package (release 3.2.0, commit 0a2eb1e; its
core needs only numpy and scipy)::

    git --git-dir=<cross-sim clone>/.git archive 0a2eb1e simulator | tar -x -C /work/crosssim-run
    PYTHONPATH=/work/crosssim-run .venv/bin/python tests/data/make_crosssim_reference.py

It maps a small fixed weight matrix with CrossSim's balanced core (one-sided, the default)
onto the paper's conductance range [0.94, 1.1] mS (``Rmin = 1/1.1 mS``, ``Rmax = 1/0.94 mS``),
and records, in CrossSim's normalised units ``G / G_max``:

- noise off, for continuous conductances and ``cell_bits`` = 2 and 3 (4 and 8 levels per
  device): the positive and negative conductances, the effective matrix
  (``AnalogCore.get_matrix``) and one MVM (``AnalogCore.matvec``);
- programming error ``NormalIndependentDevice`` of ``magnitude`` 0.02 (CrossSim 3.x: the
  standard deviation relative to ``G_max``), with ``clip_conductance`` False (CrossSim's
  default: only G >= 0 is enforced) and True (clip to [G_min, G_max]): moments of the
  conductance error and of the effective-weight error over a 128 x 128 matrix, fixed numpy
  seed (CrossSim draws from the global ``numpy.random``).

``tests/test_nn_analog_crosssim.py`` checks ``nn.analog`` against these numbers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from simulator import AnalogCore, CrossSimParameters  # CrossSim, on PYTHONPATH

G_MIN_S, G_MAX_S = 0.94e-3, 1.1e-3
OUT = Path(__file__).with_name("crosssim_reference.json")

# a fixed matrix (N_out x N_in) without exact ties at the level boundaries of 4 or 8 levels
W = np.array(
    [
        [0.62, -1.30, 0.07, 0.91, -0.44, 0.0],
        [-0.15, 0.33, -0.86, 0.52, 1.12, -0.71],
        [0.28, -0.02, 0.47, -0.97, 0.19, 0.80],
        [-0.58, 0.74, 0.11, -0.25, -1.05, 0.39],
    ],
    np.float32,
)
X = np.array([0.9, -0.4, 0.25, 0.6, -0.8, 0.1], np.float32)


def params(cell_bits: int = 0, sigma: float = 0.0, clip: bool = False) -> CrossSimParameters:
    p = CrossSimParameters()
    p.xbar.device.Rmin = 1 / G_MAX_S
    p.xbar.device.Rmax = 1 / G_MIN_S
    p.xbar.device.cell_bits = cell_bits
    p.xbar.device.clip_conductance = clip
    if sigma > 0:
        p.xbar.device.programming_error.enable = True
        p.xbar.device.programming_error.model = "NormalIndependentDevice"
        p.xbar.device.programming_error.magnitude = sigma
    return p


def inner(core: AnalogCore):
    balanced = core.cores[0][0]
    return balanced.core_pos._read_matrix(), balanced.core_neg._read_matrix()


def noiseless(cell_bits: int) -> dict:
    core = AnalogCore(W, params(cell_bits))
    g_pos, g_neg = inner(core)
    return {
        "cell_bits": cell_bits,
        "g_pos_norm": np.asarray(g_pos, float).tolist(),
        "g_neg_norm": np.asarray(g_neg, float).tolist(),
        "matrix": np.asarray(core.get_matrix(), float).tolist(),
        "mvm": np.asarray(core.matvec(X), float).tolist(),
    }


def noisy(sigma: float, clip: bool, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    w = rng.uniform(-1, 1, (128, 128)).astype(np.float32)
    w[0, 0] = 1.0  # max |W| = 1
    target = AnalogCore(w, params())
    t_pos, t_neg = inner(target)
    np.random.seed(seed)  # noqa: NPY002  (CrossSim draws from the global numpy.random)
    core = AnalogCore(w, params(sigma=sigma, clip=clip))
    g_pos, g_neg = inner(core)
    err = np.concatenate([(g_pos - t_pos).ravel(), (g_neg - t_neg).ravel()]).astype(float)
    g_all = np.concatenate([g_pos.ravel(), g_neg.ravel()]).astype(float)
    g_min_norm = G_MIN_S / G_MAX_S
    w_err = (np.asarray(core.get_matrix(), float) - w).ravel()
    return {
        "magnitude": sigma,
        "clip_conductance": clip,
        "seed": seed,
        "shape": list(w.shape),
        "g_error_mean_norm": float(err.mean()),
        "g_error_std_norm": float(err.std()),
        "fraction_below_g_min": float(np.mean(g_all < g_min_norm - 1e-7)),
        "fraction_at_g_min": float(np.mean(np.abs(g_all - g_min_norm) < 1e-7)),
        "fraction_above_g_max": float(np.mean(g_all > 1 + 1e-7)),
        "fraction_at_g_max": float(np.mean(np.abs(g_all - 1) < 1e-7)),
        "weight_error_mean": float(w_err.mean()),
        "weight_error_std": float(w_err.std()),
    }


def main() -> None:
    import simulator

    ref = {
        "source": "sandialabs/cross-sim 3.2.0 (commit 0a2eb1e), simulator.AnalogCore, "
        "balanced core, one-sided (defaults); made by tests/data/make_crosssim_reference.py",
        "crosssim_path": str(Path(simulator.__file__).parent),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "g_min_S": G_MIN_S,
        "g_max_S": G_MAX_S,
        "g_min_norm": G_MIN_S / G_MAX_S,
        "weights": W.astype(float).tolist(),
        "x": X.astype(float).tolist(),
        "noiseless": [noiseless(b) for b in (0, 2, 3)],
        "programming_error": [noisy(0.02, clip) for clip in (False, True)],
    }
    ref.pop("crosssim_path")  # a local path: not recorded
    OUT.write_text(json.dumps(ref, indent=1) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
