"""Weights -> DW-MTJ conductances, the way CrossSim's one-sided balanced core maps them.

Per layer (batch norm already folded in, bias kept digital):

1. ``W_norm = W / max|W|`` (per-layer scaling by the largest magnitude);
2. quantise ``|W_norm|`` to the device's levels: with ``N``-bit signed weights each device has
   ``L = 2^(N-1)`` uniform levels, magnitude index ``k = round(|W_norm| (L - 1))`` and
   magnitude ``k / (L - 1)``; or the nearest of a device's measured (non-uniform) levels,
   rescaled affinely so its lowest/highest level sit at ``G_min``/``G_max``;
3. one-sided differential pair: ``G_on = G_min + m (G_max - G_min)``; for ``W > 0`` the
   positive device holds ``G_on`` and the negative one sits at ``G_min``, and vice versa;
4. write (programming) error: ``G <- G + sigma_G xi`` with ``xi ~ N(0, 1)`` drawn once per
   programmed device, then clipped to ``[G_min, G_max]`` (``clip_after_noise``, default) or
   only to ``G >= 0`` (``clip_after_noise=False``, CrossSim 3.x's default);
5. the array computes ``(G+ - G-) / (G_max - G_min) * max|W|`` (in CrossSim's normalised
   units ``G / G_max``: ``G_min/G_max = 0.8545`` for [0.94, 1.1] mS); optional read noise of
   standard deviation ``sigma_read`` per device and per MVM.

Conductances are in siemens.

**How a noise level is stated** (:data:`SIGMA_NORMS`, :func:`sigma_to_siemens`). A standard
deviation ``s`` can mean ``s`` siemens (``absolute``), ``s G_max`` (``relative_gmax``) or
``s (G_max - G_min)`` (``relative_window``). For the paper's [0.94, 1.1] mS the last two differ
by ``G_max / (G_max - G_min) = 6.9``. CrossSim's conventions, read from sandialabs/cross-sim:

- CrossSim 3.x (3.2.0): ``simulator/devices/generic_device.py``, ``NormalIndependentDevice``
  adds ``N(0, magnitude)`` to the conductances normalised by ``G_max``
  (``simulator/parameters/xbar_parameters.py``, ``WeightErrorParameters.magnitude``:
  "normalized ... to the maximum device conductance"): **relative to G_max**. After the noise
  ``simulator/devices/device.py``, ``Device.clip_and_mask`` clips to ``[Gmin_norm, Gmax_norm]``
  only when ``DeviceParameters.clip_conductance`` is True (default **False**: only ``G >= 0``).
  Defaults: ``Rmin = 1 kOhm``, ``Rmax = 10 kOhm`` (on/off ratio 10, ``Gmin_norm = 0.1``),
  ``cell_bits = 0`` (continuous), programming error disabled, balanced core one-sided.
  Conductance quantisation (``simulator/devices/idevice.py``, ``_apply_conductance_quantization``)
  rounds onto ``2^cell_bits`` levels across the window before the programming error.
- CrossSim v2.0: ``cross_sim/cross_sim/xbar_simulator/parameters/weight_error_parameters.py``,
  ``applyProgrammingError`` with ``error_model = "alpha"`` draws ``N(0, sigma_error * vcp.range)``
  (``sigma_error``, the "alpha error", non-proportional: ``sigma *= vcp.range``, the
  normalised window ``1 - G_min/G_max``): **relative to the window**; then clips to the
  weight range when ``keep_within_range`` (default **True**, ``parameter_defaults.py``,
  ``WeightErrorParamsDefaults``). Its custom device models (``weight_error_device_custom.py``)
  likewise divide ``sigma_G`` by ``G_max - G_min``. Default weight range ``[0.1, 1]``
  (on/off ratio 10).

The numbers checked against CrossSim 3.2.0's own core are in ``tests/data/crosssim_reference.json``
(``tests/data/make_crosssim_reference.py``; ``tests/test_nn_analog_crosssim.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from pydantic import BeforeValidator, Field, model_validator

from geometries.validation import Flag, Int, Real, TypedConfig, config_dataclass, quantity
from nn.resnet import F32, FoldedLayer, FoldedResNet

#: Conductance range of the paper's inference study (S).
PAPER_G_MIN_S = 0.94e-3
PAPER_G_MAX_S = 1.1e-3

#: How a noise standard deviation is stated (module docstring).
SIGMA_NORMS: tuple[str, ...] = ("absolute", "relative_gmax", "relative_window")


def sigma_to_siemens(value: float, norm: str, g_min_S: float, g_max_S: float) -> float:
    """The standard deviation in siemens of a noise level ``value`` stated as ``norm``:
    ``absolute`` (``value`` in S), ``relative_gmax`` (``value * G_max``) or
    ``relative_window`` (``value * (G_max - G_min)``, CrossSim v2.0's alpha error)."""
    if norm == "absolute":
        return float(value)
    if norm == "relative_gmax":
        return float(value) * g_max_S
    if norm == "relative_window":
        return float(value) * (g_max_S - g_min_S)
    raise ValueError(f"sigma_norm: {norm!r} is not one of {', '.join(SIGMA_NORMS)}")


def sigma_in_all_norms(sigma_S: float, g_min_S: float, g_max_S: float) -> dict[str, float]:
    """``sigma_S`` (S) stated in each of :data:`SIGMA_NORMS`."""
    return {
        "absolute": float(sigma_S),
        "relative_gmax": float(sigma_S) / g_max_S,
        "relative_window": float(sigma_S) / (g_max_S - g_min_S),
    }


def _levels_tuple(value: Any) -> Any:
    if isinstance(value, np.ndarray | list):
        return tuple(np.asarray(value, dtype=float).ravel().tolist())
    return value


@config_dataclass
class CrossbarConfig(TypedConfig):
    """How weights become conductances.

    g_min_S, g_max_S: conductance range of one device (S).
    bits: signed weight precision ``N`` (each device ``2^(N-1)`` levels); ``None`` means no
        quantisation (continuous conductances), unless ``levels_S`` is given.
    levels_S: a device's measured conductance levels (S), used instead of uniform levels after
        an affine rescaling into [g_min_S, g_max_S]; excludes ``bits``.
    write_sigma_S: programming error, standard deviation (S), sampled once per device.
    read_sigma_S: read noise per device and per MVM, standard deviation (S).
    clip_after_noise: clip programmed conductances to [g_min_S, g_max_S] (True, as CrossSim
        v2.0's default) or only to >= 0 (False, as CrossSim 3.x's default).
    :meth:`with_noise` states the noise relative to G_max or to the window instead of in S.
    """

    g_min_S: Real = quantity(PAPER_G_MIN_S, unit="S", description="lowest conductance", ge=0)
    g_max_S: Real = quantity(PAPER_G_MAX_S, unit="S", description="highest conductance", gt=0)
    bits: Int | None = quantity(
        None, unit="", description="signed weight precision N (None: continuous)", ge=1, le=24
    )
    levels_S: Annotated[tuple[Real, ...], BeforeValidator(_levels_tuple)] | None = quantity(
        None, unit="S", description="measured conductance levels of one device", min_length=2
    )
    write_sigma_S: Real = quantity(0.0, unit="S", description="programming error (std)", ge=0)
    read_sigma_S: Real = quantity(0.0, unit="S", description="read noise per MVM (std)", ge=0)
    clip_after_noise: Flag = Field(
        True, description="clip to [g_min_S, g_max_S] after the write noise (else only G >= 0)"
    )

    @classmethod
    def with_noise(
        cls,
        write_sigma: float = 0.0,
        read_sigma: float = 0.0,
        sigma_norm: str = "absolute",
        **fields: Any,
    ) -> CrossbarConfig:
        """A configuration whose noise levels are stated as ``sigma_norm``
        (:func:`sigma_to_siemens`); ``fields``: the other fields."""
        g_min = fields.get("g_min_S", PAPER_G_MIN_S)
        g_max = fields.get("g_max_S", PAPER_G_MAX_S)
        return cls(
            write_sigma_S=sigma_to_siemens(write_sigma, sigma_norm, g_min, g_max),
            read_sigma_S=sigma_to_siemens(read_sigma, sigma_norm, g_min, g_max),
            **fields,
        )

    @model_validator(mode="after")
    def _consistent(self) -> CrossbarConfig:
        if not self.g_max_S > self.g_min_S:
            raise ValueError(
                f"g_min_S: must be below g_max_S, got {self.g_min_S} S >= {self.g_max_S} S"
            )
        if self.levels_S is not None:
            if self.bits is not None:
                raise ValueError("levels_S: give either bits or measured levels, not both")
            if np.ptp(np.asarray(self.levels_S)) <= 0:
                raise ValueError("levels_S: need >= 2 distinct conductance levels")
        return self

    @property
    def g_range_S(self) -> float:
        return self.g_max_S - self.g_min_S

    @property
    def g_min_norm(self) -> float:
        """CrossSim's ``Gmin_norm = G_min / G_max`` (0.8545 for [0.94, 1.1] mS)."""
        return self.g_min_S / self.g_max_S

    @property
    def levels_per_device(self) -> int | None:
        """Number of conductance levels (notches) of one device, ``None`` if continuous."""
        if self.levels_S is not None:
            return len(self.levels_S)
        return None if self.bits is None else 2 ** (self.bits - 1)

    def magnitude_levels(self) -> np.ndarray | None:
        """Allowed ``|W_norm|`` values in [0, 1] (sorted), ``None`` if continuous."""
        if self.levels_S is not None:
            lv = np.sort(np.asarray(self.levels_S, dtype=float))
            return (lv - lv[0]) / (lv[-1] - lv[0])
        if self.bits is None:
            return None
        n = 2 ** (self.bits - 1)
        return np.linspace(0.0, 1.0, n) if n > 1 else np.zeros(1)


@dataclass(frozen=True)
class MappedArray:
    """A weight matrix mapped to a differential pair of conductance arrays (S)."""

    g_pos_S: Array
    g_neg_S: Array
    level_index: Array  # signed magnitude-level index (sign of the weight)
    scale: Array  # max |W| of the layer (weight units)


def map_weights(weight: Array, config: CrossbarConfig) -> MappedArray:
    """Map ``weight`` to target conductances (no noise): steps 1-3 of the module docstring."""
    w = jnp.asarray(weight, F32)
    scale = jnp.max(jnp.abs(w))
    w_norm = w / jnp.where(scale > 0, scale, 1.0)
    mag = jnp.abs(w_norm)
    if config.levels_S is not None:  # nearest of the device's (non-uniform) levels
        lv = jnp.asarray(config.magnitude_levels(), F32)
        index = jnp.argmin(jnp.abs(mag[..., None] - lv), axis=-1).astype(jnp.int32)
        m = lv[index]
    elif config.bits is None:  # continuous conductances
        index = jnp.zeros(w.shape, jnp.int32)
        m = mag
    elif config.bits == 1:  # a single level per device: every weight reads as zero
        index = jnp.zeros(w.shape, jnp.int32)
        m = jnp.zeros_like(mag)
    else:  # uniform levels k / (L - 1), k = 0 .. L - 1
        top = 2 ** (config.bits - 1) - 1
        index = jnp.round(mag * top).astype(jnp.int32)
        m = index.astype(F32) / top
    g_on = config.g_min_S + m * config.g_range_S
    g_pos = jnp.where(w_norm > 0, g_on, config.g_min_S).astype(F32)
    g_neg = jnp.where(w_norm < 0, g_on, config.g_min_S).astype(F32)
    return MappedArray(g_pos, g_neg, (jnp.sign(w_norm) * index).astype(jnp.int32), scale)


def clip_programmed(g_S: Array, g_min_S: float, g_max_S: float, clip_after_noise: bool) -> Array:
    """Programmed conductances clipped to [g_min_S, g_max_S], or only to >= 0."""
    if clip_after_noise:
        return jnp.clip(g_S, g_min_S, g_max_S)
    return jnp.maximum(g_S, 0.0)


def program_conductances(g_S: Array, key: Array, config: CrossbarConfig) -> Array:
    """Write ``g_S`` with Gaussian programming error ``write_sigma_S``, then clip
    (``clip_after_noise``: to the range, else to G >= 0)."""
    noisy = g_S + config.write_sigma_S * jax.random.normal(key, g_S.shape, F32)
    return clip_programmed(noisy, config.g_min_S, config.g_max_S, config.clip_after_noise).astype(
        F32
    )


def effective_weight(g_pos_S: Array, g_neg_S: Array, scale: Array, config: CrossbarConfig) -> Array:
    """The weight a differential pair computes with: ``(G+ - G-) / (G_max - G_min) * scale``."""
    return ((g_pos_S - g_neg_S) / config.g_range_S * scale).astype(F32)


def program_layer(layer: FoldedLayer, key: Array, config: CrossbarConfig) -> FoldedLayer:
    """The layer as its programmed crossbar computes it (one write-noise draw)."""
    mapped = map_weights(layer.weight, config)
    kp, kn = jax.random.split(key)
    g_pos = program_conductances(mapped.g_pos_S, kp, config)
    g_neg = program_conductances(mapped.g_neg_S, kn, config)
    read_sigma = jnp.asarray(config.read_sigma_S / config.g_range_S, F32) * mapped.scale
    return FoldedLayer(
        effective_weight(g_pos, g_neg, mapped.scale, config), layer.bias, read_sigma, layer.stride
    )


def program_network(net: FoldedResNet, key: Array, config: CrossbarConfig) -> FoldedResNet:
    """Program every weight layer of ``net`` (one independent write-noise draw per device)."""
    is_layer = lambda x: isinstance(x, FoldedLayer)  # noqa: E731
    leaves, treedef = jax.tree_util.tree_flatten(net, is_leaf=is_layer)
    keys = jax.random.split(key, len(leaves))
    new = [
        program_layer(l, k, config) if is_layer(l) else l for l, k in zip(leaves, keys, strict=True)
    ]
    return jax.tree_util.tree_unflatten(treedef, new)


def programmed_conductances(net: FoldedResNet, key: Array, config: CrossbarConfig) -> np.ndarray:
    """All programmed device conductances of ``net`` (both devices of each pair), in S."""
    out = []
    for i, layer in enumerate(net.layers()):
        mapped = map_weights(layer.weight, config)
        kp, kn = jax.random.split(jax.random.fold_in(key, i))
        out.append(np.asarray(program_conductances(mapped.g_pos_S, kp, config)).ravel())
        out.append(np.asarray(program_conductances(mapped.g_neg_S, kn, config)).ravel())
    return np.concatenate(out)


class MappedLayer(eqx.Module):
    """A layer's target conductances (before programming error) and its digital bias."""

    g_pos_S: Array
    g_neg_S: Array
    scale: Array
    bias: Array
    stride: int = eqx.field(static=True)


@eqx.filter_jit
def map_network(net: FoldedResNet, config: CrossbarConfig) -> FoldedResNet:
    """``net`` with every :class:`FoldedLayer` replaced by its :class:`MappedLayer`
    (compiled once per network shape and configuration)."""
    is_layer = lambda x: isinstance(x, FoldedLayer)  # noqa: E731
    leaves, treedef = jax.tree_util.tree_flatten(net, is_leaf=is_layer)
    out = []
    for leaf in leaves:
        if is_layer(leaf):
            m = map_weights(leaf.weight, config)
            leaf = MappedLayer(m.g_pos_S, m.g_neg_S, m.scale, leaf.bias, leaf.stride)
        out.append(leaf)
    return jax.tree_util.tree_unflatten(treedef, out)


def program_mapped(
    mapped: FoldedResNet,
    key: Array,
    write_sigma_S: Array | float,
    read_sigma_S: Array | float,
    g_min_S: float,
    g_max_S: float,
    clip_after_noise: bool = True,
) -> FoldedResNet:
    """Program a :func:`map_network` result: write error drawn once per device, clip
    (:func:`clip_programmed`), and convert back to effective weights. Noise levels may be
    traced (one compilation serves a whole sweep)."""
    is_layer = lambda x: isinstance(x, MappedLayer)  # noqa: E731
    leaves, treedef = jax.tree_util.tree_flatten(mapped, is_leaf=is_layer)
    keys = jax.random.split(key, len(leaves))
    g_range = g_max_S - g_min_S
    out = []
    for leaf, k in zip(leaves, keys, strict=True):
        if is_layer(leaf):
            kp, kn = jax.random.split(k)
            gp = leaf.g_pos_S + write_sigma_S * jax.random.normal(kp, leaf.g_pos_S.shape, F32)
            gn = leaf.g_neg_S + write_sigma_S * jax.random.normal(kn, leaf.g_neg_S.shape, F32)
            gp = clip_programmed(gp, g_min_S, g_max_S, clip_after_noise)
            gn = clip_programmed(gn, g_min_S, g_max_S, clip_after_noise)
            w = ((gp - gn) / g_range * leaf.scale).astype(F32)
            rs = (jnp.asarray(read_sigma_S, F32) / g_range * leaf.scale).astype(F32)
            leaf = FoldedLayer(w, leaf.bias, rs, leaf.stride)
        out.append(leaf)
    return jax.tree_util.tree_unflatten(treedef, out)
