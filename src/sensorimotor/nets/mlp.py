"""A tiny stream-x multilayer perceptron as a pytree, with a fused forward/backward pass.

Architecture (Elsayed, Vasan & Mahmood 2024, "Streaming Deep Reinforcement Learning Finally
Works"): every hidden layer is ``Dense -> parameter-free LayerNorm -> LeakyReLU``, the output
layer is ``Dense``; weights start sparse (:func:`sparse_init`) and biases at zero.

Parameters are a tuple of :class:`Dense` layers (a pytree): ``Dense(w, b)`` with ``w`` of
shape ``(fan_in, fan_out)``. Every function takes ONE sample ``x`` of shape ``(in_dim,)``;
``jax.vmap`` makes batches.
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from sensorimotor.nets.sparse_init import sparse_init

__all__ = ["Dense", "init_mlp", "mlp_apply", "mlp_value_and_grad"]


class Dense(NamedTuple):
    """One dense layer ``x @ w + b``: ``w`` of shape ``(fan_in, fan_out)``, ``b`` ``(fan_out,)``."""

    w: Any
    b: Any


def init_mlp(
    key,
    in_dim: int,
    hidden_sizes=(128, 128),
    out_dim: int = 1,
    *,
    sparsity: float = 0.9,
    dtype=jnp.float32,
) -> tuple[Dense, ...]:
    """Sparse-initialised parameters of an MLP ``in_dim -> *hidden_sizes -> out_dim``.

    Each layer's weights come from :func:`sparse_init` (the output layer too, as in the
    stream-x code), biases are zero.

    Example:
        >>> import jax
        >>> params = init_mlp(jax.random.key(0), 10, (128, 128), 1)
        >>> print([p.w.shape for p in params], float(params[0].b.sum()))
        [(10, 128), (128, 128), (128, 1)] 0.0
    """
    sizes = (int(in_dim), *(int(h) for h in hidden_sizes), int(out_dim))
    if any(s < 1 for s in sizes):
        raise ValueError(f"layer sizes must be positive, got {sizes}")
    keys = jax.random.split(key, len(sizes) - 1)
    return tuple(
        Dense(sparse_init(k, a, b, sparsity, dtype), jnp.zeros((b,), dtype))
        for k, a, b in zip(keys, sizes[:-1], sizes[1:], strict=True)
    )


def _normalise(h, layer_norm: bool, eps: float):
    """Returns ``(n, r)``: the normalised vector and ``1/sqrt(var + eps)`` (``None`` if off)."""
    if not layer_norm:
        return h, None
    mu = jnp.mean(h)
    c = h - mu
    r = jax.lax.rsqrt(jnp.mean(c * c) + eps)
    return c * r, r


def mlp_apply(params, x, *, layer_norm: bool = True, negative_slope: float = 0.01, eps=1e-5):
    r"""The network's output for one input ``x`` (shape ``(in_dim,)``) -> ``(out_dim,)``.

    .. math::
        a_0 = x,\quad a_l = \operatorname{LeakyReLU}(\operatorname{LN}(a_{l-1} W_l + b_l)),
        \quad f(x) = a_{L-1} W_L + b_L

    Example:
        >>> import jax, jax.numpy as jnp
        >>> params = init_mlp(jax.random.key(0), 3, (8,), 2)
        >>> print(mlp_apply(params, jnp.ones(3)).shape)
        (2,)
    """
    a = x
    for layer in params[:-1]:
        n, _ = _normalise(a @ layer.w + layer.b, layer_norm, eps)
        a = jnp.where(n >= 0, n, negative_slope * n)
    last = params[-1]
    return a @ last.w + last.b


def mlp_value_and_grad(
    params, x, *, layer_norm: bool = True, negative_slope: float = 0.01, eps=1e-5
):
    r"""Scalar output ``f(x)``, its gradient w.r.t. the parameters, and the gradient's 1-norm.

    One forward and one hand-written backward pass (the same numbers as
    ``jax.value_and_grad`` up to rounding, tested), laid out so that XLA fuses it into few
    kernels: this is the hot path of single-sample streaming learning, where the cost of a
    step is the number of kernels rather than the arithmetic. Backward through a hidden layer
    with pre-activation ``h``, normalised ``n``, ``r = (\sigma^2+\epsilon)^{-1/2}`` and
    upstream gradient ``g_a``:

    .. math::
        g_n = g_a \odot \mathbb 1[n\ge0] + \nu\, g_a \odot \mathbb 1[n<0],\qquad
        g_h = r\,(g_n - \overline{g_n} - n\,\overline{g_n n}),\\
        \nabla_{W} f = a_{\text{in}} \otimes g_h,\quad \nabla_b f = g_h,\quad
        g_{a_{\text{in}}} = W g_h .

    The 1-norm of the whole gradient needs no pass over it, since
    :math:`\|a\otimes g\|_1 = \|a\|_1\|g\|_1`:
    :math:`\|\nabla f\|_1 = \sum_l \|g_{h,l}\|_1 (\|a_{l-1}\|_1 + 1)`.

    Args:
        params: output of :func:`init_mlp` with ``out_dim == 1``.
        x: one input, shape ``(in_dim,)``.

    Returns:
        ``(value, grads, grad_l1)``: scalar ``f(x)``, a pytree like ``params``, a scalar.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> params = init_mlp(jax.random.key(0), 3, (8, 8), 1)
        >>> v, g, l1 = mlp_value_and_grad(params, jnp.array([0.5, -1.0, 2.0]))
        >>> v2, g2 = jax.value_and_grad(lambda p: mlp_apply(p, jnp.array([0.5, -1.0, 2.0]))[0])(
        ...     params)
        >>> print(bool(jnp.allclose(v, v2, atol=1e-6)), g[0].w.shape, float(l1) > 0)
        True (3, 8) True
    """
    if params[-1].w.shape[-1] != 1:
        raise ValueError(
            f"mlp_value_and_grad needs a scalar output (out_dim 1), got {params[-1].w.shape[-1]}"
        )
    inputs, norms, rstds = [], [], []
    a = x
    for layer in params[:-1]:
        inputs.append(a)
        n, r = _normalise(a @ layer.w + layer.b, layer_norm, eps)
        norms.append(n)
        rstds.append(r)
        a = jnp.where(n >= 0, n, negative_slope * n)
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
        g = g_a * jnp.where(n >= 0, 1.0, negative_slope).astype(n.dtype)
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
