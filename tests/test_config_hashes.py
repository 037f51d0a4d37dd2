"""The pydantic rewrite of the configs keeps every stored name and file.

A run is named by the SHA-256 of its spec's canonical JSON (``RunSpec.run_id``,
physics/experiment/spec.py) and stored as ``<run_id>.h5`` whose ``spec`` attribute holds that
JSON (physics/experiment/store.py). The run ids below were computed with the code before the
rewrite (commit 1c91caf, plain dataclasses and hand-written to_dict/from_dict); they must not
change, or every stored run would be orphaned. Likewise the compact-model artifacts (JSON
files) must be written byte for byte as before.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import h5py
import pytest

from compact.artifact import load_model
from compact.presets import paper_straight_model, paper_trapezoid_model
from physics.experiment.commands import load_run_spec
from physics.experiment.spec import RunSpec, canonical_json
from physics.experiment.sweep import load_sweep

ROOT = Path(__file__).resolve().parents[1]

#: run ids of every example / acceptance spec in the repo, before the rewrite (1c91caf)
RUN_IDS = {
    "physics/experiment/examples/demo-scaled-straight.toml": [
        "a5ac29f499880beff8e5dddd9e7a6cf4a98d341c4fa8a718c257d62d7b60afa4",
    ],
    "physics/experiment/examples/demo-scaled-trapezoid.toml": [
        "3b6b6ba4717805b6176eaad44ff821c9d6c13fd9186b50f1901eea6363ba8920",
    ],
    "physics/experiment/examples/trapezoid-ramp-sweep.toml": [
        "dea09cd3ea7f1f5016c56ab7bbcca0efcc48cc4f55b165fdd537e684623c7a91",
        "161bdf1eb951172b4810eb877f876fe947ccc003c4e3cc566ea4cf5939a095d1",
        "4adc2f60bcda705b2f7d63189d0f414910774b72c1479dd424e3d2d5b8047cf8",
        "9c19f57da8da54af60386dffc84c7482cf279d8292379d72e8bbed29f4be4ade",
    ],
    "physics/experiment/examples/trapezoid-write-reset.toml": [
        "f1d7fb771cb8b6a5e482d416341bab8b522147438763eb21540928884147284b",
    ],
    "results/experiments/acceptance/straight-notches.toml": [
        "2c4470e00f6c5484217cd5df6a85041454875e2bf095d66e82d48bf81f1ee10c",
        "be9b700c95511a8cbf05c0ac8fdc0456941a7c8faf9fc337279072aa37b48419",
        "fac1efb1114ee7e85946e033f1d3166904616ea55aa5b6e247f8902487516872",
    ],
    "results/experiments/acceptance/straight-ramp.toml": [
        "1b05e5c7c02ed25f3132485decf009fdefde1a4a8d70cedf3aaa1ee89ce21f8a",
    ],
    "results/experiments/acceptance/trapezoid-ramp-16x10.toml": [
        "c3b723f40e890826735e349c2c879706d2384c05032247f4a1a364f7c2592b98",
    ],
    "results/experiments/acceptance/trapezoid-ramp-reference-16x3.toml": [
        "5c612cce3516594435564a79225c2946453ebf49003ce18a0c79bb4c6dae5c1f",
    ],
    "results/experiments/acceptance/trapezoid-ramp.toml": [
        "08e82efeb1437121dd917d01886b03c40c543f9587fa9e62ca03861e1be0a312",
    ],
    "results/experiments/acceptance/trapezoid-write-reset-short-pulses.toml": [
        "33920183a86d5ddf0006cd61a094b1a10a69ea29d346c23f55351efb73bce9f9",
    ],
    "results/experiments/acceptance/trapezoid-write-reset.toml": [
        "0c9666764cd7fc25e3cb6aa1d6c18f4430c719fd5f2d765d55f0de56970ad491",
    ],
    "results/experiments/thermal-ramp-straight.toml": [
        "643f0961dcf1db37baa3be7928b0ddf45a589d5331b4e81e2e6c81542f1c23da",
    ],
    "results/experiments/thermal-ramp-trapezoid.toml": [
        "e10cc269681bb569f0cc328d242781836c53426db69b06ade192253fffaaa787",
    ],
    "tests/data/demo-tiny-straight.toml": [
        "3ac4552e94ccf488412e1795ed6667905912b54e16e13d6f9b5cb5d74db70e73",
    ],
    "tests/data/demo-tiny-trapezoid.toml": [
        "ed5d8ebdc641d01bc7b5a0996561afe9c3870d43c384e067fd8cc7198922fb9d",
    ],
}
SPEC_GLOBS = (
    "physics/experiment/examples/*.toml",
    "results/experiments/acceptance/*.toml",
    "results/experiments/*.toml",
    "tests/data/*.toml",
)
STORED_RUNS = sorted((ROOT / "results/experiments/runs").glob("*.h5"))

#: sha256 of json.dumps(artifact.to_dict(), indent=1) of the stored artifacts, before the
#: rewrite (a version-1 file is written back as version 2, the rest unchanged)
ARTIFACT_SHA256 = {
    "results/experiments/compact/trapezoid.json": (
        "757859a8409530cea9fe6f3bcc73739d194f9b51823e505c7f8fe03b2e2353cc"
    ),
}
#: sha256 of json.dumps(preset.to_dict() without provenance, indent=1), before the rewrite.
#: The trapezoid's changed on purpose with the Eq. 1 fix (issue 17): its descriptive
#: metaplasticity table now gives w1/w2 = V_0/V_last = 1.2/3.5 and the verdict fields; the
#: network's values (w1/w2 = 0.25, delta = 3, levels, write sigma) are unchanged.
PRESET_SHA256 = {
    "trapezoid": "a10d613ab35bb197b82e02bede96071033c27dee29a4ae187380ade14649d809",
    "straight": "31e5f7463c5607cbb9b9e9283a9c0c773d47712673ad2052cc4b8a51592b9369",
    "straight-delta3": "caa37d74ff05dd6a3a6eb5299c11482ee31a45e7f34f955073c12b364fda7458",
}


def _run_ids(path: Path) -> list[str]:
    data = tomllib.loads(path.read_text())
    if "sweep" in data or "seeds" in data:
        return [point.spec.run_id for point in load_sweep(path)]
    return [load_run_spec(path).run_id]


def test_every_spec_in_the_repo_is_pinned():
    found = {str(p.relative_to(ROOT)) for g in SPEC_GLOBS for p in ROOT.glob(g)}
    assert set(RUN_IDS) <= found, "a pinned spec file disappeared"


@pytest.mark.parametrize("name", sorted(RUN_IDS))
def test_run_ids_of_example_and_acceptance_specs_are_unchanged(name):
    assert _run_ids(ROOT / name) == RUN_IDS[name]


@pytest.mark.parametrize("path", STORED_RUNS, ids=[p.name[:12] for p in STORED_RUNS])
def test_stored_run_specs_round_trip_to_the_same_json_and_hash(path):
    with h5py.File(path, "r") as fh:
        stored, run_id = fh.attrs["spec"], fh.attrs["run_id"]
    spec = RunSpec.from_dict(json.loads(stored))
    assert canonical_json(spec.to_dict()) == stored  # byte for byte
    assert spec.run_id == run_id == path.stem


def test_stored_runs_are_the_acceptance_runs():
    pinned = {i for ids in RUN_IDS.values() for i in ids}
    assert STORED_RUNS and {p.stem for p in STORED_RUNS} <= pinned


@pytest.mark.parametrize("name", sorted(ARTIFACT_SHA256))
def test_stored_artifacts_are_written_back_unchanged(name):
    path = ROOT / name
    text = json.dumps(load_model(path).to_dict(), indent=1, allow_nan=False)
    assert hashlib.sha256(text.encode()).hexdigest() == ARTIFACT_SHA256[name]
    assert json.loads(text) == {**json.loads(path.read_text()), "schema_version": 2}


def test_preset_artifacts_are_unchanged():
    models = {
        "trapezoid": paper_trapezoid_model(),
        "straight": paper_straight_model(),
        "straight-delta3": paper_straight_model(3.0),
    }
    for name, model in models.items():
        data = model.to_dict()
        del data["provenance"]  # creation time and git commit
        text = json.dumps(data, indent=1, allow_nan=False)
        assert hashlib.sha256(text.encode()).hexdigest() == PRESET_SHA256[name], name
