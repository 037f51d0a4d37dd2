"""Adaptive embedded Runge-Kutta integration of dm/dt, entirely inside jitted JAX loops.

``rk54_step(rhs, m, t, h, k1, method)``: one step of an FSAL pair (:data:`TABLEAUX`: the
Dormand & Prince RK5(4)7F pairs ``rkf54`` = 7FC, OOMMF's default and this engine's,
``rkf54m`` = 7FM, "DOPRI5", ``rkf54s`` = 7FS; and ``rk4`` = classical RK4 with an FSAL
3rd-order estimate, the cheapest per unit time where stability limits the step).

``adaptive_steps(rhs, state, t_stop, tol, ...) -> (state, attempts)``
    The one adaptive loop: a ``lax.while_loop`` of step attempts from ``state``
    (:class:`RKState`) until t_stop (the last step ends exactly on it), or until an optional
    ``converged(m)`` holds after an accepted step (the relaxation driver's stopping test).
``integrate_rk45(rhs, m0, t0, stage_times, h0, tol, observe) -> (m_end, observations, stats)``
    rhs(m, t) -> dm/dt (1/s); m0 unit vectors (nx, ny, nz, 3); stage_times (n,) output times
    (s, increasing, > t0). Between outputs :func:`adaptive_steps` runs; the outer ``lax.scan``
    records ``observe(m, t)`` (a pytree) at every output time, so there is no Python in the
    time loop.

Error control: the embedded lower-order solution gives err = max over cells |m5 - m4| (the
higher-order solution is propagated); a step is accepted when err <= tol (dimensionless,
default 1e-5 per step), else retried with a smaller h. The new step is
h * clip(0.9 (tol/err)^(1/(q+1)), 0.2, 5), q the embedded order (4; 3 for rk4), times a PI
term after an accepted step where the pair asks for one (:func:`_attempt`). m is renormalised
after every accepted step (|m| = 1 to round-off; cells outside the magnet stay zero). A step
whose result is not finite is rejected; the loop gives up when h falls below h_min.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .vectors import norm as vector_norm

Rhs = Callable[[jax.Array, jax.Array], jax.Array]
"""rhs(m, t) -> dm/dt (1/s)."""


class Tableau(NamedTuple):
    """An explicit embedded Runge-Kutta pair with s stages, first-same-as-last (FSAL): the last
    stage is evaluated at the propagated (higher-order) solution, so it is the next step's
    stage 1 and a step costs s - 1 evaluations of the right-hand side."""

    name: str
    c: tuple[float, ...]
    """Stage times as fractions of the step (s)."""
    a: tuple[tuple[float, ...], ...]
    """Rows 2..s of the Butcher matrix (row s = the propagated solution's weights)."""
    b4: tuple[float, ...]
    """Weights of the embedded lower-order solution (s), used only for the error estimate."""
    low_order: int = 4
    """Order of the embedded solution: the step controller's exponent is 1/(low_order + 1)."""
    pi_beta: float = 0.0
    """beta of the PI step-size controller (0: the plain I controller); see :func:`_attempt`."""

    @property
    def stages(self) -> int:
        """Number of stages s (the last one FSAL)."""
        return len(self.c)

    @property
    def b5(self) -> tuple[float, ...]:
        """Weights of the propagated solution (s; the last is 0)."""
        return (*self.a[-1], 0.0)

    @property
    def e(self) -> tuple[float, ...]:
        """Error weights b5 - b4 (s)."""
        return tuple(x - y for x, y in zip(self.b5, self.b4, strict=True))

    def matrix(self) -> np.ndarray:
        """The (s, s) Butcher matrix (row i: the weights of stage i's input)."""
        out = np.zeros((self.stages, self.stages))
        for i, row in enumerate(self.a, start=1):
            out[i, : len(row)] = row
        return out


# The three Dormand & Prince RK5(4)7F pairs (J. R. Dormand and P. J. Prince, "A family of
# embedded Runge-Kutta formulae", J. Comput. Appl. Math. 6, 19 (1980), and "New Runge-Kutta
# algorithms for numerical simulation in dynamical astronomy", Celest. Mech. 18, 223 (1978)),
# the methods OOMMF offers as rkf54 (7FC, its default), rkf54m (7FM) and rkf54s (7FS).
RKF54 = Tableau(
    "rkf54",
    c=(0.0, 1 / 5, 3 / 10, 6 / 13, 2 / 3, 1.0, 1.0),
    a=(
        (1 / 5,),
        (3 / 40, 9 / 40),
        (264 / 2197, -90 / 2197, 840 / 2197),
        (932 / 3645, -14 / 27, 3256 / 5103, 7436 / 25515),
        (-367 / 513, 30 / 19, 9940 / 5643, -29575 / 8208, 6615 / 3344),
        (35 / 432, 0.0, 8500 / 14553, -28561 / 84672, 405 / 704, 19 / 196),
    ),
    b4=(11 / 108, 0.0, 6250 / 14553, -2197 / 21168, 81 / 176, 171 / 1960, 1 / 40),
)
"""RK5(4)7FC: OOMMF's default (``rkf54``) and this engine's. Its stability region reaches
about 1.6 times further along the lightly damped imaginary axis than 7FM's (|R| <= 1 up to
h|lambda| = 3.39 against 2.08 for eigenvalues lambda ~ (i - 0.02)|lambda|), so where the
stiff exchange modes limit the step, as on 2 nm cells, it takes fewer steps."""

RKF54M = Tableau(
    "rkf54m",
    c=(0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0),
    a=(
        (1 / 5,),
        (3 / 40, 9 / 40),
        (44 / 45, -56 / 15, 32 / 9),
        (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
        (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
        (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
    ),
    b4=(5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40),
)
"""RK5(4)7FM (minimised error coefficients): the classic "DOPRI5" of ode45 and diffrax."""

RKF54S = Tableau(
    "rkf54s",
    c=(0.0, 2 / 9, 1 / 3, 5 / 9, 2 / 3, 1.0, 1.0),
    a=(
        (2 / 9,),
        (1 / 12, 1 / 4),
        (55 / 324, -25 / 108, 50 / 81),
        (83 / 330, -13 / 22, 61 / 66, 9 / 110),
        (-19 / 28, 9 / 4, 1 / 7, -27 / 7, 22 / 7),
        (19 / 200, 0.0, 3 / 5, -243 / 400, 33 / 40, 7 / 80),
    ),
    b4=(431 / 5000, 0.0, 333 / 500, -7857 / 10000, 957 / 1000, 193 / 2000, -1 / 50),
)
"""RK5(4)7FS (extended stability region)."""

RK4 = Tableau(
    "rk4",
    c=(0.0, 1 / 2, 1 / 2, 1.0, 1.0),
    a=(
        (1 / 2,),
        (0.0, 1 / 2),
        (0.0, 0.0, 1.0),
        (1 / 6, 1 / 3, 1 / 3, 1 / 6),
    ),
    b4=(1 / 6, 1 / 3, 1 / 3, 2 / 3, -1 / 2),
    low_order=3,
    pi_beta=0.08,
)
"""The classical 4th-order Runge-Kutta method with an FSAL 3rd-order error estimate: RK4(3).

Stage 5 is f at the new solution (the next step's stage 1), so a step costs 4 evaluations
against the 5(4) pairs' 6. The order-3 conditions leave the embedded weights the one-parameter
family b + g (0, 0, 0, 1, -1); g = 1/2 makes the estimate h (k5 - k4) / 2 equal to the
3rd-order Taylor remainder z^4/24 on y' = lambda y. Its stability region reaches h|lambda| =
2 sqrt(2) = 2.83 along the imaginary axis (2.87 for lambda ~ |lambda| (i - 0.02)), 0.72 per
evaluation against 7FC's 3.39 / 6 = 0.57:
where lightly damped exchange modes limit the step (2 nm cells, currents), it needs ~20 % fewer
field evaluations; where accuracy limits it, the 5(4) pairs take fewer. With the plain I
controller its step oscillates across that boundary (about one attempt in five rejected on case
C); its PI controller (beta = 0.08) removes the rejections."""

TABLEAUX = {t.name: t for t in (RKF54, RKF54M, RKF54S, RK4)}
"""The pairs by OOMMF's method names (``rk4`` here is RK4(3) with an embedded estimate, not
OOMMF's step-doubling rk4)."""


def tableau(method: str | Tableau) -> Tableau:
    """The pair named ``method`` (``rkf54``, ``rkf54m``, ``rkf54s``) or ``method`` itself."""
    if isinstance(method, Tableau):
        return method
    if method not in TABLEAUX:
        raise ValueError(f"method: must be one of {sorted(TABLEAUX)}, got {method!r}")
    return TABLEAUX[method]


def normalise(m: jax.Array) -> jax.Array:
    """m / |m|, leaving zero vectors (non-magnetic cells) at zero."""
    norm = vector_norm(m)[..., None]
    return jnp.where(norm > 0, m / jnp.where(norm > 0, norm, 1.0), 0.0)


def rk54_step(
    rhs: Rhs,
    m: jax.Array,
    t: jax.Array,
    h: jax.Array,
    k1: jax.Array,
    method: str | Tableau = RKF54,
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """One step of an FSAL pair (a 5(4) pair or RK4(3)) from (m, t) with k1 = rhs(m, t).

    Returns (m5, k_last = rhs(m5, t + h), err = max over cells |m5 - m4|), m5 the propagated
    and m4 the embedded solution. The stages are unrolled (rhs is traced s - 1 times): each
    stage input is an explicit weighted sum of the earlier stages with the zero weights left
    out, which XLA fuses into one pass (a stacked stage buffer with a ``fori_loop``, tried
    before, compiled faster but cost ~30 % more per step; benchmarks/README.md).
    """
    tab = tableau(method)
    matrix = tab.matrix()

    def combination(weights, ks):
        return sum(float(w) * k for w, k in zip(weights, ks, strict=False) if w != 0.0)

    ks = [k1]
    y = m
    for i in range(1, tab.stages):
        y = m + h * combination(matrix[i], ks)
        ks.append(rhs(y, t + float(tab.c[i]) * h))
    # y is now the input of the last stage: the propagated solution (FSAL), ks[-1] = rhs there.
    err_vec = h * combination(tab.e, ks)
    err = jnp.sqrt(jnp.max(err_vec[..., 0] ** 2 + err_vec[..., 1] ** 2 + err_vec[..., 2] ** 2))
    return y, ks[-1], err


class RKState(NamedTuple):
    """State of the adaptive loop between step attempts."""

    m: jax.Array
    """Unit magnetisation (nx, ny, nz, 3)."""
    t: jax.Array
    """Time (s)."""
    h: jax.Array
    """Next step size to try (s)."""
    k1: jax.Array
    """rhs(m, t) (1/s), re-used as the first stage of the next step (FSAL)."""
    accepted: jax.Array
    """Accepted steps so far."""
    rejected: jax.Array
    """Rejected steps so far."""
    err_old: jax.Array
    """err/tol of the last accepted step (1e-4 at the start): the PI controller's memory."""

    @classmethod
    def start(cls, rhs: Rhs, m: jax.Array, t: Any, h: Any) -> RKState:
        """The state at (m, t) with first step size h (s)."""
        t = jnp.asarray(t, m.dtype)
        zero = jnp.asarray(0)
        return cls(m, t, jnp.asarray(h, m.dtype), rhs(m, t), zero, zero, jnp.asarray(1e-4, m.dtype))


def _attempt(
    rhs: Rhs, state: RKState, t_stop: jax.Array, tol: jax.Array, method: Tableau
) -> RKState:
    """One step attempt, clipped to end on t_stop: accepted (m, t advance) or rejected."""
    m, t, h, k1, acc, rej, err_old = state
    h_try = jnp.minimum(h, t_stop - t)
    last = h_try >= t_stop - t
    m5, k7, err = rk54_step(rhs, m, t, h_try, k1, method)
    ok = (err <= tol) & jnp.all(jnp.isfinite(m5))
    # Step-size control (Hairer, Norsett & Wanner I, II.4; II, IV.2): the I controller
    # 0.9 (tol/err)^(1/k), k = low_order + 1, after a rejection; after an accepted step the PI
    # controller multiplies by (err_old/tol)^beta with the exponent lowered to 1/k - 0.75 beta
    # (Gustafsson), which damps the accept/reject oscillation of a step that sits on the
    # stability boundary.
    ratio = jnp.maximum(err, 1e-300) / tol
    k = method.low_order + 1
    beta = method.pi_beta
    i_factor = 0.9 * ratio ** (-1.0 / k)
    pi_factor = 0.9 * ratio ** (-(1.0 / k - 0.75 * beta)) * err_old**beta
    factor = jnp.clip(jnp.where(ok, pi_factor, jnp.minimum(i_factor, 1.0)), 0.2, 5.0)
    factor = jnp.where(jnp.isfinite(factor), factor, 0.2)
    err_new = jnp.where(ok, jnp.maximum(ratio, 1e-4), err_old)
    # FSAL: k7 was evaluated at the unnormalised m5; re-use it (|m5| - 1 ~ err).
    m_new = jnp.where(ok, normalise(m5), m)
    t_new = jnp.where(ok, jnp.where(last, t_stop, t + h_try), t)
    k_new = jnp.where(ok, k7, k1)
    # Keep the proposed step size when the stage end clipped this one.
    h_next = jnp.where(ok & last, jnp.maximum(h, h_try * factor), h_try * factor)
    return RKState(m_new, t_new, h_next, k_new, acc + ok, rej + (~ok), err_new)


def adaptive_steps(
    rhs: Rhs,
    state: RKState,
    t_stop: jax.Array | float,
    tol: jax.Array | float,
    max_steps: int | jax.Array = 10_000_000,
    h_min: float = 1e-20,
    converged: Callable[[jax.Array], jax.Array] | None = None,
    method: str | Tableau = RKF54,
) -> tuple[RKState, jax.Array]:
    """Adaptive steps from ``state`` up to t_stop (s); returns (state, step attempts).

    Stops at t_stop, after max_steps attempts, when the step falls below h_min (s) (a
    diverging or non-finite solution: then state.t < t_stop), or, when given, once
    ``converged(m)`` (a boolean scalar) holds for the state (checked initially and after each
    accepted step). method: the 5(4) pair (:data:`TABLEAUX`).
    """
    method = tableau(method)
    t_stop = jnp.asarray(t_stop, state.m.dtype)
    tol = jnp.asarray(tol, state.m.dtype)
    done = jnp.asarray(False) if converged is None else converged(state.m)

    def cond(carry):
        state, steps, done = carry
        return (state.t < t_stop) & (steps < max_steps) & (state.h > h_min) & ~done

    def body(carry):
        state, steps, done = carry
        new = _attempt(rhs, state, t_stop, tol, method)
        if converged is not None:
            done = jax.lax.cond(new.accepted > state.accepted, converged, lambda m: done, new.m)
        return new, steps + 1, done

    state, steps, _ = jax.lax.while_loop(cond, body, (state, jnp.asarray(0), done))
    return state, steps


def integrate_rk45(
    rhs: Rhs,
    m0: jax.Array,
    t0: float | jax.Array,
    stage_times: jax.Array,
    h0: float | jax.Array = 1e-14,
    tol: float | jax.Array = 1e-5,
    observe: Callable[[jax.Array, jax.Array], Any] | None = None,
    max_steps_per_stage: int = 10_000_000,
    h_min: float = 1e-20,
    method: str | Tableau = RKF54,
) -> tuple[jax.Array, Any, dict[str, jax.Array]]:
    """Integrate from t0 through every time in stage_times; see the module docstring.

    Returns (m_end, observations stacked along axis 0, stats dict with 'accepted', 'rejected'
    step counts, the last step size 'h' and the time 't' reached). A stage gives up when the step
    falls below h_min (s) (a diverging or non-finite solution): then 't' < stage_times[-1].
    """
    watch = observe if observe is not None else (lambda m, t: ())

    def stage(state, t_stop):
        state, _ = adaptive_steps(
            rhs, state, t_stop, tol, max_steps_per_stage, h_min, method=method
        )
        return state, watch(state.m, state.t)

    state = RKState.start(rhs, m0, t0, h0)
    state, obs = jax.lax.scan(stage, state, jnp.asarray(stage_times, m0.dtype))
    stats = {"accepted": state.accepted, "rejected": state.rejected, "h": state.h, "t": state.t}
    return state.m, obs, stats
