"""Time the authors' Fig. 4a code (Laborieux et al., SynapticMetaplasticityBNN,
Stream_Learning_FMNIST_Fig-4a, their files unmodified and not part of this repository) on this
CPU with 1 thread, for the control's settings (1024-1024, meta 2.5, weight decay 1e-7):
training epochs of one 1000-image subset and one pass over the 10 000 test images, extrapolated
to one control run (60 subsets x 20 epochs, one validation per subset: the protocol that
``bench_stream_control.py`` times for the JAX program).

Compatibility shims only (``benchmarks/authors_shim``): the (scalar, tensor) overloads of
add_/addcmul_/addcdiv_ that torch 2 removed, keras.datasets reading the local checksummed npz
files, and the four torchvision transforms the code uses. Their per-epoch evaluations (60 000 +
10 000 + 2 x 1000 images after every epoch, not part of the protocol) return 0 untimed.

Needs a separate environment with torch, pandas, pillow and matplotlib (not this project's):

    python3 -m venv /tmp/tv && /tmp/tv/bin/pip install torch pandas pillow matplotlib
    git clone https://github.com/Laborieux-Axel/SynapticMetaplasticityBNN /tmp/smbnn
    AUTHORS_CODE=/tmp/smbnn/Stream_Learning_FMNIST_Fig-4a /tmp/tv/bin/python -O \
        benchmarks/time_authors_fig4a.py

(-O: their code asserts torch <= 1.1.0.) EPOCHS (default 12) epochs are timed; the first is
dropped as warm-up.
"""

import os
import runpy
import sys
import time
from pathlib import Path

os.environ["OMP_NUM_THREADS"] = "1"
import torch

torch.set_num_threads(1)
sys.path.insert(0, str(Path(__file__).resolve().parent / "authors_shim"))
here = os.environ["AUTHORS_CODE"]
sys.path.insert(0, here)
os.chdir(here)


def _compat(name):
    orig = getattr(torch.Tensor, name)

    def f(self, *args, **kw):
        if (
            args
            and isinstance(args[0], (int, float))
            and len(args) >= 2
            and torch.is_tensor(args[1])
        ):
            return orig(self, *args[1:], **{("alpha" if name == "add_" else "value"): args[0]})
        return orig(self, *args, **kw)

    setattr(torch.Tensor, name, f)


for n in ("add_", "addcmul_", "addcdiv_"):
    _compat(n)

import model_utils  # noqa: E402  (their module, importable only after the path set-up)

epochs_timed = int(os.environ.get("EPOCHS", "12"))
log = {"train": [], "test": []}
orig_train, orig_test = model_utils.train, model_utils.test


def train(*a, **k):
    t0 = time.process_time()
    w0 = time.perf_counter()
    r = orig_train(*a, **k)
    log["train"].append((time.perf_counter() - w0, time.process_time() - t0))
    if len(log["train"]) >= epochs_timed:
        report()
        sys.exit(0)
    return r


def test(model, loader, device, frac=1, **k):
    if len(loader.dataset) == 10000 and not log["test"]:
        t0 = time.process_time()
        w0 = time.perf_counter()
        r = orig_test(model, loader, device, frac, **k)
        log["test"].append((time.perf_counter() - w0, time.process_time() - t0))
        return r
    return 0.0


def report():
    tr = log["train"][1:]  # the first epoch includes warm-up
    w = sum(x[0] for x in tr) / len(tr)
    c = sum(x[1] for x in tr) / len(tr)
    tw, tc = log["test"][0] if log["test"] else (float("nan"),) * 2
    print(
        f"torch {torch.__version__}, 1 thread: training epoch (1000 images) {w:.3f} s wall, "
        f"{c:.3f} s CPU "
        f"(mean of {len(tr)}); test set (10 000 images) {tw:.2f} s wall, {tc:.2f} s CPU"
    )
    print(
        "one control run (60 x 20 epochs + 60 validations): "
        f"{(1200 * w + 60 * tw) / 60:.1f} min wall"
    )


model_utils.train, model_utils.test = train, test
sys.argv = [
    "main.py",
    "--nb-subset",
    "60",
    "--epochs-per-task",
    "20",
    "--meta",
    "2.5",
    "--decay",
    "1e-7",
    "--save",
    "",
]
runpy.run_path("main.py", run_name="__main__")
