"""physics.materials: presets, validation, overrides."""

from __future__ import annotations

import dataclasses
import math

import pytest

from physics.materials import MU0, Material, load_material, material_for_geometry


def test_default_preset_has_perpendicular_anisotropy_and_reference_values() -> None:
    m = load_material()
    # the OOMMF reference case B/C numbers (the JAX engine is validated on them)
    assert (m.Ms, m.A, m.Ku, m.D, m.alpha) == (1.1e6, 1.5e-11, 8.5e5, 0.3e-3, 0.02)
    # K_eff = Ku - mu0 Ms^2/2 must be > 0 for a PMA film: 8.5e5 - 7.603e5 = 8.97e4 J/m^3
    assert m.K_eff == pytest.approx(8.5e5 - 0.5 * MU0 * 1.1e6**2, rel=1e-12)
    assert m.K_eff > 0
    # case B quotes the analytic sqrt(A/K_eff) = 12.93 nm for exactly these values
    assert m.wall_width == pytest.approx(12.93e-9, abs=0.01e-9)
    assert m.sigma_hm == pytest.approx(1 / 1.9e-6)


def test_device_presets_carry_the_papers_mtj_numbers() -> None:
    trap = material_for_geometry("paper-trapezoid")
    straight = material_for_geometry("scaled-straight")
    # paper: TMR 54 %, RA 60 Ohm um^2 (trapezoid); 16 %, 380 Ohm um^2 (straight)
    assert (trap.tmr, trap.ra_product) == (0.54, 60e-12)
    assert (straight.tmr, straight.ra_product) == (0.16, 380e-12)
    # the stack is the same
    assert straight.replace(tmr=0.54, ra_product=60e-12, name=trap.name) == trap


def test_replace_overrides_and_revalidates() -> None:
    m = load_material().replace(alpha=0.05, ku_dispersion=0.1)
    assert m.alpha == 0.05 and m.ku_dispersion == 0.1
    assert dataclasses.replace(m, D=1e-3).D == 1e-3
    with pytest.raises(ValueError, match="alpha"):
        m.replace(alpha=-0.01)
    with pytest.raises(ValueError, match="not_a_field"):
        m.replace(not_a_field=1.0)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("Ms", 0.0, "positive"),
        ("t_hm", -5e-9, "positive"),
        ("rho_hm", math.nan, "finite"),
        ("tmr", 54.0, "percentage"),
        ("tmr", -0.1, ">= 0"),
        ("ku_dispersion", 1.5, r"\[0, 1\)"),
        ("A", "big", "real number"),
    ],
)
def test_bad_values_name_the_field(field: str, value: object, reason: str) -> None:
    with pytest.raises(ValueError, match=f"{field}.*{reason}"):
        Material(**{field: value})


def test_no_pma_is_reported_by_wall_width() -> None:
    m = load_material().replace(Ku=5e5)  # below mu0 Ms^2/2 = 7.6e5 J/m^3
    assert m.K_eff < 0
    with pytest.raises(ValueError, match="Ku"):
        _ = m.wall_width


def test_unknown_preset() -> None:
    with pytest.raises(ValueError, match="unknown material preset"):
        load_material("permalloy")
