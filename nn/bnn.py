"""The binarised 784-512-512-10 network of the stream-learning task (paper Fig. 4a, Methods).

Layers (as the reference code of Laborieux et al.): ``fc -> batch norm -> sign`` twice, then
``fc -> batch norm`` into the cross-entropy. Fully connected layers have no bias; batch norm
has no affine parameters (``affine=False``) and keeps running statistics with PyTorch's
momentum 0.1 (an exponential moving average with decay 0.9, the variance unbiased).
The forward pass uses ``sign(W_h)`` of the hidden (metaplastic) weights W_h with the
straight-through estimator (the gradient w.r.t. sign(W_h) is applied to W_h); the sign
activation passes the gradient where |x| <= 1. Inputs to the first layer (pixels in [0, 1])
are not binarised. With ``binarize_weights = 0`` the forward pass uses W_h itself (the
non-binarised linear synapse of Fig. 5b). The hidden sizes are a parameter (``sizes``;
Laborieux et al.'s control uses 784-1024-1024-10). Everything is float32 and dimensionless.

A hidden weight exactly at 0 (a level of a grid that includes zero) has ``sign(0) = 0``: by
default its forward weight is 0, as ``torch.sign`` in the reference code and ``jnp.sign``
here (a differential pair of equal conductances read by its current adds nothing). With
``zero_weight`` on, such a weight is read as a fixed +-1 instead (:func:`zero_tie_signs`):
a binary sensing MTJ or comparator outputs -1 or +1 only, and a tie resolves to the side of
its own offset, fixed per synapse.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import Array

F32 = jnp.float32
LAYER_SIZES: tuple[int, ...] = (784, 512, 512, 10)
BN_EPS = 1e-5
BN_MOMENTUM = 0.1  # PyTorch convention: running <- (1 - 0.1) running + 0.1 batch


@jax.custom_vjp
def sign_activation(x: Array) -> Array:
    """sign(x) forward; straight-through gradient, passed where |x| <= 1 and zero elsewhere."""
    return jnp.sign(x)


def _sign_activation_fwd(x: Array) -> tuple[Array, Array]:
    return jnp.sign(x), x


def _sign_activation_bwd(x: Array, g: Array) -> tuple[Array]:
    return (jnp.where(jnp.abs(x) <= 1.0, g, jnp.zeros_like(g)),)


sign_activation.defvjp(_sign_activation_fwd, _sign_activation_bwd)


@jax.custom_vjp
def binarize_weight(w: Array) -> Array:
    """sign(W_h) forward; identity gradient (the update computed for sign(W_h) goes to W_h)."""
    return jnp.sign(w)


binarize_weight.defvjp(lambda w: (jnp.sign(w), None), lambda _, g: (g,))


def zero_tie_signs(layer: int, shape: tuple[int, ...]) -> np.ndarray:
    """The fixed +-1 that a hidden weight exactly at 0 reads as, per synapse of layer ``layer``.

    Pseudo-random, about half +1 and half -1 (no bias towards either sign), the same in
    every call, run and seed: a comparator's offset is a property of the synapse, not of
    the training. A numpy constant (no random numbers are drawn in the training step).
    """
    rng = np.random.default_rng([0x5E1A, layer, *shape])
    return (2 * rng.integers(0, 2, shape) - 1).astype(np.float32)


def init_params(
    key: Array, init_width: float = 0.1, sizes: tuple[int, ...] = LAYER_SIZES
) -> dict[str, Array]:
    """Hidden weights ``w{i}`` (n_in, n_out), uniform in [-width/2, width/2] as the reference."""
    keys = jax.random.split(key, len(sizes) - 1)
    half = jnp.asarray(init_width / 2, F32)
    return {
        f"w{i}": jax.random.uniform(k, (n_in, n_out), F32, -half, half)
        for i, (k, n_in, n_out) in enumerate(zip(keys, sizes[:-1], sizes[1:], strict=True))
    }


def init_bn_state(sizes: tuple[int, ...] = LAYER_SIZES) -> dict[str, Array]:
    """Running mean 0 and variance 1 for each batch-norm layer."""
    state: dict[str, Array] = {}
    for i, n in enumerate(sizes[1:]):
        state[f"mean{i}"] = jnp.zeros((n,), F32)
        state[f"var{i}"] = jnp.ones((n,), F32)
    return state


def forward(
    params: dict[str, Array],
    bn_state: dict[str, Array],
    x: Array,
    *,
    train: bool,
    binarize_weights: Array | float = 1.0,
    bn_momentum: float = BN_MOMENTUM,
    bn_eps: float = BN_EPS,
    zero_weight: Array | float | None = None,
) -> tuple[Array, dict[str, Array]]:
    """Logits for images ``x`` (batch, 784) in [0, 1] and the updated batch-norm statistics.

    ``train=True`` normalises with the batch statistics and updates the running ones;
    ``train=False`` uses the running statistics (validation). ``bn_momentum`` and ``bn_eps``:
    PyTorch's ``BatchNorm1d`` arguments (defaults: PyTorch's, which the reference code keeps).
    ``zero_weight`` (may be traced; ``None`` leaves it out of the program): where > 0.5, a
    binarised hidden weight exactly at 0 is read as :func:`zero_tie_signs` instead of 0
    (module docstring); the gradient still goes to W_h unchanged.
    """
    h = jnp.asarray(x, F32)
    n_layers = len(params)
    new_state = dict(bn_state)
    use_sign = jnp.asarray(binarize_weights, F32) > 0.5
    for i in range(n_layers):
        w = jnp.asarray(params[f"w{i}"], F32)
        w_bin = binarize_weight(w)
        if zero_weight is not None:
            ties = jnp.asarray(zero_tie_signs(i, w.shape))
            tie_on = jnp.asarray(zero_weight, F32) > 0.5
            w_bin = w_bin + jax.lax.stop_gradient(jnp.where(tie_on & (w == 0), ties, 0.0))
        w_fwd = jnp.where(use_sign, w_bin, w)
        h = h @ w_fwd
        if train:
            mean = jnp.mean(h, axis=0)
            var = jnp.var(h, axis=0)
            n = h.shape[0]
            new_state[f"mean{i}"] = (1 - bn_momentum) * bn_state[
                f"mean{i}"
            ] + bn_momentum * jax.lax.stop_gradient(mean)
            new_state[f"var{i}"] = (1 - bn_momentum) * bn_state[
                f"var{i}"
            ] + bn_momentum * jax.lax.stop_gradient(var) * (n / (n - 1))
        else:
            mean, var = bn_state[f"mean{i}"], bn_state[f"var{i}"]
        h = (h - mean) / jnp.sqrt(var + bn_eps)
        if i < n_layers - 1:
            h = sign_activation(h)
    return h, new_state


def loss_and_state(
    params: dict[str, Array],
    bn_state: dict[str, Array],
    x: Array,
    y: Array,
    binarize_weights: Array | float = 1.0,
    bn_momentum: float = BN_MOMENTUM,
    bn_eps: float = BN_EPS,
    zero_weight: Array | float | None = None,
) -> tuple[Array, dict[str, Array]]:
    """Mean cross-entropy of a training batch and the updated batch-norm statistics."""
    logits, new_state = forward(
        params,
        bn_state,
        x,
        train=True,
        binarize_weights=binarize_weights,
        bn_momentum=bn_momentum,
        bn_eps=bn_eps,
        zero_weight=zero_weight,
    )
    loss = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
    return loss, new_state


def accuracy(
    params: dict[str, Array],
    bn_state: dict[str, Array],
    x: Array,
    y: Array,
    binarize_weights: Array | float = 1.0,
) -> Array:
    """Fraction of images classified correctly (running batch-norm statistics)."""
    logits, _ = forward(params, bn_state, x, train=False, binarize_weights=binarize_weights)
    return jnp.mean((jnp.argmax(logits, axis=-1) == y).astype(F32))
