"""The demo's settings: two presets (``small``: the scaled devices on a 2-core CPU in minutes;
``paper``: the paper's full-size devices through the multiscale path, under an hour on a CPU)
plus command-line overrides.

Everything is validated by :func:`build_config` before any stage starts, and every error
names the option (``--realisations: ...``). The simulation settings themselves (geometry,
cells, time step, pulses, voltages) are read from the run TOML files of the preset, shipped
as package data of :mod:`physics.experiment` (``examples/demo-<scale>-<device>.toml``); the
demo overrides only the ensemble size and the number of pulses when asked to.

Paths: the run TOMLs are found through ``importlib.resources`` (the same for a wheel and an
editable install); the network checkpoint (``--checkpoint``) defaults to
``results/inference/checkpoint`` relative to the working directory (the checkout's committed
network when the demo runs from the checkout's root); the datasets are found as
:mod:`nn.data_paths` says (``--data``, ``$DWMTJ_DATA``, ``../shared/datasets``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from dwmtj.pipeline.manifest import STAGES
from nn.stream import N_TRAIN, StreamConfig
from physics.experiment.commands import read_toml
from physics.experiment.spec import RunSpec

#: The demo's run TOMLs (package data of physics.experiment).
EXAMPLES = Path(str(resources.files("physics.experiment").joinpath("examples")))
#: The trained ResNet the small preset's inference uses (relative to the working directory).
DEFAULT_CHECKPOINT = Path("results/inference/checkpoint")

#: The two devices of the demo, in order.
DEVICES: tuple[str, ...] = ("trapezoid", "straight")
#: The paper-derived device presets the stream compares the fitted devices with.
PAPER_COMPARISON: tuple[str, ...] = ("trapezoid", "straight")


@dataclass(frozen=True)
class DemoConfig:
    """All settings of one demo run (SI units where physical).

    ``specs``: device label -> run TOML path; ``realisations`` / ``pulses``: overrides of the
    TOMLs' ``n_realisations`` / ramp ``n_steps`` (None: the file's value); ``workers``:
    simulation processes; ``fit_*``: compact-model fit; ``stream_*``: the Fashion-MNIST stream
    (``stream_test_images`` = a seeded random subset of the 10 000 test images, None = all);
    ``infer_*``: analog inference of the pretrained ResNet (``infer_test_images`` random test
    images, seed fixed by :mod:`nn.inference`).
    """

    preset: str
    specs: dict[str, Path]
    realisations: int | None = None
    pulses: int | None = None
    workers: int = 2
    fit_n_rep: int = 200
    fit_seed: int = 0
    stream_subsets: int = 10
    stream_epochs: int = 30
    stream_subset_size: int = 1000
    stream_seeds: int = 3
    stream_test_images: int | None = None
    stream_full_data: bool = False
    stream_compare: tuple[str, ...] = PAPER_COMPARISON
    infer_bits: tuple[int, ...] = (2, 3, 4, 5, 6)
    infer_noise_factors: tuple[float, ...] = (0.0, 1.0, 10.0)
    infer_draws: int = 3
    infer_test_images: int | None = 1000
    checkpoint: Path = DEFAULT_CHECKPOINT
    data: Path | None = None
    until: str = STAGES[-1]

    def stages(self) -> tuple[str, ...]:
        """The stages this run executes (up to and including ``until``)."""
        return STAGES[: STAGES.index(self.until) + 1]


PRESETS: dict[str, dict[str, Any]] = {
    # 2 CPU cores, < 20 min: the scaled devices, 8 realisations x 8 pulses each (from the
    # TOMLs), a 10-subset x 30-epoch stream with 3 seeds, inference on 1000 test images.
    # The stream is the smallest protocol measured to separate the paper's trapezoid from
    # its straight track beyond the seed spread with margin (results/stream/README.md,
    # "The demo's stream protocol"): 30 epochs per subset is the over-training regime where
    # metaplasticity matters (at 5 epochs the four devices ended within 0.7 points).
    "small": {
        "specs": {d: EXAMPLES / f"demo-scaled-{d}.toml" for d in DEVICES},
    },
    # The paper's devices on a CPU in under an hour: the full-size tracks through the
    # multiscale path (results/paper-scale: 4 nm windowed landscapes, committed, + the
    # stochastic wall model; 16 realisations x the paper's cycles), the full 60-subset
    # stream at 5 epochs with 2 seeds, inference of the committed ResNet-8 on 2000 images.
    "paper": {
        "specs": {d: EXAMPLES / f"demo-paper-scale-{d}.toml" for d in DEVICES},
        "stream_subsets": 60,
        "stream_epochs": 5,
        "stream_seeds": 2,
        "infer_bits": (2, 3, 4, 5, 6),
        "infer_draws": 3,
        "infer_test_images": 2000,
        "workers": 1,
    },
}


#: StreamConfig field -> the demo option that sets it
_STREAM_OPTIONS = {
    "n_subsets": "--stream-subsets",
    "subset_size": "--stream-subset-size",
    "batch_size": "--stream-subset-size",
    "epochs": "--stream-epochs",
    "n_seeds": "--stream-seeds",
}


def _positive(option: str, value: Any, allow_none: bool = False) -> Any:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{option}: must be a positive integer, got {value!r}")
    return value


def read_spec_table(path: Path, option: str) -> dict:
    """The raw TOML table of a run spec; errors name ``option``."""
    return read_toml(path, option)


def run_spec_table(cfg: DemoConfig, device: str) -> dict:
    """The TOML table of ``device``'s run with the demo's overrides applied."""
    data = read_spec_table(cfg.specs[device], f"--{device}-spec")
    if cfg.realisations is not None:
        data["n_realisations"] = cfg.realisations
    if cfg.pulses is not None:
        proto = dict(data.get("protocol", {}))
        if proto.get("kind") != "voltage_ramp":
            raise ValueError(
                f"--pulses: {cfg.specs[device].name} is not a voltage_ramp "
                f"protocol (kind {proto.get('kind')!r}); drop --pulses"
            )
        proto["n_steps"] = cfg.pulses
        data["protocol"] = proto
    return data


def build_config(preset: str = "small", **overrides: Any) -> DemoConfig:
    """The validated :class:`DemoConfig` of ``preset`` with ``overrides`` (None = keep).

    Checks everything that can be checked without doing work: option ranges, that the run
    specs parse into valid :class:`~physics.experiment.RunSpec` objects, that the stream
    fits in the training set; raises ValueError naming the option.
    """
    if preset not in PRESETS:
        raise ValueError(f"--preset: must be one of {sorted(PRESETS)}, got {preset!r}")
    values: dict[str, Any] = {"preset": preset, **PRESETS[preset]}
    specs = dict(values["specs"])
    for device in DEVICES:
        path = overrides.pop(f"{device}_spec", None)
        if path is not None:
            specs[device] = Path(path)
    values["specs"] = specs
    known = {f.name for f in dataclasses.fields(DemoConfig)}
    for key, value in overrides.items():
        if key not in known:
            raise ValueError(f"--{key.replace('_', '-')}: unknown demo option")
        if value is not None:
            values[key] = value
    cfg = DemoConfig(**values)
    validate(cfg)
    return cfg


def validate(cfg: DemoConfig) -> None:
    """Raise ValueError (naming the option) for any setting that cannot work."""
    if cfg.until not in STAGES:
        raise ValueError(f"--until: must be one of {list(STAGES)}, got {cfg.until!r}")
    _positive("--realisations", cfg.realisations, allow_none=True)
    _positive("--pulses", cfg.pulses, allow_none=True)
    _positive("--workers", cfg.workers)
    _positive("--fit-n-rep", cfg.fit_n_rep)
    for name in (
        "stream_subsets",
        "stream_epochs",
        "stream_subset_size",
        "stream_seeds",
        "infer_draws",
    ):
        _positive("--" + name.replace("_", "-"), getattr(cfg, name))
    _positive("--stream-test-images", cfg.stream_test_images, allow_none=True)
    _positive("--infer-test-images", cfg.infer_test_images, allow_none=True)
    if cfg.stream_test_images is not None and cfg.stream_test_images > 10_000:
        raise ValueError(
            "--stream-test-images: Fashion-MNIST has 10000 test images, got "
            f"{cfg.stream_test_images}"
        )
    if cfg.stream_subsets * cfg.stream_subset_size > N_TRAIN:
        raise ValueError(
            f"--stream-subsets: {cfg.stream_subsets} x {cfg.stream_subset_size} "
            f"images exceed the {N_TRAIN} training images"
        )
    try:
        StreamConfig(
            n_subsets=cfg.stream_subsets,
            subset_size=cfg.stream_subset_size,
            epochs=cfg.stream_epochs,
            n_seeds=cfg.stream_seeds,
            batch_size=min(100, cfg.stream_subset_size),
        )
    except ValueError as exc:
        field, _, reason = str(exc).partition(":")
        raise ValueError(f"{_STREAM_OPTIONS.get(field, field)}:{reason}") from None
    if not cfg.infer_bits or any(not 1 <= b <= 24 for b in cfg.infer_bits):
        raise ValueError(f"--infer-bits: need integers in 1..24, got {cfg.infer_bits}")
    if not cfg.infer_noise_factors or any(f < 0 for f in cfg.infer_noise_factors):
        raise ValueError(
            f"--infer-noise-factors: need non-negative numbers, got {cfg.infer_noise_factors}"
        )
    for d in cfg.stream_compare:
        if d not in ("trapezoid", "straight"):
            raise ValueError(
                f"--stream-compare: paper presets are trapezoid and straight, got {d!r}"
            )
    for device in DEVICES:
        option = f"--{device}-spec"
        try:
            RunSpec.from_dict(run_spec_table(cfg, device))
        except ValueError as exc:
            raise ValueError(f"{option}: {cfg.specs[device].name}: {exc}") from None


def missing_inputs(cfg: DemoConfig) -> list[str]:
    """Inputs the run needs that do not exist yet (each names its option and how to make
    it); a real run refuses to start while any is missing, ``--dry-run`` lists them."""
    missing = []
    if "inference" in cfg.stages() and not (cfg.checkpoint / "checkpoint.json").is_file():
        missing.append(
            f"--checkpoint: no trained network in {cfg.checkpoint.absolute()} (make it with "
            f"`dwmtj train resnet "
            f"--out {cfg.checkpoint}`, or stop earlier with --until stream)"
        )
    return missing
