"""Inverse design (issue 19): gradients, a design meeting its own target, infeasible targets,
one-line CLI errors, the surrogate against stored micromagnetic landscapes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import geometries
from design.depinning import Pulse, quasi_static_thresholds, v50_and_spread
from design.objective import Problem, loss, resolved
from design.optimise import InfeasibleTarget, check_feasible, run_design
from design.params import Raw, to_profile
from design.surrogate import load_calibration, profile_of
from design.target import load_design_spec
from geometries import Track
from physics.materials import Material, load_material
from physics.multiscale.landscape import WallLandscape

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ROOT / "results" / "design" / "targets"


def small(spec, starts=1, steps=150):
    """A cheap version of a spec: no depth variance in the objective, few samples."""
    import dataclasses

    return dataclasses.replace(
        spec,
        constraints=dataclasses.replace(spec.constraints, depth_sigma_m=0.0),
        optimiser=dataclasses.replace(
            spec.optimiser, starts=starts, steps=steps, yield_samples=20, robust_samples=1
        ),
    )


def test_gradient_matches_central_differences():
    """d loss / d z by jax.grad against central differences (float64, h = 1e-5 in the
    unconstrained parameters): the V50 comes from a bisection whose gradient is the implicit
    one, so agreement checks the implicit step and the closed-form surrogate together. The
    bisection leaves V50 exact to 2^-48 of its bracket, far below the h-induced change, so a
    relative tolerance of 1e-4 is ample for float64."""
    spec = load_design_spec(TARGETS / "scaled-4-levels.toml")
    with jax.enable_x64(True):
        problem = Problem.of(spec, load_calibration())
        z = Raw(
            jnp.array([0.3, -0.2]),
            jnp.array(0.1),
            jnp.array([0.1, -0.2, 0.3, 0.0, 0.2]),
            jnp.array([0.5, -0.3, 0.2, 0.8]),
        )

        @jax.jit
        def f(z):
            return loss(problem, to_profile(z, spec.constraints))

        g = jax.jit(jax.grad(f))(z)
        flat, unravel = jax.flatten_util.ravel_pytree(z)
        gflat, _ = jax.flatten_util.ravel_pytree(g)
        h = 1e-5
        f_flat = jax.jit(lambda x: f(unravel(x)))
        for i in range(flat.size):
            e = jnp.zeros_like(flat).at[i].set(h)
            fd = (f_flat(flat + e) - f_flat(flat - e)) / (2 * h)
            assert abs(float(gflat[i]) - float(fd)) <= 1e-4 * max(abs(float(fd)), 1e-3), (
                i,
                float(gflat[i]),
                float(fd),
            )


# ~30 s (its own compilation of the V50 bisection): slow
@pytest.mark.slow
def test_v50_gradient_in_depth_is_positive():
    """A deeper notch pins harder: dV50_k/dd_k > 0 (a physical check on the gradient)."""
    spec = load_design_spec(TARGETS / "scaled-4-levels.toml")
    with jax.enable_x64(True):
        problem = Problem.of(spec, load_calibration())
        p = to_profile(
            Raw(jnp.zeros(2), jnp.zeros(()), jnp.zeros(5), jnp.zeros(4)), spec.constraints
        )
        jac = jax.jacobian(
            lambda d: v50_and_spread(
                p._replace(depths=d), problem.material, problem.cal, problem.pulse
            )[0]
        )(p.depths)
        assert np.all(np.diag(np.asarray(jac)) > 0)


@pytest.mark.parametrize(
    "name",
    [
        "scaled-4-levels",
        # the rough-edge design; ~30 s of its own compilation: slow
        pytest.param("scaled-4-levels-rough", marks=pytest.mark.slow),
    ],
)
def test_design_meets_its_own_target(name):
    """A committed design (results/design/NAME, made by `dwmtj design`), read back through
    geometries as a preset, meets its target in the model: every V50 within the target's
    tolerance (5 %) and all neighbouring levels resolved."""
    from geometries import load_preset

    spec = load_design_spec(TARGETS / f"{name}.toml")
    track = load_preset(ROOT / f"results/design/{name}/{name}.toml")
    with jax.enable_x64(True):
        problem = Problem.of(spec, load_calibration())
        v50, sig = v50_and_spread(profile_of(track), problem.material, problem.cal, problem.pulse)
    v50, sig = np.asarray(v50), np.asarray(sig)
    assert np.all(np.abs(v50 / np.array(spec.target.levels_V) - 1) <= spec.target.tolerance)
    assert resolved(problem, v50, sig).all()


# ~30 s (its own compilation of the V50 bisection): slow
@pytest.mark.slow
def test_optimiser_reduces_the_objective():
    """One start of 60 Adam steps lowers the nominal objective at least tenfold."""
    spec = small(load_design_spec(TARGETS / "scaled-4-levels.toml"), steps=60)
    chosen, _ = run_design(spec, progress=False)
    s = chosen.starts[0]
    assert s["loss"] < 0.1 * s["loss_at_start"]


def test_infeasible_levels_too_close_are_refused():
    import dataclasses

    spec = load_design_spec(TARGETS / "scaled-4-levels.toml")
    bad = dataclasses.replace(
        spec, target=dataclasses.replace(spec.target, levels_V=(0.30, 0.305, 0.31, 0.315))
    )
    with pytest.raises(InfeasibleTarget, match="target.levels_V: levels 0 and 1"):
        check_feasible(bad)


def test_infeasible_too_many_notches_for_the_length():
    import dataclasses

    spec = load_design_spec(TARGETS / "scaled-4-levels.toml")
    levels = tuple(0.2 + 0.3 * k for k in range(8))
    bad = dataclasses.replace(spec, target=dataclasses.replace(spec.target, levels_V=levels))
    with pytest.raises(InfeasibleTarget, match="8 notches"):
        check_feasible(bad)


# ~30 s (its own compilation of the V50 bisection): slow
@pytest.mark.slow
def test_unreachable_level_is_reported_infeasible():
    """Levels far above what the widest, deepest notches give: the optimiser finishes and says
    so (feasible = False, naming the notch)."""
    import dataclasses

    spec = small(load_design_spec(TARGETS / "scaled-4-levels.toml"), steps=40)
    bad = dataclasses.replace(
        spec, target=dataclasses.replace(spec.target, levels_V=(5.0, 10.0, 15.0, 20.0))
    )
    chosen, _ = run_design(bad, progress=False)
    assert not chosen.feasible
    assert any("misses its target" in r for r in chosen.reasons)


def _cli(tmp_path, text):
    f = tmp_path / "t.toml"
    base = (TARGETS / "scaled-4-levels.toml").read_text()
    f.write_text(text(base))
    r = subprocess.run(
        [sys.executable, "-m", "dwmtj", "design", str(f), "--check", "--no-progress"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    return r


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda s: s.replace("[0.20, 0.35, 0.50, 0.65]", "[0.25, nan, 0.45, 0.55]"), "levels_V"),
        (lambda s: s.replace("[0.20, 0.35, 0.50, 0.65]", "[250, 350, 450, 550]"), "levels_V"),
        (lambda s: s.replace("[0.20, 0.35, 0.50, 0.65]", "[0.25, 0.45, 0.35, 0.55]"), "levels_V"),
        (lambda s: s.replace("min_width_m = 20e-9", "min_width_m = 200e-9"), "min_width_m"),
        (lambda s: s.replace("length_m = 300e-9", "length_m = 150e-9"), "levels_V"),
        # the spacing check needs the model's spread (a ~25 s compile in a fresh process);
        # test_infeasible_levels_too_close_are_refused covers it in-process
        pytest.param(
            lambda s: s.replace("[0.20, 0.35, 0.50, 0.65]", "[0.3, 0.301, 0.302, 0.303]"),
            "levels_V",
            marks=pytest.mark.slow,
        ),
    ],
)
def test_cli_bad_targets_fail_in_one_line(tmp_path, edit, field, capsys):
    # In-process (``dwmtj.cli.main``, as tests/test_cli.py does): a fresh interpreter per case
    # cost ~6 s each; test_cli_bad_target_fails_in_one_line_in_a_real_process keeps one.
    from dwmtj.cli import main

    f = tmp_path / "t.toml"
    f.write_text(edit((TARGETS / "scaled-4-levels.toml").read_text()))
    assert main(["design", str(f), "--check", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert field in err


def test_cli_bad_target_fails_in_one_line_in_a_real_process(tmp_path):
    r = _cli(tmp_path, lambda s: s.replace("[0.20, 0.35, 0.50, 0.65]", "[0.25, nan, 0.45, 0.55]"))
    assert r.returncode == 2, r.stderr
    err = r.stderr.strip()
    assert "\n" not in err and "Traceback" not in err
    assert "levels_V" in err


def test_surrogate_within_band_of_stored_landscape():
    """The calibrated surrogate's T = 0 thresholds against the stored micromagnetic landscape
    of the full-size trapezoid (4 nm cells, results/paper-scale): within the 20 % band stated
    in results/design/README.md for every notch."""
    land = WallLandscape.load(ROOT / "results/paper-scale/landscape-trapezoid-4nm.npz")
    track = Track.from_dict(land.meta["geometry"])
    material = Material(**land.meta["material"])
    mm = land.depinning_voltages(-4e-3 / (4e-7 * np.pi))
    with jax.enable_x64(True):
        sur = np.asarray(
            quasi_static_thresholds(profile_of(track), material, load_calibration(), Pulse(50e-9))
        )
    assert np.all(np.abs(sur / mm - 1) <= 0.20), sur / mm - 1


def test_stored_validation_numbers():
    """results/design/surrogate-validation.json was made with the committed calibration."""
    report = json.loads((ROOT / "results/design/surrogate-validation.json").read_text())
    cal = load_calibration()
    assert report["calibration"]["c_pin"] == cal.c_pin
    assert report["calibration"]["log10_rate"] == cal.log10_rate


def test_t0_micromagnetic_verification_from_the_stored_ladder():
    """Issue 19, step 4 (T = 0 half), from stored runs: the micromagnetic ladder of the
    committed 4-level design (results/design/verification) against the design model's T = 0
    thresholds for the same track and material. Notches 0-2 lie inside the model's stated
    +-35 % band; notch 3 (the deepest, outside the calibration's depth range) is the documented
    miss: the engine holds the wall beyond the ladder's 1.0 V where the model says < 1.0 V."""
    import json

    here = ROOT / "results/design/verification"
    ladder = json.loads((here / "ladder-scaled-4-levels-T0.json").read_text())
    model = json.loads((here / "surrogate-t0.json").read_text())["scaled-4-levels"]
    track = geometries.load_preset(ROOT / "results/design/scaled-4-levels/scaled-4-levels.toml")
    assert np.allclose(ladder["notch_centre_m"], track.notches.positions, rtol=1e-9)
    assert ladder["material"].endswith("thermal_m = 0.95")
    predicted = np.asarray(model["thermal_m=0.95"])
    measured = np.asarray(ladder["threshold_V"][:3], float)
    assert np.all(np.abs(predicted[:3] / measured - 1) <= 0.35)
    assert np.isnan(ladder["threshold_V"][3]) and ladder["v_low_V"][3] >= 1.0 > predicted[3]


def test_300k_micromagnetic_verification_from_the_stored_ramp():
    """Issue 19, step 4 (300 K half), from the stored run: the ramp V50 of each notch of the
    4-level design (median first-passage voltage, 16 realisations) against the design's
    predicted single-pulse V50. A ramp V50 can only sit at or below a single-pulse one, so a
    ramp V50 above the prediction's +35 % band is a miss. Stored result: notch 0 on target, 1-3
    missed (documented in results/design/README.md)."""
    import json

    from physics.experiment.store import open_run

    here = ROOT / "results/design/verification"
    stored = json.loads((here / "ramp-scaled-4-levels-300K.json").read_text())
    run = open_run(here / "runs" / stored["run"])
    x = np.asarray(run.readouts["position"])
    volts = np.asarray(run.pulses["voltage"])[: x.shape[1]]
    track = geometries.load_preset(ROOT / "results/design/scaled-4-levels/scaled-4-levels.toml")
    c = np.asarray(track.notches.positions)
    edges = np.append((c[:-1] + c[1:]) / 2, c[-1] + 20e-9)
    first = [np.where((x > e).any(axis=1), volts[np.argmax(x > e, axis=1)], np.inf) for e in edges]
    v50 = [float(np.median(f)) for f in first]
    assert v50[:3] == pytest.approx([r["ramp_v50_V"] for r in stored["notches"][:3]])
    predicted = np.asarray(stored["design"]["v50_V"])
    assert predicted == pytest.approx([0.205, 0.351, 0.494, 0.646], abs=5e-4)
    assert abs(v50[0] / predicted[0] - 1) <= 0.35
    assert all(v50[k] > 1.35 * predicted[k] for k in (1, 2, 3))


def test_artifact_network_carries_the_predicted_metaplasticity_not_the_target():
    """An f_meta design's artifact gives the network the Eq. 1 ratio fitted to the design's
    own predicted V50s (0.474 for the committed w1/w2 = 0.5 target), so that a network run
    measures the design, not the wish; the committed artifact is what the code writes."""
    sys.path.insert(0, str(ROOT / "results" / "design"))
    from refresh_artifact import artifact_from_stored

    model = artifact_from_stored("scaled-fmeta-half")
    fitted = model.metaplasticity["w1_over_w2"]
    assert model.network["w1_over_w2"] == pytest.approx(fitted)
    assert abs(fitted - 0.5) > 0.01
    stored = json.loads(
        (ROOT / "results/design/scaled-fmeta-half/scaled-fmeta-half-model.json").read_text()
    )
    assert stored["network"]["w1_over_w2"] == pytest.approx(fitted, rel=1e-9)


def test_designed_fmeta_synapse_reaches_its_targets_accuracy_from_the_stored_run():
    """results/design/networks/fmeta-half-10x30 (3 seeds, paired): the designed device's final
    accuracy is not distinguishable from its ideal target's (paired t-test at 5 % does not
    reject, and the mean difference is below 0.5 points, ~2 seed sds), while the paper's 1:4
    trapezoid is resolved above the design: the network feels f_meta, so agreement is not for lack
    of sensitivity."""
    from dwmtj.pipeline.report import paired_contrast
    from nn.stream import load_result

    result = load_result(ROOT / "results/design/networks/fmeta-half-10x30/stream.h5")
    acc = 100 * np.asarray(result.stream_accuracy, float)[:, :, -1]
    designed = acc[
        result.labels.index("results/design/scaled-fmeta-half/scaled-fmeta-half-model.json")
    ]
    target = acc[result.labels.index("trapezoid:w1w2=0.5")]
    paper = acc[result.labels.index("trapezoid")]
    same = paired_contrast(designed, target)
    assert not same["resolved"] and abs(same["delta_pct"]) < 0.5
    assert paired_contrast(paper, designed)["resolved"]


def test_max_depth_fraction_bounds_every_depth():
    """constraints.max_depth_fraction f: for any unconstrained parameters every notch depth
    (per side) stays <= f x the local width and >= the minimum feature; without it the
    optimiser may cut to (w - w_min) / 2. A fraction that leaves no depth on the narrowest
    track is refused naming the field."""
    import dataclasses

    from geometries.validation import load

    spec = load_design_spec(TARGETS / "scaled-4-levels.toml")
    c = dataclasses.replace(spec.constraints, max_depth_fraction=0.2)
    key = jax.random.key(0)
    worst_free, worst = 0.0, 0.0
    with jax.enable_x64(True):
        for i in range(50):
            z = Raw(
                *(
                    3.0 * jax.random.normal(k, s)
                    for k, s in zip(
                        jax.random.split(jax.random.fold_in(key, i), 4),
                        [(2,), (), (5,), (4,)],
                        strict=True,
                    )
                )
            )
            for cons in (c, spec.constraints):
                p = to_profile(z, cons)
                w_loc = p.w1 + (p.w2 - p.w1) * p.positions / p.length
                frac = float(jnp.max(p.depths / w_loc))
                assert float(jnp.min(p.depths)) >= cons.min_feature_m * (1 - 1e-12)
                if cons is c:
                    worst = max(worst, frac)
                else:
                    worst_free = max(worst_free, frac)
    assert worst <= 0.2 * (1 + 1e-12)
    assert worst_free > 0.25  # the bound is active: unbounded designs go deeper
    with pytest.raises(ValueError, match="max_depth_fraction"):
        load(
            type(c), {**spec.constraints.to_dict(), "max_depth_fraction": 0.1}
        )  # 0.1 x 28 nm < 4 nm


def test_calibrated_range_design_t0_ladder_with_adiabatic_edges():
    """Issue 19, step 4 (T = 0), the design inside the calibrated depth range
    (results/design/scaled-3-levels-calibrated, max_depth_fraction 0.15): the micromagnetic
    ladder with 1 ns edges (verification/ladder-scaled-3-levels-calibrated-T0-adiabatic.json)
    against the design model's T = 0 thresholds. Notches 0-1 within 15 % (measured -8 %, -10 %;
    the ladder's bracket is +-0.019 V, 6-10 %); the last notch, in the wide end region 53 nm
    from the CLK end, holds the wall beyond the ladder's 1.0 V where the model says 0.39 V
    (README "A design inside the calibrated range": pulses that leave the notch drive the wall
    as above Walker breakdown; verification/last-notch.json)."""
    import json

    here = ROOT / "results/design/verification"
    ladder = json.loads((here / "ladder-scaled-3-levels-calibrated-T0-adiabatic.json").read_text())
    model = json.loads((here / "surrogate-t0.json").read_text())["scaled-3-levels-calibrated"]
    name = "scaled-3-levels-calibrated"
    track = geometries.load_preset(ROOT / f"results/design/{name}/{name}.toml")
    assert np.allclose(ladder["notch_centre_m"], track.notches.positions, rtol=1e-9)
    assert ladder["pulse"]["edges_s"] == 1e-9
    predicted = np.asarray(model["thermal_m=0.95"])
    measured = np.asarray(ladder["threshold_V"][:2], float)
    assert np.all(np.abs(predicted[:2] / measured - 1) <= 0.15)
    assert np.isnan(ladder["threshold_V"][2]) and ladder["v_low_V"][2] >= 1.0 > 2 * predicted[2]


def test_last_notch_wall_moves_back_under_the_bias():
    """verification/last-notch.json (T = 0, the calibrated-range design, wall relaxed at its
    last notch): with the -4 mT bias +0.2-0.4 V pulses hold it within 5 nm, a +1.0 V pulse
    leaves it behind notch 1's midpoint (moved back towards IN); without the bias +0.5 V takes
    it past the notch but not to the end (300 nm)."""
    import json

    rows = {
        r["case"]: r
        for r in json.loads((ROOT / "results/design/verification/last-notch.json").read_text())[
            "rows"
        ]
    }
    held = rows["bias -4 mT, +0.2 ... +0.4 V"]
    assert all(abs(x - held["start_nm"]) < 5 for x in held["after_each_pulse_nm"])
    c = rows["bias -4 mT, +0.5 ... +1.0 V"]["notch_centres_nm"]
    back = rows["bias -4 mT, +0.5 ... +1.0 V"]["after_each_pulse_nm"]
    assert back[0] < c[2] - 15 and back[-1] < 0.5 * (c[1] + c[2])
    free = rows["bias 0, +0.5 ... +1.0 V"]["after_each_pulse_nm"]
    assert all(c[2] + 8 < x < 290 for x in free)


def test_300k_ramp_of_the_3_level_design_loses_walls_behind_notch_0():
    """Issue 19, step 4 (300 K half) for the calibrated 3-level design, from the stored runs of
    the seed sweep (results/design/verification/runs-3-levels-300K; adiabatic 1 ns edges, 1 ns
    settle, -4 mT): the stored table is what the run files give, and many walls leave notch 0
    backwards, towards the IN end, before any pulse could push them forward (after the first
    pulse, 0.10 V, below every predicted V50). Claimed: about half. Asserted: at least a
    quarter; if the true fraction were 5 %, >= 4 of 16 would happen with probability < 1 %."""
    import json

    from physics.experiment.store import open_run

    here = ROOT / "results/design/verification"
    stored = json.loads((here / "ramp-scaled-3-levels-calibrated-300K.json").read_text())
    names = stored["run"] if isinstance(stored["run"], list) else [stored["run"]]
    x = np.concatenate(
        [np.asarray(open_run(here / "runs-3-levels-300K" / n).readouts["position"]) for n in names]
    )
    track = geometries.load_preset(
        ROOT / "results/design/scaled-3-levels-calibrated/scaled-3-levels-calibrated.toml"
    )
    notch0 = float(np.asarray(track.notches.positions)[0])
    behind = x < notch0 / 2
    assert stored["behind_notch_0"] == {
        "after_first_pulse": int(behind[:, 0].sum()),
        "after_last_pulse": int(behind[:, -1].sum()),
        "realisations": x.shape[0],
    }
    assert x.shape[0] >= 16
    assert behind[:, 0].sum() >= x.shape[0] / 4
    assert min(stored["design"]["v50_V"]) > stored["voltages_V"][0]


def test_backward_escape_time_matches_free_diffusion_on_a_flat_landscape():
    # No bias, no voltage, a uniform width and notches of zero depth: the energy is flat and the
    # mean first-passage time from x0 to the absorbing x0 / 2 with a reflecting wall at
    # R = x0 + half the notch spacing is that of free diffusion,
    # tau = ((R - x0/2)^2 - (R - x0)^2) / (2 D), D = k_B T mu 10^log10_rate / w.
    import math

    from design.depinning import log_backward_escape_time
    from design.surrogate import Profile
    from physics.engine.constants import GAMMA0_DEFAULT, KB

    material = load_material("ta-cofeb-mgo-trapezoid")
    cal = load_calibration()
    w, x0, x1 = 60e-9, 50e-9, 150e-9
    with jax.enable_x64(True):
        p = Profile(
            w1=jnp.asarray(w),
            w2=jnp.asarray(w),
            length=jnp.asarray(300e-9),
            notch_width=jnp.asarray(15e-9),
            positions=jnp.asarray([x0, x1]),
            depths=jnp.zeros(2),
        )
        pulse = Pulse(duration=1e-9, temperature=300.0, bias=0.0)
        tau = math.exp(float(log_backward_escape_time(p, 0.0, material, cal, pulse, n=4001)))
    mobility = (
        GAMMA0_DEFAULT
        * material.wall_width
        / (2 * material.alpha * 4e-7 * math.pi * material.Ms * material.t_fm)
    )
    D = KB * 300.0 * mobility * 10**cal.log10_rate / w
    R = x0 + 0.5 * (x1 - x0)
    expected = ((R - x0 / 2) ** 2 - (R - x0) ** 2) / (2 * D)
    assert tau == pytest.approx(expected, rel=2e-3)  # grid of 4001 points: O(h) endpoint terms


def test_backward_escape_explains_which_300k_ramp_lost_walls_behind_notch_0():
    """The design model's backward escape from notch 0 (bias and taper at 300 K) against the
    stored 300 K ramps' first pulse (results/design/verification/backward-escape.json, made by
    backward_escape.py): the stored numbers are what the model gives now; with the designs'
    own material (thermal_m = 0.95) the model predicts that the 3-level design, with its 1 ns
    relaxation, 1 ns edges and 1 ns settle, loses more than a quarter of its walls behind
    notch 0 and the 4-level design (0.1 ns, 50 ps, 0.2 ns) less than 15 %, as observed; and
    each observed count is consistent with the prediction (two-sided binomial p > 0.01)."""
    sys.path.insert(0, str(ROOT / "results/design/verification"))
    import backward_escape

    stored = json.loads((ROOT / "results/design/verification/backward-escape.json").read_text())
    for name, (spec_file, table_file) in backward_escape.CHECKS.items():
        here = ROOT / "results/design/verification"
        import tomllib

        times, volts, conditions = backward_escape.first_pulse(
            tomllib.loads((here / spec_file).read_text())
        )
        assert stored[name]["protocol"] == conditions
        table = json.loads((here / table_file).read_text())["behind_notch_0"]
        assert stored[name]["observed"] == {
            "behind_after_first_pulse": table["after_first_pulse"],
            "realisations": table["realisations"],
        }
    from design.depinning import protocol_backward_escape_probability
    from physics.materials import MU0
    from physics.multiscale.renormalise import renormalised

    with jax.enable_x64(True):
        name = "scaled-3-levels-calibrated"
        times, volts, c = backward_escape.first_pulse(
            __import__("tomllib").loads(
                (ROOT / "results/design/verification" / backward_escape.CHECKS[name][0]).read_text()
            )
        )
        track = geometries.load_preset(ROOT / f"results/design/{name}/{name}.toml")
        now = float(
            protocol_backward_escape_probability(
                profile_of(track),
                renormalised(load_material("ta-cofeb-mgo-trapezoid"), 0.95),
                load_calibration(),
                Pulse(c["fwhm_s"], c["temperature_K"], c["bias_T"] / MU0),
                times,
                volts,
            )
        )
    model = {n: stored[n]["model"]["thermal_m=0.95"] for n in stored}
    assert now == pytest.approx(model[name]["predicted_probability"], abs=1e-4)
    assert model["scaled-3-levels-calibrated"]["predicted_probability"] > 0.25
    assert model["scaled-4-levels"]["predicted_probability"] < 0.15
    for n in stored:
        assert model[n]["binomial_p_two_sided"] > 0.01, n


def test_hold_constraint_penalises_a_notch_0_that_lets_the_wall_go_back():
    # The 3-level design's notch 0 at -4 mT, 300 K: tau_back ~3 ns (thermal_m = 0.95). Asking
    # it to hold for 1 us with <= 1 % escape costs a positive penalty; for 1 ps, none.
    import dataclasses

    from design.objective import hold_penalty

    spec = load_design_spec(TARGETS / "scaled-3-levels-calibrated.toml")
    track = geometries.load_preset(
        ROOT / "results/design/scaled-3-levels-calibrated/scaled-3-levels-calibrated.toml"
    )
    with jax.enable_x64(True):
        p = profile_of(track)
        penalty = {}
        for hold in (1e-6, 1e-12):
            s = dataclasses.replace(spec, target=dataclasses.replace(spec.target, hold_time_s=hold))
            hold_term, log_tau = hold_penalty(Problem.of(s, load_calibration()), p)
            penalty[hold] = float(hold_term)
            tau = float(jnp.exp(log_tau))
    assert 1e-10 < tau < 1e-7
    # The optimiser with the constraint (stored run of scaled-3-levels-hold.toml, 5 ns, 1 %):
    # its notch 0 holds, tau_back >= 5 ns / -ln(0.99) ~ 0.5 us, where the unconstrained
    # design's is ~3 ns; it pays with its levels (reported INFEASIBLE for them).
    hold_spec = load_design_spec(TARGETS / "scaled-3-levels-hold.toml")
    report = json.loads(
        (ROOT / "results/design/scaled-3-levels-hold/scaled-3-levels-hold-report.json").read_text()
    )
    t = hold_spec.target
    assert report["predicted"]["backward_escape_time_s"] >= t.hold_time_s / -np.log1p(
        -t.max_backward_escape
    )
    assert not report["feasible"] and all("backwards" not in r for r in report["reasons"])
    assert penalty[1e-6] > 1.0  # ln(1e-6 / 1.005e-2 / tau) ~ 10 e-folds short, squared
    assert penalty[1e-12] == 0.0


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (
            lambda s: s.replace("min_margin =", "max_backward_escape = 1.5\nmin_margin ="),
            "max_backward_escape",
        ),
        (lambda s: s.replace("min_margin =", "hold_time_s = -1e-9\nmin_margin ="), "hold_time_s"),
    ],
)
def test_bad_hold_constraint_fails_in_one_line(tmp_path, edit, field):
    from design.target import load_design_spec as load

    f = tmp_path / "t.toml"
    f.write_text(edit((TARGETS / "scaled-4-levels.toml").read_text()))
    with pytest.raises(ValueError, match=field):
        load(f)
