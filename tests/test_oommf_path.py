"""The OOMMF path: MIF generation (dry run, everywhere) and real OOMMF runs (where installed)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import discretisedfield as df
import numpy as np
import pytest

import geometries
from geometries import Track
from physics.calculators import get_calculator
from physics.calculators.oommf import OOMMFCalculator, OOMMFNotFoundError
from physics.current import solve_current
from physics.device import build_system
from physics.materials import MU0, load_material
from physics.pulses import default_pulse

MAT = load_material()


def oommf_found() -> bool:
    """OOMMF is installed: OOMMFTCL points to a file or ``oommf`` is on PATH."""
    tcl = os.environ.get("OOMMFTCL")
    return bool(tcl and Path(tcl).is_file()) or shutil.which("oommf") is not None


needs_oommf = [
    pytest.mark.oommf,
    pytest.mark.skipif(
        not oommf_found(), reason="OOMMF not installed (no OOMMFTCL, no oommf on PATH)"
    ),
]


def _block(mif: str, kind: str) -> str:
    match = re.search(rf"Specify {kind}(:\w+)? \{{\n(.*?)\n\}}", mif, re.S)
    assert match, f"no {kind} block in the MIF"
    return match.group(2)


def _value(block: str, key: str) -> str:
    match = re.search(rf"^\s*{key} (.+)$", block, re.M)
    assert match, f"no {key} in {block!r}"
    return match.group(1).strip()


@pytest.fixture(scope="module")
def driven() -> tuple:
    track = geometries.load_preset("scaled-trapezoid")
    cell = geometries.preset_cell("scaled-trapezoid")
    pulse = default_pulse(1.5)
    cur = solve_current(track, cell, 1.5, MAT)
    system = build_system(track, MAT, cell, current=cur, pulse=pulse, wall_at_notch=1, name="trap")
    return track, cell, pulse, cur, system


def test_dry_run_mif_has_the_energy_terms(driven: tuple, tmp_path: Path) -> None:
    *_, system = driven
    res = OOMMFCalculator().run(system, t=70e-9, n=7, workdir=tmp_path, dry_run=True)
    assert res.dry_run and res.mif.is_file() and res.table is None
    mif = res.mif_text
    assert float(_value(_block(mif, "Oxs_UniformExchange"), "A")) == MAT.A
    aniso = _block(mif, "Oxs_UniaxialAnisotropy")
    assert float(_value(aniso, "K1")) == MAT.Ku and _value(aniso, "axis") == "{0 0 1}"
    assert float(_value(_block(mif, "Oxs_DMI_Cnv_z"), "default_D")) == MAT.D
    assert "Specify Oxs_Demag" in mif
    field = _value(_block(mif, "Oxs_FixedZeeman"), "field").strip("{}").split()
    assert MU0 * float(field[2]) == pytest.approx(-4e-3) and float(field[0]) == 0
    driver = _block(mif, "Oxs_TimeDriver")
    assert float(_value(driver, "stopping_time")) == pytest.approx(10e-9)
    assert int(_value(driver, "stage_count")) == 7
    assert "RandomSeed" not in mif  # deterministic run


def test_dry_run_mif_has_the_sot_and_pulse(driven: tuple, tmp_path: Path) -> None:
    _, _, pulse, cur, system = driven
    res = OOMMFCalculator().run(system, t=70e-9, n=7, workdir=tmp_path, dry_run=True)
    mif = res.mif_text
    ev = _block(mif, "Oxs_SpinXferEvolve")
    assert float(_value(ev, "P")) == MAT.theta_sh
    assert float(_value(ev, "Lambda")) == 1.0
    assert float(_value(ev, "eps_prime")) == 0.0
    assert float(_value(ev, "alpha")) == MAT.alpha
    assert _value(ev, "J") == "sl_J_norm" and _value(ev, "mp") == "sl_mp"
    assert _value(ev, "J_profile") == "TimeFunction"
    # the tabulated pulse is the pulse profile at t = k dt
    dt = float(re.search(r"set tstep (\S+)", mif).group(1))
    profile = np.array(re.search(r"set profile \{ (.*?) \}", mif).group(1).split(), float)
    t = np.arange(profile.size) * dt
    assert t[-1] >= 70e-9 - dt
    assert np.allclose(profile, pulse(t), atol=1e-12)
    assert profile.max() == 1.0 and profile[0] == 0.0
    # the spatial J and sigma files: |J| at 1.5 V and sigma = z x j_hat
    J = df.Field.from_file(str(res.workdir / "sl_J.ovf")).array
    Jmag = np.linalg.norm(J[:, :, 0], axis=-1)
    assert np.allclose(Jmag, cur.J_magnitude, rtol=1e-9, atol=1e-6 * Jmag.max())
    mp = df.Field.from_file(str(res.workdir / "sl_mp.ovf")).array[:, :, 0]
    jhat = cur.direction
    inside = cur.mask
    assert np.allclose(mp[inside][:, 0], -jhat[inside][:, 1], atol=1e-9)
    assert np.allclose(mp[inside][:, 1], jhat[inside][:, 0], atol=1e-9)


def test_dry_run_mask_and_initial_state(driven: tuple, tmp_path: Path) -> None:
    track, cell, *_, system = driven
    res = OOMMFCalculator().run(system, t=1e-9, n=1, workdir=tmp_path, dry_run=True)
    assert _value(_block(res.mif_text, "Oxs_TimeDriver"), "Ms") == ":m0_norm"
    m0 = df.Field.from_file(str(res.workdir / "m0.omf")).array[:, :, 0]
    ms = np.linalg.norm(m0, axis=-1)
    mask = np.asarray(track.mask(*cell))
    assert np.allclose(ms[mask], MAT.Ms) and np.all(ms[~mask] == 0)
    assert m0[0, mask.shape[1] // 2, 2] > 0 and m0[-1, mask.shape[1] // 2, 2] < 0


def test_thermal_run_uses_the_seeded_thermal_evolver(tmp_path: Path) -> None:
    track = geometries.load_preset("scaled-straight")
    system = build_system(
        track, MAT, (2e-9, 2e-9), pulse=default_pulse(1.0), temperature=300.0, name="thermal"
    )
    calc = get_calculator("oommf")
    with pytest.raises(ValueError, match="seed"):
        calc.run(system, t=1e-9, n=2, workdir=tmp_path, dry_run=True)
    mif = calc.run(system, t=1e-9, n=2, seed=1234, workdir=tmp_path, dry_run=True).mif_text
    ev = _block(mif, "Xf_ThermSpinXferEvolve")
    assert float(_value(ev, "temperature")) == 300.0
    assert int(_value(ev, "uniform_seed")) == 1234
    assert _value(ev, "method") == "rk2heun"
    assert float(_value(ev, "min_timestep")) == float(_value(ev, "max_timestep")) == 1e-14
    assert _value(ev, "J_direction") == "-z"
    assert re.search(r"^RandomSeed 1234$", mif, re.M)


def test_relax_dry_run_uses_min_driver(tmp_path: Path) -> None:
    system = build_system(
        Track.straight(width=64e-9, length=256e-9), MAT, (4e-9, 4e-9), name="relax"
    )
    mif = OOMMFCalculator().relax(system, workdir=tmp_path, dry_run=True).mif_text
    assert "Specify Oxs_CGEvolve" in mif
    assert float(_value(_block(mif, "Oxs_MinDriver"), "stopping_mxHxm")) == 0.01


def test_running_without_oommf_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("OOMMFTCL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing called oommf there
    system = build_system(Track.straight(width=64e-9, length=256e-9), MAT, (4e-9, 4e-9))
    calc = OOMMFCalculator()
    assert not calc.available()
    with pytest.raises(OOMMFNotFoundError, match="conda-forge.*oommf") as err:
        calc.run(system, t=1e-10, n=1, workdir=tmp_path)
    assert "docker" in str(err.value)


def test_get_calculator() -> None:
    assert isinstance(get_calculator("OOMMF"), OOMMFCalculator)
    assert get_calculator("jax").__name__ == "physics.engine"
    with pytest.raises(ValueError, match="unknown calculator"):
        get_calculator("mumax")
    with pytest.raises(ValueError, match="n_threads"):
        get_calculator("oommf", n_threads=0)


@needs_oommf[0]
@needs_oommf[1]
def test_real_oommf_moves_the_wall_toward_plus_x(tmp_path: Path) -> None:
    # case C in small: up/down Neel wall, J along +x (sigma = +y): the wall moves to +x, so
    # <m_z> grows (more +z). The reference gives ~70 m/s at 2e11-1e12 A/m^2: in 0.5 ns about
    # 35 nm of a 256 nm strip, d<m_z> ~ 0.27; we ask for > 0.1.
    track = Track.straight(width=64e-9, length=256e-9)
    mat = MAT.replace(theta_sh=0.1)
    cur = solve_current(track, (4e-9, 4e-9), 1.0, mat)
    cur = cur.scaled(5e11 / cur.J_magnitude.max())
    with OOMMFCalculator(n_threads=2) as calc:
        system = build_system(track, mat, (4e-9, 4e-9), bias_field=(0, 0, 0), name="caseC")
        calc.relax(system, workdir=tmp_path)
        driven = build_system(
            track, mat, (4e-9, 4e-9), current=cur, bias_field=(0, 0, 0), name="caseCdrive"
        )
        driven.m = system.m
        mz0 = float(driven.m.orientation.mean()[2])
        res = calc.run(driven, t=0.5e-9, n=5, workdir=tmp_path)
    assert res.table is not None and len(res.table) == 5
    assert float(res.m.orientation.mean()[2]) - mz0 > 0.1


@needs_oommf[0]
@needs_oommf[1]
def test_real_oommf_thermal_run_is_reproducible(tmp_path: Path) -> None:
    track = Track.straight(width=32e-9, length=64e-9)
    runs = []
    for k in range(2):
        system = build_system(track, MAT, (4e-9, 4e-9), temperature=300.0, name=f"th{k}")
        with OOMMFCalculator(n_threads=1) as calc:  # a fresh OOMMF session per run
            res = calc.run(system, t=2e-12, n=1, seed=7, workdir=tmp_path)
        runs.append(res.m.array)
    assert np.array_equal(runs[0], runs[1])


def test_cli_without_oommf_fails_in_one_line_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`dwmtj simulate` of an OOMMF spec where OOMMF is missing: exit 2, one line naming what
    to install, no traceback, and no output folder (nothing started)."""
    import dwmtj

    monkeypatch.delenv("OOMMFTCL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    spec = tmp_path / "run.toml"
    spec.write_text(
        'geometry = "scaled-straight"\ncell = [4e-9, 4e-9]\nn_realisations = 1\n'
        'calculator = {name = "oommf"}\n[protocol]\nkind = "voltage_ramp"\nv_start = 0.1\n'
        "v_stop = 0.2\nn_steps = 2\n"
    )
    rc = dwmtj.main(["simulate", str(spec), "--out", str(tmp_path / "runs")])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert len(err.splitlines()) == 1 and "OOMMF is not installed" in err
    assert "Traceback" not in err
    assert not (tmp_path / "runs").exists()


def test_dry_run_method_choice(driven: tuple, tmp_path: Path) -> None:
    # The T = 0 evolver's Runge-Kutta method is OOMMF's default (rkf54, not written) unless
    # chosen; an unknown method fails before any file is written.
    *_, system = driven
    calc = OOMMFCalculator()
    default = calc.run(system, t=1e-9, n=1, workdir=tmp_path / "a", dry_run=True)
    assert "method" not in _block(default.mif_text, "Oxs_SpinXferEvolve")
    chosen = calc.run(system, t=1e-9, n=1, workdir=tmp_path / "b", dry_run=True, method="rkf54s")
    assert _value(_block(chosen.mif_text, "Oxs_SpinXferEvolve"), "method") == "rkf54s"
    with pytest.raises(ValueError, match="^method: must be one of rk2, "):
        calc.run(system, t=1e-9, n=1, workdir=tmp_path / "c", dry_run=True, method="rk45")
    assert not (tmp_path / "c").exists()
