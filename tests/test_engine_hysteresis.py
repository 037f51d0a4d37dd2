"""HysteresisDriver (oommfc's interface): Stoner-Wohlfarth switching of a macrospin."""

from __future__ import annotations

import discretisedfield as df
import micromagneticmodel as mm
import numpy as np
import pytest

import physics.engine as pe

MS, K = 8e5, 2e5
H_K = 2 * K / (mm.consts.mu0 * MS)  # anisotropy field 2K/(mu0 Ms), A/m


def macrospin() -> mm.System:
    mesh = df.Mesh(p1=(0, 0, 0), p2=(2e-9, 2e-9, 2e-9), n=(1, 1, 1))
    system = mm.System(name="sw")
    system.energy = mm.UniaxialAnisotropy(K=K, u=(0, 0, 1))
    system.m = df.Field(mesh, nvdim=3, value=(0, 0, 1), norm=MS)
    return system


def stoner_wohlfarth_switching_field(psi: float) -> float:
    """Switching field / H_K of a field at angle psi (rad) to the easy axis (the astroid)."""
    return 1.0 / (np.cos(psi) ** (2 / 3) + np.sin(psi) ** (2 / 3)) ** 1.5


@pytest.mark.parametrize("psi_deg", [0.05, 10.0])
def test_macrospin_switches_at_the_stoner_wohlfarth_field(psi_deg):
    # A field exactly along the axis exerts no torque on m = +z, so the field is tilted by psi:
    # the switching field is H_K h(psi) (0.986 H_K at 0.05 deg, i.e. 2K/(mu0 Ms) to 1.4 %;
    # 0.494 H_K at 10 deg). The loop -1.2 H_K -> +1.2 H_K -> -1.2 H_K in steps of 0.01 H_K:
    # the first reversed point must lie within one step beyond the exact value on both branches.
    psi = np.radians(psi_deg)
    direction = np.array([np.sin(psi), 0.0, np.cos(psi)])
    n = 241
    system = macrospin()
    driver = pe.HysteresisDriver()
    driver.drive(system, Hmin=-1.2 * H_K * direction, Hmax=1.2 * H_K * direction, n=n, verbose=0)
    table = system.table.data
    assert len(table) == 2 * n - 1
    assert system.table.x == "B_hysteresis"
    h = table["Bz_hysteresis"].to_numpy() * 1e-3 / mm.consts.mu0 / np.cos(psi) / H_K
    mz = table["mz"].to_numpy()
    step = 2.4 / (n - 1)
    expected = stoner_wohlfarth_switching_field(psi)
    up, down = slice(0, n), slice(n - 1, None)
    first_up = h[up][np.argmax(mz[up] > 0)]
    first_down = h[down][np.argmax(mz[down] < 0)]
    assert expected <= first_up < expected + step + 1e-9
    assert -expected - step - 1e-9 < first_down <= -expected
    assert mz[0] < 0 and mz[n - 1] > 0 and mz[-1] < 0


def test_hysteresis_arguments():
    with pytest.raises(ValueError, match="Hsteps"):
        pe.HysteresisDriver.field_points(
            Hmin=(0, 0, -1), Hmax=(0, 0, 1), n=3, Hsteps=[[(0, 0, 0), (0, 0, 1), 2]]
        )
    with pytest.raises(ValueError, match="n must be"):
        pe.HysteresisDriver.field_points(Hsteps=[[(0, 0, 0), (0, 0, 1), 1]])
    points = pe.HysteresisDriver.field_points(
        Hsteps=[[(0, 0, -1), (0, 0, 1), 3], [(0, 0, 1), (0, 0, -1), 5]]
    )
    assert np.allclose(points[:, 2], [-1, 0, 1, 0.5, 0, -0.5, -1])  # shared endpoint once
