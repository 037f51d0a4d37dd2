"""Issue #16, problems 4 and 7: every user error of ``dwmtj`` is one line naming the option or
field, exit status 2, no traceback (``--debug`` adds it); NaN and +-inf never pass a float
option; artifacts with NaN are refused on load; artifacts respect the umask.

Each case runs ``dwmtj.main`` in this process and reproduces one probe of the issue."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import dwmtj
from compact.artifact import load_model, save_model
from compact.presets import paper_trapezoid_model
from dwmtj import cli

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "physics/experiment/examples/demo-scaled-straight.toml"


def one_error(
    argv: list[str], capsys: pytest.CaptureFixture[str], status: int = 2
) -> tuple[str, str]:
    """Run ``dwmtj argv``; check the exit status and that stderr is one line without a
    traceback; return (stderr line, stdout)."""
    rc = dwmtj.main(argv)
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert rc == status, captured
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err, captured.out


# ---------------------------------------------------------------- NaN and +-inf (problem 4)
@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["infer", "--noise-factors", "nan"], "--noise-factors"),
        (["infer", "--noise-factors", "0,inf"], "--noise-factors"),
        (["infer", "--read-sigma", "nan"], "--read-sigma"),
        (["infer", "--read-sigma=-inf"], "--read-sigma"),
        (["infer", "--write-sigma", "nan"], "--write-sigma"),
        (["train", "stream", "--bn-momentum", "inf"], "--bn-momentum"),
        (["train", "resnet", "--weight-decay", "nan"], "--weight-decay"),
        (["train", "resnet", "--lr", "inf"], "--lr"),
        (["train", "resnet", "--width", "nan"], "--width"),
        (["train", "stream", "--lr", "nan"], "--lr"),
        (["fit", "x.h5", "-o", "m.json", "--tau0", "nan"], "--tau0"),
        (["fit", "x.h5", "-o", "m.json", "--beta", "nan"], "--beta"),
        (["fit", "x.h5", "-o", "m.json", "--beta", "inf"], "--beta"),
        (["current", "paper-straight", "--voltage", "nan"], "--voltage"),
        (["current", "paper-straight", "--voltage", "1", "--cell", "nan", "2e-9"], "--cell"),
        (["geometry", "paper-straight", "--cell", "inf", "2e-9"], "--cell"),
        (["demo", "--infer-noise-factors", "nan", "--dry-run"], "--infer-noise-factors"),
    ],
)
def test_nan_and_inf_are_refused_naming_the_option(
    argv: list[str], option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err, _ = one_error(argv, capsys)
    command = " ".join(argv[:2]) if argv[0] == "train" else argv[0]
    assert err.startswith(f"dwmtj {command}: error: {option}: "), err
    assert "finite" in err


def _all_actions(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.Action]]:
    """(prog, action) of every option and positional of ``parser`` and its subcommands."""
    out = [(parser.prog, a) for a in parser._actions]
    for sub in cli._subparsers(parser):
        out.extend(_all_actions(sub))
    return out


def test_every_number_option_uses_a_checked_type() -> None:
    """No option of any subcommand parses numbers with bare ``float`` or ``int`` (which take
    NaN, inf or any sign): each uses a type of :mod:`dwmtj.commands.options` that refuses
    NaN and +-inf and states its bound."""
    bare = [
        f"{prog} {'/'.join(action.option_strings) or action.dest}"
        for prog, action in _all_actions(cli.build_parser())
        if getattr(action, "type", None) in (float, int)
    ]
    assert not bare, bare


def test_tau0_zero_is_an_option_error_not_a_zero_division(
    capsys: pytest.CaptureFixture[str],
) -> None:
    err, _ = one_error(["fit", "x.h5", "-o", "m.json", "--tau0", "0"], capsys)
    assert err == "dwmtj fit: error: --tau0: must be > 0, got '0'"


def test_artifact_with_nan_is_refused_before_the_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``"write_sigma_S": NaN`` (in ``network`` or in the free-form ``conductance``) fails
    on load, naming the field, before any network is evaluated (no output folder)."""
    good = save_model(paper_trapezoid_model(), tmp_path / "good.json")
    for section in ("network", "conductance"):
        data = json.loads(good.read_text())
        data[section]["write_sigma_S"] = float("nan")
        bad = tmp_path / f"nan-{section}.json"
        bad.write_text(json.dumps(data))  # json writes the NaN token
        with pytest.raises(ValueError, match=f"{section}.write_sigma_S"):
            load_model(bad)
        out = tmp_path / f"out-{section}"
        checkpoint = REPO / "results/inference/checkpoint"
        err, _ = one_error(
            ["infer", "--device", str(bad), "--checkpoint", str(checkpoint), "--out", str(out)],
            capsys,
        )
        assert f"{section}.write_sigma_S" in err and str(bad) in err
        assert not out.exists()


# ------------------------------------------------- messages that name the option (problem 7)
@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["infer", "--batch-size", "0"], "dwmtj infer: error: --batch-size: must be an integer"),
        (["infer", "--draws", "0"], "dwmtj infer: error: --draws: must be an integer >= 1"),
        (["infer", "--sigma-norm", "rel"], "dwmtj infer: error: --sigma-norm: invalid choice"),
        (["train", "stream", "--hidden", "0"], "dwmtj train stream: error: --hidden: "),
        (
            ["train", "stream", "--device", "laborieux:m=-1"],
            "dwmtj train stream: error: device: m must be finite and >= 0",
        ),
        (["fit", "x.h5", "-o", "m.json", "--seed", "-1"], "dwmtj fit: error: --seed: "),
        (["fit", "x.h5", "-o", "m.json", "--n-rep", "x"], "dwmtj fit: error: --n-rep: expected"),
        (["train", "stream", "--first-seed", "-1"], "dwmtj train stream: error: --first-seed: "),
        (["train", "resnet", "--train-limit", "0"], "dwmtj train resnet: error: --train-limit: "),
        (["demo", "--workers", "0"], "dwmtj demo: error: --workers: must be an integer >= 1"),
        (["infer", "--bogus"], "dwmtj: error: --bogus: unrecognized argument"),
    ],
)
def test_option_errors_name_the_option(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err, _ = one_error(argv, capsys)
    assert err.startswith(expected), err


def test_train_limit_below_one_batch_blames_train_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err, _ = one_error(
        ["train", "resnet", "--train-limit", "50", "--out", str(tmp_path / "ck")], capsys
    )
    assert err.startswith("dwmtj train resnet: error: --train-limit: 50 images"), err
    assert "--batch-size 128" in err


def test_protocol_kind_typo_names_protocol_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "typo.toml"
    spec.write_text(SPEC.read_text().replace('kind = "voltage_ramp"', 'kind = "voltage_rmap"'))
    err, _ = one_error(["simulate", str(spec), "--out", str(tmp_path / "runs")], capsys)
    assert "protocol.kind: unknown kind 'voltage_rmap'" in err
    assert "voltage_ramp" in err and "write_reset" in err
    assert "protocol.ramps" not in err
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("command", ["simulate", "plot"])
def test_out_pointing_to_a_file_names_out(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    first = str(SPEC) if command == "simulate" else str(tmp_path / "x.h5")
    for out in (afile, afile / "sub"):
        err, _ = one_error([command, first, "--out", str(out)], capsys)
        assert err.startswith(f"dwmtj {command}: error: --out: {out} "), err
        assert "existing file, not a folder" in err
    assert afile.read_text() == "not a folder"


def test_other_commands_check_out_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    afile = tmp_path / "afile"
    afile.write_text("")
    for argv in (
        ["infer"],
        ["train", "resnet"],
        ["train", "stream"],
        ["demo", "--dry-run"],
        ["batch", str(tmp_path / "s.toml")],
    ):
        err, _ = one_error([*argv, "--out", str(afile)], capsys)
        assert "--out: " in err and "existing file" in err
    assert afile.read_text() == ""


def test_config_fields_behind_the_seed_options_are_bounded_too() -> None:
    """``--first-seed -1`` is refused by the option; the config field refuses it as well
    (a StreamConfig built in Python or read from a file), naming the field."""
    from nn.stream import StreamConfig
    from nn.train_resnet import TrainConfig

    with pytest.raises(ValueError, match=r"^first_seed: .*>= 0") as info:
        StreamConfig(first_seed=-1)
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match=r"^seed: .*>= 0"):
        TrainConfig(seed=-1)


def test_missing_oommf_is_one_line_and_debug_adds_the_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OOMMFTCL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    argv = ["simulate", str(SPEC), "--calculator", "oommf", "--out", str(tmp_path / "runs")]
    err, _ = one_error(argv, capsys)
    assert err.startswith("dwmtj simulate: error: OOMMF is not installed")
    assert dwmtj.main(["--debug", *argv]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "OOMMFNotFoundError" in err
    assert err.strip().splitlines()[-1].startswith("dwmtj simulate: error: OOMMF is not")


# ------------------------------------------------------------------- --debug, internal errors
def test_debug_flag_anywhere_and_environment_show_the_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["current", "no-such-track", "--voltage", "1"]
    err, _ = one_error(argv, capsys)
    assert err.startswith("dwmtj current: error: preset: unknown geometry preset")
    for debug_argv in (["--debug", *argv], [*argv, "--debug"]):
        assert dwmtj.main(debug_argv) == 2
        err = capsys.readouterr().err
        assert "Traceback (most recent call last)" in err
        assert err.strip().splitlines()[-1].startswith("dwmtj current: error: preset:")
    monkeypatch.setenv("DWMTJ_DEBUG", "1")
    assert dwmtj.main(argv) == 2
    assert "Traceback" in capsys.readouterr().err


def test_internal_error_is_one_line_with_a_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from dwmtj.commands import current

    def broken(args: object) -> int:
        raise KeyError("levels")

    monkeypatch.setattr(current, "run_current", broken)
    err, _ = one_error(["current", "paper-straight", "--voltage", "1"], capsys, status=1)
    assert err == (
        "dwmtj current: internal error: KeyError: 'levels' (rerun with --debug for the traceback)"
    )
    assert dwmtj.main(["--debug", "current", "paper-straight", "--voltage", "1"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_ctrl_c_is_one_line_and_status_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A KeyboardInterrupt during a command: ``dwmtj <command>: interrupted``, exit status
    130 (as a shell reports SIGINT), the traceback only with --debug."""
    from dwmtj.commands import current

    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(current, "run_current", interrupted)
    err, _ = one_error(["current", "paper-straight", "--voltage", "1"], capsys, status=130)
    assert err == "dwmtj current: interrupted"
    assert dwmtj.main(["current", "paper-straight", "--voltage", "1", "--debug"]) == 130
    err = capsys.readouterr().err
    assert "Traceback" in err and "KeyboardInterrupt" in err
    assert err.strip().splitlines()[-1] == "dwmtj current: interrupted"


def test_real_sigint_is_one_line(tmp_path: Path) -> None:
    """The same for a real SIGINT (Ctrl-C) delivered to a running ``dwmtj`` process."""
    script = (
        "import os, signal, sys, time\n"
        # Python's own start-up handler, as from an interactive shell: a suite started in the
        # background (`make test &`, nohup) ignores SIGINT, and Python keeps it ignored
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from dwmtj.commands import geometry\n"
        "def wait(args):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    time.sleep(30)\n"
        "geometry.run_geometry = wait\n"
        "from dwmtj.cli import main\n"
        "sys.exit(main(['geometry', '--list']))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 130
    assert proc.stderr == "dwmtj geometry: interrupted\n"


def test_closed_pipe_stops_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``dwmtj geometry --list | head -1``: no error line when the reader has gone."""
    from dwmtj.commands import geometry

    def closed(args: object) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(geometry, "run_geometry", closed)
    assert dwmtj.main(["geometry", "--list"]) == 141
    assert capsys.readouterr().err == ""


def test_os_errors_and_multiline_messages_become_one_line() -> None:
    exc = FileExistsError(17, "File exists", "runs/x")
    assert cli.error_message(exc) == "runs/x: File exists"
    assert cli.error_message(ValueError("a\n  b\n")) == "a; b"
    assert cli.error_message(ValueError("")) == "ValueError"


def test_console_script_prints_one_line(tmp_path: Path) -> None:
    """The installed entry point (``python -m dwmtj``) gives the same single line."""
    proc = subprocess.run(
        [sys.executable, "-m", "dwmtj", "infer", "--batch-size", "0"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr == "dwmtj infer: error: --batch-size: must be an integer >= 1, got '0'\n"


# --------------------------------------------------------------------------- the umask
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_artifacts_respect_the_umask(umask: int, mode: int, tmp_path: Path) -> None:
    old = os.umask(umask)
    try:
        path = save_model(paper_trapezoid_model(), tmp_path / "model.json")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == mode
    assert not list(tmp_path.glob(".*.tmp"))
