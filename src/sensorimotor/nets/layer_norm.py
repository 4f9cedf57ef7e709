"""Parameter-free layer normalisation of one sample's activation vector."""

import jax
import jax.numpy as jnp

__all__ = ["layer_norm"]


def layer_norm(h, eps: float = 1e-5):
    r"""Normalise a vector to zero mean and unit variance, with no gain or bias.

    .. math::
        \mu = \tfrac1N \sum_i h_i,\quad \sigma^2 = \tfrac1N \sum_i (h_i-\mu)^2,\quad
        \operatorname{LN}(h)_i = (h_i - \mu)\,/\sqrt{\sigma^2 + \epsilon}

    (Ba, Kiros & Hinton 2016, without the learned affine part, as in the stream-x networks of
    Elsayed, Vasan & Mahmood 2024). ``eps`` is PyTorch's default.

    Args:
        h: array of shape ``(N,)`` (one sample; ``vmap`` for batches).
        eps: added to the variance.

    Returns:
        array of shape ``(N,)``.

    Example:
        >>> import jax.numpy as jnp
        >>> n = layer_norm(jnp.array([1.0, 2.0, 3.0]))
        >>> print(round(float(n.mean()), 6), round(float((n * n).mean()), 4))
        0.0 1.0
    """
    mu = jnp.mean(h, axis=-1, keepdims=True)
    c = h - mu
    var = jnp.mean(c * c, axis=-1, keepdims=True)
    return c * jax.lax.rsqrt(var + eps)
