"""Trustworthy run files (issue 16, problems 1, 2 and 6): a flipped byte, a partial file, a
file whose name is not the hash of its spec, transitions that disagree with the pulses, and a
corrupt batch manifest. Each test reproduces the fault first, then checks that every reader
(``dwmtj fit``, ``dwmtj plot``, ``dwmtj batch --dry-run`` and the batch itself) refuses it with
one line naming the file and the reason, that ``--force`` reads it knowingly, and that nothing
finished before the fault is lost or redone."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
from test_experiment_batch import synthetic_depinning_run, write_sweep
from test_experiment_store import make_result, make_spec

from dwmtj.cli import main
from physics.experiment import checksum
from physics.experiment.batch import MANIFEST, run_batch
from physics.experiment.commands import batch_runs
from physics.experiment.store import (
    CorruptRunError,
    UnverifiedRunWarning,
    open_run,
    read_snapshots,
    run_path,
    run_status,
    upgrade_run_file,
    write_run,
)
from physics.experiment.sweep import load_sweep


@pytest.fixture()
def batch(tmp_path):
    """A finished batch of 4 synthetic runs: (sweep TOML, output folder, sweep points)."""
    sweep = write_sweep(tmp_path / "s.toml", seeds=2)
    out = tmp_path / "runs"
    points = load_sweep(sweep)
    report = run_batch(
        points, out, run_fn=synthetic_depinning_run, executor="serial", progress=False
    )
    assert report.ok and len(report.completed) == 4
    return sweep, out, points


def flip_byte_in(path, dataset: str, byte: int = 7) -> None:
    """Flip one byte inside the stored data of ``dataset`` (the sign/exponent byte of the
    first float64), as ``dd conv=notrunc`` would."""
    with h5py.File(path, "r") as fh:
        offset = fh[dataset].id.get_offset()
    assert offset is not None  # contiguous storage: the data bytes are at this offset
    with open(path, "r+b") as handle:
        handle.seek(offset + byte)
        value = handle.read(1)[0]
        handle.seek(offset + byte)
        handle.write(bytes([value ^ 0x41]))


def digests(out, points) -> dict[str, str]:
    """run id -> SHA-256 of its run file, for the points whose file exists."""
    paths = {p.spec.run_id: run_path(out, p.spec.run_id) for p in points}
    return {i: hashlib.sha256(f.read_bytes()).hexdigest() for i, f in paths.items() if f.exists()}


def assert_nothing_lost(out, points, before: dict[str, str], faulty=()):
    """Nothing lost: every run finished before the fault (all but ``faulty``) is present,
    verifies, is skipped by a rerun of the whole batch and is byte for byte the file it was
    (``before``: :func:`digests` taken before the fault); the rerun completes exactly the
    faulty runs. Returns the rerun's report."""
    kept = [p.spec.run_id for p in points if p.spec.run_id not in faulty]
    for run_id in kept:
        open_run(run_path(out, run_id))  # raises unless complete and verified
    report = run_batch(
        points, out, run_fn=synthetic_depinning_run, executor="serial", progress=False
    )
    assert report.ok and sorted(report.skipped) == sorted(kept)
    assert sorted(report.completed) == sorted(faulty)
    after = digests(out, points)
    assert {i: after[i] for i in kept} == {i: before[i] for i in kept}  # never redone
    return report


def fit(capsys, path, tmp_path, *extra) -> tuple[int, str]:
    rc = main(["fit", str(path), "-o", str(tmp_path / "m.json"), "--n-rep", "5", *extra])
    return rc, capsys.readouterr().err


def test_byte_flip_is_detected_by_fit_plot_and_batch(batch, tmp_path, capsys):
    sweep, out, points = batch
    before = digests(out, points)
    victim = run_path(out, points[1].spec.run_id)
    flip_byte_in(victim, "transitions/voltage_V")
    # the flipped value is a plausible float: only the checksum catches it
    with h5py.File(victim, "r") as fh:
        assert np.isfinite(fh["transitions/voltage_V"][0])
    assert run_status(victim).startswith("corrupt") and "checksum" in run_status(victim)
    rc, err = fit(capsys, victim, tmp_path)
    assert rc == 2 and not (tmp_path / "m.json").exists()
    assert err.count("\n") == 1 and victim.name in err and "checksum mismatch" in err
    assert "--force" in err and "Traceback" not in err
    rc = main(["plot", str(victim), "--out", str(tmp_path / "fig")])
    err = capsys.readouterr().err
    assert rc == 2 and "checksum mismatch" in err and err.count("\n") == 1
    # batch --dry-run lists it as corrupt, and the batch redoes it (and only it)
    plan = {r.run_id: r.status for r in batch_runs(sweep, out, dry_run=True)}
    assert plan[points[1].spec.run_id].startswith("corrupt")
    assert sum(s == "complete" for s in plan.values()) == 3
    again = assert_nothing_lost(out, points, before, faulty=[points[1].spec.run_id])
    assert list(again.redone) == [points[1].spec.run_id]
    assert run_status(victim) == "complete"
    assert victim.with_name(victim.name + ".corrupt").exists()


def test_a_flip_in_each_readout_and_the_pulse_table_is_caught(batch):
    _, out, points = batch
    before = digests(out, points)
    for k, name in enumerate(("readout/position", "readout/resistance", "pulses/voltage")):
        path = run_path(out, points[k].spec.run_id)
        flip_byte_in(path, name, byte=3)
        with pytest.raises(CorruptRunError, match="checksum mismatch"):
            open_run(path)
    assert_nothing_lost(out, points, before, faulty=[p.spec.run_id for p in points[:3]])


def test_transitions_that_disagree_with_the_pulses_are_refused(batch):
    """A file re-stamped after its transitions were changed (a consistent checksum: a writer
    bug or a deliberate edit) is refused by the cross-field invariant."""
    _, out, points = batch
    before = digests(out, points)
    path = run_path(out, points[0].spec.run_id)
    with h5py.File(path, "a") as fh:
        fh["transitions/voltage_V"][0] = 9.8e23
        checksum.stamp(fh, data_excluded=("snapshots/m",))
    with pytest.raises(CorruptRunError, match="transitions/voltage_V does not match"):
        open_run(path)
    with h5py.File(path, "a") as fh:  # the pulse table against the spec's protocol
        fh["transitions/voltage_V"][0] = fh["pulses/voltage"][0]
        fh["pulses/voltage"][1] = 5.0
        checksum.stamp(fh, data_excluded=("snapshots/m",))
    assert "pulses/voltage does not match" in run_status(path)
    assert_nothing_lost(out, points, before, faulty=[points[0].spec.run_id])


def test_partial_file_is_refused_by_fit_and_read_with_force(batch, tmp_path, capsys):
    _, out, points = batch
    before = digests(out, points)
    path = run_path(out, points[0].spec.run_id)
    with h5py.File(path, "a") as fh:
        fh.attrs["complete"] = False
    rc, err = fit(capsys, path, tmp_path)
    assert rc == 2 and "no 'complete' marker" in err and path.name in err
    assert not (tmp_path / "m.json").exists()
    with pytest.warns(UnverifiedRunWarning, match="complete"):
        record = open_run(path, force=True)
    assert record.problems and record.readouts["resistance"].shape == (4, 12)
    rc, err = fit(capsys, path, tmp_path, "--force")  # the CLI shows the warning in one line
    assert rc == 0 and (tmp_path / "m.json").exists()
    assert f"dwmtj fit: warning: {path}" in err and "complete" in err
    assert_nothing_lost(out, points, before, faulty=[points[0].spec.run_id])


def test_hash_mismatch_is_refused_by_fit_and_read_with_force(batch, tmp_path, capsys):
    _, out, points = batch
    before = digests(out, points)
    path = run_path(out, points[0].spec.run_id)
    renamed = path.rename(run_path(out, "ab" * 32))
    rc, err = fit(capsys, renamed, tmp_path)
    assert rc == 2 and "not the hash of its spec" in err and renamed.name in err
    rc, err = fit(capsys, renamed, tmp_path, "--force")
    assert rc == 0 and f"dwmtj fit: warning: {renamed}" in err and "hash" in err
    rc = main(["plot", str(renamed), "--out", str(tmp_path / "fig")])
    assert rc == 2 and "not the hash" in capsys.readouterr().err
    rc = main(["plot", str(renamed), "--out", str(tmp_path / "fig"), "--force"])
    assert rc == 0 and list((tmp_path / "fig").glob("*.png"))
    assert "dwmtj plot: warning:" in capsys.readouterr().err
    assert_nothing_lost(out, points, before, faulty=[points[0].spec.run_id])
    assert renamed.exists()  # the misnamed file is left for its owner, not deleted


def test_schema_1_files_are_refused_with_a_way_out(batch):
    _, out, points = batch
    before = digests(out, points)
    path = run_path(out, points[0].spec.run_id)
    with h5py.File(path, "a") as fh:  # what a file written before checksums looks like
        fh.attrs["schema_version"] = 1
        del fh.attrs[checksum.CHECKSUM_ATTR]
    with pytest.raises(CorruptRunError, match="schema version 1.*--force"):
        open_run(path)
    upgrade_run_file(path)
    assert run_status(path) == "complete"
    with h5py.File(path, "r") as fh:
        assert json.loads(fh.attrs["upgraded"])["from_schema_version"] == 1
    before.update(digests(out, points[:1]))  # the upgraded file: kept, not redone
    assert_nothing_lost(out, points, before)


def test_corrupt_manifest_is_kept_and_rebuilt(batch):
    """Nothing lost: a manifest that cannot be parsed is kept (never overwriting an earlier
    .corrupt), rebuilt from the run files with every record and its swept values, and no
    run is redone."""
    _, out, points = batch
    files_before = digests(out, points)
    manifest = out / MANIFEST
    before = json.loads(manifest.read_text())["runs"]
    assert len(before) == 4
    (out / f"{MANIFEST}.corrupt").write_text("an earlier one")
    manifest.write_text('{"runs": {"trunc')
    with pytest.warns(UserWarning, match="rebuilt from 4 run file"):
        report = run_batch(
            points[:1], out, run_fn=synthetic_depinning_run, executor="serial", progress=False
        )
    assert report.manifest_kept == out / f"{MANIFEST}.corrupt.1"
    assert report.manifest_kept.read_text() == '{"runs": {"trunc'
    assert (out / f"{MANIFEST}.corrupt").read_text() == "an earlier one"
    assert report.skipped == [points[0].spec.run_id] and not report.completed
    after = json.loads(manifest.read_text())["runs"]
    assert after == json.loads(json.dumps(before))  # every record, swept values included
    for point in points:
        assert open_run(run_path(out, point.spec.run_id)).params == json.loads(
            json.dumps(point.params)
        )
    assert_nothing_lost(out, points, files_before)  # the whole sweep, rebuilt manifest


def test_transitions_only_files_carry_a_checksum(tmp_path):
    from compact.observations import read_run_hdf5
    from physics.experiment.transitions import TransitionArrays, write_transitions_file

    v = np.tile(np.linspace(0.1, 0.5, 5), 3)
    states = np.tile([0, 1, 1, 2, 2], (2, 3))
    arrays = TransitionArrays(v, states, 1000.0 - 10 * states, 5e-9, 300.0)
    path = write_transitions_file(tmp_path / "t.h5", arrays)
    assert len(read_run_hdf5(path)) == 30
    shutil.copy(path, tmp_path / "u.h5")
    flip_byte_in(tmp_path / "u.h5", "transitions/voltage_V")
    with pytest.raises(CorruptRunError, match="checksum mismatch"):
        read_run_hdf5(tmp_path / "u.h5")


def test_a_flip_in_the_snapshots_is_caught_by_their_fletcher32(tmp_path):
    """The snapshots' data are left out of the content digest (they are large); HDF5's
    per-chunk Fletcher32 checksum catches a flipped byte when the chunk is read."""
    spec = make_spec(snapshots=True)
    path = write_run(tmp_path, spec, make_result(spec, snapshots=True))
    with h5py.File(path, "r") as fh:
        chunk = fh["snapshots/m"].id.get_chunk_info(0)
    with open(path, "r+b") as handle:
        handle.seek(chunk.byte_offset + chunk.size // 2)
        value = handle.read(1)[0]
        handle.seek(chunk.byte_offset + chunk.size // 2)
        handle.write(bytes([value ^ 0x41]))
    assert run_status(path) == "complete"  # the readouts are intact and verify
    with pytest.raises(CorruptRunError, match="damaged snapshots"):
        read_snapshots(path)


REPO = Path(__file__).resolve().parents[1]
#: The modules that may open HDF5 files themselves: the run-file store and its checksum and
#: transitions helpers, and the stream's own result file (not a run file).
HDF5_OPENERS = {
    "physics/experiment/store.py",
    "physics/experiment/checksum.py",
    "physics/experiment/transitions.py",
    "nn/stream.py",
}


def test_every_reader_goes_through_open_run():
    """fit, plot, batch, the demo and the notebooks read run files only through the store
    (``open_run`` and the readers built on it): no other module, and no notebook code cell,
    opens an HDF5 file itself."""
    opened = re.compile(r"h5py\.File\(|import h5py|from h5py")
    sources = [
        p
        for folder in ("compact", "dwmtj", "nn", "physics", "geometries", "paperstyle")
        for p in (REPO / folder).rglob("*.py")
    ]
    direct = {
        str(p.relative_to(REPO)) for p in sources if opened.search(p.read_text(encoding="utf-8"))
    }
    assert direct == HDF5_OPENERS
    for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert not opened.search(code), notebook.name
