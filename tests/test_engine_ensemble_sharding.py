"""Ensembles split over several JAX devices give each member the result of the unsharded run.

The split runs in a subprocess with ``XLA_FLAGS=--xla_force_host_platform_device_count=2``:
the flag must be set before JAX starts, and this pytest process has already imported JAX with
one CPU device. The subprocess runs the same ensemble once on one device and once split over
both host devices (5 members, padded to 6: 3 per device), on a small thermal film
with every term of the engine's thermal runs (exchange, anisotropy, DMI, demag, SOT, 300 K).
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import jax
import pytest

from physics.engine.ensemble import ensemble_devices

ROOT = pathlib.Path(__file__).resolve().parents[1]

_SCRIPT = r"""
import json
import discretisedfield as df
import jax
import jax.numpy as jnp
import micromagneticmodel as mm
import numpy as np
from physics.engine.ensemble import ensemble_keys, run_ensemble
from physics.engine.system import build_params

cell = 2e-9
mesh = df.Mesh(p1=(0, 0, 0), p2=(16 * cell, 8 * cell, 1e-9), cell=(cell, cell, 1e-9))
system = mm.System(name="film", T=300.0)
system.energy = (mm.Exchange(A=1.5e-11) + mm.UniaxialAnisotropy(K=8.5e5, u=(0, 0, 1))
                 + mm.DMI(D=3e-4, crystalclass="Cnv_z") + mm.Demag())
system.dynamics = (mm.Precession(gamma0=2.211e5) + mm.Damping(alpha=0.02)
                   + mm.Slonczewski(J=5e11, mp=(0, 1, 0), P=0.1, Lambda=1, eps_prime=0))
system.m = df.Field(mesh, nvdim=3, value=lambda p: (0.1, 0, 1 if p[0] < 16e-9 else -1), norm=1.1e6)
m0, params, _ = build_params(system, dtype=jnp.float32)
out = {"devices": jax.device_count()}
for n in (5,):
    keys = ensemble_keys(3, n)
    amplitudes = jnp.linspace(0.5, 1.5, n)
    kwargs = dict(dt=2e-14, steps_per_output=10, n_outputs=2, amplitudes=amplitudes)
    single = run_ensemble(m0, params, keys, devices=jax.devices()[:1], **kwargs)
    split = run_ensemble(m0, params, keys, **kwargs)
    # per-member m0 too (the branch that shards the initial states)
    m_batch = jnp.stack([m0] * n)
    split_batched = run_ensemble(m_batch, params, keys, **kwargs)
    out[str(n)] = {
        "max_diff_m": float(jnp.abs(single.m - split.m).max()),
        "max_diff_observed": float(jnp.abs(single.observed - split.observed).max()),
        "max_diff_batched_m0": float(jnp.abs(single.m - split_batched.m).max()),
        "shape": list(split.m.shape),
        "split_devices": len(split.m.sharding.device_set),
        "members_differ": float(jnp.abs(single.m[0] - single.m[1]).max()),
    }
print("RESULT " + json.dumps(out))
"""


def test_ensemble_split_over_two_host_devices_matches_the_single_device_run():
    env = {
        **os.environ,
        "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
        "JAX_PLATFORMS": "cpu",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    out = json.loads(line[len("RESULT ") :])
    assert out["devices"] == 2
    for n in ("5",):
        r = out[n]
        assert r["shape"][0] == int(n)  # padding members are dropped
        # Same arithmetic per member, only the per-device batch size differs: equal up to
        # float32 round-off (1e-6 of |m| = 1) after 20 steps.
        assert r["max_diff_m"] < 1e-6, r
        assert r["max_diff_observed"] < 1e-6, r
        assert r["max_diff_batched_m0"] < 1e-6, r
        # the comparison can fail: members (other noise keys and currents) differ by far more
        assert r["members_differ"] > 1e-3, r
    assert out["5"]["split_devices"] == 2  # the result really lives on both devices


def test_ensemble_devices_never_splits_a_member():
    one = jax.devices()[:1]
    assert ensemble_devices(5, one * 3) == one * 3
    assert ensemble_devices(2, one * 3) == one * 2  # fewer members than devices
    assert ensemble_devices(1) == jax.devices()[:1]
    with pytest.raises(ValueError, match="devices"):
        ensemble_devices(4, [])


def test_dwmtj_command_gives_jax_one_host_device_per_core_unless_told_otherwise():
    import dwmtj

    env: dict[str, str] = {"XLA_FLAGS": "--xla_cpu_foo"}
    dwmtj.use_all_cpu_cores(env)
    count = os.cpu_count() or 1
    expected = f"--xla_cpu_foo --xla_force_host_platform_device_count={count}"
    assert env["XLA_FLAGS"] == (expected if count > 1 else "--xla_cpu_foo")
    explicit = {"XLA_FLAGS": "--xla_force_host_platform_device_count=1"}
    dwmtj.use_all_cpu_cores(explicit)  # an explicit count (here: opting out) is kept
    assert explicit == {"XLA_FLAGS": "--xla_force_host_platform_device_count=1"}
