"""Stage keys and the ``stages.json`` manifest: what lets a rerun reuse finished stages.

A stage's key is the SHA-256 of the canonical JSON of ``{"stage", "settings", "inputs"}``,
where ``settings`` are the stage's own settings and ``inputs`` the keys of the stages it
reads. A stage whose manifest entry has the same key, status ``done`` and all its output
files present is *reused*; changing one setting changes that stage's key and, through
``inputs``, the keys of every stage downstream, and nothing else.

``OUT/stages.json``: ``{"stages": {name: {"key", "status", "outputs", "seconds",
"cpu_seconds", "finished"}}}`` (outputs relative to OUT; seconds of the run that made them).
It is rewritten atomically after every stage, so an interrupted demo resumes at the first
stage that did not finish.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

MANIFEST = "stages.json"


def stage_key(stage: str, settings: Any, inputs: dict[str, str]) -> str:
    """SHA-256 (hex) of the stage name, its settings and its inputs' keys."""
    text = json.dumps({"stage": stage, "settings": settings, "inputs": inputs},
                      sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def file_sha256(path: str | Path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Manifest:
    """The ``stages.json`` of an output folder (read on creation, written on every record)."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.path = self.out / MANIFEST
        self.stages: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            try:
                self.stages = json.loads(self.path.read_text()).get("stages", {})
            except (json.JSONDecodeError, AttributeError):
                self.stages = {}  # a damaged manifest: every stage is redone

    def reusable(self, stage: str, key: str) -> bool:
        """True when ``stage`` finished with this ``key`` and all its outputs still exist."""
        entry = self.stages.get(stage)
        if not entry or entry.get("key") != key or entry.get("status") != "done":
            return False
        return all((self.out / p).exists() for p in entry.get("outputs", []))

    def record(self, stage: str, key: str, outputs: list[str], seconds: float,
               cpu_seconds: float, details: dict | None = None) -> None:
        """Store a finished stage and write the manifest atomically."""
        self.stages[stage] = {"key": key, "status": "done", "outputs": sorted(outputs),
                              "seconds": round(seconds, 3), "cpu_seconds": round(cpu_seconds, 3),
                              "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
                              "details": details or {}}
        self.write()

    def write(self) -> None:
        """Write ``stages.json`` (temporary file + rename: never half-written)."""
        self.out.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"stages": self.stages}, indent=1))
        os.replace(tmp, self.path)
