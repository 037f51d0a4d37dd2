"""Run the demo's stages in order, reusing finished ones, and print the timing table."""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dwmtj.pipeline.config import DemoConfig, missing_inputs
from dwmtj.pipeline.manifest import Manifest, stage_key
from dwmtj.pipeline.report import write_report
from dwmtj.pipeline.stages import DEPENDS, RUNNERS, SETTINGS, device_name, run_specs


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its finished child processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def stage_keys(cfg: DemoConfig) -> dict[str, str]:
    """stage -> key (its settings and its inputs' keys), for the stages ``cfg`` runs."""
    keys: dict[str, str] = {}
    for stage in cfg.stages():
        inputs = {dep: keys[dep] for dep in DEPENDS[stage]}
        keys[stage] = stage_key(stage, SETTINGS[stage](cfg), inputs)
    return keys


def plan(cfg: DemoConfig, out: Path) -> list[dict[str, Any]]:
    """What a run would do: per stage its key, whether it would be reused, its settings."""
    manifest = Manifest(out)
    return [
        {
            "stage": s,
            "key": k,
            "reuse": manifest.reusable(s, k),
            "settings": SETTINGS[s](cfg),
            "inputs": list(DEPENDS[s]),
        }
        for s, k in stage_keys(cfg).items()
    ]


def describe_stage(cfg: DemoConfig, stage: str) -> str:
    """One readable line of what ``stage`` would do (for ``--dry-run``)."""
    if stage in ("devices", "simulate"):
        parts = []
        for d, spec in run_specs(cfg).items():
            p = spec.protocol
            text = f"{d}: {device_name(cfg, d)}, cells {spec.cell[0] * 1e9:g} nm"
            if stage == "simulate":
                text += (
                    f", {spec.n_realisations} realisations x {p.n_pulses} pulses at "
                    f"{p.temperature:g} K, dt {spec.calculator.get('dt', 'default')} s"
                )
            parts.append(text)
        return "; ".join(parts)
    return json.dumps(SETTINGS[stage](cfg), default=str)


def timing_table(timings: dict[str, dict]) -> str:
    """The printed table: stage, wall and CPU seconds, ran or reused."""
    lines = [f"{'stage':10s} {'wall s':>9s} {'CPU s':>9s}  this run", "-" * 40]
    for name, t in timings.items():
        state = f"reused ({t['this_run_s']:.1f} s)" if t["reused"] else "ran"
        lines.append(f"{name:10s} {t['seconds']:9.1f} {t['cpu_seconds']:9.1f}  {state}")
    ran = [t for t in timings.values() if not t["reused"]]
    lines.append("-" * 40)
    lines.append(
        f"{'total':10s} {sum(t['this_run_s'] for t in timings.values()):9.1f} "
        f"{sum(t['cpu_seconds'] for t in ran):9.1f}  (this run)"
    )
    return "\n".join(lines)


def run_stages(cfg: DemoConfig, out: Path, log: Callable[[str], None] = print) -> dict:
    """Run (or reuse) every stage of ``cfg`` into ``out``, write the report; returns
    ``{"details", "timings", "report_json", "report_html"}``."""
    missing = missing_inputs(cfg)
    if missing:
        raise ValueError("; ".join(missing))
    out.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(out)
    keys = stage_keys(cfg)
    details: dict[str, dict] = {}
    timings: dict[str, dict] = {}
    for stage, key in keys.items():
        t0, c0 = time.perf_counter(), cpu_seconds()
        if manifest.reusable(stage, key):
            entry = manifest.stages[stage]
            details[stage] = entry["details"]
            timings[stage] = {
                "seconds": entry["seconds"],
                "cpu_seconds": entry["cpu_seconds"],
                "reused": True,
                "this_run_s": time.perf_counter() - t0,
            }
            log(f"== {stage}: reused (key {key[:12]}, made in {entry['seconds']:.1f} s)")
            continue
        log(f"== {stage}: running (key {key[:12]})")
        inputs = {dep: details[dep] for dep in DEPENDS[stage]} | {"_key": key}
        result = RUNNERS[stage](cfg, out, log, inputs)
        seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        manifest.record(stage, key, result.outputs, seconds, cpu, result.details)
        details[stage] = result.details
        timings[stage] = {
            "seconds": seconds,
            "cpu_seconds": cpu,
            "reused": False,
            "this_run_s": seconds,
        }
        log(f"== {stage}: done in {seconds:.1f} s wall, {cpu:.1f} CPU s")
    json_path, html_path = write_report(cfg, out, details, timings)
    (out / "timings.txt").write_text(timing_table(timings) + "\n")
    log("\n" + timing_table(timings))
    log(f"wrote {html_path} and {json_path}")
    return {
        "details": details,
        "timings": timings,
        "report_json": json_path,
        "report_html": html_path,
    }
