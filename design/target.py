"""The design target and constraints: a validated TOML file (lengths in m, voltages in V).

Example (results/design/targets/*.toml)::

    name = "scaled-4-levels"
    [target]
    kind = "levels"                # or "f_meta"
    levels_V = [0.25, 0.35, 0.45, 0.55]
    min_margin = 2.0               # neighbouring V50s apart by >= 2 sqrt(s_k^2 + s_k+1^2)
    hold_time_s = 5e-9             # optional: notch 0 keeps the wall at V = 0 this long
    max_backward_escape = 0.01     # ... with at most this probability of losing it backwards
    [pulse]
    duration_s = 1.5e-9
    temperature_K = 300.0
    bias_T = -4e-3
    [material]
    preset = "ta-cofeb-mgo-trapezoid"
    thermal_m = 0.95
    [constraints]
    length_m = 300e-9
    ...

Every field is checked on construction (one-line ValueError naming the field: non-finite
numbers, units off by orders of magnitude, levels that do not increase, impossible
constraints); :func:`feasibility` then checks what needs the constraints together, before any
optimisation.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from geometries.validation import Int, Real, TypedConfig, config_dataclass, load, quantity
from physics.materials import Material, load_material
from physics.multiscale.renormalise import renormalised


@config_dataclass(label="target")
class TargetSpec(TypedConfig):
    """What the synapse must do."""

    kind: Literal["levels", "f_meta"] = Field(
        description="'levels': K depinning voltages; 'f_meta': an Eq. 1 curve"
    )
    levels_V: tuple[Real, ...] | None = quantity(
        None, unit="V", description="median depinning voltage of each notch", typical=(1e-3, 50)
    )
    w1_over_w2: Real | None = quantity(
        None, unit="", description="Eq. 1 ratio f(W = 1)", gt=0, le=1
    )
    v_first_V: Real | None = quantity(
        None, unit="V", description="V50 of the first notch (f_meta)", gt=0, typical=(1e-3, 50)
    )
    notch_counts: tuple[Int, ...] = quantity(
        (4,), unit="", description="notch counts tried by the outer loop (f_meta)"
    )
    delta: Real = quantity(
        3.0, unit="", description="asymmetry delta handed to the networks", gt=0, typical=(0.1, 20)
    )
    min_margin: Real = quantity(
        2.0,
        unit="",
        description="neighbouring V50s apart by >= this many combined spreads",
        ge=0,
        typical=(0, 10),
    )
    max_spread: Real | None = quantity(
        None, unit="", description="largest sigma_V / V50 of any notch", gt=0, typical=(1e-3, 1)
    )
    tolerance: Real = quantity(
        0.05, unit="", description="relative V50 error that still meets the target", gt=0, lt=1
    )
    hold_time_s: Real | None = quantity(
        None,
        unit="s",
        description=(
            "time at V = 0 per pulse (relaxation, edges, settle) for which notch 0 must hold "
            "the wall against the bias and the taper"
        ),
        gt=0,
        typical=(1e-12, 1e-3),
    )
    max_backward_escape: Real = quantity(
        0.01,
        unit="",
        description="largest probability that the wall leaves notch 0 backwards in hold_time_s",
        gt=0,
        lt=1,
    )

    @model_validator(mode="after")
    def _kind(self) -> TargetSpec:
        if self.kind == "levels":
            if not self.levels_V or len(self.levels_V) < 2:
                raise ValueError("levels_V: give at least 2 levels for kind = 'levels'")
            if any(v <= 0 for v in self.levels_V):
                raise ValueError("levels_V: every level must be > 0 V")
            if any(b <= a for a, b in zip(self.levels_V, self.levels_V[1:], strict=False)):
                raise ValueError(
                    f"levels_V: must increase strictly along the track, got {list(self.levels_V)}"
                )
        else:
            if self.w1_over_w2 is None or self.v_first_V is None:
                raise ValueError("w1_over_w2: kind = 'f_meta' needs w1_over_w2 and v_first_V")
            if any(k < 2 for k in self.notch_counts):
                raise ValueError("notch_counts: each count must be >= 2")
        return self


@config_dataclass(label="pulse")
class PulseSpec(TypedConfig):
    """The write pulse the levels are quoted at."""

    duration_s: Real = quantity(
        50e-9, unit="s", description="pulse duration at full amplitude", gt=0, typical=(1e-11, 1e-3)
    )
    temperature_K: Real = quantity(
        300.0, unit="K", description="temperature", gt=0, typical=(1, 1000)
    )
    bias_T: Real = quantity(
        -4e-3, unit="T", description="bias field mu0 H along z", typical=(-1, 1)
    )


@config_dataclass(label="material")
class MaterialSpec(TypedConfig):
    """The stack: a physics.materials preset, renormalised by thermal_m (0.95 for the 4 nm,
    300 K micromagnetics of the scaled tracks; 1 for measured parameters)."""

    preset: str = Field("ta-cofeb-mgo-trapezoid", description="physics.materials preset")
    thermal_m: Real = quantity(1.0, unit="", description="Callen-Callen m", gt=0, le=1)

    def material(self) -> Material:
        """The renormalised :class:`~physics.materials.Material`."""
        return renormalised(load_material(self.preset), float(self.thermal_m))


@config_dataclass(label="constraints")
class Constraints(TypedConfig):
    """Lithography and layout limits (m)."""

    length_m: Real = quantity(
        unit="m", description="total track length", gt=0, typical=(1e-8, 1e-3)
    )
    min_feature_m: Real = quantity(
        unit="m", description="smallest notch depth and length", gt=0, typical=(1e-9, 1e-5)
    )
    min_notch_spacing_m: Real = quantity(
        unit="m", description="smallest centre-to-centre spacing", gt=0, typical=(1e-9, 1e-4)
    )
    min_width_m: Real = quantity(
        unit="m",
        description="narrowest track anywhere (notches included)",
        gt=0,
        typical=(1e-9, 1e-4),
    )
    max_width_m: Real = quantity(unit="m", description="widest track", gt=0, typical=(1e-9, 1e-4))
    end_margin_m: Real = quantity(
        unit="m",
        description="track kept free of notches at each end",
        ge=0,
        typical=(0, 1e-4),
    )
    max_notch_length_m: Real | None = quantity(
        None,
        unit="m",
        description="longest notch (default: min spacing / 2)",
        gt=0,
        typical=(1e-9, 1e-4),
    )
    depth_sigma_m: Real = quantity(
        0.0,
        unit="m",
        description="fabrication spread of each notch depth (1 sigma)",
        ge=0,
        typical=(0, 1e-5),
    )
    max_depth_fraction: Real | None = quantity(
        None,
        unit="",
        description="deepest notch per side as a fraction of the local track width",
        gt=0,
        lt=0.5,
    )
    edge_roughness_m: Real = quantity(
        0.0,
        unit="m",
        description="RMS edge roughness per edge (geometries.EdgeRoughness amplitude)",
        ge=0,
        typical=(0, 1e-7),
    )
    roughness_correlation_m: Real | None = quantity(
        None,
        unit="m",
        description="correlation length of the edge roughness along x",
        gt=0,
        typical=(1e-10, 1e-5),
    )
    cell_m: Real | None = quantity(
        None,
        unit="m",
        description="micromagnetic cell written into the preset",
        gt=0,
        typical=(1e-10, 1e-7),
    )

    @model_validator(mode="after")
    def _limits(self) -> Constraints:
        if self.edge_roughness_m > 0 and self.roughness_correlation_m is None:
            raise ValueError(
                "roughness_correlation_m: required when edge_roughness_m > 0 (the rough "
                "edges' correlation length along x, m)"
            )
        narrowest = self.min_width_m + 2 * self.min_feature_m  # narrowest notched track
        if (
            self.max_depth_fraction is not None
            and self.max_depth_fraction * narrowest < self.min_feature_m
        ):
            raise ValueError(
                f"max_depth_fraction: {self.max_depth_fraction:g} x the narrowest notched track "
                f"(min_width_m + 2 min_feature_m = {narrowest:g} m) is below min_feature_m "
                f"{self.min_feature_m:g} m (no notch depth is allowed there)"
            )
        if self.min_width_m >= self.max_width_m:
            raise ValueError(
                f"min_width_m: {self.min_width_m:g} m must be below max_width_m "
                f"{self.max_width_m:g} m"
            )
        if self.max_width_m > self.length_m:
            raise ValueError("max_width_m: wider than the track is long")
        if self.notch_length_max < self.min_feature_m:
            raise ValueError("max_notch_length_m: below min_feature_m (no notch length is allowed)")
        if self.end_margin_m < 0.5 * self.notch_length_max:
            raise ValueError("end_margin_m: must be at least half the longest notch")
        if self.max_width_m - 2 * self.min_feature_m < self.min_width_m:
            raise ValueError(
                "min_feature_m: a notch of the minimum depth on the widest track leaves less "
                "than min_width_m"
            )
        return self

    @property
    def notch_length_max(self) -> float:
        """Longest notch (m)."""
        return float(self.max_notch_length_m or 0.5 * self.min_notch_spacing_m)


@config_dataclass(label="optimiser")
class OptimiserSpec(TypedConfig):
    """Multi-start Adam (optax) on the unconstrained parameters."""

    starts: Int = quantity(8, unit="", description="random starts", ge=1, le=256)
    steps: Int = quantity(300, unit="", description="Adam steps per start", ge=1, le=100000)
    learning_rate: Real = quantity(0.05, unit="", description="Adam step", gt=0, le=10)
    seed: Int = quantity(0, unit="", description="random seed", ge=0)
    robust_samples: Int = quantity(
        8, unit="", description="depth samples in the expected objective", ge=1, le=1024
    )
    yield_samples: Int = quantity(
        500, unit="", description="Monte Carlo samples of the yield", ge=10, le=100000
    )


@config_dataclass(label="design")
class DesignSpec(TypedConfig):
    """A whole design request (a TOML file)."""

    name: str = Field("design", min_length=1, description="label")
    target: TargetSpec = Field(description="the synapse wanted")
    constraints: Constraints = Field(description="lithography and layout")
    pulse: PulseSpec = Field(default_factory=PulseSpec, description="write pulse")
    material: MaterialSpec = Field(default_factory=MaterialSpec, description="stack")
    optimiser: OptimiserSpec = Field(default_factory=OptimiserSpec, description="optimiser")


def load_design_spec(path: str | Path) -> DesignSpec:
    """Read and validate a design TOML file (ValueError, one line naming the field)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: design target file not found")
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from None
    try:
        spec = load(DesignSpec, data)
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from None
    try:
        spec.material.material()
    except ValueError as exc:
        raise ValueError(f"{path.name}: material.{exc}") from None
    return spec
