"""The device-model artifact: one versioned JSON file, loaded into a typed :class:`CompactModel`.

Top-level keys (schema ``dwmtj.compact.device-model``, ``schema_version`` 2):

``name``, ``n_states``; ``law`` (chosen candidate, e.g. ``"normal"`` or
``"arrhenius(beta=1.5)"``) and ``aic_by_law``; ``reference_conditions``
(``pulse_width_s``, ``temperature_K``: where thresholds are quoted); ``forward`` /
``reverse`` (one entry per notch state: a :class:`~compact.depinning.NotchLaw` as a dict,
or null); ``transition_model`` (type, and since version 2 the reach rate ``reach_rate_per_s``
with its standard error, null = no reach limit: see :mod:`compact.transport`);
``metaplasticity`` (Eq. 1 points and fit, delta);
``conductance`` (levels, sigma_G, relative error, range); ``network`` (what
:class:`~compact.device_model.DeviceModel` takes: weight levels, w1/w2, delta, write noise);
``provenance`` (source, input files with sha256, code version, creation time); ``notes``.

Version 1 artifacts (no reach rate) still load, with no reach limit: the pure threshold
transport model they were written with.

Units are SI throughout (V, s, K, ohm, S); activation energies in eV.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from compact.depinning import DeviceLaws, NotchLaw

SCHEMA = "dwmtj.compact.device-model"
SCHEMA_VERSION = 2
READABLE_SCHEMA_VERSIONS = (1, 2)  # version 1: transport without a reach limit


@dataclass
class CompactModel:
    """Typed form of the JSON artifact (see the module docstring)."""

    name: str
    n_states: int
    law: str
    forward: list[NotchLaw | None]
    reverse: list[NotchLaw | None]
    conductance: dict
    network: dict
    reference_conditions: dict = field(
        default_factory=lambda: {"pulse_width_s": 50e-9, "temperature_K": 300.0})
    aic_by_law: dict = field(default_factory=dict)
    transition_model: dict = field(default_factory=lambda: {"type": "sequential-capture"})
    metaplasticity: dict | None = None
    provenance: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.n_states < 2:
            raise ValueError(f"n_states: need at least 2 notch states, got {self.n_states}")
        for name in ("forward", "reverse"):
            if len(getattr(self, name)) != self.n_states:
                raise ValueError(f"{name}: need one entry per notch state ({self.n_states})")
        if self.conductance.get("n_levels") != self.n_states:
            raise ValueError("conductance: n_levels must equal n_states")
        for key in ("weight_levels", "w1_over_w2", "delta", "write_sigma_S"):
            if key not in self.network:
                raise ValueError(f"network: missing {key!r}")

    def laws(self) -> DeviceLaws:
        """The per-notch depinning laws, for the transport Monte Carlo."""
        return DeviceLaws(n_states=self.n_states, law=self.law, forward=list(self.forward),
                          reverse=list(self.reverse), aic_by_law=dict(self.aic_by_law),
                          reach_rate_per_s=self.reach_rate_per_s)

    @property
    def reach_rate_per_s(self) -> float | None:
        """Transport reach rate u (notch spacings per second of pulse); None = no limit
        (also for version-1 artifacts)."""
        u = self.transition_model.get("reach_rate_per_s")
        return None if u is None else float(u)

    @property
    def has_transport(self) -> bool:
        return any(law is not None for law in self.forward)

    def to_device_model(self):  # -> DeviceModel (import kept lazy: JAX)
        """The networks' pytree: levels, spreads, weight levels, w1/w2, delta, write noise.

        States without a conductance level (``conductance["missing_states"]``: never read)
        are left out of the resistance levels."""
        import jax.numpy as jnp

        from compact.device_model import DeviceModel

        c, n = self.conductance, self.network
        seen = [k for k, r in enumerate(c["resistance_mean_ohm"]) if r is not None]
        return DeviceModel(
            name=self.name,
            resistance_levels_ohm=jnp.asarray([c["resistance_mean_ohm"][k] for k in seen]),
            resistance_sigma_ohm=jnp.asarray([c["resistance_sigma_ohm"][k] for k in seen]),
            weight_levels=jnp.asarray(n["weight_levels"]),
            w1_over_w2=jnp.asarray(float(n["w1_over_w2"])),
            delta=jnp.asarray(float(n["delta"])),
            write_sigma_S=jnp.asarray(float(n["write_sigma_S"])),
        )

    def to_dict(self) -> dict:
        d = {"schema": SCHEMA, "schema_version": SCHEMA_VERSION}
        d.update(asdict(self))
        return _jsonable(d)


def _jsonable(x: object) -> object:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        v = float(x)
        if not np.isfinite(v):
            return None
        return v
    return x


def model_from_dict(d: dict, origin: str = "artifact") -> CompactModel:
    """Validate the schema and build a :class:`CompactModel`."""
    if not isinstance(d, dict):
        raise ValueError(f"{origin}: not a JSON object")
    if d.get("schema") != SCHEMA:
        raise ValueError(f"{origin}: schema {d.get('schema')!r} is not {SCHEMA!r}")
    if d.get("schema_version") not in READABLE_SCHEMA_VERSIONS:
        raise ValueError(
            f"{origin}: incompatible schema_version {d.get('schema_version')!r}; "
            f"this code reads versions {READABLE_SCHEMA_VERSIONS}"
        )
    body = {k: v for k, v in d.items() if k not in ("schema", "schema_version")}
    try:
        for key in ("forward", "reverse"):
            body[key] = [None if x is None else NotchLaw(**x) for x in body[key]]
        return CompactModel(**body)
    except (TypeError, KeyError) as exc:
        raise ValueError(f"{origin}: malformed artifact ({exc})") from None


def save_model(model: CompactModel, path: str | Path) -> Path:
    """Write the artifact atomically (temporary name in the same folder, then rename)."""
    p = Path(path)
    text = json.dumps(model.to_dict(), indent=1, allow_nan=False)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text + "\n")
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


def load_model(path: str | Path) -> CompactModel:
    """Read an artifact written by :func:`save_model` (schema checked)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"model: {p} does not exist")
    try:
        d = json.loads(p.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{p}: not valid JSON ({exc})") from None
    return model_from_dict(d, str(p))


def code_version() -> str:
    """Package version and, where available, the git commit of this checkout."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("dwmtj")
    except PackageNotFoundError:
        v = "unknown"
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, cwd=Path(__file__).parent, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{v}+g{sha}" if sha else v


def provenance(source: str, inputs: list[dict]) -> dict:
    return {"source": source, "inputs": list(inputs), "code_version": code_version(),
            "created": datetime.now(UTC).isoformat(timespec="seconds")}
