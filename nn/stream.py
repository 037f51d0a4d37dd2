"""Stream learning on Fashion-MNIST (paper Figs. 4-5), every seed and device type in one program.

Protocol (paper Methods; Laborieux et al.): the 60 000 training images are permuted once by
the seed and cut into ``n_subsets`` contiguous subsets of ``subset_size`` images; each subset
is trained for ``epochs`` epochs (mini-batches of ``batch_size``, reshuffled every epoch) with
the optimiser state carried from subset to subset; after every subset the network is
validated on the 10 000 test images. The *full-data* reference trains a fresh network on all
60 000 images for the same number of epochs (the ticks of Fig. 5a).

All runs (seeds x synapse types) are stacked on a leading axis and advanced by one
``jax.vmap``-ed, ``jax.jit``-ed program; only the loop over subsets is in Python, so the
state can be checkpointed after each subset and a rerun resumes where it stopped.

The *Laborieux control* (synapse spec ``laborieux:m=M``) runs in the same program: float
hidden weights, no clipping, no rounding, ``1 - tanh^2(M |W_h|)`` on consolidating steps,
``delta = 1`` and weight decay added to the gradient (:func:`nn.metaplastic.laborieux_adam_meta`);
``m=0`` is the plain BNN. Its protocol (:meth:`StreamConfig.laborieux_control`) follows
Laborieux-Axel/SynapticMetaplasticityBNN, ``Stream_Learning_FMNIST_Fig-4a``:

- ``main.py``: hidden layers 1024-1024 (``--hidden-layers``), lr 0.005, mini-batches of 100,
  weights uniform in +-0.05 (``--init-width 0.1``), the 60 000 images permuted once and cut
  into ``--nb-subset`` contiguous subsets, each reshuffled every epoch
  (``SubsetRandomSampler``); the issue's control uses 20 epochs per subset (their default
  ``--epochs-per-task`` is 5) and weight decay 1e-7 (their ``--decay`` defaults to 0);
- ``main.py`` builds *one* ``Adam_meta`` before the loop over subsets: the Adam moments and
  the step count are carried from subset to subset, never re-initialised (as here for every
  synapse type);
- ``model_utils.py``, ``BNN``: ``BinarizeLinear`` without bias, then
  ``BatchNorm1d(affine=False, track_running_stats=True)`` with PyTorch's momentum 0.1 and
  eps 1e-5 (``bn_momentum``, ``bn_eps`` here), sign activation with the gradient passed
  where ``|x| <= 1``; the 784 input pixels in [0, 1] are not binarised (their
  ``Normalize(mean=0, std=1)`` is the identity); validation with the running statistics.

The *ablation ladder* (issue 18, ``results/stream/ablation/``) switches the device's elements
on one at a time in the control, with options of the same spec (:func:`_parse_control`):
``fmeta=eq1,w1w2=R`` (Eq. 1 in place of the tanh^2 factor), ``delta=D``, ``clip=1`` (hidden
weights clipped to [-1, 1]) and ``levels=N`` (rounded onto N evenly spaced levels with the
device path's :func:`nn.metaplastic.round_to_levels`, at initialisation and after every
step). The hidden weight W is the normalised weight of the device rule itself (its range
[-1, 1] is the device's, its start uniform in +-0.05 as the control's). With every switch on
and ``wd=0`` the control is the device rule of a preset with the same ratio, delta and
levels (``laborieux:m=2.5,fmeta=eq1,w1w2=0.25,delta=3,clip=1,levels=4,wd=0`` = ``trapezoid``,
tested); with the control's default ``wd=1e-7`` it differs from it by that weight decay only.

The *rounding variants* (issue 18, step 2; ``results/stream/ablation/README.md``, "Rounding
variants") are options of both spec kinds; their defaults are the paper's reading and leave
every existing spec, its description and its program unchanged:

- ``grid=uniform|magnitude|zero`` with ``levels=N`` (:func:`weight_grid`): N evenly spaced
  levels (default); N magnitude levels per sign without zero; N per sign with zero;
- ``round=step|epoch|subset``: round after every optimiser step (the paper's "after each
  update", default), or only when the device is written, at the end of every epoch or
  subset; in between the hidden weights are float and everything (forward sign, Eq. 1,
  clip) reads the float weight. Every run is written once at initialisation;
- ``zero=0|pm``: the forward weight of a binarised weight at 0 is 0 (``sign(0)``, default)
  or a fixed +-1 per synapse (:func:`nn.bnn.zero_tie_signs`; the paper's "binarized ... to
  either -1 or +1").

A program compiles the late writes and the zero reads in only when some run needs them
(:meth:`StreamProgram.for_specs`).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import equinox as eqx
import h5py
import jax
import jax.numpy as jnp
import matplotlib.ticker
import numpy as np
from jax import Array
from matplotlib.figure import Figure
from pydantic import Field, model_validator
from tqdm.auto import tqdm

from compact.device_model import DeviceModel
from compact.presets import load_device
from geometries.validation import Flag, Int, Real, TypedConfig, config_dataclass, quantity
from nn import bnn
from nn.metaplastic import metaplastic_adam, round_to_levels
from paperstyle import paper_style

F32 = jnp.float32
N_TRAIN = 60_000


# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------
def _count(default: int, description: str) -> Any:
    return quantity(default, unit="", description=description, ge=1)


@config_dataclass
class StreamConfig(TypedConfig):
    """Settings of the stream protocol (defaults: the paper's)."""

    n_subsets: Int = _count(60, "subsets the permuted training set is cut into")
    subset_size: Int = _count(1000, "images per subset (a multiple of batch_size)")
    epochs: Int = _count(30, "epochs per subset")
    batch_size: Int = _count(100, "images per mini-batch")
    n_seeds: Int = _count(5, "seeds (permutations and initialisations)")
    learning_rate: Real = quantity(0.005, unit="", description="Adam learning rate", gt=0)
    init_width: Real = quantity(
        0.1, unit="", description="hidden weights start uniform in +-init_width/2", gt=0, le=2
    )
    stochastic_rounding: Flag = Field(True, description="round hidden weights stochastically")
    full_data: Flag = Field(True, description="also train the full-data reference")
    eval_every_epoch: Flag = Field(False, description="test accuracy after every epoch")
    eval_chunk: Int = _count(1000, "test images per evaluation batch")
    first_seed: Int = quantity(0, unit="", description="the first seed", ge=0)
    hidden_width: Int = _count(512, "neurons per hidden layer (the control: 1024)")
    hidden_layers: Int = _count(2, "hidden layers")
    bn_momentum: Real = quantity(
        0.1, unit="", description="batch-norm running-statistics momentum (PyTorch's)", gt=0, le=1
    )
    bn_eps: Real = quantity(1e-5, unit="", description="batch-norm epsilon (PyTorch's)", gt=0)

    @model_validator(mode="after")
    def _fits_the_training_set(self) -> StreamConfig:
        if self.subset_size % self.batch_size:
            raise ValueError(
                f"subset_size: {self.subset_size} is not a multiple of batch_size {self.batch_size}"
            )
        if self.n_subsets * self.subset_size > N_TRAIN:
            raise ValueError(
                f"n_subsets: {self.n_subsets} x {self.subset_size} images exceed "
                f"the {N_TRAIN} training images"
            )
        return self

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """784, the hidden layers, 10."""
        return (784, *([self.hidden_width] * self.hidden_layers), 10)

    @classmethod
    def laborieux_control(cls, **overrides: Any) -> StreamConfig:
        """The control's protocol (module docstring): 1024-1024 hidden units, 20 epochs per
        subset, lr 0.005, PyTorch's batch norm; ``overrides`` change any field."""
        settings: dict[str, Any] = {"hidden_width": 1024, "hidden_layers": 2, "epochs": 20}
        settings.update(overrides)
        return cls(**settings)


@dataclass(frozen=True)
class SynapseSpec:
    """One synapse type of the comparison: a device model and how the network reads it.

    ``binarized=False`` is the non-binarised linear synapse (Fig. 5b): the forward pass uses
    the quantised hidden weight itself instead of its sign. ``kind="laborieux"`` is the
    software control (``device`` None): by default float weights, ``1 - tanh^2(meta |W|)``,
    ``weight_decay`` added to the gradient, delta 1, no clip, no rounding. Its ablation
    switches (used only when ``kind="laborieux"``; a device reads them from ``device``):
    ``fmeta`` ("tanh" or "eq1": Eq. 1 with ratio ``w1_over_w2``), ``delta`` (factor on steps
    that grow |W|), ``clip`` (clip W to [-1, 1]) and ``levels`` (0: float weights; N: round
    onto N evenly spaced levels in [-1, 1]). The rounding variants (issue 18; both kinds):
    ``grid`` (how ``levels`` builds the grid, :func:`weight_grid`), ``write`` (when the
    hidden weights are rounded: "step", "epoch" or "subset", :data:`WRITE_TIMES`) and
    ``zero`` ("0": a weight at 0 reads as 0 in the forward pass; "pm": as a fixed +-1,
    :func:`nn.bnn.zero_tie_signs`).
    """

    label: str
    device: DeviceModel | None
    binarized: bool = True
    kind: str = "device"
    meta: float = 0.0
    weight_decay: float = 0.0
    fmeta: str = "tanh"
    w1_over_w2: float = 1.0
    delta: float = 1.0
    clip: bool = False
    levels: int = 0
    grid: str = "uniform"
    write: str = "step"
    zero: str = "0"
    fmeta_on: str = "shrink"


#: The paper's comparison (Fig. 5a-b): straight delta=1, straight delta=3, trapezoid 1:4
#: delta=3 (4 levels), and the non-binarised linear synapse with 32 levels.
PAPER_DEVICES: tuple[str, ...] = ("straight", "straight:delta=3", "trapezoid", "linear:levels=32")

#: the rounding variants' options (issue 18), for the control and the device path alike,
#: with their allowed values (the first is the default: the paper's reading)
_VARIANT_CHOICES: dict[str, tuple[str, ...]] = {
    "grid": ("uniform", "magnitude", "zero"),
    "round": ("step", "epoch", "subset"),
    "zero": ("0", "pm"),
}
_SPEC_KEYS = {"levels", "delta", "w1w2", "binarized", "fmeta_on", *_VARIANT_CHOICES}
#: which hidden-weight steps the metaplastic factor multiplies (issue 18): "shrink" (those
#: that shrink |W|, Laborieux et al.'s and the default) or "all" (every step; delta on top)
FMETA_ON: tuple[str, ...] = ("shrink", "all")
_CONTROL_KEYS = {
    "m",
    "wd",
    "fmeta",
    "w1w2",
    "delta",
    "clip",
    "levels",
    "binarized",
    "fmeta_on",
    *_VARIANT_CHOICES,
}
_FMETA_LAWS = ("tanh", "eq1")
#: when a run rounds its hidden weights onto the levels (``round=``), as the code stored in
#: :attr:`RunDevices.write`
WRITE_TIMES: tuple[str, ...] = _VARIANT_CHOICES["round"]


def weight_grid(levels: int, grid: str = "uniform") -> np.ndarray:
    """The sorted hidden-weight levels (float32, dimensionless, in [-1, 1]) of ``levels=N``.

    - ``uniform`` (the paper's reading and the default): N evenly spaced levels with the end
      levels at +-1 (N = 4: {-1, -1/3, 1/3, 1}; an odd N includes 0).
    - ``magnitude``: N magnitude levels per sign, {+-k/N : k = 1..N}, 2N levels, no zero
      (N = 4: {+-1/4, +-1/2, +-3/4, +-1}). |W| is the DW position along the track (Eq. 1,
      Fig. 4b: 0 at the narrow end, 1 at the wide end) and the N notch positions are evenly
      spaced with the last at the wide end; the sign is the device's other degree of freedom
      (a differential pair, Fig. 4a).
    - ``zero``: N magnitude levels per sign that include the narrow end, {+-k/(N-1) :
      k = 0..N-1}, 2N - 1 levels with 0 (N = 4: {0, +-1/3, +-2/3, +-1}); the same values as
      ``uniform`` with 2N - 1 levels.

    Computed in float64 and rounded once to float32 (as the presets' levels: the uniform
    4-level grid is the trapezoid preset's exactly).
    """
    if grid == "uniform":
        values = np.linspace(-1.0, 1.0, levels)
    elif grid == "magnitude":
        mags = np.arange(1, levels + 1) / levels
        values = np.concatenate([-mags[::-1], mags])
    elif grid == "zero":
        values = np.linspace(-1.0, 1.0, 2 * levels - 1)
    else:
        raise ValueError(f"grid: must be one of {_VARIANT_CHOICES['grid']}, got {grid!r}")
    return values.astype(np.float32)


_MIN_LEVELS = {"uniform": 2, "magnitude": 1, "zero": 2}


def _check_variants(spec: str, variants: dict[str, str], levels: int | None) -> None:
    """Validate the rounding variants (``grid``, ``round``, ``zero``) of ``spec`` against its
    level count ``levels`` (``None``: float weights); raise a one-line ``device:`` error."""
    for key, value in variants.items():
        if value not in _VARIANT_CHOICES[key]:
            raise ValueError(f"device: {key} must be one of {_VARIANT_CHOICES[key]} in {spec!r}")
    grid = variants.get("grid", "uniform")
    if levels is None:
        if variants:
            key = next(iter(variants))
            raise ValueError(f"device: {key}= needs levels=N (float weights) in {spec!r}")
        return
    if levels < _MIN_LEVELS[grid]:
        raise ValueError(
            f"device: levels must be an integer >= {_MIN_LEVELS[grid]} with grid={grid} in {spec!r}"
        )
    if variants.get("zero", "0") != "0" and not np.any(weight_grid(levels, grid) == 0):
        raise ValueError(f"device: zero=pm needs a grid with a level at 0 in {spec!r}")


#: weight decay of the Laborieux control unless ``wd=`` is given
CONTROL_WEIGHT_DECAY = 1e-7


def _parse_control(spec: str, opts: str) -> SynapseSpec:
    """``laborieux[:key=value,...]``: the Laborieux control (m = 0: plain BNN) and the
    switches of the ablation ladder. All values dimensionless; W is the normalised hidden
    weight (the device rule's: [-1, 1] is the device's range).

    - ``m=M`` (>= 0, default 0): M of ``1 - tanh^2(M |W|)`` (unused with ``fmeta=eq1``);
    - ``wd=W`` (>= 0, default 1e-7): weight decay, ``W * weight`` added to the gradient;
    - ``fmeta=tanh|eq1`` (default tanh): the factor on consolidating steps (those that
      shrink |W|); ``eq1`` is the paper's Eq. 1, ``(1 - |W|)(1 - R) + R``, evaluated at
      ``clip(W, -1, 1)`` (so ``R`` beyond |W| = 1, reachable only without ``clip=1``);
    - ``w1w2=R`` (in (0, 1]; required by, and only allowed with, ``fmeta=eq1``): Eq. 1's
      ratio w1/w2 (0.25: the trapezoid's 1:4);
    - ``delta=D`` (> 0, default 1): factor on steps that grow |W|;
    - ``clip=0|1`` (default 0): clip hidden weights to [-1, 1] after every step;
    - ``binarized=0|1`` (default 1): 0 reads the hidden weight itself in the forward pass
      (the non-binarised linear synapse of Fig. 5b with float weights: its control);
    - ``levels=N`` (integer >= 2; default: float weights): round hidden weights onto N evenly
      spaced levels in [-1, 1] (the end levels are +-1) at initialisation and after every
      step, stochastically (unbiased) unless ``--deterministic-rounding``, with the device
      path's :func:`nn.metaplastic.round_to_levels` (which clamps to [-1, 1] first);
    - the rounding variants (need ``levels=N``; the defaults are the paper's reading and
      the behaviour above): ``grid=uniform|magnitude|zero`` (:func:`weight_grid`),
      ``round=step|epoch|subset`` (:data:`WRITE_TIMES`: round after every optimiser step, or
      only when the device is written, at the end of each epoch or subset, the hidden
      weights staying float in between) and ``zero=0|pm`` (the forward weight of a weight
      at 0: 0, or a fixed +-1 per synapse; ``pm`` needs a grid with a level at 0).
    """
    options: dict[str, float] = {"m": 0.0, "wd": CONTROL_WEIGHT_DECAY, "delta": 1.0}
    variants: dict[str, str] = {}
    law = "tanh"
    fmeta_on = "shrink"
    for item in filter(None, (o.strip() for o in opts.split(","))):
        key, eq, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or key not in _CONTROL_KEYS:
            raise ValueError(
                f"device: bad option {item!r} in {spec!r}; laborieux takes "
                f"key=value with key in {sorted(_CONTROL_KEYS)}"
            )
        if key == "fmeta_on":
            if value not in FMETA_ON:
                raise ValueError(f"device: fmeta_on must be one of {FMETA_ON} in {spec!r}")
            fmeta_on = value
            continue
        if key == "fmeta":
            if value not in _FMETA_LAWS:
                raise ValueError(f"device: fmeta must be one of {_FMETA_LAWS} in {spec!r}")
            law = value
            continue
        if key in _VARIANT_CHOICES:
            if value not in _VARIANT_CHOICES[key]:
                raise ValueError(
                    f"device: {key} must be one of {_VARIANT_CHOICES[key]} in {spec!r}"
                )
            variants[key] = value
            continue
        try:
            options[key] = float(value)
        except ValueError:
            raise ValueError(f"device: {key} is not a number in {spec!r}") from None
        if not (np.isfinite(options[key]) and options[key] >= 0):
            raise ValueError(f"device: {key} must be finite and >= 0 in {spec!r}")
    if "w1w2" in options and law != "eq1":
        raise ValueError(f"device: w1w2 is Eq. 1's ratio; it needs fmeta=eq1 in {spec!r}")
    if law == "eq1" and not 0 < options.get("w1w2", -1.0) <= 1:
        raise ValueError(f"device: fmeta=eq1 needs w1w2=R with R in (0, 1] in {spec!r}")
    if not options["delta"] > 0:
        raise ValueError(f"device: delta must be positive in {spec!r}")
    if options.get("clip", 0.0) not in (0.0, 1.0):
        raise ValueError(f"device: clip must be 0 or 1 in {spec!r}")
    if options.get("binarized", 1.0) not in (0.0, 1.0):
        raise ValueError(f"device: binarized must be 0 or 1 in {spec!r}")
    binarized = options.get("binarized", 1.0) == 1.0
    if not binarized and variants.get("zero", "0") != "0":
        raise ValueError(
            f"device: zero=pm reads a binarised weight; it needs binarized=1 in {spec!r}"
        )
    levels = options.get("levels", 0.0)
    grid = variants.get("grid", "uniform")
    if "levels" in options and (levels != int(levels) or levels < _MIN_LEVELS[grid]):
        raise ValueError(
            f"device: levels must be an integer >= {_MIN_LEVELS[grid]}"
            + ("" if grid == "uniform" else f" with grid={grid}")
            + f" in {spec!r}"
        )
    _check_variants(spec, variants, int(levels) if "levels" in options else None)
    return SynapseSpec(
        label=spec.strip(),
        device=None,
        kind="laborieux",
        meta=options["m"],
        weight_decay=options["wd"],
        fmeta=law,
        w1_over_w2=options.get("w1w2", 1.0),
        delta=options["delta"],
        clip=options.get("clip", 0.0) == 1.0,
        binarized=binarized,
        fmeta_on=fmeta_on,
        levels=int(levels),
        grid=grid,
        write=variants.get("round", "step"),
        zero=variants.get("zero", "0"),
    )


def _load_base_device(base: str) -> DeviceModel:
    """A paper preset by name, or a compact-model artifact (``dwmtj fit`` JSON) by path."""
    if base.endswith(".json") or os.sep in base:
        if not Path(base).is_file():
            raise FileNotFoundError(
                f"device: artifact {base} not found (make one with "
                "`dwmtj fit`, or use a preset: trapezoid, straight, linear)"
            )
        return load_device(Path(base))
    return load_device("straight" if base == "linear" else base)


def parse_synapse_spec(spec: str) -> SynapseSpec:
    """Parse ``BASE[:key=value,...]`` into a :class:`SynapseSpec`.

    BASE is a preset (``trapezoid``, ``straight``; ``linear`` = straight, non-binarised,
    32 levels by default) or the path of a compact-model JSON artifact. Keys: ``levels=N``
    (N evenly spaced levels in [-1, 1]), ``delta=D``, ``w1w2=R`` (Eq. 1 ratio),
    ``binarized=0|1``, and the rounding variants ``grid=uniform|magnitude|zero`` (needs
    ``levels=N``; :func:`weight_grid`), ``round=step|epoch|subset`` and ``zero=0|pm``
    (:func:`_parse_control`). Example: ``trapezoid:levels=8``, ``straight:delta=3``,
    ``trapezoid:grid=magnitude,levels=4``.
    ``laborieux[:m=M,wd=W]`` is the software control (Laborieux et al.'s Adam-meta, float
    weights; ``m`` default 0 = plain BNN, ``wd`` default 1e-7), with the ablation switches
    ``fmeta=eq1,w1w2=R,delta=D,clip=1,levels=N`` (:func:`_parse_control`).
    """
    if not spec or not spec.strip():
        raise ValueError("device: empty device specification")
    base, _, opts = spec.strip().partition(":")
    if base == "laborieux":
        return _parse_control(spec, opts)
    options: dict[str, str] = {}
    if opts:
        for item in opts.split(","):
            key, eq, value = item.partition("=")
            key = key.strip()
            if not eq or key not in _SPEC_KEYS:
                raise ValueError(
                    f"device: bad option {item!r} in {spec!r}; use key=value with "
                    f"key in {sorted(_SPEC_KEYS)}"
                )
            options[key] = value.strip()
    device = _load_base_device(base)
    binarized = base != "linear"
    if base == "linear" and "levels" not in options:
        options["levels"] = "32"
    variants = {k: options[k] for k in _VARIANT_CHOICES if k in options}
    for key, value in variants.items():
        if value not in _VARIANT_CHOICES[key]:
            raise ValueError(f"device: {key} must be one of {_VARIANT_CHOICES[key]} in {spec!r}")
    try:
        if variants.get("grid", "uniform") != "uniform" and "levels" not in options:
            raise ValueError(f"device: grid= needs levels=N in {spec!r}")
        if "levels" in options and options.get("grid", "uniform") != "uniform":
            n, grid = int(options["levels"]), options["grid"]
            _check_variants(spec, {"grid": grid}, n)
            device = eqx.tree_at(
                lambda d: d.weight_levels, device, jnp.asarray(weight_grid(n, grid))
            )
        elif "levels" in options:
            device = device.with_uniform_levels(int(options["levels"]))
        if "delta" in options:
            delta = float(options["delta"])
            if not delta > 0:
                raise ValueError(f"device: delta must be positive in {spec!r}")
            device = eqx.tree_at(lambda d: d.delta, device, jnp.asarray(delta, F32))
        if "w1w2" in options:
            ratio = float(options["w1w2"])
            if not 0 < ratio <= 1:
                raise ValueError(f"device: w1w2 must be in (0, 1] in {spec!r}")
            device = eqx.tree_at(lambda d: d.w1_over_w2, device, jnp.asarray(ratio, F32))
        if "binarized" in options:
            binarized = options["binarized"] not in ("0", "false", "False", "no")
    except ValueError as exc:
        if str(exc).startswith("device:"):
            raise
        raise ValueError(f"device: cannot parse {spec!r}: {exc}") from None
    fmeta_on = options.get("fmeta_on", "shrink")
    if fmeta_on not in FMETA_ON:
        raise ValueError(f"device: fmeta_on must be one of {FMETA_ON} in {spec!r}")
    levels = np.asarray(device.weight_levels, np.float32)
    if variants.get("zero", "0") != "0" and not np.any(levels == 0):
        raise ValueError(f"device: zero=pm needs a grid with a level at 0 in {spec!r}")
    return SynapseSpec(
        label=spec.strip(),
        device=device,
        binarized=binarized,
        grid=variants.get("grid", "uniform"),
        write=variants.get("round", "step"),
        zero=variants.get("zero", "0"),
        fmeta_on=fmeta_on,
    )


def describe(spec: SynapseSpec) -> str:
    """A human-readable label: geometry ratio, delta, level count, binarisation."""
    if spec.kind == "laborieux":
        # the default control's text is part of its checkpoints' settings: keep it unchanged
        factor = (
            f"1 - tanh^2({spec.meta:g}|W|)"
            if spec.fmeta == "tanh"
            else f"Eq. 1 w1/w2={spec.w1_over_w2:g}"
        )
        weights = f"{spec.levels} levels" if spec.levels else "float weights"
        if spec.levels and spec.grid != "uniform":
            weights = f"{_levels_of(spec).size} levels" + _variant_text(spec)
        elif spec.levels:
            weights += _variant_text(spec)
        elif spec.fmeta_on == "all":
            weights += ", f_meta on every step"
        clip = ", clipped to [-1, 1]" if spec.clip else ""
        kind = "binarised" if spec.binarized else "non-binarised"
        return (
            f"{spec.label} (Laborieux control: {factor}, delta={spec.delta:g}, "
            f"{weights}{clip}, weight decay {spec.weight_decay:g}, {kind})"
        )
    d = spec.device
    kind = "binarised" if spec.binarized else "non-binarised"
    return (
        f"{spec.label} (w1/w2={float(d.w1_over_w2):g}, delta={float(d.delta):g}, "
        f"{d.n_levels} levels{_variant_text(spec)}, {kind})"
    )


def _variant_text(spec: SynapseSpec) -> str:
    """The rounding variants of ``spec`` in words; empty for the defaults (the description
    of every spec without a variant is unchanged: checkpoints compare it)."""
    parts = []
    if spec.grid == "magnitude":
        parts.append(f" ({len(_levels_of(spec)) // 2} magnitudes per sign, no zero)")
    elif spec.grid == "zero":
        parts.append(f" ({(len(_levels_of(spec)) + 1) // 2} magnitudes per sign with zero)")
    if spec.write != "step":
        parts.append(f", rounded only at each {spec.write}'s end")
    if spec.zero == "pm":
        parts.append(", a weight at 0 read as a fixed +-1")
    if spec.fmeta_on == "all":
        parts.append(", f_meta on every step")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# The vmapped, jitted program
# --------------------------------------------------------------------------------------------
class RunDevices(eqx.Module):
    """Per-run synapse parameters, stacked over runs (levels padded with the top level)."""

    levels: Array  # (R, L)
    w1_over_w2: Array  # (R,)
    delta: Array  # (R,)
    binarize: Array  # (R,) 1.0 = forward with sign(W_h)
    meta: Array  # (R,) m of 1 - tanh^2(m |W|) (control runs)
    tanh: Array  # (R,) 1.0 = the control's tanh^2 factor instead of Eq. 1
    quantize: Array  # (R,) 1.0 = round onto the levels (devices; controls with levels=N)
    weight_decay: Array  # (R,) added to the gradient, times the weight
    clip: Array  # (R,) 1.0 = clip to [-1, 1] after every step (devices; controls with clip=1)
    write: Array  # (R,) when to round onto the levels: index into WRITE_TIMES (0 = every step)
    zero_read: Array  # (R,) 1.0 = a binarised weight at 0 reads as a fixed +-1 (zero=pm)
    meta_all: Array  # (R,) 1.0 = the metaplastic factor on every step (fmeta_on=all)


def stack_devices(specs: list[SynapseSpec], n_seeds: int) -> RunDevices:
    """Device arrays of the runs, device-major: run r = device r // n_seeds, seed r % n_seeds.

    A control run without ``levels`` gets placeholder levels (never used: its ``quantize`` is
    0); one with ``levels=N`` gets N evenly spaced levels in [-1, 1] (float64 ``linspace``
    rounded to float32: the presets' 4 levels exactly)."""
    n_max = max([2, *(len(_levels_of(s)) for s in specs)])
    rows: dict[str, list] = {k: [] for k in RunDevices.__annotations__}
    for s in specs:
        control = s.kind == "laborieux"
        lv = _levels_of(s)
        if lv.size:
            lv = np.concatenate([lv, np.full(n_max - lv.size, lv[-1], np.float32)])
        else:
            lv = np.linspace(-1, 1, n_max, dtype=np.float32)
        for _ in range(n_seeds):
            rows["levels"].append(lv)
            rows["w1_over_w2"].append(s.w1_over_w2 if control else float(s.device.w1_over_w2))
            rows["delta"].append(s.delta if control else float(s.device.delta))
            rows["binarize"].append(1.0 if s.binarized else 0.0)
            rows["meta"].append(s.meta if control else 0.0)
            rows["tanh"].append(1.0 if control and s.fmeta == "tanh" else 0.0)
            rows["quantize"].append(1.0 if rounds_onto_levels(s) else 0.0)
            rows["weight_decay"].append(s.weight_decay)
            rows["clip"].append(1.0 if (s.clip or not control) else 0.0)
            rows["write"].append(float(WRITE_TIMES.index(s.write)))
            rows["zero_read"].append(1.0 if s.zero == "pm" else 0.0)
            rows["meta_all"].append(1.0 if s.fmeta_on == "all" else 0.0)
    return RunDevices(**{k: jnp.asarray(np.asarray(v), F32) for k, v in rows.items()})


def _levels_of(spec: SynapseSpec) -> np.ndarray:
    """The hidden-weight levels a run rounds onto (empty: float weights)."""
    if spec.kind == "laborieux":
        if not spec.levels:
            return np.zeros(0, np.float32)
        # float64 linspace rounded once to float32, as the presets' levels (jnp.linspace in
        # float32 misses -1/3 by 2 ulp, and the last rung would not be the trapezoid's rule)
        return weight_grid(spec.levels, spec.grid)
    return np.asarray(spec.device.weight_levels, np.float32)


def rounds_onto_levels(spec: SynapseSpec) -> bool:
    """Whether the run rounds its hidden weights onto levels (every device; a control with
    ``levels=N``)."""
    return spec.kind != "laborieux" or spec.levels > 0


def writes_late(spec: SynapseSpec) -> bool:
    """Whether the run rounds only when the device is written (``round=epoch|subset``)."""
    return rounds_onto_levels(spec) and spec.write != "step"


def needs_late_writes(specs: list[SynapseSpec]) -> bool:
    """Whether any run rounds at the end of epochs or subsets instead of after every step."""
    return any(writes_late(s) for s in specs)


def needs_zero_reads(specs: list[SynapseSpec]) -> bool:
    """Whether any run reads a binarised weight at 0 as a fixed +-1 (``zero=pm``)."""
    return any(s.zero == "pm" for s in specs)


def _optimizer(
    cfg: StreamConfig,
    dev: RunDevices,
    key: Array,
    quantized: bool = True,
    late_writes: bool = False,
):
    """The per-run rule; ``quantized=False`` (no run rounds onto levels) leaves out the
    rounding; ``late_writes`` (some run rounds only at the end of epochs or subsets) turns
    the rounding after each step off for those runs (left out of the program otherwise)."""
    quantize = dev.quantize
    if late_writes:
        quantize = jnp.where(dev.write == 0, dev.quantize, 0.0)
    return metaplastic_adam(
        cfg.learning_rate,
        w1_over_w2=dev.w1_over_w2,
        delta=dev.delta,
        weight_levels=dev.levels if quantized else None,
        key=key,
        stochastic_rounding=cfg.stochastic_rounding,
        tanh_meta=dev.meta,
        use_tanh=dev.tanh,
        clip=dev.clip,
        quantize=quantize,
        weight_decay=dev.weight_decay,
        fmeta_every_step=dev.meta_all,
    )


#: folded into the optimiser's key for the rounding at a late write: a large constant, far
#: from the small counters that ``jax.random.split`` of the same key hashes
_WRITE_KEY_TAG = 0x7FFF_FFF1


def _write_to_levels(
    cfg: StreamConfig, params: dict[str, Array], dev: RunDevices, key: Array, when: int
) -> dict[str, Array]:
    """Round the hidden weights of a run that writes its device at ``when`` (an index into
    :data:`WRITE_TIMES`) onto its levels, stochastically unless deterministic rounding; other
    runs' weights are returned unchanged. The optimiser's key is not advanced (a new key is
    folded from it), so the other runs' random streams are those of a program without late
    writes."""
    leaves, treedef = jax.tree.flatten(params)
    keys = jax.random.split(jax.random.fold_in(key, _WRITE_KEY_TAG), len(leaves))
    on = (dev.quantize > 0.5) & (dev.write == when)
    return jax.tree.unflatten(
        treedef,
        [
            jnp.where(on, round_to_levels(p, dev.levels, k if cfg.stochastic_rounding else None), p)
            for p, k in zip(leaves, keys, strict=True)
        ],
    )


def _init_run(
    cfg: StreamConfig, dev: RunDevices, key: Array, quantized: bool = True
) -> dict[str, Any]:
    k_init, k_round, k_opt, k_shuffle = jax.random.split(key, 4)
    params = bnn.init_params(k_init, cfg.init_width, cfg.layer_sizes)
    # the device holds its weight on a level from the start (the control keeps floats)
    if quantized:
        leaves, treedef = jax.tree.flatten(params)
        round_keys = jax.random.split(k_round, len(leaves))
        on_levels = dev.quantize > 0.5
        params = jax.tree.unflatten(
            treedef,
            [
                jnp.where(
                    on_levels,
                    round_to_levels(p, dev.levels, k if cfg.stochastic_rounding else None),
                    p,
                )
                for p, k in zip(leaves, round_keys, strict=True)
            ],
        )
    opt_state = _optimizer(cfg, dev, k_opt, quantized).init(params)  # init: no late writes
    return {
        "params": params,
        "bn": bnn.init_bn_state(cfg.layer_sizes),
        "opt": opt_state,
        "key": k_shuffle,
    }


def _evaluate_run(
    cfg: StreamConfig,
    run: dict[str, Any],
    dev: RunDevices,
    x_test: Array,
    y_test: Array,
    zero_reads: bool = False,
) -> Array:
    n = x_test.shape[0]
    chunk = min(cfg.eval_chunk, n)
    n_chunks = n // chunk
    xs = x_test[: n_chunks * chunk].reshape(n_chunks, chunk, -1)
    ys = y_test[: n_chunks * chunk].reshape(n_chunks, chunk)

    def body(total, xy):
        x, y = xy
        logits, _ = bnn.forward(
            run["params"],
            run["bn"],
            x.astype(F32) / 255.0,
            train=False,
            binarize_weights=dev.binarize,
            bn_momentum=cfg.bn_momentum,
            bn_eps=cfg.bn_eps,
            zero_weight=dev.zero_read if zero_reads else None,
        )
        return total + jnp.sum(jnp.argmax(logits, -1) == y).astype(F32), None

    correct, _ = jax.lax.scan(body, jnp.zeros((), F32), (xs, ys))
    return correct / (n_chunks * chunk)


def _train_run(
    cfg: StreamConfig,
    n_epochs: int,
    run: dict[str, Any],
    dev: RunDevices,
    idx: Array,
    x_train: Array,
    y_train: Array,
    x_test: Array,
    y_test: Array,
    quantized: bool = True,
    late_writes: bool = False,
    zero_reads: bool = False,
) -> tuple[dict[str, Any], Array]:
    """Train one run on the images ``idx`` for ``n_epochs`` epochs; per-epoch accuracies.

    ``late_writes``: runs with ``round=epoch`` (``round=subset``) are rounded onto their
    levels at the end of every epoch (of this call: a subset, or one full-data epoch);
    ``zero_reads``: the forward pass reads weights at 0 as ``dev.zero_read`` says. Both
    static: left out of the program when no run needs them."""
    n_batches = idx.shape[0] // cfg.batch_size
    grad_fn = jax.value_and_grad(bnn.loss_and_state, has_aux=True)
    zero_args = (dev.zero_read,) if zero_reads else ()

    def step(carry, batch_idx):
        params, bn_state, opt_state = carry
        x = x_train[batch_idx].astype(F32) / 255.0
        y = y_train[batch_idx]
        (_, new_bn), grads = grad_fn(
            params, bn_state, x, y, dev.binarize, cfg.bn_momentum, cfg.bn_eps, *zero_args
        )
        tx = _optimizer(cfg, dev, opt_state.key, quantized, late_writes)
        updates, opt_state = tx.update(grads, opt_state, params)
        params = jax.tree.map(lambda p, u: p + u, params, updates)
        return (params, new_bn, opt_state), None

    def epoch(carry, _):
        params, bn_state, opt_state, key = carry
        key, k_perm = jax.random.split(key)
        order = jax.random.permutation(k_perm, idx)[: n_batches * cfg.batch_size]
        (params, bn_state, opt_state), _ = jax.lax.scan(
            step, (params, bn_state, opt_state), order.reshape(n_batches, cfg.batch_size)
        )
        if late_writes:
            when = WRITE_TIMES.index("epoch")
            params = _write_to_levels(cfg, params, dev, opt_state.key, when)
        if cfg.eval_every_epoch:
            acc = _evaluate_run(
                cfg, {"params": params, "bn": bn_state}, dev, x_test, y_test, zero_reads
            )
        else:
            acc = jnp.full((), jnp.nan, F32)
        return (params, bn_state, opt_state, key), acc

    carry = (run["params"], run["bn"], run["opt"], run["key"])
    (params, bn_state, opt_state, key), accs = jax.lax.scan(epoch, carry, None, length=n_epochs)
    if late_writes:
        params = _write_to_levels(cfg, params, dev, opt_state.key, WRITE_TIMES.index("subset"))
    return {"params": params, "bn": bn_state, "opt": opt_state, "key": key}, accs


class StreamProgram:
    """The jitted, vmapped functions of one configuration (compiled once, reused per subset).

    ``quantized=False`` when no run rounds onto levels (only float controls): the rounding is
    left out of the program instead of computed and discarded. ``late_writes`` (some run
    has ``round=epoch|subset``) and ``zero_reads`` (some run has ``zero=pm``) add those
    variants to the program; without them it is the program of the paper's reading.
    """

    def __init__(
        self,
        cfg: StreamConfig,
        quantized: bool = True,
        late_writes: bool = False,
        zero_reads: bool = False,
    ) -> None:
        self.cfg = cfg
        self.quantized = quantized
        self.late_writes = late_writes and quantized
        self.zero_reads = zero_reads
        self.init = jax.jit(jax.vmap(lambda dev, key: _init_run(cfg, dev, key, quantized)))
        self.evaluate = jax.jit(
            jax.vmap(
                lambda run, dev, xt, yt: _evaluate_run(cfg, run, dev, xt, yt, zero_reads),
                in_axes=(0, 0, None, None),
            )
        )
        self._train: dict[int, Callable] = {}

    @classmethod
    def for_config(
        cls,
        cfg: StreamConfig,
        quantized: bool = True,
        late_writes: bool = False,
        zero_reads: bool = False,
    ) -> StreamProgram:
        """The program of ``cfg``, shared by every call in this process (no recompilation)."""
        key = (cfg, quantized, late_writes, zero_reads)
        if key not in _PROGRAMS:
            _PROGRAMS[key] = cls(cfg, quantized, late_writes, zero_reads)
        return _PROGRAMS[key]

    @classmethod
    def for_specs(cls, cfg: StreamConfig, specs: list[SynapseSpec]) -> StreamProgram:
        """:meth:`for_config` with the features that ``specs`` need."""
        return cls.for_config(
            cfg, needs_rounding(specs), needs_late_writes(specs), needs_zero_reads(specs)
        )

    def train(self, n_epochs: int, runs, devs, idx, data) -> tuple[dict[str, Any], Array]:
        """Advance every run ``n_epochs`` epochs on its images ``idx`` (R, n)."""
        if n_epochs not in self._train:
            self._train[n_epochs] = jax.jit(
                jax.vmap(
                    lambda run, dev, i, xtr, ytr, xte, yte: _train_run(
                        self.cfg,
                        n_epochs,
                        run,
                        dev,
                        i,
                        xtr,
                        ytr,
                        xte,
                        yte,
                        self.quantized,
                        self.late_writes,
                        self.zero_reads,
                    ),
                    in_axes=(0, 0, 0, None, None, None, None),
                ),
                donate_argnums=(0,),
            )
        return self._train[n_epochs](runs, devs, idx, *data)


_PROGRAMS: dict[tuple[StreamConfig, bool, bool, bool], StreamProgram] = {}


def needs_rounding(specs: list[SynapseSpec]) -> bool:
    """Whether any synapse type rounds onto levels: a device, or a control with ``levels=N``."""
    return any(rounds_onto_levels(s) for s in specs)


# --------------------------------------------------------------------------------------------
# The protocol: subsets, full-data ticks, checkpoints
# --------------------------------------------------------------------------------------------
@dataclass
class StreamResult:
    """Validation accuracies (fractions) of every run.

    ``stream_accuracy``: (devices, seeds, subsets) after each subset;
    ``epoch_accuracy``: (devices, seeds, subsets, epochs), NaN unless ``eval_every_epoch``;
    ``full_data_accuracy``: (devices, seeds), NaN when not run.
    """

    labels: list[str]
    descriptions: list[str]
    config: StreamConfig
    stream_accuracy: np.ndarray
    epoch_accuracy: np.ndarray
    full_data_accuracy: np.ndarray


def seed_permutation(seed: int, n_train: int = N_TRAIN) -> np.ndarray:
    """The one permutation of the training images used by ``seed``."""
    return np.random.default_rng(seed).permutation(n_train).astype(np.int32)


def _checkpoint_meta(cfg: StreamConfig, specs: list[SynapseSpec], data: Any) -> dict[str, Any]:
    return {
        "config": cfg.to_dict(),
        "devices": [[describe(s), _levels_of(s).tolist()] for s in specs],
        "data": [
            str(getattr(data, "source", "")),
            int(data.x_train.shape[0]),
            int(data.x_test.shape[0]),
        ],
    }


def _save_checkpoint(
    folder: Path,
    runs: dict[str, Any],
    full_runs: dict[str, Any] | None,
    meta: dict[str, Any],
    progress: dict[str, Any],
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "state.eqx.tmp"
    eqx.tree_serialise_leaves(tmp, {"stream": runs, "full": full_runs})
    tmp_json = folder / "progress.json.tmp"
    tmp_json.write_text(json.dumps({"meta": meta, **progress}, indent=1))
    os.replace(tmp, folder / "state.eqx")
    os.replace(tmp_json, folder / "progress.json")


def run_stream(
    specs: list[SynapseSpec],
    data: Any,
    cfg: StreamConfig = StreamConfig(),  # noqa: B008  (frozen dataclass)
    out_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
    max_steps: int | None = None,
) -> StreamResult:
    """Run the stream protocol (and the full-data ticks) for every synapse type and seed.

    ``data`` is a :class:`nn.fashion_mnist.FashionMNIST` (or anything with ``x_train``,
    ``y_train``, ``x_test``, ``y_test``; at least ``n_subsets * subset_size`` training images).
    With ``out_dir`` the state is checkpointed after every subset (and every full-data epoch)
    under ``out_dir/checkpoint``; calling again with the same settings resumes.
    ``max_steps`` stops after that many subsets / full-data epochs in this call (the result
    then holds NaN for what is not done yet; a later call resumes).
    """
    if not specs:
        raise ValueError("devices: need at least one synapse type")
    n_train = data.x_train.shape[0]
    if cfg.n_subsets * cfg.subset_size > n_train:
        raise ValueError(
            f"n_subsets: {cfg.n_subsets} x {cfg.subset_size} images exceed the "
            f"{n_train} training images available"
        )
    n_dev, n_seed = len(specs), cfg.n_seeds
    n_runs = n_dev * n_seed
    devs = stack_devices(specs, n_seed)
    seeds = [cfg.first_seed + s for s in range(n_seed)]
    arrays = (
        jnp.asarray(data.x_train.reshape(n_train, -1)),
        jnp.asarray(data.y_train.astype(np.int32)),
        jnp.asarray(data.x_test.reshape(data.x_test.shape[0], -1)),
        jnp.asarray(data.y_test.astype(np.int32)),
    )
    perms = np.stack([seed_permutation(s, n_train) for s in seeds])
    run_perms = np.tile(perms, (n_dev, 1))  # (R, n_train), device-major
    meta = _checkpoint_meta(cfg, specs, data)
    ckpt = Path(out_dir) / "checkpoint" if out_dir is not None else None
    saved = None
    if ckpt is not None and (ckpt / "progress.json").is_file():
        saved = json.loads((ckpt / "progress.json").read_text())
        if saved["meta"] != json.loads(json.dumps(meta)):
            raise ValueError(
                f"out: {ckpt} holds a run with different settings "
                f"({saved['meta']}); use another --out or delete it"
            )
    program = StreamProgram.for_specs(cfg, specs)

    keys = jnp.stack([jax.random.PRNGKey(seeds[r % n_seed]) for r in range(n_runs)])
    runs = program.init(devs, keys)
    full_runs = (
        program.init(devs, jax.vmap(lambda k: jax.random.fold_in(k, 1))(keys))
        if cfg.full_data
        else None
    )
    stream_acc = np.full((n_runs, cfg.n_subsets), np.nan, np.float32)
    epoch_acc = np.full((n_runs, cfg.n_subsets, cfg.epochs), np.nan, np.float32)
    full_acc = np.full((n_runs,), np.nan, np.float32)
    subsets_done, full_epochs_done = 0, 0

    if saved is not None:
        state = eqx.tree_deserialise_leaves(ckpt / "state.eqx", {"stream": runs, "full": full_runs})
        runs, full_runs = state["stream"], state["full"]
        subsets_done, full_epochs_done = saved["subsets_done"], saved["full_epochs_done"]
        stream_acc = np.asarray(saved["stream_accuracy"], np.float32).reshape(stream_acc.shape)
        epoch_acc = np.asarray(saved["epoch_accuracy"], np.float32).reshape(epoch_acc.shape)
        full_acc = np.asarray(saved["full_data_accuracy"], np.float32).reshape(full_acc.shape)

    def checkpoint() -> None:
        if ckpt is None:
            return
        _save_checkpoint(
            ckpt,
            runs,
            full_runs,
            meta,
            {
                "subsets_done": subsets_done,
                "full_epochs_done": full_epochs_done,
                "stream_accuracy": np.nan_to_num(stream_acc, nan=-1).tolist(),
                "epoch_accuracy": np.nan_to_num(epoch_acc, nan=-1).tolist(),
                "full_data_accuracy": np.nan_to_num(full_acc, nan=-1).tolist(),
            },
        )

    n_full_epochs = cfg.epochs if cfg.full_data else 0
    total = cfg.n_subsets + n_full_epochs
    bar = tqdm(
        total=total,
        initial=subsets_done + full_epochs_done,
        disable=not progress,
        desc=f"stream ({n_runs} runs)",
        unit="subset",
    )
    budget = [np.inf if max_steps is None else int(max_steps)]

    def spend() -> bool:
        budget[0] -= 1
        return budget[0] >= 0

    for k in range(subsets_done, cfg.n_subsets):
        if not spend():
            break
        idx = jnp.asarray(run_perms[:, k * cfg.subset_size : (k + 1) * cfg.subset_size])
        runs, accs = program.train(cfg.epochs, runs, devs, idx, arrays)
        stream_acc[:, k] = np.asarray(program.evaluate(runs, devs, arrays[2], arrays[3]))
        epoch_acc[:, k] = np.asarray(accs)
        subsets_done = k + 1
        checkpoint()
        bar.set_postfix(acc=f"{np.nanmean(stream_acc[:, k]):.3f}")
        bar.update(1)
    if cfg.full_data:
        idx_all = jnp.asarray(run_perms)
        for _ in range(full_epochs_done, n_full_epochs):
            if subsets_done < cfg.n_subsets or not spend():
                break
            full_runs, _ = program.train(1, full_runs, devs, idx_all, arrays)
            full_epochs_done += 1
            if full_epochs_done == n_full_epochs:
                full_acc = np.array(program.evaluate(full_runs, devs, arrays[2], arrays[3]))
            checkpoint()
            bar.set_description(f"full data ({n_runs} runs)")
            bar.update(1)
    bar.close()
    stream_acc[stream_acc < 0] = np.nan
    epoch_acc[epoch_acc < 0] = np.nan
    full_acc[full_acc < 0] = np.nan
    return StreamResult(
        labels=[s.label for s in specs],
        descriptions=[describe(s) for s in specs],
        config=cfg,
        stream_accuracy=stream_acc.reshape(n_dev, n_seed, cfg.n_subsets),
        epoch_accuracy=epoch_acc.reshape(n_dev, n_seed, cfg.n_subsets, cfg.epochs),
        full_data_accuracy=full_acc.reshape(n_dev, n_seed),
    )


# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------
def save_result(result: StreamResult, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``stream.h5`` (all curves), ``curves.csv`` (per seed) and ``summary.{csv,md}``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "h5": out / "stream.h5",
        "curves": out / "curves.csv",
        "summary_csv": out / "summary.csv",
        "summary_md": out / "summary.md",
    }
    tmp = out / "stream.h5.tmp"
    with h5py.File(tmp, "w") as f:
        f.attrs["config"] = json.dumps(result.config.to_dict())
        f.attrs["labels"] = json.dumps(result.labels)
        f.attrs["descriptions"] = json.dumps(result.descriptions)
        f.create_dataset("stream_accuracy", data=result.stream_accuracy)
        f.create_dataset("epoch_accuracy", data=result.epoch_accuracy)
        f.create_dataset("full_data_accuracy", data=result.full_data_accuracy)
    os.replace(tmp, paths["h5"])
    write_tables(result, out)
    return paths


def write_tables(result: StreamResult, out: Path) -> None:
    """Write ``curves.csv`` (accuracy, a fraction, per device, seed and subset; subset
    ``full``: the full-data reference), ``summary.csv`` and ``summary.md``
    (:func:`summary_rows`, accuracies in %) into the folder ``out``. The CSV files are written
    by the csv module: a device label holding commas or quotes is quoted."""
    paths = {
        "curves": out / "curves.csv",
        "summary_csv": out / "summary.csv",
        "summary_md": out / "summary.md",
    }
    n_dev, n_seed, n_sub = result.stream_accuracy.shape
    # the csv module quotes a device label holding commas or quotes (`straight:delta=3,...`)
    with open(paths["curves"], "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["device", "seed", "subset", "accuracy"])
        for d in range(n_dev):
            for s in range(n_seed):
                for k in range(n_sub):
                    w.writerow(
                        [
                            result.labels[d],
                            result.config.first_seed + s,
                            k + 1,
                            f"{result.stream_accuracy[d, s, k]:.4f}",
                        ]
                    )
            for s in range(n_seed):
                w.writerow(
                    [
                        result.labels[d],
                        result.config.first_seed + s,
                        "full",
                        f"{result.full_data_accuracy[d, s]:.4f}",
                    ]
                )
    rows = summary_rows(result)
    header = list(rows[0])
    with open(paths["summary_csv"], "w", newline="") as fh:
        dw = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        dw.writeheader()
        dw.writerows(rows)

    def cell(x: object) -> str:  # a Markdown table cell: "|" escaped, one line
        return str(x).replace("\n", " ").replace("|", "\\|")

    md = ["| " + " | ".join(map(cell, header)) + " |", "|" + "---|" * len(header)]
    md += ["| " + " | ".join(cell(r[h]) for h in header) + " |" for r in rows]
    paths["summary_md"].write_text("\n".join(md) + "\n")


def summary_rows(result: StreamResult) -> list[dict[str, str]]:
    """Final, best and last-10-subset accuracies (%, mean +- std over seeds) and full-data ticks."""
    rows = []
    acc = 100 * result.stream_accuracy
    n_last = min(10, acc.shape[2])
    for d, desc in enumerate(result.descriptions):
        final = acc[d, :, -1]
        last = acc[d, :, -n_last:].mean(axis=1)
        full = 100 * result.full_data_accuracy[d]
        rows.append(
            {
                "device": desc,
                "seeds": str(acc.shape[1]),
                "final_acc_%": f"{final.mean():.2f} +- {final.std():.2f}",
                f"mean_last_{n_last}_subsets_%": f"{last.mean():.2f} +- {last.std():.2f}",
                "best_subset_acc_%": f"{acc[d].mean(axis=0).max():.2f}",
                "full_data_acc_%": "n/a"
                if np.all(np.isnan(full))
                else f"{np.nanmean(full):.2f} +- {np.nanstd(full):.2f}",
            }
        )
    return rows


def load_result(path: str | os.PathLike[str]) -> StreamResult:
    """Read a ``stream.h5`` written by :func:`save_result`."""
    with h5py.File(path, "r") as f:
        cfg = StreamConfig.from_dict(json.loads(f.attrs["config"]))
        return StreamResult(
            json.loads(f.attrs["labels"]),
            json.loads(f.attrs["descriptions"]),
            cfg,
            f["stream_accuracy"][()],
            f["epoch_accuracy"][()],
            f["full_data_accuracy"][()],
        )


_MARKERS = ("o", "D", "^", "s", "v", "P", "X", "*")


def default_title(cfg: StreamConfig, n_done: int | None = None) -> str:
    """Figure title stating the protocol; flags anything short of the paper's as reduced."""
    paper = StreamConfig()
    reduced = (cfg.n_subsets, cfg.subset_size, cfg.epochs, cfg.n_seeds) != (
        paper.n_subsets,
        paper.subset_size,
        paper.epochs,
        paper.n_seeds,
    )
    partial = n_done is not None and n_done < cfg.n_subsets
    return (
        f"{'REDUCED protocol: ' if reduced or partial else ''}{cfg.n_subsets} subsets x "
        f"{cfg.subset_size} images, {cfg.epochs} epochs/subset, {cfg.n_seeds} seeds"
        + (f"\nSTOPPED after {n_done} of {cfg.n_subsets} subsets" if partial else "")
    )


def finished_part(result: StreamResult) -> StreamResult:
    """The result cut to the subsets every run has finished (for a stopped or resumed run)."""
    done = np.all(np.isfinite(result.stream_accuracy), axis=(0, 1))
    n_done = int(np.argmin(done)) if not np.all(done) else done.size
    return dataclasses.replace(
        result,
        stream_accuracy=result.stream_accuracy[:, :, :n_done],
        epoch_accuracy=result.epoch_accuracy[:, :, :n_done],
    )


@paper_style()
def plot_fig5a(result: StreamResult, path: str | os.PathLike[str], title: str = "") -> Path:
    """Validation accuracy vs subset, mean line and min-max band over seeds, full-data ticks."""
    acc = 100 * result.stream_accuracy
    n_sub = acc.shape[2]
    subsets = np.arange(1, n_sub + 1)
    fig = Figure(figsize=(6.0, 4.2))
    ax = fig.subplots()
    for d, label in enumerate(result.labels):
        color = f"C{d}"
        mean = acc[d].mean(axis=0)
        ax.plot(
            subsets,
            mean,
            marker=_MARKERS[d % len(_MARKERS)],
            ms=4,
            color=color,
            label=label,
            markevery=max(1, n_sub // 15),
        )
        ax.fill_between(
            subsets, acc[d].min(axis=0), acc[d].max(axis=0), color=color, alpha=0.25, lw=0
        )
        full = 100 * result.full_data_accuracy[d]
        if not np.all(np.isnan(full)):
            ax.plot(
                [n_sub + 0.6, n_sub + 1.6],
                [np.nanmean(full)] * 2,
                color=color,
                lw=3,
                solid_capstyle="butt",
            )
    ax.set_xlabel("Subset")
    ax.set_ylabel("Validation accuracy (%)")
    ax.set_xlim(0.5, n_sub + 2)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="lower right")
    ax.set_title(title or default_title(result.config, n_sub), fontsize=10)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=150)
    return path


def plot_fig5b(
    result: StreamResult,
    path: str | os.PathLike[str],
    binarized_label: str | None = None,
    linear_label: str | None = None,
    title: str = "",
) -> Path | None:
    """Fig. 5b: binarised trapezoid (4 levels) vs the non-binarised linear synapse (32 levels).

    Labels default to the first label starting with ``trapezoid`` and the first with
    ``linear``; returns None when either is missing.
    """

    def first(prefix: str) -> str | None:
        return next((lab for lab in result.labels if lab.startswith(prefix)), None)

    a = binarized_label or first("trapezoid")
    b = linear_label or first("linear")
    if a is None or b is None:
        return None
    sub = dataclasses.replace(result)
    idx = [result.labels.index(a), result.labels.index(b)]
    sub.labels = [a, b]
    sub.descriptions = [result.descriptions[i] for i in idx]
    sub.stream_accuracy = result.stream_accuracy[idx]
    sub.epoch_accuracy = result.epoch_accuracy[idx]
    sub.full_data_accuracy = result.full_data_accuracy[idx]
    return plot_fig5a(
        sub,
        path,
        title=title
        or "Binarised trapezoid vs non-binarised linear\n"
        + default_title(result.config, result.stream_accuracy.shape[2]),
    )


def safe_name(label: str) -> str:
    """A file-name-safe version of a device label."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label)
