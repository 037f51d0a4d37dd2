"""The project's figures look the same whether or not discretisedfield was imported first.

Importing discretisedfield changes matplotlib's global style (``plt.style.use`` in its
``__init__``). The project draws every figure inside :func:`paperstyle.paper_style`, which
starts from matplotlib's defaults, so the rcParams a figure is saved with, and its pixels, do
not depend on that. Each case runs in a fresh interpreter (an import cannot be undone).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paperstyle import PAPER_RC, paper_style

REPO = Path(__file__).resolve().parent.parent

#: Draws two project figures (a compact-layer and a physics-layer one) and prints the rcParams
#: in force when each was saved, a hash of its pixels and the global rcParams afterwards.
SCRIPT = r"""
import hashlib, json, sys
from types import SimpleNamespace

import matplotlib
matplotlib.use("Agg")
if sys.argv[1] == "discretisedfield":
    import discretisedfield  # noqa: F401  (sets its style globally)
import matplotlib.image
from matplotlib.figure import Figure

import geometries
from compact.plots import plot_conductance_levels
from physics.current import save_current_map, solve_current

saved = []
original = Figure.savefig
def spy(self, *args, **kwargs):
    saved.append({k: repr(v) for k, v in matplotlib.rcParams.items()})
    return original(self, *args, **kwargs)
Figure.savefig = spy

out = sys.argv[2]
model = SimpleNamespace(name="levels", conductance={
    "mean_S": [1.0e-3, None, 0.9e-3], "sigma_S": [1e-6, None, 2e-6], "n_readings": [5, 0, 7],
    "write_sigma_S": 1.5e-6})
track = geometries.load_preset("scaled-straight")
paths = [plot_conductance_levels(model, f"{out}/levels.png"),
         save_current_map(solve_current(track, (4e-9, 4e-9), 0.3), track, f"{out}/j.png", "J")]
print(json.dumps({
    "rc_at_save": saved,
    "pixels": [hashlib.sha256(matplotlib.image.imread(p).tobytes()).hexdigest() for p in paths],
    "global_axes_facecolor": str(matplotlib.rcParams["axes.facecolor"]),
}))
"""


def _draw(first_import: str, tmp_path: Path) -> dict:
    out = tmp_path / first_import
    out.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, first_import, str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def test_project_figures_ignore_discretisedfields_global_style(tmp_path: Path) -> None:
    pytest.importorskip("discretisedfield")
    plain = _draw("nothing", tmp_path)
    after_df = _draw("discretisedfield", tmp_path)
    # the control: discretisedfield did change the global style
    assert plain["global_axes_facecolor"] != after_df["global_axes_facecolor"]
    assert len(plain["rc_at_save"]) == len(after_df["rc_at_save"]) == 2
    for ours, theirs in zip(plain["rc_at_save"], after_df["rc_at_save"], strict=True):
        differ = sorted(k for k in ours if ours[k] != theirs.get(k))
        assert not differ, differ
        assert ours["font.size"] == repr(PAPER_RC["font.size"])
    assert plain["pixels"] == after_df["pixels"]


def test_paper_style_restores_the_callers_style() -> None:
    import matplotlib

    with matplotlib.rc_context({"font.size": 21.0, "axes.facecolor": "#123456"}):
        with paper_style():
            assert matplotlib.rcParams["font.size"] == PAPER_RC["font.size"]
            assert matplotlib.rcParams["axes.facecolor"] == "white"  # the default, not ours
        assert matplotlib.rcParams["font.size"] == 21.0
        assert matplotlib.rcParams["axes.facecolor"] == "#123456"
