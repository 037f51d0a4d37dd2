"""The functions behind `dwmtj simulate/batch/plot`, with the synthetic run function."""

from __future__ import annotations

import argparse

from test_experiment_batch import SWEEP_TOML, synthetic_depinning_run

from dwmtj.commands import experiment as experiment_commands
from physics.experiment import commands
from physics.experiment.store import read_run

RUN_TOML = """
geometry = "scaled-straight"
n_realisations = 3
seed = 5

[protocol]
kind = "write_reset"
n_cycles = 2

[protocol.write]
v_start = 0.2
v_stop = 1.2
n_steps = 6
bias_field = -4e-3
settle_time = 2e-9
pulse = {width = 3e-9, rise = 0.5e-9, fall = 0.5e-9}

[protocol.reset]
v_start = -1.2
v_stop = -1.2
n_steps = 1
bias_field = -42e-3
settle_time = 2e-9
pulse = {width = 3e-9, rise = 0.5e-9, fall = 0.5e-9}
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dwmtj")
    experiment_commands.register(p.add_subparsers(dest="command"))
    return p


def test_batch_dry_run_with_oommf_calculator(tmp_path, capsys):
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(SWEEP_TOML.format(seeds=2))
    args = parser().parse_args(
        ["batch", str(sweep), "--out", str(tmp_path / "runs"), "--calculator", "oommf", "--dry-run"]
    )
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "4 run(s); 0 complete" in out and out.count("missing") == 4
    assert not (tmp_path / "runs").exists()  # a dry run writes nothing
    plan = commands.batch_runs(sweep, tmp_path / "runs", calculator="oommf", dry_run=True)
    jax_plan = commands.batch_runs(sweep, tmp_path / "runs", dry_run=True)
    assert {p.run_id for p in plan}.isdisjoint({p.run_id for p in jax_plan})


def test_simulate_and_plot_write_reset_run(tmp_path):
    spec_file = tmp_path / "run.toml"
    spec_file.write_text(RUN_TOML)
    path, figures = commands.simulate_run(
        spec_file, tmp_path / "runs", progress=False, run_fn=synthetic_depinning_run
    )
    rec = read_run(path)
    assert rec.spec.protocol.kind == "write_reset" and rec.readouts["resistance"].shape == (3, 14)
    assert sorted(f.name.split(".")[1] for f in figures) == ["rv", "sequence", "states"]
    assert all(f.stat().st_size > 10_000 for f in figures)  # real images, not empty files
    args = parser().parse_args(["plot", str(tmp_path / "runs"), "--out", str(tmp_path / "f")])
    assert args.func(args) == 0
    assert len(list((tmp_path / "f").glob("*.png"))) == 3


def test_bundled_examples_validate(tmp_path):
    from pathlib import Path

    import physics.experiment

    examples = Path(physics.experiment.__file__).parent / "examples"
    plan = commands.batch_runs(examples / "trapezoid-ramp-sweep.toml", tmp_path, dry_run=True)
    assert len(plan) == 4 and all(p.status == "missing" for p in plan)
    spec = commands.load_run_spec(examples / "trapezoid-write-reset.toml")
    assert spec.protocol.n_pulses == 3 * 14
    assert [r.bias_field for r in spec.protocol.ramps] == [-4e-3, -42e-3]
