"""Energy minimisation on the unit sphere: L-BFGS with a Wolfe line search (default) and
steepest descent with Barzilai-Borwein steps (fallback).

Both work on the unit magnetisation m (nx, ny, nz, 3) of the free cells (``mask`` 1; cells with
mask 0, outside the magnet or fixed, never move) and stop when max over free cells of |m x H|
< stopping_mxHxm (A/m, OOMMF's MinDriver criterion), or after max_iterations. The criterion is
floored at the round-off level of the torque, ``ROUNDOFF_FLOOR * eps * max |H(m0)|`` (eps of m's
dtype), so that float32 runs stop where their precision ends. Each is one ``lax.while_loop`` and
returns a :class:`MinResult`; ``status`` says why it stopped (:data:`CONVERGED`,
:data:`MAX_ITERATIONS`, :data:`STALLED`).

Metric. The objective is an energy e(m) whose gradient with respect to m_i (R^3) is
-w_i H_i, with w_i = Ms_i / Ms_ref (the drivers use e = E / (mu0 V Ms_ref), E the total energy in
J, V the cell volume): e is in A/m. Tangent vectors are compared with the inner product
<u, v> = sum_i w_i u_i . v_i, in which the Riemannian gradient of e is
G_i = m_i x (m_i x H_i) = -(H_i - (m_i . H_i) m_i) (A/m), whose largest norm is the stopping
torque max |m x H|.

``minimise_lbfgs(objective, m0, mask, weight, stopping_mxHxm, max_iterations, memory=10)``
    objective(m) -> (H (A/m), e). Limited-memory BFGS on the product of spheres: direction
    d = -B G from the two-loop recursion over the last ``memory`` pairs (s, y) (the change in m
    and in G, both projected onto the tangent space at the new m: vector transport by
    projection), d projected onto the tangent space at m; initial inverse Hessian
    <s, y> / <y, y>. Step along the retraction m(a) = normalise(m + a d) with a line search
    (:func:`line_search`) for the strong Wolfe conditions on phi(a) = e(m(a)): sufficient
    decrease phi(a) <= phi(0) + c1 a phi'(0) + tol_e and |phi'(a)| <= c2 |phi'(0)|, c2 = 0.9
    (first trial a = 1, usually accepted: ~1 field evaluation per iteration). phi'(a) is
    computed exactly from H(m(a)), so the search stays accurate where energy differences are at
    round-off (tol_e = ENERGY_ROUNDOFF * eps * sum_i w_i |m_i . H_i| at m0); a trial moves no
    cell by more than |a d_i| = MAX_ROTATION (~rad). The two-loop recursion runs on flat
    vectors scaled by sqrt(w_i), in which the metric is the plain dot product. A pair with
    <s, y> <= 0 is not stored; when d is not a descent direction or the line search finds no
    acceptable step, the memory is cleared and the iteration restarts from steepest descent; a
    failed steepest-descent search stops the loop with status STALLED.
``minimise_bb(objective, m0, mask, weight, stopping_mxHxm, max_iterations)``
    m <- normalise(m - tau g), g = m x (m x H), tau (m/A) from the two alternating
    Barzilai-Borwein formulas s.s / s.y and s.y / y.y: one field evaluation per iteration, no
    line search (the energy is not monotone); slow on ill-conditioned problems (soft modes such
    as the position of a wall far from a notch).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp

from .integrators import normalise
from .vectors import components, cross, dot, norm, stack

ROUNDOFF_FLOOR = 100.0
"""Multiple of eps * max|H| below which max|m x H| is round-off (stopping criterion floor)."""
ENERGY_ROUNDOFF = 1e3
"""Multiple of eps * sum_i w_i |m_i . H_i| by which the energy may rise in an accepted step."""
MAX_ROTATION = 0.5
"""Largest |a d_i| (the tangent step, ~ rotation in rad) of any cell in a line-search trial."""
C1, C2 = 1e-4, 0.9
"""Wolfe constants: sufficient decrease and curvature (strong Wolfe)."""
MAX_LINE_SEARCH = 20
"""Field evaluations per line search before it gives up."""

CONVERGED, MAX_ITERATIONS, STALLED = 0, 1, 2
"""MinResult.status values: max|m x H| < stopping_mxHxm; stopped at max_iterations; the line
search found no step that lowers the energy along steepest descent (round-off)."""

Objective = Callable[[jax.Array], tuple[jax.Array, jax.Array]]
"""objective(m) -> (H (A/m), e), e's gradient w.r.t. m_i being -w_i H_i (module docstring)."""


class MinResult(NamedTuple):
    """The outcome of a minimisation (jax scalars)."""

    m: jax.Array
    """Final unit magnetisation (nx, ny, nz, 3)."""
    iterations: jax.Array
    """Iterations taken (line searches for L-BFGS, steps for BB)."""
    mxHxm: jax.Array
    """max over free cells of |m x H| at the final m (A/m)."""
    status: jax.Array
    """CONVERGED, MAX_ITERATIONS or STALLED."""
    evaluations: jax.Array
    """Field (objective) evaluations, including the initial one."""
    energy: jax.Array
    """e at the final m (the objective's energy unit)."""
    stopping: jax.Array
    """The stopping criterion used (A/m): stopping_mxHxm, or the round-off floor if higher."""


class MinimisationNotConvergedError(ValueError):
    """A minimisation stopped before max |m x H| < stopping_mxHxm."""


def max_torque(m: jax.Array, H: jax.Array) -> jax.Array:
    """max over cells of |m x H| (A/m)."""
    m_x_h = cross(components(m), components(H))
    return jnp.sqrt(jnp.max(dot(m_x_h, m_x_h)))


def tangent_gradient(m: jax.Array, H: jax.Array, free: jax.Array) -> jax.Array:
    """G = m x (m x H) on free cells (free: (nx, ny, nz, 1)), 0 elsewhere (A/m)."""
    mc = components(m)
    return stack(cross(mc, cross(mc, components(H)))) * free


def _project(m: jax.Array, v: jax.Array) -> jax.Array:
    """v minus its component along m, per cell."""
    return v - dot(components(m), components(v))[..., None] * m


def _stopping(H0: jax.Array, free: jax.Array, stopping_mxHxm, dtype) -> jax.Array:
    h_scale = jnp.max(norm(H0 * free))
    floor = ROUNDOFF_FLOOR * jnp.finfo(dtype).eps * h_scale
    return jnp.maximum(jnp.asarray(stopping_mxHxm, dtype), floor)


class _Point(NamedTuple):
    """A point of the search: m, its gradient G, energy e, torque max|G|, slope phi'(a)."""

    m: jax.Array
    G: jax.Array
    e: jax.Array
    torque: jax.Array
    slope: jax.Array


def line_search(
    objective: Objective,
    start: _Point,
    d: jax.Array,
    weight: jax.Array,
    free: jax.Array,
    alpha0: jax.Array,
    tol_e: jax.Array,
) -> tuple[_Point, jax.Array, jax.Array]:
    """Strong-Wolfe line search along m(a) = normalise(m + a d) (see the module docstring).

    start: the point at a = 0 with start.slope = phi'(0) < 0; d: tangent direction (zero on
    fixed cells); alpha0: first trial step. Bracketing by extrapolation (x2 to x8, from the
    secant of phi'), then safeguarded secant steps on phi' inside the bracket (bisection when
    the energy rose with phi' < 0). Returns (accepted point, accepted step (0 when none was
    found: the start point is returned), evaluations).
    """
    dtype = start.m.dtype
    dmax = jnp.max(norm(d))
    alpha_max = MAX_ROTATION / jnp.maximum(dmax, jnp.finfo(dtype).tiny)
    e0, p0 = start.e, start.slope

    def evaluate(alpha):
        x = start.m + alpha * d
        n = norm(x)[..., None]
        n = jnp.where(n > 0, n, 1.0)
        m = x / n
        H, e = objective(m)
        dm = _project(m, d) / n
        G = tangent_gradient(m, H, free)
        slope = jnp.sum(weight * dot(components(G), components(dm)))
        torque = jnp.sqrt(jnp.max(dot(components(G), components(G))))
        return _Point(m, G, e, torque, slope)

    # state: trial alpha, lo (alpha, e, slope), hi (alpha, e, slope; alpha = inf: none yet),
    # best acceptable point so far, its alpha, evaluations, done
    inf = jnp.asarray(jnp.inf, dtype)
    zero = jnp.zeros((), dtype)
    init = (
        jnp.minimum(alpha0, alpha_max),
        (zero, e0, p0),
        (inf, e0, p0),
        start,
        zero,
        jnp.asarray(0),
        jnp.asarray(False),
    )

    def cond(state):
        *_, evals, done = state
        return (~done) & (evals < MAX_LINE_SEARCH)

    def body(state):
        alpha, lo, hi, best, best_alpha, evals, _ = state
        pt = evaluate(alpha)
        decrease_ok = pt.e <= e0 + C1 * alpha * p0 + tol_e
        finite = jnp.isfinite(pt.e) & jnp.isfinite(pt.slope)
        decrease_ok = decrease_ok & finite
        curvature_ok = jnp.abs(pt.slope) <= C2 * jnp.abs(p0)
        at_cap = (alpha >= alpha_max * (1 - 1e-12)) & (pt.slope < 0)
        accept = decrease_ok & (curvature_ok | at_cap)
        # An acceptable-decrease point with phi' < 0 becomes the new lower end (and the
        # fallback answer); a rise or phi' >= 0 closes the bracket.
        to_lo = decrease_ok & (pt.slope < 0)
        new_lo = jax.tree.map(lambda a, b: jnp.where(to_lo, a, b), (alpha, pt.e, pt.slope), lo)
        new_hi = jax.tree.map(lambda a, b: jnp.where(to_lo, b, a), (alpha, pt.e, pt.slope), hi)
        keep = accept | to_lo
        best = jax.tree.map(lambda a, b: jnp.where(keep, a, b), pt, best)
        best_alpha = jnp.where(keep, alpha, best_alpha)
        a_lo, _, p_lo = new_lo
        a_hi, _, p_hi = new_hi
        bracketed = jnp.isfinite(a_hi)
        # Inside a bracket: secant of phi' when it changes sign, else bisection; kept at least
        # 10 % of the interval away from both ends.
        secant = a_lo - p_lo * (a_hi - a_lo) / (p_hi - p_lo)
        width = a_hi - a_lo
        inside = jnp.where(
            (p_hi > 0) & jnp.isfinite(secant),
            jnp.clip(secant, a_lo + 0.1 * width, a_hi - 0.1 * width),
            a_lo + 0.5 * width,
        )
        # No bracket yet: extrapolate the secant of phi' through the last two lower ends.
        a_prev, _, p_prev = lo
        grow = a_lo - p_lo * (a_lo - a_prev) / (p_lo - p_prev)
        grow = jnp.where(jnp.isfinite(grow) & (p_lo > p_prev), grow, 4.0 * a_lo)
        outside = jnp.minimum(jnp.clip(grow, 2.0 * a_lo, 8.0 * a_lo), alpha_max)
        nxt = jnp.where(bracketed, inside, outside)
        stuck = (~bracketed) & (alpha >= alpha_max * (1 - 1e-12))
        return (nxt, new_lo, new_hi, best, best_alpha, evals + 1, accept | stuck)

    _, _, _, best, best_alpha, evals, _ = jax.lax.while_loop(cond, body, init)
    return best, best_alpha, evals


def _start(objective, m0, mask, weight, stopping_mxHxm):
    free = mask[..., None]
    H0, e0 = objective(m0)
    G0 = tangent_gradient(m0, H0, free)
    torque0 = jnp.sqrt(jnp.max(dot(components(G0), components(G0))))
    stopping = _stopping(H0, free, stopping_mxHxm, m0.dtype)
    tol_e = (
        ENERGY_ROUNDOFF
        * jnp.finfo(m0.dtype).eps
        * jnp.sum(weight * mask * jnp.abs(dot(components(m0), components(H0))))
    )
    return free, _Point(m0, G0, e0, torque0, jnp.zeros((), m0.dtype)), stopping, tol_e


def minimise_lbfgs(
    objective: Objective,
    m0: jax.Array,
    mask: jax.Array,
    weight: jax.Array,
    stopping_mxHxm: float | jax.Array,
    max_iterations: int | jax.Array,
    memory: int = 10,
) -> MinResult:
    """L-BFGS on the unit sphere with a strong-Wolfe line search; see the module docstring.

    m0: unit magnetisation (nx, ny, nz, 3); mask: 1 for free cells, 0 for cells that must not
    move; weight: w_i = Ms_i / Ms_ref (nx, ny, nz); stopping_mxHxm in A/m; memory: number of
    (s, y) pairs kept (static).
    """
    free, start, stopping, tol_e = _start(objective, m0, mask, weight, stopping_mxHxm)
    dtype = m0.dtype
    # The two-loop recursion runs on flat vectors scaled by sqrt(w) per cell, in which the
    # metric <u, v> = sum_i w_i u_i . v_i is the plain dot product (and XLA's dots are fast).
    root_w = jnp.broadcast_to(jnp.sqrt(weight)[..., None], m0.shape).reshape(-1)
    inv_root_w = jnp.where(root_w > 0, 1.0 / jnp.where(root_w > 0, root_w, 1.0), 0.0)

    def scaled(v):
        return v.reshape(-1) * root_w

    def inner(a, b):
        return jnp.sum(weight * dot(components(a), components(b)))

    S = jnp.zeros((memory, m0.size), dtype)
    Y = jnp.zeros((memory, m0.size), dtype)
    rho = jnp.zeros((memory,), dtype)

    def direction(pt, S, Y, rho, count, head):
        # Two-loop recursion, unrolled (memory is static); the k-th newest pair sits at
        # (head - 1 - k) mod memory, and only the newest `count` pairs are valid.
        slots = [(head - 1 - k) % memory for k in range(memory)]
        q, alphas = scaled(pt.G), []
        for k, i in enumerate(slots):
            a = jnp.where(k < count, rho[i] * jnp.dot(S[i], q), 0.0)
            q = q - a * Y[i]
            alphas.append(a)
        newest = slots[0]
        yy = jnp.dot(Y[newest], Y[newest])
        gamma = jnp.where(count > 0, 1.0 / jnp.maximum(rho[newest] * yy, 1e-300), 1.0)
        r = gamma * q
        for k in reversed(range(memory)):
            i = slots[k]
            b = jnp.where(k < count, rho[i] * jnp.dot(Y[i], r), 0.0)
            r = r + jnp.where(k < count, alphas[k] - b, 0.0) * S[i]
        r = (r * inv_root_w).reshape(m0.shape)
        return -_project(pt.m, r) * free

    def cond(state):
        pt, *_, it, _, status = state
        return (pt.torque >= stopping) & (it < max_iterations) & (status < 0)

    def body(state):
        pt, S, Y, rho, count, head, alpha_sd, it, evals, _ = state
        d = direction(pt, S, Y, rho, count, head)
        slope = inner(pt.G, d)
        descent = (count > 0) & (slope < 0) & jnp.isfinite(slope)
        # Steepest descent (memory empty or d not downhill): its first step continues the last
        # accepted steepest-descent scale.
        d = jnp.where(descent, d, -pt.G)
        slope = jnp.where(descent, slope, -inner(pt.G, pt.G))
        alpha0 = jnp.where(descent, 1.0, alpha_sd)
        new, alpha, n = line_search(
            objective, pt._replace(slope=slope), d, weight, free, alpha0, tol_e
        )
        ok = alpha > 0
        s = scaled(_project(new.m, new.m - pt.m) * free)
        y = scaled(new.G - _project(new.m, pt.G) * free)
        sy = jnp.dot(s, y)
        store = ok & (sy > 0) & jnp.isfinite(sy)
        # (in place: only the slot at head is written, with its old content if not stored)
        S = S.at[head].set(jnp.where(store, s, S[head]))
        Y = Y.at[head].set(jnp.where(store, y, Y[head]))
        rho = rho.at[head].set(jnp.where(store, 1.0 / jnp.where(store, sy, 1.0), rho[head]))
        head = jnp.where(store, (head + 1) % memory, head)
        count = jnp.where(store, jnp.minimum(count + 1, memory), count)
        # A failed search clears the memory (next iteration: steepest descent); a failed
        # steepest-descent search stalls.
        count = jnp.where(ok, count, 0)
        alpha_sd = jnp.where(ok & ~descent, alpha * 2.0, jnp.where(ok, alpha_sd, alpha_sd / 16))
        status = jnp.where(ok | descent, -1, STALLED)
        return (new, S, Y, rho, count, head, alpha_sd, it + 1, evals + n, status)

    gmax = jnp.max(norm(start.G))
    alpha_sd0 = 1e-2 / jnp.maximum(gmax, jnp.finfo(dtype).tiny)
    state = (
        start,
        S,
        Y,
        rho,
        jnp.asarray(0),
        jnp.asarray(0),
        alpha_sd0,
        jnp.asarray(0),
        jnp.asarray(1),
        jnp.asarray(-1),
    )
    pt, *_, it, evals, status = jax.lax.while_loop(cond, body, state)
    status = jnp.where(
        pt.torque < stopping, CONVERGED, jnp.where(status == STALLED, STALLED, MAX_ITERATIONS)
    )
    return MinResult(pt.m, it, pt.torque, status, evals, pt.e, stopping)


def minimise_bb(
    objective: Objective,
    m0: jax.Array,
    mask: jax.Array,
    weight: jax.Array,
    stopping_mxHxm: float | jax.Array,
    max_iterations: int | jax.Array,
) -> MinResult:
    """Barzilai-Borwein steepest descent; see the module docstring (weight is not used: the
    steps are per-cell rotations preconditioned by 1/(mu0 Ms V))."""
    free, start, stopping, _ = _start(objective, m0, mask, weight, stopping_mxHxm)
    gmax = jnp.max(norm(start.G))
    tau0 = 1e-2 / jnp.maximum(gmax, 1e-30)

    def cond(state):
        _, _, _, _, it, torque, _ = state
        return (torque >= stopping) & (it < max_iterations)

    def body(state):
        m, g, m_prev, g_prev, it, _, _ = state
        s = m - m_prev
        y = g - g_prev
        sy = jnp.sum(s * y)
        tau_a = jnp.sum(s * s) / sy
        tau_b = sy / jnp.sum(y * y)
        tau = jnp.where(it % 2 == 0, tau_a, tau_b)
        tau = jnp.where((it == 0) | ~(sy > 0) | ~jnp.isfinite(tau), tau0, tau)
        m_new = normalise(m - tau * g)
        H, e = objective(m_new)
        g_new = tangent_gradient(m_new, H, free)
        torque = max_torque(m_new * free, H)
        return (m_new, g_new, m, g, it + 1, torque, e)

    state = (m0, start.G, m0, start.G, jnp.asarray(0), start.torque, start.e)
    m, _, _, _, it, torque, e = jax.lax.while_loop(cond, body, state)
    status = jnp.where(torque < stopping, CONVERGED, MAX_ITERATIONS)
    return MinResult(m, it, torque, status, it + 1, e, stopping)
