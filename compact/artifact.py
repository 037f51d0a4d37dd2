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
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import BeforeValidator, ConfigDict, Field, model_validator, with_config
from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12

from compact.depinning import DeviceLaws, NotchLaw
from geometries.validation import (
    Int,
    Real,
    TypedConfig,
    check,
    config_dataclass,
    dump,
    load,
    quantity,
)

SCHEMA = "dwmtj.compact.device-model"
SCHEMA_VERSION = 2
READABLE_SCHEMA_VERSIONS = (1, 2)  # version 1: transport without a reach limit


def _plain(x: object) -> object:
    """numpy arrays and scalars inside the free-form sections -> lists and Python numbers.

    Non-finite floats stay in memory and are written as JSON null (pydantic's JSON mode)."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, np.ndarray):
        return _plain(x.tolist())
    if isinstance(x, np.generic):
        return x.item()
    return x


#: A free-form JSON table of the artifact (numpy values converted).
JSONTable = Annotated[dict[str, Any], BeforeValidator(_plain)]


@with_config(ConfigDict(extra="forbid", allow_inf_nan=False))
class NetworkParams(TypedDict):
    """What :class:`~compact.device_model.DeviceModel` takes (the ``network`` section)."""

    #: normalised hidden-weight levels in [-1, 1], ascending
    weight_levels: Annotated[list[Real], Field(min_length=2)]
    #: effective width ratio w1/w2 of Eq. 1, in (0, 1]
    w1_over_w2: Annotated[Real, quantity(unit="", description="Eq. 1 ratio", gt=0, le=1)]
    #: asymmetry factor of updates that grow |W|, > 0
    delta: Annotated[Real, quantity(unit="", description="asymmetry factor", gt=0)]
    #: programming noise of a conductance (S), >= 0
    write_sigma_S: Annotated[Real, quantity(unit="S", description="write noise", ge=0)]


@with_config(ConfigDict(extra="forbid", allow_inf_nan=False))
class ReferenceConditions(TypedDict):
    """Where thresholds are quoted (the ``reference_conditions`` section)."""

    pulse_width_s: _PulseWidth
    temperature_K: _Temperature


#: The reference conditions' quantities (TypedDict fields: their plausible ranges are checked
#: by :meth:`CompactModel._one_entry_per_state` through ``check``).
_PulseWidth = Annotated[
    Real, quantity(unit="s", description="pulse width", gt=0, typical=(1e-12, 1e-3))
]
_Temperature = Annotated[
    Real, quantity(unit="K", description="temperature", ge=0, typical=(0, 1500.0))
]


@config_dataclass(frozen=False)
class CompactModel(TypedConfig):
    """Typed form of the JSON artifact (see the module docstring)."""

    name: str = Field(description="model name, e.g. 'paper-trapezoid'")
    n_states: Int = quantity(unit="", description="notch states (levels) of the track", ge=2)
    law: str = Field(description="the chosen depinning law, e.g. 'arrhenius(beta=1.5)'")
    forward: list[NotchLaw | None] = Field(description="V > 0 law per notch state (or None)")
    reverse: list[NotchLaw | None] = Field(description="V < 0 law per notch state (or None)")
    conductance: JSONTable = Field(description="levels (ohm, S), spreads, range")
    network: NetworkParams = Field(description="what the networks take (DeviceModel)")
    reference_conditions: ReferenceConditions = Field(
        default_factory=lambda: {"pulse_width_s": 50e-9, "temperature_K": 300.0},
        description="pulse width (s) and temperature (K) of the quoted thresholds",
    )
    aic_by_law: dict[str, Real] = Field(default_factory=dict, description="AIC per law")
    transition_model: JSONTable = Field(
        default_factory=lambda: {"type": "sequential-capture"},
        description="transport model: type, reach rate (1/s; null = no limit)",
    )
    metaplasticity: JSONTable | None = Field(None, description="Eq. 1 points and fit, delta")
    provenance: JSONTable = Field(default_factory=dict, description="source, inputs, version")
    notes: list[str] = Field(default_factory=list, description="caveats, in words")

    @model_validator(mode="after")
    def _one_entry_per_state(self) -> CompactModel:
        for name in ("forward", "reverse"):
            if len(getattr(self, name)) != self.n_states:
                raise ValueError(f"{name}: need one entry per notch state ({self.n_states})")
        if self.conductance.get("n_levels") != self.n_states:
            raise ValueError("conductance.n_levels: must equal n_states")
        _check_levels(self.conductance, self.n_states)
        ref = self.reference_conditions
        check(_PulseWidth, ref["pulse_width_s"], "reference_conditions.pulse_width_s")
        check(_Temperature, ref["temperature_K"], "reference_conditions.temperature_K")
        rate = self.transition_model.get("reach_rate_per_s")
        if rate is not None and not (_number(rate) and 0 <= rate < float("inf")):
            raise ValueError(
                f"transition_model.reach_rate_per_s: must be a finite rate >= 0 (1/s) or null, "
                f"got {rate!r}"
            )
        return self

    def laws(self) -> DeviceLaws:
        """The per-notch depinning laws, for the transport Monte Carlo."""
        return DeviceLaws(
            n_states=self.n_states,
            law=self.law,
            forward=list(self.forward),
            reverse=list(self.reverse),
            aic_by_law=dict(self.aic_by_law),
            reach_rate_per_s=self.reach_rate_per_s,
        )

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
        """The artifact's JSON form (schema header, then the fields in order)."""
        return {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, **dump(self)}

    @classmethod
    def from_dict(cls, data: dict) -> CompactModel:
        """Inverse of :meth:`to_dict` (schema checked): :func:`model_from_dict`."""
        return model_from_dict(data)


def _number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _check_levels(conductance: dict, n_states: int) -> None:
    """The conductance table's resistance levels: one per state, each null (never read) or
    a positive finite resistance (ohm) with a finite spread >= 0; at least two levels."""
    for key, positive in (("resistance_mean_ohm", True), ("resistance_sigma_ohm", False)):
        values = conductance.get(key)
        if not isinstance(values, list) or len(values) != n_states:
            raise ValueError(f"conductance.{key}: need a list of {n_states} values (ohm)")
        for k, r in enumerate(values):
            if r is None:
                continue
            ok = _number(r) and (r > 0 if positive else r >= 0) and r < float("inf")
            if not ok:
                need = "a positive, finite resistance" if positive else "a finite spread >= 0"
                raise ValueError(f"conductance.{key}[{k}]: must be {need} (ohm) or null, got {r!r}")
    means = conductance["resistance_mean_ohm"]
    sigmas = conductance["resistance_sigma_ohm"]
    if sum(r is not None for r in means) < 2:
        raise ValueError("conductance.resistance_mean_ohm: need at least two levels")
    for k, (r, s) in enumerate(zip(means, sigmas, strict=True)):
        if r is not None and s is None:
            raise ValueError(f"conductance.resistance_sigma_ohm[{k}]: missing for a level")


def _non_finite(x: object, path: str) -> str | None:
    """The dotted path of the first NaN or +-inf number inside ``x`` (None if none)."""
    if isinstance(x, float) and not np.isfinite(x):
        return path
    if isinstance(x, dict):
        items = ((f"{path}.{k}" if path else str(k), v) for k, v in x.items())
    elif isinstance(x, list | tuple):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(x))
    else:
        return None
    for sub_path, v in items:
        found = _non_finite(v, sub_path)
        if found is not None:
            return found
    return None


def model_from_dict(d: dict, origin: str = "artifact") -> CompactModel:
    """Validate the schema and build a :class:`CompactModel`.

    A NaN or +-inf anywhere in ``d`` (JSON's ``NaN``/``Infinity`` tokens) is refused, naming
    the field: the artifact writes non-finite values as null, so such a number is an edit."""
    if not isinstance(d, dict):
        raise ValueError(f"{origin}: not a JSON object")
    if d.get("schema") != SCHEMA:
        raise ValueError(f"{origin}: schema {d.get('schema')!r} is not {SCHEMA!r}")
    if d.get("schema_version") not in READABLE_SCHEMA_VERSIONS:
        raise ValueError(
            f"{origin}: incompatible schema_version {d.get('schema_version')!r}; "
            f"this code reads versions {READABLE_SCHEMA_VERSIONS}"
        )
    bad = _non_finite(d, "")
    if bad is not None:
        raise ValueError(f"{origin}: {bad}: must be a finite number or null, got NaN or inf")
    body = {k: v for k, v in d.items() if k not in ("schema", "schema_version")}
    try:
        return load(CompactModel, body)
    except ValueError as exc:
        raise ValueError(f"{origin}: {exc}") from None


def umask_mode(mode: int = 0o666) -> int:
    """``mode`` less the process's umask: the permissions ``open()`` would give a new file
    (``tempfile.mkstemp`` makes 0600 files, which an atomic rename would keep)."""
    try:  # Linux: read it without changing it (os.umask is process-wide, threads race)
        with open("/proc/self/status") as fh:
            umask = next(int(line.split()[1], 8) for line in fh if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError, IndexError):
        umask = os.umask(0)
        os.umask(umask)
    return mode & ~umask


def save_model(model: CompactModel, path: str | Path) -> Path:
    """Write the artifact atomically (temporary name in the same folder, then rename), with
    the permissions of a file made by ``open()`` (0666 less the umask)."""
    p = Path(path)
    text = json.dumps(model.to_dict(), indent=1, allow_nan=False)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text + "\n")
        os.chmod(tmp, umask_mode())
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
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
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
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{v}+g{sha}" if sha else v


def provenance(source: str, inputs: list[dict]) -> dict:
    return {
        "source": source,
        "inputs": list(inputs),
        "code_version": code_version(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
