"""Fit a compact model to run files or measured cycles: what ``dwmtj fit`` and the demo's
fit stage both do.

:func:`fit_runs` reads the inputs (:func:`compact.observations.load_observations`, and the
readings before each cycle of physics run files), drops the edge states the wall never
reached (:func:`compact.states.reached_states`), fits the model (:func:`compact.fit.fit_model`;
a state the wall always jumped over gets no conductance level) and runs the
posterior-predictive check (:func:`compact.statistics.posterior_predictive`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compact.artifact import CompactModel
from compact.depinning import DEFAULT_TAU0_S
from compact.fit import fit_model
from compact.observations import Transitions, load_observations
from compact.states import initial_readings, reached_states
from compact.statistics import PredictiveCheck, posterior_predictive


@dataclass
class FitResult:
    """A fitted model with what it was fitted on.

    ``transitions``: the table the model was fitted on (reached states only, relabelled from
    0); ``first_state``: the input (track) state that became model state 0, so model state m
    is track state m + ``first_state``; ``track_states``: the number of states of the input.
    """

    model: CompactModel
    check: PredictiveCheck
    transitions: Transitions
    first_state: int
    track_states: int

    @property
    def dropped_edge_states(self) -> bool:
        """True when unreached edge states were left out of the model."""
        return self.model.n_states < self.track_states

    def reached_note(self) -> str:
        """One line on the states kept ('' when every state was reached)."""
        if not self.dropped_edge_states:
            return ""
        first, n = self.first_state, self.model.n_states
        return (
            f"states {first}..{first + n - 1} of 0..{self.track_states - 1} reached "
            "(0 = IN end); the unreached edge states are left out of the model, which is "
            f"relabelled from 0 (model state s = track state s + {first})"
        )


def fit_runs(
    inputs: Sequence[str | Path],
    *,
    name: str,
    law: str = "auto",
    beta: float | str | None = None,
    tau0_s: float = DEFAULT_TAU0_S,
    n_levels: int | None = None,
    bootstrap: int = 0,
    n_rep: int = 200,
    seed: int = 0,
    force: bool = False,
) -> FitResult:
    """Fit a compact model to ``inputs`` (``.csv`` measured cycles or ``.h5`` run files).

    ``law``: ``"auto"`` (lowest AIC), ``"arrhenius"`` or ``"normal"``; ``beta``: the
    activation exponent (a number, ``"free"``, or None to choose 1/1.5/2 by AIC); ``tau0_s``:
    attempt time (s); ``n_levels``: resistance levels of CSV input (None: by BIC);
    ``bootstrap``: resamples for the uncertainties (0: Hessian); ``n_rep``: Monte Carlo
    replicates of the posterior-predictive check; ``seed``: of the bootstrap and Monte Carlo;
    ``force``: fit run files that fail their checks (partial, tampered, name not the hash of
    the spec; :func:`physics.experiment.store.open_run`) knowingly, with a warning.
    Raises ValueError (naming the field or file) when the inputs cannot be fitted or a run
    file is refused.
    """
    if n_rep < 1:
        raise ValueError(f"n_rep: need at least 1 replicate, got {n_rep}")
    rng = np.random.default_rng(seed)
    tr, _ = load_observations(list(inputs), n_levels, force=force)
    extra = initial_readings(list(inputs), force=force)
    track_states = tr.n_states
    tr, first = reached_states(tr, None if extra is None else extra[1])
    if extra is not None:
        extra = (extra[0], np.asarray(extra[1]) - first)
    model = fit_model(
        tr,
        law=law,
        beta=beta,
        tau0_s=tau0_s,
        bootstrap=bootstrap,
        name=name,
        rng=rng,
        extra_readings=extra,
        missing_levels="omit",
    )
    check = posterior_predictive(model.laws(), tr, n_rep=n_rep, rng=rng)
    return FitResult(
        model=model, check=check, transitions=tr, first_state=first, track_states=track_states
    )
