"""HDF5 run store: round trip, atomic write, corruption detection, compact observation form."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from physics.experiment.protocols import PulseShape, voltage_ramp_protocol, write_reset_protocol
from physics.experiment.spec import RunSpec
from physics.experiment.store import (
    CorruptRunError,
    RunResult,
    check_run_file,
    read_run,
    read_run_transitions,
    read_snapshots,
    run_path,
    run_status,
    write_run,
)
from physics.experiment.transitions import transitions_arrays

SHORT_PULSE = PulseShape(3e-9, 0.5e-9, 0.5e-9)


def make_spec(**changes) -> RunSpec:
    data = {
        "geometry": "scaled-trapezoid",
        "protocol": voltage_ramp_protocol(
            0.2, 1.0, 5, n_cycles=2, pulse=SHORT_PULSE, settle_time=2e-9
        ).to_dict(),
        "n_realisations": 3,
        "seed": 7,
    }
    data.update(changes)
    return RunSpec.from_dict(data)


def synthetic_m(spec: RunSpec, positions: np.ndarray) -> np.ndarray:
    """Sharp walls (up behind, down ahead) at ``positions`` (m), shape (..., nx, ny, 1, 3)."""
    geo = spec.readout_geometry()
    nx, ny = geo.mask.shape
    x = geo.x0 + (np.arange(nx) + 0.5) * geo.dx
    mz = np.tanh((positions[..., None] - x) / 4e-9)
    m = np.zeros((*positions.shape, nx, ny, 1, 3))
    m[..., 2] = mz[..., None, None]
    m[..., 0] = np.sqrt(1 - mz**2)[..., None, None]
    return m


def make_result(spec: RunSpec, snapshots: bool = False) -> RunResult:
    """Walls advancing notch by notch: realisation r is at notch min(pulse, 4) - r."""
    geo = spec.readout_geometry()
    n_r, n_p = spec.n_realisations, spec.protocol.n_pulses
    idx = np.clip(np.arange(n_p)[None, :] % 5 - np.arange(n_r)[:, None], 0, 4)
    pos = geo.notch_centres[idx]
    m = synthetic_m(spec, pos)
    readouts = geo(m).as_dict()
    return RunResult(
        readouts=readouts,
        time_table={"t": np.linspace(0, 1e-8, 4), "mz": np.zeros((n_r, 4))},
        snapshots=m.astype(np.float32) if snapshots else None,
        provenance={"calculator": "synthetic (tests)"},
    )


def test_spec_hash_is_stable_and_validation_names_fields():
    a, b = make_spec(), make_spec()
    assert a.run_id == b.run_id and len(a.run_id) == 64
    assert make_spec(seed=8).run_id != a.run_id
    assert RunSpec.from_dict(json.loads(json.dumps(a.to_dict()))).run_id == a.run_id
    proto = voltage_ramp_protocol(0.2, 1.0, 5, pulse=SHORT_PULSE, settle_time=2e-9).to_dict()
    bad = [
        ({"geometry": "no-such-track"}, "geometry.preset"),
        ({"material": "unobtainium"}, "material.preset"),
        ({"material": {"preset": "ta-cofeb-mgo", "alpha": -1}}, "material.alpha"),
        (
            {"geometry": {"preset": "scaled-trapezoid", "notches": {"depth": -1e-9}}},
            "geometry.notches.depth",
        ),
        ({"cell": [20e-9, 20e-9]}, "cell"),
        ({"n_realisations": 0}, "n_realisations"),
        ({"calculator": "mumax"}, "calculator.name"),
        ({"protocol": {**proto, "temperature": -3.0}}, "protocol.temperature"),
        ({"protocol": {**proto, "initial_wall": {"at": 9}}}, "protocol.initial_wall.at"),
        ({"wibble": 1}, "wibble"),
    ]
    for change, field in bad:
        with pytest.raises(ValueError, match=field):
            make_spec(**change)


def test_round_trip_without_loading_snapshots(tmp_path):
    spec = make_spec(snapshots=True)
    result = make_result(spec, snapshots=True)
    path = write_run(tmp_path, spec, result)
    assert path == run_path(tmp_path, spec.run_id) and run_status(path) == "complete"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left
    rec = read_run(path)
    assert rec.spec == spec and rec.has_snapshots
    for name, value in result.readouts.items():
        np.testing.assert_array_equal(rec.readouts[name], value)
    assert rec.readouts["resistance"].shape == (3, 10)
    np.testing.assert_allclose(rec.pulses["voltage"], np.tile(np.linspace(0.2, 1.0, 5), 2))
    assert rec.provenance["calculator"] == "synthetic (tests)"
    assert "numpy" in rec.provenance["software"]
    snap = read_snapshots(path, realisation=1, pulse=slice(2, 4))
    np.testing.assert_array_equal(snap, result.snapshots[1, 2:4])
    # readouts of the synthetic walls: notch index as constructed, R falls notch by notch
    idx = np.clip(np.arange(10)[None, :] % 5 - np.arange(3)[:, None], 0, 4)
    np.testing.assert_array_equal(rec.readouts["notch"], idx)


def test_mismatched_result_is_refused(tmp_path):
    spec = make_spec()
    result = make_result(spec)
    result.readouts["position"] = result.readouts["position"][:, :-1]
    with pytest.raises(ValueError, match="readouts.position"):
        write_run(tmp_path, spec, result)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("damage", ["truncate", "no_marker", "schema", "renamed", "garbage"])
def test_corrupt_files_are_detected(tmp_path, damage):
    spec = make_spec()
    path = write_run(tmp_path, spec, make_result(spec, snapshots=True))
    if damage == "truncate":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif damage == "no_marker":
        with h5py.File(path, "a") as fh:
            del fh.attrs["complete"]
    elif damage == "schema":
        with h5py.File(path, "a") as fh:
            fh.attrs["schema_version"] = 99
    elif damage == "renamed":
        path = path.rename(run_path(tmp_path, "0" * 64))
    else:
        path.write_bytes(b"not an HDF5 file at all")
    assert run_status(path).startswith("corrupt")
    with pytest.raises(CorruptRunError):
        check_run_file(path)
    with pytest.raises(CorruptRunError):
        read_run(path)


def test_compact_observation_form(tmp_path):
    from compact.observations import read_run_hdf5

    spec = make_spec()
    result = make_result(spec)
    path = write_run(tmp_path, spec, result)
    table = read_run_hdf5(path)
    # re-initialised every cycle: 3 realisations x 2 cycles = 6 cycles of 5 pulses
    assert table.n_cycles == 6 and len(table) == 30
    # states: 0 = IN end, k + 1 = notch k, 6 = CLK end -> 7 states
    assert table.n_states == 7
    idx = np.clip(np.arange(10)[None, :] % 5 - np.arange(3)[:, None], 0, 4)
    np.testing.assert_array_equal(table.end_notch, (idx + 1).reshape(-1))
    np.testing.assert_allclose(table.voltage_V, np.tile(np.linspace(0.2, 1.0, 5), 6))
    assert np.all(table.start_notch[::5] == 0)  # every cycle starts at the IN end
    # a write/reset protocol without re-initialisation keeps the cycles of a realisation
    wr = make_spec(
        protocol=write_reset_protocol(
            (0.2, 1.0), 3, (-0.2, -1.0), 2, n_cycles=2, pulse=SHORT_PULSE, settle_time=2e-9
        ).to_dict()
    )
    arrays = transitions_arrays(wr, make_result(wr).readouts)
    assert arrays.notch_index.shape == (3, 10)
    # a wall between notches goes to the nearest state
    spec_readouts = {
        "position": np.array([[10e-9, 80e-9, 299e-9]]),
        "notch": np.array([[-1, -1, -1]]),
        "resistance": np.ones((1, 3)),
    }
    one = make_spec(
        n_realisations=1,
        protocol=voltage_ramp_protocol(0.2, 1.0, 3, pulse=SHORT_PULSE, settle_time=2e-9).to_dict(),
    )
    np.testing.assert_array_equal(
        transitions_arrays(one, spec_readouts).notch_index, [[0, 1, 6]]
    )  # 80 nm: nearer notch 0 (60 nm) than 1 (105)


def test_one_reader_gives_transitions_and_initial_readings(tmp_path):
    """read_run_transitions (what compact reads run files with) returns the /transitions
    group and, from the run record, the readings before each cycle."""
    spec = make_spec()
    result = make_result(spec)
    geo = spec.readout_geometry()
    at_notch_1 = np.full((spec.n_realisations, spec.protocol.n_cycles), geo.notch_centres[1])
    result.initial = geo(synthetic_m(spec, at_notch_1)).as_dict()
    path = write_run(tmp_path, spec, result)
    run = read_run_transitions(path)
    assert run.arrays.notch_index.shape == (6, 5)
    np.testing.assert_array_equal(run.initial_state, np.full(6, 2))  # notch 1 = state 2
    np.testing.assert_allclose(run.initial_resistance_ohm, np.ravel(result.initial["resistance"]))
    with h5py.File(path, "r") as fh:  # the group carries its producer's schema
        assert fh["transitions"].attrs["schema"] == "dwmtj.run.transitions"
