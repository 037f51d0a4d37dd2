"""The metaplastic Adam rule of a DW-MTJ synapse (and its software control) as one optax
GradientTransformation.

Follows the Adam-meta optimiser of Laborieux et al. (Nat. Commun. 12, 2549 (2021)) with the
device of Leonard et al. in place of its ``1 - tanh^2(m |W|)`` factor:

1. Adam moments ``m``, ``v`` of the gradient (PyTorch convention of the reference code:
   step size ``lr * sqrt(1 - b2^t) / (1 - b1^t)``, denominator ``sqrt(v) + eps``).
2. For hidden weights (parameters with ndim >= 2), where the step would *shrink* |W|
   (``sign(W) * m > 0``, the step being ``-m``) it is multiplied by f_meta(W) of Eq. 1,
   ``f_meta = (1 - |W|) (w2 - w1)/w2 + w1/w2``; where it would *grow* |W| it is multiplied by
   the asymmetry ``delta``. The stored moments are never attenuated. Eq. 1 is evaluated at
   ``clip(W, -1, 1)``: a device's W never leaves [-1, 1] (step 4), so this changes nothing
   for it; a run without the clip (the ablation ladder's ``laborieux:...,fmeta=eq1``, issue
   18) keeps the factor at ``w1/w2`` beyond |W| = 1 instead of letting Eq. 1 turn negative
   (which would reverse consolidating steps and let |W| run away).
3. 1-D parameters (batch-norm scales, biases) get the plain Adam step.
4. Hidden weights are clipped to [-1, 1] (Eq. 1 turns negative beyond) and rounded to the
   device's weight levels: stochastically (unbiased: the expected level equals the clipped
   weight; the DW's depinning is random) or to the nearest level.

The *Laborieux control* (:func:`laborieux_adam_meta`) is the same transformation with the
authors' own choices, read from ``Stream_Learning_FMNIST_Fig-4a/model_utils.py``,
``Adam_meta.step`` of Laborieux-Axel/SynapticMetaplasticityBNN (transcribed, not copied):

- ``weight_decay`` times the weight is added to the gradient *before* both moments are
  updated (``grad.add_(weight_decay, p)`` in their step), for every parameter;
- the consolidation condition is ``sign(W_h) * m > 0`` on the first moment ``m``
  (``sign(0) = 0``: a zero weight is never consolidated); where it holds the first moment in
  the step is multiplied by ``1 - tanh^2(meta |W_h|)``, elsewhere it is used as is
  (``delta = 1``); the stored moments are never attenuated;
- bias correction as PyTorch's Adam of their version: step size
  ``lr sqrt(1 - b2^t) / (1 - b1^t)``, denominator ``sqrt(v) + eps`` (eps outside the
  correction), the step count ``t`` never reset;
- hidden weights are float: no clipping (their ``train`` takes a ``clamp`` argument it never
  uses), no rounding.

All quantities are dimensionless (normalised weights). Everything is float32.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax
from jax import Array

from compact.device_model import DeviceModel

F32 = jnp.float32


def f_meta(w: Array, w1_over_w2: Array | float) -> Array:
    """Eq. 1: the relative ease of moving the DW at normalised weight ``w`` (1 at W = 0)."""
    w = jnp.asarray(w, F32)
    r = jnp.asarray(w1_over_w2, F32)
    return (1.0 - jnp.abs(w)) * (1.0 - r) + r


def f_meta_tanh(w: Array, meta: Array | float) -> Array:
    """Laborieux et al.'s metaplastic factor ``1 - tanh^2(meta |w|)`` (1 at W = 0; meta = 0: 1)."""
    w = jnp.asarray(w, F32)
    return 1.0 - jnp.tanh(jnp.asarray(meta, F32) * jnp.abs(w)) ** 2


def uniform16(key: Array, shape: tuple[int, ...]) -> Array:
    """Uniform numbers in (0, 1) on a grid of 2^-16, two per 32 random bits.

    Half the random bits of ``jax.random.uniform`` (the stochastic rounding of every hidden
    weight at every step is the costliest part of a training step on a CPU). The grid
    centres (k + 1/2) 2^-16 make P(u < p) equal p rounded to the nearest 2^-16, so rounding
    stays unbiased on average; a single probability is off by at most 2^-17.
    """
    n = math.prod(shape)
    bits = jax.random.bits(key, ((n + 1) // 2,), jnp.uint32)
    halves = jnp.concatenate([bits & 0xFFFF, bits >> 16])[:n]
    return ((halves.astype(F32) + 0.5) * F32(2.0**-16)).reshape(shape)


def round_to_levels(x: Array, levels: Array, key: Array | None) -> Array:
    """Round ``x`` onto the sorted ``levels``: stochastically when ``key`` is given, else nearest.

    Stochastic rounding picks the upper neighbour with probability (x - lo) / (hi - lo), so
    E[result] = x for x inside [levels[0], levels[-1]]; outside it is clamped first. Repeated
    levels (padding to a common length across devices) are allowed: zero-width intervals
    round down. The neighbours are found with one fused pass per level (levels are few), not
    a search: much faster on a CPU than ``jnp.searchsorted`` under ``vmap``.
    """
    x = jnp.asarray(x, F32)
    levels = jnp.asarray(levels, F32)
    x = jnp.clip(x, levels[0], levels[-1])
    lo = jnp.full_like(x, levels[0])
    hi = jnp.full_like(x, levels[-1])
    n = levels.shape[0]
    for j in range(1, n):
        lo = jnp.where(x >= levels[j], levels[j], lo)  # largest level <= x
    for j in range(n - 2, -1, -1):
        hi = jnp.where(x < levels[j], levels[j], hi)  # smallest level > x
    width = hi - lo
    frac = jnp.where(width > 0, (x - lo) / jnp.where(width > 0, width, 1.0), 0.0)
    if key is None:
        return jnp.where(frac >= 0.5, hi, lo)
    return jnp.where(uniform16(key, x.shape) < frac, hi, lo)


class MetaplasticAdamState(NamedTuple):
    """Adam moments (never attenuated), step count, and the key of the stochastic rounding."""

    count: Array
    mu: optax.Updates
    nu: optax.Updates
    key: Array


def metaplastic_adam(
    learning_rate: float | Array = 0.005,
    *,
    w1_over_w2: float | Array,
    delta: float | Array,
    weight_levels: Array | None,
    key: Array | None = None,
    stochastic_rounding: bool = True,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    tanh_meta: float | Array = 0.0,
    use_tanh: bool | Array = False,
    clip: bool | Array = True,
    quantize: bool | Array = True,
    weight_decay: float | Array = 0.0,
    fmeta_every_step: bool | Array = False,
) -> optax.GradientTransformation:
    """The metaplastic Adam rule (module docstring) for a device with Eq. 1 ratio ``w1_over_w2``.

    ``weight_levels``: sorted levels in [-1, 1] that hidden weights are rounded onto after
    clipping (``None``: clip only, no quantisation). ``key`` seeds the stochastic rounding
    (required when rounding stochastically). Device parameters may be traced arrays, so the
    transformation can be built inside ``jax.vmap`` over device types. ``update`` needs
    ``params``; the returned updates satisfy ``params + updates = new hidden weights``.

    The switches below may also be traced (per-run) values, so a device run and the
    Laborieux control share one vmapped program: ``use_tanh`` replaces Eq. 1 by
    ``1 - tanh^2(tanh_meta |W|)`` (:func:`f_meta_tanh`); ``clip`` = False skips the clip to
    [-1, 1] (Eq. 1 is then evaluated at ``clip(W, -1, 1)``, so it stays at ``w1_over_w2``
    beyond the device's range); ``quantize`` = False skips the rounding onto
    ``weight_levels`` (it is computed and discarded under vmap: pass ``weight_levels=None``
    when no run rounds);
    ``weight_decay`` times the weight is added to the gradient before the moments.
    ``fmeta_every_step`` = True multiplies every hidden-weight step by the factor, the
    growing ones by ``delta`` on top (issue 18's other reading of the paper's "the
    metaplastic update is obtained by multiplying the metaplastic function by the optimizer
    update ... an additional asymmetry parameter delta": a wall at the wide end is hard to
    move either way); False (default) is Laborieux et al.'s, the factor on shrinking steps
    only.
    """
    if stochastic_rounding and weight_levels is not None and key is None:
        raise ValueError("key: stochastic rounding needs a PRNG key")
    lr = jnp.asarray(learning_rate, F32)
    ratio = jnp.asarray(w1_over_w2, F32)
    asym = jnp.asarray(delta, F32)
    levels = None if weight_levels is None else jnp.asarray(weight_levels, F32)
    meta = jnp.asarray(tanh_meta, F32)
    tanh_law = jnp.asarray(use_tanh, F32) > 0.5
    do_clip = jnp.asarray(clip, F32) > 0.5
    do_round = jnp.asarray(quantize, F32) > 0.5
    wd = jnp.asarray(weight_decay, F32)
    meta_all = jnp.asarray(fmeta_every_step, F32) > 0.5

    def init_fn(params: optax.Params) -> MetaplasticAdamState:
        zeros = jax.tree.map(lambda p: jnp.zeros(jnp.shape(p), F32), params)
        k = jax.random.PRNGKey(0) if key is None else key
        return MetaplasticAdamState(jnp.zeros((), jnp.int32), zeros, zeros, k)

    def update_fn(
        updates: optax.Updates, state: MetaplasticAdamState, params: optax.Params | None = None
    ) -> tuple[optax.Updates, MetaplasticAdamState]:
        if params is None:
            raise ValueError("params: the metaplastic rule depends on the weights; pass params")
        grads = jax.tree.map(
            lambda g, p: jnp.asarray(g, F32) + wd * jnp.asarray(p, F32), updates, params
        )
        mu = optax.tree_utils.tree_update_moment(grads, state.mu, b1, 1)
        nu = optax.tree_utils.tree_update_moment_per_elem_norm(grads, state.nu, b2, 2)
        count = optax.safe_int32_increment(state.count)
        t = count.astype(F32)
        # 1 - b^t via expm1 of a double-precision log: b2 = 0.999 is not exact in float32 and
        # 1 - b2^t would lose ~1e-5 relative accuracy in the early steps
        bias_correction1 = -jnp.expm1(t * F32(math.log(b1)))
        bias_correction2 = -jnp.expm1(t * F32(math.log(b2)))
        step_size = lr * jnp.sqrt(bias_correction2) / bias_correction1
        leaves, treedef = jax.tree.flatten(params)
        keys = list(jax.random.split(state.key, len(leaves) + 1))
        new_key = keys.pop()
        key_tree = jax.tree.unflatten(treedef, keys)

        def leaf_update(p: Array, m: Array, v: Array, k: Array) -> Array:
            p = jnp.asarray(p, F32)
            denom = jnp.sqrt(v) + eps
            if p.ndim < 2:  # batch norm, biases: plain Adam
                return -step_size * m / denom
            shrinking = jnp.sign(p) * m > 0.0
            # Eq. 1 saturates at w1/w2 beyond |W| = 1 (only reachable without the clip)
            eq1 = f_meta(jnp.clip(p, -1.0, 1.0), ratio)
            factor = jnp.where(tanh_law, f_meta_tanh(p, meta), eq1)
            growth = jnp.where(meta_all, asym * factor, asym)
            scaled_m = jnp.where(shrinking, factor * m, growth * m)
            new_p = p - step_size * scaled_m / denom
            new_p = jnp.where(do_clip, jnp.clip(new_p, -1.0, 1.0), new_p)
            if levels is not None:
                rounded = round_to_levels(new_p, levels, k if stochastic_rounding else None)
                new_p = jnp.where(do_round, rounded, new_p)
            return new_p - p

        out = jax.tree.map(leaf_update, params, mu, nu, key_tree)
        return out, MetaplasticAdamState(count, mu, nu, new_key)

    return optax.GradientTransformation(init_fn, update_fn)


def metaplastic_adam_for_device(
    device: DeviceModel,
    learning_rate: float = 0.005,
    *,
    key: Array | None = None,
    stochastic_rounding: bool = True,
) -> optax.GradientTransformation:
    """:func:`metaplastic_adam` with ``w1_over_w2``, ``delta`` and levels read from ``device``."""
    return metaplastic_adam(
        learning_rate,
        w1_over_w2=device.w1_over_w2,
        delta=device.delta,
        weight_levels=device.weight_levels,
        key=key,
        stochastic_rounding=stochastic_rounding,
    )


def laborieux_adam_meta(
    learning_rate: float | Array = 0.005,
    *,
    meta: float | Array = 0.0,
    weight_decay: float | Array = 1e-7,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
) -> optax.GradientTransformation:
    """The Laborieux control: Adam-meta of Laborieux et al. (module docstring), float weights.

    ``1 - tanh^2(meta |W_h|)`` on consolidating steps, ``delta = 1``, no clipping, no
    rounding, ``weight_decay`` added to the gradient; ``meta = 0`` is plain Adam (the
    non-metaplastic BNN). Defaults: the authors' ``lr = 0.005`` (their ``main.py``) and the
    ``1e-7`` weight decay of the control (their default is 0).
    """
    return metaplastic_adam(
        learning_rate,
        w1_over_w2=1.0,
        delta=1.0,
        weight_levels=None,
        stochastic_rounding=False,
        b1=b1,
        b2=b2,
        eps=eps,
        tanh_meta=meta,
        use_tanh=True,
        clip=False,
        quantize=False,
        weight_decay=weight_decay,
    )
