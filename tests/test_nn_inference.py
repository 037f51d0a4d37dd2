"""The accuracy-vs-notches sweep (nn.inference) and ``dwmtj infer``."""

from __future__ import annotations

import csv
import dataclasses
import json

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dwmtj
from compact.presets import load_preset
from dwmtj.commands.options import parse_bits
from nn.inference import sweep
from nn.resnet import fold_batchnorm, init_resnet
from nn.train_resnet import TrainConfig, make_optimizer, save_checkpoint


def test_parse_bits():
    assert parse_bits("2-5") == [2, 3, 4, 5]
    assert parse_bits("6,2,4") == [2, 4, 6]
    with pytest.raises(ValueError, match="bits"):
        parse_bits("two")
    with pytest.raises(ValueError, match="bits"):
        parse_bits("0-3")


@pytest.fixture(scope="module")
def tiny():
    model = eqx.filter_jit(init_resnet)(jax.random.PRNGKey(0), 8, 0.5, 10)  # one compile
    x = np.random.default_rng(0).integers(0, 256, (48, 8, 8, 3)).astype(np.uint8)
    step = eqx.filter_jit(lambda m, x: m(x, train=True)[1])
    model = step(model, jnp.asarray(x, jnp.float32) / 64.0 - 2.0)
    return model, x


def test_fine_levels_reach_software_accuracy_and_coarse_noisy_ones_do_not(tiny):
    model, x = tiny
    net = fold_batchnorm(model)
    from nn.train_resnet import to_input

    # Labels = the software network's own predictions, so its accuracy is exactly 1.
    y = np.asarray(jnp.argmax(eqx.filter_jit(lambda n, x: n(x))(net, to_input(x)), -1))
    # One sweep (two compilations: 1 draw for noise-free points, 2 for noisy ones).
    points = sweep(
        net, load_preset("straight"), x, y, [2, 12], [0.0, 10.0], draws=2, progress=False
    )
    assert [(p.level_mode, p.notches, p.noise_factor, len(p.accuracies)) for p in points] == [
        ("uniform", 2, 0.0, 1),
        ("uniform", 2048, 0.0, 1),
        ("uniform", 2, 10.0, 2),
        ("uniform", 2048, 10.0, 2),
        ("device", 5, 0.0, 1),
        ("device", 5, 10.0, 2),
    ]
    acc = {(p.level_mode, p.notches, p.noise_factor): p for p in points}
    # 2048 levels per device: weight error <= 2.4e-4 of max|W|; at most a near-tie flips.
    assert acc["uniform", 2048, 0.0].mean >= 0.95
    # Ternary weights (2 notches) with 10x the measured noise lose accuracy.
    assert acc["uniform", 2, 10.0].mean < acc["uniform", 2048, 0.0].mean - 0.05
    assert all(0.0 <= a <= 1.0 for p in points for a in p.accuracies)


def test_infer_cli_writes_table_and_figures(tiny, tmp_path):
    model, x = tiny
    data = tmp_path / "data" / "cifar10_jpeg_q75"
    data.mkdir(parents=True)
    y = np.arange(len(x)) % 10
    np.savez(data / "train_part0.npz", x=x, y=y)
    np.savez(data / "test.npz", x=x, y=y)
    cfg = TrainConfig(depth=8, width=0.5, epochs=1)
    ckpt = tmp_path / "ckpt"
    opt_state = make_optimizer(cfg, 1).init(model)
    meta = {
        "config": dataclasses.asdict(cfg),
        "dataset": "cifar10-jpeg",
        "num_classes": 10,
        "epoch": 1,
        "history": [],
    }
    save_checkpoint(ckpt, model, opt_state, meta)
    out = tmp_path / "out"
    rc = dwmtj.main(
        [
            "infer",
            "--device",
            "straight",
            "--checkpoint",
            str(ckpt),
            "--bits",
            "2,3",
            "--draws",
            "2",
            "--data",
            str(tmp_path / "data"),
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    rows = list(csv.DictReader(open(out / "inference_sweep.csv")))
    assert len(rows) == 2 * 3 + 3  # 2 bit widths x 3 noise factors + device levels x 3
    assert {r["dataset"] for r in rows} == {"cifar10-jpeg"}
    assert {r["draws"] for r in rows if r["noise_factor"] != "0.0"} == {"2"}
    summary = json.loads((out / "inference_sweep.json").read_text())
    assert summary["dataset"] == "cifar10-jpeg" and summary["write_sigma_S"] == pytest.approx(
        2.53e-6
    )
    assert summary["clip_after_noise"] is True and summary["sigma_norm_given"] is None
    assert summary["write_sigma_as"]["relative_window"] == pytest.approx(2.53e-6 / 160e-6)
    for fig in ("fig6b_accuracy_vs_notches.png", "fig6a_conductance_histogram.png"):
        assert (out / fig).stat().st_size > 10_000
    # the noise stated relative to the window (CrossSim v2.0), unclipped: 0.02 x 160 uS
    out2 = tmp_path / "out2"
    common = ["--checkpoint", str(ckpt), "--data", str(tmp_path / "data")]
    rc = dwmtj.main(
        ["infer", *common, "--bits", "2", "--noise-factors", "0,1", "--draws", "2"]
        + ["--write-sigma", "0.02", "--sigma-norm", "relative_window", "--no-clip-after-noise"]
        + ["--out", str(out2)]
    )
    assert rc == 0
    summary = json.loads((out2 / "inference_sweep.json").read_text())
    assert summary["write_sigma_S"] == pytest.approx(3.2e-6)
    assert summary["clip_after_noise"] is False
    assert summary["sigma_norm_given"] == "relative_window"
    assert dwmtj.main(["infer", "--device", "nonexistent", "--checkpoint", str(ckpt)]) == 2
