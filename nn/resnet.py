"""CIFAR ResNets (He et al. 2016, Sec. 4.2) with batch norm, in JAX/equinox, float32.

Depth ``6n + 2`` (ResNet-8/14/20/32/56/110): a 3x3 stem convolution with ``16 w`` channels,
three stages of ``n`` basic blocks with ``16 w``, ``32 w``, ``64 w`` channels (stride 1, 2, 2),
global average pooling and a dense classifier. ``w`` is the width multiplier (the paper's
network is ResNet-56 with ``w = 4`` on CIFAR-100). Where a block changes shape its shortcut
is a 1x1 projection convolution with batch norm (He et al.'s option B, as in the Keras
ResNet v1 the paper trained).

Images are NHWC float32. ``ResNet.__call__(x, train)`` returns ``(logits, model)`` where, in
training mode, the returned model carries the updated batch-norm running statistics.
:func:`fold_batchnorm` turns a trained network into :class:`FoldedResNet` (batch norm folded
into the convolution weights, with a digital bias): the form mapped onto crossbars.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array

F32 = jnp.float32
BN_EPS = 1e-5
BN_MOMENTUM = 0.1


def resnet_blocks_per_stage(depth: int) -> int:
    """``n`` of a CIFAR ResNet of ``depth = 6 n + 2`` layers; ValueError otherwise."""
    if depth < 8 or (depth - 2) % 6 != 0:
        raise ValueError(f"depth: CIFAR ResNets have depth 6n+2 >= 8 (8, 14, 20, ...), got {depth}")
    return (depth - 2) // 6


def stage_channels(width: float) -> tuple[int, int, int]:
    """Channels of the three stages for width multiplier ``width``."""
    if not width > 0:
        raise ValueError(f"width: the width multiplier must be positive, got {width}")
    return tuple(max(1, round(c * width)) for c in (16, 32, 64))  # type: ignore[return-value]


def resnet_parameter_count(depth: int, width: float, num_classes: int) -> int:
    """Number of trainable parameters (conv and dense weights, dense bias, BN scale and offset).

    Closed form: stem ``27 c1``; stage ``s`` has ``2n`` 3x3 convolutions, the first taking
    the previous stage's channels; projections ``c1 c2 + c2 c3``; each conv is followed by a
    batch norm with ``2 c`` parameters; classifier ``c3 K + K``.
    """
    n = resnet_blocks_per_stage(depth)
    c1, c2, c3 = stage_channels(width)
    conv = 27 * c1
    bn = 2 * c1
    prev = c1
    for c in (c1, c2, c3):
        conv += 9 * prev * c + (2 * n - 1) * 9 * c * c
        bn += 2 * n * 2 * c
        if prev != c:
            conv += prev * c
            bn += 2 * c
        prev = c
    return conv + bn + c3 * num_classes + num_classes


def conv2d(x: Array, w: Array, stride: int) -> Array:
    """NHWC x HWIO 'SAME' convolution."""
    return jax.lax.conv_general_dilated(
        x, w, (stride, stride), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
    )


class Conv(eqx.Module):
    """Bias-free convolution (a batch norm follows)."""

    weight: Array  # (kh, kw, c_in, c_out)
    stride: int = eqx.field(static=True)

    @staticmethod
    def init(key: Array, k: int, c_in: int, c_out: int, stride: int) -> Conv:
        std = jnp.sqrt(2.0 / (k * k * c_in))  # He normal (fan in)
        w = std * jax.random.normal(key, (k, k, c_in, c_out), dtype=F32)
        return Conv(w.astype(F32), stride)

    def __call__(self, x: Array) -> Array:
        return conv2d(x, self.weight, self.stride)


class BatchNorm(eqx.Module):
    """Batch norm over N, H, W with running statistics (used at inference and for folding)."""

    scale: Array
    offset: Array
    running_mean: Array
    running_var: Array

    @staticmethod
    def init(c: int) -> BatchNorm:
        return BatchNorm(jnp.ones(c, F32), jnp.zeros(c, F32), jnp.zeros(c, F32), jnp.ones(c, F32))

    def __call__(self, x: Array, train: bool) -> tuple[Array, BatchNorm]:
        if train:
            mean = jnp.mean(x, axis=(0, 1, 2))
            var = jnp.var(x, axis=(0, 1, 2))
            m = BN_MOMENTUM
            new = BatchNorm(
                self.scale,
                self.offset,
                (1 - m) * self.running_mean + m * jax.lax.stop_gradient(mean),
                (1 - m) * self.running_var + m * jax.lax.stop_gradient(var),
            )
        else:
            mean, var, new = self.running_mean, self.running_var, self
        y = (x - mean) * jax.lax.rsqrt(var + BN_EPS) * self.scale + self.offset
        return y, new


class Block(eqx.Module):
    """Basic residual block: conv-BN-ReLU-conv-BN + shortcut, ReLU."""

    conv1: Conv
    bn1: BatchNorm
    conv2: Conv
    bn2: BatchNorm
    proj: Conv | None
    bn_proj: BatchNorm | None

    @staticmethod
    def init(key: Array, c_in: int, c_out: int, stride: int) -> Block:
        k1, k2, k3 = jax.random.split(key, 3)
        needs_proj = stride != 1 or c_in != c_out
        return Block(
            Conv.init(k1, 3, c_in, c_out, stride),
            BatchNorm.init(c_out),
            Conv.init(k2, 3, c_out, c_out, 1),
            BatchNorm.init(c_out),
            Conv.init(k3, 1, c_in, c_out, stride) if needs_proj else None,
            BatchNorm.init(c_out) if needs_proj else None,
        )

    def __call__(self, x: Array, train: bool) -> tuple[Array, Block]:
        h, bn1 = self.bn1(self.conv1(x), train)
        h, bn2 = self.bn2(self.conv2(jax.nn.relu(h)), train)
        bn_proj = self.bn_proj
        if self.proj is not None:
            shortcut, bn_proj = self.bn_proj(self.proj(x), train)
        else:
            shortcut = x
        new = Block(self.conv1, bn1, self.conv2, bn2, self.proj, bn_proj)
        return jax.nn.relu(h + shortcut), new


class ResNet(eqx.Module):
    """CIFAR ResNet of depth ``6n+2`` and width multiplier ``width``."""

    stem: Conv
    bn: BatchNorm
    blocks: tuple[Block, ...]
    fc_weight: Array  # (c3, num_classes)
    fc_bias: Array
    depth: int = eqx.field(static=True)
    width: float = eqx.field(static=True)
    num_classes: int = eqx.field(static=True)

    def __call__(self, x: Array, train: bool = False) -> tuple[Array, ResNet]:
        """Logits for NHWC float32 images ``x``; also the model with updated BN statistics."""
        h, bn = self.bn(self.stem(x.astype(F32)), train)
        h = jax.nn.relu(h)
        blocks = []
        for block in self.blocks:
            h, nb = block(h, train)
            blocks.append(nb)
        logits = jnp.mean(h, axis=(1, 2)) @ self.fc_weight + self.fc_bias
        new = ResNet(
            self.stem,
            bn,
            tuple(blocks),
            self.fc_weight,
            self.fc_bias,
            self.depth,
            self.width,
            self.num_classes,
        )
        return logits, new


def init_resnet(key: Array, depth: int, width: float, num_classes: int) -> ResNet:
    """A freshly initialised CIFAR ResNet (He-normal convolutions, float32)."""
    n = resnet_blocks_per_stage(depth)
    chans = stage_channels(width)
    if num_classes < 2:
        raise ValueError(f"num_classes: need at least 2 classes, got {num_classes}")
    keys = jax.random.split(key, 3 * n + 2)
    blocks = []
    c_in = chans[0]
    i = 0
    for s, c in enumerate(chans):
        for b in range(n):
            stride = 2 if (s > 0 and b == 0) else 1
            blocks.append(Block.init(keys[i], c_in, c, stride))
            c_in = c
            i += 1
    bound = 1.0 / jnp.sqrt(chans[2])
    fc_w = jax.random.uniform(keys[-1], (chans[2], num_classes), F32, -bound, bound)
    return ResNet(
        Conv.init(keys[-2], 3, 3, chans[0], 1),
        BatchNorm.init(chans[0]),
        tuple(blocks),
        fc_w.astype(F32),
        jnp.zeros(num_classes, F32),
        depth,
        float(width),
        num_classes,
    )


def count_trainable(model: ResNet) -> int:
    """Trainable parameters of ``model`` (running statistics excluded)."""
    total = 0
    for bn_or_leaf in jax.tree_util.tree_leaves(model, is_leaf=lambda x: isinstance(x, BatchNorm)):
        if isinstance(bn_or_leaf, BatchNorm):
            total += bn_or_leaf.scale.size + bn_or_leaf.offset.size
        else:
            total += bn_or_leaf.size
    return int(total)


# --------------------------------------------------------------------------------------
# Folded network: what is mapped to crossbars.


class FoldedLayer(eqx.Module):
    """A conv (HWIO weight) or dense ((in, out) weight) layer with a digital bias.

    ``read_sigma``: standard deviation of the read noise of one device expressed in weight
    units (0 for none); a differential pair doubles its variance.
    """

    weight: Array
    bias: Array
    read_sigma: Array
    stride: int = eqx.field(static=True)

    def __call__(self, x: Array, key: Array | None = None) -> Array:
        dense = self.weight.ndim == 2
        y = (x @ self.weight if dense else conv2d(x, self.weight, self.stride)) + self.bias
        if key is None:
            return y
        # Read noise, independent per device and per MVM: the output of a column sums
        # x_i * (dG+_i - dG-_i), a Gaussian of variance 2 sigma^2 sum_i x_i^2.
        if dense:
            power = jnp.sum(x * x, axis=-1, keepdims=True)
        else:
            ones = jnp.ones((*self.weight.shape[:3], 1), F32)
            power = conv2d(x * x, ones, self.stride)
        noise = jax.random.normal(key, y.shape, F32)
        return y + self.read_sigma * jnp.sqrt(2.0 * power) * noise


class FoldedBlock(eqx.Module):
    conv1: FoldedLayer
    conv2: FoldedLayer
    proj: FoldedLayer | None


class FoldedResNet(eqx.Module):
    """A ResNet with batch norm folded into its weights (inference only)."""

    stem: FoldedLayer
    blocks: tuple[FoldedBlock, ...]
    fc: FoldedLayer

    def layers(self) -> list[FoldedLayer]:
        """All weight layers, in a fixed order."""
        return jax.tree_util.tree_leaves(self, is_leaf=lambda x: isinstance(x, FoldedLayer))

    def __call__(self, x: Array, key: Array | None = None) -> Array:
        """Logits; ``key`` draws read noise (none when ``None``)."""
        n_layers = len(self.layers())
        keys = list(jax.random.split(key, n_layers)) if key is not None else [None] * n_layers
        h = jax.nn.relu(self.stem(x.astype(F32), keys.pop(0)))
        for b in self.blocks:
            y = jax.nn.relu(b.conv1(h, keys.pop(0)))
            y = b.conv2(y, keys.pop(0))
            s = b.proj(h, keys.pop(0)) if b.proj is not None else h
            h = jax.nn.relu(y + s)
        return self.fc(jnp.mean(h, axis=(1, 2)), keys.pop(0))


def _fold(conv: Conv, bn: BatchNorm) -> FoldedLayer:
    g = bn.scale * jax.lax.rsqrt(bn.running_var + BN_EPS)
    return FoldedLayer(
        (conv.weight * g).astype(F32),
        (bn.offset - bn.running_mean * g).astype(F32),
        jnp.zeros((), F32),
        conv.stride,
    )


def fold_batchnorm(model: ResNet) -> FoldedResNet:
    """Fold each inference-mode batch norm into the preceding convolution.

    ``W' = W * gamma / sqrt(var + eps)`` per output channel and ``b' = beta - mean * gamma /
    sqrt(var + eps)``; the result computes the same logits as ``model(x, train=False)``.
    """
    blocks = tuple(
        FoldedBlock(
            _fold(b.conv1, b.bn1),
            _fold(b.conv2, b.bn2),
            _fold(b.proj, b.bn_proj) if b.proj is not None else None,
        )
        for b in model.blocks
    )
    fc = FoldedLayer(model.fc_weight.astype(F32), model.fc_bias.astype(F32), jnp.zeros((), F32), 1)
    return FoldedResNet(_fold(model.stem, model.bn), blocks, fc)
