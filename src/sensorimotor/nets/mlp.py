r"""The library's one multilayer perceptron: a pytree of dense layers and pure functions.

Parameters are a tuple of :class:`Dense` layers (a pytree): ``Dense(w, b)`` with ``w`` of
shape ``(fan_in, fan_out)``. Every hidden layer is ``Dense -> [LayerNorm] -> activation``,
the output layer is ``Dense`` (linear):

.. math::
    a_0 = x,\quad a_l = \sigma(\operatorname{LN}(a_{l-1} W_l + b_l)),\quad
    f(x) = a_{L-1} W_L + b_L

Options, each a keyword of :func:`init_mlp` (how the weights start) or of
:func:`mlp_apply` / :func:`mlp_value_and_grad` (how the network computes):

* ``init="sparse"``: the stream-x initialisation (:func:`~sensorimotor.nets.sparse_init`,
  ``sparsity`` of each unit's inputs at zero); ``init="lecun"``: every weight
  :math:`\mathcal N(0, 1/\text{fan\_in})` (LeCun et al. 1998, "Efficient BackProp"),
  biases zero; ``init="uniform"``: every weight and bias
  :math:`\mathcal U(-1/\sqrt{\text{fan\_in}}, 1/\sqrt{\text{fan\_in}})`, PyTorch's
  ``nn.Linear`` default, from which Stable-Baselines3's networks start.
* ``activation``: ``"leaky_relu"`` (slope ``negative_slope`` below zero), ``"gelu"``
  (``jax.nn.gelu``, tanh approximation), ``"tanh"``, ``"silu"``, ``"relu"``.
* ``layer_norm``: parameter-free LayerNorm (:func:`~sensorimotor.nets.layer_norm`) on every
  hidden pre-activation, or none.
* ``dtype`` of the parameters (:func:`init_mlp`); the functions compute in it.

The users: the streaming :class:`~sensorimotor.continual.MLPLearner` (Elsayed, Vasan &
Mahmood 2024, "Streaming Deep Reinforcement Learning Finally Works": sparse init,
LayerNorm, LeakyReLU, trained one sample at a time through the fused
:func:`mlp_value_and_grad`) and the forward model of
:class:`~sensorimotor.learners.NetworkLearner` (LeCun init, no LayerNorm, gelu, kept as one
flat parameter vector: :func:`flatten_mlp` / :func:`unflatten_mlp`). Every function takes
ONE sample ``x`` of shape ``(in_dim,)``; ``jax.vmap`` makes batches.
"""

import contextlib
import contextvars
import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.base.bounds import is_int
from sensorimotor.nets.sparse_init import sparse_init

__all__ = [
    "ACTIVATIONS",
    "Dense",
    "flatten_mlp",
    "init_mlp",
    "loading_saved_network",
    "mlp_apply",
    "mlp_sizes",
    "mlp_value_and_grad",
    "param_count",
    "unflatten_mlp",
]

#: the activations of the hidden layers, by name
ACTIVATIONS = ("leaky_relu", "gelu", "tanh", "silu", "relu")
_SMOOTH = {"gelu": jax.nn.gelu, "tanh": jnp.tanh, "silu": jax.nn.silu, "relu": jax.nn.relu}
INITS = ("sparse", "lecun", "uniform")


class Dense(NamedTuple):
    """One dense layer ``x @ w + b``: ``w`` of shape ``(fan_in, fan_out)``, ``b`` ``(fan_out,)``.

    Example:
        >>> import jax.numpy as jnp
        >>> layer = Dense(w=jnp.ones((2, 3)), b=jnp.array([0.0, 1.0, 2.0]))
        >>> print(jnp.array([1.0, 2.0]) @ layer.w + layer.b)
        [3. 4. 5.]
        >>> print([p.w.shape for p in init_mlp(jax.random.key(0), 4, (16,), 1)])  # one per layer
        [(4, 16), (16, 1)]
    """

    w: Any
    b: Any


def _check_sizes(in_dim, hidden_sizes, out_dim) -> tuple[int, ...]:
    sizes = (in_dim, *hidden_sizes, out_dim)
    if not all(is_int(s) for s in sizes):
        raise ValueError(f"layer sizes must be positive ints, got {sizes}")
    sizes = tuple(int(s) for s in sizes)
    if any(s < 1 for s in sizes):
        raise ValueError(f"layer sizes must be positive, got {sizes}")
    return sizes


def param_count(sizes) -> int:
    """Number of parameters of an MLP of layer sizes ``(in_dim, *hidden, out_dim)``:
    :math:`\\sum_l (\\text{fan\\_in}_l + 1)\\,\\text{fan\\_out}_l`.

    >>> param_count((7, 64, 64, 2))  # 8*64 + 65*64 + 65*2
    4802
    """
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def mlp_sizes(params) -> tuple[int, ...]:
    """Layer sizes ``(in_dim, *hidden, out_dim)`` of ``params``.

    >>> mlp_sizes(init_mlp(jax.random.key(0), 3, (16,), 2))
    (3, 16, 2)
    """
    return (params[0].w.shape[0], *(layer.w.shape[1] for layer in params))


def flatten_mlp(params):
    """All parameters in one vector: layer by layer, its weights row-major, then its biases.

    The order is that of ``jax.flatten_util.ravel_pytree(params)``; NumPy parameters give a
    NumPy vector (no JAX dispatch), JAX parameters a JAX one.

    >>> params = init_mlp(jax.random.key(0), 2, (3,), 1, sparsity=0.5)
    >>> flat = flatten_mlp(params)
    >>> print(flat.shape, bool((unflatten_mlp(flat, (2, 3, 1))[0].w == params[0].w).all()))
    (13,) True
    """
    leaves = jax.tree_util.tree_leaves(params)
    xp = np if all(isinstance(leaf, np.ndarray) for leaf in leaves) else jnp
    return xp.concatenate([xp.reshape(leaf, (-1,)) for leaf in leaves])


def unflatten_mlp(flat, sizes) -> tuple[Dense, ...]:
    """Inverse of :func:`flatten_mlp` for layer sizes ``sizes``: static slices of ``flat``
    (free under ``jit``: XLA reads the layers in place).

    >>> unflatten_mlp(np.arange(13.0), (2, 3, 1))[1]
    Dense(w=array([[ 9.],
           [10.],
           [11.]]), b=array([12.]))
    """
    if flat.shape != (param_count(sizes),):
        raise ValueError(
            f"flat must have shape ({param_count(sizes)},) for layer sizes {tuple(sizes)}, "
            f"got {flat.shape}"
        )
    layers, pos = [], 0
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        w = flat[pos : pos + a * b].reshape(a, b)
        pos += a * b
        layers.append(Dense(w, flat[pos : pos + b]))
        pos += b
    return tuple(layers)


def _lecun_scales(sizes) -> np.ndarray:
    """Standard deviation of each flat parameter: ``1/sqrt(fan_in)`` for weights, 0 for biases."""
    parts = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        parts += [np.full(a * b, 1.0 / math.sqrt(a)), np.zeros(b)]
    return np.concatenate(parts)


def _uniform_bounds(sizes) -> np.ndarray:
    """Half-width of each flat parameter's uniform draw: ``1/sqrt(fan_in)``, biases too."""
    parts = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        parts += [np.full(a * b + b, 1.0 / math.sqrt(a))]
    return np.concatenate(parts)


def init_mlp(
    key,
    in_dim: int,
    hidden_sizes=(128, 128),
    out_dim: int = 1,
    *,
    init: str = "sparse",
    sparsity: float = 0.9,
    dtype=jnp.float32,
) -> tuple[Dense, ...]:
    """Parameters of an MLP ``in_dim -> *hidden_sizes -> out_dim``.

    ``init="sparse"``: each layer's weights from :func:`sparse_init` with ``sparsity`` (the
    output layer too, as in the stream-x code), one key per layer. ``init="lecun"``: every
    weight :math:`\\mathcal N(0, 1/\\text{fan\\_in})`, drawn in one call for the whole
    :func:`flatten_mlp` vector (biases' draws scaled to zero; NetworkLearner's weights of a
    given seed are those it always had); biases zero for both. ``init="uniform"``: every
    weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (PyTorch's ``nn.Linear``), drawn
    likewise in one call. ``key`` is a JAX PRNG key, or for ``"lecun"`` and ``"uniform"``
    also a NumPy ``Generator``: the parameters are then NumPy arrays and nothing compiles.
    ``dtype`` is a floating dtype (an int one is refused, not truncated to zeros).

    Example:
        >>> params = init_mlp(jax.random.key(0), 10, (128, 128), 1)
        >>> print([p.w.shape for p in params], float(params[0].b.sum()))
        [(10, 128), (128, 128), (128, 1)] 0.0
        >>> lecun = init_mlp(np.random.default_rng(0), 1000, (500,), 1, init="lecun")
        >>> print(round(float(lecun[0].w.std() * math.sqrt(1000)), 2), type(lecun[0].w).__name__)
        1.0 ndarray
        >>> torch_like = init_mlp(np.random.default_rng(0), 100, (50,), 1, init="uniform")
        >>> print(float(np.abs(torch_like[0].b).max()) <= 0.1, float(torch_like[1].w.max()) <= 50**-0.5)
        True True
    """
    sizes = _check_sizes(in_dim, hidden_sizes, out_dim)
    try:  # jnp.issubdtype: bfloat16 is floating, though NumPy calls its kind "V"
        floating = jnp.issubdtype(dtype, jnp.floating)
    except TypeError:
        floating = False
    if not floating:  # a Generator's draws cast to int are all zeros: refuse, not truncate
        raise TypeError(f"dtype must be a floating dtype, got {dtype!r}")
    if init == "sparse":
        if isinstance(key, np.random.Generator):
            raise TypeError("key: init='sparse' needs a JAX PRNG key, got a NumPy Generator")
        _check_sparse_can_learn(sizes, sparsity)
        keys = jax.random.split(key, len(sizes) - 1)
        return tuple(
            Dense(sparse_init(k, a, b, sparsity, dtype), jnp.zeros((b,), dtype))
            for k, a, b in zip(keys, sizes[:-1], sizes[1:], strict=True)
        )
    if init == "uniform":
        bounds = _uniform_bounds(sizes)
        if isinstance(key, np.random.Generator):
            flat = (key.uniform(-1.0, 1.0, bounds.shape) * bounds).astype(dtype)
        else:
            unit = jax.random.uniform(key, bounds.shape, dtype=dtype, minval=-1.0, maxval=1.0)
            flat = unit * bounds.astype(dtype)
        return unflatten_mlp(flat, sizes)
    if init != "lecun":
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    scales = _lecun_scales(sizes)
    if isinstance(key, np.random.Generator):
        flat = (key.standard_normal(scales.shape) * scales).astype(dtype)
    else:
        flat = jax.random.normal(key, scales.shape, dtype=dtype) * scales.astype(dtype)
    return unflatten_mlp(flat, sizes)


_LOADING = contextvars.ContextVar("sensorimotor_nets_loading", default=False)


@contextlib.contextmanager
def loading_saved_network():
    """Inside this block :func:`init_mlp` builds networks whose values a saved file then
    replaces, and does not refuse a sparse start that can never learn: a file of such a
    network (written before the refusal) loads as it was saved.

    Example:
        >>> with loading_saved_network():
        ...     print(mlp_sizes(init_mlp(jax.random.key(0), 3, (4,), 1)))
        (3, 4, 1)
    """
    token = _LOADING.set(True)
    try:
        yield
    finally:
        _LOADING.reset(token)


def _check_sparse_can_learn(sizes, sparsity) -> None:
    """Refuse a sparse start from which the network can never learn anything.

    Sparse init zeroes ``ceil(s * fan_in)`` inputs of every unit: all of them when
    ``fan_in < 1 / (1 - s)`` (fewer than 10 inputs at 0.9). A hidden layer with no weight
    outputs ``sigma(LN(0)) = 0`` (biases start at zero, and every activation here has
    ``sigma(0) = 0``) whatever the input; if the next layer has no weight either, no
    gradient reaches either layer's weights or the first one's biases, so the output stays
    a constant, for ever. One such layer alone is harmless (the stream-x networks on
    CartPole start so: 4 inputs)."""
    if not 0.0 <= float(sparsity) < 1.0:
        return  # sparse_init refuses it (NaN too), naming sparsity
    if _LOADING.get():
        return  # a template for a saved network's arrays: that network is what it was

    def empty(fan_in):
        return math.ceil(float(sparsity) * fan_in) >= fan_in

    # a unit is empty iff fan_in < 1 / (1 - s); start near that bound (no count from 1 to a
    # million at s = 0.999999), then step with sparse_init's own rounding
    widest_empty = max(1, int(1.0 / (1.0 - float(sparsity))) - 2)
    while widest_empty > 1 and not empty(widest_empty):
        widest_empty -= 1
    while empty(widest_empty + 1):
        widest_empty += 1
    empty = [empty(a) for a in sizes[:-1]]
    for layer in range(len(empty) - 1):
        if empty[layer] and empty[layer + 1]:
            raise ValueError(
                f"sparsity {sparsity} zeroes every weight of layers {layer} and {layer + 1} "
                f"({sizes[layer]} and {sizes[layer + 1]} inputs per unit): the network's "
                "output could never depend on its input (a layer with no weight outputs 0, "
                "and no gradient then reaches either layer). Widen the hidden layers (a "
                f"layer keeps a weight from {widest_empty + 1} inputs per unit at this "
                "sparsity) or lower the sparsity"
            )


def _check_activation(activation: str):
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")


def _normalise(h, layer_norm: bool, eps: float):
    """Returns ``(n, r)``: the normalised vector and ``1/sqrt(var + eps)`` (``None`` if off)."""
    if not layer_norm:
        return h, None
    mu = jnp.mean(h)
    c = h - mu
    r = jax.lax.rsqrt(jnp.mean(c * c) + eps)
    return c * r, r


def _check_input(params, x, one_sample: bool) -> None:
    """A ``ValueError`` naming ``x`` when its last axis is not the network's input width,
    or, if ``one_sample``, when it is not one sample ``(in_dim,)`` (shapes are static:
    this holds under ``jit``). LayerNorm's statistics are a sample's own: over a batch they
    mixed the rows, and the outputs were wrong without an error (``jax.vmap`` it)."""
    in_dim = params[0].w.shape[0]
    shape = tuple(np.shape(x))
    if not shape or shape[-1] != in_dim:
        raise ValueError(f"x must have shape ({in_dim},) (the network's input), got {shape}")
    if one_sample and len(shape) != 1:
        raise ValueError(
            f"x must be one sample of shape ({in_dim},), got {shape}: with LayerNorm a "
            "batch's rows would share statistics (jax.vmap over the batch instead)"
        )


def mlp_apply(
    params,
    x,
    *,
    activation: str = "leaky_relu",
    negative_slope: float = 0.01,
    layer_norm: bool = True,
    eps=1e-5,
):
    r"""The network's output for one input ``x`` (shape ``(in_dim,)``) -> ``(out_dim,)``
    (without LayerNorm a batch ``(N, in_dim)`` gives ``(N, out_dim)``; with it, a batch is
    a ``ValueError``: ``jax.vmap`` over it).

    .. math::
        a_0 = x,\quad a_l = \sigma(\operatorname{LN}(a_{l-1} W_l + b_l)),
        \quad f(x) = a_{L-1} W_L + b_L

    with :math:`\sigma` the ``activation`` (``negative_slope`` is LeakyReLU's) and LN the
    parameter-free LayerNorm (``layer_norm=False``: the identity; ``eps`` its variance floor).

    Example:
        >>> params = init_mlp(jax.random.key(0), 3, (16,), 2)
        >>> print(mlp_apply(params, jnp.ones(3)).shape)
        (2,)
        >>> print(mlp_apply(params, jnp.ones(3), activation="tanh", layer_norm=False).shape)
        (2,)
    """
    _check_activation(activation)
    _check_input(params, x, layer_norm)
    act = _SMOOTH.get(activation)
    a = x
    for layer in params[:-1]:
        n, _ = _normalise(a @ layer.w + layer.b, layer_norm, eps)
        a = jnp.where(n >= 0, n, negative_slope * n) if act is None else act(n)
    last = params[-1]
    return a @ last.w + last.b


def mlp_value_and_grad(
    params,
    x,
    *,
    activation: str = "leaky_relu",
    negative_slope: float = 0.01,
    layer_norm: bool = True,
    eps=1e-5,
):
    r"""Scalar output ``f(x)``, its gradient w.r.t. the parameters, and the gradient's 1-norm.

    One forward and one hand-written backward pass (the same numbers as
    ``jax.value_and_grad`` of :func:`mlp_apply` up to rounding, tested), laid out so that XLA
    fuses it into few kernels: this is the hot path of single-sample streaming learning,
    where the cost of a step is the number of kernels rather than the arithmetic. Backward
    through a hidden layer with pre-activation ``h``, normalised ``n``,
    ``r = (\sigma^2+\epsilon)^{-1/2}`` and upstream gradient ``g_a``:

    .. math::
        g_n = g_a \odot \sigma'(n),\qquad
        g_h = r\,(g_n - \overline{g_n} - n\,\overline{g_n n}),\\
        \nabla_{W} f = a_{\text{in}} \otimes g_h,\quad \nabla_b f = g_h,\quad
        g_{a_{\text{in}}} = W g_h

    (:math:`\sigma'(n) = \mathbb 1[n\ge0] + \nu\,\mathbb 1[n<0]` for LeakyReLU; without
    LayerNorm :math:`g_h = g_n`). The 1-norm of the whole gradient needs no pass over it,
    since :math:`\|a\otimes g\|_1 = \|a\|_1\|g\|_1`:
    :math:`\|\nabla f\|_1 = \sum_l \|g_{h,l}\|_1 (\|a_{l-1}\|_1 + 1)`.

    Args:
        params: output of :func:`init_mlp` with ``out_dim == 1``.
        x: one input, shape ``(in_dim,)``.
        activation, negative_slope, layer_norm, eps: as for :func:`mlp_apply`.

    Returns:
        ``(value, grads, grad_l1)``: scalar ``f(x)``, a pytree like ``params``, a scalar.

    Example:
        >>> params = init_mlp(jax.random.key(0), 3, (16,), 1)
        >>> v, g, l1 = mlp_value_and_grad(params, jnp.array([0.5, -1.0, 2.0]))
        >>> v2, g2 = jax.value_and_grad(lambda p: mlp_apply(p, jnp.array([0.5, -1.0, 2.0]))[0])(
        ...     params)
        >>> print(bool(jnp.allclose(v, v2, atol=1e-6)), g[0].w.shape, float(l1) > 0)
        True (3, 16) True
    """
    _check_activation(activation)
    if params[-1].w.shape[-1] != 1:
        raise ValueError(
            f"mlp_value_and_grad needs a scalar output (out_dim 1), got {params[-1].w.shape[-1]}"
        )
    _check_input(params, x, True)  # one sample: its gradient is laid out for one
    act = _SMOOTH.get(activation)
    inputs, norms, rstds, slopes = [], [], [], []
    a = x
    for layer in params[:-1]:
        inputs.append(a)
        n, r = _normalise(a @ layer.w + layer.b, layer_norm, eps)
        norms.append(n)
        rstds.append(r)
        if act is None:
            a = jnp.where(n >= 0, n, negative_slope * n)
            slopes.append(None)
        else:  # an elementwise activation: its derivative is the JVP with ones
            a, d = jax.jvp(act, (n,), (jnp.ones_like(n),))
            slopes.append(d)
    last = params[-1]
    value = (a @ last.w + last.b)[0]

    one = jnp.ones_like(last.b)
    grads = [Dense(a[:, None], one)]
    # 1-norms still to take, by name; each is folded into the next LayerNorm-backward
    # reduction of the same width (one kernel instead of several), the rest at the end.
    pending = {"a_top": a}
    sums = {}
    g_a = last.w[:, 0]
    for i in range(len(params) - 2, -1, -1):
        n, r, a_in = norms[i], rstds[i], inputs[i]
        if slopes[i] is None:
            g = g_a * jnp.where(n >= 0, 1.0, negative_slope).astype(n.dtype)
        else:
            g = g_a * slopes[i]
        if layer_norm:
            ride = [k for k, v in pending.items() if v.shape == g.shape]
            stacked = jnp.stack([g, g * n] + [jnp.abs(pending.pop(k)) for k in ride])
            totals = jnp.sum(stacked, axis=1)
            sums.update(zip(ride, totals[2:], strict=True))
            size = g.shape[0]
            g = r * (g - totals[0] / size - n * (totals[1] / size))
        grads.append(Dense(a_in[:, None] * g[None, :], g))
        pending[f"g{i}"] = g
        pending[f"a{i}"] = a_in
        if i > 0:
            g_a = params[i].w @ g
    for k, v in pending.items():
        sums[k] = jnp.sum(jnp.abs(v))
    l1 = sums["a_top"] + 1.0
    for i in range(len(params) - 1):
        l1 = l1 + sums[f"g{i}"] * (sums[f"a{i}"] + 1.0)
    return value, tuple(reversed(grads)), l1
