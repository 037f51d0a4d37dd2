"""Issue 16, problems 4 and 5: NaN in every class of input, wrong units and absurd magnitudes.

Each reproduction first: a geometry with ``width = 50`` (metres meant as nm) and a run spec
with ``pulse.width = 50`` ended in a MemoryError (186 GiB / 364 TiB); ``calculator.dt =
1e-9`` s, T = 1e9 K and ``v_stop = 300`` V were stored as complete runs; in CSV cycles
``width = 50``, a misspelt ``pulse_width`` column (silently replaced by the default), volts
given in mV and negative resistances were accepted. Each must now fail at validation, before
any work, with one line naming the field, the value, its unit and the plausible range, and
each range can be widened deliberately.
"""

from __future__ import annotations

import copy
import csv
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest

import geometries.validation as validation
from compact.artifact import model_from_dict
from compact.observations import read_cycles_csv
from compact.presets import paper_trapezoid_model
from geometries.mtj import MTJFootprint
from geometries.notches import NotchSpec
from geometries.presets import load_preset, read_geometry_file
from geometries.roughness import EdgeRoughness
from geometries.track import Track
from geometries.validation import RANGE_ENV, allow_out_of_range
from physics.experiment.limits import max_time_step
from physics.experiment.protocols import Protocol, PulseShape, VoltageRamp
from physics.experiment.spec import RunSpec
from physics.materials import Material
from physics.pulses import TrapezoidalPulse

DATA = Path(__file__).parent / "data"
EXAMPLES = Path(__file__).parents[1] / "physics" / "experiment" / "examples"
TINY = tomllib.loads((DATA / "demo-tiny-straight.toml").read_text())


def tiny(**changes) -> dict:
    """The tiny straight-track spec (4 nm cells, dt = 1e-13 s) with nested changes."""
    data = copy.deepcopy(TINY)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = data
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return data


def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


@pytest.fixture(autouse=True)
def _no_widening(monkeypatch):
    monkeypatch.delenv(RANGE_ENV, raising=False)


# ------------------------------------------------------------------ wrong units (problem 5)
def test_geometry_width_in_nm_read_as_metres_is_refused_not_a_memory_error(tmp_path):
    geometry = tmp_path / "wide.toml"
    geometry.write_text('kind = "straight"\nwidth = 50\nlength = 300e-9\n')
    with pytest.raises(ValueError) as exc:
        read_geometry_file(geometry)
    text = one_line(exc)
    assert text.startswith("wide.toml: width: 50 m is outside the typical range")
    assert "expected metres" in text and f"{RANGE_ENV}=track.width" in text
    with pytest.raises(ValueError, match=r"^geometry\.width: 50 m .*expected metres"):
        RunSpec.from_dict(tiny(geometry={"preset": "scaled-straight", "width": 50}))


def test_pulse_width_in_ns_read_as_seconds_is_refused():
    with pytest.raises(ValueError) as exc:
        RunSpec.from_dict(tiny(protocol__pulse={"width": 50, "rise": 5e-11, "fall": 5e-11}))
    text = one_line(exc)
    assert text.startswith("protocol.ramp.pulse.width: 50 s is outside the typical range")
    assert "1e-12..1e-05 s" in text and "expected seconds" in text


@pytest.mark.parametrize(
    ("changes", "start"),
    [
        ({"protocol__temperature": 1e9}, "protocol.temperature: 1e+09 K"),
        ({"protocol__v_stop": 300.0}, "protocol.ramp.v_stop: 300 V"),
        ({"protocol__bias_field": -4.0}, "protocol.ramp.bias_field: -4 T"),  # mT meant
        ({"cell": [4e-9, 4e-9, 1.0]}, "cell: 1 m"),
        ({"material": {"preset": "ta-cofeb-mgo", "Ms": 1.1}}, "material.Ms: 1.1 A/m"),
        ({"protocol__settle_time": 20.0}, "protocol.ramp.settle_time: 20 s"),
        ({"readout": {"capture_distance": 12.0}}, "readout.capture_distance: 12 m"),
    ],
)
def test_absurd_magnitudes_in_a_run_spec_are_refused(changes, start):
    with pytest.raises(ValueError) as exc:
        RunSpec.from_dict(tiny(**changes))
    text = one_line(exc)
    assert text.startswith(start) and "outside the typical range" in text, text


def test_ranges_widen_deliberately_by_environment_or_context(monkeypatch):
    wide = {"kind": "straight", "width": 2e-4, "length": 1e-3}
    with pytest.raises(ValueError, match="track.width"):
        Track.from_dict(wide)
    with allow_out_of_range("track.width"):
        assert Track.from_dict(wide).w1 == 2e-4
    with pytest.raises(ValueError):  # the context has ended
        Track.from_dict(wide)
    monkeypatch.setenv(RANGE_ENV, "pulse.width, track.width")
    assert Track.from_dict(wide).w1 == 2e-4
    assert PulseShape(width=1e-3).width == 1e-3
    with pytest.raises(ValueError, match="protocol.temperature"):
        Protocol.from_dict({"kind": "voltage_ramp", "v_start": 0.1, "v_stop": 0.1, "n_steps": 1,
                            "temperature": 5e3})  # fmt: skip
    monkeypatch.setenv(RANGE_ENV, "all")
    assert (
        Protocol.from_dict(
            {
                "kind": "voltage_ramp",
                "v_start": 0.1,
                "v_stop": 0.1,
                "n_steps": 1,
                "temperature": 5e3,
            }
        ).temperature
        == 5e3
    )
    # hard bounds and finiteness are never widened
    with pytest.raises(ValueError, match="width: must be positive"):
        Track.from_dict({"kind": "straight", "width": -1.0, "length": 1e-6})
    with pytest.raises(ValueError, match="must be finite"):
        PulseShape(width=math.inf)


# --------------------------------------------------------------------- time step (problem 5)
def test_dt_above_the_stability_limit_is_refused_before_any_run():
    with pytest.raises(ValueError) as exc:
        RunSpec.from_dict(tiny(calculator={"name": "jax", "dt": 1e-9}))
    text = one_line(exc)
    assert text.startswith("calculator.dt: 1e-09 s is above the stability limit")
    # the thermal-dt study: 1.6e-13 s is validated on 4 nm cells, wrong on 2 nm cells
    ok = RunSpec.from_dict(tiny(calculator={"name": "jax", "dt": 1.6e-13}))
    assert ok.calculator["dt"] == 1.6e-13
    with pytest.raises(ValueError, match="stability limit .* 2 x 2 nm cells"):
        RunSpec.from_dict(tiny(cell=[2e-9, 2e-9], calculator={"name": "jax", "dt": 1.6e-13}))
    assert RunSpec.from_dict(tiny(cell=[2e-9, 2e-9], calculator={"name": "jax", "dt": 4e-14}))
    # the limit scales with the cell area (exchange)
    material = Material()
    assert 2e-13 < max_time_step(material, (4e-9, 4e-9)) < 2.2e-13
    assert max_time_step(material, (2e-9, 2e-9)) < 8e-14
    # the step must resolve the pulse edges
    with pytest.raises(ValueError, match="does not resolve the pulse rise"):
        RunSpec.from_dict(tiny(protocol__pulse={"width": 1.5e-9, "rise": 5e-13, "fall": 5e-11}))
    for value in (math.inf, math.nan, -1e-13, "1e-13"):
        with pytest.raises(ValueError, match="calculator.dt: must be a positive, finite time"):
            RunSpec.from_dict(tiny(calculator={"name": "jax", "dt": value}))


def test_oommf_thermal_step_is_checked_too():
    with pytest.raises(ValueError, match="calculator.thermal_timestep: 1e-12 s is above"):
        RunSpec.from_dict(tiny(calculator={"name": "oommf", "thermal_timestep": 1e-12}))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")) + sorted(DATA.glob("*.toml")))
def test_every_example_spec_passes_the_new_checks(path):
    data = tomllib.loads(path.read_text())
    RunSpec.from_dict(data.get("run", data))


# ------------------------------------------------------------------------------- memory
def test_memory_is_estimated_before_a_grid_is_allocated(monkeypatch):
    monkeypatch.setattr(validation, "memory_bytes", lambda available=True: 2**20)  # 1 MiB
    with pytest.raises(ValueError) as exc:
        RunSpec.from_dict(tiny(n_realisations=64, snapshots=True))
    text = one_line(exc)
    assert text.startswith("the run (30 x 13 cells x 64 realisations, 2 snapshots): needs about")
    assert "GiB, more than the 0.000977 GiB of memory installed" in text
    # a track widened deliberately to 10 cm, meshed at 2 nm: refused before the mask exists
    with allow_out_of_range():
        track = Track.straight(width=0.1, length=0.1)
        with pytest.raises(ValueError, match=r"cell mask of the track: needs about [\d.e+]+ GiB"):
            track.mask(2e-9, 2e-9, check=False)


def test_simulate_checks_the_available_memory_before_allocating(monkeypatch):
    from physics.experiment import simulate as simulate_module

    spec = RunSpec.from_dict(tiny())
    monkeypatch.setattr(
        validation, "memory_bytes", lambda available=True: 2**16 if available else 2**40
    )
    called = []
    monkeypatch.setattr(simulate_module, "unit_current", lambda *a: called.append(a))
    with pytest.raises(ValueError, match="memory available on this machine"):
        simulate_module.simulate(spec)
    assert not called


# ------------------------------------------------------------ NaN in each class (problem 4)
NAN_CASES = [
    (lambda v: Track.straight(width=v, length=1e-6), "width: must be finite"),
    (lambda v: Track.trapezoid(25e-9, 100e-9, v), "length: must be finite"),
    (lambda v: NotchSpec(depth=v, width=12e-9, count=1, span=(1e-7, 1e-7)), "depth"),
    (lambda v: EdgeRoughness(amplitude=v, correlation_length=1e-8), "amplitude: must be finite"),
    (lambda v: MTJFootprint(x0=v, x1=1e-7, y0=-1e-8, y1=1e-8), "x0: must be finite"),
    (lambda v: Material(alpha=v), "alpha: must be finite"),
    (lambda v: TrapezoidalPulse(amplitude=v), "amplitude: must be finite"),
    (lambda v: PulseShape(rise=v), "rise: must be finite"),
    (lambda v: VoltageRamp(v_start=v, v_stop=0.1, n_steps=2), "v_start: must be finite"),
    (
        lambda v: Protocol(ramps=(VoltageRamp(0.1, 0.1, 1),), temperature=v),
        "temperature: must be finite",
    ),
    (lambda v: RunSpec.from_dict(tiny(cell=[4e-9, v])), "cell[1]: must be finite"),
    (lambda v: RunSpec.from_dict(tiny(calculator__relax_time=v)), "calculator.relax_time"),
    (lambda v: RunSpec.from_dict(tiny(readout={"capture_distance": v})), "capture_distance"),
]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize(("build", "field"), NAN_CASES)
def test_nan_and_inf_are_refused_in_every_config_class(build, field, value):
    with pytest.raises(ValueError) as exc:
        build(value)
    assert field in one_line(exc)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("network", "write_sigma_S"), math.nan, "network.write_sigma_S: must be a finite"),
        (("conductance", "resistance_mean_ohm", 0), math.nan, "resistance_mean_ohm[0]"),
        (("conductance", "resistance_mean_ohm", 1), -900.0, "resistance_mean_ohm[1]"),
        (("conductance", "resistance_sigma_ohm", 1), math.inf, "resistance_sigma_ohm[1]"),
        (("reference_conditions", "pulse_width_s"), 50.0, "pulse_width_s: 50 s is outside"),
        (("transition_model", "reach_rate_per_s"), math.nan, "reach_rate_per_s"),
    ],
)
def test_artifact_numbers_are_checked_on_load(path, value, field):
    data = paper_trapezoid_model().to_dict()
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ValueError) as exc:
        model_from_dict(data)
    assert field in one_line(exc)


# ------------------------------------------------------------------------ CSV (problem 5)
LEVELS = np.array([1061.0, 1043.3, 989.0, 929.5, 913.1])  # ohm, paper straight device


def write_cycles(path: Path, header: list[str], **columns: np.ndarray) -> Path:
    """A cycles CSV: 20 cycles of a 0.1..4.5 V ramp over the five levels (state rises with
    V), with the given columns (defaults: cycle, pulse, voltage_V, resistance_ohm)."""
    rng = np.random.default_rng(0)
    v = np.round(np.arange(0.1, 4.51, 0.1), 10)
    n_c = 20
    state = np.minimum((v[None, :] + rng.uniform(0, 1, (n_c, 1))).astype(int), 4)
    base = {
        "cycle": np.repeat(np.arange(n_c), v.size),
        "pulse": np.tile(np.arange(v.size), n_c),
        "voltage_V": np.tile(v, n_c),
        "resistance_ohm": (LEVELS[state] + 0.5 * rng.standard_normal(state.shape)).ravel(),
    }
    base["V"], base["R"] = base["voltage_V"], base["resistance_ohm"]
    for name in header:
        if name not in base:
            base[name] = np.full(base["cycle"].size, 50e-9)
    base.update(columns)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for k in range(base["cycle"].size):
            writer.writerow([base[name][k] for name in header])
    return path


REQUIRED = ["cycle", "pulse", "voltage_V", "resistance_ohm"]


def test_csv_columns_by_name_with_units_and_defaults_with_a_note(tmp_path):
    notes: list[str] = []
    table, levels = read_cycles_csv(
        write_cycles(tmp_path / "c.csv", [*REQUIRED, "pulse_width_s"]), notes=notes.append
    )
    assert levels.n_levels == 5 and np.all(table.pulse_width_s == 50e-9)
    assert notes == [
        "c.csv: no temperature_K column; every pulse taken at 300 K (the paper's protocol)",
        "c.csv: no bias_field_T column; every pulse taken at 0 T (the paper's protocol)",
    ]
    # the short names of earlier versions: read, each with a note
    notes.clear()
    read_cycles_csv(
        write_cycles(tmp_path / "old.csv", ["cycle", "pulse", "V", "R"]), notes=notes.append
    )
    assert "old.csv: column 'V' read as voltage_V (V); rename it" in notes
    assert "old.csv: column 'R' read as resistance_ohm (ohm); rename it" in notes
    assert any("no pulse_width_s column; every pulse taken at 5e-08 s" in n for n in notes)


def test_csv_misspelt_column_is_an_error_not_a_default(tmp_path):
    path = write_cycles(tmp_path / "c.csv", [*REQUIRED, "pulse_width"])
    with pytest.raises(ValueError) as exc:
        read_cycles_csv(path, notes=lambda _: None)
    assert "unknown column 'pulse_width' (columns: required cycle, pulse, voltage_V" in one_line(
        exc
    )
    path = write_cycles(tmp_path / "d.csv", [*REQUIRED, "V"])
    with pytest.raises(ValueError, match="column 'voltage_V' given twice"):
        read_cycles_csv(path, notes=lambda _: None)


def test_csv_wrong_units_and_negative_resistances_are_refused(tmp_path, monkeypatch):
    n = 20 * 45
    cases = [
        ({"pulse_width_s": np.full(n, 50.0)}, "pulse_width_s: row 2: 50 s is outside"),
        (
            {"voltage_V": np.tile(np.arange(100, 4501, 100.0), 20)},
            "voltage_V: row 2: 100 V is outside",
        ),
        ({"resistance_ohm": -np.tile(LEVELS, 180)}, "resistance_ohm: row 2: -1061 ohm; resis"),
        ({"resistance_ohm": np.full(n, math.nan)}, "resistance_ohm: row 2: 'nan' is not finite"),
        ({"temperature_K": np.full(n, 1e9)}, "temperature_K: row 2: 1e+09 K is outside"),
    ]
    for columns, message in cases:
        header = [*REQUIRED, *(c for c in columns if c not in REQUIRED)]
        path = write_cycles(tmp_path / "c.csv", header, **columns)
        with pytest.raises(ValueError) as exc:
            read_cycles_csv(path, notes=lambda _: None)
        assert message in one_line(exc), one_line(exc)
    # mV read as V: refused, with the way to accept it on purpose
    mv = {"voltage_V": np.tile(np.arange(100, 4501, 100.0), 20)}
    path = write_cycles(tmp_path / "mv.csv", REQUIRED, **mv)
    with pytest.raises(ValueError, match=f"expected volts; set {RANGE_ENV}=csv.voltage_V"):
        read_cycles_csv(path, notes=lambda _: None)
    monkeypatch.setenv(RANGE_ENV, "csv.voltage_V")
    assert read_cycles_csv(path, notes=lambda _: None)[1].n_levels == 5


def test_every_preset_geometry_is_in_range():
    from geometries.presets import list_presets

    for name in list_presets():
        load_preset(name)
