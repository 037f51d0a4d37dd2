"""Accuracy of a trained ResNet on DW-MTJ crossbars vs number of notches (paper Fig. 6).

For each signed weight precision ``N`` (``2^(N-1)`` notches per device) and each write-noise
level (ideal, the device's measured ``sigma_G``, and multiples of it) the folded network is
mapped with :mod:`nn.analog`, programmed ``draws`` times (independent write-noise draws,
all evaluated in one compiled call: ``vmap`` on accelerators, ``lax.map`` on CPU) and
evaluated on the test set. One jitted function serves the whole
sweep: target conductances and noise levels are traced inputs.

The write noise is the device's measured ``sigma_G`` (S) unless ``write_sigma`` is given,
stated as ``sigma_norm`` (:data:`nn.analog.SIGMA_NORMS`: ``absolute`` S, ``relative_gmax``
as CrossSim 3.x's ``magnitude``, ``relative_window`` as CrossSim v2.0's alpha error);
``clip_after_noise`` chooses between clipping programmed conductances to [G_min, G_max]
(default) and only to G >= 0 (CrossSim 3.x's default). The JSON summary records the write
noise in all three conventions.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.figure import Figure
from tqdm import tqdm

from compact.device_model import DeviceModel
from nn.analog import (
    PAPER_G_MAX_S,
    PAPER_G_MIN_S,
    SIGMA_NORMS,
    CrossbarConfig,
    map_network,
    program_mapped,
    programmed_conductances,
    sigma_in_all_norms,
    sigma_to_siemens,
)
from nn.cifar import load_dataset
from nn.resnet import F32, FoldedResNet, fold_batchnorm
from nn.train_resnet import load_checkpoint, to_input
from paperstyle import COLORS, paper_style

#: Seed of the random test subset (``test_limit``): test files may be sorted by class.
TEST_SUBSET_SEED = 12345
#: The files :func:`run_inference_sweep` writes into its output folder, by kind.
SWEEP_FILES: dict[str, str] = {
    "table": "inference_sweep.csv",
    "summary": "inference_sweep.json",
    "accuracy_figure": "fig6b_accuracy_vs_notches.png",
    "histogram_figure": "fig6a_conductance_histogram.png",
}


@dataclass(frozen=True)
class SweepPoint:
    """One point of the sweep: accuracies (fractions) of each noise draw."""

    level_mode: str  # "uniform" (2^(N-1) levels) or "device" (the device's measured levels)
    bits: int | None
    notches: int
    noise_factor: float
    write_sigma_S: float
    read_sigma_S: float
    accuracies: tuple[float, ...]

    @property
    def mean(self) -> float:
        return float(np.mean(self.accuracies))

    @property
    def std(self) -> float:
        return float(np.std(self.accuracies, ddof=1)) if len(self.accuracies) > 1 else 0.0


@eqx.filter_jit
def _correct_per_draw(
    mapped, keys, write_sigma, read_sigma, g_min, g_max, x_uint8, y, read_key, clip=True
):
    x = to_input(x_uint8)

    def one(k, rk):
        net = program_mapped(mapped, k, write_sigma, read_sigma, g_min, g_max, clip)
        logits = net(x, rk)
        return jnp.sum(jnp.argmax(logits, -1) == y)

    # All draws in one compiled call. On CPU a sequential lax.map is ~4x faster than vmap,
    # which turns the per-draw kernels into grouped convolutions; accelerators take the vmap.
    batched = (
        jax.vmap
        if jax.default_backend() != "cpu"
        else (lambda f: lambda *a: jax.lax.map(lambda t: f(*t), a))
    )
    if read_key is None:
        return batched(lambda k: one(k, None))(keys)
    return batched(one)(keys, jax.random.split(read_key, keys.shape[0]))


def analog_accuracy(
    net: FoldedResNet,
    config: CrossbarConfig,
    x: np.ndarray,
    y: np.ndarray,
    key: jax.Array,
    draws: int,
    batch_size: int = 500,
) -> np.ndarray:
    """Test accuracy of ``draws`` independently programmed copies of ``net`` (shape (draws,))."""
    if draws < 1:
        raise ValueError(f"draws: need >= 1, got {draws}")
    mapped = map_network(net, config)
    wkey, rkey = jax.random.split(key)
    keys = jax.random.split(wkey, draws)
    ws = jnp.asarray(config.write_sigma_S, F32)
    rs = jnp.asarray(config.read_sigma_S, F32)
    correct = np.zeros(draws, dtype=np.int64)
    for i in range(0, len(y), batch_size):
        read_key = jax.random.fold_in(rkey, i) if config.read_sigma_S > 0 else None
        correct += np.asarray(
            _correct_per_draw(
                mapped,
                keys,
                ws,
                rs,
                config.g_min_S,
                config.g_max_S,
                jnp.asarray(x[i : i + batch_size]),
                jnp.asarray(y[i : i + batch_size]),
                read_key,
                config.clip_after_noise,
            )
        )
    return correct / len(y)


@eqx.filter_jit
def _digital_correct(net, x_uint8, y):
    return jnp.sum(jnp.argmax(net(to_input(x_uint8)), -1) == y)


def digital_accuracy(
    net: FoldedResNet, x: np.ndarray, y: np.ndarray, batch_size: int = 500
) -> float:
    """Floating-point (software) accuracy of the folded network."""
    correct = sum(
        int(
            _digital_correct(
                net, jnp.asarray(x[i : i + batch_size]), jnp.asarray(y[i : i + batch_size])
            )
        )
        for i in range(0, len(y), batch_size)
    )
    return correct / len(y)


def sweep(
    net: FoldedResNet,
    device: DeviceModel,
    x: np.ndarray,
    y: np.ndarray,
    bits: list[int],
    noise_factors: list[float] = (0.0, 1.0, 10.0),  # type: ignore[assignment]
    draws: int = 5,
    read_sigma_S: float = 0.0,
    seed: int = 0,
    batch_size: int = 500,
    include_device_levels: bool = True,
    progress: bool = True,
    write_sigma_S: float | None = None,
    clip_after_noise: bool = True,
) -> list[SweepPoint]:
    """Accuracy vs notches for each noise factor (deterministic points get a single draw).

    ``include_device_levels`` adds, per noise factor, the device's own measured levels
    (rescaled into [0.94, 1.1] mS) as the weight levels. The noise factors multiply
    ``write_sigma_S`` (S; default: the device's ``sigma_G``).
    """
    sigma = float(device.write_sigma_S if write_sigma_S is None else write_sigma_S)
    jobs: list[tuple[str, int | None, float]] = [
        ("uniform", b, f) for f in noise_factors for b in bits
    ]
    if include_device_levels:
        jobs += [("device", None, f) for f in noise_factors]
    levels = tuple(float(g) for g in np.asarray(device.conductance_levels_S))
    key = jax.random.PRNGKey(seed)
    points = []
    for j, (mode, b, f) in enumerate(tqdm(jobs, desc="sweep", disable=not progress)):
        config = CrossbarConfig(
            bits=b,
            levels_S=levels if mode == "device" else None,
            write_sigma_S=f * sigma,
            read_sigma_S=read_sigma_S,
            clip_after_noise=clip_after_noise,
        )
        deterministic = f == 0 and read_sigma_S == 0
        acc = analog_accuracy(
            net, config, x, y, jax.random.fold_in(key, j), 1 if deterministic else draws, batch_size
        )
        points.append(
            SweepPoint(
                mode,
                b,
                int(config.levels_per_device or 0),
                f,
                f * sigma,
                read_sigma_S,
                tuple(float(a) for a in acc),
            )
        )
    return points


def write_table(points: list[SweepPoint], path: Path, info: dict) -> None:
    """CSV, one row per point; ``info`` (dataset, checkpoint, device, digital accuracy) repeated."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "dataset",
                "checkpoint",
                "device",
                "digital_accuracy",
                "level_mode",
                "bits",
                "notches",
                "noise_factor",
                "write_sigma_S",
                "read_sigma_S",
                "draws",
                "accuracy_mean",
                "accuracy_std",
                "accuracies",
            ]
        )
        for p in points:
            w.writerow(
                [
                    info["dataset"],
                    info["checkpoint"],
                    info["device"],
                    f"{info['digital_accuracy']:.4f}",
                    p.level_mode,
                    "" if p.bits is None else p.bits,
                    p.notches,
                    p.noise_factor,
                    f"{p.write_sigma_S:.4g}",
                    f"{p.read_sigma_S:.4g}",
                    len(p.accuracies),
                    f"{p.mean:.4f}",
                    f"{p.std:.4f}",
                    " ".join(f"{a:.4f}" for a in p.accuracies),
                ]
            )


@paper_style()
def plot_accuracy_vs_notches(points: list[SweepPoint], info: dict, path: Path) -> None:
    """Fig. 6b: accuracy vs notches, ideal (blue circles), measured noise (orange diamonds),
    multiples (orange diamonds, dotted)."""
    fig = Figure(figsize=(4.6, 3.6))
    ax = fig.subplots()
    factors = sorted({p.noise_factor for p in points})
    for f in factors:
        pts = sorted(
            (p for p in points if p.noise_factor == f and p.level_mode == "uniform"),
            key=lambda p: p.notches,
        )
        if not pts:
            continue
        if f == 0:
            style = dict(color=COLORS[0], marker="o", ls="-", label="no write noise")
        elif f == 1:
            style = dict(color=COLORS[1], marker="D", ls="-", label=r"measured $\sigma_G$")
        else:
            style = dict(
                color=COLORS[1],
                marker="D",
                ls=":",
                mfc="none",
                label=rf"{f:g}$\times$ measured $\sigma_G$",
            )
        ax.errorbar(
            [p.notches for p in pts],
            [100 * p.mean for p in pts],
            yerr=[100 * p.std for p in pts],
            capsize=3,
            ms=5,
            **style,
        )
    dev = [p for p in points if p.level_mode == "device"]
    for p in dev:
        ax.errorbar(
            [p.notches],
            [100 * p.mean],
            yerr=[100 * p.std],
            color=COLORS[2],
            marker="*",
            ms=9,
            ls="none",
            capsize=3,
            label="device's measured levels" if p is dev[0] else None,
        )
    ax.axhline(100 * info["digital_accuracy"], color="k", ls="--", lw=1, label="software (float)")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("number of notches per device")
    ax.set_ylabel(f"{info['dataset']} test accuracy (%)")
    ax.set_title(f"ResNet-{info['depth']} x{info['width']:g}, {info['device']}", fontsize=9)
    ax.set_ylim(0, 100)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=150)


@paper_style()
def plot_conductance_histogram(
    device: DeviceModel, net: FoldedResNet, path: Path, seed: int = 0, cycles: int = 10
) -> None:
    """Fig. 6a: (left) the device's levels with their cycle-to-cycle spread, sampled ``cycles``
    x 100 times per level; (right) programmed conductances of the network's devices on the
    device's measured levels (rescaled into [0.94, 1.1] mS) with its write noise."""
    rng = np.random.default_rng(seed)
    g = np.asarray(device.conductance_levels_S)
    s = np.asarray(device.conductance_sigma_S)
    samples = np.concatenate(
        [rng.normal(gk, sk, cycles * 100) for gk, sk in zip(g, s, strict=True)]
    )
    config = CrossbarConfig(
        levels_S=tuple(float(v) for v in g), write_sigma_S=float(device.write_sigma_S)
    )
    prog = programmed_conductances(net, jax.random.PRNGKey(seed), config)
    fig = Figure(figsize=(8, 3.2))
    a, b = fig.subplots(1, 2)
    a.hist(samples * 1e3, bins=150, color=COLORS[4])
    a.set_xlabel("conductance (mS)")
    a.set_ylabel("count")
    a.set_title(f"{device.name}: levels $\\pm\\sigma$ (model samples)", fontsize=9)
    b.hist(prog * 1e3, bins=200, color=COLORS[1], log=True)
    for gk in np.linspace(config.g_min_S, config.g_max_S, 2):
        b.axvline(gk * 1e3, color="k", lw=0.5, ls=":")
    b.set_xlabel("programmed conductance (mS)")
    b.set_title(
        f"network on {len(g)} device levels, "
        f"$\\sigma_G$ = {float(device.write_sigma_S) * 1e6:.2f} $\\mu$S",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=150)


@dataclass
class InferenceSweep:
    """What :func:`run_inference_sweep` measured and wrote: the sweep points, the run's
    description (``info``: dataset, test images, network, device, software accuracy) and the
    files written (kind of :data:`SWEEP_FILES` -> path)."""

    points: list[SweepPoint]
    info: dict
    files: dict[str, Path] = field(default_factory=dict)


def run_inference_sweep(
    device: DeviceModel,
    checkpoint: Path,
    bits: list[int],
    noise_factors: list[float],
    draws: int,
    dataset_name: str | None,
    data_dir: str | os.PathLike[str] | None,
    out: Path,
    read_sigma_S: float = 0.0,
    test_limit: int | None = None,
    batch_size: int = 500,
    seed: int = 0,
    write_sigma: float | None = None,
    read_sigma: float | None = None,
    sigma_norm: str = "absolute",
    clip_after_noise: bool = True,
) -> InferenceSweep:
    """The analog-inference sweep of a trained network on one device, with its outputs.

    Loads the network from ``checkpoint`` and its test set (``dataset_name``, default: the
    one it was trained on; ``data_dir``: :func:`nn.data_paths.find_dataset_dir`), optionally
    a fixed random subset of ``test_limit`` images; sweeps ``bits`` x ``noise_factors``
    (multiples of the device's write noise sigma_G) with ``draws`` noise draws each and read
    noise ``read_sigma_S`` (S); writes the CSV table, the JSON summary and both figures
    (:data:`SWEEP_FILES`) into ``out``. ``dwmtj infer`` and the demo's inference stage call it.
    ``write_sigma`` (default: the device's sigma_G) and ``read_sigma`` (instead of
    ``read_sigma_S``) are stated as ``sigma_norm`` (:func:`nn.analog.sigma_to_siemens`);
    ``clip_after_noise``: :class:`nn.analog.CrossbarConfig`.
    """
    if sigma_norm not in SIGMA_NORMS:
        raise ValueError(f"sigma_norm: {sigma_norm!r} is not one of {', '.join(SIGMA_NORMS)}")
    for name, value in (("write_sigma", write_sigma), ("read_sigma", read_sigma)):
        if value is not None and not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{name}: must be finite and >= 0, got {value}")
    if read_sigma is not None:
        if read_sigma_S:
            raise ValueError("read_sigma: give read_sigma or read_sigma_S, not both")
        read_sigma_S = sigma_to_siemens(read_sigma, sigma_norm, PAPER_G_MIN_S, PAPER_G_MAX_S)
    write_sigma_S = (
        float(device.write_sigma_S)
        if write_sigma is None
        else sigma_to_siemens(write_sigma, sigma_norm, PAPER_G_MIN_S, PAPER_G_MAX_S)
    )
    model, meta = load_checkpoint(checkpoint)
    name = dataset_name or meta["dataset"]
    if name != meta["dataset"]:
        raise ValueError(f"dataset: checkpoint was trained on {meta['dataset']}, not {name}")
    ds = load_dataset(name, data_dir)
    x, y = ds.x_test, ds.y_test
    if test_limit is not None:  # a fixed random subset: test files may be sorted by class
        if test_limit < 1:
            raise ValueError(f"test_limit: need >= 1 images, got {test_limit}")
        pick = np.sort(np.random.default_rng(TEST_SUBSET_SEED).permutation(len(y))[:test_limit])
        x, y = x[pick], y[pick]
    net = fold_batchnorm(model)
    info = {
        "dataset": ds.name,
        "dataset_source": ds.source,
        "test_images": int(len(y)),
        "test_subset": "all"
        if test_limit is None
        else f"random {len(y)} (seed {TEST_SUBSET_SEED})",
        "checkpoint": str(checkpoint),
        "depth": meta["config"]["depth"],
        "width": meta["config"]["width"],
        "epochs_trained": meta["epoch"],
        "device": device.name,
        "write_sigma_S": write_sigma_S,
        "device_sigma_G_S": float(device.write_sigma_S),
        "write_sigma_as": sigma_in_all_norms(write_sigma_S, PAPER_G_MIN_S, PAPER_G_MAX_S),
        "sigma_norm_given": sigma_norm if write_sigma is not None or read_sigma else None,
        "read_sigma_S": read_sigma_S,
        "clip_after_noise": clip_after_noise,
        "digital_accuracy": digital_accuracy(net, x, y, batch_size),
    }
    points = sweep(
        net,
        device,
        x,
        y,
        bits,
        noise_factors,
        draws,
        read_sigma_S,
        seed,
        batch_size,
        write_sigma_S=write_sigma_S,
        clip_after_noise=clip_after_noise,
    )
    out.mkdir(parents=True, exist_ok=True)
    files = {kind: out / name for kind, name in SWEEP_FILES.items()}
    write_table(points, files["table"], info)
    files["summary"].write_text(
        json.dumps(
            {**info, "points": [{**p.__dict__, "mean": p.mean, "std": p.std} for p in points]},
            indent=2,
        )
    )
    plot_accuracy_vs_notches(points, info, files["accuracy_figure"])
    plot_conductance_histogram(device, net, files["histogram_figure"], seed)
    return InferenceSweep(points=points, info=info, files=files)
