"""Stage keys and the ``stages.json`` manifest: what lets a rerun reuse finished stages.

A stage's key is the SHA-256 of the canonical JSON of ``{"stage", "settings", "inputs",
"code"}``, where ``settings`` are the stage's own settings, ``inputs`` the keys of the stages
it reads and ``code`` the :func:`code_fingerprint` of dwmtj's Python sources (a stage made by
other code is redone, never reused). A stage whose manifest entry has the same key, status
``done`` and all its output files present is *reused*; changing one setting changes that
stage's key and, through ``inputs``, the keys of every stage downstream, and nothing else.

``OUT/stages.json``: ``{"stages": {name: {"key", "status", "outputs", "seconds",
"cpu_seconds", "finished"}}}`` (outputs relative to OUT; seconds of the run that made them).
It is rewritten atomically after every stage, so an interrupted demo resumes at the first
stage that did not finish.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import time
from pathlib import Path
from typing import Any

MANIFEST = "stages.json"
#: The stages in execution order (each may depend only on earlier ones).
STAGES: tuple[str, ...] = ("devices", "simulate", "fit", "stream", "inference")
#: The packages whose sources make a stage's result (dwmtj's own code).
CODE_PACKAGES = ("paperstyle", "geometries", "physics", "compact", "nn", "dwmtj")


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 (hex) of every ``.py`` file of :data:`CODE_PACKAGES` (relative path + bytes),
    found without importing the packages."""
    digest = hashlib.sha256()
    for name in CODE_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"code_fingerprint: package {name!r} not found")
        root = Path(next(iter(spec.submodule_search_locations)))
        for path in sorted(root.rglob("*.py")):
            digest.update(f"{name}/{path.relative_to(root).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def stage_key(stage: str, settings: Any, inputs: dict[str, str], code: str | None = None) -> str:
    """SHA-256 (hex) of the stage name, its settings, its inputs' keys and the code
    fingerprint (default :func:`code_fingerprint`)."""
    text = json.dumps(
        {
            "stage": stage,
            "settings": settings,
            "inputs": inputs,
            "code": code_fingerprint() if code is None else code,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
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

    def record(
        self,
        stage: str,
        key: str,
        outputs: list[str],
        seconds: float,
        cpu_seconds: float,
        details: dict | None = None,
    ) -> None:
        """Store a finished stage and write the manifest atomically."""
        self.stages[stage] = {
            "key": key,
            "status": "done",
            "outputs": sorted(outputs),
            "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu_seconds, 3),
            "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
            "details": details or {},
        }
        self.write()

    def write(self) -> None:
        """Write ``stages.json`` (temporary file + rename: never half-written)."""
        self.out.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"stages": self.stages}, indent=1))
        os.replace(tmp, self.path)
