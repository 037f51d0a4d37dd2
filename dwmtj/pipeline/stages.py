"""The demo's stages: devices -> simulate -> fit -> stream, inference.

Each stage has ``settings(cfg)`` (what its key hashes, besides its inputs' keys) and
``run(cfg, out, log, inputs)`` returning a :class:`StageOutput` (files written, relative to
``out``, and the details later stages and the report read). :data:`DEPENDS` says which
stages' outputs each one reads.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from compact.artifact import save_model
from compact.plots import fit_figures
from compact.presets import load_device
from compact.summary import summary_table
from compact.workflow import fit_runs
from dwmtj.pipeline.config import DEVICES, DemoConfig, run_spec_table
from dwmtj.pipeline.devices import demo_device, write_summary
from dwmtj.pipeline.manifest import file_sha256
from dwmtj.pipeline.report import stream_contrasts
from nn import stream
from nn.fashion_mnist import load_fashion_mnist
from nn.inference import SWEEP_FILES, run_inference_sweep
from physics.experiment.batch import run_batch
from physics.experiment.plots import plot_run
from physics.experiment.spec import RunSpec
from physics.experiment.store import read_error, run_path

Log = Callable[[str], None]

#: stage -> the stages whose outputs it reads
DEPENDS: dict[str, tuple[str, ...]] = {
    "devices": (),
    "simulate": (),
    "fit": ("simulate",),
    "stream": ("fit",),
    "inference": ("fit",),
}


@dataclass
class StageOutput:
    """What a stage wrote (paths relative to the output folder) and its details (JSON)."""

    outputs: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


def _rel(out: Path, paths: list[Path]) -> list[str]:
    return [str(Path(p).relative_to(out)) for p in paths]


# ------------------------------------------------------------------------------- devices
def device_name(cfg: DemoConfig, device: str) -> str:
    """The geometry preset named by ``device``'s run spec, else ``device`` itself."""
    geometry = run_spec_table(cfg, device).get("geometry")
    name = geometry if isinstance(geometry, str) else (geometry or {}).get("preset")
    return name if isinstance(name, str) else device


def devices_settings(cfg: DemoConfig) -> dict:
    """Each device as its run spec defines it: track, cell, material and the ramp's largest
    pulse amplitude (the |J| map's voltage)."""
    out = {}
    for device, spec in run_specs(cfg).items():
        out[device] = {
            "name": device_name(cfg, device),
            "track": spec.geometry,
            "cell": list(spec.cell[:2]),
            "material": spec.material,
            "voltage_V": max(abs(v) for v in spec.protocol.pulse_table()["voltage"]),
        }
    return out


def run_devices(cfg: DemoConfig, out: Path, log: Log, inputs: dict) -> StageOutput:
    """Geometry figure, |J| map (at the ramp's largest pulse), micromagnetic System and OOMMF
    input of both devices, on the simulation's own track, cells and material."""
    folder = out / "devices"
    folder.mkdir(parents=True, exist_ok=True)
    settings = devices_settings(cfg)
    records = []
    for device, spec in run_specs(cfg).items():
        s = settings[device]
        records.append(
            demo_device(
                s["name"],
                s["voltage_V"],
                folder,
                log,
                track=spec.track(),
                cell=spec.cell[:2],
                material=spec.material_object(),
            )
        )
    write_summary(records, folder)
    files = [folder / "summary.json", folder / "summary.md"]
    figures = {}
    for device, r in zip(DEVICES, records, strict=True):
        figures[device] = {
            "geometry": f"devices/{r['preset']}-geometry.png",
            "current": f"devices/{r['preset']}-current.png",
        }
        files += [
            out / figures[device]["geometry"],
            out / figures[device]["current"],
            folder / r["oommf_mif"],
        ]
    return StageOutput(_rel(out, files), {"figures": figures, "summary": "devices/summary.json"})


# ------------------------------------------------------------------------------ simulate
@contextlib.contextmanager
def heartbeat(log: Log, status: Callable[[], str], every_s: float = 60.0) -> Iterator[None]:
    """Log ``status()`` and the elapsed time every ``every_s`` seconds while the body runs
    (long stages stay visibly alive)."""
    stop = threading.Event()
    start = time.perf_counter()

    def beat() -> None:
        while not stop.wait(every_s):
            log(f"{status()} ({time.perf_counter() - start:.0f} s)")

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_specs(cfg: DemoConfig) -> dict[str, Any]:
    """device -> validated :class:`~physics.experiment.RunSpec` (TOML + demo overrides)."""
    return {d: RunSpec.from_dict(run_spec_table(cfg, d)) for d in DEVICES}


def simulate_settings(cfg: DemoConfig) -> dict:
    """The full run specifications (their run ids hash everything that sets the physics)."""
    return {d: s.run_id for d, s in run_specs(cfg).items()}


def run_simulate(cfg: DemoConfig, out: Path, log: Log, inputs: dict) -> StageOutput:
    """300 K voltage ramps of both devices in the run store (finished runs are skipped), on
    ``cfg.workers`` processes; R-V cycle and state-map figures of each run."""
    specs = run_specs(cfg)
    runs = out / "runs"
    for d, s in specs.items():
        p = s.protocol
        log(
            f"simulate {d}: run {s.run_id[:12]}, {s.n_realisations} realisations x "
            f"{p.n_pulses} pulses at {p.temperature:g} K (cells {s.cell[0] * 1e9:g} nm, "
            f"dt {s.calculator.get('dt', 'default')} s)"
        )
    executor = "process" if cfg.workers > 1 else "serial"

    def stored() -> str:
        done = sum(run_path(runs, s.run_id).is_file() for s in specs.values())
        return f"simulate: {done} of {len(specs)} runs stored"

    with heartbeat(log, stored):
        report = run_batch(
            list(specs.values()),
            runs,
            executor=executor,
            max_workers=min(cfg.workers, len(specs)),
            progress=True,
        )
    log(f"simulate: {report.summary()}")
    if report.failed:
        lines = []
        for run_id, error in report.failed.items():
            tb = (read_error(runs, run_id) or {}).get("traceback", "")
            lines.append(f"run {run_id[:12]}: {error}\n{tb}")
        raise RuntimeError("simulate: run(s) failed:\n" + "\n".join(lines))
    figures_dir = out / "figures"
    files, figures, details = [], {}, {}
    for d, s in specs.items():
        path = run_path(runs, s.run_id)
        files.append(path)
        figures[d] = {}
        for fig in plot_run(path, figures_dir):
            kind = fig.name.split(".")[-2]  # <run_id>.<kind>.png
            target = figures_dir / f"{d}.{kind}.png"
            fig.replace(target)
            figures[d][kind] = str(target.relative_to(out))
            files.append(target)
        details[d] = {
            "run_id": s.run_id,
            "run_file": str(path.relative_to(out)),
            "spec_file": str(cfg.specs[d]),
            "n_realisations": s.n_realisations,
            "n_pulses": s.protocol.n_pulses,
        }
    return StageOutput(
        _rel(out, files),
        {
            "runs": details,
            "figures": figures,
            "completed": len(report.completed),
            "skipped": len(report.skipped),
        },
    )


# ----------------------------------------------------------------------------------- fit
def fit_settings(cfg: DemoConfig) -> dict:
    """The fit's options (the law is chosen by AIC, beta 1/1.5/2 by AIC)."""
    return {"law": "auto", "beta": None, "n_rep": cfg.fit_n_rep, "seed": cfg.fit_seed}


def run_fit(cfg: DemoConfig, out: Path, log: Log, inputs: dict) -> StageOutput:
    """Compact model of each device from its run file (:func:`compact.workflow.fit_runs`, as
    ``dwmtj fit``): depinning laws, Eq. 1, levels.

    A state between reached ones that no realisation ever stopped at gets no conductance level
    (``conductance["missing_states"]``). A device whose data cannot be fitted is recorded
    with the reason in ``details["failed"]``; the later stages use the
    devices that were fitted and the report says which were not.
    """
    settings = fit_settings(cfg)
    folder = out / "fit"
    folder.mkdir(parents=True, exist_ok=True)
    runs = inputs["simulate"]["runs"]
    files, artifacts, figures, failed, kept = [], {}, {}, {}, {}
    for d in DEVICES:
        run_file = out / runs[d]["run_file"]
        try:
            result = fit_runs(
                [run_file],
                name=f"demo-{d}",
                law=settings["law"],
                beta=settings["beta"],
                n_rep=cfg.fit_n_rep,
                seed=cfg.fit_seed,
            )
        except ValueError as exc:
            failed[d] = str(exc)
            (folder / f"{d}.error.txt").write_text(f"{exc}\n")
            files.append(folder / f"{d}.error.txt")
            log(f"fit {d}: NOT fitted: {exc}")
            continue
        model = result.model
        kept[d] = {
            "track_states": result.track_states,
            "first_state": result.first_state,
            "states": model.n_states,
        }
        if result.dropped_edge_states:
            log(f"fit {d}: {result.reached_note()}")
        table = summary_table(model, result.check)
        log(f"fit {d}:\n{table}")
        (folder / f"{d}.txt").write_text(table + "\n")
        artifact = save_model(model, folder / f"{d}.json")
        figs = fit_figures(result, folder, prefix=f"{d}-")
        artifacts[d] = str(artifact.relative_to(out))
        figures[d] = {k: str(p.relative_to(out)) for k, p in figs.items()}
        files += [artifact, folder / f"{d}.txt", *figs.values()]
    return StageOutput(
        _rel(out, files),
        {"artifacts": artifacts, "figures": figures, "failed": failed, "states": kept},
    )


# -------------------------------------------------------------------------------- stream
def stream_settings(cfg: DemoConfig) -> dict:
    """The stream protocol and the paper presets it compares with."""
    return {
        "subsets": cfg.stream_subsets,
        "epochs": cfg.stream_epochs,
        "subset_size": cfg.stream_subset_size,
        "seeds": cfg.stream_seeds,
        "test_images": cfg.stream_test_images,
        "full_data": cfg.stream_full_data,
        "compare": list(cfg.stream_compare),
        "data": str(cfg.data),
    }


def _test_subset(n_total: int, n: int | None, seed: int = 0) -> Any:
    """Sorted indices of a seeded random subset of ``n`` of ``n_total`` test images (None:
    all): test files can be sorted by class, so never the first n."""
    if n is None or n >= n_total:
        return np.arange(n_total)
    return np.sort(np.random.default_rng(seed).permutation(n_total)[:n])


def run_stream(cfg: DemoConfig, out: Path, log: Log, inputs: dict) -> StageOutput:
    """Stream Fashion-MNIST with the fitted devices and the paper presets (one vmapped
    program, checkpointed after every subset: an interrupted stage resumes)."""
    folder = out / "stream"
    folder.mkdir(parents=True, exist_ok=True)
    key_file = folder / "stage_key.txt"
    key = inputs["_key"]
    if (folder / "checkpoint").exists() and (not key_file.is_file() or key_file.read_text() != key):
        shutil.rmtree(folder / "checkpoint")  # made with other settings: start over
    key_file.write_text(key)
    specs = []
    for d, path in inputs["fit"]["artifacts"].items():
        spec = stream.parse_synapse_spec(str(out / path))
        specs.append(dataclasses.replace(spec, label=f"fitted {d}"))
    for name in cfg.stream_compare:
        spec = stream.parse_synapse_spec(name)
        specs.append(dataclasses.replace(spec, label=f"paper {name}"))
    for s in specs:
        log(f"stream device: {stream.describe(s)}")
    data = load_fashion_mnist(cfg.data)
    pick = _test_subset(len(data.y_test), cfg.stream_test_images)
    data = dataclasses.replace(data, x_test=data.x_test[pick], y_test=data.y_test[pick])
    scfg = stream.StreamConfig(
        n_subsets=cfg.stream_subsets,
        subset_size=cfg.stream_subset_size,
        epochs=cfg.stream_epochs,
        batch_size=min(100, cfg.stream_subset_size),
        n_seeds=cfg.stream_seeds,
        full_data=cfg.stream_full_data,
    )
    result = stream.run_stream(specs, data, scfg, out_dir=folder, progress=True)
    paths = stream.save_result(result, folder)
    fig = stream.plot_fig5a(result, folder / "stream-accuracy.png")
    log("stream:\n" + paths["summary_md"].read_text())
    for c in stream_contrasts(result):
        log(f"stream: {c['statement']}")
    files = [*paths.values(), fig, key_file]
    return StageOutput(
        _rel(out, files),
        {
            "result": str(paths["h5"].relative_to(out)),
            "figure": str(fig.relative_to(out)),
            "labels": result.labels,
            "test_images": int(len(pick)),
        },
    )


# ----------------------------------------------------------------------------- inference
def inference_settings(cfg: DemoConfig) -> dict:
    """The sweep (bits, noise factors, draws), test subset and the network checkpoint."""
    ckpt = cfg.checkpoint
    weights = ckpt / "model.eqx"
    return {
        "bits": list(cfg.infer_bits),
        "noise_factors": list(cfg.infer_noise_factors),
        "draws": cfg.infer_draws,
        "test_images": cfg.infer_test_images,
        "checkpoint": str(ckpt),
        "checkpoint_sha256": file_sha256(weights) if weights.is_file() else None,
        "data": str(cfg.data),
    }


def run_inference(cfg: DemoConfig, out: Path, log: Log, inputs: dict) -> StageOutput:
    """Analog inference of the pretrained ResNet with each fitted device's levels and noise
    (:func:`nn.inference.run_inference_sweep`, as ``dwmtj infer``)."""
    files, results, figures = [], {}, {}
    for d, path in inputs["fit"]["artifacts"].items():
        folder = out / "inference" / d
        log(
            f"inference with the fitted {d}: bits {list(cfg.infer_bits)}, noise x "
            f"{list(cfg.infer_noise_factors)}, {cfg.infer_draws} draws"
        )
        sweep = run_inference_sweep(
            device=load_device(str(out / path)),
            checkpoint=cfg.checkpoint,
            bits=list(cfg.infer_bits),
            noise_factors=list(cfg.infer_noise_factors),
            draws=cfg.infer_draws,
            dataset_name=None,
            data_dir=cfg.data,
            out=folder,
            test_limit=cfg.infer_test_images,
            seed=0,
        )
        log(
            f"inference {d}: software accuracy {sweep.info['digital_accuracy']:.4f} on "
            f"{sweep.info['test_images']} {sweep.info['dataset']} test images"
        )
        files += [folder / name for name in SWEEP_FILES.values()]
        results[d] = str(sweep.files["summary"].relative_to(out))
        figures[d] = {
            "accuracy": str(sweep.files["accuracy_figure"].relative_to(out)),
            "histogram": str(sweep.files["histogram_figure"].relative_to(out)),
        }
    return StageOutput(_rel(out, files), {"results": results, "figures": figures})


SETTINGS = {
    "devices": devices_settings,
    "simulate": simulate_settings,
    "fit": fit_settings,
    "stream": stream_settings,
    "inference": inference_settings,
}
RUNNERS = {
    "devices": run_devices,
    "simulate": run_simulate,
    "fit": run_fit,
    "stream": run_stream,
    "inference": run_inference,
}


def dump(details: dict) -> str:
    """Details as JSON text (for logs and tests)."""
    return json.dumps(details, indent=1, default=str)
