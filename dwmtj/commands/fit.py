"""``dwmtj fit``: fit a compact device model to run files or measured cycles."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "fit", help="fit a compact device model (depinning laws, transport, Eq. 1, levels)",
        description="Fit per-notch depinning laws by maximum likelihood, the notch-to-notch "
        "transport model, Eq. 1 metaplasticity and conductance levels; write a JSON artifact.")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="measured cycles (.csv: cycle,pulse,V,R[,width,temperature,field]) "
                   "or physics run files (.h5)")
    p.add_argument("-o", "--output", required=True, help="model artifact to write (.json)")
    p.add_argument("--law", default="auto", choices=("auto", "arrhenius", "normal"),
                   help="depinning law (auto: lowest AIC)")
    p.add_argument("--beta", default=None,
                   help="activation exponent: a number, 'free', or omit to choose 1/1.5/2 by AIC")
    p.add_argument("--tau0", type=float, default=1e-9, help="attempt time tau0 (s)")
    p.add_argument("--n-levels", type=int, default=None,
                   help="number of resistance levels in CSV input (default: chosen by BIC)")
    p.add_argument("--bootstrap", type=int, default=0,
                   help="bootstrap resamples for the uncertainties (default: Hessian)")
    p.add_argument("--n-rep", type=int, default=200,
                   help="Monte Carlo replicates of the posterior-predictive check")
    p.add_argument("--name", default=None, help="model name (default: output file stem)")
    p.add_argument("--plot", default=None, metavar="DIR", help="write figures to DIR")
    p.add_argument("--seed", type=int, default=0, help="random seed (bootstrap, Monte Carlo)")
    p.set_defaults(func=run_fit)


def _beta(arg: str | None) -> float | str | None:
    if arg is None or arg == "free":
        return arg
    try:
        b = float(arg)
    except ValueError:
        raise ValueError(f"--beta: expected a number or 'free', got {arg!r}") from None
    if b <= 0:
        raise ValueError(f"--beta: must be positive, got {b}")
    return b


def summary_table(model, check=None) -> str:  # noqa: ANN001 (CompactModel, PredictiveCheck)
    """Text table: per-notch thresholds, spreads, trials, AIC and goodness of fit."""
    w = model.reference_conditions["pulse_width_s"]
    T = model.reference_conditions["temperature_K"]
    lines = [f"model {model.name!r}: {model.n_states} states, law {model.law} "
             f"(thresholds at {w * 1e9:g} ns, {T:g} K)"]
    if model.aic_by_law:
        lines.append("AIC by law: " + ", ".join(f"{k} {v:.1f}"
                                                for k, v in sorted(model.aic_by_law.items(),
                                                                   key=lambda kv: kv[1])))
    head = (f"{'dir':>5} {'notch':>5} {'V50 (V)':>9} {'+-':>7} {'spread (V)':>10} "
            f"{'trials':>6} {'AIC':>8} {'GoF p':>7}  note")
    lines += [head, "-" * len(head)]
    from compact.metaplasticity import threshold_with_se

    for d, laws in (("write", model.forward), ("reset", model.reverse)):
        for k, law in enumerate(laws):
            if law is None:
                continue
            v, se = threshold_with_se(law, w, T)
            note = "not identified (step)" if not law.identified else (
                "assumed" if law.assumed else "")
            gof = "" if law.gof_p is None else f"{law.gof_p:.3f}"
            lines.append(f"{d:>5} {k:>5} {v:>9.4f} {se:>7.4f} "
                         f"{law.threshold_spread_V(w, T):>10.4f} {law.n_trials:>6} "
                         f"{law.aic:>8.1f} {gof:>7}  {note}")
    c = model.conductance
    lines.append("levels: " + ", ".join(
        "never read" if r is None else f"{r:.2f}+-{s:.2f} ohm ({e:.2f}%)" for r, s, e in
        zip(c["resistance_mean_ohm"], c["resistance_sigma_ohm"], c["relative_error_pct"],
            strict=True)))
    lines.append(f"conductance {c['min_S'] * 1e3:.4g}-{c['max_S'] * 1e3:.4g} mS, "
                 f"sigma_G (RMS) {c['write_sigma_S'] * 1e6:.3g} uS")
    tm = model.transition_model
    if "reach_rate_per_s" in tm:
        u, se = tm["reach_rate_per_s"], tm.get("reach_rate_se_per_s")
        src = (f"ML from {tm.get('reach_n_moves', 0)} moves, "
               f"{tm.get('reach_n_passes', 0)} notches passed")
        if u is None:
            lines.append(f"transport: no reach limit ({src})")
        else:
            se_txt = "" if se is None else f" +- {se * w:.3f}"
            lines.append(f"transport: reach {u * w:.3f}{se_txt} notch spacings per {w * 1e9:g} ns "
                         f"pulse (u = {u * 1e-9:.3f} per ns; {src})")
    m = model.metaplasticity
    if m is not None:
        delta = "n/a" if m["delta"] is None else f"{m['delta']:.2f}"
        lines.append(f"Eq. 1: w1/w2 = {m['w1_over_w2']:.3f} +- {m['w1_over_w2_se']:.3f}, "
                     f"RMS residual {m['rms_residual']:.3f}; delta = {delta}")
    if check is not None:
        for d, name in ((1, "write"), (-1, "reset")):
            data = check.jumps_data[d]
            if data.sum() == 0:
                continue
            model_mean = check.jumps_model[d].mean(axis=0)
            lines.append(f"{name} jump sizes 1..{data.size} notches: data "
                         + " / ".join(f"{x:.2f}" for x in data) + ", model "
                         + " / ".join(f"{x:.2f}" for x in model_mean))
        q = check.quantile_of_data("var")
        lines.append(f"posterior predictive: state-map p = {check.state_map_pvalue():.3f}; "
                     "var quantile of data per switch: "
                     + ", ".join(f"{x:.2f}" for x in q))
    return "\n".join(lines)


def run_fit(args: argparse.Namespace) -> int:
    import numpy as np

    from compact.artifact import save_model
    from compact.fit import fit_model
    from compact.observations import load_observations
    from compact.states import initial_readings, reached_states
    from compact.statistics import posterior_predictive

    out = Path(args.output)
    if out.suffix.lower() != ".json":
        raise ValueError(f"--output: the artifact must be a .json file, got {out}")
    if args.n_rep < 1:
        raise ValueError("--n-rep: need at least 1 replicate")
    rng = np.random.default_rng(args.seed)
    tr, _ = load_observations(args.inputs, args.n_levels)
    extra = initial_readings(args.inputs)
    n_track_states = tr.n_states
    tr, first = reached_states(tr, None if extra is None else extra[1])
    if extra is not None:
        extra = (extra[0], np.asarray(extra[1]) - first)
    if tr.n_states < n_track_states:
        print(f"states {first}..{first + tr.n_states - 1} of 0..{n_track_states - 1} reached "
              "(0 = IN end); the unreached edge states are left out of the model, which is "
              f"relabelled from 0 (model state s = track state s + {first})")
    model = fit_model(tr, law=args.law, beta=_beta(args.beta), tau0_s=args.tau0,
                      bootstrap=args.bootstrap, name=args.name or out.stem, rng=rng,
                      extra_readings=extra, missing_levels="omit")
    check = posterior_predictive(model.laws(), tr, n_rep=args.n_rep, rng=rng)
    print(summary_table(model, check))
    if args.plot:
        from compact.plots import plot_depinning, plot_metaplasticity, plot_predictive

        d = Path(args.plot)
        figs = [plot_depinning(model, tr, d / "depinning.png"),
                plot_predictive(check, model, d / "posterior_predictive.png")]
        if model.metaplasticity is not None:
            figs.append(plot_metaplasticity(model, d / "metaplasticity_eq1.png"))
        print("figures: " + ", ".join(str(f) for f in figs))
    save_model(model, out)
    print(f"wrote {out}")
    return 0
