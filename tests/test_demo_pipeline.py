"""``dwmtj demo`` end to end on a test-sized configuration, stage reuse, and option checks.

The tiny configuration: two one-notch tracks (tests/data/demo-tiny-*.toml, 2 realisations x
2 pulses each, ~400 cells), a 1-subset x 1-epoch stream of 200 images validated on 200 test
images, inference on 100 CIFAR test images at 2 bits. About 2 CPU-minutes on 2 idle cores,
most of it JAX compilation.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
import pytest

import dwmtj
from dwmtj.pipeline.config import build_config
from dwmtj.pipeline.manifest import STAGES
from dwmtj.pipeline.run import stage_keys
from dwmtj.pipeline.stages import run_specs

DATA = Path(__file__).parent / "data"
TINY = [
    "--trapezoid-spec",
    str(DATA / "demo-tiny-trapezoid.toml"),
    "--straight-spec",
    str(DATA / "demo-tiny-straight.toml"),
    "--workers",
    "1",
    "--fit-n-rep",
    "10",
    "--stream-subsets",
    "1",
    "--stream-epochs",
    "1",
    "--stream-subset-size",
    "200",
    "--stream-test-images",
    "200",
    "--infer-bits",
    "2",
    "--infer-noise-factors",
    "0,1",
    "--infer-draws",
    "2",
    "--infer-test-images",
    "100",
]


def _tiny_config(**overrides: object):
    base = dict(
        trapezoid_spec=DATA / "demo-tiny-trapezoid.toml",
        straight_spec=DATA / "demo-tiny-straight.toml",
        workers=1,
        fit_n_rep=10,
        stream_subsets=1,
        stream_epochs=1,
        stream_subset_size=200,
        stream_test_images=200,
        infer_bits=(2,),
        infer_noise_factors=(0.0, 1.0),
        infer_draws=2,
        infer_test_images=100,
    )
    return build_config("small", **{**base, **overrides})


# ------------------------------------------------------------------ no work: options, keys
@pytest.mark.parametrize(
    "option, value, named",
    [
        ("--realisations", "0", "--realisations"),
        ("--pulses", "-1", "--pulses"),
        ("--stream-subsets", "400", "--stream-subsets"),  # 400 x 200 > 60000 images
        ("--stream-subset-size", "150", "--stream-subset-size"),  # not a multiple of the batch
        ("--stream-test-images", "20000", "--stream-test-images"),
        ("--infer-bits", "0", "--infer-bits"),
        ("--trapezoid-spec", "no-such-file.toml", "--trapezoid-spec"),
        ("--workers", "0", "--workers"),
    ],
)
def test_bad_option_fails_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture, option: str, value: str, named: str
) -> None:
    out = tmp_path / "demo"
    assert dwmtj.main(["demo", "--out", str(out), *TINY, option, value]) == 2
    err = capsys.readouterr().err
    assert named in err, err
    assert not out.exists()  # nothing was written: validation comes first


def test_a_bad_spec_value_is_named_with_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        (DATA / "demo-tiny-straight.toml").read_text().replace("n_steps = 2", "n_steps = 0")
    )
    out = tmp_path / "demo"
    assert dwmtj.main(["demo", "--out", str(out), *TINY, "--straight-spec", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "--straight-spec" in err and "bad.toml" in err and "n_steps" in err
    assert not out.exists()


def test_paper_preset_validates_and_plans_every_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "paper"
    assert dwmtj.main(["demo", "--preset", "paper", "--dry-run", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    planned = re.findall(r"^  (\w+)\s+(run|reuse)\s+key", printed, flags=re.M)
    assert planned == [(s, "run") for s in STAGES]
    cfg = build_config("paper")
    # the paper's full-size devices on the multiscale path, 16-member ensembles over the
    # paper's cycles, the 60-subset stream
    assert "paper-trapezoid" in printed and "paper-straight" in printed
    specs = run_specs(cfg)
    assert all(s.calculator["name"] == "multiscale" for s in specs.values())
    assert specs["trapezoid"].protocol.n_cycles == 13 and specs["straight"].protocol.n_cycles == 10
    assert all(s.n_realisations == 16 for s in specs.values())
    assert cfg.stream_subsets == 60
    assert not out.exists()  # a dry run writes nothing


def test_changing_one_option_changes_only_its_stage_and_those_downstream() -> None:
    base = stage_keys(_tiny_config())
    changed = {
        "stream_epochs": ({"stream_epochs": 2}, {"stream"}),
        "infer_draws": ({"infer_draws": 3}, {"inference"}),
        "fit_n_rep": ({"fit_n_rep": 20}, {"fit", "stream", "inference"}),
        "realisations": ({"realisations": 3}, {"simulate", "fit", "stream", "inference"}),
    }
    for name, (override, expected) in changed.items():
        keys = stage_keys(_tiny_config(**override))
        assert {s for s in STAGES if keys[s] != base[s]} == expected, name
    assert stage_keys(_tiny_config()) == base  # keys are deterministic


def test_other_code_changes_every_stage_key(monkeypatch: pytest.MonkeyPatch) -> None:
    import dwmtj.pipeline.manifest as manifest

    fingerprint = manifest.code_fingerprint()
    assert len(fingerprint) == 64 and fingerprint == manifest.code_fingerprint()
    base = stage_keys(_tiny_config())
    monkeypatch.setattr(manifest, "code_fingerprint", lambda: "0" * 64)
    keys = stage_keys(_tiny_config())
    assert all(keys[s] != base[s] for s in STAGES)  # results of other code are never reused


def test_fit_stage_gives_states_the_wall_jumped_over_no_level(tmp_path: Path) -> None:
    """A straight-track ramp whose walls always jumped over notch states 1 and 3 (the stored
    run 643f0961...) is fitted, not failed: those states get no conductance level (listed in
    missing_states, NaN in the levels figure, '-' in the report)."""
    import shutil

    from dwmtj.pipeline.report import _scaled
    from dwmtj.pipeline.stages import run_fit

    runs_dir = Path(__file__).resolve().parents[1] / "results" / "experiments" / "runs"
    sources = {
        "trapezoid": next(runs_dir.glob("08e82efe*.h5")),
        "straight": next(runs_dir.glob("643f0961*.h5")),
    }
    (tmp_path / "runs").mkdir()
    runs = {}
    for device, src in sources.items():
        shutil.copy(src, tmp_path / "runs" / src.name)
        runs[device] = {"run_file": f"runs/{src.name}"}
    result = run_fit(_tiny_config(), tmp_path, lambda _msg: None, {"simulate": {"runs": runs}})
    assert result.details["failed"] == {}
    straight = json.loads((tmp_path / "fit" / "straight.json").read_text())
    assert straight["conductance"]["missing_states"] == [1, 3]
    assert [straight["conductance"]["mean_S"][k] for k in (1, 3)] == [None, None]
    assert (tmp_path / "fit" / "straight-levels.png").stat().st_size > 0
    assert _scaled(None, 1e3) is None and _scaled(2e-5, 1e3) == pytest.approx(2e-2)


# ------------------------------------------------------------------------- end to end
@pytest.fixture(scope="module")
def tiny_demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("demo") / "out"
    start = time.perf_counter()
    assert dwmtj.main(["demo", "--out", str(out), *TINY]) == 0
    return {"out": out, "seconds": time.perf_counter() - start}


def test_tiny_demo_runs_every_stage_and_links_existing_figures(tiny_demo: dict) -> None:
    out = tiny_demo["out"]
    manifest = json.loads((out / "stages.json").read_text())["stages"]
    assert list(manifest) == list(STAGES)
    for stage, entry in manifest.items():
        assert entry["status"] == "done", stage
        for path in entry["outputs"]:
            assert (out / path).exists(), path
    page = (out / "report.html").read_text()
    images = re.findall(r'<img src="([^"]+)"', page)
    # devices (2 x geometry, |J|), R-V + state map per device, fit figures, stream, inference
    assert len(images) >= 2 * 2 + 2 * 2 + 2 * 3 + 1 + 2 * 2
    for src in images:
        assert (out / src).is_file() and (out / src).read_bytes()[:4] == b"\x89PNG", src
    for heading in (
        "Devices",
        "R-V cycles",
        "depinning laws",
        "Stream learning",
        "Analog inference",
        "Stage timings",
    ):
        assert heading in page


def test_report_numbers_equal_the_linked_artifacts(tiny_demo: dict) -> None:
    from compact.artifact import load_model
    from compact.metaplasticity import threshold_with_se
    from nn.stream import load_result

    out = tiny_demo["out"]
    report = json.loads((out / "report.json").read_text())
    assert set(report["fit"]) == {"trapezoid", "straight"}
    for fit in report["fit"].values():
        assert "error" not in fit, fit
        model = load_model(out / fit["artifact"])
        w = model.reference_conditions["pulse_width_s"]
        T = model.reference_conditions["temperature_K"]
        assert fit["conductance_mean_S"] == model.conductance["mean_S"]
        assert fit["write_sigma_S"] == model.conductance["write_sigma_S"]
        forward = [t for t in fit["thresholds"] if t["direction"] == "write"]
        laws = [(k, law) for k, law in enumerate(model.forward) if law is not None]
        assert [t["state"] for t in forward] == [k for k, _ in laws]
        for t, (_, law) in zip(forward, laws, strict=True):
            v50, _ = threshold_with_se(law, w, T)
            if t["identified"]:  # same number, JSON round trip
                assert t["V50_V"] == pytest.approx(v50, rel=1e-12)
            else:  # no number for a threshold the data do not identify
                assert t["V50_V"] is None and t["V50_se_V"] is None
        # the levels are ordered like the MTJ: a wall further along the track leaves more of
        # the MTJ (20-100 nm, states at 30, 60, 120 nm) parallel, so R falls state by state
        r = np.asarray(fit["resistance_mean_ohm"])
        assert np.all(np.diff(r) < 0), r
    result = load_result(out / report["stream"]["result"])
    for d, label in enumerate(result.labels):
        final = 100 * result.stream_accuracy[d, :, -1].mean()
        assert report["stream"]["devices"][label]["final_pct"] == pytest.approx(final)
    assert [lab.split()[0] for lab in result.labels] == ["fitted", "fitted", "paper", "paper"]
    for inf in report["inference"].values():
        sweep = json.loads((out / inf["result"]).read_text())
        assert inf["digital_pct"] == pytest.approx(100 * sweep["digital_accuracy"])
        assert [p["mean_pct"] for p in inf["points"]] == pytest.approx(
            [100 * p["mean"] for p in sweep["points"]]
        )
        assert inf["test_images"] == 100
    assert set(report["timings"]) == set(STAGES)


def test_second_run_reuses_every_stage(tiny_demo: dict, capsys: pytest.CaptureFixture) -> None:
    out = tiny_demo["out"]
    before = json.loads((out / "stages.json").read_text())["stages"]
    start = time.perf_counter()
    assert dwmtj.main(["demo", "--out", str(out), *TINY]) == 0
    seconds = time.perf_counter() - start
    printed = capsys.readouterr().out
    assert printed.count(": reused") == len(STAGES)
    after = json.loads((out / "stages.json").read_text())["stages"]
    assert after == before  # nothing recorded anew
    report = json.loads((out / "report.json").read_text())
    assert all(t["reused"] for t in report["timings"].values())
    # seconds, not minutes: only imports, key hashing and the report (generous for a loaded CI)
    assert seconds < 60


def test_changing_one_option_reruns_only_that_stage(
    tiny_demo: dict, capsys: pytest.CaptureFixture
) -> None:
    out = tiny_demo["out"]
    before = json.loads((out / "stages.json").read_text())["stages"]
    k = TINY.index("--infer-draws")
    args = [*TINY[: k + 1], "3", *TINY[k + 2 :]]
    assert dwmtj.main(["demo", "--out", str(out), *args]) == 0
    printed = capsys.readouterr().out
    after = json.loads((out / "stages.json").read_text())["stages"]
    rerun = {s for s in STAGES if after[s]["key"] != before[s]["key"]}
    assert rerun == {"inference"}
    assert "== inference: running" in printed and "== stream: reused" in printed
    report = json.loads((out / "report.json").read_text())
    noisy = [
        p for inf in report["inference"].values() for p in inf["points"] if p["noise_factor"] > 0
    ]
    assert noisy and all(p["draws"] == 3 for p in noisy)
